"""Printed lines: rules across a whole image (notebook rules, a margin, a grid) and
straight lines across it at any angle -- and, with the boxes around the digit
(:mod:`._boxes`) and loops drawn round it (:mod:`._loops`), all the printed lines
that the ink map leaves out (:func:`printed_lines`).

Paper ruled for writing carries thin straight lines from one edge of the sheet
to the other. In the ink map they are ink like the digit's, and the crop would
take them in and shrink the digit, or keep the digit's box as wide as the sheet.
No stroke of a digit runs from edge to edge as a thin line with nothing on
either side of it, so :func:`ruled_lines` finds such lines for the ink map to
leave out (:func:`printed_lines`, all kinds) -- except where a stroke crosses
them (ink just above or below the line), which stays the digit's; a line drawn
across the page at any angle, from side to side and past the digit's ends, is
no stroke either (:func:`straight_lines`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._boxes import printed_boxes
from skdigits.preprocessing._geometry import EIGHT, SMALL_FRAME, runs
from skdigits.preprocessing._loops import enclosing_loops

# A rule covers at least _COVER of the image's width (a horizontal rule; the same
# for vertical ones and the height), within a band of _BAND rows that may slope by
# up to _SLOPE (a sheet scanned or photographed askew by up to ~2.9 degrees).
_COVER = 0.95
_BAND = 2
_SLOPE = 0.05
# ... and is thin: at most _THIN rows (a line of up to 2 px in the analysed image),
# with the rows just outside it covered over less than _CLEAR of the width (a thick
# bar, tapering at its ends, has more; a digit written along a rule has less: its
# stroke covers part of the rows beside the rule, and protects itself, see _rules).
_THIN = 4
_CLEAR = 0.9
# Parts of rules running out through the top or bottom edge (a tilted sheet) count
# if at least this long (px) -- shorter ink is no stroke either (see _ink).
_MIN_PART = 4


def printed_lines(cand, loose, levels=None):
    """Mask of the printed lines among the candidate ink ``cand`` (boolean, 2-D), or
    None: boxes around the digit, found in ``cand`` (in ``loose``, the ink at a
    lower threshold, faint ink may join a box to the digit) with their rim in
    ``loose``, and rules across the image, found in ``loose`` (a faint rule that a
    reduction spreads over two rows falls below the candidates' threshold in
    places); and loops drawn round the digit (:mod:`._loops`), found in ``cand``
    with their rim in ``loose``. ``levels``: the ink's levels above the background
    (see :func:`._boxes.printed_boxes`)."""
    printed = printed_boxes(cand, levels)
    if printed is not None:
        printed = ndimage.binary_dilation(printed, EIGHT) & loose
    ruled = ruled_lines(loose if printed is None else loose & ~printed)
    if ruled is not None:
        printed = ruled if printed is None else printed | ruled
    crossing = straight_lines(loose if printed is None else loose & ~printed)
    if crossing is not None:
        printed = crossing if printed is None else printed | crossing
    loops = enclosing_loops(cand if printed is None else cand & ~printed)
    if loops is not None:
        loops = ndimage.binary_dilation(loops, EIGHT) & loose
        printed = loops if printed is None else printed | loops
    return printed


def ruled_lines(ink, small=False):
    """Mask of the pixels of thin lines ruled from edge to edge in the boolean ink
    mask ``ink`` (2-D), or None if it has none. ``small``: look for them in an
    image of any size, also one smaller than SMALL_FRAME (where a digit could fill
    its frame: the caller knows that it does not)."""
    if min(ink.shape) < SMALL_FRAME and not small:
        return None
    found = None
    for axis in (0, 1):
        # (Vertical rules are looked for without the horizontal ones: where the
        # lines of a grid cross, neither is a stroke crossing the other.)
        rest = ink if found is None else ink & ~found
        ruled = _rules(rest if axis == 0 else rest.T)
        if ruled is not None:
            ruled = ruled if axis == 0 else ruled.T
            found = ruled if found is None else found | ruled
    return found


def _rules(ink):
    """Mask of the pixels of horizontal rules in the boolean mask ``ink``, or None."""
    h, w = ink.shape
    steep = math.ceil(_SLOPE * w)
    # A rule lies within _BAND + steep rows: if no such band of rows holds ink over
    # _COVER of the width, there is none (nearly every image: one pass, no search).
    near = ndimage.maximum_filter1d(ink, size=_BAND + steep, axis=0)
    if not (near.mean(axis=1) >= _COVER).any():
        return None
    cols = np.arange(w)
    found = np.zeros_like(ink)
    # The image and its extent padded with 2 * steep empty rows above and below: each
    # run of columns sharing an offset is then one slice of them.
    pad = 2 * steep
    padded = np.zeros((h + 2 * pad, w), dtype=bool)
    padded[pad : pad + h] = ink
    extent = np.zeros((h + 2 * pad, w), dtype=bool)
    extent[pad : pad + h] = True
    for t in range(-steep, steep + 1):
        offset = np.rint(t * cols / w).astype(int)
        # Row r of the sheared image (r from -steep) holds ink[r + offset[c], c],
        # and nothing beyond the image (``inside``).
        sheared = np.empty((h + 2 * steep, w), dtype=bool)
        inside = np.empty_like(sheared)
        edges = np.flatnonzero(np.r_[True, np.diff(offset) != 0, True])
        for c0, c1 in zip(edges[:-1], edges[1:]):
            top = offset[c0] + steep
            sheared[:, c0:c1] = padded[top : top + h + 2 * steep, c0:c1]
            inside[:, c0:c1] = extent[top : top + h + 2 * steep, c0:c1]
        band = sheared.copy()
        for k in range(1, _BAND):
            band[:-k] |= sheared[k:]
        # A tilted sheet's rules near its top and bottom run out of the image
        # through an edge: they are rules too if a whole rule runs parallel to
        # them (partial rows are judged over their part inside the image).
        length = inside.sum(axis=1)
        covered = (band.sum(axis=1) >= _COVER * length) & (length >= _MIN_PART)
        if not (covered & (length == w)).any():
            continue
        share = sheared.sum(axis=1) / np.maximum(length, 1)
        for start, stop in runs(covered):
            stop += _BAND - 1
            if stop - start > _THIN:
                continue
            before = share[start - 1] if start > 0 else 0.0
            after = share[stop] if stop < len(share) else 0.0
            if max(before, after) >= _CLEAR:
                continue
            # Where a stroke crosses the rule, ink lies just above or below it:
            # those pixels are the digit's and stay.
            above = sheared[start - 1] if start > 0 else np.zeros(w, dtype=bool)
            below = sheared[stop] if stop < len(sheared) else np.zeros(w, dtype=bool)
            r = np.arange(start, min(stop, len(sheared)))[:, None] - steep + offset[None, :]
            ok = inside[start:stop] & sheared[start:stop] & ~(above | below)[None, :]
            found[r[ok], np.broadcast_to(cols, r.shape)[ok]] = True
    return found if found.any() else None


# Straight lines across the image at any angle (a line drawn or printed over the
# page, a fold): they leave the image through two of its sides, each as a short
# run of ink there (crossing the side at _ACROSS degrees or more: at most _ENDS
# runs of at most _THIN / sin(_ACROSS) px on that side), at least _SPAN of the
# short side apart, and ink covers _COVER of the straight path between them
# (within a pixel).
_ACROSS = 20
_ENDS = 3
_SPAN = 0.5
# The digit's ink is what a line leaves: at least _LEFT of the ink (a 1 filling its
# frame is a line from edge to edge, and the only ink).
_LEFT = 0.2
# A line crosses the digit and runs on past it to the image's sides: no other ink
# lies within _END of the short side of either of its ends (a digit filling its
# frame reaches the sides with its strokes, the others beside them).
_END = 0.1
_BAND_COVER = 0.75


def straight_lines(ink):
    """Mask of the thin straight lines crossing the boolean ink mask ``ink`` from one
    side to another at any angle, or None.

    Like :func:`ruled_lines`, at any angle: the ends where the ink leaves the image
    (see _ACROSS) joined by a straight path of ink, whose band is at most ``_THIN``
    px thick, the ink beside it covering less than ``_CLEAR`` of its length; where
    a stroke crosses the line (ink just beside the band) the ink stays the
    digit's. None when less than ``_LEFT`` of the ink would be left.
    """
    h, w = ink.shape
    if min(h, w) < SMALL_FRAME:
        return None
    ends = _line_ends(ink)
    if len(ends) < 2:
        return None
    near = ndimage.binary_dilation(ink, EIGHT)
    yy = xx = None
    found = np.zeros_like(ink)
    for i, (side, p) in enumerate(ends):
        for other, q in ends[i + 1:]:
            length = math.hypot(q[0] - p[0], q[1] - p[1])
            if side == other or length < _SPAN * min(h, w):
                continue
            steps = np.linspace(0, 1, int(length) + 1)
            path = np.rint(np.asarray(p)[:, None] + (np.asarray(q) - np.asarray(p))[:, None]
                           * steps).astype(int)
            if near[path[0], path[1]].mean() < _COVER:
                continue
            if yy is None:
                yy, xx = np.nonzero(ink)
            line = _line_band(ink, yy, xx, p, q, length)
            if line.any() and _clear_ends(ink & ~line, (p, q), _END * min(h, w)):
                found |= line
    if not found.any() or (ink & ~found).sum() < _LEFT * ink.sum():
        return None
    return found


def _clear_ends(rest, ends, radius):
    """Whether no ink of ``rest`` lies within ``radius`` px (a square) of either end."""
    r = int(math.ceil(radius))
    for y, x in ends:
        y, x = int(round(y)), int(round(x))
        if rest[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1].any():
            return False
    return True


def _line_ends(ink):
    """``(side, (y, x))`` of each place where the ink leaves the image as a line
    would (see _ACROSS): the middle of a short run of ink on a side."""
    h, w = ink.shape
    longest = _THIN / math.sin(math.radians(_ACROSS))
    ends = []
    for k, (side, at) in enumerate(((ink[0], lambda c: (0, c)), (ink[-1], lambda c: (h - 1, c)),
                                    (ink[:, 0], lambda r: (r, 0)),
                                    (ink[:, -1], lambda r: (r, w - 1)))):
        found = list(runs(side))
        if 0 < len(found) <= _ENDS and max(b - a for a, b in found) <= longest:
            ends += [(k, at((a + b - 1) / 2)) for a, b in found]
    return ends


def _line_band(ink, yy, xx, p, q, length):
    """The pixels of the line from ``p`` to ``q`` among the ink's (``yy``, ``xx``), as
    a mask: its band if it is thin, but where a stroke crosses it (see
    :func:`straight_lines`); all False if it is no thin line."""
    dy, dx = (q[0] - p[0]) / length, (q[1] - p[1]) / length
    # Signed distance across the line, and position along it.
    r = (yy - p[0]) * dx - (xx - p[1]) * dy
    along = np.rint((yy - p[0]) * dy + (xx - p[1]) * dx).astype(np.int64)
    offsets = np.rint(r).astype(np.int64)
    close = np.abs(offsets) <= _THIN + 2
    # Share of the line's length that each offset across it covers: the band is
    # the offsets covering _BAND_COVER of it (a digit beside the line covers less).
    cover = np.zeros(2 * (_THIN + 2) + 1)
    for o in range(-_THIN - 2, _THIN + 3):
        sel = close & (offsets == o)
        cover[o + _THIN + 2] = np.unique(along[sel]).size / max(length, 1.0)
    covered = cover >= _BAND_COVER
    mid = _THIN + 2
    if not covered[mid - 1 : mid + 2].any():
        return np.zeros_like(ink)
    start = stop = mid if covered[mid] else (mid - 1 if covered[mid - 1] else mid + 1)
    while start > 0 and covered[start - 1]:
        start -= 1
    while stop < len(covered) - 1 and covered[stop + 1]:
        stop += 1
    if stop - start + 1 > _THIN or start < 2 or stop > len(covered) - 3:
        return np.zeros_like(ink)
    if max(cover[start - 1], cover[stop + 1]) >= _CLEAR:
        return np.zeros_like(ink)
    # The band and its rim (a pixel each side: anti-aliasing); ink a pixel beyond
    # the rim is a stroke crossing the line.
    lo, hi = start - mid - 1, stop - mid + 1
    on = (offsets >= lo) & (offsets <= hi)
    beside = (offsets == lo - 1) | (offsets == hi + 1)
    crossed = np.isin(along[on], along[beside])
    found = np.zeros_like(ink)
    found[yy[on][~crossed], xx[on][~crossed]] = True
    return found
