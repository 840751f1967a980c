"""Ink: from gray levels to a light-on-dark ink map, and the blank decision.

* :func:`ink_map` -- background subtracted, polarity found, noise floor
  dropped, printed lines (rules across the sheet, boxes around the digit; see
  :mod:`._rules`) left out, ink rescaled to [0, 1]; read through the paper's
  grain where strokes stand only just above it (pencil on rough paper), where
  soft-edged light and shade is no ink;
* :func:`digit_ink` -- that, the specks removed (:mod:`._strokes`), and
  :class:`~._strokes.Blank` when no digit is left.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits import _pixels
from skdigits.preprocessing import _lighting
from skdigits.preprocessing._noise import (
    background_class, beyond_noise, clipped_floor, clipped_noise, pixel_noise,
    spread_off_ink, without_lattice, without_periodic,
)
from skdigits.preprocessing._rules import printed_lines
from skdigits.preprocessing._strokes import Blank, remove_specks
from skdigits.preprocessing._stats import median, noise_level, otsu, percentile, regular_sample


def _record(trace, name, image):
    if trace is not None:
        trace.append((name, image))


# The ink must stand 6 times above the spread of the background (texture,
# fog) and this many times above the pixel-to-pixel noise.
_SNR = 4
# Pencil on grainy paper: where the ink does not stand far enough above the
# paper's texture pixel by pixel, the image is read again smoothed at _GRAIN
# pixels (a stroke's scale at the working size; the grains of paper and
# graphite average out, a stroke keeps its level), from _GRAIN_K spreads of the
# smoothed background. Its ink is kept only if one connected piece of it is at
# least _EVIDENCE squares of _GRAIN on a side: the largest piece that texture,
# noise or a field of dots leaves above that level is under 14 (measured on the
# robustness suite's non-digits), a pencil digit's about 60 to several hundred.
_GRAIN = 2.0
# A stroke read through the grain keeps an edge: smoothed at _GRAIN, its level
# climbs at least _SOFT_EDGE of the way per pixel across its edges (their upper
# decile: pencil on the suite's grainy paper 0.16 and more, a digit beside a
# shadow's soft edge about 0.2); light and shade -- clouds of light, soft spots --
# climb less (0.06-0.107 on the suite's and other cloudy and spotted pages).
_SOFT_EDGE = 0.11
# What a stroke-scale top-hat leaves of cloudy light and shade (its parts narrower
# than a stroke) climbs faster, 0.11-0.13 on the suite's cloudy pages: the top-hat
# read through the grain must climb _TOP_EDGE (pencil digits read so 0.17-0.27).
_TOP_EDGE = 0.15
_GRAIN_K = 3
_GRAIN_LOW = 2
_EVIDENCE = 40
# Smoothed at _GRAIN, strokes come out as bold as the smoothing (a 1 filled into a
# bar, an 8's loops closed): where the ink is kept, it is the image smoothed at
# _SHARP, at least _KEEP of its level (kept ink stays connected). Pencil on grainy
# paper at 200, seeds 0-3: +0.5, +3.0, +2.5, +2.0 points (1.4 px: 0, +1.5, 0, +2.0).
_SHARP = 1.0
_KEEP = 0.05
# Paper is grainy where its ink stands less than _GRAINY spreads of the paper
# above it pixel by pixel (pencil on rough paper: 4.7-7; dots on a clean sheet,
# which smoothing would merge into blobs: far more).
_GRAINY = 12
# Ink _STRONG above the paper (half the range of gray levels) is no light and
# shade: the paper's class of a digit filling its frame spreads up to the ink with
# its edges (a bold 1 cropped to its ink and enlarged: 0.14-0.34 against pixel-to-
# pixel noise of 0.001-0.08, the ink 0.7-1.1 above the paper), and that ink need
# only stand clear of the noise. On the suite's empty pages that the noise alone
# would let through (cloudy, spotted or grainy paper, a band of light), the "ink"
# stood 0.03-0.36 above the paper; with _STRONG, of the suite's 44,280 images only
# 4 cropped digits and 1 enlarged scan read otherwise. Not beyond the range of gray
# levels, though: there the lighting's surface, fitted to a frame that the digit
# fills, overshoots it (without that bound one of 1,150 MNIST digits cropped and
# stretched to 28x28 read as specks; with it 9 read otherwise, one more right).
_STRONG = 0.5
# Images read through the grain have at least this many pixels on their short
# side (a 28x28 frame's strokes are a few pixels wide: smoothing would erase them).
_GRAIN_MIN = 48


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
            # of the border is the background (the whole image if ambiguous;
            # the ring inside a frame line round the image, see _border_light).
            t = otsu(r.ravel())
            light = _border_light(r, t)
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
                r *= _lighting.light_factor(img, bg, light)
        clipped = clipped_floor(img, light_background)
        _record(trace, "oriented", r)
    if grain:
        return _grained_ink(r, min_contrast, trace)
    try:
        return _scaled_ink(r, clipped, min_contrast, low_res, grainy=True, trace=trace)
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
            pass
        try:
            return _grained_ink(r, min_contrast, trace)
        except Blank:
            if not beyond_noise(r, size, _GRAIN):
                raise exc from None  # (noise only: the top-hat would reshuffle it)
        # Faint pencil under light and shade that lifts parts of the paper to the
        # strokes' level breaks up read through the grain: read the top-hat so.
        try:
            return _grained_ink(top, min_contrast, trace, soft_edge=_TOP_EDGE)
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


class _Uneven(Blank):
    """The ink does not stand far enough above the background's own variation."""


class _Soft(Blank):
    """The ink read through the grain has soft edges: light and shade, no stroke."""


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


def _ink_level(r, low_res, clipped_sd=0.0, k=4):
    """``(med, sigma, cand, level, printed)``: the background's level and spread, the
    candidate ink and its level above the background, of an oriented, flattened image
    ``r``, and the mask of its printed lines -- rules across it, boxes around the digit
    (None if there are none).

    ``clipped_sd``: the spread of noise clipped at the background's level
    (:func:`._noise.clipped_noise`), which the spread around the median understates.
    The candidate ink stands ``k`` spreads above the background.
    """
    sample = background_class(regular_sample(r), force=low_res)
    med = float(median(sample))
    sigma = noise_level(sample, med)
    above = med + max(k * sigma, k * clipped_sd, 1e-3)
    cand = r > above
    if not cand.any():
        # Ink filling much of the frame (a low-resolution digit upscaled) widens
        # the spread of all pixels beyond the ink: split by Otsu's threshold
        # instead (the noise test below still applies).
        t = otsu(sample)
        med = float(median(sample[sample <= t]))
        sigma = noise_level(sample[sample <= t], med)
        if not low_res and _STRONG <= float(r.max()) - med <= 1:
            # A bold digit cropped to its ink and enlarged: its smooth edges
            # spread the paper's class too (see _STRONG).
            sigma = min(sigma, pixel_noise(r))
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


def _scaled_ink(r, clipped, min_contrast, low_res, grainy=False, trace=None):
    """The ink of an oriented, flattened image ``r`` rescaled to [0, 1] (or :class:`Blank`).

    ``grainy``: read ink that stands only just clear of a grainy paper through
    the grain (:func:`_grained_ink`).
    """
    smooth = None if low_res else without_lattice(r)
    if smooth is not None:  # (a checkerboard's squares would be strokes to every test)
        _record(trace, "without its lattice", smooth)
        r = smooth
    clipped_sd = 0.0 if low_res else clipped_noise(r, clipped)
    med, sigma, cand, level, printed = _ink_level(r, low_res, clipped_sd)
    if level < min_contrast and sigma == 0 and not low_res:
        # Most of the background on one level exactly (a JPEG decoded at a reduced
        # scale, flat but for its ringing): its spread is that of the pixels off it.
        off = _off_level_spread(r, med)
        if off > clipped_sd:
            clipped_sd = off
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
    if low_res:
        return _rescaled(r, med, sigma, level, printed)
    # (Printed lines are no paper either: their contrast is no grain.)
    spread = spread_off_ink(r, cand if printed is None else cand | printed, sigma)
    grainy = grainy and level < _GRAINY * spread  # (the paper looks grainy)
    if grainy:
        # A printed grid reduced to a periodic texture (squared paper): read
        # without it.
        smooth = without_periodic(r)
        if smooth is not None:
            _record(trace, "without its periodic texture", smooth)
            return _scaled_ink(smooth, clipped, min_contrast, low_res, False, trace)
    if level < 6 * spread:
        raise _Uneven("it holds no ink, only noise")
    if grainy:
        # Ink just clear of a grainy paper breaks up with the grain: read
        # through it where that finds a stroke.
        try:
            return _grained_ink(r, min_contrast, trace)
        except _Soft:
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


def _grained_ink(r, min_contrast, trace=None, soft_edge=_SOFT_EDGE):
    """The ink of an oriented, flattened image ``r`` read through a grain (see _GRAIN).

    Raises :class:`Blank` unless the smoothed image holds ink in one connected
    piece of at least _EVIDENCE grains, whose pixels stand ``min_contrast``
    above the background; :class:`_Soft` where its edges climb less than
    ``soft_edge`` (see _SOFT_EDGE).
    """
    if min(r.shape) < _GRAIN_MIN:
        raise Blank("it is too small to read through a grain")
    # Only grainy paper: ink that stands far above the paper's spread pixel by
    # pixel is what it is (a field of dots on a clean sheet is no pencil stroke).
    # Printed lines are found on the image itself (smoothing blurs them into
    # bands that no longer look printed), widened as far as the smoothing reaches.
    _, raw_sigma, raw_cand, raw_level, sharp = _ink_level(r, False)
    if raw_level >= _GRAINY * spread_off_ink(r, raw_cand, raw_sigma):
        raise Blank("its ink stands clear of a smooth paper: no grain to read through")
    s = ndimage.gaussian_filter(r, _GRAIN)
    _record(trace, "smoothed at a grain's scale", s)
    med, sigma, cand, level, printed = _ink_level(s, False, k=_GRAIN_K)
    if sharp is not None:
        sharp = ndimage.binary_dilation(sharp, iterations=int(2 * _GRAIN))
        printed = sharp if printed is None else printed | sharp
        cand &= ~sharp
        if not cand.any():
            raise Blank("it holds only printed lines: rules or boxes")
        level = percentile(s[cand], 90) - med
    # The ink's contrast is that of its pixels: smoothing fades grainy strokes.
    contrast = percentile(r[cand], 90) - float(median(r))
    if contrast < min_contrast:
        raise Blank(
            f"its ink is too faint (contrast {contrast:.3f} < min_contrast={min_contrast})"
        )
    eight = np.ones((3, 3), dtype=bool)
    lab, n = ndimage.label(cand, structure=eight)
    if np.bincount(lab.ravel())[1:].max() < _EVIDENCE * _GRAIN**2:
        raise Blank("it holds no ink, only noise")
    # The strokes' fainter parts, down to _GRAIN_LOW spreads, as far as a grain
    # from the ink found (a bounded hysteresis): the grain leaves gaps in them.
    floor = med + _GRAIN_LOW * sigma
    low = s > floor
    if printed is not None:
        low &= ~printed
    kept = ndimage.binary_dilation(cand, structure=eight, iterations=int(2 * _GRAIN), mask=low)
    if _edge_slope(s, kept, med, level) < soft_edge:
        raise _Soft("its ink has soft edges, no stroke's: light and shade on the paper")
    # Where the ink is kept, its shape is read at _SHARP (see there).
    span = level - _GRAIN_LOW * sigma
    fine = np.maximum(ndimage.gaussian_filter(r, _SHARP), floor + _KEEP * span)
    return np.where(kept, np.clip((fine - floor) / span, 0, 1), 0).astype(np.float32)


def _edge_slope(s, kept, med, level):
    """Slope (per pixel, as a share of ``level``) of the smoothed image ``s`` on the
    edges of the ink ``kept`` -- where it lies between 0.3 and 0.7 of the way from
    the background ``med`` to the ink's ``level``, near the ink --, its upper decile
    (the strokes' edges may be a minority beside a shadow's)."""
    gy, gx = np.gradient(s)
    rel = (s - med) / max(level, 1e-6)
    edge = (rel > 0.3) & (rel < 0.7) & ndimage.binary_dilation(kept, iterations=3)
    if not edge.any():
        return np.inf
    return float(percentile(np.hypot(gy, gx)[edge], 90)) / max(level, 1e-6)


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
    _record(trace, "ink", y)
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
        _record(trace, "specks removed", y)
    return y
