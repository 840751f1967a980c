"""Lighting and background: the smooth background of a gray image.

* :func:`background` -- the paper's lighting, a quadratic surface fitted
  robustly to the background (ink of either polarity is clipped out), or a
  constant when that explains the background as well;
* :func:`stroke_scale_background` -- the background at a few strokes' width,
  which follows steps in the lighting (a shadow's edge) that the smooth surface
  cannot;
* :func:`light_exponent`, :func:`light_factor` -- how dark ink's contrast
  follows that background's light (a shadow multiplies it, a glare adds to it),
  and the factor that evens it out;
* :func:`lit_page` -- whether the paper around the ink is lit (dark ink's ground);
* :func:`frame_lighting` -- the light and shade over a frame of the output size
  (fog, a vignette), at a stroke's scale: what the light path takes out.

A light sheet photographed on a darker table is :mod:`._sheet`'s.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._levels import borders
from skdigits.preprocessing._stats import median, noise_level

# A page lit: the median level of the image's paper (all but the ink) is at least
# LIT_PAGE. Light strokes are drawn on darker grounds (a canvas, a blackboard), and
# dark ink on lit paper: on a darker ground there is no paper for dark ink, and the
# ground between light strokes is no dark stroke. (Of the suite's photographed pages
# under light and shade whose light ink is checked at a stroke's scale, the paper's
# median is 0.36 at the least, seeds 0 and 4.)
LIT_PAGE = 0.3


def lit_page(image, y):
    """Whether the paper of ``image`` -- all but the ink that ``y`` marks -- is lit
    (see LIT_PAGE)."""
    return float(median(image[y == 0])) >= LIT_PAGE


def _quadratic_terms(rows, cols, h, w):
    """Terms 1, u, v, u², uv, v² of a quadratic surface, stacked on the last axis.

    ``u`` and ``v`` are the pixel centres ``(rows, cols)`` of an ``h`` x ``w``
    image scaled to [-1, 1], computed in the dtype of ``rows`` and ``cols``.
    """
    u = (cols + 0.5) / w * 2 - 1
    v = (rows + 0.5) / h * 2 - 1
    return np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=-1)


@functools.lru_cache(maxsize=16)
def _design_matrix(ch, cw):
    """Least-squares design matrix of the background surface on a ``ch`` x ``cw`` grid.

    Quadratic; linear or constant on grids too small for it. Read-only and
    cached: images of one source share their coarse grid size, and building it
    cost as much as the fit.
    """
    v, u = np.mgrid[0:ch, 0:cw].astype(np.float64)
    n_terms = 6 if min(ch, cw) >= 8 else 3 if min(ch, cw) >= 3 else 1
    A = np.ascontiguousarray(_quadratic_terms(v, u, ch, cw).reshape(ch * cw, 6)[:, :n_terms])
    A.flags.writeable = False
    return A


def _terms(h, w):
    """The surface's terms at every pixel of an ``h`` x ``w`` image, (6, h, w) float32."""
    vv, uu = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.moveaxis(_quadratic_terms(vv, uu, h, w), -1, 0)


# Images of at most this many pixels (MNIST's frames, many of them in a batch) have
# their surface's terms cached.
_CACHED_PIXELS = 64 * 64


@functools.lru_cache(maxsize=4)
def _full_terms(h, w):
    """:func:`_terms`, read-only and cached (for small frames: see _CACHED_PIXELS)."""
    full = np.ascontiguousarray(_terms(h, w))
    full.flags.writeable = False
    return full


def _border_band(ch, cw):
    """The band along the border of a ``ch`` x ``cw`` grid that the background's fit
    starts from: a tenth of each side deep (a pixel at least)."""
    band = np.zeros((ch, cw), dtype=bool)
    bh, bw = max(1, ch // 10), max(1, cw // 10)
    band[:bh] = band[-bh:] = True
    band[:, :bw] = band[:, -bw:] = True
    return band


@functools.lru_cache(maxsize=4)
def _band_fit(h, w):
    """``(band, fit)``: the border band of an ``h`` x ``w`` image, and the matrix taking
    its pixels to the least-squares surface's terms (read-only, cached)."""
    band = _border_band(h, w).ravel()
    fit = np.linalg.pinv(_design_matrix(h, w)[band])
    fit.flags.writeable = False
    return band, fit


def band_fit_span(images):
    """How far the lighting of each of the (n, h, w) ``images`` (small frames:
    MNIST's) may span, for many at once: the span (max - min) over the image of the
    surface of :func:`background`'s kind fitted by plain least squares to their
    border band, where its robust fit starts from.

    A cheap look before the robust fit: a lighting that spans the frame shows in the
    band; noise and ink touching the border pull the plain fit little.
    """
    n, h, w = images.shape
    band, fit = _band_fit(h, w)
    # (einsum, not matmul: BLAS would spread these small products over threads
    # that spin on after them, costing more CPU time than the products themselves)
    terms = np.einsum("nb,tb->nt", images.reshape(n, h * w)[:, band].astype(np.float64), fit)
    surface = np.einsum("nt,pt->np", terms, _design_matrix(h, w))
    return surface.max(axis=1) - surface.min(axis=1)


def _is_clean_canvas(z, edge):
    """True if the border band is one exact value covering most of the image.

    That is a drawing app's canvas. The sigma-clipped fit would start from that
    constant, keep it and return it, after a dozen medians and solves that cost
    more than the rest of the analysis of a small image.
    """
    v = edge[0]
    return bool((edge == v).all()) and 2 * np.count_nonzero(z == v) > z.size


def background(img):
    """Smooth background of a gray image, by a robust 2-D polynomial fit.

    The image is reduced to at most ~48 blocks a side (block *median*, so thin
    strokes vanish), then a quadratic surface is fitted by least squares with
    iterative sigma clipping on both sides (the ink, dark or light, is a
    minority and gets clipped). This removes lighting gradients and vignetting
    of photos and is exactly constant on clean canvases.
    """
    h, w = img.shape
    b = max(1, int(np.ceil(max(h, w) / 48)))
    if b > 1:
        H, W = h // b * b, w // b * b
        if H == 0 or W == 0:
            b = 1
        else:
            blocks = img[:H, :W].reshape(H // b, b, W // b, b).transpose(0, 2, 1, 3)
            coarse = median(blocks.reshape(H // b, W // b, b * b), axis=-1)
    if b == 1:
        coarse = img
    ch, cw = coarse.shape
    A = _design_matrix(ch, cw)
    # Start from a band along the border (background in nearly every digit
    # image), then let the clipping take in every pixel that fits.
    band = _border_band(ch, cw)
    z = coarse.ravel().astype(np.float64)
    edge = z[band.ravel()]
    if _is_clean_canvas(z, edge):
        return np.full_like(img, edge[0])
    centre = median(edge)
    spread = max(2.5 * 1.4826 * median(np.abs(edge - centre)), 0.05)
    # (ink touching the border is left out of the start)
    mask = band.ravel() & (np.abs(z - centre) <= spread)
    coef = None
    for _ in range(8):
        if mask.sum() < A.shape[1] * 3:
            break
        Am = A[mask]
        gram = Am.T @ Am + 1e-9 * np.eye(A.shape[1])
        coef = np.linalg.solve(gram, Am.T @ z[mask])
        res = z - A @ coef
        r = res[mask]
        centre = median(r)
        sigma = max(1.4826 * median(np.abs(r - centre)), 0.01)
        new = np.abs(res - centre) < 2.5 * sigma
        if np.array_equal(new, mask):
            break
        mask = new
    flat = float(median(z[mask])) if mask.any() else float(median(z))
    if coef is None:
        return np.full_like(img, flat)
    # Keep the surface only if it explains the background clearly better than
    # a constant does (clean canvases: exactly constant).
    res = z[mask] - A[mask] @ coef
    mad_fit = median(np.abs(res - median(res)))
    mad_flat = median(np.abs(z[mask] - flat))
    if not mad_fit < 0.8 * mad_flat:
        return np.full_like(img, flat)
    # Evaluate the surface at full resolution (small frames' terms are cached).
    full = (_full_terms(h, w) if h * w <= _CACHED_PIXELS else _terms(h, w))[: len(coef)]
    return sum(float(c) * t for c, t in zip(coef, full)).astype(np.float32)


# The stroke scale: a quarter of the image's short side, or three strokes if wider.
_STROKE_SIDE = 0.25
_STROKES = 3


def stroke_scale_size(shape, stroke=0.0):
    """Side (odd, pixels) of a square wider than any stroke of an image of ``shape``:
    a quarter of its short side, or three times ``stroke`` (a stroke width) if wider."""
    return max(5, int(_STROKE_SIDE * min(shape)), round(_STROKES * stroke)) | 1


def stroke_scale_background(img, dark_ink, stroke=0.0):
    """The background of a gray image at a few strokes' width.

    ``img`` closed (``dark_ink``) or opened with a square of
    :func:`stroke_scale_size`. Strokes narrower than that go; steps in the
    lighting stay (closing and opening keep a monotone edge as it is).
    """
    size = stroke_scale_size(img.shape, stroke)
    morph = ndimage.grey_closing if dark_ink else ndimage.grey_opening
    # Padded first (the edge continued outwards): a step running out through the
    # border stays a step (padding each of the two passes leaves a wedge there).
    padded = np.pad(img, size, mode="edge")
    return morph(padded, size=(size, size))[size:-size, size:-size]


# Light and shade over a frame of the output size (MNIST-C's fog, a vignette, a
# gradient) is its background at a stroke's scale: the frame opened with a square of
# _FRAME_OPEN px (the edge continued outwards), wider than MNIST's strokes (2-5 px).
# Taken out, the fog between the strokes goes and the strokes stay (a smooth surface
# cannot follow fog). Only where that background varies along the frame's border:
# over its paper -- under half the ink's level and _FRAME_CLEAR px or more from solid
# ink (a bold stroke running along the edge survives the opening) -- its spread (5th
# to 95th percentile) exceeds _FRAME_SPREAD of the ink's contrast and _FRAME_NOISE
# times the border's noise (the median step between neighbouring pixels: noise
# opened is its local minimum, no lighting), and less than _FRAME_FLAT of the border
# lies at the background's level exactly (within 1/255: a digit scaled up to fill a
# clean frame), on _FRAME_PAPER pixels of paper at least. Suite, 500 digits, seeds
# 0 / 2, classic CNN (shipped model): fog 93.6 -> 96.4 / 92.0 -> 94.0 % (89.6 -> 97.0
# / 89.2 -> 96.2), vignette 98.0 -> 98.2 / 98.4 -> 97.8 (97.2 -> 99.4 / 97.2 ->
# 99.2), a linear gradient 98.6 -> 98.4 / 98.0 -> 97.8 (99.4 -> 99.6 / 99.6 -> 99.6),
# rough paper 98.0 -> 98.0 / 98.0 -> 97.8 (98.4 -> 97.4 / 98.4 -> 99.2); noise, blur,
# lines, bands, spatter and clean frames as before.
_FRAME_OPEN = 9
_FRAME_CLEAR = 3
_FRAME_SPREAD = 0.15
_FRAME_NOISE = 4
_FRAME_FLAT = 0.5
_FRAME_PAPER = 8
_CROSS = ndimage.generate_binary_structure(2, 1)[None]


def frame_lighting(x, bg, top, among):
    """``(lit, lighting)``: which (n, s, s) frames ``among`` (indices; ink high,
    background level ``bg`` and ink level ``top`` per frame) are lit unevenly at
    a stroke's scale or above, and their lighting (see _FRAME_OPEN).
    """
    none = among[:0], np.empty((0,) + x.shape[1:], dtype=x.dtype)
    if among.size == 0:
        return none
    border = borders(x)[among]
    lo, contrast = bg[among, None], (top - bg)[among, None]
    level = np.count_nonzero(np.abs(border - lo) <= 1 / 255, axis=1)
    uneven = level < _FRAME_FLAT * border.shape[1]
    idx = among[uneven]
    if idx.size == 0:
        return none
    border, lo, contrast = border[uneven], lo[uneven], contrast[uneven]
    k = _FRAME_OPEN
    xs = x[idx]
    lighting = ndimage.grey_opening(np.pad(xs, ((0, 0), (k, k), (k, k)), mode="edge"),
                                    size=(1, k, k))[:, k:-k, k:-k]
    near = ndimage.binary_dilation(xs > lo[:, :, None] + contrast[:, :, None] / 2, _CROSS,
                                   iterations=_FRAME_CLEAR)
    paper = (border < lo + contrast / 2) & ~borders(near)
    opened = borders(lighting)
    lit = np.zeros(idx.size, dtype=bool)
    for j in range(idx.size):
        if np.count_nonzero(paper[j]) >= _FRAME_PAPER:
            spread = np.subtract(*np.percentile(opened[j][paper[j]], [95, 5]))
            noise = float(median(np.abs(np.diff(border[j]))))
            lit[j] = spread > max(_FRAME_SPREAD * contrast[j, 0], _FRAME_NOISE * noise)
    return idx[lit], lighting[lit]


# How a stroke's contrast follows its paper's light is measured on the strokes'
# ridges standing _RIDGE spreads clear of the paper (at least _MIN_RIDGES in the
# brightest and in the dimmest quarter of them), where the two quarters' light
# differs by a factor of e ** _LIGHT_STEP at least; the exponent is kept within
# [-1, 1].
_RIDGE = 6
_MIN_RIDGES = 5
_LIGHT_STEP = 0.1


def light_exponent(img, bg):
    """The exponent ``a`` of ``contrast ~ bg ** a`` of dark ink on ``img`` (see
    :func:`light_factor`); 1 (the contrast in proportion to the light) where the
    light does not vary enough under the ink to tell."""
    d = bg - img
    sigma = noise_level(d, median(d))
    # Ridges: the contrast's maximum across a stroke, one way or the other.
    ridge = d >= np.minimum(ndimage.grey_dilation(d, size=(1, 3)),
                            ndimage.grey_dilation(d, size=(3, 1)))
    ridge &= d > max(_RIDGE * sigma, 0.02)
    if np.count_nonzero(ridge) < 2 * _MIN_RIDGES:
        return 1.0
    light = np.log(np.maximum(bg[ridge], 0.05))
    contrast = np.log(d[ridge])
    lo, hi = np.percentile(light, [25, 75])
    bright, dim = light >= hi, light <= lo
    if min(np.count_nonzero(bright), np.count_nonzero(dim)) < _MIN_RIDGES:
        return 1.0
    step = float(np.median(light[bright]) - np.median(light[dim]))
    if step < _LIGHT_STEP:
        return 1.0
    a = float(np.median(contrast[bright]) - np.median(contrast[dim])) / step
    return float(np.clip(a, -1.0, 1.0))


def light_factor(img, bg, a=None):
    """Per-pixel factor bringing dark ink's contrast ``bg - img`` to the typical light.

    ``bg`` is the paper's level under the ink (:func:`stroke_scale_background`).
    How the light changed shows in how the strokes' contrast follows it: a
    shadow *multiplies* the light, and ink in it is as much darker relatively
    (the contrast in proportion to ``bg``); a lamp's glare *adds* light, leaving
    the contrast as it was -- or, clipped at white, fading it the more the
    brighter. The exponent ``a`` of ``contrast ~ bg ** a`` is measured on the
    strokes' ridges (the median contrast of the brightest quarter of them against
    the dimmest's) and divided out: the factor is ``(median(bg) / bg) ** a``.
    ``a``: that exponent if already measured on ``img`` and ``bg``.
    """
    typical = float(median(bg))
    if typical < 0.05:
        a = 1.0  # (no paper light enough to hold dark ink: the plain ratio, near 0)
    elif a is None:
        a = light_exponent(img, bg)
    return (typical / np.maximum(bg, 0.05)) ** a
