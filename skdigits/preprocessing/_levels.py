"""The levels of frames of the output size, as they came (an (n, s, s) batch).

Each frame's border, which of its levels is the background (the polarity) and
its level, the ink's level, and its solid ink: what the light path
(:mod:`._light_path`) decides on, for a whole batch at once; and the bands turned
over at a frame's sides, which it turns back first.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._geometry import inside_distance
from skdigits.preprocessing._stats import median
from skdigits.preprocessing._strokes import thin_side

# Bands at the sides of a frame: a band's edge runs down the frame near a side --
# neighbouring columns step by half the frame's range in at least _BAND_EDGE of its
# rows -- a seventh of the frame or more in from the side for dark bands on a light
# frame (a gray frame printed around a digit, 1-3 px wide, steps closer to the
# side), anywhere from the side itself for light bars on a dark one. MNIST's frames
# with their 5-8 side columns inverted: 0.71-1; MNIST's digits 0.61 at most, with
# light bars along the top and bottom 0.64 of 2,000; fogged frames 0.25. Without
# such an edge the frame is turned only if its ink is thinner that way
# (_thinner_turned): fog over a frame can give its border either level. 500 fogged
# MNIST digits: 94.0 % right light on dark and 90.6 % dark on light when light
# sides turned a frame without more, 93.6 % both ways now (the classifier alone
# 93.4 %).
_BAND_EDGE = 0.7
# A frame's clear majority: more than _CLEAR_MAJORITY beyond half of its pixels
# on one side of the middle level (see _polarity).
_CLEAR_MAJORITY = 0.15


def count(mask):
    """Number of True values of each image of an (n, h, w) boolean array (or of each
    row of an (n, m) one)."""
    # Summing the bytes is 2-4 times faster than np.count_nonzero(axis=1); in
    # 16 bits while no image can hold more True values than that.
    flat = mask.reshape(len(mask), -1).view(np.uint8)
    if flat.shape[1] < 2**16:
        return flat.sum(axis=1, dtype=np.uint16).astype(np.int64)
    return flat.sum(axis=1, dtype=np.int64)


def borders(x):
    """The border pixels of each (n, h, w) image: top, bottom, left and right sides."""
    return np.concatenate([x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1)


# A frame along the edges at a middling gray (a box printed around the digit, a
# picture's mat): the border's level lies more than _MIDDLING of the range from
# both extremes, and at least _EVEN_SHARE of the border within _EVEN of the range
# of that level. No background is middling gray with ink both darker and lighter;
# the background is the first ring inside the border, up to a seventh of the
# frame deep, whose level is an extreme's.
_MIDDLING = 0.25
_EVEN = 0.1
_EVEN_SHARE = 0.8


def _inside_a_frame(x, border, bg, lo, hi):
    """``bg`` with the background's level inside a middling frame (see _MIDDLING)."""
    s = x.shape[1]
    span = np.maximum(hi - lo, 1e-6)
    rel = (bg - lo) / span
    # (only middling borders are looked at further: MNIST's are at the dark extreme)
    for i in np.flatnonzero((rel > _MIDDLING) & (rel < 1 - _MIDDLING)):
        if np.mean(np.abs(border[i] - bg[i]) <= _EVEN * span[i]) < _EVEN_SHARE:
            continue
        for d in range(1, s // 7 + 1):
            ring = np.concatenate([x[i, d, d:s - d], x[i, s - 1 - d, d:s - d],
                                   x[i, d + 1:s - 1 - d, d], x[i, d + 1:s - 1 - d, s - 1 - d]])
            level = float(median(ring))
            if not _MIDDLING < (level - lo[i]) / span[i] < 1 - _MIDDLING:
                bg[i] = level
                break
    return bg


def _polarity(x, border, invert, lo, hi):
    """``(light, bg)``: whether each image's background is the light one, and its level
    (``lo``, ``hi``: each image's darkest and lightest pixel)."""
    n, s, _ = x.shape
    bg = _inside_a_frame(x, border, median(border, axis=-1), lo, hi)
    if invert != "auto":
        return np.full(n, bool(invert)), bg
    # A frame or bars along the edges (a picture's frame, stripes along the top
    # and bottom) make the border's level theirs, not the background's. Where the
    # border and the frame as a whole disagree on which level is the majority,
    # the strokes' thinness decides (the ground around them is broad), else the
    # frame's majority if it is a clear one.
    # (The frame's majority counted on every other row and column: 4 times faster.)
    mid = (lo + hi) / 2
    coarse = x[:, ::2, ::2]
    light_frame = count(coarse > mid[:, None, None]) / coarse[0].size
    light_border = count(border > mid[:, None]) / border.shape[1]
    frame = x.reshape(n, s * s)
    for i in np.flatnonzero((light_border > 0.5) != (light_frame > 0.5)):
        ink_light = thin_side(x[i] > mid[i])
        if ink_light is None and abs(light_frame[i] - 0.5) > _CLEAR_MAJORITY:
            ink_light = light_frame[i] < 0.5
        if ink_light is not None and (bg[i] > mid[i]) == ink_light:
            # The background's level: the median of the side that is not ink.
            ground = frame[i] > mid[i] if not ink_light else frame[i] <= mid[i]
            bg[i] = median(frame[i][ground])
    # The ink is the extreme farther from the background level -- unless the
    # middle of the frame, where the digit is, and the border above and below
    # it are of the other level: then only the sides of the frame are of the
    # border's level (bands at the sides inverted), and the middle's level is
    # the background.
    light = (bg - lo) > (hi - bg)
    # (Both kinds of frames are picked before either is turned.)
    for sides_light, which in ((True, np.flatnonzero(light)), (False, np.flatnonzero(~light))):
        which, level = _sides_only(x, which, bg, lo, hi, mid, sides_light)
        light[which] = not sides_light
        bg[which] = level
    return light, bg


def _sides_only(x, which, bg, lo, hi, mid, sides_light):
    """Which of the frames ``which``, whose border is mostly light (``sides_light``) or
    dark, have the other level in the middle and above and below it, and a band's
    edge near a side or thinner ink that way (see _BAND_EDGE): only their sides are
    of the border's level. ``bg``: every frame's background level as the border
    gives it. Returns those and their middle's level
    (``lo``, ``hi``, ``mid``: every frame's darkest, lightest and middle level)."""
    s = x.shape[1]
    a, b = s // 7, 2 * s // 7
    # (Above and below first: MNIST's frames, dark there, need no more.)
    above_below = median(np.concatenate([x[which, 0, b : s - b], x[which, -1, b : s - b]],
                                        axis=1), axis=-1)
    which = which[(above_below < mid[which]) if sides_light else (above_below > mid[which])]
    if which.size == 0:
        return which, np.empty(0, dtype=x.dtype)
    middle = x[which, a : s - a, b : s - b].reshape(which.size, -1)
    # The middle's background level: its quartile on the ground's side, as a
    # bold digit can cover half of the middle (never three quarters of it).
    q = middle.shape[-1] // 4 if sides_light else middle.shape[-1] * 3 // 4
    level = np.partition(middle, q, axis=-1)[:, q]
    other = (level < mid[which]) if sides_light else (level > mid[which])
    # And a band's edge near a side, running down the frame (see _BAND_EDGE);
    # light bars may lie at the very side.
    steps = np.abs(np.diff(x[which], axis=2)) >= (0.5 * (hi[which] - lo[which]))[:, None, None]
    rows = steps.mean(axis=1)  # (between columns c and c + 1)
    near = 0 if sides_light else a
    edge = np.maximum(rows[:, near : b + 2].max(axis=-1),
                      rows[:, s - b - 3 : s - 1 - near].max(axis=-1))
    banded = edge >= _BAND_EDGE
    for j in np.flatnonzero(other & ~banded):
        i = which[j]
        banded[j] = _thinner_turned(x[i], bg[i], level[j], lo[i], hi[i], sides_light)
    other &= banded
    return which[other], level[other]


def _thinner_turned(x, bg, level, lo, hi, sides_light):
    """Whether a frame's solid ink is thinner read with ``level`` as its background
    (the other polarity) than with ``bg`` (the border's): fog over the frame, not
    bands at its sides, took the border; the strokes are the thinner ink."""
    if sides_light:
        kept, turned = x < (bg + lo) / 2, x > (level + hi) / 2
    else:
        kept, turned = x > (bg + hi) / 2, x < (level + lo) / 2
    return float(inside_distance(turned).max()) < float(inside_distance(kept).max())


def levels(x, invert):
    """``(border, light, bg, top, solid)`` of (n, s, s) images as they came.

    Their border pixels; whether the background is the light one
    (:func:`_polarity`); the background's level (the border's median, or where
    a frame or bars along the edges make that theirs, the ground's) and the
    ink's (the extreme beyond it); and the solid ink, beyond half the way from
    one to the other (light-background images compared flipped, not modified).
    """
    n, s, _ = x.shape
    border = borders(x)
    flat = x.reshape(n, s * s)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    light, bg = _polarity(x, border, invert, lo, hi)
    top = np.where(light, lo, hi)
    half = ((bg + top) / 2)[:, None, None]
    solid = x > half
    if light.any():
        solid[light] = x[light] < half[light]
    return border, light, bg, top, solid


# Bands turned over at the sides of a frame (MNIST-C's stripe: the 7 columns at
# each side inverted). MNIST's digits keep the _MARGIN rows at the top and the
# bottom of the frame nearly clear: there, the columns of such a band lie on the
# other level -- each in at least half of those rows, all in _BAND_ROWS of them
# on average (a digit's ends reach into one or two) -- and the column beyond it
# in at most _BEYOND_ROWS, with a step of half the frame's range between the two
# in _SIDE_EDGE of the frame's rows (MNIST-C's stripe: 0.64 and more for 99 % of
# 2,000 test digits -- where the digit lies in one of the two columns only, the
# band has no step; light and shade, fog or a gradient, has none). A band is _MIN_BAND
# to _MAX_BAND columns wide (a bar along an edge is 1-2 px). Turned back, the
# frame is MNIST's again.
_MARGIN = 4
_BAND_ROWS = 0.8
_BEYOND_ROWS = 3 / 8
_SIDE_EDGE = 0.6
# On the other level: beyond _BAND_LEVEL of the way from the frame's own level to
# it (a band turned over lies at the other end of the range; bars of a middle
# gray along an edge do not, and turned over would stay gray).
_BAND_LEVEL = 0.75
_MIN_BAND, _MAX_BAND = 3, 10


def side_bands(x):
    """``(left, right)``: the width in columns of the band turned over at the left and
    the right side of each of the (n, s, s) frames ``x`` (0 where there is none).

    Bands of either level are looked for; the frame's own level is that of most of
    the frame between them (not the middle columns alone: a bold digit may cover
    most of those, and a drawing filling its frame touches the sides' margins).
    """
    n, s, _ = x.shape
    left, right = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    # Only frames whose top margin rows differ at a side from their middle by half
    # their range are looked at closer (MNIST's frames: top rows of one level; of
    # MNIST-C's stripe on 10,000 test digits, none whose bands are found is left).
    # (A spread where any of those pixels differs from the first: a comparison is
    # 3 times faster than the extremes, which only those frames then need.)
    top = x[:, :_MARGIN]
    near = np.flatnonzero(count(top != x[:, :1, :1]))
    top = top[near]
    spread = top.max(axis=(1, 2)) - top.min(axis=(1, 2))
    middle = top[:, :, s // 2 - 4 : s // 2 + 4].mean(axis=(1, 2))
    near = near[np.any([np.abs(top[:, :, cols].mean(axis=(1, 2)) - middle) >= spread / 2
                        for cols in (slice(0, _MIN_BAND), slice(s - _MIN_BAND, s))], axis=0)]
    if near.size == 0:
        return left, right
    x = x[near]  # (each with a range: its top rows have a spread)
    margin = x[:, np.r_[0:_MARGIN, s - _MARGIN : s], :]
    flat = x.reshape(len(near), s * s)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    mid = (lo + hi) / 2
    for own_dark in (True, False):
        other = (margin > (lo + _BAND_LEVEL * (hi - lo))[:, None, None] if own_dark
                 else margin < (hi - _BAND_LEVEL * (hi - lo))[:, None, None])
        share = other.mean(axis=1)  # (n, s): per column, the margin rows on the other level
        fits = [_band_widths(share), _band_widths(share[:, ::-1])]  # (n, widths) each
        for i in np.flatnonzero(fits[0].any(axis=1) | fits[1].any(axis=1)):
            if left[near[i]] or right[near[i]]:
                continue
            half = (hi[i] - lo[i]) / 2
            found = [_widest_edge(cols, ok[i], half) for cols, ok in
                     ((x[i], fits[0]), (x[i][:, ::-1], fits[1]))]
            between = x[i, :, found[0] : s - found[1]]
            if (found[0] or found[1]) and (median(between.ravel()) < mid[i]) == own_dark:
                left[near[i]], right[near[i]] = found
    return left, right


def _band_widths(cols):
    """Which widths (_MIN_BAND to _MAX_BAND) a band from the side of each frame may
    have by its margin rows (see _BAND_ROWS): an (n, widths) boolean array. ``cols``:
    (n, s) shares per column, from the side inwards."""
    s = cols.shape[1]
    run = np.cumprod(cols >= 0.5, axis=1).sum(axis=1)
    mean = np.cumsum(cols, axis=1) / np.arange(1, s + 1)
    k = np.arange(_MIN_BAND, _MAX_BAND + 1)
    return ((run[:, None] >= k) & (mean[:, k - 1] >= _BAND_ROWS)
            & (cols[:, k] <= _BEYOND_ROWS))


def _widest_edge(frame, ok, half):
    """The widest of the widths ``ok`` allows at whose inner edge the level of the
    (s, s) ``frame`` (its side at column 0) steps by ``half`` in _SIDE_EDGE of its
    rows; 0 if none."""
    for k in np.arange(_MIN_BAND, _MAX_BAND + 1)[ok][::-1]:
        if np.mean(np.abs(frame[:, k - 1] - frame[:, k]) >= half) >= _SIDE_EDGE:
            return int(k)
    return 0


def turn_back(x, idx, left, right):
    """Turn the side bands (``left``, ``right`` columns wide) of the frames ``x[idx]``
    over again, in place: each pixel mirrored about the middle of its frame's range."""
    for i in idx:
        total = float(x[i].min()) + float(x[i].max())
        if left[i]:
            x[i, :, : left[i]] = total - x[i, :, : left[i]]
        if right[i]:
            x[i, :, -right[i] :] = total - x[i, :, -right[i] :]
