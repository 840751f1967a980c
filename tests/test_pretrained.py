"""The pretrained pipeline shipped in the package: loads safely, recognises digits."""

import json
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image

from conftest import REPO_ROOT

RESULT = REPO_ROOT / "benchmarks" / "results" / "pretrained" / "result.json"


@pytest.fixture(scope="module")
def pretrained():
    import skdigits

    return skdigits.load_pretrained()


def test_shipped_file_is_small_and_in_the_package():
    from skdigits.pretrained import pretrained_path

    path = pretrained_path()
    assert path.is_file()
    assert path.parent.name == "data" and path.parent.parent.name == "skdigits"
    assert path.stat().st_size <= 3 << 20
    with zipfile.ZipFile(path) as zf:  # the safe format: JSON and Keras archives only
        assert all(n == "manifest.json" or n.endswith(".keras") for n in zf.namelist())


def test_loads_without_unpickling_anything(monkeypatch):
    import joblib

    import skdigits

    def refuse(*args, **kwargs):
        raise AssertionError("the pretrained model must load without pickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(joblib, "load", refuse)
    pipe = skdigits.load_pretrained()
    assert pipe.steps[0][0] == "digitimagepreprocessor"
    assert pipe.steps[-1][0] == "digitcnnclassifier"


def test_reaches_its_recorded_mnist_accuracy(pretrained, mnist):
    """All 10,000 test digits: the accuracy the model card records, to the digit."""
    recorded = json.loads(RESULT.read_text())["mnist_test_accuracy"]
    _, (X_test, y_test) = mnist
    accuracy = pretrained.score(X_test, y_test)
    assert accuracy == pytest.approx(recorded, abs=2e-4)
    assert accuracy >= 0.995


def test_predicts_files_pil_images_and_arrays(pretrained, mnist, tmp_path):
    _, (X_test, y_test) = mnist
    digits, labels = X_test[:6], y_test[:6]
    canvas = [Image.fromarray(np.kron(255 - d, np.ones((10, 10), np.uint8))) for d in digits]
    files = []
    for i, im in enumerate(canvas):
        files.append(tmp_path / f"{i}.png")
        im.save(files[-1])
    np.testing.assert_array_equal(pretrained.predict(digits), labels)
    np.testing.assert_array_equal(pretrained.predict(canvas), labels)
    np.testing.assert_array_equal(pretrained.predict([str(f) for f in files]), labels)
    proba = pretrained.predict_proba([np.asarray(im) for im in canvas])
    assert proba.shape == (6, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_each_load_is_independent():
    import skdigits

    a, b = skdigits.load_pretrained(), skdigits.load_pretrained()
    assert a is not b and a[-1].model_ is not b[-1].model_


def test_override_and_missing_file(monkeypatch, tmp_path):
    import skdigits
    from skdigits.pretrained import PRETRAINED_ENV

    monkeypatch.setenv(PRETRAINED_ENV, str(tmp_path / "nowhere.skdigits"))
    with pytest.raises(FileNotFoundError, match="nowhere.skdigits"):
        skdigits.load_pretrained()


def test_wheel_carries_the_model(tmp_path):
    """`pip install .` installs the model: the built wheel holds it and its card."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(REPO_ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("skdigits-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "skdigits/data/pretrained.skdigits" in names
    assert "skdigits/data/MODEL_CARD.md" in names
