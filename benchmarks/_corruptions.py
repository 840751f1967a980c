"""The 28x28 corruptions of the robustness suite (``robustness.py``), MNIST polarity.

Each function maps a float digit ``x`` (28x28, light ink on dark, in [0, 1]) and a
``numpy.random.Generator`` to a corrupted float image (clipped to [0, 1] by the caller).
Pure NumPy/SciPy/Pillow; the severities are drawn per image from the ranges in each
docstring, chosen to resemble MNIST-C and the images people really have.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

import _draw as D

def gaussian_noise(x, rng):
    """Additive Gaussian noise, sigma 0.08-0.38."""
    return x + rng.normal(0, rng.uniform(0.08, 0.38), x.shape)


def shot_noise(x, rng):
    """Poisson noise: 3-60 photons at full scale (log-uniform), black level 0-0.1."""
    photons = np.exp(rng.uniform(np.log(3), np.log(60)))
    floor = rng.uniform(0, 0.1)
    return rng.poisson((floor + (1 - floor) * x) * photons) / photons


def impulse_noise(x, rng):
    """Salt-and-pepper noise on 3-25 % of the pixels."""
    amount = rng.uniform(0.03, 0.25)
    u = rng.random(x.shape)
    return np.where(u < amount / 2, 0.0, np.where(u < amount, 1.0, x))


def motion_blur(x, rng):
    """A straight motion of 5-9 px at a random angle."""
    length = rng.integers(5, 10)
    k = D.draw_lines((length, length), [[(0, length / 2), (length, length / 2)]], 1)
    k = ndimage.rotate(k, rng.uniform(0, 180), reshape=False, order=1)
    return ndimage.convolve(x, k / k.sum(), mode="constant")


def glass_blur(x, rng):
    """Blur (sigma 0.6-0.9), 1-2 rounds of local pixel shuffles (+-1 px), blur again."""
    delta = 1
    y = ndimage.gaussian_filter(x, rng.uniform(0.6, 0.9))
    for _ in range(int(rng.integers(1, 3))):
        ii, jj = np.indices(x.shape)
        ii = np.clip(ii + rng.integers(-delta, delta + 1, x.shape), 0, 27)
        jj = np.clip(jj + rng.integers(-delta, delta + 1, x.shape), 0, 27)
        y = y[ii, jj]
    return ndimage.gaussian_filter(y, 0.7)


def jpeg(x, rng):
    """JPEG at quality 5-25."""
    return D.jpeg(D.u8(x), rng.integers(5, 25)) / 255


def stripes(x, rng):
    """1-3 bright bars (1-2 px, mostly full height) in the 6 columns at each side."""
    y = x.copy()
    sides = [(0, 6), (22, 28)] if rng.random() < 0.7 else [[(0, 6), (22, 28)][rng.integers(2)]]
    for lo, hi in sides:
        for col in rng.choice(np.arange(lo, hi), rng.integers(1, 4), replace=False):
            width = int(rng.integers(1, 3))
            top, bottom = (0, 28) if rng.random() < 0.7 else sorted(rng.integers(0, 29, 2))
            y[top:bottom, col:col + width] = np.maximum(y[top:bottom, col:col + width],
                                                        rng.uniform(0.5, 1.0))
    return y


def side_bands(x, rng):
    """The 5-8 columns at each side (or at one side) inverted: wide light bands."""
    y = x.copy()
    sides = ("left", "right") if rng.random() < 0.8 else (("left",), ("right",))[rng.integers(2)]
    if "left" in sides:
        w = int(rng.integers(5, 9))
        y[:, :w] = 1 - y[:, :w]
    if "right" in sides:
        w = int(rng.integers(5, 9))
        y[:, 28 - w:] = 1 - y[:, 28 - w:]
    return y


def crossing(rng, kind):
    """Points of a line crossing the frame near its centre."""
    angle = rng.uniform(-np.pi / 3, np.pi / 3) + (np.pi / 2 if rng.random() < 0.3 else 0)
    cx, cy = 14 + rng.normal(0, 3, 2)
    dx, dy = np.cos(angle), np.sin(angle)
    if kind != "zigzag":
        return [(cx - 22 * dx, cy - 22 * dy), (cx + 22 * dx, cy + 22 * dy)]
    period, amp = rng.uniform(3, 10), rng.uniform(1.5, 4)
    k = int(44 / (period / 2)) + 1
    t = np.linspace(-22, 22, k)
    sign = np.where(np.arange(k) % 2, 1, -1)
    return list(zip(cx + t * dx - sign * amp * dy, cy + t * dy + sign * amp * dx))


def line(kind):
    """A straight (1-3.5 px), zigzag (1-2.5 px, period 3-10 px) or dotted (dots of radius
    0.5-1.3 px every 2-4 px) line crossing the frame near its centre, intensity 0.6-1."""
    def fn(x, rng):
        pts = crossing(rng, kind)
        if kind == "dotted":
            cov = D.draw_lines(x.shape, [pts], 1, dots=(rng.uniform(2, 4), rng.uniform(0.5, 1.3)))
        else:
            cov = D.draw_lines(x.shape, [pts], rng.uniform(1, 3.5 if kind == "straight" else 2.5))
        return np.maximum(x, rng.uniform(0.6, 1.0) * cov)
    return fn


def _side_to_side(a, b, y0, y1, step, swing, vertical):
    """Points ``(x, y)`` of a line from ``(a, y0)`` to ``(b, y1)``: straight when ``step``
    is None, else a zigzag with a vertex every ``step`` px, alternately ``swing`` px
    above and below the line; transposed (a vertical line) when ``vertical``."""
    if step is None:
        pts = [(a, y0), (b, y1)]
    else:
        k = int((b - a) / step) + 1
        t = np.linspace(0, 1, k)
        offset = swing * np.where(np.arange(k) % 2, 1.0, -1.0)
        pts = list(zip(a + t * (b - a), y0 + t * (y1 - y0) + offset))
    return [(py, px) for px, py in pts] if vertical else pts


def bold_line(x, rng):
    """A bold line at full intensity (2.5-4.5 px) from near one side of the frame to near
    the other, at any height and so often merged with the digit: straight, or a zigzag
    with a 2 px swing every 2-4 px; horizontal or (a third of them) vertical."""
    a, b = rng.uniform(0, 5), rng.uniform(22, 27)
    y0, y1 = rng.uniform(0, 27, 2)
    straight = rng.random() < 0.5
    step = None if straight else rng.uniform(2, 4)
    pts = _side_to_side(a, b, y0, y1, step, 2.0, vertical=rng.random() < 1 / 3)
    cov = D.draw_lines(x.shape, [pts], rng.uniform(2.5, 4.5) if straight else rng.uniform(1.5, 2.5))
    return np.maximum(x, cov)


def thin_line(x, rng):
    """A thin pen line (1-2 px, a soft edge) at full intensity, added to the image, from
    near one side of the frame to near the other at any height (often beside the digit
    rather than across it): straight, dashed (2-3 px on, 2-3 px off) or a zigzag with a
    1.5-2.5 px swing every 3-5 px; horizontal or (a quarter of them) vertical."""
    a, b = rng.uniform(0, 4), rng.uniform(23, 28)
    y0 = rng.uniform(0, 27)
    y1 = np.clip(y0 + rng.uniform(-8, 8), 0, 27)
    kind = rng.integers(3)  # straight, dashed, zigzag
    step, swing = (rng.uniform(3, 5), rng.uniform(1.5, 2.5)) if kind == 2 else (None, 0.0)
    vertical = rng.random() < 0.25
    pts = _side_to_side(a, b, y0, y1, step, swing, vertical)
    cov = D.draw_lines(x.shape, [pts], rng.uniform(1.0, 2.0))
    if kind == 1:
        on, off = rng.integers(2, 4), rng.integers(2, 4)
        along = np.arange(28) if not vertical else np.arange(28)[:, None]
        keep = (along + rng.integers(on + off)) % (on + off) < on
        cov = cov * keep
    return np.clip(x + cov, 0, 1)


def zigzag_across(x, rng):
    """A zigzag at full intensity (1.5-2.5 px) from column 2 to column 25 at any height,
    rising or falling up to 5 px, a vertex every 4 px swinging 2 px above and below its
    course (MNIST-C's zigzag): merged with the digit wherever it crosses it."""
    y0 = rng.uniform(0, 27)
    y1 = float(np.clip(y0 + rng.uniform(-5, 5), 0, 27))
    pts = _side_to_side(2.0, 25.0, y0, y1, 4.0, 2.0, vertical=False)
    return np.maximum(x, D.draw_lines(x.shape, [pts], rng.uniform(1.5, 2.5)))


def line_across(x, rng):
    """A straight line at full intensity (1.5-2.5 px) from column 0-4 to column 22-26,
    its two ends at any heights (MNIST-C's "line"): merged with the digit wherever it
    crosses it, or along its top or bottom."""
    a, b = rng.uniform(0, 4), rng.uniform(22, 26)
    y0, y1 = rng.uniform(0, 27, 2)
    pts = _side_to_side(a, b, y0, y1, None, 0.0, vertical=False)
    return np.maximum(x, D.draw_lines(x.shape, [pts], rng.uniform(1.5, 2.5)))


def spatter(x, rng):
    """Blobs (smoothed noise above a quantile) covering 3-9 % each: light drops, dark
    drops that erase ink, and gray mud (0.2-0.35) that replaces what it covers."""
    y = x.copy()
    for kind in rng.permutation(["light", "dark", "mud"])[:int(rng.integers(1, 4))]:
        n = D.smooth_noise(x.shape, rng, rng.uniform(0.8, 1.6))
        blobs = n > np.quantile(n, 1 - rng.uniform(0.03, 0.09))
        m = np.clip(ndimage.gaussian_filter(blobs.astype(np.float32), 0.4) * 1.2, 0, 1)
        if kind == "light":
            y = np.maximum(y, m * rng.uniform(0.6, 1.0))
        elif kind == "dark":
            y = y * (1 - m)
        else:
            y = y * (1 - m) + m * rng.uniform(0.2, 0.35)
    return y


def fog(x, rng):
    """Plasma-fractal fog of strength 0.4-2.5, the digit dimmed as much."""
    c = rng.uniform(0.4, 2.5)
    y = x + c * D.plasma(x.shape, rng)
    return y * x.max() / (x.max() + c)


def lighting(x, rng):
    """A linear gradient of 0.2-0.5 in a random direction added."""
    return x + D.gradient(x.shape, rng, rng.uniform(0.2, 0.5))


def vignette(x, rng):
    """A photo's vignette: the paper darkening round a centre off the middle, by
    0.6-1.4 at the farthest corner (clipped: the corners may reach the ink's
    level), here in MNIST's polarity (the background lifted towards the ink)."""
    return x + 1 - D.vignette(x.shape, rng, rng.uniform(0.6, 1.4))


def cell_lines(x, rng):
    """The frame cut from a grid's cell: a line 1-2 px wide along its four sides, at
    0.5-1 of the ink's level."""
    y, w = x.copy(), int(rng.integers(1, 3))
    level = rng.uniform(0.5, 1.0)
    y[:w] = y[-w:] = level
    y[:, :w] = y[:, -w:] = level
    return y


def brightness(x, rng):
    """0.1-0.5 added to every pixel (clipped)."""
    return x + rng.uniform(0.1, 0.5)


def faint(x, rng):
    """Ink peak 0.12-0.35."""
    return x * rng.uniform(0.12, 0.35)


def low_contrast(x, rng):
    """Gray background 0.1-0.9, ink 0.12-0.3 above it."""
    c = rng.uniform(0.12, 0.3)
    return rng.uniform(0.1, 0.9 - c) + c * x


def low_contrast_noise(x, rng):
    """Faint ink (0.12-0.3 above a gray background) under Gaussian noise of a sixth to
    0.4 of the ink's contrast: a dim photo or scan."""
    c = rng.uniform(0.12, 0.3)
    y = rng.uniform(0.1, 0.9 - c) + c * x
    return y + rng.normal(0, c / rng.uniform(2.5, 6), x.shape)


def translate(x, rng):
    """Shifted by whole pixels anywhere the digit fits, or up to 2 px beyond the edge."""
    rows, cols = np.nonzero(x > 0.05)
    out = 2 if rng.random() < 0.25 else 0
    dy = rng.integers(-rows.min() - out, 28 - rows.max() + out)
    dx = rng.integers(-cols.min() - out, 28 - cols.max() + out)
    return ndimage.shift(x, (dy, dx), order=0)


def rotate(x, rng):
    """Rotated 10-45 degrees either way."""
    return ndimage.rotate(x, rng.choice([-1, 1]) * rng.uniform(10, 45), reshape=False, order=1)


def shear(x, rng):
    """Horizontal shear, factor 0.25-0.6 either way."""
    s = rng.choice([-1, 1]) * rng.uniform(0.25, 0.6)
    return D.affine(x, np.array([[1, 0], [s, 1]]))


def scale(x, rng):
    """Scaled about the centre: 0.5-0.8x (60 %) or 1.15-1.35x."""
    f = rng.uniform(0.5, 0.8) if rng.random() < 0.6 else rng.uniform(1.15, 1.35)
    return D.affine(x, np.eye(2) / f)


def edges(x, rng):
    """Binary edge maps: Canny (sigma 0.8-1.3) at 28x28, or at 56x56 max-pooled back."""
    if rng.random() < 0.6:
        return D.canny(x, rng.uniform(0.8, 1.3)).astype(np.float32)
    edge = D.canny(D.resize(x, (56, 56)), rng.uniform(1.0, 1.6))
    return edge.reshape(28, 2, 28, 2).max(axis=(1, 3)).astype(np.float32)


def pen28(thin):
    """Re-drawn at 112 px with a 2-4 px (thin) or 14-22 px (thick) pen, averaged to 28."""
    def fn(x, rng):
        x112 = D.resize(x, (112, 112))
        pen = rng.uniform(2, 4) if thin else rng.uniform(14, 22)
        cov = D.repen(x112, 80, pen)
        cov = D.paste((112, 112), cov, (112 - cov.shape[0]) // 2, (112 - cov.shape[1]) // 2)
        return cov.reshape(28, 4, 28, 4).mean(axis=(1, 3))
    return fn


def pixelate(x, rng):
    """Box-averaged down to 10-16 px and back up to 28 (blocky, nearest)."""
    side = int(rng.integers(10, 17))
    small = D.resize(x, (side, side), Image.Resampling.BOX)
    return D.resize(small, (28, 28), Image.Resampling.NEAREST)
