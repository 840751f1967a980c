"""Turn raw drawn or photographed digits into MNIST-like 28x28 images.

MNIST digits are white on black, anti-aliased, scaled so that their longer
side is 20 pixels (aspect ratio kept), and placed in a 28x28 frame with their
centre of mass at the centre. A CNN trained on MNIST only recognises images
prepared the same way; :class:`DigitImagePreprocessor` does that for files,
PIL images and arrays of any size, colour mode and polarity.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.spatial import ConvexHull
from sklearn.base import BaseEstimator, TransformerMixin

from skdigits import _images, _parallel
from skdigits.exceptions import BlankImageError

__all__ = ["DigitImagePreprocessor"]

# Long side (pixels) to which large inputs are block-averaged before analysis.
# The digit ends up 20 px tall and the stroke step upsamples small digits to
# 80 px anyway, so more detail only costs time: every step scales with the pixel
# count (a 400 px canvas took 4x longer at 640, with no accuracy gain on drawn
# digits). The averaging happens on the raw gray levels, before the ink is
# normalised, so thin lines get fainter but are rescaled to full strength with
# the ink -- as long as they keep enough contrast: _images.reduction_factor
# limits the reduction to 5x, so larger images are analysed above this size.
_WORK_SIZE = 128
# Stroke width is measured and corrected on the cropped digit, upsampled when
# needed so that its long side is at least _UPSCALE x digit_box pixels (never
# downsampled there: thin lines would fade below the binarisation level).
_UPSCALE = 4
# Stroke width of MNIST digits relative to their long side, measured by
# _stroke_width on the MNIST training set passed through this pipeline
# (20 px digits upsampled to 80 px): 25th, 50th and 95th percentiles.
_MNIST_STROKE = (7 / 80, 9 / 80, 15 / 80)
# A digit's longest side must cover at least this fraction of the canvas'
# longest side (and at least 3 pixels); smaller ink is "only a speck".
_MIN_EXTENT = 0.05


class _Blank(Exception):
    """Raised internally for an image holding no digit."""


# --------------------------------------------------------------------------- #
# Small numeric helpers
# --------------------------------------------------------------------------- #
def _otsu(values, bins=256):
    """Otsu's threshold of a 1-D float array (between its min and max)."""
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return lo
    idx = ((values - np.float32(lo)) * np.float32(bins / (hi - lo))).astype(np.intp)
    np.clip(idx, 0, bins - 1, out=idx)
    hist = np.bincount(idx, minlength=bins).astype(np.float64)
    edges = lo + (hi - lo) * np.arange(bins + 1) / bins
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mu0 = m0 / np.maximum(w0, 1e-12)
    mu1 = (m0[-1] - m0) / np.maximum(w1, 1e-12)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(edges[int(np.argmax(between[:-1])) + 1])


def _median(x, axis=None):
    """Median of a non-empty array, as ``np.median`` computes it.

    Of all values (``axis=None``) or along the last axis (``axis=-1``, the only
    other value used). The background fit takes a dozen medians of ~2,000
    values per image, and the block medians of its coarse image, where
    ``np.median``'s own overhead (and its NaN check) was most of the cost.
    """
    if axis is None:
        x = x.ravel()
    k = x.shape[-1] // 2
    if x.shape[-1] % 2:
        return np.partition(x, k, axis=-1)[..., k]
    part = np.partition(x, (k - 1, k), axis=-1)
    return (part[..., k - 1] + part[..., k]) / 2


def _percentile(x, q):
    """``np.percentile(x, q)`` (linear interpolation) of a non-empty array, by partition."""
    x = x.ravel()
    pos = q / 100 * (x.size - 1)
    lo = int(pos)
    hi = min(lo + 1, x.size - 1)
    part = np.partition(x, (lo, hi))
    a, b, t = float(part[lo]), float(part[hi]), pos - lo
    # numpy's two-sided linear interpolation, exact at both ends
    return a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t)


def _is_clean_canvas(z, edge):
    """True if the border band is one exact value covering most of the image.

    That is a drawing app's canvas. The sigma-clipped fit below would start
    from that constant, keep it (more than half of its pixels fit it exactly,
    so the constant's deviation is 0 and no surface beats it) and return it,
    after a dozen medians and solves that cost more than the rest of the
    analysis of a small image.
    """
    v = edge[0]
    return bool((edge == v).all()) and 2 * np.count_nonzero(z == v) > z.size


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


def _polynomial_background(img):
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
            coarse = _median(blocks.reshape(H // b, W // b, b * b), axis=-1)
    if b == 1:
        coarse = img
    ch, cw = coarse.shape
    A = _design_matrix(ch, cw)
    # Start from a band along the border (background in nearly every digit
    # image), then let the clipping take in every pixel that fits.
    band = np.zeros((ch, cw), dtype=bool)
    bh, bw = max(1, ch // 10), max(1, cw // 10)
    band[:bh] = band[-bh:] = True
    band[:, :bw] = band[:, -bw:] = True
    z = coarse.ravel().astype(np.float64)
    edge = z[band.ravel()]
    if _is_clean_canvas(z, edge):
        return np.full_like(img, edge[0])
    centre = _median(edge)
    spread = max(2.5 * 1.4826 * _median(np.abs(edge - centre)), 0.05)
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
        centre = _median(r)
        sigma = max(1.4826 * _median(np.abs(r - centre)), 0.01)
        new = np.abs(res - centre) < 2.5 * sigma
        if np.array_equal(new, mask):
            break
        mask = new
    flat = float(_median(z[mask])) if mask.any() else float(_median(z))
    if coef is None:
        return np.full_like(img, flat)
    # Keep the surface only if it explains the background clearly better than
    # a constant does (clean canvases: exactly constant).
    res = z[mask] - A[mask] @ coef
    mad_fit = _median(np.abs(res - _median(res)))
    mad_flat = _median(np.abs(z[mask] - flat))
    if not mad_fit < 0.8 * mad_flat:
        return np.full_like(img, flat)
    # Evaluate the surface at full resolution.
    vv, uu = np.mgrid[0:h, 0:w].astype(np.float32)
    full = np.moveaxis(_quadratic_terms(vv, uu, h, w), -1, 0)[: len(coef)]
    return sum(float(c) * t for c, t in zip(coef, full)).astype(np.float32)


def _resize(img, size):
    """Anti-aliased resize of a float image to ``size = (height, width)``."""
    h, w = img.shape
    if (h, w) == tuple(size):
        return img
    pil = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32), mode="F")
    shrinking = size[0] < h or size[1] < w
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    out = np.asarray(pil.resize((size[1], size[0]), method), dtype=np.float32)
    return np.clip(out, 0, 1)


def _zero_pad(a, width):
    """``np.pad(a, width)`` of a 2-D array (zeros all round), without its overhead."""
    h, w = a.shape
    out = np.zeros((h + 2 * width, w + 2 * width), dtype=a.dtype)
    out[width : width + h, width : width + w] = a
    return out


def _bbox(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def _inside_distance(solid):
    """Euclidean distance of each solid pixel to the nearest background pixel.

    Pixels beyond the array's edge count as background (a stroke cut by the
    edge still has a width); background pixels get 0.
    """
    return ndimage.distance_transform_edt(_zero_pad(solid, 1))[1:-1, 1:-1]


def _stroke_width(dist):
    """Typical stroke width (pixels): twice the median ridge distance.

    ``dist`` is the :func:`_inside_distance` map of the solid ink, passed in so
    that the caller can reuse it (it is the costliest step here); it may be
    cropped to the ink's box.
    """
    solid = dist > 0
    if not solid.any():
        return 0.0
    ridge = solid & (dist >= ndimage.maximum_filter(dist, size=3))
    # A stroke n pixels wide has its ridge (n + 1) / 2 pixels from the edge.
    return float(2 * _median(dist[ridge]) - 1)


# --------------------------------------------------------------------------- #
# The single-image pipeline
# --------------------------------------------------------------------------- #
def _ink_map(img, is_ink, invert, correct_lighting, min_contrast):
    """Light-on-dark ink map in [0, 1] with background 0 (raises _Blank)."""
    if float(img.max() - img.min()) < min_contrast:
        raise _Blank("it is a single flat colour, with no ink")
    if is_ink:
        r = img - float(_median(img))
    else:
        if correct_lighting:
            r = img - _polynomial_background(img)
        else:
            r = img - float(_median(img))
        if invert == "auto":
            # Otsu's threshold splits ink from paper; the class covering most
            # of the border is the background (the whole image if ambiguous).
            t = _otsu(r.ravel())
            border = _images._border(r, max(1, round(0.02 * min(r.shape))))
            light = float(np.mean(border > t))
            if 0.35 < light < 0.65:
                light = float(np.mean(r > t))
            light_background = light > 0.5
        else:
            light_background = bool(invert)
        if light_background:
            r = -r
    # Robust statistics; a regular sample of large images is enough.
    sample = r.ravel()[:: max(1, r.size // 40000)]
    med = float(_median(sample))
    sigma = 1.4826 * float(_median(np.abs(sample - med)))
    cand = r > med + max(4 * sigma, 1e-3)
    if not cand.any():
        raise _Blank("it holds no ink, only noise")
    level = _percentile(r[cand], 90) - med
    if level < min_contrast:
        raise _Blank(
            f"its ink is too faint (contrast {level:.3f} < min_contrast={min_contrast})"
        )
    if level < 6 * sigma:
        raise _Blank("it holds no ink, only noise")
    floor = med + max(3 * sigma, 0.1 * level)
    top = med + level
    return np.clip((r - floor) / (top - floor), 0, 1).astype(np.float32)


def _remove_specks(y):
    """Keep the digit's connected components; drop small ones away from it."""
    lab, n = ndimage.label(y > 0, structure=np.ones((3, 3), dtype=bool))
    if n <= 1:
        return y
    mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
    boxes = ndimage.find_objects(lab)
    order = np.argsort(-mass)
    main = order[0]
    kept = {int(main)}
    r0, r1 = boxes[main][0].start, boxes[main][0].stop
    c0, c1 = boxes[main][1].start, boxes[main][1].stop
    big = mass[main]
    changed = True
    while changed:
        changed = False
        size = max(r1 - r0, c1 - c0)
        for i in order[1:]:
            i = int(i)
            if i in kept or mass[i] < 0.02 * big:
                continue
            br, bc = boxes[i]
            gap = max(r0 - br.stop, br.start - r1, c0 - bc.stop, bc.start - c1, 0)
            if mass[i] >= 0.3 * big or gap <= 0.25 * size:
                kept.add(i)
                r0, r1 = min(r0, br.start), max(r1, br.stop)
                c0, c1 = min(c0, bc.start), max(c1, bc.stop)
                changed = True
    keep = np.zeros(n + 1, dtype=bool)
    keep[[k + 1 for k in kept]] = True
    return np.where(keep[lab], y, 0).astype(np.float32)


def _adjust_stroke(z, length):
    """Thicken thin strokes / thin very bold ones toward MNIST's stroke width.

    ``z`` is the cropped digit (padded), ``length`` its long side in pixels.
    Stroke widths are compared with MNIST's relative to that length. Thin
    strokes are grown with a round brush (distance transform of the
    background) to MNIST's median width; strokes bolder than nearly all of
    MNIST are eroded down to MNIST's 95th percentile.
    """
    solid = z > 0.5
    box = _bbox(solid)
    if box is None:
        return z
    r0, r1, c0, c1 = box
    # Everything outside the solid ink's box is background, so the distance
    # transforms run on that box (plus the brush's reach) only: the result is
    # the same, without the cost of the margin around the digit.
    inside = _inside_distance(solid[r0:r1, c0:c1])
    w = _stroke_width(inside)
    lo, mid, hi = (f * length for f in _MNIST_STROKE)
    if 0 < w < lo:
        radius = (mid - w) / 2
        reach = math.ceil(radius + 0.5)  # farther pixels get nothing from the brush
        r0, c0 = max(r0 - reach, 0), max(c0 - reach, 0)
        r1, c1 = min(r1 + reach, z.shape[0]), min(c1 + reach, z.shape[1])
        dist = ndimage.distance_transform_edt(~solid[r0:r1, c0:c1])
        out = z.astype(np.float32)  # a copy
        out[r0:r1, c0:c1] = np.maximum(z[r0:r1, c0:c1], np.clip(radius + 0.5 - dist, 0, 1))
        return out
    if w > hi:
        radius = (w - hi) / 2
        out = np.zeros(z.shape, dtype=np.float32)
        out[r0:r1, c0:c1] = np.clip(inside - radius, 0, 1)
        return out
    return z


def _place(small, output_size, center):
    """Put the scaled digit into the frame, centred by mass (MNIST) or box."""
    h, w = small.shape
    out = np.zeros((output_size, output_size), dtype=np.float32)
    if center == "mass":
        total = float(small.sum())
        cy = float((small.sum(axis=1) * np.arange(h)).sum()) / total
        cx = float((small.sum(axis=0) * np.arange(w)).sum()) / total
        # MNIST puts the centre of mass at pixel index output_size / 2 (14.0).
        oy = int(np.floor(output_size / 2 - cy + 0.5))
        ox = int(np.floor(output_size / 2 - cx + 0.5))
        # Never push ink out of the frame.
        oy = min(max(oy, 0), output_size - h)
        ox = min(max(ox, 0), output_size - w)
    else:
        oy, ox = (output_size - h) // 2, (output_size - w) // 2
    out[oy : oy + h, ox : ox + w] = small
    return out


def _digit_ink(img, is_ink, original_shape, p, invert):
    """Ink map of the digit alone (specks removed); raises _Blank."""
    y = _ink_map(img, is_ink, invert, p.correct_lighting, p.min_contrast)
    if p.remove_specks:
        y = _remove_specks(y)
    box = _bbox(y > 0)
    if box is None:
        raise _Blank("it holds no ink")
    r0, r1, c0, c1 = box
    # Extent in original pixels: is it more than a speck?
    extent = max(r1 - r0, c1 - c0) * max(original_shape) / max(y.shape)
    if extent < max(3, _MIN_EXTENT * max(original_shape)):
        raise _Blank(
            f"its only ink is a speck ({extent:.0f} px across on a "
            f"{original_shape[1]}x{original_shape[0]} canvas)"
        )
    return y


def _is_surface(y):
    """True if the "ink" holds a broad solid region, or a large one on the border.

    That is what a photo of a sheet of paper lying on a darker surface looks
    like when the surface (or the sheet) is taken for ink. Strokes are thin:
    even MNIST's boldest are less than a fifth of the digit's size across.
    """
    solid = y > 0.5
    box = _bbox(solid)
    if box is None:
        return False
    r0, r1, c0, c1 = box
    # All pixels outside the ink's box are background, so the distance
    # transform of the box alone is exact -- and far smaller on a canvas.
    if _inside_distance(solid[r0:r1, c0:c1]).max() > 0.2 * max(r1 - r0, c1 - c0):
        return True
    h, w = solid.shape
    if r0 > 0 and c0 > 0 and r1 < h and c1 < w:
        return False  # no ink touches the border
    lab, n = ndimage.label(solid)
    edge = np.unique(_images._border(lab))
    edge = edge[edge > 0]
    if edge.size == 0:
        return False
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    return bool(sizes[edge].max() >= 0.1 * y.size)


def _paper_region(img):
    """Mask and box of a light sheet photographed on a darker surface, or None.

    The sheet is the largest light region (Otsu's threshold) once its holes --
    the ink -- are filled. It must be large (>= 30 % of the image) and convex
    (>= 93 % of its convex hull, even when tilted), the surface must show
    along at least 40 % of the image border, and the sheet must hold a little
    ink: a few thousandths to 15 % of its area of dark pixels. Bold light
    digits on a dark canvas fail these tests (not convex, or the dark insides
    of their loops are a large part of them).
    """
    h, w = img.shape
    if min(h, w) < 32:
        return None
    light = img > _otsu(img.ravel())
    lab, n = ndimage.label(light)
    if n == 0:
        return None
    sizes = np.bincount(lab.ravel())[1:]
    region = lab == (np.argmax(sizes) + 1)
    filled = ndimage.binary_fill_holes(region)
    area = int(filled.sum())
    if area < 0.3 * h * w or h * w - area < 0.05 * h * w:
        return None
    # The surface shows around the sheet: along much of the image border.
    surface = ~filled & ~light
    if _images._border(surface).mean() < 0.4:
        return None
    r0, r1, c0, c1 = _bbox(filled)
    # A sheet is convex, even tilted; bold digits are not.
    edge = filled & ~ndimage.binary_erosion(filled)
    points = np.argwhere(edge).astype(np.float64)
    try:
        hull = ConvexHull(points).volume  # the area, for 2-D points
    except Exception:  # degenerate (collinear) outline
        return None
    if area < 0.93 * hull:
        return None
    ink = int((filled & ~light).sum())  # dark pixels inside the sheet
    if not 0.001 * area < ink < 0.15 * area:
        return None
    return filled, light, (r0, r1, c0, c1)


def _fit_quadratic(img, mask):
    """Least-squares quadratic surface through the pixels of ``img`` under ``mask``."""
    h, w = img.shape
    rows, cols = np.nonzero(mask)
    step = max(1, rows.size // 20000)
    rows, cols = rows[::step], cols[::step]

    A = _quadratic_terms(rows.astype(np.float64), cols.astype(np.float64), h, w)
    coef = np.linalg.lstsq(A, img[rows, cols].astype(np.float64), rcond=None)[0]
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    return (_quadratic_terms(rr, cc, h, w) @ coef).astype(np.float32)


def _sheet_ink(dec, p):
    """Ink of a digit on a sheet of paper photographed on a darker surface, or None."""
    found = _paper_region(dec.image)
    if found is None:
        return None
    filled, light, (r0, r1, c0, c1) = found
    # Crop to the sheet, leaving out its edge (shadows, curl); its uneven
    # lighting is the background fit's job.
    m = max(1, round(0.03 * min(r1 - r0, c1 - c0)))
    crop = (slice(r0 + m, r1 - m), slice(c0 + m, c1 - m))
    sheet = dec.image[crop]
    if min(sheet.shape) < 8:
        return None
    # The surface still showing at the corners of a tilted sheet (dark and
    # connected to the crop's edge) is painted with the sheet's own lighting.
    surface = ~filled[crop] & ~light[crop]
    lab, n = ndimage.label(surface)
    edge = np.unique(_images._border(lab))
    edge = edge[edge > 0]
    if edge.size:
        corners = ndimage.binary_dilation(np.isin(lab, edge), iterations=2)
        paper = filled[crop] & light[crop] & ~corners
        if paper.sum() >= 100:
            # Only what is darker than halfway between the surface and the
            # sheet's lighting (not the sheet's own shaded parts), plus its
            # anti-aliased rim.
            fit = _fit_quadratic(sheet, paper)
            table = float(_median(dec.image[~filled & ~light]))
            paint = corners & (sheet < (fit + table) / 2)
            paint = ndimage.binary_dilation(paint, iterations=2) & corners
            sheet = np.where(paint, fit, sheet)
    ratio = max(dec.original_shape) / max(dec.image.shape)
    shape = (round(sheet.shape[0] * ratio), round(sheet.shape[1] * ratio))
    try:
        return _digit_ink(sheet, False, shape, p, True)
    except _Blank:
        return None


def _normalize_one(dec, p):
    """Full pipeline for one decoded image -> (output_size, output_size) float32."""
    try:
        y = _digit_ink(dec.image, dec.is_ink, dec.original_shape, p, p.invert)
        blank = None
    except _Blank as exc:
        y, blank = None, exc
    # A photo of a sheet lying on a table: no digit found, or the table taken
    # for ink. Look for the sheet and read the digit on it instead.
    if (
        not dec.is_ink
        and p.invert in ("auto", True)
        and (y is None or _is_surface(y))
    ):
        on_sheet = _sheet_ink(dec, p)
        if on_sheet is not None:
            y, blank = on_sheet, None
    if blank is not None:
        raise blank
    box = _bbox(y > 0)
    r0, r1, c0, c1 = box
    if p.crop:
        y = y[r0:r1, c0:c1]
    h, w = y.shape
    big = p.digit_box * _UPSCALE
    z = y
    if max(h, w) < big:
        s = big / max(h, w)
        z = _resize(y, (max(1, round(h * s)), max(1, round(w * s))))
    if p.normalize_stroke:
        length = max(z.shape)
        pad = length // 8 + 1
        z = _adjust_stroke(_zero_pad(z, pad), length)
        box = _bbox(z > 0.02)
        if box is None:
            raise _Blank("it holds no ink")
        z = z[box[0] : box[1], box[2] : box[3]] if p.crop else z[pad:-pad, pad:-pad]
    h, w = z.shape
    s = p.digit_box / max(h, w)
    small = _resize(z, (max(1, round(h * s)), max(1, round(w * s))))
    peak = float(small.max())
    if peak <= 0:
        raise _Blank("it holds no ink")
    small = small / peak
    return _place(small, p.output_size, p.center)


# --------------------------------------------------------------------------- #
# The vectorised path for already-normalised batches (MNIST)
# --------------------------------------------------------------------------- #
def _fast_batch(x, invert, center, min_contrast):
    """Polarity, contrast and centre-of-mass correction of (n, s, s) images.

    Returns ``(out, blank)`` where ``blank`` is a boolean mask of images with
    no ink.
    """
    n, s, _ = x.shape
    border = np.concatenate(
        [x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1
    )
    bg = _median(border, axis=-1)
    # The border is background: its spread is the noise level (0 for MNIST).
    noise = 1.4826 * _median(np.abs(border - bg[:, None]), axis=-1)
    if invert == "auto":
        light = bg > x.mean(axis=(1, 2))
    else:
        light = np.full(n, bool(invert))
    # ``x`` is a fresh array made by batch_to_float: modified in place.
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


# --------------------------------------------------------------------------- #
# The estimator
# --------------------------------------------------------------------------- #
class DigitImagePreprocessor(TransformerMixin, BaseEstimator):
    """Turn raw digit images into MNIST-like 28x28 images.

    Reads file paths, PIL images and numeric arrays of any size, colour mode
    and polarity, and prepares each the way MNIST was prepared: light digit on
    a dark background, cropped to the ink, scaled (aspect ratio kept) so that
    its longer side fills a ``digit_box`` x ``digit_box`` box, anti-aliased,
    and placed in an ``output_size`` x ``output_size`` frame with its centre
    of mass at the centre. A CNN trained on MNIST then recognises drawings,
    scans and photos, not just MNIST itself.

    For each single image (a path, a PIL image, or an array in a list):

    1. decode to gray ``[0, 1]``; an alpha channel with a transparent
       background *is* the digit (the opaque part, whatever its colour);
       large images are block-averaged toward 128 px a side, by at most 5x
       (thin pen lines keep their contrast) unless that leaves them longer
       than 640 px;
    2. flatten uneven lighting: a quadratic surface fitted robustly (sigma
       clipping) to the background is subtracted, when it explains the
       background better than a constant (``correct_lighting``);
    3. find the polarity: Otsu's threshold splits ink from paper and the class
       covering most of the image border is the background (``invert``);
    4. estimate the noise (median absolute deviation) and the ink level,
       declare the image blank if the ink is too faint, too noisy or only a
       speck, and rescale so that background is 0 and ink is 1, dropping
       texture below a noise floor;
    5. drop small connected components away from the digit
       (``remove_specks``), crop to the ink (``crop``);
    6. if that found no digit, or a broad "ink" surface: look for a photo of
       a sheet of paper on a darker table (a large, convex light region
       holding a little dark ink) and read the digit on the sheet instead;
    7. bring the stroke width into MNIST's range, on the digit upsampled to at
       least 4x the box size: strokes thinner than MNIST's lower quartile are
       grown with a round brush to its median, strokes bolder than nearly all
       of MNIST are eroded (``normalize_stroke``);
    8. scale into the ``digit_box`` with area averaging, set the peak to 1,
       place by centre of mass (``center``).

    A numeric array holding a *batch* of images that already have the output
    size -- MNIST's ``(n, 28, 28)``, ``(n, 784)`` or ``(n, 28, 28, 1)`` -- is
    taken to be size-normalised already and goes through a vectorised path
    (``fast_batches``): per image, polarity is fixed (border darker or lighter
    than the mean), the background level is moved to 0 and the peak to 1, and
    the image is shifted by whole pixels so that its centre of mass is at the
    centre (``crop``, ``digit_box``, ``normalize_stroke`` and the other
    single-image steps do not apply). MNIST passes through unchanged (apart
    from scaling to [0, 1]; 2 of its 70,000 digits move by one pixel), so a
    model fitted through this transformer sees the data it expects, at
    >100,000 images/s. Set ``fast_batches=False`` for batches of raw 28x28
    drawings that are not MNIST-normalised.

    Parameters
    ----------
    invert : {"auto", True, False}, default="auto"
        Polarity of single images. ``"auto"`` detects it per image (the
        background is the class that covers most of the image border); True
        means dark ink on a light background (inverted); False means light ink
        on a dark background (kept). Images with a transparent background are
        always read from their alpha channel and ignore this setting.

    crop : bool, default=True
        Crop single images to their ink before scaling. With False the whole
        canvas is scaled into the ``digit_box``.

    digit_box : int, default=20
        Side of the square box that the digit is scaled to fit, keeping its
        aspect ratio (MNIST: 20).

    output_size : int, default=28
        Side of the output frame (MNIST: 28). Must be at least ``digit_box``.

    center : {"mass", "box"}, default="mass"
        Place the digit so that its centre of mass (MNIST) or the centre of its
        bounding box is at the centre of the frame.

    normalize_stroke : bool, default=True
        Thicken strokes that would be thinner than MNIST's once scaled (e.g.
        1 px pen lines on a large canvas), and thin strokes bolder than nearly
        all of MNIST.

    remove_specks : bool, default=True
        Ignore small connected ink components away from the digit (dust,
        stray dots, paper texture).

    correct_lighting : bool, default=True
        Subtract a smooth background estimate from single images, to undo the
        lighting gradients of photographed paper.

    min_contrast : float, default=0.1
        Smallest difference between ink and background, as a fraction of the
        full gray range, for an image to count as holding a digit.

    on_blank : {"raise", "nan"}, default="raise"
        What to do with an image that holds no digit (one flat colour, only
        faint noise, only a speck): raise a ``ValueError`` naming it, or return
        a row of NaN for it so that the caller can filter it out.

    output_shape : {"flat", "image"}, default="flat"
        Return ``(n_samples, output_size**2)`` or
        ``(n_samples, output_size, output_size)``.

    max_pixels : int or None, default=50_000_000
        Largest image (width x height) that will be decoded; bigger files are
        refused before decoding (decompression bombs). None disables this
        check (Pillow's own limit still applies).

    fast_batches : bool, default=True
        Treat numeric batches of ``output_size`` x ``output_size`` images as
        already size-normalised (the vectorised path above). With False every
        image of such a batch goes through the full single-image pipeline.
    n_jobs : int, default=None
        Number of jobs that process single images (files, PIL images, arrays
        in a list, and batches that take the single-image pipeline) in
        parallel, each on a contiguous share of at least 8 images. ``None``
        means 1 unless in a :obj:`joblib.parallel_backend` context; ``-1``
        means all processors, as in scikit-learn. The vectorised
        batch path always runs in one job. When several images are bad, the
        error names one of them, not necessarily the first.

    Attributes
    ----------
    n_features_out_ : int
        Number of values per transformed image, ``output_size ** 2``.

    See Also
    --------
    skdigits.DigitCNNClassifier : The CNN classifier to put after this
        transformer in a pipeline.
    sklearn.preprocessing.FunctionTransformer : Wrap any function as a
        stateless transformer.

    Notes
    -----
    This transformer is stateless: ``fit`` only validates the parameters and
    the input, and ``transform`` works without it.

    Input rules. ``X`` is a list (or 1-D object array) of single images, or one
    numeric array:

    - a list may mix file paths (``str``, ``pathlib.Path``), PIL images of
      any mode (``1``, ``L``, ``LA``, ``P``, ``RGB``, ``RGBA``, ``I;16``, ``I``,
      ``F``, ...) and arrays ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1, 3, 4;
    - ``(n, output_size**2)``: a batch of flattened images; other 2-D shapes
      are rejected as ambiguous (put a single 2-D image in a list);
    - ``(H, W, C)`` with ``C`` in 1, 3, 4 is one colour image; any other 3-D
      array is a batch ``(n, H, W)`` of gray images; ``(n, H, W, C)`` is a
      batch of colour images.

    Pixel values: ``uint8`` is 0..255, ``uint16`` 0..65535, floats must lie in
    [0, 1], other integers are 0..255 (or 0..65535 if larger values occur).
    PIL ``I`` and ``F`` images are read as 0..1, 0..255 or 0..65535, whichever
    range holds their values.

    Errors name the offending input (its index, and the file name for paths):
    a missing file raises ``FileNotFoundError``; unreadable, corrupt,
    truncated or oversized images, wrong dimensionality, NaN or infinity,
    non-numeric data and blank images raise ``ValueError``; unsupported object
    types raise ``TypeError``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits import DigitImagePreprocessor
    >>> canvas = np.full((200, 150), 255, dtype=np.uint8)  # white paper
    >>> canvas[40:160, 70:80] = 0                            # a black "1"
    >>> pre = DigitImagePreprocessor()
    >>> Xt = pre.fit_transform([canvas])
    >>> Xt.shape, Xt.dtype
    ((1, 784), dtype('float32'))
    >>> pre.set_params(output_shape="image").transform([canvas]).shape
    (1, 28, 28)
    """

    def __init__(
        self,
        *,
        invert="auto",
        crop=True,
        digit_box=20,
        output_size=28,
        center="mass",
        normalize_stroke=True,
        remove_specks=True,
        correct_lighting=True,
        min_contrast=0.1,
        on_blank="raise",
        output_shape="flat",
        max_pixels=50_000_000,
        fast_batches=True,
        n_jobs=None,
    ):
        self.invert = invert
        self.crop = crop
        self.digit_box = digit_box
        self.output_size = output_size
        self.center = center
        self.normalize_stroke = normalize_stroke
        self.remove_specks = remove_specks
        self.correct_lighting = correct_lighting
        self.min_contrast = min_contrast
        self.on_blank = on_blank
        self.output_shape = output_shape
        self.max_pixels = max_pixels
        self.fast_batches = fast_batches
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ #
    def _check_params(self):
        def is_bool(v):
            return isinstance(v, (bool, np.bool_))

        def is_int(v):
            return isinstance(v, numbers.Integral) and not is_bool(v)

        def fail(name, expected):
            value = getattr(self, name)
            raise ValueError(
                f"The {name!r} parameter of {type(self).__name__} must be "
                f"{expected}. Got {value!r} instead."
            )

        if not (self.invert == "auto" if isinstance(self.invert, str) else is_bool(self.invert)):
            fail("invert", "'auto', True or False")
        for name in ("crop", "normalize_stroke", "remove_specks", "correct_lighting",
                     "fast_batches"):
            if not is_bool(getattr(self, name)):
                fail(name, "a bool")
        if not is_int(self.digit_box) or self.digit_box < 1:
            fail("digit_box", "an int >= 1")
        if not is_int(self.output_size) or self.output_size < self.digit_box:
            fail("output_size", f"an int >= digit_box ({self.digit_box!r})")
        if self.center not in ("mass", "box"):
            fail("center", "'mass' or 'box'")
        if (
            not isinstance(self.min_contrast, numbers.Real)
            or is_bool(self.min_contrast)
            or not 0 < self.min_contrast < 1
        ):
            fail("min_contrast", "a float in (0, 1)")
        if self.on_blank not in ("raise", "nan"):
            fail("on_blank", "'raise' or 'nan'")
        if self.output_shape not in ("flat", "image"):
            fail("output_shape", "'flat' or 'image'")
        if self.max_pixels is not None and (not is_int(self.max_pixels) or self.max_pixels < 1):
            fail("max_pixels", "a positive int or None")
        if self.n_jobs is not None and (not is_int(self.n_jobs) or self.n_jobs == 0):
            fail("n_jobs", "a non-zero int or None")

    # ------------------------------------------------------------------ #
    def fit(self, X, y=None):
        """Validate the parameters and the input; learn nothing.

        Parameters
        ----------
        X : list of images or array-like
            Images as described in the class documentation. Only their kind
            and shape are checked here; nothing is decoded.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._check_params()
        _images.split_input(X, self.output_size)
        self.n_features_out_ = self.output_size * self.output_size
        return self

    def transform(self, X):
        """Turn each image of ``X`` into an MNIST-like digit.

        Parameters
        ----------
        X : list of images or array-like
            File paths, PIL images, numeric arrays, or one numeric batch (see
            the class documentation for the rules).

        Returns
        -------
        Xt : ndarray of shape (n_samples, output_size**2) or \
                (n_samples, output_size, output_size), dtype float32
            Digits as white on black in [0, 1]; rows of NaN for blank images
            when ``on_blank="nan"``.
        """
        self._check_params()
        s = self.output_size
        kind, payload = _images.split_input(X, s)
        if kind == "batch":
            out = self._transform_batch(payload)
        else:
            out = self._in_parallel(self._transform_items, payload)
        if self.output_shape == "flat":
            return out.reshape(len(out), s * s)
        return out

    def _in_parallel(self, func, *sequences):
        """``func`` over the sequences, in contiguous shares over ``n_jobs`` workers."""
        return np.concatenate(_parallel.in_shares(func, *sequences, n_jobs=self.n_jobs))

    def _transform_items(self, items, start):
        """Decode and normalise single images; ``items[i]`` is input ``start + i``."""
        s = self.output_size
        out = np.empty((len(items), s, s), dtype=np.float32)
        for i, item in enumerate(items):
            dec = _images.load_item(
                item, start + i, work_size=_WORK_SIZE, max_pixels=self.max_pixels
            )
            out[i] = self._one(dec, start + i, item)
        return out

    def _transform_arrays(self, gray, alpha, start):
        """The single-image pipeline on the images of a batch (``alpha`` may be None)."""
        n, h, w = gray.shape
        s = self.output_size
        out = np.empty((n, s, s), dtype=np.float32)
        for i in range(n):
            a = None if alpha is None else alpha[i]
            image, is_ink = _images.resolve_alpha(gray[i], a)
            dec = _images.Decoded(_images.reduce_array(image, _WORK_SIZE), is_ink, (h, w))
            out[i] = self._one(dec, start + i, _images.BATCH_ITEM)
        return out

    def _one(self, dec, index, item):
        try:
            return _normalize_one(dec, self)
        except _Blank as exc:
            if self.on_blank == "nan":
                return np.full((self.output_size,) * 2, np.nan, dtype=np.float32)
            raise BlankImageError(
                f"{_images.describe(index, item)} is blank: {exc}. No digit to "
                "recognise; pass on_blank='nan' to get a row of NaN instead.",
                index=index,
            ) from None

    def _transform_batch(self, batch):
        s = self.output_size
        gray, alpha = _images.batch_to_float(batch)
        _, h, w = gray.shape
        if self.fast_batches and (h, w) == (s, s) and alpha is None:
            out, blank = _fast_batch(gray, self.invert, self.center, self.min_contrast)
            out = np.ascontiguousarray(out, dtype=np.float32)
            if blank.any():
                if self.on_blank == "raise":
                    i = int(np.flatnonzero(blank)[0])
                    raise BlankImageError(
                        f"input {i} is blank: it has no "
                        f"ink with contrast >= min_contrast={self.min_contrast} "
                        f"({int(blank.sum())} blank image(s) in the batch). Pass "
                        "on_blank='nan' to get rows of NaN instead.",
                        index=i,
                    )
                out[blank] = np.nan
            return out
        return self._in_parallel(self._transform_arrays, gray, alpha)

    # ------------------------------------------------------------------ #
    def get_feature_names_out(self, input_features=None):
        """Names of the output pixels, ``pixel_0`` ... ``pixel_783``.

        Parameters
        ----------
        input_features : None
            Ignored: the inputs are images, not named columns.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output pixel, in row-major order. Only defined for
            ``output_shape="flat"`` (a DataFrame output needs 2-D data).
        """
        self._check_params()
        if self.output_shape != "flat":
            raise ValueError(
                "Feature names (and set_output(transform='pandas')) need "
                "output_shape='flat'; got output_shape='image'."
            )
        n = self.output_size * self.output_size
        return np.asarray([f"pixel_{i}" for i in range(n)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Stateless: nothing is learned, transform works without fit.
        tags.requires_fit = False
        # (n, output_size**2) batches are 2-D; (n, H, W) batches 3-D; lists of
        # file paths are strings.
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
