"""A sheet of paper photographed at an angle on a table (``robustness.py``'s
``sheet_photo`` and ``sheet_empty``): the sheet seen whole, in perspective, with the
table around it. Pure NumPy/Pillow, built on ``_draw``; randomness only from ``rng``.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

import _draw as D


def _homography(src, dst):
    """The 8 coefficients of the projective map taking the points ``src`` to ``dst``
    (four ``(x, y)`` pairs each), as Pillow's PERSPECTIVE transform takes them."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float))


def _corners(h, w, rng):
    """The sheet's four corners in the photo (top-left, top-right, bottom-right,
    bottom-left): each within 5-22 % of the photo's size from its corner, the side
    farthest from the camera shorter (a tilt of 10-30 degrees), turned up to 8
    degrees."""
    m = rng.uniform(0.05, 0.22)
    quad = np.array([[w * rng.uniform(0, m), h * rng.uniform(0, m)],
                     [w * (1 - rng.uniform(0, m)), h * rng.uniform(0, m)],
                     [w * rng.uniform(1 - m, 1.02), h * rng.uniform(1 - m, 1.02)],
                     [w * rng.uniform(-0.02, m), h * rng.uniform(1 - m, 1.02)]])
    shrink = 0.8 * (1 - np.cos(np.deg2rad(rng.uniform(10, 30))))
    i, j = [(0, 1), (3, 2), (0, 3), (1, 2)][0 if rng.random() < 0.5 else int(rng.integers(1, 4))]
    a, b = quad[i].copy(), quad[j].copy()
    quad[i], quad[j] = a + shrink * (b - a), b + shrink * (a - b)
    turn = np.deg2rad(rng.uniform(-8, 8))
    c, s = np.cos(turn), np.sin(turn)
    centre = np.array([w / 2, h / 2])
    return (quad - centre) @ np.array([[c, s], [-s, c]]) + centre


def sheet_photo(x, rng, empty=False):
    """A digit written on a sheet (portrait, 360-520 px tall; the digit 30-60 % of its
    width, near its middle) photographed at an angle on a darker table (0.1-0.45,
    tinted, grainy) that shows around it: RGB 300-520 px, a lighting ramp, noise,
    JPEG. ``empty``: the sheet without the digit."""
    sh = int(rng.integers(360, 521))
    sw = int(sh * rng.uniform(0.7, 0.8))
    long_side = int(sw * rng.uniform(0.3, 0.6))
    cov = np.zeros((sh, sw), np.float32)
    if not empty:
        d = D.fit_long_side(x, long_side)
        top = (sh - d.shape[0]) // 2 + int(rng.integers(-sh // 8, sh // 8 + 1))
        left = (sw - d.shape[1]) // 2 + int(rng.integers(-sw // 8, sw // 8 + 1))
        cov = D.paste((sh, sw), d, top, left)
    page = 1 - rng.uniform(0.75, 0.95) * cov
    h = int(rng.integers(300, 521))
    w = int(h * sw / sh * rng.uniform(0.9, 1.1))
    coeffs = tuple(_homography(_corners(h, w, rng), [(0, 0), (sw, 0), (sw, sh), (0, sh)]))

    def warp(a):
        return np.asarray(Image.fromarray(a.astype(np.float32), "F").transform(
            (w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR))

    on_sheet = np.clip(warp(np.ones((sh, sw))), 0, 1)
    page = np.clip(warp(page) + (1 - on_sheet), 0, 1)
    table = rng.uniform(0.1, 0.45) * np.array([1, rng.uniform(0.7, 1), rng.uniform(0.45, 0.9)])
    grain = 1 + 0.12 * D.smooth_noise((h, w), rng, rng.uniform(1, 8))
    paper = rng.uniform(0.8, 0.97) * np.array([1, rng.uniform(0.95, 1), rng.uniform(0.88, 1)])
    img = D.composite(on_sheet, table * grain[..., None], paper) * page[..., None]
    img = img * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.25)))[..., None]
    img = img + rng.normal(0, 0.015, (h, w, 1))
    return D.jpeg(D.u8(img), int(rng.integers(60, 95)))


def sheet_empty(rng):
    """An empty sheet photographed at an angle on a table (see :func:`sheet_photo`)."""
    return sheet_photo(np.zeros((28, 28), np.float32), rng, empty=True)
