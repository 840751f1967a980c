"""Saving, loading, interrupted saves and interrupted training.

- ``dump``/``load`` (joblib) are atomic: a failure or Ctrl-C while writing leaves the
  previous good file and no temporary file behind.
- ``save_safe``/``load_safe`` round-trip a fitted pipeline with identical predictions,
  hold no pickle, refuse what they cannot represent when saving, and refuse anything
  unexpected, truncated or tampered with a clear ``ValueError`` when loading.
- Training interrupted after epoch 2 of 4 resumes at epoch 3 from Keras'
  ``BackupAndRestore`` checkpoint; ``warm_start`` continues the current network.
"""

import hashlib
import io
import json
import os
import pickle
import struct
import tempfile
import time
import zipfile

import keras
import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skdigits import DigitCNNClassifier, DigitImagePreprocessor
from skdigits import persistence
from skdigits.architectures import build_simple
from skdigits.persistence import SafeFormatError, dump, load, load_safe, save_safe


@pytest.fixture(scope="module")
def data(mnist_small):
    (X_train, y_train), (X_test, y_test) = mnist_small
    return (X_train[:1000], y_train[:1000]), (X_test[:200], y_test[:200])


@pytest.fixture(scope="module")
def pipe(data):
    """Preprocessor + simple CNN, 1 epoch on 1,000 digits (a few seconds)."""
    (X, y), _ = data
    return make_pipeline(
        DigitImagePreprocessor(),
        DigitCNNClassifier("simple", epochs=1, random_state=0, class_weight={0: 1.5}),
    ).fit(X, y)


@pytest.fixture(scope="module")
def image_files(data, tmp_path_factory):
    """Test digits as drawings: dark ink on white, 96x96 PNG files, and in other modes."""
    _, (X_test, _) = data
    folder = tmp_path_factory.mktemp("drawn")
    paths = []
    for i, digit in enumerate(X_test[:12]):
        im = Image.fromarray(255 - digit).resize((96, 96), Image.Resampling.BILINEAR)
        if i % 3 == 1:
            im = im.convert("RGB")
        elif i % 3 == 2:
            im = im.convert("P")
        path = folder / f"digit_{i}.png"
        im.save(path)
        paths.append(str(path))
    return paths


def _listing(folder):
    return sorted(os.listdir(folder))


# --------------------------------------------------------------------------- #
# joblib: dump / load
# --------------------------------------------------------------------------- #
def test_dump_load_round_trip(pipe, data, tmp_path):
    _, (X_test, _) = data
    path = dump(pipe, tmp_path / "sub" / "model.joblib")
    assert path.is_file() and _listing(path.parent) == ["model.joblib"]
    np.testing.assert_array_equal(load(path).predict_proba(X_test), pipe.predict_proba(X_test))


@pytest.mark.parametrize("interruption", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_dump_keeps_previous_file_and_leaves_no_temp_file(
    pipe, data, tmp_path, monkeypatch, interruption
):
    _, (X_test, _) = data
    path = tmp_path / "model.joblib"
    dump(pipe, path)
    good = path.read_bytes()

    def half_then_fail(obj, filename, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(good[: len(good) // 2])
        raise interruption

    monkeypatch.setattr(persistence._pickle.joblib, "dump", half_then_fail)
    with pytest.raises(type(interruption)):
        dump(pipe, path)
    assert path.read_bytes() == good
    assert _listing(tmp_path) == ["model.joblib"]
    monkeypatch.undo()
    np.testing.assert_array_equal(load(path).predict(X_test), pipe.predict(X_test))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_written_files_get_normal_permissions(tmp_path):
    # The temporary file is private (mkstemp); the final file must not be.
    old_mask = os.umask(0o027)
    try:
        new = dump({"a": 1}, tmp_path / "new.joblib")
        assert new.stat().st_mode & 0o777 == 0o640
        existing = tmp_path / "existing.joblib"
        existing.write_bytes(b"old")
        existing.chmod(0o664)
        dump({"a": 1}, existing)
        assert existing.stat().st_mode & 0o777 == 0o664  # replacing keeps the old mode
    finally:
        os.umask(old_mask)


def test_interrupted_first_dump_leaves_nothing(pipe, tmp_path, monkeypatch):
    def fail(obj, filename, **kwargs):
        open(filename, "wb").write(b"\x80\x04partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(persistence._pickle.joblib, "dump", fail)
    with pytest.raises(KeyboardInterrupt):
        dump(pipe, tmp_path / "model.joblib")
    assert _listing(tmp_path) == []


def test_interrupted_save_safe_keeps_previous_file(pipe, tmp_path, monkeypatch):
    path = save_safe(pipe, tmp_path / "model.skdigits")
    good = path.read_bytes()
    original = zipfile.ZipFile.write

    def interrupted_write(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "write", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        save_safe(pipe, path)
    assert path.read_bytes() == good
    assert _listing(tmp_path) == ["model.skdigits"]


def _dead_pid():
    """The id of a process that has ended (a finished child)."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_later_runs_remove_stale_temporary_files_and_folders(tmp_path, monkeypatch):
    # Regression: after kill -9 during a save, .NAME.*.tmp files and skdigits-save-*
    # folders stayed behind for good.
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    models = tmp_path / "models"
    models.mkdir()
    dead, alive = _dead_pid(), os.getpid()
    two_hours_ago = time.time() - 7200
    stale = [models / f".model.joblib.skdigits-tmp-{dead}-0a1b2c3d",
             system_tmp / f"skdigits-save-{dead}-0a1b2c3d", system_tmp / f"skdigits-load-{dead}-00000000"]
    kept = [models / f".model.joblib.skdigits-tmp-{alive}-0a1b2c3d",  # a live process's
            models / f".other.skdigits-tmp-{dead}-99999999",  # recent: may be in use elsewhere
            models / "notes.tmp", system_tmp / "skdigits-save-unrelated"]
    for path in stale + kept:
        if "skdigits-save" in path.name or "skdigits-load" in path.name:
            path.mkdir()
            (path / "network_0.keras").write_bytes(b"partial")
        else:
            path.write_bytes(b"partial")
        if path != kept[1]:
            os.utime(path, (two_hours_ago, two_hours_ago))

    dump({"a": 1}, models / "model.joblib")
    save_safe(DigitImagePreprocessor(), models / "pre.skdigits")
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    assert _listing(models) == sorted([p.name for p in kept if p.parent == models]
                                      + ["model.joblib", "pre.skdigits"])
    assert _listing(system_tmp) == ["skdigits-save-unrelated"]  # its own folder went too


def test_load_errors_are_clear(tmp_path, pipe):
    with pytest.raises(FileNotFoundError, match="No saved model"):
        load(tmp_path / "missing.joblib")
    good = dump(pipe, tmp_path / "good.joblib").read_bytes()
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(good[: len(good) // 3])
    with pytest.raises(ValueError, match="truncated or not a joblib"):
        load(truncated)


def test_load_of_random_bytes_is_always_a_clear_value_error(tmp_path):
    # Unpickling garbage raises a different exception almost every time (KeyError,
    # UnpicklingError, MemoryError, zlib.error, ...); a user must see one kind.
    rng = np.random.default_rng(0)
    path = tmp_path / "garbage.joblib"
    for i in range(300):
        path.write_bytes(rng.bytes(2000))
        with pytest.raises(ValueError, match="truncated or not a joblib"):
            load(path)


# --------------------------------------------------------------------------- #
# Safe format: round trip
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def safe_file(pipe, tmp_path_factory):
    return save_safe(pipe, tmp_path_factory.mktemp("safe") / "digits.skdigits")


def test_save_safe_round_trip_is_identical_on_digits_and_image_files(
    pipe, safe_file, data, image_files
):
    _, (X_test, _) = data
    loaded = load_safe(safe_file)
    assert isinstance(loaded, Pipeline)
    assert [type(s) for _, s in loaded.steps] == [DigitImagePreprocessor, DigitCNNClassifier]
    assert loaded.get_params(deep=True).keys() == pipe.get_params(deep=True).keys()
    assert loaded[-1].get_params() == pipe[-1].get_params()  # incl. class_weight {0: 1.5}
    np.testing.assert_array_equal(loaded.predict_proba(X_test), pipe.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), pipe.predict(X_test))
    np.testing.assert_array_equal(loaded.predict_proba(image_files), pipe.predict_proba(image_files))
    clf, original = loaded[-1], pipe[-1]
    assert clf.classes_.dtype == original.classes_.dtype
    np.testing.assert_array_equal(clf.classes_, original.classes_)
    assert (clf.n_classes_, clf.n_features_in_) == (original.n_classes_, original.n_features_in_)
    assert dict(clf.history_) == dict(original.history_)
    # Every public fitted attribute of the original is restored.
    public = {k for k in vars(original) if k.endswith("_") and not k.startswith("_")}
    assert public <= set(vars(clf))


def test_safe_file_holds_json_and_keras_only(safe_file):
    with zipfile.ZipFile(safe_file) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "network_0.keras"]
        manifest = json.loads(zf.read("manifest.json"))
        inner = zipfile.ZipFile(io.BytesIO(zf.read("network_0.keras")))
        assert sorted(inner.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    assert manifest["format_version"] == persistence.FORMAT_VERSION
    classes = manifest["estimator"]["steps"][1][1]["state"]["classes"]
    assert classes == {"dtype": "|u1", "values": list(range(10))}
    # No pickle anywhere (protocol 2+ pickles start with b"\x80").
    for name in ("manifest.json",):
        assert not zipfile.ZipFile(safe_file).read(name).startswith(b"\x80")


def test_save_safe_string_labels_and_bare_classifier(data, tmp_path):
    (X, y), (X_test, _) = data
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = DigitCNNClassifier("simple", epochs=1, random_state=0).fit(X[:300], names[y[:300]])
    loaded = load_safe(save_safe(clf, tmp_path / "clf.skdigits"))
    assert type(loaded) is DigitCNNClassifier
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))


def test_safe_loaded_classifier_trains_further(safe_file, data):
    (X, y), (X_test, y_test) = data
    loaded = load_safe(safe_file)
    clf = loaded[-1]
    before = [w.copy() for w in clf.model_.get_weights()]
    network = clf.model_
    loaded.set_params(digitcnnclassifier__warm_start=True).fit(X, y)
    assert clf.model_ is network
    assert any(not np.array_equal(a, b) for a, b in zip(before, clf.model_.get_weights()))
    clf.partial_fit(X[:200], y[:200])
    assert loaded.score(X_test, y_test) > 0.5


def test_save_safe_preprocessor_alone(tmp_path):
    pre = DigitImagePreprocessor(invert=True, min_contrast=0.2, max_pixels=1_000_000)
    loaded = load_safe(save_safe(pre, tmp_path / "pre.skdigits"))
    assert type(loaded) is DigitImagePreprocessor and loaded.get_params() == pre.get_params()


def test_a_file_cannot_raise_resource_limits(tmp_path):
    # Regression: n_jobs=32 from a file started 34 processes; max_pixels=None lifts
    # the guard against decompression-bomb images.
    cpus = os.cpu_count()
    pre = DigitImagePreprocessor(max_pixels=None, n_jobs=cpus + 30)
    with pytest.warns(UserWarning) as record:
        loaded = load_safe(save_safe(pre, tmp_path / "pre.skdigits"))
    assert loaded.n_jobs == cpus and loaded.max_pixels == DigitImagePreprocessor().max_pixels
    messages = " ".join(str(w.message) for w in record)
    assert f"n_jobs={cpus + 30}" in messages and "max_pixels=None" in messages


# --------------------------------------------------------------------------- #
# Safe format: what cannot be saved
# --------------------------------------------------------------------------- #
class _Subclass(DigitCNNClassifier):
    pass


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: DigitCNNClassifier(build_simple), r"architecture=.*Callables"),
        (lambda p: DigitCNNClassifier(callbacks=[keras.callbacks.EarlyStopping()]), "callbacks"),
        (lambda p: DigitCNNClassifier(random_state=np.random.RandomState(0)), "random_state"),
        (lambda p: DigitCNNClassifier(), "not fitted"),
        (lambda p: make_pipeline(StandardScaler(), p[-1]), "StandardScaler.*only these classes"),
        (lambda p: _Subclass(), "_Subclass.*not subclasses"),
        (lambda p: Pipeline(p.steps, memory="cache"), "memory='cache'"),
        (lambda p: make_pipeline(DigitImagePreprocessor(), DigitCNNClassifier(build_simple)),
         "step 'digitcnnclassifier'.*architecture"),
    ],
    ids=["callable-architecture", "callbacks", "RandomState", "unfitted", "other-class",
         "subclass", "pipeline-memory", "callable-in-pipeline"],
)
def test_save_safe_refuses_what_it_cannot_represent(pipe, tmp_path, make, match):
    path = tmp_path / "model.skdigits"
    with pytest.raises(SafeFormatError, match=match):
        save_safe(make(pipe), path)
    assert _listing(tmp_path) == []


# --------------------------------------------------------------------------- #
# Safe format: what load_safe refuses
# --------------------------------------------------------------------------- #
def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _with_manifest(edit):
    def mutate(members):
        manifest = json.loads(members["manifest.json"])
        edit(manifest)
        members["manifest.json"] = json.dumps(manifest)
        return members
    return mutate


def _classifier_node(manifest):
    return manifest["estimator"]["steps"][1][1]


def _with_network_config(edit):
    """Change the network's config.json and fix the SHA-256 so only the config check trips."""
    def mutate(members):
        inner = _members(io.BytesIO(members["network_0.keras"]))
        config = json.loads(inner["config.json"])
        edit(config)
        inner["config.json"] = json.dumps(config)
        buffer = io.BytesIO()
        _write(buffer, inner)
        members["network_0.keras"] = buffer.getvalue()
        manifest = json.loads(members["manifest.json"])
        _classifier_node(manifest)["state"]["network_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
        members["manifest.json"] = json.dumps(manifest)
        return members
    return mutate


def _add_lambda_layer(config):
    layers = config["config"]["layers"]
    layers.insert(1, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                      "config": {"name": "evil", "function": "print"}})


def _foreign_module(config):
    config["config"]["layers"][1]["module"] = "os"


class _Evil:
    def __reduce__(self):
        return (print, ("unpickled!",))


TAMPERING = {
    "unknown-class": (_with_manifest(lambda m: m["estimator"]["steps"][0][1].update(
        {"class": "sklearn.preprocessing.FunctionTransformer"})), "not allowed"),
    "unknown-param": (_with_manifest(lambda m: _classifier_node(m)["params"].update(
        {"model__evil": 1})), r"unknown parameter\(s\) \['model__evil'\]"),
    "unknown-node-key": (_with_manifest(lambda m: _classifier_node(m).update(
        {"pickle": "gASV"})), r"unexpected key\(s\) \['pickle'\]"),
    "unknown-state-key": (_with_manifest(lambda m: _classifier_node(m)["state"].update(
        {"extra": 1})), r"unexpected key\(s\) \['extra'\]"),
    "attribute-shadowing-method": (_with_manifest(lambda m: _classifier_node(m)["state"]["attributes"].update(
        {"predict": 1})), "unexpected attribute 'predict'"),
    "bad-parameter-value": (_with_manifest(lambda m: _classifier_node(m)["params"].update(
        {"architecture": "nonsense"})), "invalid parameters"),
    "format-version": (_with_manifest(lambda m: m.update({"format_version": 2})),
                       "format version 2; .* reads version 1"),
    "format-name": (_with_manifest(lambda m: m.update({"format": "other"})), "format 'other'"),
    "object-dtype-trick": (_with_manifest(lambda m: _classifier_node(m)["state"]["classes"].update(
        {"dtype": "V8"})), "dtype"),
    "classes-mismatch-network": (_with_manifest(lambda m: _classifier_node(m)["state"]["classes"].update(
        {"values": [0, 1, 2]})), r"expected \(28, 28, 1\) to \(3,\)"),
    "extra-file": (lambda m: {**m, "model.pkl": pickle.dumps(_Evil())}, "unexpected member"),
    "extra-network": (lambda m: {**m, "network_1.keras": m["network_0.keras"]}, "not used by the manifest"),
    "missing-network": (lambda m: {"manifest.json": m["manifest.json"]}, "not in the file"),
    "pickled-manifest": (lambda m: {**m, "manifest.json": pickle.dumps(_Evil())}, "not JSON"),
    "pickled-network": (lambda m: {**m, "network_0.keras": pickle.dumps(_Evil())}, "SHA-256"),
    "modified-network": (lambda m: {**m, "network_0.keras": m["network_0.keras"][:-10] + b"0" * 10},
                         "SHA-256"),
    "lambda-layer": (_with_network_config(_add_lambda_layer), "'Lambda' object"),
    "foreign-module": (_with_network_config(_foreign_module), "module 'os'"),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_load_safe_refuses_unexpected_content(safe_file, tmp_path, capsys, name):
    mutate, match = TAMPERING[name]
    path = _write(tmp_path / "tampered.skdigits", mutate(_members(safe_file)))
    with pytest.raises(SafeFormatError, match=match) as info:
        load_safe(path)
    assert str(path) in str(info.value)
    assert "unpickled!" not in capsys.readouterr().out


# --------------------------------------------------------------------------- #
# Safe format: bounded resources, one error type (issue 14, items 2-4)
# --------------------------------------------------------------------------- #
def _with_network(edit, compress=zipfile.ZIP_DEFLATED):
    """Rewrite network_0.keras with ``edit(zip of it)`` and fix its SHA-256."""
    def mutate(members):
        inner = _members(io.BytesIO(members["network_0.keras"]))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=compress) as zf:
            edit(zf, inner)
        members["network_0.keras"] = buffer.getvalue()
        manifest = json.loads(members["manifest.json"])
        _classifier_node(manifest)["state"]["network_sha256"] = hashlib.sha256(
            buffer.getvalue()).hexdigest()
        members["manifest.json"] = json.dumps(manifest)
        return members
    return mutate


def _padded_weights(padding):
    """model.weights.h5 followed by ``padding`` zero bytes (deflated: ~1/1000 of that)."""
    def edit(zf, inner):
        zf.writestr("config.json", inner["config.json"])
        zf.writestr("metadata.json", inner["metadata.json"])
        with zf.open("model.weights.h5", "w", force_zip64=True) as fh:
            fh.write(inner["model.weights.h5"])
            for _ in range(padding >> 20):
                fh.write(bytes(1 << 20))
    return edit


def _peak_mb(function):
    import tracemalloc

    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20


BOUNDED = {
    # A 3 MB file of several network_<i>.keras of zeros: refused before reading them.
    "extra-networks-of-zeros": (
        lambda m: {**m, **{f"network_{i}.keras": bytes(64 << 20) for i in range(1, 4)}},
        r"not used by the manifest"),
    # model.weights.h5 padded with 128 MB of zeros (a 0.1 MB member): refused from
    # its declared size, which the parameter count bounds.
    "padded-weights": (_with_network(_padded_weights(128 << 20)), "model.weights.h5 declares"),
    "huge-label-dtype": (_with_manifest(lambda m: _classifier_node(m)["state"]["classes"].update(
        {"dtype": "<U99999999"})), "dtype"),
    "huge-y-dtype": (_with_manifest(lambda m: _classifier_node(m)["state"].update(
        {"y_dtype": "<U99999999"})), "dtype"),
    "float128-labels": (_with_manifest(lambda m: _classifier_node(m)["state"]["classes"].update(
        {"dtype": "<f16"})), "at most 8 bytes"),
    "declared-parameters-lie": (_with_manifest(lambda m: _classifier_node(m)["state"].update(
        {"n_parameters": 10})), "member 'network_0.keras' declares"),
    "too-many-parameters": (_with_manifest(lambda m: _classifier_node(m)["state"].update(
        {"n_parameters": 10**12})), "parameters"),
    "output-size": (_with_manifest(lambda m: m["estimator"]["steps"][0][1]["params"].update(
        {"output_size": 20000})), "output_size=20000"),
    "callbacks": (_with_manifest(lambda m: _classifier_node(m)["params"].update(
        {"callbacks": [1]})), r"callbacks=\[1\] \(callbacks are code"),
    "invalid-epochs": (_with_manifest(lambda m: _classifier_node(m)["params"].update(
        {"epochs": -3})), "invalid parameters.*epochs"),
    "huge-int": (lambda m: {**m, "manifest.json": m["manifest.json"].replace(
        b'"epochs": 1', b'"epochs": ' + b"9" * 5000)}, "an integer of 5000 digits"),
    "duplicate-json-key": (lambda m: {**m, "manifest.json": m["manifest.json"].replace(
        b'"epochs": 1', b'"epochs": 1, "epochs": 2')}, "the key 'epochs' twice"),
    "deep-json": (lambda m: {**m, "manifest.json": b"[" * 100000 + b"]" * 100000},
                  "not JSON|nested"),
}


@pytest.mark.parametrize("name", list(BOUNDED))
def test_load_safe_is_bounded_and_raises_one_error_type(safe_file, tmp_path, name):
    mutate, match = BOUNDED[name]
    path = _write(tmp_path / "tampered.skdigits", mutate(_members(safe_file)),
                  zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 8 << 20

    def load():
        with pytest.raises(SafeFormatError, match=match) as info:
            load_safe(path)
        assert str(path) in str(info.value)

    # What Python and NumPy allocate (tracemalloc) stays far below the sizes asked
    # for; tests/test_fuzz_safe_format.py bounds the whole process (RLIMIT_AS).
    assert _peak_mb(load) < 64


def test_flipped_byte_in_the_compressed_manifest_is_a_safe_format_error(safe_file, tmp_path):
    # Regression: a raw zlib.error ("Error -3 while decompressing") escaped.
    good = safe_file.read_bytes()
    with zipfile.ZipFile(safe_file) as zf:
        info = zf.getinfo("manifest.json")
        manifest = zf.read("manifest.json")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    name_len, extra_len = struct.unpack("<HH", good[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    errors = set()
    for k in range(0, info.compress_size, max(1, info.compress_size // 40)):
        bad = bytearray(good)
        bad[start + k] ^= 0x5A
        path = tmp_path / "flipped.skdigits"
        path.write_bytes(bytes(bad))
        try:
            load_safe(path)
        except SafeFormatError as exc:
            errors.add(type(exc))
        else:
            # The flip hit the unused padding bits after the stream's last
            # block: the manifest reads back unchanged (as the fuzz test allows,
            # an identical model or a SafeFormatError).
            with zipfile.ZipFile(path) as zf:
                assert zf.read("manifest.json") == manifest, k
    assert errors == {SafeFormatError}


@pytest.mark.skipif(not hasattr(DigitCNNClassifier, "_parameter_constraints"),
                    reason="needs the declared parameter constraints (issue 13, item 3)")
@pytest.mark.parametrize("param, value", [
    ("optimizer", {"a": 1}), ("random_state", "seed"), ("class_weight", 3),
    ("validation_fraction", "x"), ("n_iter_no_change", -2), ("warm_start", "yes"),
])
def test_every_parameter_from_a_file_is_validated(safe_file, tmp_path, param, value):
    mutate = _with_manifest(lambda m: _classifier_node(m)["params"].update({param: value}))
    path = _write(tmp_path / "bad-param.skdigits", mutate(_members(safe_file)))
    with pytest.raises(SafeFormatError, match=f"invalid parameters.*{param}"):
        load_safe(path)


@pytest.mark.parametrize("cut", [0, 1, 100, 0.5, 0.9, -1])
def test_load_safe_truncated_file(safe_file, tmp_path, cut):
    good = safe_file.read_bytes()
    n = int(len(good) * cut) if isinstance(cut, float) else (len(good) + cut if cut < 0 else cut)
    path = tmp_path / "truncated.skdigits"
    path.write_bytes(good[:n])
    with pytest.raises(SafeFormatError, match="Cannot load a safe model"):
        load_safe(path)


def test_load_safe_flipped_bytes_and_other_files(safe_file, tmp_path, pipe):
    good = bytearray(safe_file.read_bytes())
    for offset in (len(good) // 3, len(good) // 2, 2 * len(good) // 3):
        bad = bytearray(good)
        bad[offset] ^= 0xFF
        path = tmp_path / f"flipped_{offset}.skdigits"
        path.write_bytes(bytes(bad))
        with pytest.raises(SafeFormatError):
            load_safe(path)
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    with pytest.raises(SafeFormatError, match="not a valid zip"):
        load_safe(text)
    joblib_file = dump(pipe, tmp_path / "model.joblib")
    with pytest.raises(SafeFormatError, match="not a valid zip"):
        load_safe(joblib_file)
    with pytest.raises(FileNotFoundError):
        load_safe(tmp_path / "missing.skdigits")


def test_load_safe_warns_about_other_skdigits_version(safe_file, tmp_path):
    mutate = _with_manifest(lambda m: m.update({"skdigits_version": "0.0.1"}))
    path = _write(tmp_path / "old.skdigits", mutate(_members(safe_file)))
    with pytest.warns(UserWarning, match="saved by skdigits 0.0.1"):
        load_safe(path)


# --------------------------------------------------------------------------- #
# Interrupted training: checkpoint and resume, warm start
# --------------------------------------------------------------------------- #
class _Crash(keras.callbacks.Callback):
    """Raises at the end of epoch ``after`` (1-based), like a killed job."""

    def __init__(self, after):
        super().__init__()
        self.after = after

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.after:
            raise RuntimeError("simulated crash")


class _Epochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)


def test_interrupted_fit_resumes_from_backup(data, tmp_path):
    (X, y), (X_test, y_test) = data
    backup = tmp_path / "backup"
    first = _Epochs()
    clf = DigitCNNClassifier(
        "simple", epochs=4, random_state=0,
        callbacks=[keras.callbacks.BackupAndRestore(str(backup)), _Crash(after=2), first],
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        clf.fit(X, y)
    assert first.seen == [0, 1]
    assert backup.is_dir() and os.listdir(backup)

    # A new process would build a new estimator with the same backup folder.
    resumed = _Epochs()
    clf = DigitCNNClassifier(
        "simple", epochs=4, random_state=0,
        callbacks=[keras.callbacks.BackupAndRestore(str(backup)), resumed],
    ).fit(X, y)
    assert resumed.seen == [2, 3]  # epochs 3 and 4 only
    assert len(clf.history_["loss"]) == 2
    assert not backup.exists()  # removed once training completed
    # 4 epochs in total: measured 0.91, uninterrupted 4 epochs 0.90, 2 epochs 0.875.
    assert clf.score(X_test, y_test) >= 0.8


def test_warm_start_continues_the_same_network(data):
    (X, y), (X_test, y_test) = data
    clf = DigitCNNClassifier("simple", epochs=1, random_state=0, warm_start=True).fit(X, y)
    network, first_loss = clf.model_, clf.history_["loss"][0]
    score_1 = clf.score(X_test, y_test)
    clf.fit(X, y)
    assert clf.model_ is network
    # history_ holds the epochs of the last fit; its loss starts where the first ended.
    assert len(clf.history_["loss"]) == 1 and clf.history_["loss"][0] < first_loss
    assert clf.score(X_test, y_test) >= score_1 - 0.02
    cold = clf.set_params(warm_start=False).fit(X, y)
    assert cold.model_ is not network
    assert cold.history_["loss"][0] == pytest.approx(first_loss, rel=1e-4)


def test_warm_start_keeps_classes(data):
    # Regression: scikeras' KerasClassifier.fit sets classes_ = None and, on a warm
    # start, skips the _initialize that sets it again.
    (X, y), (X_test, _) = data
    clf = DigitCNNClassifier("simple", epochs=1, random_state=0, warm_start=True)
    clf.fit(X[:300], y[:300]).fit(X[300:600], y[300:600])
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.predict_proba(X_test[:3]).shape == (3, 10)
