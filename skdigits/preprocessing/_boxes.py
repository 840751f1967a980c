"""Boxes printed around the digit: the fields of a form, a row of boxes.

A box printed around the digit (or a row of boxes) is thin straight lines only,
along its four sides, with a hole far wider than its lines: no digit is that.
:func:`printed_boxes` finds them among the candidate ink, for the ink map to
leave out (see :func:`._rules.printed_lines`); :func:`without_boxes` takes out of
the final ink the boxes found only there, and tells ink that is boxes and nothing
else -- a form's empty fields, whose lines faded unevenly among the candidates
(verticals kept, horizontals lost).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._geometry import EIGHT, SMALL_FRAME, bbox, runs
from skdigits.preprocessing._strokes import Blank, remove_specks


# A printed box (or a row or a column of boxes): a connected piece of ink, at least
# _MIN_BOX px on its short side, that is straight lines only: rows covering
# _BOX_SIDES of its width and columns covering _BOX_SIDES of its height come in bands
# at most _BOX_STRIP of the short side thick (3 px at least), bands run along all
# four sides (within that much), _BOX_MASS of its ink lies within _BOX_FRINGE px of
# a band, and two bands (a cell) are _BOX_HOLE times the outer bands' width apart at
# least (their width as found, less the row that taking two rows together adds). A
# digit's outline touches its bounding box in a few places (a 0's oval: four); an 8
# drawn in straight strokes, two stacked boxes, has holes about as wide as its strokes.
_BOX_STRIP = 0.1
_BOX_SIDES = 0.8
_BOX_MASS = 0.95
_BOX_FRINGE = 2
_BOX_HOLE = 4
_MIN_BOX = 12
# A box's sides meet at its corners: ink lies within _CORNER of its short side (a
# pixel at least) of each corner of its bounding box. A small bold 0 can be as
# straight along its sides, within a band of 3 px, but is round at its corners
# (12-14 px 0s on small canvases were read as boxes). The farthest corner of the
# printed boxes found in the suite's forms lies 0.14 of the short side from ink at
# most (7 px of 51), 0.07 for 99 % of them; of 2,000 MNIST 0s scaled to 12-28 px,
# 0.1 at least, 0.14-0.17 or more for 99 % of them (0.27 typically).
_CORNER = 0.15
# A box as small as a digit (its long side under _SMALL_BOX px) must have solid ink
# (above _SOLID of the piece's own level, the upper decile of its pixels) within
# _SOLID_CORNER of its short side of each corner too, where the ink's levels are
# known: a printed line is as dark at its corners as along them, but a small bold
# 0's faint rim fills out the corners of its bounding box (MNIST 0s of 12-30 px on
# 40-128 px canvases, 2 px from them in their solid ink, 1 px in their rim, or
# closed by the canvas's edge that cut them, were declared printed lines or an
# empty form: 3 of 300 anywhere, 9 of 300 of the tests' at their canvas's edge,
# 1 of the suite's 2,000 small_canvas digits at seed 3; none now). Larger boxes'
# lines are not that even: rows of boxes on the suite's empty forms, their lines
# faded unevenly, have no solid ink within 0.1-0.8 of their short side of a corner
# (no empty form and no digit in a box of the suite reads otherwise, seeds 0, 3).
_SOLID = 0.5
_SOLID_CORNER = 0.1
_SMALL_BOX = 32
# Inside a row of boxes the sides of two neighbours may touch: a band up to twice
# as thick, each of its rows running across the whole row (_SHARED of it; a digit's
# bold stroke from one side of its box to the other is not that straight).
_SHARED = 0.95
# The cells of a row of boxes are alike: none more than _CELLS times as wide as
# another. A stroke of a digit joined to its box's sides splits a cell unevenly:
# a piece whose cells differ more is not all box (its digit is kept).
_CELLS = 1.5


def printed_boxes(ink, levels=None):
    """Mask of the boxes printed around the digit in the boolean ink mask ``ink``
    (see _BOX_STRIP), or None. The ten largest pieces of ink are looked at, in images
    whose long side is SMALL_FRAME px or more (a digit's outline can fill a small
    frame as a box would). ``levels``: the ink's levels above the background (an
    array like ``ink``), if known: the corners of a piece under _SMALL_BOX px are then
    looked for in its solid ink too (see _SOLID_CORNER)."""
    if max(ink.shape) < SMALL_FRAME:
        return None
    lab, n = ndimage.label(ink, structure=EIGHT)
    if n == 0:
        return None
    size = np.bincount(lab.ravel(), minlength=n + 1)
    size[0] = 0
    # (Four sides of _MIN_BOX px, _BOX_SIDES covered, hold this many pixels at least.)
    big = [k for k in np.argsort(-size)[:10] if size[k] >= 4 * _BOX_SIDES * _MIN_BOX]
    found = np.zeros_like(ink)
    h, w = ink.shape
    for k in big:
        r0, r1, c0, c1 = bbox(lab == k)
        piece = lab[r0:r1, c0:c1] == k
        solid = (None if levels is None or max(piece.shape) >= _SMALL_BOX
                 else _solid(piece, levels[r0:r1, c0:c1]))
        box = _box_pixels(piece, solid)
        if box is None:
            # (A box cut by the image's edge: the edge is its side there.)
            box = _cut_box(piece, (r0 == 0, r1 == h, c0 == 0, c1 == w), solid)
        if box is not None:
            found[r0:r1, c0:c1] |= box
    return found if found.any() else None


def without_boxes(y, drop=True):
    """The ink map ``y`` without the printed boxes found in it (in its ink, or in its
    solid ink where the digit's faint rim joins it to them), with their rims; ``y``
    itself if it holds none. The ink map leaves boxes out where it finds them among
    the candidate ink; a box's thin lines, faded unevenly by the reduction there, may
    be found only in the final ink. ``drop``: what the cut leaves apart from the digit
    is removed (see :func:`._strokes.remove_specks`). Raises :class:`Blank` when the
    ink is boxes (_BOX_MASS of it at least) and nothing else: a form's empty fields."""
    for level in (0.0, 0.5):
        ink = y > level
        boxes = printed_boxes(ink, y)
        if boxes is None:
            continue
        if level == 0.0 and np.count_nonzero(boxes) >= _BOX_MASS * np.count_nonzero(ink):
            raise Blank("its ink is printed boxes only: a form's empty fields, no digit")
        rim = ndimage.binary_dilation(boxes, EIGHT) & (y > 0)
        try:
            return remove_specks(np.where(rim, 0, y).astype(np.float32), drop)
        except Blank:
            return y
    return y


def _solid(piece, levels):
    """The solid part of a ``piece`` of ink (a boolean mask) by its ``levels``: above
    _SOLID of its own level (see _SOLID_CORNER)."""
    own = levels[piece]
    return piece & (levels > _SOLID * float(np.percentile(own, 90)))


def _cornered(mask, share):
    """Whether ``mask`` (cut to a piece's bounding box) holds a pixel within ``share``
    of its short side (a pixel at least) of each of its corners."""
    h, w = mask.shape
    corner = max(1, int(share * min(h, w))) + 1  # (within ``corner - 1`` px)
    return all(mask[r : r + corner, c : c + corner].any()
               for r in (0, h - corner) for c in (0, w - corner))


def _cut_box(piece, cut, solid=None):
    """The printed boxes in ``piece`` (see :func:`_box_pixels`; ``solid`` as there)
    that the image's edge cuts where ``cut`` says (top, bottom, left, right): the
    piece closed there by a line one pixel thick along the edge is boxes. None if it
    is not cut, or no box -- or cut on two opposite sides: lines across the whole
    image are rules (see :func:`._rules.ruled_lines`), which closed at both ends would
    pass for boxes."""
    top, bottom, left, right = (int(c) for c in cut)
    if not any(cut) or (top and bottom) or (left and right):
        return None

    def close(mask):
        closed = np.pad(mask, ((top, bottom), (left, right)))
        closed[:top], closed[closed.shape[0] - bottom:] = True, True
        closed[:, :left], closed[:, closed.shape[1] - right:] = True, True
        return closed

    closed = close(piece)
    box = _box_pixels(closed, None if solid is None else close(solid))
    if box is None:
        return None
    return box[top:box.shape[0] - bottom, left:box.shape[1] - right] & piece


def _inner_side(cover, length, thick):
    """Whether a band inside a row of boxes, its rows' (or columns') ``cover`` of
    ``length``, is a side of them: ``thick`` at most, or up to twice that where it is
    the sides of two boxes side by side, every row of it running the whole length
    (see _SHARED)."""
    return len(cover) <= thick or (len(cover) <= 2 * thick
                                    and cover.min() >= _SHARED * length)


def _box_pixels(piece, solid=None):
    """The printed boxes in a piece of ink (a boolean mask cut to its bounding box), as
    a mask of it: all of it if it is boxes only (with alike cells); the four sides of
    the box if a digit inside touches or crosses them -- except where its ink runs on
    inwards, over the two rows past the line; None if the piece is no box. ``solid``:
    the piece's solid ink, if it is small enough to ask (see _SOLID_CORNER)."""
    h, w = piece.shape
    if min(h, w) < _MIN_BOX or not _cornered(piece, _CORNER) or (
            solid is not None and not _cornered(solid, _SOLID_CORNER)):
        return None
    thick = max(3, round(_BOX_STRIP * min(h, w)))
    near, counts, outer, alike = [], [], [], True
    for axis, length in ((1, w), (0, h)):  # rows across the width, columns down
        # (A line may run over two rows: a reduction, a slight tilt.)
        two = ndimage.maximum_filter1d(piece, size=2, axis=1 - axis)
        cover = two.sum(axis=axis)
        full = cover >= _BOX_SIDES * length
        bands = list(runs(full))
        if len(bands) < 2 or bands[0][0] > thick or bands[-1][1] < len(full) - thick:
            return None
        widest = max(b - a for a, b in (bands[0], bands[-1]))
        if widest > thick or not all(_inner_side(cover[a:b], length, thick)
                                     for a, b in bands[1:-1]):
            return None
        cells = [c - b for (_, b), (c, _) in zip(bands, bands[1:])]
        # (the two rows taken together widen each band by one)
        if max(cells) < _BOX_HOLE * max(widest - 1, 1):
            return None
        alike &= max(cells) <= _CELLS * min(cells)
        # (with what JPEG's ringing leaves beside a line, up to _BOX_FRINGE px away)
        near.append(ndimage.maximum_filter1d(full, size=2 * _BOX_FRINGE + 1))
        counts.append(len(bands))
        outer.append((max(bands[0][1] + _BOX_FRINGE, 1), bands[-1][0] - _BOX_FRINGE))
    if min(counts) > 2:
        return None  # a grid (a sheet's, across the digit too): see _rules.ruled_lines
    on_lines = piece & (near[0][:, None] | near[1][None, :])
    if alike and on_lines.sum() >= _BOX_MASS * piece.sum():
        return piece
    # A digit joined to the box: rows above ``top`` and below ``bottom``, columns left
    # of ``left`` and right of ``right`` are the box's sides, but for the ink that runs
    # on inwards from them (two rows or columns of it) between the corners.
    (top, bottom), (left, right) = outer
    if bottom - top < 2 or right - left < 2:
        return None
    sides = np.ones_like(piece)
    sides[top:bottom, left:right] = False
    inner = slice(left, right)
    sides[:top, inner] &= ~piece[top : top + 2, inner].all(axis=0)
    sides[bottom:, inner] &= ~piece[bottom - 2 : bottom, inner].all(axis=0)
    inner = slice(top, bottom)
    sides[inner, :left] &= ~piece[inner, left : left + 2].all(axis=1)[:, None]
    sides[inner, right:] &= ~piece[inner, right - 2 : right].all(axis=1)[:, None]
    return piece & sides
