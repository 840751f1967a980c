"""Geometry of the digit: boxes, resizing, stroke width and placement in the frame."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from scipy import ndimage

from skdigits.preprocessing._stats import median

# 8-connectivity (scipy.ndimage's structure): pixels joined by an edge or a corner
# are one piece of ink.
EIGHT = np.ones((3, 3), dtype=bool)


def pieces(mask):
    """``(lab, sizes)``: the 8-connected pieces of a 2-D mask, labelled 1 to n, and
    their sizes in pixels (``sizes[k]`` is piece ``k + 1``'s; empty if there is none)."""
    lab, _ = ndimage.label(mask, structure=EIGHT)
    return lab, np.bincount(lab.ravel())[1:]


# Stroke width of MNIST digits relative to their long side, measured by
# stroke_width on the MNIST training set passed through this pipeline
# (20 px digits upsampled to 80 px): 25th, 50th and 95th percentiles.
MNIST_STROKE = (7 / 80, 9 / 80, 15 / 80)
# Images under SMALL_FRAME pixels (on the side each test names) are frames that a
# digit fills -- MNIST's 28x28, a low-resolution scan --, where a digit's own
# outline or stems pass for printed lines: rules, boxes and loops round the digit
# (:func:`._rules.printed_lines`) and lines across the page
# (:func:`._crossing.without_line_tails`) are looked for from this size only.
SMALL_FRAME = 48


def resize(img, size):
    """Anti-aliased resize of a float image to ``size = (height, width)``.

    Area averaging when shrinking, bilinear when enlarging; clipped to [0, 1].
    """
    h, w = img.shape
    if (h, w) == tuple(size):
        return img
    pil = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32), mode="F")
    shrinking = size[0] < h or size[1] < w
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    out = np.asarray(pil.resize((size[1], size[0]), method), dtype=np.float32)
    return np.clip(out, 0, 1)


def scale_to(img, long_side):
    """``img`` resized so that its longer side is ``long_side`` (aspect ratio kept)."""
    h, w = img.shape
    s = long_side / max(h, w)
    return resize(img, (max(1, round(h * s)), max(1, round(w * s))))


def resize_bicubic(img, size):
    """``img`` resized with bicubic interpolation to ``size = (height, width)``."""
    pil = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32), mode="F")
    return np.asarray(pil.resize((size[1], size[0]), Image.Resampling.BICUBIC), dtype=np.float32)


def scale_to_bicubic(img, long_side):
    """``img`` enlarged with bicubic interpolation to a long side of ``long_side``."""
    h, w = img.shape
    s = long_side / max(h, w)
    return resize_bicubic(img, (max(1, round(h * s)), max(1, round(w * s))))


def zero_pad(a, width):
    """``np.pad(a, width)`` of a 2-D array (zeros all round), without its overhead."""
    h, w = a.shape
    out = np.zeros((h + 2 * width, w + 2 * width), dtype=a.dtype)
    out[width : width + h, width : width + w] = a
    return out


def bbox(mask):
    """``(r0, r1, c0, c1)`` of the True pixels of a 2-D mask (stop exclusive), or None."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def runs(mask):
    """``(start, stop)`` of the runs of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], mask.view(np.int8), [0]]))
    return zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))


def _edges(box):
    """``(r0, r1, c0, c1)`` of a box given so, or as a pair of slices (rows, columns),
    as :func:`scipy.ndimage.find_objects` gives it."""
    if len(box) == 2:
        rows, cols = box
        return rows.start, rows.stop, cols.start, cols.stop
    return box


def touches_edge(box, shape):
    """Whether a box (see :func:`_edges`) reaches the edge of an image of ``shape``."""
    r0, r1, c0, c1 = _edges(box)
    return r0 == 0 or c0 == 0 or r1 == shape[0] or c1 == shape[1]


def spans(box, shape):
    """Whether a box (see :func:`_edges`) runs from edge to edge of an image of
    ``shape``, down it or across it."""
    r0, r1, c0, c1 = _edges(box)
    return (r0 == 0 and r1 == shape[0]) or (c0 == 0 and c1 == shape[1])


def long_side(box):
    """The longer side (px) of a box (see :func:`_edges`; stop exclusive)."""
    r0, r1, c0, c1 = _edges(box)
    return max(r1 - r0, c1 - c0)


# The digit is its solid ink (above half its level) and what lies within _RIM of
# its size (_RIM_MIN px at least) of that ink's box: the strokes' rims, a
# stroke's fainter end. Fainter ink beyond is none of the digit's -- the edge of
# a shadow, the halo of a spot of light or shade, left joined to the digit where
# the lighting was flattened --: the crop would take it in and shrink the digit
# (on the suite's photos of digits under spots of light and shade, four seeds of
# 200, 15 digits more right with the classic CNN; under a shadow's edge, 6).
_SOLID = 0.5
_RIM = 0.1
_RIM_MIN = 2


def within_rim(y):
    """The ink map ``y`` without the ink beyond its solid ink's rim (see _RIM)."""
    box = bbox(y > _SOLID)
    if box is None:
        return y
    r0, r1, c0, c1 = box
    m = max(_RIM_MIN, round(_RIM * long_side(box)))
    r0, c0 = max(0, r0 - m), max(0, c0 - m)
    inside = y[r0 : r1 + m, c0 : c1 + m]
    if np.count_nonzero(inside) == np.count_nonzero(y):
        return y
    out = np.zeros_like(y)
    out[r0 : r1 + m, c0 : c1 + m] = inside
    return out


def inside_distance(solid):
    """Euclidean distance of each solid pixel to the nearest background pixel.

    Pixels beyond the array's edge count as background (a stroke cut by the
    edge still has a width); background pixels get 0.
    """
    return ndimage.distance_transform_edt(zero_pad(solid, 1))[1:-1, 1:-1]


def ridge_distance(dist):
    """Median distance from the edge along the ridges of the solid ink (0 if none).

    ``dist`` is the :func:`inside_distance` map of the solid ink; it may be
    cropped to the ink's box.
    """
    solid = dist > 0
    if not solid.any():
        return 0.0
    ridge = solid & (dist >= ndimage.maximum_filter(dist, size=3))
    return float(median(dist[ridge]))


def stroke_width(dist):
    """Typical stroke width (pixels): twice the median ridge distance, minus one.

    ``dist`` is the :func:`inside_distance` map of the solid ink, passed in so
    that the caller can reuse it (it is the costliest step here); it may be
    cropped to the ink's box.
    """
    if not (dist > 0).any():
        return 0.0
    # A stroke n pixels wide has its ridge (n + 1) / 2 pixels from the edge.
    return float(2 * ridge_distance(dist) - 1)


# A hole enclosed by thin ink whose area is at least this many times the square
# of its half-width (widest inscribed disc) is long and narrow: the inside of a
# stroke drawn as its outline (edge detection, hollow lettering), not one of a
# digit's loops (an ellipse of axes a > b has pi * a / b: 3-7 for digits' loops)
# -- provided it is no wider than MNIST's boldest strokes (a loop with a mark
# inside it, as some write their zeros, is long around but wide).
_OUTLINE_ELONGATION = 12


def _outline_holes(solid, length):
    """The long narrow holes of thin ink (strokes drawn as outlines), or None."""
    holes = ndimage.binary_fill_holes(solid) & ~solid
    if not holes.any():
        return None
    lab, n = ndimage.label(holes)
    area = np.bincount(lab.ravel(), minlength=n + 1)
    half = np.asarray(
        ndimage.maximum(ndimage.distance_transform_edt(holes), lab, np.arange(n + 1)))
    long = (area >= _OUTLINE_ELONGATION * np.square(half)) & (
        2 * half <= MNIST_STROKE[2] * length)
    long[0] = False
    return long[lab] if long.any() else None


def adjust_stroke(z, length, graded=False):
    """Thicken thin strokes / thin very bold ones toward MNIST's stroke width.

    ``z`` is the cropped digit (padded), ``length`` its long side in pixels.
    Stroke widths are compared with MNIST's relative to that length. Thin
    strokes are grown with a round brush (distance transform of the
    background) to MNIST's median width; strokes bolder than nearly all of
    MNIST are eroded down to MNIST's 95th percentile -- the solid ink's, or
    with ``graded`` each level's (see _GRADED_LEVELS).
    """
    solid = z > 0.5
    box = bbox(solid)
    if box is None:
        return z
    r0, r1, c0, c1 = box
    # Everything outside the solid ink's box is background, so the distance
    # transforms run on that box (plus the brush's reach) only.
    inside = inside_distance(solid[r0:r1, c0:c1])
    w = stroke_width(inside)
    lo, mid, hi = (f * length for f in MNIST_STROKE)
    fill = _outline_holes(solid, length) if 0 < w < lo else None
    if fill is not None:  # outlines filled: the strokes' own width now
        z = z.astype(np.float32)  # a copy
        z[fill] = 1.0
        solid = solid | fill
        inside = inside_distance(solid[r0:r1, c0:c1])
        w = stroke_width(inside)
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
        out = np.zeros(z.shape, dtype=np.float32)
        out[r0:r1, c0:c1] = (_thinned_by_level(z[r0:r1, c0:c1], hi, inside, w) if graded
                             else _eroded(inside, w, hi))
        return out
    return z


# A low-resolution scan, enlarged, is gray: its strokes are as wide as its coarse
# pixels and their blur make them, and its shape lies in its levels -- an 8's
# loops are dips that stay above half the ink's level. Eroding the solid ink (above
# half) fills them. Graded, each of these levels' ink is thinned to MNIST's width
# on its own and the results are averaged: sharp ink, the same at every level, is
# thinned as before; the dips stay open. (scikit-learn's 8x8 scans, 3 x 300 as they
# come and enlarged smoothly: 838 / 828 -> 846 / 835 right with the benchmark's
# classic CNN, 754 / 754 -> 766 / 763 with the tests' deep one, the shipped model
# 882 / 874 -> 881 / 875; kept as they are, unthinned: 828 / 823, 719 / 712 and 885
# / 887.)
# (The first is the solid ink's level.)
_GRADED_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)


def _eroded(inside, width, widest):
    """Ink whose strokes are ``width`` px wide (``inside``: its :func:`inside_distance`
    map) eroded to ``widest`` px at most, with a one-pixel soft rim."""
    return np.clip(inside - max(0.0, (width - widest) / 2), 0, 1)


def _thinned_by_level(z, widest, inside, width):
    """Gray ink ``z`` with each level's strokes eroded to ``widest`` px at most (see
    _GRADED_LEVELS), the levels averaged; ``inside`` and ``width``: the solid ink's
    :func:`inside_distance` map and stroke width, already measured."""
    out = np.zeros(z.shape, dtype=np.float32)
    out += _eroded(inside, width, widest)
    for level in _GRADED_LEVELS[1:]:
        at_level = inside_distance(z > level)
        out += _eroded(at_level, stroke_width(at_level), widest)
    return out / len(_GRADED_LEVELS)


def mass_shift(img, output_size, tolerance=0.5):
    """Whole-pixel offset ``(dy, dx)`` that brings the centre of mass of ``img`` to the
    frame centre (MNIST: pixel index ``output_size / 2``).

    Along an axis where the centre of mass is less than ``tolerance`` px from the
    frame centre the offset is 0 (at 0.5, plain rounding); beyond it, rounded.
    """
    h, w = img.shape
    total = float(img.sum())
    cy = float((img.sum(axis=1) * np.arange(h)).sum()) / total
    cx = float((img.sum(axis=0) * np.arange(w)).sum()) / total
    return whole_pixels(output_size / 2 - cy, tolerance), whole_pixels(
        output_size / 2 - cx, tolerance)


def whole_pixels(offset, tolerance=0.5):
    """``offset`` (px, a float or an array) rounded to whole pixels, 0 where it is
    below ``tolerance`` in magnitude."""
    offset = np.asarray(offset)
    out = np.where(np.abs(offset) < tolerance, 0, np.floor(offset + 0.5)).astype(int)
    return int(out) if out.ndim == 0 else out


def place(small, output_size, center):
    """Put the scaled digit into the frame, centred by mass (MNIST) or box."""
    h, w = small.shape
    out = np.zeros((output_size, output_size), dtype=np.float32)
    if center == "mass":
        oy, ox = mass_shift(small, output_size)
        # Never push ink out of the frame.
        oy = min(max(oy, 0), output_size - h)
        ox = min(max(ox, 0), output_size - w)
    else:
        oy, ox = (output_size - h) // 2, (output_size - w) // 2
    out[oy : oy + h, ox : ox + w] = small
    return out


def row_run(masks, length):
    """Which of the (n, h, w) ``masks`` hold ``length`` set pixels side by side in a row."""
    w = masks.shape[-1]
    if length > w:
        return np.zeros(len(masks), dtype=bool)
    run = masks[..., : w - length + 1].copy()
    for j in range(1, length):
        run &= masks[..., j : w - length + 1 + j]
    return run.any(axis=(1, 2))
