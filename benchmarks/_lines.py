"""Lines and grids over the page, for the robustness suite (``robustness.py``): a straight
line drawn across a canvas through the digit, squared paper photographed, a cell cut
from a grid -- and the same pages empty. Built on ``_draw``; randomness comes only from ``rng``.
"""

from __future__ import annotations

import numpy as np

import _draw as D


def _across(cx, cy, angle, h, w):
    """The two ends, on the sides of an h x w image, of the line through (cx, cy) at
    ``angle`` (radians): points (x, y)."""
    u = (np.cos(angle), np.sin(angle))
    lo, hi = -np.inf, np.inf
    for c, n, extent in ((u[0], cx, w), (u[1], cy, h)):
        if abs(c) > 1e-9:
            t1, t2 = (0 - n) / c, (extent - n) / c
            lo, hi = max(lo, min(t1, t2)), min(hi, max(t1, t2))
    return [(cx + lo * u[0], cy + lo * u[1]), (cx + hi * u[0], cy + hi * u[1])]


def line_pair(x, rng):
    """A 150-230 px digit on a 300x300 white canvas, crossed by a straight line (2-6 px,
    as dark as the digit) from one side of the canvas to another at any angle, through
    the digit's box. Returns the canvas and its twin without the line."""
    d = D.fit_long_side(x, int(rng.integers(150, 231)))
    top, left = (300 - d.shape[0]) // 2, (300 - d.shape[1]) // 2
    cov = D.paste((300, 300), d, top, left)
    # Through a point of the digit's box, at any angle.
    cy, cx = top + rng.uniform(0.2, 0.8) * d.shape[0], left + rng.uniform(0.2, 0.8) * d.shape[1]
    ends = _across(cx, cy, rng.uniform(0, np.pi), 300, 300)
    line = D.draw_lines((300, 300), [ends], rng.uniform(2, 6))
    return [D.u8(1 - np.maximum(cov, line)), D.u8(1 - cov)]


def line_canvas(x, rng):
    """See :func:`line_pair` (the canvas with the line)."""
    return line_pair(x, rng)[0]


def squared_sheet(h, w, rng):
    """Squared paper: a grid every 12-30 px (1-2 px lines, 15-35 % darker than the
    paper), paper 0.82-0.98. Returns ``(sheet, step)``."""
    step = int(rng.integers(12, 31))
    grid = np.zeros((h, w), np.float32)
    width = int(rng.integers(1, 3))
    for y0 in range(int(rng.integers(0, step)), h, step):
        grid[y0 : y0 + width] = 1
    for x0 in range(int(rng.integers(0, step)), w, step):
        grid[:, x0 : x0 + width] = 1
    return rng.uniform(0.82, 0.98) * (1 - rng.uniform(0.15, 0.35) * grid), step


def _squared_photo(h, w, rng, x=None):
    sheet, step = squared_sheet(h, w, rng)
    img = sheet
    if x is not None:
        d = D.fit_long_side(x, int(step * rng.uniform(1.5, 4)))
        top, left = D.anywhere((h, w), d, rng)
        cov = D.paste((h, w), d, top, left)
        img = sheet * (1 - cov) + rng.uniform(0.05, 0.3) * cov
    img = img - D.gradient((h, w), rng, rng.uniform(0, 0.2))
    return D.jpeg(D.u8(img + rng.normal(0, 0.01, (h, w))), rng.integers(60, 95))


def _shape(rng):
    h = int(rng.integers(250, 600))
    return h, int(h * rng.uniform(1.0, 1.5))


def squared_paper(x, rng):
    """A photo of squared paper (see :func:`squared_sheet`), gray 250-900 px, with a
    digit 1.5-4 squares tall anywhere (ink 0.05-0.3), a lighting ramp, noise, JPEG."""
    return _squared_photo(*_shape(rng), rng, x)


def squared_empty(rng):
    """An empty sheet of squared paper photographed (see :func:`squared_paper`)."""
    return _squared_photo(*_shape(rng), rng)


def grid_cell(x, rng):
    """A digit written in the cell of a grid or a table (45-75 % of the cell, near its
    centre), cut from it with the cell's lines: along each side with probability 3/4, at
    the edge or up to 4 px in, 1-4 px thick (a bold third 2 px more), gray to black; paper
    0.8-1, ink 0-0.3, 40-130 px, noise, JPEG half the time."""
    side = int(rng.integers(40, 131))
    d = D.fit_long_side(x, int(side * rng.uniform(0.45, 0.75)))
    jitter = side // 12
    top = (side - d.shape[0]) // 2 + int(rng.integers(-jitter, jitter + 1))
    left = (side - d.shape[1]) // 2 + int(rng.integers(-jitter, jitter + 1))
    top = min(max(top, 0), side - d.shape[0])
    left = min(max(left, 0), side - d.shape[1])
    digit = D.paste((side, side), d, top, left) * rng.uniform(0.6, 1.0)
    lines = np.zeros((side, side), np.float32)
    width = int(rng.integers(1, max(2, side // 20) + 2))
    for edge in range(4):
        if rng.random() < 0.75:
            at = int(rng.integers(0, 5))
            w = width + (2 if rng.random() < 1 / 3 else 0)
            band = slice(at, at + w) if edge % 2 == 0 else slice(side - at - w, side - at)
            lines[band if edge < 2 else slice(None), band if edge >= 2 else slice(None)] = 1
    ink = np.maximum(digit, lines * rng.uniform(0.5, 1.0))
    paper, dark = rng.uniform(0.8, 1.0), rng.uniform(0.0, 0.3)
    img = D.u8(paper - (paper - dark) * ink + rng.normal(0, 0.012, ink.shape))
    return D.jpeg(img, int(rng.integers(40, 95))) if rng.random() < 0.5 else img


def paper_clouds(rng):
    """Empty paper under cloudy light and shade: a plasma fractal +-5-15 % over paper
    0.6-0.9, 200-400 px, noise."""
    h, w = int(rng.integers(200, 401)), int(rng.integers(200, 401))
    clouds = (D.plasma((h, w), rng) - 0.5) * rng.uniform(0.1, 0.3)
    return D.u8(rng.uniform(0.6, 0.9) + clouds + rng.normal(0, 0.01, (h, w)))
