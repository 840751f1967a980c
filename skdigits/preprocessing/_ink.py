"""Ink: from gray levels to a light-on-dark ink map, and the blank decision.

* :func:`ink_map` -- background subtracted, polarity found, noise floor
  dropped, printed lines (rules across the sheet, boxes around the digit; see
  :mod:`._rules`) left out, ink rescaled to [0, 1];
* :func:`remove_specks` -- the digit's connected components, without the
  small ones away from it;
* :func:`digit_ink` -- both, and :class:`Blank` when no digit is left;
* :func:`is_surface` -- "ink" that is really a table or a sheet's edge.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits import _pixels
from skdigits.preprocessing import _lighting
from skdigits.preprocessing._geometry import bbox, inside_distance
from skdigits.preprocessing._noise import (
    background_class, clipped_noise, pixel_noise, spread_off_ink,
)
from skdigits.preprocessing._rules import printed_lines
from skdigits.preprocessing._stats import median, otsu, percentile


class Blank(Exception):
    """Raised internally for an image holding no digit.

    ``ink``: the ink map it was judged on when ink was found but no digit in it
    (dots or specks), else None. ``contrast``: the ink's level above the
    background when it was judged too faint, else None.
    """

    ink = None
    contrast = None


def _record(trace, name, image):
    if trace is not None:
        trace.append((name, image))


# A stroke is at least this many pixels long (and _ELONGATION times as long as
# it is thick).
_MIN_STROKE = 4
_ELONGATION = 1.3
# The ink must stand 6 times above the spread of the background (texture,
# fog) and this many times above the pixel-to-pixel noise.
_SNR = 4
# The digit's main stroke component (the heaviest) stands out from the rest of
# the ink: it holds at least _MAIN_SHARE of the ink's mass (a digit is mostly
# strokes: real digits 0.44 at the least, nearly always 1) or it is at least
# _STANDS_OUT times as heavy as any other component (a small digit among dust).
# In a field of dots the heaviest chance chain of dots holds a few hundredths of
# the ink and others are nearly as heavy.
_MAIN_SHARE = 0.2
_STANDS_OUT = 4.0


def stands_out(mass, k):
    """Whether component ``k`` of components weighing ``mass`` stands out from the rest
    of the ink as a digit does (see _MAIN_SHARE)."""
    total = float(mass.sum())
    if mass[k] >= _MAIN_SHARE * total:
        return True
    others = np.delete(mass, k)
    return others.size == 0 or mass[k] >= _STANDS_OUT * float(others.max())


def ink_map(img, is_ink, invert, correct_lighting, min_contrast, trace=None, low_res=False,
            background=None):
    """Light-on-dark ink map in [0, 1] with background 0 (raises :class:`Blank`).

    Printed lines -- rules across the image, boxes around the digit (see
    :mod:`._rules`) -- are no ink: they are left out of the ink's level and of the
    map. ``low_res``: the image is an upsampled low-resolution scan, all digit and
    no noise to speak of: its noise is measured on the background class alone
    and never makes it blank. ``background``: the background to take instead of
    the smooth lighting (an array like ``img``; see :mod:`._stroke_scale`); dark
    ink is then measured relative to it, as under its typical light (light
    multiplies: ink in a shadow is as much darker than its paper, relatively).
    """
    if float(img.max() - img.min()) < min_contrast:
        raise Blank("it is a single flat colour, with no ink")
    if is_ink:
        r = img - float(median(img))
        clipped = img <= img.min()
    else:
        if background is not None:
            bg = background
        elif correct_lighting:
            bg = _lighting.background(img)
        else:
            bg = np.full_like(img, float(median(img)))
        _record(trace, "background", bg)
        r = img - bg
        _record(trace, "flattened", r)
        if invert == "auto":
            # Otsu's threshold splits ink from paper; the class covering most
            # of the border is the background (the whole image if ambiguous).
            t = otsu(r.ravel())
            border = _pixels.border(r, max(1, round(0.02 * min(r.shape))))
            light = float(np.mean(border > t))
            if 0.35 < light < 0.65:
                light = float(np.mean(r > t))
            if 0.35 < light < 0.65:
                # Still even: what remains of the lighting splits the pixels, and
                # the ink is a few of them (a small digit on a large sheet). The
                # ink is the extreme farther from the background's level.
                med = float(median(r))
                light = float(med - r.min() > r.max() - med)
            light_background = light > 0.5
        else:
            light_background = bool(invert)
        if light_background:
            r = -r
            if background is not None:
                r *= float(median(bg)) / np.maximum(bg, 0.05)
        clipped = img >= img.max() if light_background else img <= img.min()
        _record(trace, "oriented", r)
    try:
        return _scaled_ink(r, clipped, min_contrast, low_res)
    except _Uneven as exc:
        # Fog, stains or shadows at scales above a stroke's: keep what stands
        # above its surround at a stroke's scale (a white top-hat) and judge
        # that. Strokes survive it; grains of texture and noise do too, and
        # are still judged as noise and, later, as no stroke.
        size = _lighting.stroke_scale_size(r.shape)
        top = r - ndimage.grey_opening(r, size=(size, size))
        _record(trace, "stroke scale", top)
        try:
            return _scaled_ink(top, clipped, min_contrast, low_res)
        except Blank:
            raise exc from None


class _Uneven(Blank):
    """The ink does not stand far enough above the background's own variation."""


def flat_contrast(img, light_background):
    """Contrast of the ink once a smooth lighting (gradient, vignette) is taken out.

    What :func:`ink_map` compares with ``min_contrast``; 0 if nothing stands out.
    Paper under uneven lighting has contrast only as a whole, not once flattened.
    """
    r = img - _lighting.background(img)
    try:
        return _ink_level(-r if light_background else r, False)[3]
    except Blank:
        return 0.0


def _ink_level(r, low_res, clipped_sd=0.0):
    """``(med, sigma, cand, level, printed)``: the background's level and spread, the
    candidate ink and its level above the background, of an oriented, flattened image
    ``r``, and the mask of its printed lines -- rules across it, boxes around the digit
    (None if there are none).

    ``clipped_sd``: the spread of noise clipped at the background's level
    (:func:`._noise.clipped_noise`), which the spread around the median understates.
    """
    # Robust statistics; a regular sample of large images is enough.
    sample = r.ravel()[:: max(1, r.size // 40000)]
    sample = background_class(sample, force=low_res)
    med = float(median(sample))
    sigma = 1.4826 * float(median(np.abs(sample - med)))
    above = med + max(4 * sigma, 4 * clipped_sd, 1e-3)
    cand = r > above
    if not cand.any():
        # Ink filling much of the frame (a low-resolution digit upscaled) widens
        # the spread of all pixels beyond the ink: split by Otsu's threshold
        # instead (the noise test below still applies).
        t = otsu(sample)
        med = float(median(sample[sample <= t]))
        sigma = 1.4826 * float(median(np.abs(sample[sample <= t] - med)))
        above = max(t, med + max(4 * sigma, 1e-3))
        cand = r > above
        if not cand.any():
            raise Blank("it holds no ink, only noise")
    printed = None
    if not low_res:
        # Printed lines -- rules across the sheet, boxes around the digit -- are
        # no ink: on notebook paper the rules outnumber a small digit's pixels
        # many times, and the ink's level would be theirs. (Faint rules are
        # looked for at half the candidates' threshold.)
        printed = printed_lines(cand, r > (med + above) / 2)
        if printed is not None:
            cand &= ~printed
            if not cand.any():
                raise Blank("it holds only printed lines: rules or boxes")
    return med, sigma, cand, percentile(r[cand], 90) - med, printed


def _scaled_ink(r, clipped, min_contrast, low_res):
    """The ink of an oriented, flattened image ``r`` rescaled to [0, 1] (or :class:`Blank`)."""
    clipped_sd = 0.0 if low_res else clipped_noise(r, clipped)
    med, sigma, cand, level, printed = _ink_level(r, low_res, clipped_sd)
    if level < min_contrast:
        # The level is that of most of the candidate ink. A small digit on a large
        # sheet under uneven lighting is a few of those pixels among many that the
        # lighting's remains lift above the noise: where anything stands
        # min_contrast above the background, judge it again at a stroke's scale.
        faint = Blank if low_res or float(r.max()) - med < min_contrast else _Uneven
        exc = faint(
            f"its ink is too faint (contrast {level:.3f} < min_contrast={min_contrast})"
        )
        exc.contrast = level
        raise exc
    if not low_res and level < _SNR * (clipped_sd or pixel_noise(r)):
        raise Blank("it holds no ink, only noise")
    if not low_res and level < 6 * spread_off_ink(r, cand, sigma):
        raise _Uneven("it holds no ink, only noise")
    floor = med + max(3 * sigma, 0.1 * level)
    top = med + level
    ink = np.clip((r - floor) / (top - floor), 0, 1).astype(np.float32)
    if printed is not None:
        ink[printed] = 0
    return ink


def _strokes(y, lab, n, mass, limit=20):
    """Which components hold a stroke: solid ink much longer than it is thick.

    The solid ink (above half the ink level) of each of the ``limit``
    heaviest components is split into its connected pieces; a piece is a
    stroke when its extent (the long side of its box) is at least 4 pixels
    and 1.3 times its thickness (the widest disc inscribed in it). Dots,
    specks, blobs and the grains of noise or paper texture are about as long
    as they are thick.
    """
    boxes = ndimage.find_objects(lab)
    stroke = np.zeros(n, dtype=bool)
    eight = np.ones((3, 3), dtype=bool)
    for i in np.argsort(-mass)[:limit]:
        rs, cs = boxes[i]
        if max(rs.stop - rs.start, cs.stop - cs.start) < _MIN_STROKE:
            continue
        solid = (lab[rs, cs] == i + 1) & (y[rs, cs] > 0.5)
        pieces, k = ndimage.label(solid, structure=eight)
        for j, (ps, qs) in enumerate(ndimage.find_objects(pieces)):
            extent = max(ps.stop - ps.start, qs.stop - qs.start)
            if extent < _MIN_STROKE:
                continue
            thickness = 2 * float(inside_distance(pieces[ps, qs] == j + 1).max())
            if extent >= _ELONGATION * thickness:
                stroke[i] = True
                break
    return stroke, boxes


def remove_specks(y, drop=True):
    """Keep the digit's connected components; raise :class:`Blank` if it has none.

    The digit starts from its heaviest *stroke* component (see
    :func:`_strokes`) -- an image without one holds no digit, only
    dots or specks, whatever their number. With ``drop``, components away from
    the digit and much lighter than it (dust, stray dots, paper texture) are
    removed.
    """
    lab, n = ndimage.label(y > 0, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        raise Blank("it holds no ink")
    mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
    stroke, boxes = _strokes(y, lab, n, mass)
    if not stroke.any():
        raise Blank("its ink holds no stroke, only dots or specks")
    main = int(np.flatnonzero(stroke)[np.argmax(mass[stroke])])
    if not stands_out(mass, main):
        # A few chance chains in a field of dots or grains are no digit.
        raise Blank("its ink is mostly dots or specks, with hardly any stroke")
    if not drop or n == 1:
        return y
    order = np.argsort(-mass)
    kept = {main}
    r0, r1 = boxes[main][0].start, boxes[main][0].stop
    c0, c1 = boxes[main][1].start, boxes[main][1].stop
    big = mass[main]
    changed = True
    while changed:
        changed = False
        size = max(r1 - r0, c1 - c0)
        for i in order:
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


def digit_ink(img, is_ink, settings, invert, trace=None, low_res=False, background=None):
    """Ink map of the digit alone (ruled lines and specks removed); raises :class:`Blank`.

    Blank means: no ink above the noise, or no stroke -- connected ink longer
    than it is thick. Neither the size of the canvas nor what touches its
    border matters.
    """
    y = ink_map(
        img, is_ink, invert, settings.correct_lighting, settings.min_contrast, trace, low_res,
        background,
    )
    _record(trace, "ink", y)
    try:
        y = remove_specks(y, drop=settings.remove_specks)
    except Blank as exc:
        exc.ink = y
        raise
    if settings.remove_specks:
        _record(trace, "specks removed", y)
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
    edge = np.unique(_pixels.border(lab))
    edge = edge[edge > 0]
    if edge.size == 0:
        return False
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    return bool(sizes[edge].max() >= 0.1 * y.size)
