"""Pixel values: the one rule that turns numeric arrays into gray ``float32`` in [0, 1].

Both ends of the library read pixels through it: the preprocessor's decoding of
arrays and batches (:mod:`skdigits._images`) and the classifier's input checks
(:func:`skdigits._validation.check_digits`), so the same array means the same
digit to both. The rule (:func:`to_unit_float`):

* ``bool``: 0 and 1;
* ``uint8``: 0..255; ``uint16``: 0..65535;
* other integers: 0..255 when their maximum is at most 255, else 0..65535;
  negative or larger values raise;
* integers of any type holding only 0 and 1: 0 and 1, as ``bool`` (a binary
  image, ``(x > t).astype(int)``; as 0..255 it would be black all over);
* floats must already lie in [0, 1] (a rounding error of 1e-3 is clipped).

Colour becomes gray by ITU-R 601-2 luma (as Pillow's ``convert("L")``), unless the
image's colours differ far more in hue than in brightness (a red digit on green paper):
then along the image's own colour axis (:func:`gray_weights`). An alpha channel is
resolved by :func:`resolve_alpha`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["batch_to_float", "border", "gray_weights", "resolve_alpha", "rgb_to_gray",
           "to_unit_float"]

# ITU-R 601-2 luma weights, the ones Pillow's ``convert("L")`` uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# --------------------------------------------------------------------------- #
# Numeric arrays to float
# --------------------------------------------------------------------------- #
def to_unit_float(arr, what):
    """Scale a numeric array to float32 in [0, 1], validating its range.

    uint8 -> /255; uint16 -> /65535; bool -> 0/1; other integers: 0..255 if
    their maximum is at most 255, else 0..65535 (negative or larger values
    raise); integers holding only 0 and 1 -> 0/1, as bool; floats must already
    lie in [0, 1] (within 1e-3, clipped).

    Parameters
    ----------
    arr : ndarray
        Numeric pixel values (any shape).
    what : str
        Names the input in error messages.

    Returns
    -------
    ndarray of float32, same shape as ``arr``
        A new array, never ``arr`` itself.

    Raises
    ------
    ValueError
        Pixel values outside the rule's range.
    """
    kind = arr.dtype.kind
    if kind == "b" or (kind in "iu" and arr.size and 0 <= arr.min() and arr.max() <= 1):
        return arr.astype(np.float32)
    if kind == "u" and arr.dtype.itemsize == 1:
        return np.divide(arr, np.float32(255), dtype=np.float32)
    if kind == "u" and arr.dtype.itemsize == 2:
        return np.divide(arr, np.float32(65535), dtype=np.float32)
    if kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 65535:
            raise ValueError(
                f"{what}: integer pixel values must lie in 0..255 (or 0..65535 "
                f"for 16-bit data), got values in [{lo}, {hi}]."
            )
        scale = 255 if hi <= 255 else 65535
        return np.divide(arr, np.float32(scale), dtype=np.float32)
    # floats
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise ValueError(
            f"{what}: float pixel values must lie in [0, 1], got values in "
            f"[{lo:g}, {hi:g}]. Divide 0..255 data by 255 (scikit-learn's load_digits, "
            "0..16: by 16); map -1..1 data (USPS-style) with (x + 1) / 2."
        )
    # Always a new array: the preprocessor works on it in place.
    return np.clip(arr, 0, 1, dtype=np.float32)


# --------------------------------------------------------------------------- #
# Colour to gray
# --------------------------------------------------------------------------- #
# Luma sees a coloured digit on coloured paper only by their difference in
# brightness: red ink on green paper of the same luma is invisible to it, and
# random pairs of colours at least 0.5 apart in RGB left 6 % of 200 digits
# blank (21 % of those within 0.15 of each other in luma, 58 % within 0.06).
# The image's own colour axis -- the direction in RGB along which its colours
# vary most about their local mean, so that a lamp's gradient over the page
# does not count -- sees the ink whole. Luma stays unless it sees less than
# _AXIS_SHARE of what that axis sees (both scaled to gray in [0, 1]): ink on
# paper of the same hue, gray ink, noise spread evenly over the channels (0.67)
# all keep it.
_AXIS_SHARE = 0.5
# The variation is measured on every k-th pixel, k such that at most _AXIS_SIDE
# remain along the long side: the mean over 3x3 of them (noise averaged, a
# stroke kept) about the mean over an _AXIS_WINDOW-th of that side (the lighting).
_AXIS_SIDE = 128
_AXIS_WINDOW = 8
# A batch is measured _CHUNK images at a time (its temporaries: a few times the
# chunk's own size).
_CHUNK = 256


def gray_weights(rgb):
    """Weights turning one colour image, or each image of a batch, into gray.

    Luma, unless the image's colours vary about their local mean mostly along
    an axis that luma hardly sees (see ``_AXIS_SHARE``): then that axis.

    Parameters
    ----------
    rgb : ndarray of shape (..., H, W, C), C >= 3, float in [0, 1]
        One image, or a batch of them; channels beyond the third are ignored.

    Returns
    -------
    weights : ndarray of shape (..., 3), float32
    offset : ndarray of shape (...), float32
        ``rgb[..., :3] @ weights + offset`` lies in [0, 1]: the weights' absolute
        values sum to 1, and ``offset`` lifts their negative part. Luma's
        weights are positive (offset 0); an axis is signed to agree with luma
        (brighter stays brighter where it can tell).
    """
    if rgb.ndim == 4 and len(rgb) > _CHUNK:  # (a large batch: bounded temporaries)
        parts = [gray_weights(rgb[i : i + _CHUNK]) for i in range(0, len(rgb), _CHUNK)]
        return tuple(np.concatenate(p) for p in zip(*parts))
    h, w = rgb.shape[-3:-1]
    step = max(1, -(-max(h, w) // _AXIS_SIDE))
    grid = rgb[..., ::step, ::step, :3]
    if (grid[..., :1] == grid[..., 1:]).all():
        # Gray in colour (most drawing apps' PNGs): every axis is luma's, luma kept.
        shape = grid.shape[:-3]
        return np.broadcast_to(_LUMA, (*shape, 3)).copy(), np.zeros(shape, np.float32)
    grid = grid.astype(np.float32)
    k = max(3, max(grid.shape[-3:-1]) // _AXIS_WINDOW)
    size = (1,) * (grid.ndim - 3) + (k, k, 1)
    inner = (1,) * (grid.ndim - 3) + (3, 3, 1)
    about = (ndimage.uniform_filter(grid, size=inner, mode="nearest")
             - ndimage.uniform_filter(grid, size=size, mode="nearest"))
    about = about.reshape(*grid.shape[:-3], -1, 3).astype(np.float64)
    cov = np.swapaxes(about, -1, -2) @ about / about.shape[-2]
    _, vectors = np.linalg.eigh(cov)
    axis = vectors[..., :, -1]
    axis = np.where((axis @ _LUMA)[..., None] < 0, -axis, axis)
    axis = axis / np.abs(axis).sum(axis=-1, keepdims=True)
    luma_sd = np.sqrt(np.maximum(np.einsum("i,...ij,j->...", _LUMA, cov, _LUMA), 0))
    axis_sd = np.sqrt(np.maximum(np.einsum("...i,...ij,...j->...", axis, cov, axis), 0))
    keep = luma_sd >= _AXIS_SHARE * axis_sd
    weights = np.where(keep[..., None], _LUMA, axis).astype(np.float32)
    offset = np.where(keep, 0.0, -np.minimum(axis, 0).sum(axis=-1)).astype(np.float32)
    return weights, offset


def rgb_to_gray(arr, weights=None):
    """Gray of one colour image ``(H, W, C)`` or of each image of a batch ``(n, H, W, C)``.

    ``weights``: ``(weights, offset)`` from :func:`gray_weights` (of another view of
    the same image: its reduced overview for a part read again); by default, the
    image's own.
    """
    w, b = gray_weights(arr) if weights is None else weights
    if w.ndim == 1:
        return arr[..., :3] @ w + b
    gray = arr[..., :3] @ _LUMA
    for i in np.flatnonzero((w != _LUMA).any(axis=-1)):
        gray[i] = arr[i, ..., :3] @ w[i] + b[i]
    return gray


def batch_to_float(batch):
    """Convert a validated numeric batch to gray float32 ``(n, H, W)`` and alpha.

    Returns ``(gray, alpha)``; ``alpha`` is None unless the batch has 4
    channels (RGBA).
    """
    what = f"X (array of shape {batch.shape})"
    x = to_unit_float(batch, what)
    if x.ndim == 3:
        return x, None
    c = x.shape[-1]
    if c == 1:
        return x[..., 0], None
    gray = rgb_to_gray(x).astype(np.float32, copy=False)
    return gray, (x[..., 3] if c == 4 else None)


# --------------------------------------------------------------------------- #
# Alpha channel
# --------------------------------------------------------------------------- #
def border(a, width=1):
    """All pixels within ``width`` of the edge of a 2-D array."""
    h, w = a.shape
    width = max(1, min(width, h // 2 or 1, w // 2 or 1))
    return np.concatenate(
        [
            a[:width].ravel(),
            a[-width:].ravel(),
            a[width:-width, :width].ravel(),
            a[width:-width, -width:].ravel(),
        ]
    )


def resolve_alpha(gray, alpha):
    """Combine luma and alpha into one gray image.

    * No real transparency (alpha everywhere >= 0.98): the alpha is ignored.
    * Transparent background (most of the border is transparent): the digit is
      the opaque part, whatever its colour -- the alpha channel itself is the
      ink map, returned with ``is_ink=True``.
    * Opaque background with transparent holes: the holes are filled with the
      colour opposite to the opaque part's typical colour, so they show.

    Returns ``(image, is_ink)``.
    """
    if alpha is None or float(alpha.min()) >= 0.98:
        return gray, False
    if float(np.median(border(alpha))) < 0.5:
        return alpha.astype(np.float32, copy=False), True
    opaque = gray[alpha > 0.5]
    fill = 0.0 if opaque.size and float(np.median(opaque)) > 0.5 else 1.0
    return (alpha * gray + (1 - alpha) * fill).astype(np.float32), False
