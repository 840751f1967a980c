"""The ``skdigits`` command line: train, predict, evaluate, draw (errors), --help.

Commands run in-process through ``skdigits.cli.main`` (fast, output read with capsys);
a few run ``python -m skdigits`` in a subprocess: --help (no TensorFlow import), predict
(no TensorFlow start-up lines on stderr) and train interrupted with SIGINT. ONE small
model is trained per test session (2,000 digits, 1 epoch) and shared with test_gui.py
and test_examples.py through a file in pytest's session temporary folder; here it is
also saved in the safe format, and stands in for the shipped pretrained model
(``SKDIGITS_PRETRAINED``). The library layer under the commands,
:mod:`skdigits.inference`, is tested at the end.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import joblib
import pytest
from PIL import Image

from skdigits.cli import DEFAULT_TRAIN, main
from skdigits.exceptions import BlankImageError

REPO_ROOT = Path(__file__).resolve().parents[1]
# TensorFlow's start-up lines that no command may print (without --debug).
TF_NOISE = ("absl::InitializeLog", "cuda", "oneDNN", "cpu_feature_guard", "TF_ENABLE_ONEDNN_OPTS")

@pytest.fixture(scope="module")
def trained(cli_model):
    return cli_model


@pytest.fixture(scope="module")
def pickle_path(trained):
    """The session's model as ``skdigits train --output model.joblib`` wrote it."""
    return trained[0]


@pytest.fixture(scope="module")
def model_path(pickle_path, tmp_path_factory):
    """The same model in the safe format (what ``skdigits train`` writes by default)."""
    from skdigits.persistence import save_safe

    return save_safe(joblib.load(pickle_path), tmp_path_factory.mktemp("safe") / "model.skdigits")


@pytest.fixture
def pretrained(model_path, monkeypatch):
    """The session's model in place of the shipped pretrained one."""
    monkeypatch.setenv("SKDIGITS_PRETRAINED", str(model_path))
    return model_path


def subprocess_env(**extra):
    """The environment of ``python -m skdigits`` subprocesses, without TF_CPP_MIN_LOG_LEVEL."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path, **extra)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


@pytest.fixture(scope="module")
def drawn_files(drawn_dev_dir):
    """Three drawn digits: (path, label)."""
    return [(sorted((drawn_dev_dir / label).glob("*.png"))[0], label) for label in ("0", "1", "7")]


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_valid_png(path):
    assert path.is_file(), f"{path} was not written"
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.size[0] > 200 and im.size[1] > 200
        im.load()


def assert_one_line_error(err):
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("skdigits ")


# --------------------------------------------------------------------------- #
# train
# --------------------------------------------------------------------------- #
def test_train_writes_model_figures_and_reports_accuracy(trained):
    model, log = trained
    assert log.startswith("0\n")
    # 2,000 digits: 200 held back (never trained on) to measure each epoch.
    assert "on 1,800 MNIST training digits (200 more held back" in log, log
    assert re.search(r"epoch 1/1: training loss [\d.]+, accuracy on 200 held-back training "
                     r"digits [\d.]+% \([\d.]+ s\)", log), log
    match = re.search(r"Test accuracy on the 10,000 MNIST test digits: ([\d.]+)%", log)
    assert match, log
    assert float(match.group(1)) > 60  # 1,800 digits, 1 epoch of the simple CNN: ~80 %
    assert re.search(r"Training took [\d.]+ s", log)
    assert f"Model saved to {model} (joblib/pickle: load it with --allow-pickle)" in log
    assert_valid_png(model.with_name("model_confusion.png"))
    assert_valid_png(model.with_name("model_training.png"))
    # Nothing else (no temporary files) was left in the folder.
    names = {p.name for p in model.parent.iterdir()}
    assert names == {"model.joblib", "model_confusion.png", "model_training.png", "train-output.txt"}


def test_saved_model_is_a_clean_pipeline(pickle_path):
    pipe = joblib.load(pickle_path)
    assert [name for name, _ in pipe.steps] == ["digitimagepreprocessor", "digitcnnclassifier"]
    classifier = pipe[-1]
    assert classifier.callbacks is None  # the progress display is not saved
    assert classifier.architecture == "simple" and classifier.epochs == 1


def test_held_back_digits_are_not_trained_on(monkeypatch, tmp_path, capsys):
    """The epoch lines measure digits that the fit never sees (and not the test set)."""
    from sklearn.pipeline import Pipeline

    from skdigits.datasets import load_mnist

    (X_train, _), _ = load_mnist()
    seen = {}

    def record_fit(self, X, y=None, **params):
        seen["X"] = X
        raise KeyboardInterrupt  # no need to train

    monkeypatch.setattr(Pipeline, "fit", record_fit)
    status, out, err = run(capsys, "train", "--limit", "500", "--output", tmp_path / "m.skdigits")
    assert status == 130
    fitted = {x.tobytes() for x in seen["X"]}
    assert len(seen["X"]) == 450 and len(fitted) == len(seen["X"])
    held = [x for x in X_train[:500] if x.tobytes() not in fitted]
    assert len(held) == 50


def test_default_train_settings_are_one_known_architecture():
    from skdigits.architectures import ARCHITECTURES

    assert set(DEFAULT_TRAIN) == {"architecture", "epochs"}
    assert DEFAULT_TRAIN["architecture"] in ARCHITECTURES
    assert isinstance(DEFAULT_TRAIN["epochs"], int) and DEFAULT_TRAIN["epochs"] >= 1


def test_ctrl_c_during_training_writes_no_model(tmp_path, capsys, monkeypatch):
    """Ctrl-C inside Keras' fit: exit 130, one line, the previous model file untouched."""
    import skdigits._cli_train as cli_train

    original = cli_train._progress_callback

    def interrupting(*args, **kwargs):
        callback = original(*args, **kwargs)

        def on_train_batch_begin(batch, logs=None):
            if batch == 2:
                raise KeyboardInterrupt

        callback.on_train_batch_begin = on_train_batch_begin
        return callback

    monkeypatch.setattr(cli_train, "_progress_callback", interrupting)
    output = tmp_path / "model.skdigits"
    output.write_bytes(b"previous model")
    status, out, err = run(capsys, "train", "--limit", "300", "--epochs", "1",
                           "--architecture", "simple", "--output", output)
    assert status == 130
    assert_one_line_error(err)
    assert "interrupted" in err and "no model was written" in err
    assert output.read_bytes() == b"previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skdigits"]


def _train_and_interrupt(trigger, delay, output):
    """``python -m skdigits train`` sent SIGINT ``delay`` s after start or a stdout line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "skdigits", "train", "--epochs", "1", "--limit", "500",
         "--architecture", "simple", "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
        cwd=REPO_ROOT,
    )
    lines = []
    if trigger is not None:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(trigger):
                break
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, "".join(lines) + out, err


def test_sigint_at_any_moment_of_train_exits_130_with_one_line(tmp_path):
    """Ctrl-C 0.3 s and 3 s into importing TensorFlow and 0.3 s into fit: 130, one line.

    The three runs go in parallel (one TensorFlow import dominates). None of them has
    TF_CPP_MIN_LOG_LEVEL set, so this also checks that TensorFlow's start-up lines stay
    off stderr.
    """
    cases = {"import 0.3 s": ("Loading TensorFlow", 0.3), "import 3 s": ("Loading TensorFlow", 3.0),
             "fit 0.3 s": ("Training the", 0.3)}
    results = {}

    def one(name, trigger, delay):
        results[name] = _train_and_interrupt(trigger, delay, tmp_path / f"{name[:3]}-{delay}.skdigits")

    threads = [threading.Thread(target=one, args=(name, *case)) for name, case in cases.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in cases:
        status, out, err = results[name]
        assert status == 130, (name, out, err)
        assert err == "skdigits train: error: interrupted: training stopped, no model was written.\n", \
            (name, err)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_inside_deferred_waits_for_a_safe_point():
    """Around Keras' fit, the SIGINT handler only records; check() raises at a safe point."""
    from skdigits._cli_common import SIGINT

    previous = signal.getsignal(signal.SIGINT)
    with SIGINT.watch():
        with pytest.raises(KeyboardInterrupt):
            with SIGINT.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)  # the handler has run: it did not raise
                assert SIGINT.seen
                reached = True
        assert reached  # the block ran to its end, then the interrupt was raised
    with SIGINT.watch():
        with pytest.raises(KeyboardInterrupt):  # outside deferred(): raised at once
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    assert signal.getsignal(signal.SIGINT) is previous


def test_train_writes_the_safe_format_by_default(tmp_path, drawn_files, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train", "--limit", "300", "--epochs", "1", "--architecture",
                           "simple", "--random-state", "0")
    assert status == 0, err
    output = tmp_path / "model.skdigits"
    assert f"Model saved to {output.name}\n" in out
    assert zipfile.is_zipfile(output)
    monkeypatch.setattr("skdigits.persistence.load", None)  # joblib must not be used
    status, out, err = run(capsys, "predict", "--model", output, drawn_files[0][0])
    assert status == 0, err
    assert LINE.match(out.strip())


def test_train_output_must_name_a_known_format(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--output", tmp_path / "model.bin")
    assert status == 2
    assert_one_line_error(err)
    assert "name the file *.skdigits" in err and not (tmp_path / "model.bin").exists()


def test_train_without_data_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKDIGITS_DATA", str(tmp_path / "no-mnist-here"))
    monkeypatch.setattr("skdigits.datasets.MNIST_MIRRORS", ())  # no download attempt
    status, out, err = run(capsys, "train", "--limit", "100", "--output", tmp_path / "m.skdigits")
    assert status == 1
    assert_one_line_error(err)
    assert "MNIST is not available" in err and "SKDIGITS_DATA" in err
    assert not (tmp_path / "m.skdigits").exists()


def test_train_rejects_unknown_architecture_and_bad_numbers(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--architecture", "huge", "--output", tmp_path / "m.skdigits")
    assert status == 2
    assert_one_line_error(err)
    assert "unknown architecture 'huge'" in err and "deep" in err
    status, out, err = run(capsys, "train", "--epochs", "0")
    assert status == 2 and "positive integer" in err and "Traceback" not in err


def test_train_refuses_a_directory_as_output(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--output", tmp_path)
    assert status == 1
    assert_one_line_error(err)
    assert "is a directory" in err


# --------------------------------------------------------------------------- #
# predict
# --------------------------------------------------------------------------- #
LINE = re.compile(r"^(?P<file>\S+)\s+(?P<digit>\d)\s+(?P<conf>[\d.]+)%\s+top-3: (?P<top>.+)$")


def assert_prediction_lines(out, paths):
    lines = out.splitlines()
    assert len(lines) == len(paths)
    for line, path in zip(lines, paths):
        match = LINE.match(line)
        assert match, line
        assert match["file"] == str(path)
        assert 0 < float(match["conf"]) <= 100
        top = re.findall(r"(\d) +([\d.]+)%", match["top"])
        assert len(top) == 3 and top[0][0] == match["digit"]


def test_predict_prints_one_line_per_image(model_path, drawn_files, capsys):
    paths = [p for p, _ in drawn_files]
    status, out, err = run(capsys, "predict", "--model", model_path, *paths)
    assert status == 0, err
    assert_prediction_lines(out, paths)
    assert err == ""


def test_predict_without_a_model_uses_the_pretrained_one(pretrained, drawn_files, capsys):
    paths = [p for p, _ in drawn_files]
    default = run(capsys, "predict", *paths)
    assert default[0] == 0 and default[2] == ""
    assert_prediction_lines(default[1], paths)
    assert default == run(capsys, "predict", "--model", pretrained, *paths)


def test_the_older_form_predict_model_image_still_works(model_path, drawn_files, capsys):
    paths = [p for p, _ in drawn_files]
    new = run(capsys, "predict", "--model", model_path, *paths)
    old = run(capsys, "predict", model_path, *paths)
    assert old[0] == 0 and old[1] == new[1]
    assert old[2] == (f"skdigits predict: note: {model_path} is read as --model {model_path} "
                      f"(the older form; type: skdigits predict --model {model_path} ...)\n")
    status, out, err = run(capsys, "predict", model_path)  # a model and no image
    assert status == 2
    assert_one_line_error(err)
    assert f"type: skdigits predict --model {model_path} IMAGE..." in err


def test_the_pretrained_model_missing_is_a_one_line_error(tmp_path, drawn_files, capsys, monkeypatch):
    monkeypatch.setenv("SKDIGITS_PRETRAINED", str(tmp_path / "gone.skdigits"))
    status, out, err = run(capsys, "predict", drawn_files[0][0])
    assert status == 1
    assert_one_line_error(err)
    assert "--model PATH" in err


@pytest.fixture
def bad_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image\n")
    blank = tmp_path / "blank.png"
    Image.new("L", (280, 280), 255).save(blank)
    return {"missing": tmp_path / "missing.png", "text": text, "blank": blank}


def test_predict_reports_bad_files_and_still_predicts_the_others(model_path, drawn_files, bad_files, capsys):
    good = [p for p, _ in drawn_files[:2]]
    argv = [good[0], bad_files["missing"], bad_files["text"], good[1], bad_files["blank"]]
    status, out, err = run(capsys, "predict", "--model", model_path, *argv)
    assert status == 1
    assert [LINE.match(line)["file"] for line in out.splitlines()] == [str(p) for p in good]
    assert "Traceback" not in err
    errors = err.splitlines()
    assert errors[0] == f"skdigits predict: {bad_files['missing']}: no such file"
    assert errors[1].startswith(f"skdigits predict: {bad_files['text']}: ") and "not an image" in errors[1]
    assert errors[2] == f"skdigits predict: {bad_files['blank']}: blank image: no digit found"
    assert errors[3] == "skdigits predict: 3 of 5 image(s) could not be recognised."


def test_predict_with_n_jobs_gives_the_same_lines_and_errors(model_path, drawn_dev_dir, bad_files, capsys):
    """--n-jobs 2 splits the files over two worker processes: same output, same order."""
    good = [p for label in ("2", "3", "4", "5", "8", "9") for p in sorted((drawn_dev_dir / label).glob("*.png"))[:3]]
    argv = [*good[:6], bad_files["missing"], *good[6:12], bad_files["text"], bad_files["blank"], *good[12:]]
    assert len(argv) >= 2 * 8  # enough for two shares (at least 8 images each)
    one = run(capsys, "predict", "--model", model_path, *argv)
    two = run(capsys, "predict", "--model", model_path, *argv, "--n-jobs", "2")
    assert one == two
    status, out, err = two
    assert status == 1 and len(out.splitlines()) == len(good)
    errors = err.splitlines()
    assert errors[0] == f"skdigits predict: {bad_files['missing']}: no such file"
    assert errors[1].startswith(f"skdigits predict: {bad_files['text']}: ")
    assert errors[2] == f"skdigits predict: {bad_files['blank']}: blank image: no digit found"


@pytest.mark.parametrize("value", ["0", "two"])
def test_n_jobs_must_be_a_non_zero_integer(model_path, drawn_files, capsys, value):
    status, out, err = run(capsys, "predict", "--model", model_path, drawn_files[0][0], "--n-jobs", value)
    assert status == 2 and not out
    assert "--n-jobs: expected a non-zero integer" in err


def test_predict_json(model_path, drawn_files, bad_files, capsys):
    good = drawn_files[0][0]
    status, out, err = run(capsys, "predict", "--json", "--model", model_path, good, bad_files["missing"])
    assert status == 1
    records = json.loads(out)
    assert [r["file"] for r in records] == [str(good), str(bad_files["missing"])]
    ok, failed = records
    assert set(ok) == {"file", "digit", "confidence", "top3"}
    assert isinstance(ok["digit"], int) and 0 <= ok["digit"] <= 9
    probabilities = [t["probability"] for t in ok["top3"]]
    assert ok["top3"][0]["digit"] == ok["digit"]
    assert probabilities == sorted(probabilities, reverse=True)
    assert ok["confidence"] == probabilities[0] and sum(probabilities) <= 1 + 1e-6
    assert failed == {"file": str(bad_files["missing"]), "error": "no such file"}


def test_predict_accepts_a_bare_classifier(tmp_path, pickle_path, drawn_files, capsys):
    """A classifier saved without its preprocessor gets one in front of it."""
    bare = tmp_path / "bare.joblib"
    joblib.dump(joblib.load(pickle_path)[-1], bare)
    status, out, err = run(capsys, "predict", "--allow-pickle", "--model", bare, drawn_files[0][0])
    assert status == 0, err
    assert LINE.match(out.strip())


def test_predict_in_a_subprocess_prints_no_tensorflow_start_up_lines(model_path, drawn_files):
    """``skdigits predict seven.png`` (pretrained model), without TF_CPP_MIN_LOG_LEVEL in the
    environment: one line on stdout, nothing on stderr."""
    proc = subprocess.run([sys.executable, "-m", "skdigits", "predict", str(drawn_files[0][0])],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=180,
                          env=subprocess_env(SKDIGITS_PRETRAINED=str(model_path)))
    assert proc.returncode == 0, proc.stderr
    assert LINE.match(proc.stdout.strip())
    assert proc.stderr == ""


# --------------------------------------------------------------------------- #
# model files: missing, corrupt, pickles
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("command", ["predict", "evaluate", "draw"])
def test_missing_model_is_a_one_line_error(tmp_path, drawn_files, capsys, command):
    extra = [drawn_files[0][0]] if command == "predict" else []
    status, out, err = run(capsys, command, "--model", tmp_path / "nope.skdigits", *extra)
    assert status == 1
    assert_one_line_error(err)
    assert "no model file at" in err and "skdigits train" in err


@pytest.mark.parametrize("command", ["predict", "evaluate", "draw"])
def test_a_pickle_needs_allow_pickle(pickle_path, drawn_files, capsys, command):
    extra = [drawn_files[0][0]] if command == "predict" else []
    status, out, err = run(capsys, command, "--model", pickle_path, *extra)
    assert status == 1 and out == ""
    assert_one_line_error(err)
    assert "runs code" in err and "--allow-pickle" in err and "save_safe" in err


def test_a_pickle_named_skdigits_is_never_unpickled(tmp_path, drawn_files, capsys):
    """The loader goes by the name: a .skdigits file is read by the safe loader only."""
    marker = tmp_path / "code-ran"
    evil = tmp_path / "evil.skdigits"
    joblib.dump(_RunsCode(str(marker)), evil)
    for extra in ([], ["--allow-pickle"]):
        status, out, err = run(capsys, "predict", *extra, "--model", evil, drawn_files[0][0])
        assert status == 1
        assert_one_line_error(err)
        assert str(evil) in err
    assert not marker.exists()


class _RunsCode:
    """Unpickling it creates a file: what a malicious model file could do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_corrupt_and_wrong_model_files_are_one_line_errors(tmp_path, pickle_path, drawn_files, capsys):
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(pickle_path.read_bytes()[:5000])
    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(os.urandom(2000))
    not_a_model = tmp_path / "dict.joblib"
    joblib.dump({"weights": [1, 2, 3]}, not_a_model)
    for path, expected in [(truncated, "not a usable model file"), (garbage, "not a usable model file"),
                           (not_a_model, "not a fitted classifier")]:
        status, out, err = run(capsys, "predict", "--allow-pickle", "--model", path, drawn_files[0][0])
        assert status == 1, path
        assert_one_line_error(err)
        assert expected in err, err


def test_safe_model_files_are_loaded_without_joblib(tmp_path, model_path, drawn_files, capsys, monkeypatch):
    monkeypatch.setattr("skdigits.persistence.load", None)  # joblib must not be used
    status, out, err = run(capsys, "predict", "--json", "--model", model_path, drawn_files[0][0])
    assert status == 0, err
    assert json.loads(out)[0]["digit"] in range(10)
    broken = tmp_path / "broken.skdigits"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("manifest.json", "{not json")
    status, out, err = run(capsys, "predict", "--model", broken, drawn_files[0][0])
    assert status == 1
    assert_one_line_error(err)
    assert str(broken) in err


def test_debug_shows_the_traceback(tmp_path):
    from skdigits.cli import CommandError

    with pytest.raises(CommandError, match="no model file"):
        main(["--debug", "predict", "--model", str(tmp_path / "nope.skdigits"), "x.png"])


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #
def test_evaluate_on_a_labelled_folder(tmp_path, model_path, drawn_dev_dir, capsys):
    folder = tmp_path / "digits"
    for label in ("1", "7"):
        (folder / label).mkdir(parents=True)
        for source in sorted((drawn_dev_dir / label).glob("*.png"))[:3]:
            (folder / label / source.name).write_bytes(source.read_bytes())
    Image.new("L", (100, 100), 255).save(folder / "7" / "empty.png")  # blank: left out
    (folder / "7" / "README.txt").write_text("not an image")           # ignored
    confusion, errors = tmp_path / "cm.png", tmp_path / "errors.png"
    status, out, err = run(capsys, "evaluate", "--model", model_path, "--images", folder,
                           "--confusion", confusion, "--errors", errors)
    assert status == 0, err
    match = re.search(rf"Accuracy: ([\d.]+)% on 6 images in {re.escape(str(folder))} "
                      r"\(1 unreadable or blank image\(s\) left out\)", out)
    assert match, out
    assert "precision" in out and "recall" in out and "macro avg" in out
    assert re.search(r"^\s+1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+3$", out, re.M), out
    assert "empty.png: blank image" in err
    assert_valid_png(confusion)
    assert_valid_png(errors)


def test_evaluate_on_mnist(model_path, capsys):
    status, out, err = run(capsys, "evaluate", "--model", model_path, "--limit", "500", "--no-plots")
    assert status == 0, err
    match = re.search(r"Accuracy: ([\d.]+)% on 500 MNIST test digits", out)
    assert match and float(match.group(1)) > 60
    assert "weighted avg" in out
    assert "saved to" not in out


def test_evaluate_the_pretrained_model_writes_figures_in_the_current_folder(
        pretrained, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "evaluate", "--limit", "40")  # few mistakes: a small grid
    assert status == 0, err
    assert re.search(r"Accuracy: ([\d.]+)% on 40 MNIST test digits", out)
    assert_valid_png(tmp_path / "pretrained_eval_confusion.png")
    assert_valid_png(tmp_path / "pretrained_eval_errors.png")


def test_evaluate_on_an_empty_folder(tmp_path, model_path, capsys):
    (tmp_path / "7").mkdir()
    status, out, err = run(capsys, "evaluate", "--model", model_path, "--images", tmp_path)
    assert status == 1
    assert_one_line_error(err)
    assert "no labelled images" in err


# --------------------------------------------------------------------------- #
# help, usage, version
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("command", [[], ["train"], ["predict"], ["evaluate"], ["draw"]])
def test_help_of_every_command(capsys, command):
    status, out, err = run(capsys, *command, "--help")
    assert status == 0
    assert out.startswith("usage: skdigits")
    assert "examples:" in out and "  skdigits " in out
    assert len(out.split("\n\n")[1]) > 60  # a real description
    if command and command[0] != "train":
        assert "--model PATH" in out and "--allow-pickle" in out


def test_no_command_prints_help_and_fails(capsys):
    status, out, err = run(capsys)
    assert status == 2
    assert "usage: skdigits" in err and "train" in err


def test_version(capsys):
    from skdigits import __version__

    status, out, err = run(capsys, "--version")
    assert status == 0 and out.strip() == f"skdigits {__version__}"


def test_python_m_skdigits_help_in_a_subprocess():
    """``python -m skdigits --help`` works, fast: without importing TensorFlow."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "skdigits", "--help"],
                          capture_output=True, text=True, env=subprocess_env(), cwd=REPO_ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage: skdigits")
    for command in ("train", "predict", "evaluate", "draw"):
        assert command in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "skdigits.cli" in imported
    assert not {"tensorflow", "keras", "sklearn"} & imported


# --------------------------------------------------------------------------- #
# The library under the commands: skdigits.inference
# --------------------------------------------------------------------------- #
def test_load_model_refuses_pickles_unless_allowed(pickle_path, model_path):
    from skdigits.inference import load_model

    with pytest.raises(ValueError, match="runs code") as info:
        load_model(pickle_path)
    assert "allow_pickle=True" in str(info.value) and "save_safe" in str(info.value)
    assert hasattr(load_model(pickle_path, allow_pickle=True), "predict_proba")
    assert hasattr(load_model(model_path), "predict_proba")
    with pytest.raises(FileNotFoundError):
        load_model(model_path.with_name("nope.skdigits"))
    with pytest.raises(IsADirectoryError):
        load_model(model_path.parent)


def test_blank_and_broken_images_are_told_apart_by_type(model_path, drawn_files, bad_files):
    from skdigits.inference import ImagePredictor, load_model

    model = load_model(model_path)
    preprocessor = model[0]
    params = preprocessor.get_params()
    images = [drawn_files[0][0], bad_files["blank"], bad_files["text"], bad_files["missing"]]
    good, blank, broken, missing = ImagePredictor(model).predict(images)
    assert good.ok and good.digit_image.shape == (28, 28) and good.exception is None
    assert isinstance(blank.exception, BlankImageError) and blank.error == "blank image: no digit found"
    assert isinstance(broken.exception, ValueError) and not isinstance(broken.exception, BlankImageError)
    assert "not an image file" in broken.error
    assert isinstance(missing.exception, FileNotFoundError) and missing.error == "no such file"
    assert preprocessor.get_params() == params  # the model's own steps, left as they were


def test_format_top_is_the_one_top_k_format():
    from skdigits.inference import Prediction, format_top

    top = [(7, 0.984), (1, 0.012), (9, 0.0031)]
    assert format_top(top) == "7 98.4%, 1 1.2%, 9 0.3%"
    assert format_top(top, sep="\n", width=6) == "7  98.4%\n1   1.2%\n9   0.3%"
    p = Prediction(source="x.png", label=7, confidence=0.984, top=top)
    assert p.summary() == "7 (98.4%)   top-3: 7 98.4%, 1 1.2%, 9 0.3%"
