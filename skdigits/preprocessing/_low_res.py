"""Low-resolution scans, as they come or enlarged.

A scan of 8-16 pixels holds its digit filling the frame, with a few gray
levels and no noise to speak of: the pipeline reads it at a smooth, larger
size with a flat background (see :func:`._pipeline.find_digit`). Such scans
also come enlarged -- blocky (nearest neighbour) or smooth (bilinear,
bicubic, Lanczos) -- to 32-128 px: :func:`low_res_pixels` recognises them by
what they lack, detail finer than a low-resolution scan's pixels, and gives
back pixels of that size to read them as what they are.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._geometry import resize_bicubic, scale_to

# Inputs whose long side is below SMALL pixels are low-resolution scans,
# upsampled (bicubic) to a long side of SMALL_TO before anything else.
SMALL = 24
SMALL_TO = 64
# A smooth enlargement: an image of at most _ENLARGED_MAX px (a photo or a canvas
# is larger) whose every detail its own reduction to under SMALL px (to half its
# size, if that is less) gives back: enlarged again (bicubic), it differs by at
# most _SMOOTH of its range, root mean square. scikit-learn's 8x8 digits enlarged
# to 32-128 px (bilinear, bicubic or Lanczos): 0.006-0.043, 96 % of them under
# 0.03 (the rest: bilinear to 32-45 px); drawn-dev's 122 drawings and scans of
# 24-128 px: 0.087 and more. Blurred MNIST digits (28 px, to 14) come down to
# 0.012: those the light path does not take read the same either way (1 digit of
# 17,000 of the suite's 28x28 kinds changed each way). Only contrasted images
# count (_MIN_RANGE): a scan's digit is dark on light paper, or light on dark;
# smooth light and shade on empty paper is not.
_ENLARGED_MAX = 2 * SMALL_TO
_SMOOTH = 0.03
_MIN_RANGE = 0.5


def _run_lengths(image, axis):
    """Lengths of the runs of identical consecutive rows (axis 0) or columns (axis 1)."""
    a = image if axis == 0 else image.T
    starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]).any(axis=1)])
    return np.diff(np.r_[starts, a.shape[0]])


def native_grid(image):
    """The image a nearest-neighbour enlargement was made from, or None.

    Enlarged that way (blocky), an image repeats each of its rows and columns
    ``f`` times (``f`` the enlargement, rounded up or down where it is not a
    whole number; identical neighbours in the original make runs of several
    times ``f``). Sampling the centre of each block gives back the original.
    Only images whose original is a low-resolution scan (long side under
    ``SMALL``) enlarged at least twice are returned.
    """
    runs = [_run_lengths(image, 0), _run_lengths(image, 1)]
    lengths = np.concatenate(runs)
    if min(r.size for r in runs) < 2 or lengths.min() < 2:
        return None
    f = float(lengths[lengths < 1.5 * lengths.min()].mean())
    shape = [max(1, round(n / f)) for n in image.shape]
    if max(shape) >= SMALL or np.abs(lengths - f * np.round(lengths / f)).max() > 1:
        return None
    rows, cols = ((np.arange(k) + 0.5) * n / k for k, n in zip(shape, image.shape))
    return image[np.ix_(rows.astype(int), cols.astype(int))]


def smooth_enlargement(image, original_shape):
    """The image reduced to a low-resolution scan's size if it is a smooth
    enlargement of one (see _SMOOTH), else None.

    ``original_shape``: the image's size as it came, before any reduction while
    decoding.
    """
    h, w = image.shape
    if max(h, w) < SMALL or max(original_shape) > _ENLARGED_MAX:
        return None
    lo, hi = float(image.min()), float(image.max())
    if hi - lo < _MIN_RANGE:
        return None
    small = scale_to(image, min(SMALL - 1, max(h, w) // 2))
    back = resize_bicubic(small, (h, w))
    if float(np.sqrt(np.mean(np.square(back - image)))) > _SMOOTH * (hi - lo):
        return None
    return small


def low_res_pixels(dec):
    """``(pixels, how)``: the decoded image ``dec``'s own low-resolution pixels if it
    is a low-resolution scan -- as it came, enlarged blocky or enlarged smoothly
    (``how``: "as it came", "blocky", "smooth") -- else ``(None, None)``."""
    if max(dec.original_shape) < SMALL:
        return dec.image, "as it came"
    if dec.is_ink:
        return None, None
    native = native_grid(dec.image)
    if native is not None:
        return native, "blocky"
    native = smooth_enlargement(dec.image, dec.original_shape)
    if native is not None:
        return native, "smooth"
    return None, None
