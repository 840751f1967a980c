"""Every script in examples/ runs, in quick mode, so that none of them can rot.

Importing TensorFlow costs seconds per process, so the examples run one after the other
in ONE subprocess (each as ``__main__`` in a fresh namespace, with its own ``sys.argv``,
under a time limit); each example is then checked by its own test. The quick mode of
every example (``--quick``) uses about 1,000 digits and 1 epoch.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
TIMEOUT = 600  # seconds for all of them; they take well under a minute together

# Runs each example as __main__ and frames its output with markers.
DRIVER = r"""
import json, runpy, sys, traceback
for name, path, argv in json.loads(sys.argv[1]):
    print(f"@@@ BEGIN {name}", flush=True)
    sys.argv = [path, *argv]
    status = 0
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        status = 1
    print(f"\n@@@ END {name} {status}", flush=True)
"""


def example_runs(workdir, model):
    """``{example file name: argv}`` of the quick runs."""
    return {
        "fit_pipeline.py": ["--quick", "--output", str(workdir / "digits.joblib")],
        "grid_search.py": ["--quick"],
        "cross_validate.py": ["--quick"],
        # With the session's saved model: shows (and tests) predicting with a saved pipeline.
        "predict_drawn_images.py": ["--quick", "--model", str(model)],
        "plot_results.py": ["--quick", "--output-dir", str(workdir / "figures")],
    }


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("examples")


@pytest.fixture(scope="module")
def outputs(cli_model, workdir):
    """Run every example once; ``{name: (status, output)}``."""
    model = cli_model[0]
    runs = example_runs(workdir, model)
    specs = [[name, str(EXAMPLES / name), argv] for name, argv in runs.items()]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("SKDIGITS_QUICK", None)
    try:
        proc = subprocess.run([sys.executable, "-u", "-c", DRIVER, json.dumps(specs)],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        text = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        text = exc.stdout or ""
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        text += f"\n(the examples did not finish within {TIMEOUT} s)"
    results = {}
    for match in re.finditer(r"@@@ BEGIN (\S+)\n(.*?)\n@@@ END \1 (-?\d+)", text, re.S):
        results[match[1]] = (int(match[3]), match[2])
    for name in runs:
        results.setdefault(name, (None, text[-3000:]))
    return results


def check(outputs, name):
    status, text = outputs[name]
    assert status == 0, f"{name} failed (status {status}):\n{text[-3000:]}"
    return text


def test_every_example_is_tested_documented_and_has_a_quick_mode(tmp_path):
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert scripts == sorted(example_runs(tmp_path, tmp_path / "m.joblib"))
    for name in scripts:
        source = (EXAMPLES / name).read_text()
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring and len(docstring) > 200, f"{name} needs a module docstring saying what it shows"
        assert "--quick" in docstring and "SKDIGITS_QUICK" in source, name


def test_fit_pipeline(outputs, workdir):
    text = check(outputs, "fit_pipeline.py")
    assert re.search(r"Test accuracy: [\d.]+% on 1,000 digits", text), text
    assert "predicts the same: True" in text
    assert (workdir / "digits.joblib").is_file()


def test_grid_search(outputs):
    text = check(outputs, "grid_search.py")
    assert re.search(r"#1 +(simple|deep) ", text) and re.search(r"#2 +(simple|deep) ", text), text
    assert "Best: {'architecture':" in text
    assert re.search(r"Test accuracy of the refitted best model: [\d.]+%", text)


def test_cross_validate(outputs):
    text = check(outputs, "cross_validate.py")
    assert len(re.findall(r"fold \d: test accuracy [\d.]+%", text)) == 2, text
    assert re.search(r"Accuracy: [\d.]+% \+/- [\d.]+%", text)


def test_predict_drawn_images(outputs, drawn_dev_dir):
    text = check(outputs, "predict_drawn_images.py")
    n_images = len([p for p in drawn_dev_dir.glob("*/*") if p.suffix.lower() == ".png"])
    assert len(re.findall(r"^\S+\s+\d\s+[\d.]+%\s+\(label \d\)", text, re.M)) == n_images, text
    match = re.search(rf"Accuracy: ([\d.]+)% on {n_images} images", text)
    assert match and float(match[1]) > 30, text


def test_plot_results(outputs, workdir):
    text = check(outputs, "plot_results.py")
    assert re.search(r"Test accuracy: [\d.]+% on 2,000 digits", text), text
    from PIL import Image

    for name in ("confusion_matrix.png", "misclassified.png"):
        with Image.open(workdir / "figures" / name) as im:
            assert im.format == "PNG" and min(im.size) > 200
