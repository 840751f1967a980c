"""The vectorised path for batches of already size-normalised digits (MNIST)."""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._ink import _MIN_EXTENT
from skdigits.preprocessing._stats import median


def fast_batch(x, invert, center, min_contrast):
    """Polarity, contrast and centre-of-mass correction of (n, s, s) images.

    ``x`` is modified in place. Returns ``(out, blank)`` where ``blank`` is a
    boolean mask of images with no ink.
    """
    n, s, _ = x.shape
    border = np.concatenate(
        [x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1
    )
    bg = median(border, axis=-1)
    # The border is background: its spread is the noise level (0 for MNIST).
    noise = 1.4826 * median(np.abs(border - bg[:, None]), axis=-1)
    if invert == "auto":
        light = bg > x.mean(axis=(1, 2))
    else:
        light = np.full(n, bool(invert))
    if light.any():
        x[light] = 1 - x[light]
        bg = np.where(light, 1 - bg, bg)
    top = x.max(axis=(1, 2))
    blank = (top - bg) < np.maximum(min_contrast, 6 * noise)
    needs = ((bg != 0) | (top != 1)) & ~blank
    if needs.any():
        lo = bg[needs, None, None]
        hi = top[needs, None, None]
        x[needs] = np.clip((x[needs] - lo) / (hi - lo), 0, 1)
    mass = x.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1)
    idx = np.arange(s, dtype=np.float32)
    rows = x.sum(axis=2)
    cols = x.sum(axis=1)
    # Only a speck of ink (fewer than 3 pixels across) is no digit either.
    solid = x > 0.5
    extent = np.maximum(solid.any(axis=2).sum(axis=1), solid.any(axis=1).sum(axis=1))
    blank |= extent < max(3, _MIN_EXTENT * s)
    if center == "mass":
        cy = rows @ idx / safe
        cx = cols @ idx / safe
        dy = np.floor(s / 2 - cy + 0.5).astype(int)
        dx = np.floor(s / 2 - cx + 0.5).astype(int)
    else:
        ry, rx = rows > 0, cols > 0
        top_r = np.argmax(ry, axis=1)
        bot_r = s - 1 - np.argmax(ry[:, ::-1], axis=1)
        lef_c = np.argmax(rx, axis=1)
        rig_c = s - 1 - np.argmax(rx[:, ::-1], axis=1)
        dy = (s - (bot_r - top_r + 1)) // 2 - top_r
        dx = (s - (rig_c - lef_c + 1)) // 2 - lef_c
    # Keep all ink inside the frame.
    ry, rx = rows > 0, cols > 0
    first_r = np.argmax(ry, axis=1)
    last_r = s - 1 - np.argmax(ry[:, ::-1], axis=1)
    first_c = np.argmax(rx, axis=1)
    last_c = s - 1 - np.argmax(rx[:, ::-1], axis=1)
    dy = np.clip(dy, -first_r, s - 1 - last_r)
    dx = np.clip(dx, -first_c, s - 1 - last_c)
    dy[blank] = 0
    dx[blank] = 0
    move = np.flatnonzero((dy != 0) | (dx != 0))
    if move.size:
        for i in move:
            x[i] = np.roll(x[i], (dy[i], dx[i]), axis=(0, 1))
    return x, blank
