"""Textured surfaces in a frame of the output size: paper grain, fabric, a wall.

A 28x28 frame of textured paper holds faint "ink" -- the grain's darker or
lighter patches -- spread over the frame, where an MNIST-like digit lies in the
digit box at its centre. :func:`textured` tells such frames (a batch of them)
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


def outside_the_box(solid, box):
    """Share of each frame's solid ink outside the digit box (``box`` px) at its centre."""
    s = solid.shape[1]
    m = round((s - box) / 2)
    inside = count(solid[:, m : s - m, m : s - m])  # (a copy: fancy indexing, or a view)
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


def textured(x, solid, contrast, box):
    """Which (n, s, s) frames are a textured surface, not a digit (see _TEXTURE_CONTRAST)."""
    texture = np.zeros(len(x), dtype=bool)
    faint = np.flatnonzero(contrast < _TEXTURE_CONTRAST)
    if faint.size:
        spread = faint[outside_the_box(solid[faint], box) >= _SPREAD]
        texture[spread] = soft(x[spread], contrast[spread])
        sharp = spread[~texture[spread]]
        texture[sharp] = _grainy(solid[sharp])
        found = np.flatnonzero(texture)
        texture[found] = ~_digit_loop(solid[found], box)
    return texture


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
    return bool(textured(x, solid, np.abs(top - bg), box)[0])
