"""The light path: digits that are already size-normalised (MNIST-like).

An image of exactly the output size whose digit already has about MNIST's
size needs no crop, no rescaling and no stroke correction -- and those steps
can only hurt it when it carries clutter they might mistake for ink (stripes,
lines crossing it): where a step cannot tell whether it helps, the image is
left closer to its input. :func:`light_path` decides, per image and by one
rule, whether an image is such a digit, and if so fixes only its polarity,
contrast and centre of mass.

Both the single-image pipeline (on one image) and the estimator's batch path
(on a whole batch at once, vectorised) call it; images it does not take go
through the full pipeline in both. So a batch and the same images one by one
give the same digits.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._stats import median

# The border of a size-normalised digit is plain background: its noise (the
# scaled MAD of the border, in gray levels) is at most this.
_CLEAN_BORDER = 0.04
# The digit (its solid ink, above half the ink level) spans at least this
# fraction of the frame: smaller digits are cropped and rescaled instead.
_MIN_SIZE = 15 / 28
# Evidence of a stroke: at least this many pairs of neighbouring solid pixels
# (a field of isolated dots has none; MNIST's smallest "1" has > 20).
_MIN_PAIRS = 12
_MIN_SHIFT = 3


def light_path(x, invert, center, min_contrast):
    """Polarity, contrast and centring of the (n, s, s) images that are MNIST-like.

    ``x`` (float32 in [0, 1]) is modified in place. Returns ``(x, taken)``:
    ``taken[i]`` is True for the images that this path normalised; the others
    are left unchanged, for the full pipeline. An image is
    taken when its border is clean background, its ink stands at least
    ``min_contrast`` above it, its solid ink forms strokes (connected pairs of
    pixels, not only isolated dots) and spans at least ~15/28 of the frame.
    """
    n, s, _ = x.shape
    border = np.concatenate(
        [x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1
    )
    bg = median(border, axis=-1)
    noise = 1.4826 * median(np.abs(border - bg[:, None]), axis=-1)
    if invert == "auto":
        light = bg > x.mean(axis=(1, 2))
    else:
        light = np.full(n, bool(invert))
    # The decision is taken on the unmodified images (those not taken are
    # left as they are): ink is what lies beyond the background level.
    top = np.where(light, x.min(axis=(1, 2)), x.max(axis=(1, 2)))
    contrast = np.abs(top - bg)
    taken = (noise <= _CLEAN_BORDER) & (contrast >= min_contrast)
    half = ((bg + top) / 2)[:, None, None]
    solid = np.where(light[:, None, None], x < half, x > half)
    pairs = (solid[:, :, 1:] & solid[:, :, :-1]).sum(axis=(1, 2)) + (
        solid[:, 1:, :] & solid[:, :-1, :]
    ).sum(axis=(1, 2))
    extent = np.maximum(solid.any(axis=2).sum(axis=1), solid.any(axis=1).sum(axis=1))
    taken &= (pairs >= _MIN_PAIRS) & (extent >= _MIN_SIZE * s)
    if not taken.any():
        return x, taken
    flip = light & taken
    if flip.any():
        x[flip] = 1 - x[flip]
    bg = np.where(light, 1 - bg, bg)
    top = np.where(light, 1 - top, top)
    needs = ((bg != 0) | (top != 1)) & taken
    if needs.any():
        lo = bg[needs, None, None]
        hi = top[needs, None, None]
        x[needs] = np.clip((x[needs] - lo) / (hi - lo), 0, 1)
    rows = x.sum(axis=2)
    cols = x.sum(axis=1)
    ry, rx = rows > 0, cols > 0
    first_r = np.argmax(ry, axis=1)
    last_r = s - 1 - np.argmax(ry[:, ::-1], axis=1)
    first_c = np.argmax(rx, axis=1)
    last_c = s - 1 - np.argmax(rx[:, ::-1], axis=1)
    # Centring by the box: how far the ink's bounding box is off-centre.
    by = (s - (last_r - first_r + 1)) // 2 - first_r
    bx = (s - (last_c - first_c + 1)) // 2 - first_c
    if center == "mass":
        mass = x.sum(axis=(1, 2))
        safe = np.where(mass > 0, mass, 1)
        idx = np.arange(s, dtype=np.float32)
        my = np.floor(s / 2 - rows @ idx / safe + 0.5).astype(int)
        mx = np.floor(s / 2 - cols @ idx / safe + 0.5).astype(int)
        # Clutter (a line or a bar beside the digit) pulls the centre of mass
        # and the box apart: move only as far as both agree the digit is off.
        dy = np.where((np.sign(my) == np.sign(by)) & (abs(my) >= _MIN_SHIFT), my, 0)
        dx = np.where((np.sign(mx) == np.sign(bx)) & (abs(mx) >= _MIN_SHIFT), mx, 0)
    else:
        dy, dx = by, bx
    # Keep all ink inside the frame.
    dy = np.clip(dy, -first_r, s - 1 - last_r)
    dx = np.clip(dx, -first_c, s - 1 - last_c)
    move = np.flatnonzero(((dy != 0) | (dx != 0)) & taken)
    for i in move:
        x[i] = np.roll(x[i], (dy[i], dx[i]), axis=(0, 1))
    return x, taken
