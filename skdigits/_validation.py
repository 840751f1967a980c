"""Validation and conversion of MNIST-like digit arrays for the CNN classifier."""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils.validation import check_array

from skdigits._pixels import to_unit_float

#: Side of an MNIST digit, in pixels; every network and array layout derives from it.
IMAGE_SIDE = 28
#: Pixels per digit: the width of a flat ``(n, N_PIXELS)`` batch.
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
#: Shape of one input digit for every network: one channel.
INPUT_SHAPE = (IMAGE_SIDE, IMAGE_SIDE, 1)
#: The batch layouts :func:`check_digits` accepts.
LAYOUTS = ((N_PIXELS,), (IMAGE_SIDE, IMAGE_SIDE), INPUT_SHAPE)

# Accepted layouts of a batch of n digits, as error messages spell them.
_LAYOUTS = ", ".join(f"(n, {', '.join(map(str, shape))})" for shape in LAYOUTS[:-1]) + (
    f" or (n, {', '.join(map(str, INPUT_SHAPE))})"
)


def _raise_not_pixels(item, input_name):
    raise TypeError(
        f"{input_name} holds {type(item).__name__} objects, not pixel arrays. To classify "
        "image files or PIL images, put a DigitImagePreprocessor in front of the "
        "classifier: make_pipeline(DigitImagePreprocessor(), DigitCNNClassifier())."
    )


def first_few(values, fmt=str, limit=10):
    """The first ``limit`` values joined by commas, then ", ..." if there are more."""
    return ", ".join(map(fmt, values[:limit])) + (", ..." if len(values) > limit else "")


def _check_no_nan_rows(X, input_name):
    """Name the samples holding NaN (sklearn's own message names none)."""
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.ndim >= 2) or X.size == 0:
        return  # (an empty batch is check_array's to name)
    bad = np.flatnonzero(np.isnan(X.reshape(len(X), -1)).any(axis=1))
    if bad.size:
        rows = first_few(bad)
        raise ValueError(
            f"{input_name} contains NaN in sample(s) {rows}. A DigitImagePreprocessor "
            "with on_blank='nan' marks blank images this way: drop those rows before "
            "predicting."
        )


def _plain_numeric_batch(X):
    """True for a NumPy batch that ``check_array`` would return unchanged.

    Such a batch -- what a pipeline's preprocessor hands the classifier -- skips
    ``check_array``, whose dataframe and sparse checks cost ~0.13 ms: more than a
    third of the wrapper's time when it predicts one drawing. Anything else, and any
    batch it would reject, goes through ``check_array`` and its error messages.
    """
    return (
        type(X) is np.ndarray
        and X.dtype.kind in "biuf"
        and X.ndim >= 2
        and X.shape[0] >= 1
        and (X.ndim > 2 or X.shape[1] >= 1)
        and (X.dtype.kind != "f" or bool(np.isfinite(X).all()))
    )


def _check_array(X, input_name):
    return check_array(
        X,
        allow_nd=True,
        # Keep integer/bool/float dtypes as they are (their range is checked below);
        # convert object arrays of numbers, reject strings.
        dtype=None if getattr(X, "dtype", None) is not None and X.dtype.kind in "biuf" else "numeric",
        ensure_all_finite=True,
        input_name=input_name,
        ensure_min_features=1,
    )


def check_digits(X, *, input_name="X"):
    """Validate a batch of 28x28 digits and return it as float32 ``(n, 28, 28, 1)`` in 0..1.

    Parameters
    ----------
    X : array-like
        ``(n, 784)``, ``(n, 28, 28)`` or ``(n, 28, 28, 1)``. Pixel values follow the
        preprocessor's rule (:func:`skdigits._pixels.to_unit_float`): ``uint8`` and
        integers up to 255 are read as 0..255 (MNIST's convention), ``uint16`` and larger
        integers as 0..65535; float pixels must already lie in 0..1; booleans, and
        integers holding only 0 and 1, are read as 0 and 1.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    ndarray of shape (n, 28, 28, 1), dtype float32

    Raises
    ------
    ValueError
        Wrong shape, NaN or infinite values, pixel values outside the documented range,
        non-numeric data, or an empty batch.
    """
    if isinstance(X, (list, tuple)) and X and not np.isscalar(X[0]) and not hasattr(X[0], "__len__"):
        _raise_not_pixels(X[0], input_name)
    if isinstance(X, (list, tuple)) and X and isinstance(X[0], (str, os.PathLike)):
        _raise_not_pixels(X[0], input_name)
    _check_no_nan_rows(X, input_name)
    if not _plain_numeric_batch(X):
        X = _check_array(X, input_name)
    if X.dtype.kind not in "biuf":
        raise ValueError(
            f"{input_name} must hold numeric pixel values, got dtype {X.dtype}. "
            "To classify image files or PIL images, put a DigitImagePreprocessor "
            "in front of the classifier."
        )
    n = X.shape[0]
    pixels = int(np.prod(X.shape[1:]))
    if X.shape[1:] not in LAYOUTS:
        raise ValueError(
            f"{input_name} has shape {X.shape}; expected MNIST-like digits of shape "
            f"{_LAYOUTS} (got {pixels} pixels per sample). To classify images of other "
            "sizes, put a DigitImagePreprocessor in front of the classifier."
        )
    # The preprocessor's rule for pixel values (skdigits._pixels), so that an
    # array means the same digit with or without a preprocessor in front.
    X = to_unit_float(X, input_name)
    return X.reshape(n, *INPUT_SHAPE)


def check_known_labels(y, classes):
    """Name the labels of a continued-training batch (1-D ``y``) that ``classes`` lacks.

    A network has one output per class it was built for; training it further on other
    labels would fail inside the loss, or predict labels that do not exist.
    """
    try:
        new = np.setdiff1d(np.unique(y), classes)
    except (TypeError, ValueError):
        return  # labels the encoder will reject with its own message
    if new.size:
        raise ValueError(
            "y holds labels the classifier was not built for: "
            f"{first_few(new.tolist(), repr)} (it knows "
            f"{classes.tolist()}). Pass classes= with every label to the first "
            "partial_fit call, or fit again without warm_start."
        )
