"""Photographed and printed scenes of the robustness suite (``robustness.py``): a digit
on a sheet under a lamp, on ruled paper, on a notebook page, in a form's box -- and
the same scenes empty. Pure NumPy/SciPy/Pillow, built on ``_draw``.

Each ``(x, rng) -> image`` function draws one image of the digit ``x`` (a float MNIST
digit in [0, 1], light on dark); each ``(rng) -> image`` function one empty scene.
Randomness comes only from ``rng``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

import _draw as D


def lighting_photo(x, rng):
    """Dark ink on paper photographed under a lamp: gradient, vignette, noise, JPEG."""
    h, w = 240, 320
    cov = D.paste((h, w), D.fit_long_side(x, int(rng.integers(110, 170))),
                  int(rng.integers(20, 80)), int(rng.integers(40, 150)))
    paper = (rng.uniform(0.7, 0.95) - D.gradient((h, w), rng, rng.uniform(0.2, 0.45)))
    paper = paper * D.vignette((h, w), rng, rng.uniform(0.2, 0.5))
    img = paper * (1 - cov * rng.uniform(0.6, 0.85)) + rng.normal(0, 0.015, (h, w))
    return D.jpeg(D.u8(img), rng.integers(50, 90))


def ruled_sheet(h, w, rng):
    """Notebook paper: rules every 20-40 px (1-2 px, gray 0.3-0.8), in a third of the
    sheets a grid, in another third a margin line."""
    paper = np.full((h, w), rng.uniform(0.85, 1.0))
    step, width, gray = int(rng.integers(20, 41)), int(rng.integers(1, 3)), rng.uniform(0.3, 0.8)
    kind = rng.integers(3)  # rules, grid, rules and a margin
    for y0 in range(int(rng.integers(0, step)), h, step):
        paper[y0 : y0 + width] = np.minimum(paper[y0 : y0 + width], gray)
    if kind == 1:
        for x0 in range(int(rng.integers(0, step)), w, step):
            paper[:, x0 : x0 + width] = np.minimum(paper[:, x0 : x0 + width], gray)
    if kind == 2:
        x0 = int(rng.integers(w // 15, w // 5))
        paper[:, x0 : x0 + 2] = np.minimum(paper[:, x0 : x0 + 2], rng.uniform(0.4, 0.7))
    return paper


def on_ruled_paper(x, rng):
    """A 120-220 px digit anywhere on a 300x300 sheet of ruled paper (see ruled_sheet)."""
    d = D.fit_long_side(x, int(rng.integers(120, 221)))
    top, left = rng.integers(0, 300 - d.shape[0] + 1), rng.integers(0, 300 - d.shape[1] + 1)
    return D.u8(ruled_sheet(300, 300, rng) * (1 - 0.85 * D.paste((300, 300), d, top, left)))


def notebook_sheet(h, w, rng):
    """A photographed notebook page (RGB): blue rules every 6-14 % of the height, 0.8-2.5
    px, tilted up to 2.5 degrees with the sheet, in half of them a red margin line, a
    tinted paper, a lighting ramp, noise added later. Returns ``(paper, sheet, step,
    shade)``: the page without and with its lines, the rules' spacing and the ramp."""
    step = h * rng.uniform(0.06, 0.14)
    tilt = np.tan(np.deg2rad(rng.uniform(-2.5, 2.5)))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Distance (px) from the nearest rule, measured across the rules.
    across = np.abs((yy - tilt * xx - rng.uniform(0, step)) % step - step / 2)
    line = np.clip(rng.uniform(0.8, 2.5) / 2 + 0.5 - (step / 2 - across), 0, 1)
    paper = np.array([rng.uniform(0.9, 1), rng.uniform(0.88, 1), rng.uniform(0.8, 0.95)],
                     np.float32)
    a = rng.uniform(0.25, 0.6) * line
    sheet = D.composite(a, paper, paper * np.array([0.55, 0.7, 0.95], np.float32))
    if rng.random() < 0.5:
        x0 = w * rng.uniform(0.05, 0.2)
        m = 0.5 * np.clip(1.5 - np.abs(xx - x0 + tilt * yy), 0, 1)
        sheet = D.composite(m, sheet, np.array([0.95, 0.5, 0.5], np.float32))
    shade = 1 - D.gradient((h, w), rng, rng.uniform(0, 0.3))
    return np.broadcast_to(paper, sheet.shape), sheet, step, shade


def notebook_photo(x, rng):
    """A digit written on a notebook page (see notebook_sheet), 1.5-3.5 rules tall,
    anywhere on a 240-800 px photo (JPEG)."""
    h = int(rng.integers(240, 801))
    w = int(h * rng.uniform(0.7, 1.4))
    _, sheet, step, shade = notebook_sheet(h, w, rng)
    d = D.fit_long_side(x, max(12, int(step * rng.uniform(1.5, 3.5))))
    top, left = D.anywhere((h, w), d, rng)
    cov = D.paste((h, w), d, top, left)
    ink = np.array([0.1, 0.1, 0.3] if rng.random() < 0.5 else [0.05] * 3, np.float32)
    img = D.composite(cov, sheet, ink) * shade[..., None] + rng.normal(0, 0.02, (h, w, 1))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def notebook_empty(rng):
    h = int(rng.integers(240, 801))
    _, sheet, _, shade = notebook_sheet(h, int(h * rng.uniform(0.7, 1.4)), rng)
    img = sheet * shade[..., None] + rng.normal(0, 0.02, sheet.shape[:2] + (1,))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def form(h, w, boxes, rng):
    """A printed form: paper with rectangular boxes ``(top, left, height, width)``, lines
    1-3 px of gray 0-0.6."""
    page = np.full((h, w), rng.uniform(0.85, 1.0))
    lw, gray = int(rng.integers(1, 4)), rng.uniform(0.0, 0.6)
    for top, left, bh, bw in boxes:
        for rows, cols in (((top, top + lw), (left, left + bw)),
                           ((top + bh - lw, top + bh), (left, left + bw)),
                           ((top, top + bh), (left, left + lw)),
                           ((top, top + bh), (left + bw - lw, left + bw))):
            page[slice(*rows), slice(*cols)] = np.minimum(page[slice(*rows), slice(*cols)], gray)
    return page


def form_box(x, rng):
    """A 60-160 px digit written inside a printed box (1.2-1.8 times its size) on a page
    of a form, the box anywhere on it; noise, JPEG."""
    d = D.fit_long_side(x, int(rng.integers(60, 161)))
    bh, bw = (int(n * rng.uniform(1.2, 1.8)) for n in (max(d.shape),) * 2)
    h, w = bh + int(rng.integers(10, 200)), bw + int(rng.integers(10, 200))
    top, left = int(rng.integers(0, h - bh)), int(rng.integers(0, w - bw))
    page = form(h, w, [(top, left, bh, bw)], rng)
    sy, sx = bh - d.shape[0], bw - d.shape[1]  # room around the digit in the box
    ty = top + sy // 2 + int(rng.integers(-sy // 4, sy // 4 + 1))
    tx = left + sx // 2 + int(rng.integers(-sx // 4, sx // 4 + 1))
    img = page * (1 - 0.9 * D.paste((h, w), d, ty, tx)) + rng.normal(0, 0.01, (h, w))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def form_empty(rng):
    """Empty boxes of a printed form: one, or a row of 2-6 (digit fields)."""
    k = int(rng.integers(1, 7))
    bh = int(rng.integers(60, 240))
    bw = int(bh * rng.uniform(0.6, 1.2))
    gap = int(rng.integers(0, bw // 2))
    h, w = bh + int(rng.integers(10, 200)), k * bw + (k - 1) * gap + int(rng.integers(10, 200))
    top, left = int(rng.integers(0, h - bh)), int(rng.integers(0, w - k * bw - (k - 1) * gap))
    page = form(h, w, [(top, left + i * (bw + gap), bh, bw) for i in range(k)], rng)
    return D.jpeg(D.u8(page + rng.normal(0, 0.01, (h, w))), rng.integers(60, 95))


def _photo_shape(rng, low, high):
    """``(h, w)`` of a photo: ``h`` from ``low`` to ``high`` px, ``w`` 0.75-1.33 times it."""
    h = int(rng.integers(low, high + 1))
    return h, int(h * rng.uniform(0.75, 1.33))


def _shadow(h, w, rng, through=None):
    """A shadow cast across a photographed page: ``1`` in the light, ``1 - depth`` in the
    shadow (depth 0.3-0.55), a straight edge at any angle whose penumbra is a logistic
    ramp 2-8 px wide; the edge passes through ``through`` (a point) when given."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    cy, cx = through if through is not None else (rng.uniform(0.3, 0.7) * h,
                                                  rng.uniform(0.3, 0.7) * w)
    across = np.cos(angle) * (xx - cx) + np.sin(angle) * (yy - cy)
    soft = 1 / (1 + np.exp(-across / rng.uniform(2, 8)))
    return 1 - rng.uniform(0.3, 0.55) * soft


def _photo_page(h, w, rng):
    """Tinted paper (RGB) under a lighting ramp."""
    paper = rng.uniform(0.8, 0.95) * np.array([1, rng.uniform(0.95, 1), rng.uniform(0.88, 1)],
                                                np.float32)
    return paper, 1 - D.gradient((h, w), rng, rng.uniform(0, 0.2))


def shadow_pair(x, rng):
    """A dark digit on paper photographed with a shadow across it (a hand, a phone): RGB
    300-600 px, the digit 25-60 % of the short side, the shadow's edge through the
    digit's box; noise, JPEG. Returns the photo and its twin without the shadow."""
    h, w = _photo_shape(rng, 300, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.25, 0.6)))
    top, left = D.anywhere((h, w), d, rng)
    cov = D.paste((h, w), d, top, left)
    paper, light = _photo_page(h, w, rng)
    through = (top + d.shape[0] * rng.uniform(0.2, 0.8), left + d.shape[1] * rng.uniform(0.2, 0.8))
    shade = _shadow(h, w, rng, through)
    ink = np.float32(rng.uniform(0.03, 0.25))
    noise = rng.normal(0, 0.015, (h, w, 1))
    quality = rng.integers(60, 95)
    return [D.jpeg(D.u8(D.composite(cov, paper, ink) * lit[..., None] + noise), quality)
            for lit in (light * shade, light)]


def shadow_photo(x, rng):
    """See :func:`shadow_pair` (the photo with its shadow)."""
    return shadow_pair(x, rng)[0]


def shadow_empty(rng):
    """An empty page photographed with a shadow across it (see :func:`shadow_photo`)."""
    h, w = _photo_shape(rng, 300, 600)
    paper, light = _photo_page(h, w, rng)
    img = paper * (light * _shadow(h, w, rng))[..., None] + rng.normal(0, 0.015, (h, w, 1))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


_NOTE_COLOURS = np.array([[1.0, 0.93, 0.45], [1.0, 0.75, 0.8], [0.7, 0.95, 0.6],
                          [0.65, 0.85, 1.0], [0.97, 0.97, 0.95], [1.0, 0.8, 0.5]], np.float32)


def _note_scene(h, w, side, rng):
    """A sticky note (a light square of ``side`` px, one of six colours, turned up to 12
    degrees, a soft shadow under it) on a desk (dark 0.15-0.5, grain, a ramp). Returns
    ``(image without ink, the note's mask, its centre, its colour)``."""
    desk = rng.uniform(0.15, 0.5) * np.array([1, rng.uniform(0.7, 1), rng.uniform(0.5, 1)],
                                             np.float32)
    grain = 1 + 0.08 * D.smooth_noise((h, w), rng, rng.uniform(1, 6))
    m = side * 0.6  # the turned square (12 degrees at most) fits
    cy, cx = rng.uniform(m, h - m), rng.uniform(m, w - m)
    turn = np.deg2rad(rng.uniform(-12, 12))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = np.cos(turn) * (xx - cx) + np.sin(turn) * (yy - cy)
    v = -np.sin(turn) * (xx - cx) + np.cos(turn) * (yy - cy)
    note = np.clip(side / 2 + 0.5 - np.maximum(np.abs(u), np.abs(v)), 0, 1)
    shade = 1 - 0.5 * np.clip(side / 2 + 4 - np.maximum(np.abs(u - 3), np.abs(v - 4)), 0, 6) / 6
    under = desk * (grain * shade)[..., None]
    colour = _NOTE_COLOURS[rng.integers(len(_NOTE_COLOURS))]
    return D.composite(note, under, colour), note, (cy, cx), colour


def sticky_pair(x, rng):
    """A digit written with a marker on a sticky note (1.3-2 times the digit) lying on a
    desk, photographed: RGB 300-600 px, a lighting ramp, noise, JPEG. Returns the photo
    and its twin without the desk (the note's colour all over)."""
    h, w = _photo_shape(rng, 300, 600)
    long_side = int(min(h, w) * rng.uniform(0.2, 0.4))
    d = D.fit_long_side(x, long_side)
    side = long_side * rng.uniform(1.3, 2.0)
    img, note, (cy, cx), colour = _note_scene(h, w, side, rng)
    top = int(cy - d.shape[0] / 2 + rng.uniform(-0.1, 0.1) * side)
    left = int(cx - d.shape[1] / 2 + rng.uniform(-0.1, 0.1) * side)
    cov = D.paste((h, w), d, top, left) * note
    ink = np.float32(rng.uniform(0.02, 0.2))
    ramp = (1 - D.gradient((h, w), rng, rng.uniform(0, 0.25)))[..., None]
    noise = rng.normal(0, 0.015, (h, w, 1))
    quality = rng.integers(60, 95)
    plain = np.broadcast_to(colour, img.shape)
    return [D.jpeg(D.u8(D.composite(cov, under, ink) * ramp + noise), quality)
            for under in (img, plain)]


def sticky_note(x, rng):
    """See :func:`sticky_pair` (the photo with the desk)."""
    return sticky_pair(x, rng)[0]


def sticky_empty(rng):
    """An empty sticky note on a desk (see :func:`sticky_note`)."""
    h, w = _photo_shape(rng, 300, 600)
    img = _note_scene(h, w, min(h, w) * rng.uniform(0.26, 0.8), rng)[0]
    img = img * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.25)))[..., None]
    return D.jpeg(D.u8(img + rng.normal(0, 0.015, (h, w, 1))), rng.integers(60, 95))


def _grainy_paper(h, w, rng):
    """Paper with a tooth: light gray 0.78-0.95, texture 0.02-0.06 at 1-3 px, a ramp."""
    tooth = D.smooth_noise((h, w), rng, rng.uniform(1, 3)) * rng.uniform(0.02, 0.06)
    return rng.uniform(0.78, 0.95) + tooth - D.gradient((h, w), rng, rng.uniform(0, 0.2))


def pencil_pair(x, rng):
    """A digit in pencil on grainy paper, scanned or photographed: gray 200-500 px, the
    digit 35-80 % of the short side anywhere, strokes 0.25-0.55 dark broken up by the
    graphite's grain (``clip(0.6 + 0.6 N)`` at 0.5-1.2 px), noise, JPEG. Returns the
    image and its twin on smooth paper with even strokes (no grain, no tooth)."""
    h, w = _photo_shape(rng, 200, 500)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.35, 0.8)))
    top, left = D.anywhere((h, w), d, rng)
    cov = D.paste((h, w), d, top, left)
    grain = np.clip(0.6 + 0.6 * D.smooth_noise((h, w), rng, rng.uniform(0.5, 1.2)), 0, 1)
    dark = rng.uniform(0.25, 0.55)
    paper = _grainy_paper(h, w, rng)
    plain = np.float32(np.median(paper))
    noise = rng.normal(0, 0.01, (h, w))
    quality = rng.integers(60, 95)
    return [D.jpeg(D.u8(under * (1 - dark * cov * g) + noise), quality)
            for under, g in ((paper, grain), (plain, 0.6))]


def pencil_grain(x, rng):
    """See :func:`pencil_pair` (the digit on grainy paper)."""
    return pencil_pair(x, rng)[0]


def pencil_empty(rng):
    """An empty sheet of grainy paper (see :func:`pencil_grain`)."""
    h, w = _photo_shape(rng, 200, 500)
    img = _grainy_paper(h, w, rng) + rng.normal(0, 0.01, (h, w))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def _glare(h, w, rng, at):
    """A lamp's glare on glossy paper: light added in a soft spot (a Gaussian 5-20 % of
    the short side wide, 0.2-0.6 at its centre ``at``)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    width = min(h, w) * rng.uniform(0.05, 0.2)
    d2 = ((yy - at[0]) ** 2 + (xx - at[1]) ** 2) / (2 * width**2)
    return rng.uniform(0.2, 0.6) * np.exp(-d2)


def glare_pair(x, rng):
    """A dark digit on glossy paper photographed under a lamp whose glare falls on the
    digit: gray 300-600 px, paper 0.6-0.8, ink 0.05-0.25, the glare added (and clipped
    at white), a lighting ramp, noise, JPEG. Returns the photo and its twin without
    the glare."""
    h, w = _photo_shape(rng, 300, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.3, 0.6)))
    top, left = D.anywhere((h, w), d, rng)
    cov = D.paste((h, w), d, top, left)
    page = D.composite(cov, rng.uniform(0.6, 0.8), rng.uniform(0.05, 0.25))
    page = page * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.2)))
    at = (top + d.shape[0] * rng.uniform(0.2, 0.8), left + d.shape[1] * rng.uniform(0.2, 0.8))
    glare = _glare(h, w, rng, at)
    noise = rng.normal(0, 0.015, (h, w))
    quality = rng.integers(60, 95)
    return [D.jpeg(D.u8(page + g + noise), quality) for g in (glare, 0)]


def glare_photo(x, rng):
    """See :func:`glare_pair` (the photo with the glare)."""
    return glare_pair(x, rng)[0]


def glare_empty(rng):
    """An empty glossy page with a lamp's glare on it (see :func:`glare_photo`)."""
    h, w = _photo_shape(rng, 300, 600)
    page = rng.uniform(0.6, 0.8) * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.2)))
    at = (rng.uniform(0.2, 0.8) * h, rng.uniform(0.2, 0.8) * w)
    img = page + _glare(h, w, rng, at) + rng.normal(0, 0.015, (h, w))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def _spots(h, w, rng):
    """Light falling unevenly on a page: ``1`` times 1-4 soft spots of light or shade
    (Gaussians 2-25 % of the long side wide, 1-2 times as long as wide at any angle,
    +-10-35 % at their centres, anywhere, some off the page)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.ones((h, w), np.float32)
    for _ in range(int(rng.integers(1, 5))):
        cy, cx, a = rng.uniform(-0.1, 1.1) * h, rng.uniform(-0.1, 1.1) * w, rng.uniform(0, np.pi)
        s = max(h, w) * rng.uniform(0.02, 0.25)
        u = ((xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)) / (s * rng.uniform(1, 2))
        v = (-(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)) / s
        light += rng.choice([-1, 1]) * rng.uniform(0.1, 0.35) * np.exp(-(u * u + v * v) / 2)
    return light


def _spotted(pages, rng):
    """``pages`` (gray, in [0, 1]) each under the same :func:`_spots`, a ramp, noise;
    half of them tinted RGB, all through JPEG at one quality. Also returns them with
    no spots (the same ramp, tint, noise and JPEG)."""
    h, w = pages[0].shape
    spots = _spots(h, w, rng)
    ramp = 1 - D.gradient((h, w), rng, rng.uniform(0, 0.15))
    noise = rng.normal(0, 0.01, (h, w))
    tint = (np.array([1, rng.uniform(0.9, 1), rng.uniform(0.8, 1)], np.float32)
            if rng.random() < 0.5 else None)
    quality = rng.integers(50, 95)
    out = []
    for page in pages:
        for light in (spots, 1):
            img = page * light * ramp + noise
            img = img if tint is None else img[..., None] * tint
            out.append(D.jpeg(D.u8(img), quality))
    return out


def spots_pair(x, rng):
    """A dark digit (35-70 % of the short side, anywhere) on paper 0.55-0.85 under soft
    spots of light and shade (see :func:`_spots`), 200-600 px, JPEG. Returns the photo
    and its twin under even light."""
    h, w = _photo_shape(rng, 200, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.35, 0.7)))
    top, left = D.anywhere((h, w), d, rng)
    page = D.composite(D.paste((h, w), d, top, left), rng.uniform(0.55, 0.85),
                       rng.uniform(0.05, 0.25))
    return _spotted([page], rng)


def spots_photo(x, rng):
    """See :func:`spots_pair` (the photo under the spots)."""
    return spots_pair(x, rng)[0]


def spots_empty(rng):
    """An empty page under soft spots of light and shade (see :func:`spots_pair`)."""
    h, w = _photo_shape(rng, 200, 600)
    return _spotted([np.full((h, w), rng.uniform(0.55, 0.85), np.float32)], rng)[0]


def _band(h, w, rng, through=None):
    """A band of light across a page (a window's reflection), 0-1: a Gaussian 3-12 % of
    the short side wide crossing the whole page at any angle, through ``through`` (a
    point) or anywhere in the page's middle."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, np.pi)
    if through is None:
        cx = rng.uniform(0.2, 0.8) * w
        cy = rng.uniform(0.2, 0.8) * h
    else:
        cy, cx = through
    across = -(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)
    return np.exp(-(across / (min(h, w) * rng.uniform(0.03, 0.12))) ** 2 / 2)


def bands_pair(x, rng):
    """A dark digit (35-70 % of the short side, anywhere) on paper 0.4-0.8 under a band
    of light crossing the page through the digit's box (see :func:`_band`; +0.2-0.5,
    added to the ink too), a ramp, gray 250-600 px, noise, JPEG. Returns the photo and
    its twin without the band."""
    h, w = _photo_shape(rng, 250, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.35, 0.7)))
    top, left = D.anywhere((h, w), d, rng)
    through = (top + d.shape[0] * rng.uniform(0, 1), left + d.shape[1] * rng.uniform(0, 1))
    band = _band(h, w, rng, through)
    paper = rng.uniform(0.4, 0.8)
    page = D.composite(D.paste((h, w), d, top, left), paper, paper * rng.uniform(0.05, 0.3))
    page = page * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.2)))
    amp, noise = rng.uniform(0.2, 0.5), rng.normal(0, 0.015, (h, w))
    quality = rng.integers(60, 95)
    return [D.jpeg(D.u8(page + amp * b + noise), quality) for b in (band, 0)]


def bands_photo(x, rng):
    """See :func:`bands_pair` (the photo under the band of light)."""
    return bands_pair(x, rng)[0]


def bands_empty(rng):
    """An empty page under a band of light across it (a window's reflection): a soft
    band (:func:`_band`) crossing the whole page at any angle, +0.2-0.5 over paper
    0.4-0.8, a ramp, noise, JPEG."""
    h, w = _photo_shape(rng, 250, 600)
    band = _band(h, w, rng)
    page = rng.uniform(0.4, 0.8) * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.2)))
    img = page + rng.uniform(0.2, 0.5) * band + rng.normal(0, 0.015, (h, w))
    return D.jpeg(D.u8(img), rng.integers(60, 95))


def _scanner_margins(img, rng):
    """``img`` (gray) with the dark margins of a scan along 1-2 of its edges: where the
    sheet ended before the scanner's glass (2-8 % of the side deep, 0.05-0.3)."""
    img = img.copy()
    h, w = img.shape
    for side in rng.choice(4, int(rng.integers(1, 3)), replace=False):
        k = int(rng.uniform(0.02, 0.08) * (h if side < 2 else w))
        img[(np.s_[:k], np.s_[h - k:], np.s_[:, :k], np.s_[:, w - k:])[side]] = rng.uniform(
            0.05, 0.3)
    return img


def scan_pair(x, rng):
    """A dark digit (25-60 % of the short side, anywhere) on a scanned sheet (white
    0.8-0.97, a slight ramp) with the scanner's dark margins along 1-2 edges, gray
    250-600 px, noise, JPEG. Returns the scan and its twin without the margins."""
    h, w = _photo_shape(rng, 250, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.25, 0.6)))
    top, left = D.anywhere((h, w), d, rng)
    page = D.composite(D.paste((h, w), d, top, left), rng.uniform(0.8, 0.97),
                       rng.uniform(0.05, 0.25))
    page = page * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.1)))
    scan = _scanner_margins(page, rng)
    noise, quality = rng.normal(0, 0.01, (h, w)), rng.integers(60, 95)
    return [D.jpeg(D.u8(a + noise), quality) for a in (scan, page)]


def scan_margins(x, rng):
    """See :func:`scan_pair` (the scan with its margins)."""
    return scan_pair(x, rng)[0]


def scan_empty(rng):
    """An empty scanned sheet with the scanner's dark margins (see :func:`scan_pair`)."""
    h, w = _photo_shape(rng, 250, 600)
    page = np.full((h, w), rng.uniform(0.8, 0.97), np.float32)
    page = _scanner_margins(page * (1 - D.gradient((h, w), rng, rng.uniform(0, 0.1))), rng)
    return D.jpeg(D.u8(page + rng.normal(0, 0.01, (h, w))), rng.integers(60, 95))


def _thumb(h, w, rng, avoid):
    """Coverage (0-1) of a thumb at the photo's edge: a soft ellipse (half-axes 10-20 %
    and 20-35 % of the short side) reaching in from one side, not over ``avoid``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    side = rng.integers(4)
    a, b = (rng.uniform(lo, hi) * min(h, w) for lo, hi in ((0.1, 0.2), (0.2, 0.35)))
    mask = np.zeros((h, w), bool)
    for _ in range(50):
        along = rng.uniform(0.1, 0.9)
        if side < 2:
            cx, cy = along * w, -0.3 * b if side == 0 else h + 0.3 * b
            mask = ((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2 < 1
        else:
            cx, cy = -0.3 * b if side == 2 else w + 0.3 * b, along * h
            mask = ((xx - cx) / b) ** 2 + ((yy - cy) / a) ** 2 < 1
        if not (mask & (avoid > 0.05)).any():
            break
    return ndimage.gaussian_filter(mask.astype(np.float32), rng.uniform(1.5, 4))


def thumb_pair(x, rng):
    """A dark digit on paper photographed with the thumb holding the sheet in view: RGB
    300-600 px, the digit 30-55 % of the short side, a skin-toned thumb (shaded, soft
    edge) reaching in from one side beside the digit; noise, JPEG. Returns the photo
    and its twin without the thumb."""
    h, w = _photo_shape(rng, 300, 600)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.3, 0.55)))
    top = int(rng.uniform(0.2, 0.8) * (h - d.shape[0]))
    left = int(rng.uniform(0.2, 0.8) * (w - d.shape[1]))
    cov = D.paste((h, w), d, top, left)
    paper, light = _photo_page(h, w, rng)
    page = D.composite(cov, paper, np.float32(rng.uniform(0.03, 0.25))) * light[..., None]
    thumb = _thumb(h, w, rng, cov)[..., None]
    skin = np.array([0.85, 0.62, 0.5], np.float32) * rng.uniform(0.5, 0.95)
    shade = 1 - 0.3 * ndimage.gaussian_filter(thumb[..., 0], 0.05 * min(h, w))
    held = page * (1 - thumb) + skin * shade[..., None] * thumb
    noise = rng.normal(0, 0.015, (h, w, 1))
    quality = rng.integers(60, 95)
    return [D.jpeg(D.u8(img + noise), quality) for img in (held, page)]


def thumb_photo(x, rng):
    """See :func:`thumb_pair` (the photo with the thumb)."""
    return thumb_pair(x, rng)[0]


def blackboard_photo(x, rng):
    """A digit chalked on a blackboard, photographed: light grainy strokes (up to 0.9,
    each pixel's chalk 0.85 +- 0.15 of it) on a dark board (0.15-0.35) under smooth
    smudges (+-0.08), noise, JPEG; gray 200-500 px, the digit 30-60 % of the side."""
    h, w = _photo_shape(rng, 200, 500)
    d = D.fit_long_side(x, int(min(h, w) * rng.uniform(0.3, 0.6)))
    cov = D.paste((h, w), d, *D.anywhere((h, w), d, rng))
    board = rng.uniform(0.15, 0.35)
    chalk = np.clip(rng.normal(0.85, 0.15, (h, w)), 0, 1)
    img = board + (0.9 - board) * cov * chalk
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img += 0.08 * (np.sin(6 * xx / w + rng.uniform(0, 6)) * np.sin(4 * yy / h + rng.uniform(0, 6)))
    img += rng.normal(0, 0.03, (h, w))
    return D.jpeg(D.u8(img), rng.integers(50, 90))
