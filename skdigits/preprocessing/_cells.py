"""A cell cut from a grid: the grid's lines along the image's edges, which are no ink.

A digit written in the cell of a table, a form or a puzzle grid, and cropped
from it, comes with the cell's lines along the image's edges -- at the edge or a
few pixels in, on some sides or all four, thin or bold, as dark as the digit or
fainter. To every later step they are ink: the crop takes them in, and where
they run round the image they fill the border that the polarity is read from,
so that the paper inside is read as ink. :func:`without_cell_lines` finds them
on the gray levels, before any ink is looked for, and fills them with the
paper's level.

A cell's line runs along a side of the image from one end to the other, on one
level: each of its lines (rows or columns of pixels) lies beyond the paper's
level in nearly all of its pixels, and inwards of it comes paper. A digit's
stroke seldom runs so straight along a side of the frame it fills (a digit
cropped to its ink touches each side along a part of it), and never along two
sides with paper inwards of both; ruled and squared paper have such lines across
their middle too; the table beside a photographed sheet is broad and textured.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._stats import masked_median, median

# Lines begin within _DEPTH of the image's size from each side (a cell's line a
# few pixels in, a double line) and are followed to their end (a bold one). The
# paper's level is the image's commonest (a bold digit, thick lines, pull its median
# off), the level of _MAJORITY of its pixels within the lines at least (within
# _CONTRAST of its range; in a 28x28 cell, 2-px lines round it are a quarter of the
# pixels, and a bold digit another quarter).
_DEPTH = 0.15
_BINS = 64
_MAJORITY = 0.5
# Each line is at most _THICK of the image's size thick (_THIN px at least; a
# scanner's margin is broader, see _margins), and on one level: the median absolute
# deviation of its pixels at most _EVEN of its level (the median over its lines;
# printed cell lines under noise and JPEG: 0.027 for 95 % of them, 0.038 for 99 %;
# the table beside one of the suite's photographed sheets: 0.039-0.12, textured).
_THICK = 0.13
_THIN = 3
_EVEN = 0.035
# A line's pixels lie beyond _LEVEL of the way from the paper's level to the line's
# own (the median of its pixels), which lies at least _CONTRAST of the image's range
# from the paper's, in all but _GAPS of them and within _ENDS of both ends (the line
# runs from end to end).
_LEVEL = 0.5
_CONTRAST = 0.25
_GAPS = 0.05
_ENDS = 0.03
# Inwards of the last line found comes paper: a line of pixels within _LEVEL of
# the way to the ink in _PAPER of them at least (a digit's strokes cross it).
_PAPER = 0.8
# A cell's lines run along _SIDES sides of it at least, clear of the digit (a digit
# cropped to its ink may have one straight bar along a side: a 7's top, a printed
# 1's foot, a 2's; ruled paper, a rule near an edge). A line that the digit touches
# (less paper inwards of it) is then filled where paper lies inwards of it.
_SIDES = 2
# Inside the cell, away from its sides, at least _INK of the pixels stand _CONTRAST
# of the range out of the paper (a digit's strokes; MNIST's cover a fifth of its frame).
_INK = 0.01
# Levels closer than an 8-bit step are one level.
_LEVELS_APART = 1 / 255
# Only images whose short side has this many pixels, MNIST's frame's (a
# low-resolution scan, 8-16 px, is its digit filling its frame). A 28x28 frame cut
# from a table (the cell's line round it, 1-2 px, at 0.5-1 of the ink's level) was
# read with the line as ink, and dark on light with the paper as ink: the classic
# CNN 94.8 and 55.0 % of the suite's 500 (98.4 alone), 97.4 and 96.2 % without it.
_MIN_SIDE = 28


def _is_line(row, level):
    """Whether the line of pixels ``row`` (its levels from the paper's), whose median is
    ``level`` (beyond _CONTRAST of the range), is a cell's line (see _LEVEL)."""
    ends = max(1, int(np.ceil(_ENDS * row.size)))
    beyond = row * np.sign(level) > _LEVEL * abs(level)
    return (np.count_nonzero(~beyond) <= _GAPS * row.size and bool(beyond[:ends].any())
            and bool(beyond[-ends:].any()))


def _line_depth(turned, paper, spread):
    """``(depth, level)``: the number of lines of ``turned`` from its top that are a
    cell's lines or the paper beyond them, and the lines' level (``(0, 0)``: none),
    see _DEPTH (whether lines run across the middle too is :func:`_ruled`'s)."""
    h = turned.shape[0]
    thick = max(_THIN, _THICK * h)
    # (the lines' medians at once: a line may begin at _DEPTH and run _THICK on)
    reach = _reach(h)
    rows = turned[:reach] - np.float32(paper)
    levels = median(rows, axis=-1)
    off = np.abs(levels) >= _CONTRAST * spread
    if not off[: int(np.ceil(_DEPTH * h))].any():
        return 0, 0.0
    last, ink, run, even = 0, 0.0, 0, []
    for i in range(reach):
        if i >= _DEPTH * h and last < i:
            break  # (a line that began within _DEPTH is followed to its end)
        if not off[i]:
            run = 0
            continue  # (paper: between the edge and a line, or between two lines)
        run += 1
        line = _is_line(rows[i], float(levels[i]))
        if not line and last and i > last:
            break  # (the digit, beyond paper inwards of the lines)
        if not line or run > thick:
            return 0, 0.0  # (the digit, a bar of its own, a scanner's margin)
        last, ink = i + 1, abs(float(levels[i]))
        even.append(float(median(np.abs(rows[i] - levels[i]))) / ink)
    if last == 0 or last >= reach or float(median(np.array(even))) > _EVEN:
        return 0, 0.0  # (none, or no printed line: a table beside a photographed sheet)
    return last, ink


def _ruled(turned, paper, spread):
    """Whether a line of the cell's kind runs across the middle of ``turned`` (its
    middle half of rows): ruled or squared paper has rules all over, a cell none."""
    h = turned.shape[0]
    middle = turned[h // 4 : h - h // 4] - np.float32(paper)
    levels = median(middle, axis=-1)
    return any(_is_line(middle[i], float(levels[i]))
               for i in np.flatnonzero(np.abs(levels) >= _CONTRAST * spread))


def _paper_levels(images):
    """The paper's level of each of the (n, h, w) ``images``: the commonest of its
    levels (in _BINS bins of its range, the top one taking its maximum), the median of
    the pixels within a bin and a half of its bin's centre."""
    n = len(images)
    flat = images.reshape(n, -1)
    values = flat.astype(np.float64, copy=False)
    lo, hi = values.min(axis=1), values.max(axis=1)
    width = (hi - lo) / _BINS
    scaled = (values - lo[:, None]) / np.where(hi > lo, hi - lo, 1)[:, None]
    bins = np.minimum((scaled * _BINS).astype(np.intp), _BINS - 1)
    counts = np.bincount((bins + _BINS * np.arange(n)[:, None]).ravel(), minlength=n * _BINS)
    commonest = np.argmax(counts.reshape(n, _BINS), axis=1)
    centre = (lo + (commonest + 0.5) * width).astype(flat.dtype)
    near = np.abs(flat - centre[:, None]) <= (1.5 * width).astype(flat.dtype)[:, None]
    return masked_median(flat, near)


def _side_lines(images):
    """The lines of pixels of the (n, h, w) ``images`` within :func:`_reach` of each
    side, as rows: ``[top, bottom, left, right]``."""
    h, w = images.shape[1:]
    down, across = _reach(h), _reach(w)
    return [images[:, :down], images[:, h - down:], images[:, :, :across].transpose(0, 2, 1),
            images[:, :, w - across:].transpose(0, 2, 1)]


def _reach(h):
    """How many lines of pixels from a side a cell's lines may take (see _DEPTH, _THICK)."""
    return min(h - 1, int(np.ceil(_DEPTH * h) + max(_THIN, _THICK * h)) + 2)


def may_hold_lines(images):
    """Whether each of the (n, h, w) ``images`` may hold a cell's lines, for many at once.

    What :func:`without_cell_lines` needs first: two sides at least with a line of
    pixels within reach of them whose median lies _CONTRAST of the range off the
    paper's level and whose median absolute deviation is within _EVEN of that (give
    or take float rounding). Frames without are left as they are by it; the others
    are for it to look at.
    """
    n = len(images)
    if n == 0 or min(images.shape[1:]) < _MIN_SIDE:
        return np.zeros(n, dtype=bool)
    flat = images.reshape(n, -1)
    spread = (flat.max(axis=1) - flat.min(axis=1)).astype(np.float64)
    apart = spread >= _LEVELS_APART
    if not apart.any():
        return apart  # (one level each: no line)
    paper = np.zeros(n)
    paper[apart] = _paper_levels(images[apart])
    eps = 1e-6
    sides = np.zeros(n, dtype=int)
    for rows in _side_lines(images):
        level = median(rows, axis=-1)
        spread_of_line = median(np.abs(rows - level[..., None]), axis=-1)
        off = np.abs(level - paper[:, None])
        line = ((off >= _CONTRAST * spread[:, None] - eps)
                & (spread_of_line <= _EVEN * (off + eps) + eps))
        sides += line.any(axis=1)
    return apart & (sides >= _SIDES)


def without_cell_lines(image):
    """``image`` (gray levels) with the lines of a grid's cell along its edges filled
    with the paper's level (see the module's docs), or ``image`` itself if it has none."""
    if min(image.shape) < _MIN_SIDE:
        return image
    h, w = image.shape
    spread = float(image.max() - image.min())
    if spread < _LEVELS_APART:
        return image  # (one level, give or take float rounding: no line)
    paper = float(_paper_levels(image[None])[0])
    found = [_line_depth(np.rot90(image, turn), paper, spread) for turn in range(4)]
    for turn in (0, 1):
        # (opposite sides share their middle lines: rows for the top and bottom)
        if (found[turn][0] or found[turn + 2][0]) and _ruled(np.rot90(image, turn), paper,
                                                               spread):
            found[turn] = found[turn + 2] = (0, 0.0)
    if not any(depth for depth, _ in found):
        return image
    (top, _), (right, _), (bottom, _), (left, _) = found
    within = image[top : h - bottom, left : w - right]
    if np.mean(np.abs(within - paper) < _CONTRAST * spread) < _MAJORITY:
        return image  # (no paper round the digit: a bold digit cropped to its ink)
    filled = image.copy()
    for turn, (depth, _) in enumerate(found):
        np.rot90(filled, turn)[:depth] = paper  # (a view: fills ``filled``)
    # Inwards of each side's lines, the lines along the other sides filled, comes
    # paper; the lines are filled with its level there.
    inwards = {}
    for turn, (depth, ink) in enumerate(found):
        if depth:
            inner = np.rot90(filled, turn)[depth]
            near = np.abs(inner - paper) < _LEVEL * ink
            if near.any():
                inwards[turn] = (near, float(median(inner[near])))
    sides = [turn for turn, (near, _) in inwards.items() if np.mean(near) >= _PAPER]
    if len(sides) < _SIDES:
        return image
    out = image.copy()
    for turn, (near, level) in inwards.items():
        # A line the digit touches (not among ``sides``), in a cell whose other lines
        # are clear of it: filled where paper lies inwards of it (the digit's strokes
        # keep their ends).
        np.rot90(out, turn)[: found[turn][0], slice(None) if turn in sides else near] = level
    # Something stands out of the paper inside the cell, away from its sides: else
    # the "lines" were the digit itself (a 7 drawn as two straight strokes, cropped
    # to its ink), or the cell is empty -- which later steps tell as they did.
    dy, dx = int(np.ceil(_DEPTH * h)), int(np.ceil(_DEPTH * w))
    inside = np.abs(out[dy : h - dy, dx : w - dx] - paper) >= _CONTRAST * spread
    return out if np.count_nonzero(inside) >= _INK * inside.size else image
