"""Drawing helpers of the robustness suite (``robustness.py``): pure NumPy/SciPy/Pillow.

Every function takes float images in [0, 1] (light ink on dark, as MNIST, unless said
otherwise) and returns new arrays; randomness comes only from the ``rng`` argument
(a ``numpy.random.Generator``), so the suite is reproducible from its seed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage


def unit(d):
    """uint8 -> float32 in [0, 1]."""
    return np.asarray(d, np.float32) / 255


def u8(x):
    """float in [0, 1] -> uint8 (rounded, clipped)."""
    return np.clip(np.rint(np.asarray(x, np.float64) * 255), 0, 255).astype(np.uint8)


def resize(a, size, resample=Image.Resampling.BICUBIC):
    """Resize a float image to ``size = (height, width)`` (Pillow, mode F), clipped to [0, 1]."""
    h, w = size
    out = Image.fromarray(np.asarray(a, np.float32), "F").resize((int(w), int(h)), resample)
    return np.clip(np.asarray(out), 0, 1)


def crop_to_ink(x, level=0.05):
    """The bounding box of the pixels above ``level``."""
    rows, cols = np.nonzero(x > level)
    if rows.size == 0:
        return x
    return x[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def fit_long_side(x, long_side, resample=Image.Resampling.BICUBIC):
    """``x`` cropped to its ink and scaled so that its longer side is ``long_side`` px."""
    c = crop_to_ink(x)
    h, w = c.shape
    f = long_side / max(h, w)
    return resize(c, (max(1, round(h * f)), max(1, round(w * f))), resample)


def paste(canvas_shape, patch, top, left):
    """A zero canvas holding ``patch`` at ``(top, left)`` (clipped at the edges)."""
    out = np.zeros(canvas_shape, np.float32)
    h, w = patch.shape
    H, W = canvas_shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, H), min(left + w, W)
    if t1 > t0 and l1 > l0:
        out[t0:t1, l0:l1] = patch[t0 - top:t1 - top, l0 - left:l1 - left]
    return out


def anywhere(canvas_shape, patch, rng):
    """``(top, left)`` of ``patch`` placed at random wholly inside a canvas of
    ``canvas_shape`` (two draws from ``rng``, rows first)."""
    h, w = canvas_shape
    return rng.integers(0, h - patch.shape[0] + 1), rng.integers(0, w - patch.shape[1] + 1)


def fit_anywhere(x, canvas_shape, long_side, rng):
    """Coverage of the digit ``x`` scaled to ``long_side`` px (:func:`fit_long_side`) and
    pasted at random wholly inside a canvas of ``canvas_shape`` (:func:`anywhere`)."""
    d = fit_long_side(x, long_side)
    top, left = anywhere(canvas_shape, d, rng)
    return paste(canvas_shape, d, top, left)


def composite(coverage, paper, ink):
    """Ink over paper: ``paper * (1 - coverage) + ink * coverage``; colours broadcast on
    a last axis when ``paper``/``ink`` are RGB triples (then the result is H x W x 3)."""
    paper = np.asarray(paper, np.float32)
    ink = np.asarray(ink, np.float32)
    a = coverage[..., None] if paper.ndim or ink.ndim else coverage
    return paper * (1 - a) + ink * a


def disk(radius):
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return xx ** 2 + yy ** 2 <= radius ** 2 + 1e-9


def thin(mask):
    """Zhang-Suen thinning of a boolean mask to 1-pixel-wide, 8-connected strokes."""
    m = np.pad(mask.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            c = m[1:-1, 1:-1]
            p = [m[:-2, 1:-1], m[:-2, 2:], m[1:-1, 2:], m[2:, 2:],
                 m[2:, 1:-1], m[2:, :-2], m[1:-1, :-2], m[:-2, :-2]]  # P2..P9
            b = sum(q.astype(np.int16) for q in p)
            a = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.int16) for i in range(8))
            if step == 0:
                cond = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                cond = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            delete = (c == 1) & (b >= 2) & (b <= 6) & (a == 1) & cond
            if delete.any():
                c[delete] = 0
                changed = True
        if not changed:
            return m[1:-1, 1:-1].astype(bool)


def repen(x, long_side, pen, rng=None):
    """Re-draw the digit ``x`` with a round pen ``pen`` px wide, its longer side ``long_side``.

    The digit is upscaled (bicubic), binarised, thinned to its skeleton, and the skeleton
    dilated with a disk of diameter ``pen``; a light blur anti-aliases the edge.
    Returns a coverage map in [0, 1].
    """
    big = fit_long_side(x, long_side)
    skel = thin(big > 0.45)
    if pen <= 1:
        return skel.astype(np.float32)
    dist = ndimage.distance_transform_edt(~skel)
    return np.clip(pen / 2 + 0.5 - dist, 0, 1).astype(np.float32)


def draw_lines(shape, polylines, width, dots=None, scale=4):
    """Anti-aliased coverage of polylines (or of dots along them), drawn ``scale`` x larger.

    ``polylines``: lists of (x, y) points in pixel units; ``dots``: ``(step, radius)`` to
    draw dots every ``step`` px instead of a continuous line.
    """
    h, w = shape
    im = Image.new("L", (w * scale, h * scale), 0)
    d = ImageDraw.Draw(im)
    for pts in polylines:
        pts = [(px * scale, py * scale) for px, py in pts]
        if dots is None:
            d.line(pts, fill=255, width=max(1, round(width * scale)), joint="curve")
            continue
        step, radius = dots
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:]):
            length = np.hypot(x1 - x0, y1 - y0)
            for t in np.arange(0, length, step * scale) / max(length, 1e-9):
                cx, cy = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                r = radius * scale
                d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    small = im.resize((w, h), Image.Resampling.BOX)
    return np.asarray(small, np.float32) / 255


def plasma(shape, rng, octaves=5, roughness=0.6):
    """Smooth fractal noise in [0, 1] (a sum of upsampled random grids)."""
    h, w = shape
    out = np.zeros(shape, np.float32)
    for o in range(octaves):
        g = 2 ** (o + 1) + 1
        out += roughness ** o * resize(rng.random((g, g)), (h, w))
    out -= out.min()
    return out / max(out.max(), 1e-9)


def smooth_noise(shape, rng, sigma):
    """Gaussian-filtered white noise, scaled to zero mean and unit standard deviation."""
    n = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return ((n - n.mean()) / max(n.std(), 1e-9)).astype(np.float32)


def gradient(shape, rng, amplitude):
    """A linear ramp from 0 to ``amplitude`` in a random direction."""
    h, w = shape
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.cos(angle) * xx / max(w - 1, 1) + np.sin(angle) * yy / max(h - 1, 1)
    r = (r - r.min()) / max(r.max() - r.min(), 1e-9)
    return (amplitude * r).astype(np.float32)


def vignette(shape, rng, strength):
    """A radial darkening ``1 - strength * r**2`` around a random centre (1 at the centre)."""
    h, w = shape
    cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((yy - cy) / h) ** 2 + ((xx - cx) / w) ** 2
    return (1 - strength * r2 / r2.max()).astype(np.float32)


def jpeg(a, quality, as_pil=False):
    """``a`` (uint8 L or RGB) through a JPEG encoding at ``quality``; decoded array or
    the decoded ``JpegImageFile``."""
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    im = Image.open(buf)
    im.load()
    return im if as_pil else np.asarray(im)


def canny(x, sigma, low=0.1, high=0.2):
    """A boolean Canny edge map: Gaussian blur, Sobel gradient, non-maximum suppression
    along the gradient direction, hysteresis between ``low`` and ``high`` (fractions of
    the largest gradient)."""
    g = ndimage.gaussian_filter(np.asarray(x, np.float64), sigma)
    gy, gx = ndimage.sobel(g, 0), ndimage.sobel(g, 1)
    mag = np.hypot(gx, gy)
    if mag.max() <= 0:
        return np.zeros(x.shape, bool)
    angle = (np.rad2deg(np.arctan2(gy, gx)) + 180) % 180
    sector = (((angle + 22.5) // 45) % 4).astype(int)  # 0: -, 1: /, 2: |, 3: \
    p = np.pad(mag, 1)
    h, w = mag.shape
    keep = np.zeros(mag.shape, bool)
    for k, (dy, dx) in enumerate([(0, 1), (1, 1), (1, 0), (1, -1)]):
        a = p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
        b = p[1 - dy:1 - dy + h, 1 - dx:1 - dx + w]
        keep |= (sector == k) & (mag >= a) & (mag >= b)
    nms = np.where(keep, mag, 0) / mag.max()
    weak = nms > low
    labels, n = ndimage.label(weak, np.ones((3, 3)))
    strong = np.unique(labels[nms > high])
    return np.isin(labels, strong[strong > 0])


def affine(x, matrix, order=1):
    """``x`` through the 2x2 ``matrix`` about the image centre (output -> input mapping)."""
    c = (np.array(x.shape) - 1) / 2
    offset = c - matrix @ c
    return np.clip(ndimage.affine_transform(x, matrix, offset=offset, order=order), 0, 1)


def _gray(image):
    """Gray float image in [0, 1]; the alpha channel instead when the background is
    transparent (then it already is light ink on dark)."""
    if isinstance(image, Image.Image):
        if "A" in image.getbands():
            a = np.asarray(image.getchannel("A"), np.float32) / 255
            if a.min() < 0.5:
                return a
        return np.asarray(image.convert("L"), np.float32) / 255
    a = np.asarray(image)
    a = a / 255.0 if a.dtype == np.uint8 else a.astype(np.float64)
    if a.ndim == 3 and a.shape[2] == 4 and a[..., 3].min() < 0.5:
        return a[..., 3]
    if a.ndim == 3:
        return a[..., :3] @ np.array([0.299, 0.587, 0.114])
    return a


def plain_normalise(image):
    """A plain 28x28 normalisation, the yardstick of issue 15 (not the library's).

    Gray (alpha if the background is transparent); the background level is the median
    of the border and the ink is what departs from it on the side of the image mean;
    background subtracted and the peak set to 1; crop to the pixels above 0.2; long side
    scaled to 20 px; centre of mass moved to the centre of a 28x28 frame.
    """
    g = _gray(image)
    bg = np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]))
    ink = np.clip(g - bg if g.mean() >= bg else bg - g, 0, None)
    out = np.zeros((28, 28), np.float32)
    if ink.max() <= 1e-6:
        return out
    ink = ink / ink.max()
    rows, cols = np.nonzero(ink > 0.2)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    f = 20 / max(h, w)
    small = resize(crop, (max(1, round(h * f)), max(1, round(w * f))),
                     Image.Resampling.BOX if f < 1 else Image.Resampling.BICUBIC)
    frame = paste((28, 28), small, (28 - small.shape[0]) // 2, (28 - small.shape[1]) // 2)
    cy, cx = ndimage.center_of_mass(frame)
    if np.isfinite(cy):
        frame = ndimage.shift(frame, (round(13.5 - cy), round(13.5 - cx)), order=0)
    return frame
