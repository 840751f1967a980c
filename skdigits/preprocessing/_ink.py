"""Ink: from gray levels to a light-on-dark ink map, and the blank decision.

* :func:`ink_map` -- background subtracted, polarity found, noise floor
  dropped, ink rescaled to [0, 1];
* :func:`remove_specks` -- the digit's connected components, without the
  small ones away from it;
* :func:`digit_ink` -- both, and :class:`Blank` when no digit is left;
* :func:`is_surface` -- "ink" that is really a table or a sheet's edge.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits import _images
from skdigits.preprocessing import _lighting
from skdigits.preprocessing._geometry import bbox, inside_distance
from skdigits.preprocessing._stats import median, otsu, percentile

# A digit's longest side must cover at least this fraction of the canvas'
# longest side (and at least 3 pixels); smaller ink is "only a speck".
_MIN_EXTENT = 0.05


class Blank(Exception):
    """Raised internally for an image holding no digit."""


def _record(trace, name, image):
    if trace is not None:
        trace.append((name, image))


def ink_map(img, is_ink, invert, correct_lighting, min_contrast, trace=None):
    """Light-on-dark ink map in [0, 1] with background 0 (raises :class:`Blank`)."""
    if float(img.max() - img.min()) < min_contrast:
        raise Blank("it is a single flat colour, with no ink")
    if is_ink:
        r = img - float(median(img))
    else:
        if correct_lighting:
            bg = _lighting.background(img)
        else:
            bg = np.full_like(img, float(median(img)))
        _record(trace, "background", bg)
        r = img - bg
        if invert == "auto":
            # Otsu's threshold splits ink from paper; the class covering most
            # of the border is the background (the whole image if ambiguous).
            t = otsu(r.ravel())
            border = _images._border(r, max(1, round(0.02 * min(r.shape))))
            light = float(np.mean(border > t))
            if 0.35 < light < 0.65:
                light = float(np.mean(r > t))
            light_background = light > 0.5
        else:
            light_background = bool(invert)
        if light_background:
            r = -r
        _record(trace, "oriented", r)
    # Robust statistics; a regular sample of large images is enough.
    sample = r.ravel()[:: max(1, r.size // 40000)]
    med = float(median(sample))
    sigma = 1.4826 * float(median(np.abs(sample - med)))
    cand = r > med + max(4 * sigma, 1e-3)
    if not cand.any():
        raise Blank("it holds no ink, only noise")
    level = percentile(r[cand], 90) - med
    if level < min_contrast:
        raise Blank(
            f"its ink is too faint (contrast {level:.3f} < min_contrast={min_contrast})"
        )
    if level < 6 * sigma:
        raise Blank("it holds no ink, only noise")
    floor = med + max(3 * sigma, 0.1 * level)
    top = med + level
    return np.clip((r - floor) / (top - floor), 0, 1).astype(np.float32)


def remove_specks(y):
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


def digit_ink(img, is_ink, original_shape, settings, invert, trace=None):
    """Ink map of the digit alone (specks removed); raises :class:`Blank`."""
    y = ink_map(img, is_ink, invert, settings.correct_lighting, settings.min_contrast, trace)
    _record(trace, "ink", y)
    if settings.remove_specks:
        y = remove_specks(y)
        _record(trace, "specks removed", y)
    box = bbox(y > 0)
    if box is None:
        raise Blank("it holds no ink")
    r0, r1, c0, c1 = box
    # Extent in original pixels: is it more than a speck?
    extent = max(r1 - r0, c1 - c0) * max(original_shape) / max(y.shape)
    if extent < max(3, _MIN_EXTENT * max(original_shape)):
        raise Blank(
            f"its only ink is a speck ({extent:.0f} px across on a "
            f"{original_shape[1]}x{original_shape[0]} canvas)"
        )
    return y


def is_surface(y):
    """True if the "ink" holds a broad solid region, or a large one on the border.

    That is what a photo of a sheet of paper lying on a darker surface looks
    like when the surface (or the sheet) is taken for ink. Strokes are thin:
    even MNIST's boldest are less than a fifth of the digit's size across.
    """
    solid = y > 0.5
    box = bbox(solid)
    if box is None:
        return False
    r0, r1, c0, c1 = box
    # All pixels outside the ink's box are background, so the distance
    # transform of the box alone is exact -- and far smaller on a canvas.
    if inside_distance(solid[r0:r1, c0:c1]).max() > 0.2 * max(r1 - r0, c1 - c0):
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
