"""Geometry of the digit: boxes, resizing, stroke width, placement in the frame, and
lines drawn across it."""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image
from scipy import ndimage

from skdigits.preprocessing._stats import median

# Stroke width of MNIST digits relative to their long side, measured by
# stroke_width on the MNIST training set passed through this pipeline
# (20 px digits upsampled to 80 px): 25th, 50th and 95th percentiles.
MNIST_STROKE = (7 / 80, 9 / 80, 15 / 80)


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


def long_side(box):
    """The longer side (px) of a box ``(r0, r1, c0, c1)`` (stop exclusive)."""
    return max(box[1] - box[0], box[3] - box[2])


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


def adjust_stroke(z, length):
    """Thicken thin strokes / thin very bold ones toward MNIST's stroke width.

    ``z`` is the cropped digit (padded), ``length`` its long side in pixels.
    Stroke widths are compared with MNIST's relative to that length. Thin
    strokes are grown with a round brush (distance transform of the
    background) to MNIST's median width; strokes bolder than nearly all of
    MNIST are eroded down to MNIST's 95th percentile.
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
        radius = (w - hi) / 2
        out = np.zeros(z.shape, dtype=np.float32)
        out[r0:r1, c0:c1] = np.clip(inside - radius, 0, 1)
        return out
    return z


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


# A line crossing the frame: a straight band (up to _BAND px across, wide
# enough for a zigzag's swing) along which ink runs, with gaps of at most
# _GAP px (a dotted line's), over at least _CROSSING of the frame's side --
# longer than any stroke of a digit of MNIST's size -- and holding at most
# _THICK solid pixels per pixel of its length (a pen line, not a digit's
# strokes side by side). What the line leaves has a digit's size or less (a
# part of it may lie under the band), its centroid within _CENTRED px of the
# frame's centre along the line and _CENTRED_ACROSS px across it (the band
# takes the part of the digit that the line covers, which moves the centroid
# of what is left away from the line), and both of the line's ends lie at
# least _CLEAR px from it (a pixel is weaker evidence: a large digit's long
# stroke, such as a 0's side, may end a pixel from the rest of the digit).
_BAND = 7
_GAP = 3
_CROSSING = 0.8
_THICK = 3.0
_REST = (10 / 28, 23 / 28)
_CLEAR = 2
_CENTRED = 1.5
_CENTRED_ACROSS = 4.0
_ANGLES = np.deg2rad(np.arange(0, 180, 3))
# Distinct bands tried, longest first: a band within _NEAR_ANGLE steps of
# angle and _BAND // 2 px of offset of one already tried is the same band.
_CANDIDATES = 12
_NEAR_ANGLE = 2


def _running_max(a):
    """Running maximum down axis 0 (in log2 steps of whole-array maxima: numpy's
    ``maximum.accumulate`` goes row by row)."""
    a, b = a.copy(), np.empty_like(a)
    k = 1
    while k < a.shape[0]:
        b[:k] = a[:k]
        np.maximum(a[k:], a[:-k], out=b[k:])
        a, b, k = b, a, 2 * k
    return a


def _longest_run(covered, gap):
    """The longest run of True along the last axis of a 2-D mask, bridging gaps
    of up to ``gap`` False values: ``(length, start, stop)`` per row (the first
    such run; ``(0, 0, 0)`` for a row without True)."""
    n, m = covered.shape
    c = np.ascontiguousarray(covered.T)  # runs down axis 0, all rows at once
    small = (m + 1) ** 2 <= np.iinfo(np.int16).max
    pos = np.arange(1, m + 1, dtype=np.int16 if small else np.int32)[:, None]  # 1-based
    last = _running_max(c * pos)  # the last True at or before each position (0: none)
    following = m + 1 - _running_max((c * (m + 1 - pos))[::-1])[::-1]  # m + 1: none
    # Gaps of up to ``gap`` between two True values filled (nothing beyond the
    # first and last True of a row).
    filled = c | ((last > 0) & (following <= m) & (following - last <= gap + 1))
    run = pos - _running_max(~filled * pos)
    # The longest run, the first one of that length: the largest run * (m + 1) + m - position.
    best = (run * (m + 1) + m + 1 - pos).max(axis=0)
    length = best // (m + 1)
    stop = np.where(length > 0, m + 1 - best % (m + 1), 0)
    return np.stack([length, stop - length, stop], axis=1).astype(int)


def crossing_line(solid, clear=_CLEAR, thick=_THICK, beyond=None):
    """Whether a line crosses the frame over the digit in a square ``solid`` ink mask.

    A line drawn across a digit (straight, zigzag or dotted, as wide as the
    digit's strokes) merges with it, and no local rule separates them. Its
    shape does: it runs straight across the frame, over more than any of a
    digit's strokes, and beyond the rest of the ink at both ends. The band of
    ``_BAND`` pixels where solid ink runs longest (a Hough transform in which a
    band scores by the length it covers) is such a line when it runs over
    ``_CROSSING`` of the frame's side, the ink outside it has a digit's size
    or less and is centred as MNIST centres its digits, and both its ends
    stand clear of that ink by ``clear`` px (a large digit's long stroke joins
    the rest of the digit at one end at least); the band holds at most
    ``thick`` solid pixels per pixel of its length. With ``beyond`` (px), the
    band must also run past that ink at both ends by at least as much, measured
    along the band: a line across the digit, not a stroke along its side. Up to
    ``_CANDIDATES`` distinct bands are tried, longest first (a band across the
    digit itself may run longer than the line).
    """
    s = solid.shape[0]
    if np.count_nonzero(solid) < _CROSSING * s:
        return False
    # The light path asks up to three times about the same frame (is it a digit
    # with clutter, and may it move): the bands are found once per mask.
    ys, xs, rho, along, bands = _line_bands(solid.tobytes(), s)
    cos, sin = np.cos(_ANGLES), np.sin(_ANGLES)
    return any(_clear_line(ys, xs, rho[:, angle], along[:, angle], mid, start, stop, s,
                           cos[angle], sin[angle], clear, thick, beyond)
               for angle, mid, start, stop in bands)


@functools.lru_cache(maxsize=8)
def _line_bands(key, s):
    """The candidate bands of :func:`crossing_line` in the ``s`` x ``s`` boolean mask
    whose bytes are ``key``: ``(ys, xs, rho, along, bands)``, the solid pixels, their
    offsets across and along each angle's bands (read-only arrays, shifted to start
    at 0) and up to ``_CANDIDATES`` distinct bands ``(angle, mid, start, stop)``
    whose ink runs over ``_CROSSING`` of the side, longest first."""
    solid = np.frombuffer(key, dtype=bool).reshape(s, s)
    ys, xs = np.nonzero(solid)
    cos, sin = np.cos(_ANGLES), np.sin(_ANGLES)
    centre = (s - 1) / 2
    r = int(np.ceil(s * 0.75))
    # Across the band (rho) and along it (t), from the frame's centre.
    rho = np.rint((xs[:, None] - centre) * cos + (ys[:, None] - centre) * sin).astype(int) + r
    t = np.rint(-(xs[:, None] - centre) * sin + (ys[:, None] - centre) * cos).astype(int) + r
    a = np.broadcast_to(np.arange(_ANGLES.size), rho.shape)
    grid = np.zeros((_ANGLES.size, 2 * r + 1, 2 * r + 1), dtype=bool)
    grid[a.ravel(), rho.ravel(), t.ravel()] = True
    # Ink anywhere across a band of _BAND rows of rho, per position along it.
    half = _BAND // 2
    padded = np.pad(grid, ((0, 0), (half, half), (0, 0)))
    bands = padded[:, : 2 * r + 1].copy()
    for k in range(1, _BAND):
        bands |= padded[:, k : k + 2 * r + 1]
    bands = bands.reshape(-1, 2 * r + 1)
    # Only bands whose ink spans _CROSSING of the side from first to last can hold
    # a run that long (a tenth of them, or fewer).
    spans = bands.shape[1] - np.argmax(bands[:, ::-1], axis=1) - np.argmax(bands, axis=1)
    wide = np.flatnonzero(bands.any(axis=1) & (spans >= _CROSSING * s))
    runs = np.zeros((bands.shape[0], 3), dtype=int)
    runs[wide] = _longest_run(bands[wide], _GAP)
    # Bands long enough, longest first; each one taken rules out the bands near it.
    long_enough = np.flatnonzero(runs[:, 0] >= _CROSSING * s)
    order = long_enough[np.argsort(-runs[long_enough, 0], kind="stable")]
    ruled_out = np.zeros(runs.shape[0], dtype=bool)
    found = []
    for k in order:
        if len(found) == _CANDIDATES:
            break
        if ruled_out[k]:
            continue
        angle, mid = divmod(int(k), 2 * r + 1)
        ruled_out |= _same_band(angle, mid, r).ravel()
        found.append((angle, mid, int(runs[k, 1]), int(runs[k, 2])))
    for arr in (ys, xs, rho, t):
        arr.flags.writeable = False
    return ys, xs, rho, t, tuple(found)


def _same_band(angle, mid, r):
    """Which bands (angle steps x offsets from ``r``) are within _NEAR_ANGLE steps
    and _BAND // 2 px of the band ``(angle, mid)`` (at 180 degrees, offsets change
    sign)."""
    n = _ANGLES.size
    turn = np.abs(np.arange(n) - angle)[:, None]
    across = turn > n // 2  # across 0/180 degrees: the same line, offset negated
    offsets = np.arange(2 * r + 1)[None, :]
    offsets = np.where(across, 2 * r - offsets, offsets)
    turn = np.where(across, n - turn, turn)
    return (turn <= _NEAR_ANGLE) & (np.abs(offsets - mid) <= _BAND // 2)


def _clear_line(ys, xs, rho, along, mid, start, stop, s, cos, sin, clear, thick, beyond):
    """Whether the band ``|rho - mid| <= _BAND // 2``, ``start <= along < stop`` is a
    line across the rest of the ink (see :func:`crossing_line`)."""
    inside = (np.abs(rho - mid) <= _BAND // 2) & (along >= start) & (along < stop)
    rest = ~inside
    if not rest.any() or np.count_nonzero(inside) > thick * (stop - start):
        return False
    if beyond is not None and not (start + beyond <= along[rest].min()
                                   and along[rest].max() + beyond <= stop - 1):
        return False
    size = max(np.ptp(ys[rest]), np.ptp(xs[rest])) + 1
    if not _REST[0] * s <= size <= _REST[1] * s:
        return False
    # ... and is centred as MNIST centres its digits: the line was drawn over one.
    # Along the line, that is; across it, the band took the part of the digit
    # that the line covers, which moves what is left of it away from the line.
    dy, dx = ys[rest].mean() - s / 2, xs[rest].mean() - s / 2
    if abs(dy * cos - dx * sin) > _CENTRED or abs(dx * cos + dy * sin) > _CENTRED_ACROSS:
        return False
    rest_yx = np.stack([ys[rest], xs[rest]], axis=1)
    for end in (along[inside] < start + 2, along[inside] >= stop - 2):
        end_yx = np.stack([ys[inside][end], xs[inside][end]], axis=1)
        gap = np.abs(end_yx[:, None, :] - rest_yx[None, :, :]).max(axis=2).min()
        if gap < clear:
            return False
    return True
