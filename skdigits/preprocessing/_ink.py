"""Ink: from gray levels to a light-on-dark ink map, and the blank decision.

* :func:`ink_map` -- background subtracted, polarity found, noise floor
  dropped (the candidate ink, :mod:`._candidates`), printed lines (rules across
  the sheet, boxes around the digit; see :mod:`._rules`) left out, ink rescaled
  to [0, 1]; read through the paper's grain where strokes stand only just above
  it (pencil on rough paper; :mod:`._grain`), where soft-edged light and shade is
  no ink;
* :func:`digit_ink` -- that, the specks removed (:mod:`._strokes`), and
  :class:`~._strokes.Blank` when no digit is left.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits import _pixels
from skdigits.preprocessing import _lighting
from skdigits.preprocessing._candidates import ink_level
from skdigits.preprocessing._grain import GRAIN, GRAINY, TOP_EDGE, Soft, grained_ink
from skdigits.preprocessing._noise import (
    background_class, beyond_noise, clipped_floor, clipped_noise, pixel_noise,
    spread_off_ink, without_lattice, without_periodic,
)
from skdigits.preprocessing._stats import median, noise_level, otsu, regular_sample
from skdigits.preprocessing._strokes import Blank, remove_specks
from skdigits.preprocessing._trace import record


# The ink must stand 6 times above the spread of the background (texture,
# fog) and this many times above the pixel-to-pixel noise.
_SNR = 4


def ink_map(img, is_ink, invert, correct_lighting, min_contrast, trace=None, low_res=False,
            background=None, grain=False, light=None):
    """Light-on-dark ink map in [0, 1] with background 0 (raises :class:`Blank`).

    Printed lines -- rules across the image, boxes around the digit (see
    :mod:`._rules`) -- are no ink: they are left out of the ink's level and of the
    map. ``low_res``: the image is an upsampled low-resolution scan, all digit and
    no noise to speak of: its noise is measured on the background class alone
    and never makes it blank. ``background``: the background to take instead of
    the smooth lighting (an array like ``img``; see :mod:`._stroke_scale`); dark
    ink is then measured as under its typical light (:func:`._lighting.light_factor`:
    relatively in a shadow, which multiplies the light; as it is under a glare,
    which adds to it; ``light``: its exponent, if measured already).
    ``grain``: read the image through a grain at once (see :func:`_grained_ink`).
    """
    spread = float(img.max() - img.min())
    if spread < min_contrast:
        raise Blank("it is a single flat colour, with no ink" if spread == 0 else
                    f"its levels span {spread:.3f} of the gray range only, less than "
                    f"min_contrast={min_contrast:.3g}: too faint for ink")
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
        record(trace, "background", bg)
        r = img - bg
        record(trace, "flattened", r)
        light_background = light_ground(r) if invert == "auto" else bool(invert)
        if light_background:
            r = -r
            if background is not None:
                r *= _lighting.light_factor(img, bg, light)
        clipped = clipped_floor(img, light_background)
        record(trace, "oriented", r)
    if grain:
        return grained_ink(r, min_contrast, trace)
    try:
        return _scaled_ink(r, clipped, min_contrast, low_res, grainy=True, trace=trace)
    except _Uneven as exc:
        # Fog, stains or shadows at scales above a stroke's: keep what stands
        # above its surround at a stroke's scale (a white top-hat) and judge
        # that. Strokes survive it; grains of texture and noise do too, and
        # are still judged as noise and, later, as no stroke.
        size = _lighting.stroke_scale_size(r.shape)
        top = r - ndimage.grey_opening(r, size=(size, size))
        record(trace, "stroke scale", top)
        try:
            return _scaled_ink(top, clipped, min_contrast, low_res)
        except Blank:
            pass
        try:
            return grained_ink(r, min_contrast, trace)
        except Blank:
            if not beyond_noise(r, size, GRAIN):
                raise exc from None  # (noise only: the top-hat would reshuffle it)
        # Faint pencil under light and shade that lifts parts of the paper to the
        # strokes' level breaks up read through the grain: read the top-hat so.
        try:
            return grained_ink(top, min_contrast, trace, soft_edge=TOP_EDGE)
        except Blank:
            raise exc from None


# The border's class: the pixels within _RING of the image's short side from its
# edges. Where a frame line runs round the image (a canvas's border in a
# screenshot, a box scanned with the digit), that ring is the frame: the class of
# the ring just inside it, twice as deep, is the background's when the two rings
# are each at least _DECIDED of one class, and of different classes.
_RING = 0.02
_DECIDED = 0.65


def _border_light(r, t):
    """Share of the border's pixels above ``t`` (the light class) -- of the ring just
    inside a frame line running round the image, if there is one (see _RING)."""
    depth = max(1, round(_RING * min(r.shape)))
    outer = float(np.mean(_pixels.border(r, depth) > t))
    if min(r.shape) <= 6 * depth:
        return outer
    inner = float(np.mean(_pixels.border(r[depth:-depth, depth:-depth], 2 * depth) > t))
    frame = min(outer, 1 - outer) <= 1 - _DECIDED and min(inner, 1 - inner) <= 1 - _DECIDED
    return inner if frame and (outer > 0.5) != (inner > 0.5) else outer


def light_ground(r):
    """Whether the background of ``r``, an image less its smooth lighting (see
    :func:`._lighting.background`), is the light level.

    Otsu's threshold splits ink from paper; the class covering most of the
    border is the background (the whole image if that is ambiguous; the ring
    inside a frame line round the image, see :func:`_border_light`).
    """
    t = otsu(r.ravel())
    light = _border_light(r, t)
    if 0.35 < light < 0.65:
        light = float(np.mean(r > t))
    if 0.35 < light < 0.65:
        # Still even: what remains of the lighting splits the pixels, and the
        # ink is a few of them (a small digit on a large sheet). The ink is the
        # extreme farther from the background's level.
        med = float(median(r))
        return bool(med - r.min() > r.max() - med)
    return bool(light > 0.5)


class _Uneven(Blank):
    """The ink does not stand far enough above the background's own variation."""


def flat_contrast(img, light_background, bg=None):
    """Contrast of the ink once a smooth lighting (gradient, vignette) is taken out.

    What :func:`ink_map` compares with ``min_contrast``; 0 if nothing stands out.
    Paper under uneven lighting has contrast only as a whole, not once flattened.
    ``bg``: the image's :func:`._lighting.background`, if fitted already.
    """
    r = img - (_lighting.background(img) if bg is None else bg)
    try:
        return ink_level(-r if light_background else r, False)[3]
    except Blank:
        return 0.0


def _scaled_ink(r, clipped, min_contrast, low_res, grainy=False, trace=None):
    """The ink of an oriented, flattened image ``r`` rescaled to [0, 1] (or :class:`Blank`).

    ``grainy``: read ink that stands only just clear of a grainy paper through
    the grain (:func:`_grained_ink`).
    """
    smooth = None if low_res else without_lattice(r)
    if smooth is not None:  # (a checkerboard's squares would be strokes to every test)
        record(trace, "without its lattice", smooth)
        r = smooth
    clipped_sd = 0.0 if low_res else clipped_noise(r, clipped)
    med, sigma, cand, level, printed = ink_level(r, low_res, clipped_sd)
    if level < min_contrast and sigma == 0 and not low_res:
        # Most of the background on one level exactly (a JPEG decoded at a reduced
        # scale, flat but for its ringing): its spread is that of the pixels off it.
        off = _off_level_spread(r, med)
        if off > clipped_sd:
            clipped_sd = off
            med, sigma, cand, level, printed = ink_level(r, low_res, clipped_sd)
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
    if low_res:
        return _rescaled(r, med, sigma, level, printed)
    # (Printed lines are no paper either: their contrast is no grain.)
    spread = spread_off_ink(r, cand if printed is None else cand | printed, sigma)
    grainy = grainy and level < GRAINY * spread  # (the paper looks grainy)
    if grainy:
        # A printed grid reduced to a periodic texture (squared paper): read
        # without it.
        smooth = without_periodic(r)
        if smooth is not None:
            record(trace, "without its periodic texture", smooth)
            return _scaled_ink(smooth, clipped, min_contrast, low_res, False, trace)
    if level < 6 * spread:
        raise _Uneven("it holds no ink, only noise")
    if grainy:
        # Ink just clear of a grainy paper breaks up with the grain: read
        # through it where that finds a stroke.
        try:
            return grained_ink(r, min_contrast, trace)
        except Soft:
            raise  # (the pixels hold the same light and shade)
        except Blank:
            pass
    return _rescaled(r, med, sigma, level, printed)


def _off_level_spread(r, med):
    """Robust spread (about ``med``) of the background's pixels off the level ``med``."""
    sample = background_class(regular_sample(r))
    off = sample[sample != med]
    return noise_level(off, med) if off.size else 0.0


def _rescaled(r, med, sigma, level, printed):
    """The ink of ``r`` above its noise floor, its ``level`` at 1; printed lines 0."""
    floor = med + max(3 * sigma, 0.1 * level)
    top = med + level
    ink = np.clip((r - floor) / (top - floor), 0, 1).astype(np.float32)
    if printed is not None:
        ink[printed] = 0
    return ink


def digit_ink(img, is_ink, settings, invert, trace=None, low_res=False, background=None,
              light=None):
    """Ink map of the digit alone (ruled lines and specks removed); raises :class:`Blank`.

    Blank means: no ink above the noise, or no stroke -- connected ink longer
    than it is thick. Neither the size of the canvas nor what touches its
    border matters.
    """
    y = ink_map(
        img, is_ink, invert, settings.correct_lighting, settings.min_contrast, trace, low_res,
        background, light=light,
    )
    record(trace, "ink", y)
    try:
        y = remove_specks(y, drop=settings.remove_specks, blobs=not low_res)
    except Blank as exc:
        exc.ink = y
        if low_res or is_ink or pixel_noise(img) == 0:
            raise  # (no grain: dots on a clean canvas are what they are)
        # Grainy strokes (pencil on rough paper) break up into specks: read the
        # image again through the grain.
        try:
            y = ink_map(img, is_ink, invert, settings.correct_lighting, settings.min_contrast,
                        trace, low_res, background, grain=True, light=light)
            y = remove_specks(y, drop=settings.remove_specks, blobs=not low_res)
        except Blank:
            raise exc from None
    if settings.remove_specks:
        record(trace, "specks removed", y)
    return y
