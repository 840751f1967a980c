"""MNIST-C's corruptions at the severities its dataset uses, re-implemented.

MNIST-C (Mu and Gilmer, 2019, https://github.com/google-research/mnist-c) is the
public benchmark closest to what issue 15 is judged on: MNIST test digits under 15
corruptions, each at one fixed severity. This module re-implements them from the
published parameters with NumPy and SciPy (no ImageMagick, OpenCV or scikit-image):
the 15 standard kinds and MNIST-C's straight ``line`` (of its extended set). Where the
original leans on a library this one does not use (the motion blur's kernel, the
Canny edge thresholds), the result is close, not identical.

Each function maps a float digit ``x`` (28x28, MNIST polarity, in [0, 1]) and a
``numpy.random.Generator`` to the corrupted image in [0, 1]. :func:`render` applies a
kind to a stack of uint8 digits and returns uint8 frames, as MNIST-C stores them.
``robustness.py`` holds the suite's own, wider-ranging generators.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

import _draw as D

_CENTRE = 13.5  # MNIST-C's affine corruptions keep this point fixed


def _warp(x, matrix):
    """``x`` under the output -> input map ``p -> matrix @ p`` (``p`` as (column, row))
    about the frame's centre, bilinear, black outside."""
    m = np.asarray(matrix, float)
    c = np.array([_CENTRE, _CENTRE])
    offset = c - m @ c
    return ndimage.affine_transform(x, m[::-1, ::-1], offset=offset[::-1], order=1,
                                    mode="constant", cval=0.0)


def _line(c0, r0, c1, r1):
    """MNIST-C's line from (c0, r0) to (c1, r1): intensity ``1 + log(1 - d / 2.3)`` at a
    vertical distance ``d`` from it, nothing outside its columns."""
    out = np.zeros((28, 28))
    if c1 == c0:
        return out
    cols, rows = np.meshgrid(np.arange(28.0), np.arange(28.0))
    d = np.minimum(np.abs(rows - (r0 + (r1 - r0) / (c1 - c0) * (cols - c0))), 2.3 - 1e-9)
    out = np.clip(1 + np.log(1 - d / 2.3), 0, 1)
    out[:, :int(np.floor(c0))] = 0
    out[:, int(np.ceil(c1)):] = 0
    return out


def shot_noise(x, rng):
    """Poisson noise, 3 photons at full scale (severity 5)."""
    return np.clip(rng.poisson(x * 3) / 3.0, 0, 1)


def impulse_noise(x, rng):
    """Salt and pepper on 17 % of the pixels, half each (severity 4)."""
    y = x.copy()
    hit = rng.random(x.shape) < 0.17
    y[hit] = (rng.random(int(hit.sum())) < 0.5).astype(float)
    return y


def glass_blur(x, rng):
    """Blur (sigma 0.7), two sweeps of swaps with a neighbour up and/or left, blur
    (severity 1)."""
    y = np.round(np.clip(ndimage.gaussian_filter(x, 0.7, mode="nearest"), 0, 1) * 255)
    for _ in range(2):
        for h in range(27, 1, -1):
            for w in range(27, 1, -1):
                if rng.random() < 0.5:
                    dx, dy = rng.integers(-1, 1, 2)
                    y[h, w], y[h + dy, w + dx] = y[h + dy, w + dx], y[h, w]
    return np.clip(ndimage.gaussian_filter(y / 255, 0.7, mode="nearest"), 0, 1)


def motion_blur(x, rng):
    """A one-sided Gaussian motion (radius 10, sigma 3) at -45 to 45 degrees
    (severity 1)."""
    angle = np.deg2rad(rng.uniform(-45, 45))
    k = np.zeros((21, 21))
    for t in np.linspace(0, 10, 41):
        r, c = 10 - t * np.sin(angle), 10 + t * np.cos(angle)
        r0, c0 = int(np.floor(r)), int(np.floor(c))
        fr, fc = r - r0, c - c0
        w = np.exp(-t * t / 18)
        for dr, dc, share in ((0, 0, (1 - fr) * (1 - fc)), (1, 0, fr * (1 - fc)),
                              (0, 1, (1 - fr) * fc), (1, 1, fr * fc)):
            if 0 <= r0 + dr < 21 and 0 <= c0 + dc < 21:
                k[r0 + dr, c0 + dc] += w * share
    return np.clip(ndimage.convolve(x, k / k.sum(), mode="nearest"), 0, 1)


def shear(x, rng):
    """Sheared by 0.4 either way (severity 2)."""
    s = 0.4 * rng.choice([-1, 1])
    return _warp(x, [[1, -np.sin(s)], [0, np.cos(s)]])


def scale(x, rng):
    """Shrunk to 0.7 about the centre (severity 3)."""
    return _warp(x, np.eye(2) / 0.7)


def rotate(x, rng):
    """Rotated 0.4 rad (23 degrees) either way (severity 2)."""
    r = 0.4 * rng.choice([-1, 1])
    return _warp(x, [[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])


def brightness(x, rng):
    """Brighter by 0.5 (severity 5)."""
    return np.clip(x + 0.5, 0, 1)


def translate(x, rng):
    """Shifted 3 px each way, in one of the four diagonal directions (severity 3)."""
    dx, dy = 3 * rng.choice([-1, 1], 2)
    return ndimage.shift(x, (-dy, -dx), order=1, mode="constant")


def stripe(x, rng):
    """Columns 0-6 and 21-27 inverted."""
    y = x.copy()
    y[:, :7] = 1 - y[:, :7]
    y[:, 21:] = 1 - y[:, 21:]
    return y


def _heightmap(rng, size=256, decay=1.4):
    """A diamond-square plasma on ``size`` x ``size``, in [0, 1] (the jitter's amplitude
    divided by ``decay`` per halving of the step)."""
    m = np.zeros((size, size))
    step, amp = size, 100.0

    def jittered(a):
        return a / 4 + amp * rng.uniform(-amp, amp, a.shape)

    while step >= 2:
        h = step // 2
        corners = m[0::step, 0::step]
        s = corners + np.roll(corners, -1, 0)
        m[h::step, h::step] = jittered(s + np.roll(s, -1, 1))
        d, u = m[h::step, h::step], m[0::step, 0::step]
        m[0::step, h::step] = jittered(d + np.roll(d, 1, 0) + u + np.roll(u, -1, 1))
        m[h::step, 0::step] = jittered(d + np.roll(d, 1, 1) + u + np.roll(u, -1, 0))
        step //= 2
        amp /= decay
    m -= m.min()
    return m / m.max()


def fog(x, rng):
    """Plasma fog of strength 3 (its top-left 28x28), the digit dimmed as much
    (severity 5)."""
    top = x.max()
    return np.clip((x + 3.0 * _heightmap(rng)[:28, :28]) * top / (top + 3.0), 0, 1)


def spatter(x, rng):
    """Gray mud (63/255) over blobs of smoothed noise (severity 4)."""
    liquid = ndimage.gaussian_filter(rng.normal(0.65, 0.3, x.shape), 1, mode="nearest")
    liquid[liquid < 0.65] = 0
    m = ndimage.gaussian_filter((liquid > 0.65).astype(float), 1.5, mode="nearest")
    m[m < 0.8] = 0
    return np.clip(x * (1 - m) + 63 / 255 * m, 0, 1)


def dotted_line(x, rng):
    """A line from the left edge to the right at any heights, 2 px on, 2 px off."""
    r0, r1 = rng.integers(0, 27, 2)
    v = _line(0, r0, 27, r1)
    for k in range(0, 28, 4):
        v[:, k:k + 2] = 0
    return np.clip(x + v, 0, 1)


def zigzag(x, rng):
    """A zigzag from column 2 to 25 (a vertex every 4 px, 2 px off its course),
    rising or falling up to 5 px."""
    c0, c1 = 2, 25
    r0 = rng.integers(0, 27)
    r1 = r0 + rng.integers(-5, 5)
    theta = np.arctan((r1 - r0) / (c1 - c0))
    length = (c1 - c0) / np.cos(theta)
    pts, sign, t = [(0.0, 0.0)], 1, 2.0
    while t < length:
        pts.append((t, 2.0 * sign))
        sign, t = -sign, t + 4.0
    pts.append((length, 0.0))
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    pts = [rot @ np.array(p) + np.array([c0, r0]) for p in pts]
    for (a, b), (c, d) in zip(pts[:-1], pts[1:]):
        if c < a:
            a, b, c, d = c, d, a, b
        x = np.clip(x + _line(a, b, c, d), 0, 1)
    return x


def canny_edges(x, rng):
    """Canny edges (sigma 1) as a binary image."""
    return D.canny(x, 1.0).astype(float)


def line(x, rng):
    """A straight line from column 0-4 to column 22-26, its ends at any heights
    (MNIST-C's extended set)."""
    c0, c1 = rng.integers(0, 5), rng.integers(22, 27)
    r0, r1 = rng.integers(0, 27, 2)
    return np.clip(x + _line(c0, r0, c1, r1), 0, 1)


STANDARD = {f.__name__: f for f in (
    shot_noise, impulse_noise, glass_blur, motion_blur, shear, scale, rotate, brightness,
    translate, stripe, fog, spatter, dotted_line, zigzag, canny_edges)}
KINDS = {**STANDARD, "line": line}


def render(kind, digits, seed):
    """MNIST-C's ``kind`` over ``digits`` (uint8, ``(n, 28, 28)``): uint8 frames, one random
    stream per kind and seed."""
    rng = np.random.default_rng(seed)
    fn = KINDS[kind]
    return np.stack([np.round(fn(np.asarray(x, float) / 255, rng) * 255).astype(np.uint8)
                     for x in digits])
