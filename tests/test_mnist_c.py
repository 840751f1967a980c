"""Issue 15's floors on MNIST-C's own corruptions (``benchmarks/mnist_c.py``), a fixed subset.

MNIST-C's 15 standard corruptions and its straight line, at the severities of its
dataset, over the same 150 MNIST test digits (seed 0): ``DigitImagePreprocessor`` + the
session's classifier, image by image, scores at least what the classifier alone scores
on the corrupted 28x28 frames, less 2 points (see ``test_robustness.py`` for why 2 on 150
digits), declares no digit blank, and the batch path gives the same outputs.
``benchmarks/bench_mnist_c.py`` measures the same on all 10,000 test digits with the
0.5-point floor.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"
N = 150
MARGIN_POINTS = 2.0


def _import_mnist_c():
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import mnist_c
        import robustness
    finally:
        sys.path.remove(str(BENCH_DIR))
    return mnist_c, robustness


C, R = _import_mnist_c()


@pytest.fixture(scope="module")
def digits():
    return R.sample_digits(N, seed=0)


@pytest.fixture(scope="module")
def outputs(digits, digit_pipeline):
    """``outputs(kind) -> (frames, per-image outputs, batch outputs)``, once per kind."""
    from skdigits import DigitImagePreprocessor

    pre = DigitImagePreprocessor(on_blank="nan", output_shape="image")
    cache = {}

    def get(kind):
        if kind not in cache:
            frames = C.render(kind, digits[0], seed=0)
            cache[kind] = frames, pre.transform(list(frames)), pre.transform(frames)
        return cache[kind]

    return get


@pytest.mark.parametrize("kind", list(C.KINDS))
def test_mnist_c_pipeline_scores_at_least_the_classifier_alone(outputs, digits, digit_pipeline,
                                                              kind):
    clf = digit_pipeline[-1]
    labels = digits[1]
    frames, per, batch = outputs(kind)
    blank = np.isnan(per).any(axis=(1, 2))
    assert not blank.any(), f"{kind}: {int(blank.sum())} of {N} digits declared blank"
    right = int((clf.predict(per) == labels).sum())
    right_alone = int((clf.predict(frames) == labels).sum())
    assert 100 * (right - right_alone) / N >= -MARGIN_POINTS, (
        f"{kind}: pipeline {right}/{N} right, the classifier alone on MNIST-C's frames "
        f"{right_alone}/{N} (allowed: {MARGIN_POINTS} points less)")
    np.testing.assert_array_equal(batch, per, err_msg=f"{kind}: batch and per-image outputs")


def test_mnist_c_frames_are_seeded_and_corrupted(digits):
    clean = digits[0][:20]
    for kind in C.KINDS:
        frames = C.render(kind, clean, seed=3)
        assert frames.dtype == np.uint8 and frames.shape == clean.shape
        np.testing.assert_array_equal(frames, C.render(kind, clean, seed=3), err_msg=kind)
        # Every kind changes every digit (the brightest pixels of a brightened digit
        # stay at 255, the rest do not).
        changed = (frames != clean).any(axis=(1, 2))
        assert changed.all(), f"{kind}: {int((~changed).sum())} of 20 digits unchanged"
    # The random kinds draw anew with another seed.
    for kind in ("shot_noise", "impulse_noise", "fog", "zigzag", "line", "dotted_line"):
        assert not np.array_equal(C.render(kind, clean, 3), C.render(kind, clean, 4)), kind
    # What the kinds are: the stripes invert the sides, translation moves by 3 px.
    np.testing.assert_array_equal(C.render("stripe", clean, 0)[:, :, :7], 255 - clean[:, :, :7])
    moved = C.render("translate", clean, 0).astype(float)
    mass = lambda a, axis: (a.sum(axis=axis) * np.arange(28)).sum(axis=1) / a.sum(axis=(1, 2))  # noqa: E731
    shift = np.abs(mass(moved, 1) - mass(clean.astype(float), 1))
    assert np.median(shift) == pytest.approx(3, abs=0.3)
