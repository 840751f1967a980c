"""Pixel values: the one rule that turns numeric arrays into gray ``float32`` in [0, 1].

Both ends of the library read pixels through it: the preprocessor's decoding of
arrays and batches (:mod:`skdigits._images`) and the classifier's input checks
(:func:`skdigits._validation.check_digits`), so the same array means the same
digit to both. The rule (:func:`to_unit_float`):

* ``bool``: 0 and 1;
* ``uint8``: 0..255; ``uint16``: 0..65535;
* other integers: 0..255 when their maximum is at most 255, else 0..65535;
  negative or larger values raise;
* floats must already lie in [0, 1] (a rounding error of 1e-3 is clipped).

Colour becomes gray by ITU-R 601-2 luma (as Pillow's ``convert("L")``), and an
alpha channel is resolved by :func:`resolve_alpha`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["batch_to_float", "border", "resolve_alpha", "rgb_to_gray", "to_unit_float"]

# ITU-R 601-2 luma weights, the ones Pillow's ``convert("L")`` uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# --------------------------------------------------------------------------- #
# Numeric arrays to float
# --------------------------------------------------------------------------- #
def to_unit_float(arr, what):
    """Scale a numeric array to float32 in [0, 1], validating its range.

    uint8 -> /255; uint16 -> /65535; bool -> 0/1; other integers: 0..255 if
    their maximum is at most 255, else 0..65535 (negative or larger values
    raise); floats must already lie in [0, 1] (within 1e-3, clipped).

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
    if kind == "b":
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
            f"[{lo:g}, {hi:g}]. Divide 0..255 data by 255; map -1..1 data (USPS-style) "
            "with (x + 1) / 2."
        )
    # Always a new array: the preprocessor works on it in place.
    return np.clip(arr, 0, 1, dtype=np.float32)


def rgb_to_gray(arr):
    """Luma of an (..., 3) float array."""
    return arr[..., :3] @ _LUMA


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
