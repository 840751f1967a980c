"""Where the light path puts a frame it takes: its digit's centre of mass at the
frame's centre, or the frame left in place.

MNIST centres its digits' mass. A frame taken by the light path (:mod:`._light_path`)
is moved by whole pixels so that its digit's mass lies there -- the digit's own ink,
clutter apart (:mod:`._clutter`) -- or left in place where the centre is only a
guess: clutter lies among the ink, a line across it, which the centre of mass would
follow (a line over a digit that is centred without it, see
:func:`._crossing.line_pulls`).
"""

from __future__ import annotations

import numpy as np

from skdigits._pixels import border
from skdigits.preprocessing._clutter import digit_pieces, size_range, weak_line, without_thin_ink
from skdigits.preprocessing._crossing import crossing_line, line_pulls
from skdigits.preprocessing._geometry import long_side, mass_shift, whole_pixels
from skdigits.preprocessing._levels import count

# The digit's own pieces hold at least this share of the ink when the light path
# moves a digit to the centre (a digit shifted off-centre: 0.975 or more for 95 %
# of them; with a line or blobs beside it: 0.4-0.95).
_OWN_INK = 0.97
# A line across the frame (weaker evidence: see _clutter.weak_line) that runs past
# the rest of the ink at both ends by at least _BEYOND px along its length crosses
# the digit from one side to the other, which no stroke of a digit does (a 0's or
# a 9's long side ends where the rest of the digit does). It keeps the frame in
# place: the shift would follow the line (on the suite's bold lines, 1-px shifts
# cost 15 of 120 digits and won none).
_BEYOND = 2
# A digit whose ink spans more than the digit box moves at most _BOX_SLACK px
# farther than centring its box would move it (the suite's bold lines merged with
# a digit, 3,000 of them: 77.6 -> 78.0 % right with the classic CNN; the other
# 28x28 kinds and drawn-dev as before).
_BOX_SLACK = 1
# MNIST centres its digits' mass to within half a pixel. The light path moves a
# digit only if its centre of mass is at least this far (px) from the frame's
# centre: a line or a blob added to a centred digit moves its mass by about a
# pixel, and the shift follows it off MNIST's centre (on MNIST-C's "line", 1-px
# shifts cost 18 of 201 digits at 0.5); a digit closer than this reads as well
# in place (at 0.8 no drawn-dev file changes with any of six models; at 1.0 one
# does).
STAY = 0.8
# Ink spanning more than the digit box (no MNIST digit does) within _NEAR_EDGE px
# of the frame's edge: clutter reaching towards it (a line across, a neighbour's
# part), which the centre of mass would follow; a digit drawn larger on a 28x28
# canvas keeps a margin (no drawn-dev output changes). Suite, 500 digits, seeds
# 0 / 1, classic CNN: line_bold 81.6 -> 82.6 / 77.6 -> 78.8 %, neighbours 93.6 ->
# 95.0 / 92.8 -> 94.2; shipped model: 85.6 -> 86.0 / 84.2 -> 84.4, 95.0 -> 96.0 /
# 97.2 -> 97.6; no kind worse.
_NEAR_EDGE = 2
# Ink wider than the digit box, and than it is tall, while no taller than a digit
# (MNIST's digits are taller than wide): a line or zigzag across the digit widens
# it so, and its own mass pulls the centre of mass across it -- by about a pixel,
# towards its heavier side -- which a shift would follow. Such a frame is not
# moved up or down by _ACROSS_PULL px or less; a digit drawn wider than the box
# on a 28x28 canvas with no line still moves farther, and sideways. (MNIST-C-style
# full-intensity zigzags across 2,000 MNIST test digits, seeds 5-7: 6, 3 and 3
# more right with the classic CNN, 0, 2 and 2 with the shipped model; straight
# lines: 4, 3 and 2, and -2, -1 and 0; MNIST digits drawn 21-23 px on 28x28
# canvases a pixel off centre, 1,000: 2 fewer right with the classic CNN, 0 with
# the shipped model; drawn-dev's outputs as before; the suite's 28x28 kinds, seeds
# 0-2: one more right (line_thin, shipped model). Kept in place instead: the
# zigzags 11 more right, but those large digits 8 fewer.)
_ACROSS_PULL = 1


def digit_shift(img, solid, box, beyond_box):
    """Whole-pixel shift ``(dy, dx)`` that centres the mass of the digit's own ink.

    ``img`` has its ink high, in [0, 1]; ``beyond_box``: its solid ink spans more
    than the digit box (``box`` px), so clutter may lie among it: thin ink is set
    apart, no shift follows a line across the frame (more than a pixel if the
    line comes close to the digit or is bold, unless it runs past the digit at
    both ends), and none goes more than a pixel beyond centring the digit's box.
    """
    s = img.shape[0]
    ink, strokes = without_thin_ink(img, solid) if beyond_box else (img, solid)
    digit, pieces = digit_pieces(ink, strokes, box)
    if digit is None or long_side(pieces) > size_range(box)[1]:
        # No digit apart from the clutter, or clutter joined to it (its pieces
        # span more than a digit): where the digit's centre is cannot be told.
        return 0, 0
    dy, dx = mass_shift(digit, s, STAY)
    if (dy or dx) and border(strokes).any():
        # A frame cut round its digit (a digit cropped from a row of digits) may
        # hold a neighbour's near part at its edge: the digit, centred without
        # the pieces reaching the edge apart from it, stays. (No solid ink at the
        # edge: no such piece.)
        own, _ = digit_pieces(ink, strokes, box, edge_pieces=False)
        if own is not None and mass_shift(own, s, STAY) == (0, 0):
            return 0, 0
    if float(digit.sum()) < _OWN_INK * float(ink.sum()):
        # Much ink lies outside the digit's pieces: clutter (a line, bars,
        # blobs) or a piece of the digit itself. Which one cannot be told: the
        # digit moves only if all its ink and its own pieces agree on where to
        # (within a pixel), otherwise it stays in place.
        wy, wx = mass_shift(ink, s)
        if max(abs(dy - wy), abs(dx - wx)) > 1:
            return 0, 0
    if (dy or dx) and beyond_box:
        if crossing_line(solid) or weak_line(solid, beyond=_BEYOND):
            # A line across the frame beside or over a digit that is centred
            # without it: the shift would only follow the line's ink.
            return 0, 0
        if max(abs(dy), abs(dx)) > 1 and weak_line(solid):
            # The same, but the line's ends come within 2 px of the rest of the
            # ink, as a large digit's long stroke may, or the line is as bold as
            # strokes side by side: a pixel's shift (what a large drawn 0 may
            # need) and no more.
            return int(np.clip(dy, -1, 1)), int(np.clip(dx, -1, 1))
        # Heavy clutter merged with the digit at one side (a bold line along it)
        # pulls its mass farther than its box: the digit moves no farther than
        # centring its box would move it, and _BOX_SLACK px more.
        r0, r1, c0, c1 = pieces
        by = whole_pixels((s - (r1 - r0)) / 2 - r0)
        bx = whole_pixels((s - (c1 - c0)) / 2 - c0)
        dy = int(np.clip(dy, min(0, by) - _BOX_SLACK, max(0, by) + _BOX_SLACK))
        dx = int(np.clip(dx, min(0, bx) - _BOX_SLACK, max(0, bx) + _BOX_SLACK))
    return dy, dx


def place(x, solid, taken, extent, across, center, box):
    """Shift each image in ``taken`` by whole pixels: centre of mass or box centred.

    Images whose ink spans more than any digit stay in place: clutter lies
    among it (they were taken because the digit's own pieces have a digit's
    size, a line crosses it, or it reaches two sides), where the digit's
    centre is cannot be told for sure, and centring on a guess cost more
    digits than it won. So do images whose ink spans more than the digit box
    and comes within _NEAR_EDGE px of the frame's edge (see there). Images
    ``across`` -- whose ink is wider than the box and than it is tall, but no
    taller than a digit (see :mod:`._light_path`'s _DIGIT_HEIGHT) -- are not
    moved up or down by a pixel (see _ACROSS_PULL). Nor is an image whose
    centre of mass a thin straight line over a digit centred without it pulls
    off the centre (:func:`._crossing.line_pulls`). ``x`` (n, s, s) is
    modified in place; ``solid``, ``extent``, ``across`` and ``taken`` as the
    light path (:mod:`._light_path`) measured them.
    """
    s = x.shape[1]
    one = np.ones(s, dtype=np.float32)
    rows, cols = x @ one, one @ x
    ry, rx = rows > 0, cols > 0
    first_r = np.argmax(ry, axis=1)
    last_r = s - 1 - np.argmax(ry[:, ::-1], axis=1)
    first_c = np.argmax(rx, axis=1)
    last_c = s - 1 - np.argmax(rx[:, ::-1], axis=1)
    in_place = extent > size_range(box)[1]
    beyond = np.flatnonzero(taken & ~in_place & (extent > box))  # (no MNIST digit)
    if beyond.size:
        m = _NEAR_EDGE
        in_place[beyond] = count(solid[beyond]) > count(solid[beyond, m:-m, m:-m])
    if center == "mass":
        mass = rows.sum(axis=1)
        safe = np.where(mass > 0, mass, 1)
        idx = np.arange(s, dtype=np.float32)
        dy = whole_pixels(s / 2 - rows @ idx / safe, STAY)
        dx = whole_pixels(s / 2 - cols @ idx / safe, STAY)
        # Only images that would move (none of MNIST's 60,000 training digits
        # by more than a pixel) are looked at closer, one by one.
        for i in np.flatnonzero(((dy != 0) | (dx != 0)) & taken & ~in_place):
            dy[i], dx[i] = digit_shift(x[i], solid[i], box, extent[i] > box)
            if (dy[i] or dx[i]) and line_pulls(x[i], solid[i]):
                dy[i], dx[i] = 0, 0  # a line over a centred digit
        dy[across & (np.abs(dy) <= _ACROSS_PULL)] = 0
    else:
        dy = (s - (last_r - first_r + 1)) // 2 - first_r
        dx = (s - (last_c - first_c + 1)) // 2 - first_c
    dy[in_place], dx[in_place] = 0, 0
    # Keep all ink inside the frame.
    dy = np.clip(dy, -first_r, s - 1 - last_r)
    dx = np.clip(dx, -first_c, s - 1 - last_c)
    for i in np.flatnonzero(((dy != 0) | (dx != 0)) & taken):
        x[i] = np.roll(x[i], (dy[i], dx[i]), axis=(0, 1))
