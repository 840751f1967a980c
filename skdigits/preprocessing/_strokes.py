"""Evidence of a stroke: what makes ink a digit, and the blank decision.

* :class:`Blank` -- raised for an image that holds no digit;
* :func:`strokes` -- which connected pieces of ink hold a stroke (solid ink
  much longer than it is thick; :func:`holds_stroke` for one mask);
* :func:`remove_specks` -- the digit's components, without the small ones away
  from it nor the marks beside it that are no strokes (round blobs, margins: see
  :mod:`._marks`); blank when no stroke stands out;
* :func:`stands_out` -- whether a component stands out from the rest of the ink
  as a digit does.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing import _margins, _marks
from skdigits.preprocessing._geometry import EIGHT, bbox, inside_distance, long_side


class Blank(Exception):
    """Raised internally for an image holding no digit.

    ``ink``: the ink map it was judged on when ink was found but no digit in it
    (dots or specks), else None. ``contrast``: the ink's level above the
    background when it was judged too faint, else None.
    """

    ink = None
    contrast = None


# A stroke is at least this many pixels long (and _ELONGATION times as long as
# it is thick).
MIN_STROKE = 4
_ELONGATION = 1.3
# The digit's main stroke component (the heaviest) stands out from the rest of
# the ink: it holds at least _MAIN_SHARE of the ink's mass (a digit is mostly
# strokes: real digits 0.44 at the least, nearly always 1) or it is at least
# _STANDS_OUT times as heavy as any other component (a small digit among dust).
# In a field of dots the heaviest chance chain of dots holds a few hundredths of
# the ink and others are nearly as heavy.
_MAIN_SHARE = 0.2
_STANDS_OUT = 4.0
# At the scale of an MNIST frame -- ink at most FRAME_MAX px on its long side, a
# digit about 20 px tall -- a round dot 4 px across measures 4 px long and 2.8
# thick (its inscribed disc meets the corners its rounding cut off): a stroke to
# the rule above. A field of such dots is no digit: _FIELD components or more, the
# heaviest no more than FRAME_STROKE px across (a third of a digit's height: a
# digit's heaviest part is longer, even a faint 1 in fog whose solid core breaks
# up) and not _STANDS_OUT times as heavy as any other. (Larger images hold digits
# of any size, reduced canvases small ones.)
FRAME_MAX = 32
FRAME_STROKE = 6
_FIELD = 4


def stands_out(mass, k):
    """Whether component ``k`` of components weighing ``mass`` stands out from the rest
    of the ink as a digit does (see _MAIN_SHARE)."""
    return mass[k] >= _MAIN_SHARE * float(mass.sum()) or _outweighs(mass, k)


def _outweighs(mass, k):
    """Whether component ``k`` is _STANDS_OUT times as heavy as any other (or alone)."""
    others = np.delete(mass, k)
    return others.size == 0 or mass[k] >= _STANDS_OUT * float(others.max())


def _dot_among_dots(box, mass, main):
    """Whether the heaviest component ``main`` (its ``box``) is a dot of a field of
    them at an MNIST frame's scale (see FRAME_STROKE)."""
    return long_side(box) <= FRAME_STROKE and not _outweighs(mass, main)


def strokes(y, lab, n, mass, limit=20):
    """Which components hold a stroke: solid ink much longer than it is thick.

    The solid ink (above half the ink level) of each of the ``limit``
    heaviest components is split into its connected pieces; a piece is a
    stroke when its extent (the long side of its box) is at least 4 pixels
    and 1.3 times its thickness (the widest disc inscribed in it). Dots,
    specks, blobs and the grains of noise or paper texture are about as long
    as they are thick.
    """
    boxes = ndimage.find_objects(lab)
    stroke = np.zeros(n, dtype=bool)
    for i in np.argsort(-mass)[:limit]:
        if long_side(boxes[i]) < MIN_STROKE:
            continue
        rs, cs = boxes[i]
        stroke[i] = holds_stroke((lab[rs, cs] == i + 1) & (y[rs, cs] > 0.5))
    return stroke, boxes


def holds_stroke(solid, shortest=MIN_STROKE):
    """Whether a 2-D mask of solid ink holds a stroke: an 8-connected piece whose
    extent (the long side of its box) is at least ``shortest`` pixels and _ELONGATION
    times its thickness (the widest disc inscribed in it)."""
    pieces, _ = ndimage.label(solid, structure=EIGHT)
    for j, box in enumerate(ndimage.find_objects(pieces)):
        extent = long_side(box)
        if extent < shortest:
            continue
        thickness = 2 * float(inside_distance(pieces[box] == j + 1).max())
        if extent >= _ELONGATION * thickness:
            return True
    return False


# Underlines are looked for under digits at least _UNDER_DIGIT times as wide as
# tall: a 1 drawn with a foot apart from its stem (drawn-dev) is narrower.
_UNDER_DIGIT = 0.5


def _underlines(y, lab, boxes, mass, main, limit=5):
    """Which components (of the ``limit`` heaviest but the digit's ``main`` one) are
    lines drawn under the digit: dash-shaped (see _DASH_MASS), lying wholly below the
    digit's centre and spanning at least half its width (a pen's underline; a
    stroke of a digit broken off lies beside or inside it) -- unless the digit is a
    narrow 1 (see _UNDER_DIGIT)."""
    rs, cs = boxes[main]
    centre = (rs.start + rs.stop) / 2
    under = np.zeros(mass.size, dtype=bool)
    if cs.stop - cs.start < _UNDER_DIGIT * (rs.stop - rs.start):
        return under  # (a 1: a line under it, apart or not, is its foot)
    for i in [int(k) for k in np.argsort(-mass)[:limit] if k != main]:
        br, bc = boxes[i]
        if br.start < centre or bc.stop - bc.start < 0.5 * (cs.stop - cs.start):
            continue
        under[i] = _dash_shaped(_marks._own_solid(y, lab, boxes, i))
    return under


def remove_specks(y, drop=True, blobs=True):
    """Keep the digit's connected components; raise :class:`Blank` if it has none.

    The digit starts from its heaviest *stroke* component (see
    :func:`strokes`) -- an image without one holds no digit, only
    dots or specks, whatever their number; nor does a frame of MNIST's size
    whose heaviest component is one dot among others (see FRAME_STROKE). With
    ``drop``, components away from the digit and much lighter than it (dust,
    stray dots, paper texture) are removed. With ``blobs``, round blobs
    (:func:`._marks.is_round_blob`: light or shade, stains) beside a stroke are
    no part of the digit (a scan of a few pixels, where a bold digit can close
    up into a blob, is read without). Ink that is blobs only is left to
    :func:`._marks.is_blob` to judge, once the reading is
    final (a shadow taken for ink is mended later).
    """
    lab, n = ndimage.label(y > 0, structure=EIGHT)
    if n == 0:
        raise Blank("it holds no ink")
    mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
    stroke, boxes = strokes(y, lab, n, mass)
    margin = _margins.margins(y, lab, boxes, mass)
    if margin.any() and (stroke & ~margin).any():
        # (their mass zeroed, margins are neither the digit's start nor kept with it;
        # ink that is margins only is left to _margins.is_margin to judge, once the reading is
        # final: a lit strip along the edge of a shadowed page is mended later)
        stroke &= ~margin
        mass = np.where(margin, 0.0, mass)
    if not stroke.any():
        raise Blank("its ink holds no stroke, only dots or specks")
    if blobs and n > 1:
        # (their mass zeroed, blobs are neither the digit's start nor kept with it)
        blob = _marks.blobs_beside(y, lab, boxes, mass, stroke)
        stroke &= ~blob
        mass = np.where(blob, 0.0, mass)
    main = int(np.flatnonzero(stroke)[np.argmax(mass[stroke])])
    if n > 1:
        # (an underline is neither the digit's start nor kept with it)
        under = _underlines(y, lab, boxes, mass, main)
        mass = np.where(under, 0.0, mass)
    if not stands_out(mass, main):
        # A few chance chains in a field of dots or grains are no digit.
        raise Blank("its ink is mostly dots or specks, with hardly any stroke")
    if n >= _FIELD and max(y.shape) <= FRAME_MAX and _dot_among_dots(boxes[main], mass, main):
        raise Blank("its ink is a field of dots, none of them a stroke")
    if not drop or n == 1:
        return y
    order = np.argsort(-mass)
    kept = {main}
    r0, r1 = boxes[main][0].start, boxes[main][0].stop
    c0, c1 = boxes[main][1].start, boxes[main][1].stop
    big = mass[main]
    changed = True
    while changed:
        changed = False
        size = max(r1 - r0, c1 - c0)
        for i in order:
            i = int(i)
            if i in kept or mass[i] < 0.02 * big:
                continue
            br, bc = boxes[i]
            gap = max(r0 - br.stop, br.start - r1, c0 - bc.stop, bc.start - c1, 0)
            if mass[i] >= 0.3 * big or gap <= 0.25 * size:
                kept.add(i)
                r0, r1 = min(r0, br.start), max(r1, br.stop)
                c0, c1 = min(c0, bc.start), max(c1, bc.stop)
                changed = True
    keep = np.zeros(n + 1, dtype=bool)
    keep[[k + 1 for k in kept]] = True
    return np.where(keep[lab], y, 0).astype(np.float32)


# Strokes are thin and the ground around them broad: of the two sides of an
# image split at a level, the ground holds a disc at least _BROADER times as wide
# as the widest that fits in the ink (MNIST's 28x28 digits: 1.2 at the least, a
# median of 2.9; a 3.5-5.5 px pen 0.7 and more; 12-16 px scans whose ink touches
# their border 0.6 and more, 1 % of them below 0.8).
_BROADER = 2.0


def thin_side(light):
    """Which side of a split image is its ink, by the strokes' thinness.

    ``light``: boolean array, True on the light side. Returns True if the light
    side is thin strokes on a broad dark ground (light ink), False if the dark
    side is, None where neither is plainly broader (``_BROADER``) -- a bold
    digit filling a small frame, noise. Unlike the border's level, this is not
    misled by a frame or bars along the image's edges, nor by ink that runs
    along them.
    """
    wide_light = float(inside_distance(light).max())
    wide_dark = float(inside_distance(~light).max())
    if wide_dark >= _BROADER * wide_light:
        return True
    if wide_light >= _BROADER * wide_dark:
        return False
    return None


# A dash: ink that is one straight stroke (its heaviest component holds _DASH_MASS
# of it; its solid ink at least _DASH_LONG times as long as it is thick, no pixel
# farther from its axis than _DASH_STRAIGHT times its thickness, plus a pixel)
# lying within _DASH_ANGLE of the horizontal -- a rule's piece, an underline, a
# highlighter's stroke. The only digit of one straight stroke is a 1, upright or
# slanted: 70 degrees from upright is no 1.
_DASH_MASS = 0.9
_DASH_LONG = 3.0
_DASH_STRAIGHT = 0.75
_DASH_ANGLE = np.deg2rad(20)
# A stroke enclosing at least _DASH_HOLE pixels is a loop, no dash: a 0 squashed
# flat is as straight by that measure. (Of MNIST's 10,000 test digits at 0.7 of
# their size, MNIST-C's scale, 3 were declared blank as dashes: a flat 0, now a
# digit, and a flat 2 and 6 whose hooks a hand-drawn dash's curve matches.)
_DASH_HOLE = 3


def is_dash(y):
    """True if the ink is one straight stroke lying about level (see _DASH_MASS)."""
    found = _marks._components(y)
    if found is None:
        return False
    lab, mass, boxes = found
    k = int(np.argmax(mass))
    if mass[k] < _DASH_MASS * mass.sum():
        return False
    return _dash_shaped(_marks._own_solid(y, lab, boxes, k))


def _dash_shaped(solid):
    """Whether the solid ink ``solid`` (a boolean mask) is one straight stroke lying
    about level (see _DASH_MASS)."""
    if solid.sum() < 2 * MIN_STROKE:
        return False
    r0, r1, c0, c1 = bbox(solid)
    if r1 - r0 > c1 - c0:
        return False  # (taller than wide: no level stroke 3 times as long as thick)
    if np.count_nonzero(ndimage.binary_fill_holes(solid) & ~solid) >= _DASH_HOLE:
        return False  # (a loop: a flat 0, no rule or underline)
    found = _marks.straight_stroke(solid[r0:r1, c0:c1], _DASH_LONG, _DASH_STRAIGHT)
    return found is not None and abs(found[1][0]) <= np.sin(_DASH_ANGLE)
