"""Ink read through the paper's grain: pencil on rough paper.

Where strokes stand only just above a grainy paper pixel by pixel, they break up
with the grain: the image is read again smoothed at a grain's scale, and what it
holds is ink only if one connected piece of it is large enough, or shaped as a
stroke (a short 1), and its edges climb as a stroke's do (soft-edged light and
shade is no ink).

* :func:`grained_ink` -- the ink of an oriented, flattened image read so, or
  :class:`~._strokes.Blank` (:class:`Soft` for light and shade).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits._pixels import border
from skdigits.preprocessing._candidates import ink_level
from skdigits.preprocessing._geometry import EIGHT, inside_distance
from skdigits.preprocessing._marks import extent
from skdigits.preprocessing._noise import spread_off_ink
from skdigits.preprocessing._stats import median, percentile
from skdigits.preprocessing._strokes import Blank
from skdigits.preprocessing._trace import record

# Pencil on grainy paper: where the ink does not stand far enough above the
# paper's texture pixel by pixel, the image is read again smoothed at GRAIN
# pixels (a stroke's scale at the working size; the grains of paper and
# graphite average out, a stroke keeps its level), from _GRAIN_K spreads of the
# smoothed background. Its ink is kept only if one connected piece of it is at
# least _EVIDENCE squares of GRAIN on a side: the largest piece that texture,
# noise or a field of dots leaves above that level is under 14 (measured on the
# robustness suite's non-digits), a pencil digit's about 60 to several hundred.
GRAIN = 2.0
# A stroke read through the grain keeps an edge: smoothed at GRAIN, its level
# climbs at least _SOFT_EDGE of the way per pixel across its edges (their upper
# decile: pencil on the suite's grainy paper 0.16 and more, a digit beside a
# shadow's soft edge about 0.2); light and shade -- clouds of light, soft spots --
# climb less (0.06-0.107 on the suite's and other cloudy and spotted pages).
_SOFT_EDGE = 0.11
# What a stroke-scale top-hat leaves of cloudy light and shade (its parts narrower
# than a stroke) climbs faster, 0.11-0.13 on the suite's cloudy pages: the top-hat
# read through the grain must climb TOP_EDGE (pencil digits read so 0.17-0.27).
TOP_EDGE = 0.15
_GRAIN_K = 3
_GRAIN_LOW = 2
_EVIDENCE = 40
# A smaller piece is evidence too if it is shaped as a stroke: at least
# _STROKE_EVIDENCE grains, _ELONGATED times as long as it is wide along its
# principal axes, no wider than _STROKE_WIDE px (twice its greatest inside
# distance), and not lying along the image's edge (no more of its pixels on the
# edge than it is wide: a stroke's end may meet it). Of the suite's 800 pencil
# digits at seeds 0-3, 17 were blank, their grain leaving no piece of 40 grains;
# 10 are read now (1s, 9s, 4s, a 3, a 0): pieces of 20-37 grains, 3.0-6.5 times as
# long as wide, 4.5-7.2 px wide, off the edge; what grainy paper alone leaves 15-40
# grains large is a blotch (1.4-2.9 times; one 3.8 times, 8 px wide), and the
# lighting's remains on a page whose grid is taken out lie along its edge (38 px).
_STROKE_EVIDENCE = 20
_ELONGATED = 3.0
_STROKE_WIDE = 7.5
# Smoothed at GRAIN, strokes come out as bold as the smoothing (a 1 filled into a
# bar, an 8's loops closed): where the ink is kept, it is the image smoothed at
# _SHARP, at least _KEEP of its level (kept ink stays connected). Pencil on grainy
# paper at 200, seeds 0-3: +0.5, +3.0, +2.5, +2.0 points (1.4 px: 0, +1.5, 0, +2.0).
_SHARP = 1.0
_KEEP = 0.05
# Paper is grainy where its ink stands less than GRAINY spreads of the paper
# above it pixel by pixel (pencil on rough paper: 4.7-7; dots on a clean sheet,
# which smoothing would merge into blobs: far more).
GRAINY = 12
# Images read through the grain have at least this many pixels on their short
# side (a 28x28 frame's strokes are a few pixels wide: smoothing would erase them).
_GRAIN_MIN = 48


class Soft(Blank):
    """The ink read through the grain has soft edges: light and shade, no stroke."""


def grained_ink(r, min_contrast, trace=None, soft_edge=_SOFT_EDGE):
    """The ink of an oriented, flattened image ``r`` read through a grain (see GRAIN).

    Raises :class:`Blank` unless the smoothed image holds ink in one connected
    piece of at least _EVIDENCE grains, whose pixels stand ``min_contrast``
    above the background; :class:`Soft` where its edges climb less than
    ``soft_edge`` (see _SOFT_EDGE).
    """
    if min(r.shape) < _GRAIN_MIN:
        raise Blank("it is too small to read through a grain")
    # Only grainy paper: ink that stands far above the paper's spread pixel by
    # pixel is what it is (a field of dots on a clean sheet is no pencil stroke).
    # Printed lines are found on the image itself (smoothing blurs them into
    # bands that no longer look printed), widened as far as the smoothing reaches.
    _, raw_sigma, raw_cand, raw_level, sharp = ink_level(r, False)
    if raw_level >= GRAINY * spread_off_ink(r, raw_cand, raw_sigma):
        raise Blank("its ink stands clear of a smooth paper: no grain to read through")
    s = ndimage.gaussian_filter(r, GRAIN)
    record(trace, "smoothed at a grain's scale", s)
    med, sigma, cand, level, printed = ink_level(s, False, k=_GRAIN_K)
    if sharp is not None:
        sharp = ndimage.binary_dilation(sharp, iterations=int(2 * GRAIN))
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
    if not _evidence(cand):
        raise Blank("it holds no ink, only noise")
    # The strokes' fainter parts, down to _GRAIN_LOW spreads, as far as a grain
    # from the ink found (a bounded hysteresis): the grain leaves gaps in them.
    floor = med + _GRAIN_LOW * sigma
    low = s > floor
    if printed is not None:
        low &= ~printed
    kept = ndimage.binary_dilation(cand, structure=EIGHT, iterations=int(2 * GRAIN), mask=low)
    if _edge_slope(s, kept, med, level) < soft_edge:
        raise Soft("its ink has soft edges, no stroke's: light and shade on the paper")
    # Where the ink is kept, its shape is read at _SHARP (see there).
    span = level - _GRAIN_LOW * sigma
    fine = np.maximum(ndimage.gaussian_filter(r, _SHARP), floor + _KEEP * span)
    return np.where(kept, np.clip((fine - floor) / span, 0, 1), 0).astype(np.float32)


def _evidence(cand):
    """Whether the ink read through the grain, ``cand``, holds a piece large enough
    (_EVIDENCE), or a smaller one shaped as a stroke (_STROKE_EVIDENCE)."""
    lab, n = ndimage.label(cand, structure=EIGHT)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    if sizes.max() >= _EVIDENCE * GRAIN**2:
        return True
    for i in np.flatnonzero(sizes >= _STROKE_EVIDENCE * GRAIN**2):
        piece = lab == i
        along, across = extent(piece)
        wide = 2 * float(inside_distance(piece).max())
        on_edge = np.count_nonzero(border(piece))
        if along >= _ELONGATED * max(across, 1e-6) and wide <= _STROKE_WIDE and on_edge <= wide:
            return True
    return False


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
