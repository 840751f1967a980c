"""The 28x28 corruptions of the robustness suite (``robustness.py``), MNIST polarity.

Each function maps a float digit ``x`` (28x28, light ink on dark, in [0, 1]) and a
``numpy.random.Generator`` to a corrupted float image (clipped to [0, 1] by the caller).
Pure NumPy/SciPy/Pillow; the severities are drawn per image from the ranges in each
docstring, chosen to resemble MNIST-C and the images people really have.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

import _draw as D

def gaussian_noise(x, rng):
    return x + rng.normal(0, rng.uniform(0.1, 0.3), x.shape)


def shot_noise(x, rng):
    photons = rng.uniform(4, 25)
    return rng.poisson((0.05 + 0.9 * x) * photons) / photons


def impulse_noise(x, rng):
    amount = rng.uniform(0.03, 0.15)
    u = rng.random(x.shape)
    return np.where(u < amount / 2, 0.0, np.where(u < amount, 1.0, x))


def motion_blur(x, rng):
    length = rng.integers(5, 10)
    k = D.draw_lines((length, length), [[(0, length / 2), (length, length / 2)]], 1)
    k = ndimage.rotate(k, rng.uniform(0, 180), reshape=False, order=1)
    return ndimage.convolve(x, k / k.sum(), mode="constant")


def glass_blur(x, rng):
    delta = 1
    y = ndimage.gaussian_filter(x, rng.uniform(0.6, 0.9))
    for _ in range(int(rng.integers(1, 3))):
        ii, jj = np.indices(x.shape)
        ii = np.clip(ii + rng.integers(-delta, delta + 1, x.shape), 0, 27)
        jj = np.clip(jj + rng.integers(-delta, delta + 1, x.shape), 0, 27)
        y = y[ii, jj]
    return ndimage.gaussian_filter(y, 0.7)


def jpeg(x, rng):
    return D.jpeg(D.u8(x), rng.integers(5, 25)) / 255


def stripes(x, rng):
    y = x.copy()
    sides = [(0, 6), (22, 28)] if rng.random() < 0.7 else [[(0, 6), (22, 28)][rng.integers(2)]]
    for lo, hi in sides:
        for col in rng.choice(np.arange(lo, hi), rng.integers(1, 4), replace=False):
            width = int(rng.integers(1, 3))
            top, bottom = (0, 28) if rng.random() < 0.7 else sorted(rng.integers(0, 29, 2))
            y[top:bottom, col:col + width] = np.maximum(y[top:bottom, col:col + width],
                                                        rng.uniform(0.5, 1.0))
    return y


def crossing(rng, kind):
    """Points of a line crossing the frame near its centre."""
    angle = rng.uniform(-np.pi / 3, np.pi / 3) + (np.pi / 2 if rng.random() < 0.3 else 0)
    cx, cy = 14 + rng.normal(0, 3, 2)
    dx, dy = np.cos(angle), np.sin(angle)
    if kind != "zigzag":
        return [(cx - 22 * dx, cy - 22 * dy), (cx + 22 * dx, cy + 22 * dy)]
    k, amp = int(rng.integers(5, 10)), rng.uniform(1.5, 4)
    t = np.linspace(-22, 22, k)
    sign = np.where(np.arange(k) % 2, 1, -1)
    return list(zip(cx + t * dx - sign * amp * dy, cy + t * dy + sign * amp * dx))


def line(kind):
    def fn(x, rng):
        pts = crossing(rng, kind)
        if kind == "dotted":
            cov = D.draw_lines(x.shape, [pts], 1, dots=(rng.uniform(2, 3.5), rng.uniform(0.5, 0.9)))
        else:
            cov = D.draw_lines(x.shape, [pts], rng.uniform(1, 2.2))
        return np.maximum(x, rng.uniform(0.6, 1.0) * cov)
    return fn


def spatter(x, rng):
    y = x.copy()
    for sign in (1, -1):
        n = D.smooth_noise(x.shape, rng, rng.uniform(0.8, 1.6))
        blobs = n > np.quantile(n, 1 - rng.uniform(0.03, 0.09))
        blob = ndimage.gaussian_filter(blobs.astype(np.float32), 0.4) * rng.uniform(0.6, 1.0)
        y = np.maximum(y, blob) if sign > 0 else y * (1 - np.clip(blob, 0, 1))
    return y


def fog(x, rng):
    c = rng.uniform(0.3, 0.7)
    y = x + c * D.plasma(x.shape, rng)
    return y * x.max() / (x.max() + c)


def lighting(x, rng):
    return x + D.gradient(x.shape, rng, rng.uniform(0.2, 0.5))


def brightness(x, rng):
    return x + rng.uniform(0.2, 0.45)


def faint(x, rng):
    return x * rng.uniform(0.15, 0.35)


def low_contrast(x, rng):
    c = rng.uniform(0.12, 0.3)
    return rng.uniform(0.1, 0.9 - c) + c * x


def translate(x, rng):
    rows, cols = np.nonzero(x > 0.05)
    dy = rng.integers(-rows.min(), 28 - rows.max())
    dx = rng.integers(-cols.min(), 28 - cols.max())
    return ndimage.shift(x, (dy, dx), order=0)


def rotate(x, rng):
    return ndimage.rotate(x, rng.choice([-1, 1]) * rng.uniform(20, 50), reshape=False, order=1)


def shear(x, rng):
    s = rng.choice([-1, 1]) * rng.uniform(0.25, 0.6)
    return D.affine(x, np.array([[1, 0], [s, 1]]))


def scale(x, rng):
    f = rng.uniform(0.5, 0.8) if rng.random() < 0.6 else rng.uniform(1.15, 1.35)
    return D.affine(x, np.eye(2) / f)


def edges(x, rng):
    """Canny-like outlines: the boundary of the binarised digit at 2x, max-pooled back."""
    big = D.resize(x, (56, 56)) > rng.uniform(0.35, 0.6)
    edge = big & ~ndimage.binary_erosion(big)
    return edge.reshape(28, 2, 28, 2).max(axis=(1, 3)).astype(np.float32)


def pen28(thin):
    def fn(x, rng):
        x112 = D.resize(x, (112, 112))
        pen = rng.uniform(2, 4) if thin else rng.uniform(14, 22)
        cov = D.repen(x112, 80, pen)
        cov = D.paste((112, 112), cov, (112 - cov.shape[0]) // 2, (112 - cov.shape[1]) // 2)
        return cov.reshape(28, 4, 28, 4).mean(axis=(1, 3))
    return fn
