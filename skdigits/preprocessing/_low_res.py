"""Small images enlarged: low-resolution scans, and MNIST-like frames.

A scan of 8-16 pixels holds its digit filling the frame, with a few gray
levels and no noise to speak of: the pipeline reads it at a smooth, larger
size with a flat background (see :func:`._pipeline.find_digit`). Such scans
also come enlarged -- blocky (nearest neighbour) or smooth (bilinear,
bicubic, Lanczos) -- to 32-128 px: :func:`low_res_pixels` recognises them by
what they lack, detail finer than a low-resolution scan's pixels, with their
digit filling the frame (a small digit on a flat canvas lacks that detail only
where it lies) -- or, where the filter's own kinks remain (bilinear, 4-6 times),
as an exact enlargement of a scan's size --, and gives back pixels of that size
to read them as what they are. An MNIST-like 28x28 frame, clutter and all,
enlarged for viewing is found the same way, exactly (:func:`enlarged_frame`),
and read as that frame by the light path. A blurred frame enlarged is as smooth
as a scan enlarged: the size of its digit tells them apart (a scan's fills its
frame).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image

from skdigits._pixels import border
from skdigits.preprocessing._geometry import bbox, long_side, resize_bicubic, scale_to
from skdigits.preprocessing._levels import levels
from skdigits.preprocessing._stats import median

# Inputs whose long side is below SMALL pixels are low-resolution scans,
# upsampled (bicubic) to a long side of SMALL_TO before anything else.
SMALL = 24
SMALL_TO = 64
# A smooth enlargement: an image of at most _ENLARGED_MAX px (a photo or a canvas
# is larger) whose every detail its own reduction to under SMALL px (to half its
# size, if that is less) gives back: enlarged again (bicubic), it differs by at
# most _SMOOTH of its range, root mean square. scikit-learn's 8x8 digits enlarged
# to 32-128 px (bilinear, bicubic or Lanczos): 0.006-0.043, 96 % of them under
# 0.03 (the rest: bilinear to 32-45 px, found by an exact fit instead, see
# _scan_fitted); drawn-dev's 122 drawings and scans of 24-128 px: 0.087 and more.
# Blurred MNIST digits (28 px, to 14) come down to 0.012: those the light path does
# not take read the same either way (of 17,000 images of the suite's 28x28 and
# enlarged kinds, 2 changed: one for the better, one for the worse). Only
# contrasted images count (_MIN_RANGE): a scan's digit is dark on light paper, or
# light on dark; smooth light and shade on empty paper is not.
_ENLARGED_MAX = 2 * SMALL_TO
_SMOOTH = 0.03
_MIN_RANGE = 0.5
# And a scan's digit fills its frame: its content -- the pixels more than _CONTENT
# of the range away from the level of the image's border -- spans at least _FILLS
# of the image's long side. A small digit on a larger, flat canvas loses all its
# detail reduced to a scan's size, but its canvas, flat, averages that loss away
# (9-14 px digits on 64-128 px canvases, read as scans of 23 px: 12 % misread and
# 6 % blank; the content of 7,000 of the suite's scans, as they came or enlarged,
# spans 0.69 of the side at least, 0.9 for 99 % of them).
_CONTENT = 0.5
_FILLS = 0.5


# An enlarged frame: a square image that some common enlargement (nearest,
# bilinear, bicubic or Lanczos) of a frame of the output size gives back exactly
# -- the frame fitted to it by least squares, enlarged again (and block-averaged
# as decoding reduced it), differs from it by at most _EXACT of its range, root
# mean square (what rounding to 8 bits and clipping the filters' overshoot
# leave) -- is read as that frame: an MNIST-like digit, clutter and all, scaled
# up for viewing is the digit it was. The overshoot is clipped once at the end (a
# float image) or, as Pillow enlarges 8-bit images, after each of its two passes
# (along the rows, then down the columns; see _clipped_fit): salt-and-pepper
# frames enlarged bicubic or Lanczos left 0.8-2 times _EXACT with one clipping, 0.4
# at most with two (30 of 30 fitted against 5 of 30 with Lanczos).
_EXACT = 0.01
_CLIP_ROUNDS = 4
# Before those rounds a fit that leaves more than _CLIPPED times _EXACT is no
# enlargement (a shortcut: MNIST digits enlarged bicubic or Lanczos leave up to 1.4
# times, under salt-and-pepper noise up to 6; drawn-dev's square drawings 4 and more).
_CLIPPED = 6
# After them, a fit that leaves more than _RESCUED times _EXACT is none either (a
# shortcut): the fit clipped in Pillow's two passes (_clipped_fit) brought 72 of the
# fits to the suite's 44,280 images under _EXACT, from 2.1 times at most
# (salt-and-pepper frames enlarged Lanczos), and none of the 21,000 others it was
# tried on (half of those left more than 3 times).
_RESCUED = 3
_SNAP = 0.03
# The sizes of low-resolution scans: 8 (scikit-learn's digits, optdigits), 12, 16
# (USPS), 20; an image that enlarges one of them exactly is such a scan.
_SCANS = (8, 12, 16, 20)
_METHODS = (Image.Resampling.NEAREST, Image.Resampling.BILINEAR,
            Image.Resampling.BICUBIC, Image.Resampling.LANCZOS)


@functools.lru_cache(maxsize=256)
def _enlarging(size, n, factor, method):
    """``(A, pinv(A))``: the 1-D enlargement of ``size`` px to ``n`` px by ``method``,
    then averaged in blocks of ``factor`` as decoding reduces (the last block padded
    with its edge), as an ``(ceil(n / factor), size)`` matrix; both in float32 (ample
    for 8-bit levels: the suite's outputs moved by under 1e-4 from float64's, at 2/3
    of the cost)."""
    eye = np.eye(size, dtype=np.float32)
    a = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(eye[:, j:j + 1]), "F")
                             .resize((1, n), method))[:, 0] for j in range(size)], axis=1)
    m = math.ceil(n / factor)
    a = np.concatenate([a, np.repeat(a[-1:], m * factor - n, axis=0)])
    a = a.reshape(m, factor, size).mean(axis=1)
    return a.astype(np.float32), np.linalg.pinv(a).astype(np.float32)


def _fit(dec, size):
    """The ``size`` x ``size`` frame that one of _METHODS enlarges exactly into the
    decoded image ``dec`` (gray levels, or its ink map if ``dec.is_ink``; see _EXACT),
    unclipped; None if there is none."""
    h, w = dec.image.shape
    n = dec.original_shape[0]
    if h != w or tuple(dec.original_shape) != (n, n) or n < 2 * size:
        return None
    img = dec.image.astype(np.float32, copy=False)
    lo, hi = float(img.min()), float(img.max())
    if hi - lo <= 0:
        return None
    factor = math.ceil(n / h)
    if math.ceil(n / factor) != h:
        return None  # (not reduced by a whole factor: decoded otherwise)
    # The filters' overshoot beyond the range was clipped: where the image sits
    # at an end of its range, the enlargement may lie beyond it (the image with
    # the fit put back there, the rest as it is: the fit clipped to these bounds).
    below = np.where(img <= lo, -np.inf, img)
    above = np.where(img >= hi, np.inf, img)
    best, best_rms = None, np.inf
    for method in _METHODS:
        a, p = _enlarging(size, n, factor, method)
        frame = p @ img @ p.T
        again = a @ frame @ a.T
        rms = float(np.sqrt(np.mean(np.square(again - img))))
        if rms > _CLIPPED * _EXACT * (hi - lo):
            continue  # (more than clipping leaves: no such enlargement)
        for _ in range(_CLIP_ROUNDS):
            target = np.clip(again, below, above)
            frame = p @ target @ p.T
            again = a @ frame @ a.T
        rms = float(np.sqrt(np.mean(np.square(again - target))))
        if rms > _RESCUED * _EXACT * (hi - lo):
            continue
        if rms > _EXACT * (hi - lo):
            # (Not clipped once at the end, as a float image is: in each of Pillow's
            # two passes, as an 8-bit image is.)
            frame, rms = _clipped_fit(img, a, p, lo, hi)
        if rms < best_rms:
            best, best_rms = frame, rms
    return best if best_rms <= _EXACT * (hi - lo) else None


def _unclipped(img, again, low, high, lo, hi):
    """``img`` with the fit ``again`` where ``img`` sits at an end of its range
    (``low``, ``high``) and the fit lies beyond it: the overshoot that was clipped."""
    return np.where(low & (again < lo) | high & (again > hi), again, img)


def _clipped_fit(img, a, p, lo, hi):
    """``(frame, rms)``: the frame whose enlargement by ``a`` comes closest to ``img``, and
    the root mean square of what it leaves. Pillow enlarges in two passes, along the
    rows first, and clips each to the range (``lo``, ``hi``) of 8-bit levels: where an
    image sits at an end of its range, either pass may have overshot it."""
    low, high = img <= lo, img >= hi
    rows = p @ img  # (the first pass's output: the frame's rows, the image's columns)
    for _ in range(_CLIP_ROUNDS):
        rows = p @ _unclipped(img, a @ rows, low, high, lo, hi)
    rows = np.clip(rows, lo, hi)
    tol = _SNAP * (hi - lo)
    low, high = rows <= lo + tol, rows >= hi - tol
    frame = rows @ p.T
    for _ in range(_CLIP_ROUNDS):
        frame = _unclipped(rows, frame @ a.T, low, high, lo, hi) @ p.T
    again = np.clip(a @ np.clip(frame @ a.T, lo, hi), lo, hi)
    return frame, float(np.sqrt(np.mean(np.square(again - img))))


def _solid_span(frame):
    """The span (px) of a frame's solid ink (as the light path finds it), down its
    rows or across its columns, whichever is longer."""
    box = bbox(levels(frame[None], "auto")[-1][0])
    return 0 if box is None else long_side(box)


def enlarged_frame(dec, size, largest):
    """The ``size`` x ``size`` frame the decoded image ``dec`` is an enlargement of (see
    _EXACT), as gray levels in [0, 1]; None if it is none, if it is a blocky
    enlargement of a low-resolution scan (:func:`native_grid`), or if it may be a
    smooth one (it holds no detail at its own scale, or a scan's size fits it too)
    and its solid ink spans more than ``largest`` px (a digit's largest size in the
    frame; a scan's digit fills its frame)."""
    if native_grid(dec.image) is not None:
        return None  # (the blocks of a scan's pixels)
    frame = _fit(dec, size)
    if frame is None:
        return None
    frame = np.clip(frame, 0, 1).astype(np.float32)
    # A frame that holds no detail at its own scale may itself be an enlargement
    # of something smaller: a low-resolution scan (or light and shade). A scan's
    # digit fills its frame; one of a digit's size is MNIST-like, only blurred.
    # (Solid ink spanning 24-28 px in the 28 px frames fitted to 1,100 scans
    # enlarged to 64-128 px -- the suite's low-resolution kinds and scikit-learn's
    # digits --, at most 24 px in 900 blurred MNIST frames (medians 19-20 px by
    # kind of blur): the light path's largest digit is 23 px. Motion-blurred
    # frames enlarged, read at their size before: 87-88 % right and 4.7 % blank of
    # 300 against 93.7 % for the frames.)
    if _solid_span(frame) > largest and (
            _lost(frame, scale_to(frame, size // 2)) <= _SMOOTH
            or any(_fit(dec, n) is not None for n in _SCANS)):
        return None
    # The fit rings faintly (its error, spread): levels within _SNAP of the range's
    # ends are those ends, as the paper or ink they came from was.
    lo, hi = float(frame.min()), float(frame.max())
    snap = _SNAP * (hi - lo)
    frame[frame <= lo + snap] = lo
    frame[frame >= hi - snap] = hi
    return frame


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


def _may_be_scan(image, original_shape):
    """Whether ``image`` may be a smooth enlargement of a low-resolution scan: at
    most _ENLARGED_MAX px as it came, contrasted (_MIN_RANGE) and its content
    filling it (_FILLS)."""
    h, w = image.shape
    if max(h, w) < SMALL or max(original_shape) > _ENLARGED_MAX:
        return False
    lo, hi = float(image.min()), float(image.max())
    if hi - lo < _MIN_RANGE:
        return False
    box = bbox(np.abs(image - median(border(image))) > _CONTENT * (hi - lo))
    return box is not None and long_side(box) >= _FILLS * max(h, w)


def smooth_enlargement(image):
    """The image (one that :func:`_may_be_scan`) reduced to a low-resolution scan's
    size if it is a smooth enlargement of one (see _SMOOTH), else None."""
    small = scale_to(image, min(SMALL - 1, max(image.shape) // 2))
    return small if _lost(image, small) <= _SMOOTH else None


def _scan_fitted(dec):
    """The scan of one of the _SCANS sizes that one of _METHODS enlarges exactly into
    the decoded image ``dec`` (one that :func:`_may_be_scan`; see _EXACT), in [0, 1];
    None if there is none. (A bilinear enlargement by 4-6 times keeps the kinks of
    its straight pieces, which :func:`smooth_enlargement`'s reduction, enlarged again
    bicubic, does not give back: 21 of the suite's 500 scans enlarged smoothly, read
    at their size, 76 % right and one declared blank, against 91-96 % for the
    others.)"""
    for n in _SCANS:
        frame = _fit(dec, n)
        if frame is not None:
            return np.clip(frame, 0, 1).astype(np.float32)
    return None


def _lost(image, small):
    """What ``small``, ``image`` reduced, lacks of it: the root mean square of their
    difference once ``small`` is enlarged again (bicubic), as a share of the range."""
    lo, hi = float(image.min()), float(image.max())
    back = resize_bicubic(small, image.shape)
    return float(np.sqrt(np.mean(np.square(back - image)))) / max(hi - lo, 1e-6)


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
    if not _may_be_scan(dec.image, dec.original_shape):
        return None, None
    native = smooth_enlargement(dec.image)
    if native is None:
        native = _scan_fitted(dec)
    return (native, "smooth") if native is not None else (None, None)
