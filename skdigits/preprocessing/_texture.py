"""Textured surfaces in a frame of the output size: paper grain, fabric, a wall.

A 28x28 frame of textured paper holds faint "ink" -- the grain's darker or
lighter patches -- spread over the frame, where an MNIST-like digit lies in the
digit box at its centre; a rough surface photographed close (grains, fibres)
has fine detail all over the frame, where a digit's lies in the box, the
sharpest thing in its frame. :func:`textured` tells such frames (a batch of them)
from digits, :func:`textured_frame` one frame as it came: the light path
(:mod:`._light_path`) does not take them, and the pipeline declares them blank.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._clutter import size_range
from skdigits.preprocessing._geometry import pieces
from skdigits.preprocessing._levels import count, levels

# A textured surface (paper grain, fabric, a wall), not a digit: its "ink" -- the
# extreme beyond the background level -- stands less than _TEXTURE_CONTRAST
# above it, is in specks (see _GRAIN) or has soft edges (no step between
# neighbouring pixels above SOFT of that contrast: MNIST's anti-aliased
# digits, faint ones too, step 0.88-1 of it;
# paper grain smoothed over 1-3 px: a median of 0.47) and lies spread over the
# frame (at least _SPREAD of its solid ink outside the digit box at its centre,
# where a digit lies: faint or blurred MNIST digits 0-0.05). Fog is the nearest
# thing on a digit (MNIST-C's fog: 59 % of 3,000 frames below 0.3 of contrast,
# their steps from 0.79 of it): none of 5,000 fogged MNIST digits is taken for
# a texture (10 with a contrast limit of 0.3 and steps up to 0.85).
_TEXTURE_CONTRAST = 0.25
SOFT = 0.8
_SPREAD = 0.3
# Grainier paper (grain of about a pixel) steps as sharply as a digit's edges,
# but its solid ink is many small specks: the largest 8-connected piece holds
# less than _GRAIN of it. A digit's strokes hold most of it: of 3,000 MNIST
# digits under each of 17 MNIST-C-style corruptions (MNIST-C's 15, a line,
# MNIST-C's own fog), 3 are faint and spread like paper (all fogged), their
# largest piece 0.56 of the solid ink or more.
_GRAIN = 0.3
# But a loop is a stroke: solid ink of which one 8-connected piece holds at least
# _ONE_PIECE, spanning at least a digit's smallest size and enclosing at least
# _HOLE pixels of background, is a digit (a 0, 6, 8 or 9), however soft and spread
# -- faint, blurred and off centre: 8 of 16 MNIST 0s (blurred 1.5 px, 0.2 of the
# range, moved 4 px diagonally) were taken for paper, none now. Texture's largest
# piece spans 6-7 px typically, up to 24 px, but holds no such loop (none of the
# 908 28x28 frames of the suite's textured paper that this rule takes, seeds 0-7).
_ONE_PIECE = 0.9
_HOLE = 4
# A rough surface (paper, fabric or a wall photographed close, grains or fibres
# of a few pixels): its "ink" stands less than _ROUGH_CONTRAST above the
# background, which is itself rough -- the pixels within a quarter of the way to
# the ink spread by at least _ROUGH_BG of the contrast (standard deviation) --
# and its fine detail lies all over the frame: at least _DETAIL_SPREAD of the
# energy of the steps between neighbouring pixels lies outside the digit box
# (a uniform texture: about half of it). A digit is the sharpest thing in its
# frame and lies in the box; fog, lighting or blur over it are smooth. Of
# 10,000 MNIST test digits under the suite's fog and 9,000 under MNIST-C's
# (severities 3-5), none comes near (0.36 at the most, a faint 1 in heavy fog;
# 0.07-0.17 typically); faint digits on a flat background, however far off
# centre, spread 0.05 at the most. Faint ink on a rough surface is where the
# two meet: grain 2-6 % of the range (paper; 0.55 of its detail outside
# typically), about 1,000 frames of each: empty ones 85.6 -> 99.9 % blank, digits
# 0.15-0.6 above it 3 -> 4 blank; grain 6-10 % (rough fabric, a wall): 47.8 ->
# 98.2 % and 9 -> 44, ink within 3 standard deviations of the grain.
_ROUGH_CONTRAST = 0.5
_ROUGH_BG = 0.06
_DETAIL_SPREAD = 0.42


def _in_the_box(a, box):
    """The digit box (``box`` px) at the centre of each of the (n, s, s) frames ``a``."""
    s = a.shape[1]
    m = round((s - box) / 2)
    return a[:, m : s - m, m : s - m]


def outside_the_box(solid, box):
    """Share of each frame's solid ink outside the digit box (``box`` px) at its centre."""
    inside = count(_in_the_box(solid, box))  # (a copy: fancy indexing, or a view)
    return 1 - inside / np.maximum(count(solid), 1)


def soft(xs, contrast):
    """Which (n, s, s) frames have soft edges: no step between neighbouring pixels
    above ``SOFT`` of their ``contrast``."""
    step = np.maximum(np.abs(np.diff(xs, axis=1)).max(axis=(1, 2)),
                      np.abs(np.diff(xs, axis=2)).max(axis=(1, 2)))
    return step < SOFT * contrast


def _grainy(solid):
    """Which (n, s, s) solid-ink masks are grain: their largest 8-connected piece holds
    less than ``_GRAIN`` of the solid ink (see _TEXTURE_CONTRAST)."""
    grainy = np.zeros(len(solid), dtype=bool)
    for i, mask in enumerate(solid):
        _, sizes = pieces(mask)
        if sizes.size:
            grainy[i] = sizes.max() < _GRAIN * sizes.sum()
    return grainy


def textured(x, solid, bg, top, box):
    """Which (n, s, s) frames are a textured surface, not a digit (see _TEXTURE_CONTRAST
    and _ROUGH_CONTRAST); ``bg`` and ``top`` are their background's and ink's levels."""
    texture = np.zeros(len(x), dtype=bool)
    contrast = np.abs(top - bg)
    faint = np.flatnonzero(contrast < _TEXTURE_CONTRAST)
    if faint.size:
        spread = faint[outside_the_box(solid[faint], box) >= _SPREAD]
        texture[spread] = soft(x[spread], contrast[spread])
        sharp = spread[~texture[spread]]
        texture[sharp] = _grainy(solid[sharp])
    low = np.flatnonzero(~texture & (contrast > 0) & (contrast < _ROUGH_CONTRAST))
    if low.size:
        texture[low] = _rough(x[low], bg[low], top[low], box)
    found = np.flatnonzero(texture)
    if found.size:
        texture[found] = ~_digit_loop(solid[found], box)
    return texture


def _rough(x, bg, top, box):
    """Which (n, s, s) frames are a rough surface (see _ROUGH_CONTRAST)."""
    # (each pixel's way from the background to the ink, 0 to 1, either polarity)
    way = (x - bg[:, None, None]) / (top - bg)[:, None, None]
    ground = way < 0.25
    n = np.maximum(count(ground), 1)
    mean = np.where(ground, way, 0).sum(axis=(1, 2)) / n
    square = np.where(ground, way * way, 0).sum(axis=(1, 2)) / n
    rough = np.sqrt(np.maximum(square - mean * mean, 0)) >= _ROUGH_BG
    rough[rough] = _detail_outside(x[rough], box) >= _DETAIL_SPREAD
    return rough


def _detail_outside(x, box):
    """Share of each (n, s, s) frame's step energy (squared differences between
    neighbouring pixels, given to both) outside the digit box at its centre."""
    across = np.diff(x, axis=2) ** 2
    down = np.diff(x, axis=1) ** 2
    energy = np.zeros_like(x)
    energy[:, :, :-1] += across
    energy[:, :, 1:] += across
    energy[:, :-1] += down
    energy[:, 1:] += down
    inside = _in_the_box(energy, box).sum(axis=(1, 2))
    return 1 - inside / np.maximum(energy.sum(axis=(1, 2)), 1e-12)


def _digit_loop(solid, box):
    """Which (n, s, s) solid-ink masks are a digit's loop (see _ONE_PIECE)."""
    loop = np.zeros(len(solid), dtype=bool)
    for i, mask in enumerate(solid):
        lab, sizes = pieces(mask)
        if not sizes.size:
            continue
        j = int(sizes.argmax())
        if sizes[j] < _ONE_PIECE * sizes.sum():
            continue
        rows, cols = ndimage.find_objects(lab)[j]
        piece = lab[rows, cols] == j + 1
        if max(piece.shape) < size_range(box)[0]:
            continue
        loop[i] = np.count_nonzero(ndimage.binary_fill_holes(piece) & ~piece) >= _HOLE
    return loop


def textured_frame(image, invert, box=20):
    """Whether one (s, s) image, as it came, is a textured surface and no digit.

    The test that keeps :func:`._light_path.light_path` from taking such a frame; the
    pipeline declares the frame blank with it (see _TEXTURE_CONTRAST).
    """
    x = image[None].astype(np.float32, copy=False)
    _, _, bg, top, solid = levels(x, invert)
    return bool(textured(x, solid, bg, top, box)[0])
