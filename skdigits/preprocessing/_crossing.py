"""A line across the whole image through the digit: the crop keeps the digit's span.

A line drawn or printed across the page -- straight, bold, zigzag or dotted --
runs through the digit and on to the image's sides. Thin straight lines are left
out of the ink (:func:`._rules.straight_lines`); a bold one, a zigzag or a dotted
line stays, and the crop, taking it in, widens the digit's box to the whole
image: the digit shrinks to a part of its size. Beyond the digit such a line is
all the ink there is: each column holds one short run of ink or none.
:func:`without_line_tails` leaves such tails out of the ink map at both ends of a
line across, and the crop keeps the digit's span: the line is left crossing the
digit, as a classifier sees it on the image as it came. (Not on low-resolution
scans, whose digit fills its frame: see :func:`._pipeline.find_digit`.)
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._rules import runs

# Only images whose short side has _MIN_SIDE pixels or more (in a frame of MNIST's
# size, a digit fitted to its long side reaches both sides with its own strokes).
_MIN_SIDE = 48
# The ink reaches within _NEAR of the image's side at both ends (a dotted line's
# last dot may stop short of it).
_NEAR = 0.04
# A tail: from each side inwards, columns holding one run of solid ink (above
# half the ink's level) or none, no run longer than _RUN times the median run of
# the first _FIRST of the image's width (the line's own width across that column,
# a zigzag's steeper segments included), and _TAIL of the width long at least at
# both ends (a digit cropped to its box reaches the sides with its own strokes:
# a 4's bar, a 7's; they run on alone for less at one end at least).
_RUN = 2.0
_FIRST = 0.05
_TAIL = 0.1
# What is left between the tails spans _DIGIT of the width at least, and at most
# _ACROSS of the height (a digit cropped to its box fills it both ways: its stems
# run on alone to the top and bottom as a line's tails do).
_DIGIT = 0.25
_ACROSS = 0.85


def _runs_per_line(m):
    """Number of runs of True, and the longest, in each column of ``m``."""
    lengths = [[stop - start for start, stop in runs(m[:, j])] for j in range(m.shape[1])]
    return (np.array([len(r) for r in lengths], dtype=int),
            np.array([max(r, default=0) for r in lengths], dtype=int))


def _tail(n, longest, width):
    """Length of the tail at the start of the columns described by ``n`` and
    ``longest`` (see _RUN), or 0."""
    first = max(2, round(_FIRST * width))
    lead = longest[:first][n[:first] > 0]
    if lead.size == 0 or (n[:first] > 1).any():
        return 0
    limit = _RUN * float(np.median(lead)) + 1
    k = 0
    while k < width and n[k] <= 1 and longest[k] <= limit:
        k += 1
    return k


def _across(m, ink):
    """``(start, stop)`` of the columns of the solid ink ``m`` between a line's tails,
    or None (``ink``: all of the ink, to tell where it reaches)."""
    h, w = m.shape
    cols = np.flatnonzero(m.any(axis=0))
    if cols.size == 0 or cols[0] > _NEAR * w or cols[-1] < w - 1 - _NEAR * w:
        return None
    n, longest = _runs_per_line(m[:, cols[0] : cols[-1] + 1])
    span = n.size
    left = _tail(n, longest, span)
    right = _tail(n[::-1], longest[::-1], span)
    if min(left, right) < _TAIL * w or span - left - right < _DIGIT * w:
        return None
    start, stop = cols[0] + left, cols[0] + span - right
    rows = np.flatnonzero(ink[:, start:stop].any(axis=1))
    if rows[-1] + 1 - rows[0] > _ACROSS * h:
        return None  # (a digit cropped to its box: it fills the image the other way)
    return start, stop


def without_line_tails(y):
    """The ink map ``y`` without the tails of a line across the whole image from side
    to side (see the module's docs), or ``y`` itself if it has none. (Lines down it
    are not looked for: a digit drawn as tall as its canvas runs on alone to the top
    and bottom with its own strokes, a 6's hook, a 9's stem.)"""
    if min(y.shape) < _MIN_SIDE:
        return y
    solid = y > 0.5
    if not solid.any():
        return y
    cut = _across(solid, y > 0)
    if cut is None:
        return y
    out = y.copy()
    out[:, : cut[0]] = 0
    out[:, cut[1] :] = 0
    return out
