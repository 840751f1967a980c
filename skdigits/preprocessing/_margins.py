"""Margins: strips of "ink" along the image's edges -- a scanner's dark margins
beyond the sheet, the table beside a photographed sheet, a drawing app's toolbar
-- no stroke.

* :func:`margins` -- which components of an ink map are margins;
* :func:`is_margin` -- whether the ink is margins only.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._geometry import inside_distance, touches_edge
from skdigits.preprocessing._marks import _components

# A margin along the image's edges (a scanner's dark edge beyond the sheet, a
# table's strip): a component lying within _MARGIN of the image's size from the
# sides it runs along, over at least _MARGIN_SPAN of each of their lengths, its
# inner edge straight (away from the corners, nowhere deeper than a straight line
# by more than _MARGIN_EVEN times its median depth, or a pixel: a digit joined to
# it is deeper there). Up to _MARGIN_DEPTH deep if it is broad, at least _MARGIN
# of the image's short side across somewhere (a table beside a photographed
# sheet; a digit's boldest strokes, along the edges of a frame it fills, are
# narrower).
_MARGIN = 0.2
_MARGIN_DEPTH = 0.35
_MARGIN_SPAN = 0.95
_MARGIN_EVEN = 0.25
# Ink is margins when they hold this share of its mass.
_MARGIN_MASS = 0.9


def _in_margins(piece, depth_share):
    """The part of ``piece`` (a boolean mask) in margins along the image's edges at most
    ``depth_share`` of the image deep (see _MARGIN)."""
    inside = np.zeros_like(piece)
    # The four sides, each turned to the top (views: marking them marks ``inside``).
    for turn in (lambda a: a, lambda a: a[::-1], lambda a: a.T, lambda a: a.T[::-1]):
        turned = turn(piece)
        depth = int(depth_share * turned.shape[0])
        strip = turned[:depth]
        along = strip.any(axis=0)
        if along.sum() < _MARGIN_SPAN * turned.shape[1]:
            continue
        # Each column's deepest pixel, against a straight inner edge (a sheet
        # scanned askew leaves a margin of sloping depth) -- away from the corners,
        # where the margins along the other sides lie.
        n = turned.shape[1]
        cols = np.flatnonzero(along[: n - int(_MARGIN * n)])
        cols = cols[cols >= int(_MARGIN * n)]
        if cols.size < 2:
            continue
        deep = (depth - np.argmax(strip[::-1], axis=0))[cols].astype(float)
        edge = np.polyval(np.polyfit(cols, deep, 1), cols)
        if (deep - edge).max() <= _MARGIN_EVEN * max(1.0, float(np.median(deep))):
            turn(inside)[:depth] = True
    return inside


def margins(y, lab, boxes, mass, limit=20):
    """Which components of ``y`` (of the ``limit`` heaviest) are margins along the
    image's edges (see _MARGIN), judged on their solid ink (above 0.5: faint ink
    may join two margins), or else whole: a panel along the edge (a drawing app's
    toolbar, a status bar), flat and faint beside the digit's ink, holds solid
    buttons that span none of it. A digit touching an edge -- filling a
    low-resolution frame, cropped to its box -- reaches into the middle of the
    image: no margin."""
    h, w = lab.shape
    margin = np.zeros(mass.size, dtype=bool)
    for i in np.argsort(-mass)[:limit]:
        if not touches_edge(boxes[i], (h, w)):
            continue
        whole = lab == i + 1
        piece = whole & (y > 0.5)
        inside = _in_margins(piece, _MARGIN)
        margin[i] = inside.any() and not (piece & ~inside).any()
        if not margin[i] and 2 * float(inside_distance(piece).max()) >= _MARGIN * min(h, w):
            # (a deeper margin is broad: a table beside the sheet, no stroke)
            inside = _in_margins(piece, _MARGIN_DEPTH)
            margin[i] = inside.any() and not (piece & ~inside).any()
        if not margin[i]:
            inside = _in_margins(whole, _MARGIN)
            margin[i] = inside.any() and not (whole & ~inside).any()
    return margin


def is_margin(y):
    """True if the ink is margins along the image's edges (see _MARGIN): _MARGIN_MASS
    of its mass at least."""
    found = _components(y)
    if found is None:
        return False
    lab, mass, boxes = found
    return bool(mass[margins(y, lab, boxes, mass)].sum() >= _MARGIN_MASS * mass.sum())
