"""How noisy an image's background is, to tell ink from noise.

* :func:`background_class` -- the background's pixels when ink and paper are two
  clear classes;
* :func:`pixel_noise` -- pixel-to-pixel noise (smooth variation is none);
* :func:`clipped_noise` -- noise clipped at the background's level (a dark sensor
  frame), which both other measures understate;
* :func:`spread_off_ink` -- the background's spread away from the candidate ink;
* :func:`without_periodic` -- an image without a printed grid's periodic texture;
* :func:`without_lattice` -- an image without a checkerboard's;
* :func:`noiseless` -- a background of one level exactly, which no noise reaches;
* :func:`beyond_noise` -- whether an image holds more than noise at coarser scales.

Frames of the output size at a stroke's scale: :mod:`._under_noise`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, special

from skdigits.preprocessing._levels import borders
from skdigits.preprocessing._stats import median, noise_level, otsu, percentile, regular_sample

# Otsu's separability (between-class over total variance) above which the
# gray levels are two clear classes, ink and background: the noise is then
# measured on the background class alone. Uniform noise has 0.75, Gaussian
# noise ~0.64; a digit filling its frame (low-resolution scans) ~0.9 -- and
# there the ink, a large share of the pixels, would pass for noise.
_TWO_CLASSES = 0.85


def background_class(sample, force=False):
    """The pixels of ``sample`` (ink positive) that are background, if the split is clear."""
    t = otsu(sample)
    low = sample <= t
    n0 = int(np.count_nonzero(low))
    if n0 == 0 or n0 == sample.size:
        return sample
    var = float(sample.var())
    w0 = n0 / sample.size
    m0, m1 = float(sample[low].mean()), float(sample[~low].mean())
    if not force and w0 * (1 - w0) * (m1 - m0) ** 2 < _TWO_CLASSES * var:
        return sample
    return sample[low]


# Clipped noise scatters the background's floor among the other pixels: about as
# many floor/off-floor neighbours as independent pixels would have (0.9-1.05 of
# it in frames of dark noise). A floor cut by a grid's lines has about half.
_SCATTERED = 0.7
# Noise clipped at the floor spreads the pixels above it over many levels: at most
# a few per cent of them on any one 8-bit level (within _STEP of it) once their
# lower quartile lies _QUANTUM or more above the floor (a spread of 13 levels or
# more: 6 % at most). Impulse noise averaged in blocks while decoding
# (salt-and-pepper on a large image) lies on a few levels, a block's share of an
# impulse apart, with the floor at the blocks that no impulse of the ink's
# polarity reached: _ONE_LEVEL of the pixels above the floor or more on the level
# of their lower quartile (a quarter at least, with nothing between it and the
# floor). That is no clipped noise.
_STEP = 0.5 / 255
_QUANTUM = 4 / 255
_ONE_LEVEL = 0.2
# (An impulse averaged in a block is a part of its level, under _PART of the
# image's range; a level at its far end is the ink's, saturated: a clean canvas.)
_PART = 0.5


def clipped_floor(img, light):
    """Mask of the pixels of ``img`` at its floor -- its brightest level on a
    ``light`` background, its darkest on a dark one -- where noise may be clipped
    (see :func:`clipped_noise`); none where the other pixels lie on a few levels
    (impulses averaged in blocks, see _ONE_LEVEL)."""
    floor = img.max() if light else img.min()
    at = img == floor
    step = max(1, img.shape[0] // 200)
    off = np.abs(img[::step][~at[::step]] - floor)
    if off.size:
        q = float(percentile(off, 25))
        if (_QUANTUM < q < _PART * float(img.max() - img.min())
                and np.mean(np.abs(off - q) <= _STEP) >= _ONE_LEVEL):
            return np.zeros_like(at)
    return at


def clipped_noise(r, clipped):
    """Spread of Gaussian noise clipped at the background's level, or 0 if there is none.

    ``clipped`` marks the pixels at the input's darkest (background) level.
    Noise clipped there (a dark sensor frame) leaves that floor scattered among
    the other pixels, and neither the differences between neighbours nor the
    spread around the median (both shrunk by the clipping) measure it. The
    floor is then the noise's quantile ``share`` (the floor's share of the
    pixels), and the lower quartile of the pixels above it its quantile
    ``share + (1 - share) / 4`` -- below the ink, which a digit's minority of
    pixels holds: the two levels' distance, divided by that of the standard
    normal's quantiles, is the noise's spread. (A clean background's floor is
    one region, not scattered: no noise.)
    """
    step = max(1, r.shape[0] // 200)
    rows, at = r[::step], clipped[::step]
    share = float(at.mean())
    if not 0.2 < share < 0.8 or rows.shape[1] < 2:
        return 0.0
    if float(np.mean(at[:, 1:] != at[:, :-1])) <= _SCATTERED * 2 * share * (1 - share):
        # Fewer floor/off-floor neighbours than scattered pixels would have
        # (2 * share * (1 - share)): the floor is a region, or regions between
        # the lines of a grid, not clipped noise.
        return 0.0
    floor = float(median(rows[at]))
    above = float(percentile(rows[~at], 25))
    z = float(special.ndtri(share + (1 - share) / 4) - special.ndtri(share))
    return max(0.0, above - floor) / z


def pixel_noise(r):
    """Pixel-to-pixel noise of ``r``: the robust spread of horizontal differences / sqrt 2.

    Smooth variation (fog, lighting, a blurred upscale) is no noise; the
    minority of differences across the ink's edges does not count either.
    (Noise clipped at the background's level: :func:`clipped_noise`.)
    """
    step = max(1, r.shape[0] // 200)
    d = np.diff(r[::step], axis=1).ravel()
    if d.size == 0:
        return 0.0
    return noise_level(d, median(d)) / np.sqrt(2)


def spread_off_ink(r, cand, sigma):
    """Robust spread of the background away from the candidate ink (``sigma`` if too little).

    Where the ink covers much of the image (a digit filling its frame), the
    spread of all pixels is the ink's, not the background's.
    """
    grow = max(1, min(r.shape) // 32)
    far = ~ndimage.maximum_filter(cand, size=2 * grow + 1)
    if np.count_nonzero(far) < 0.1 * r.size:
        return sigma
    return min(sigma, _spread(r[far]))


def _spread(a):
    """Robust spread of the values of ``a`` (a regular sample of large images)."""
    sample = regular_sample(a)
    return noise_level(sample, median(sample))


# A printed grid (squared paper) reduced for the analysis is a periodic texture:
# its energy lies in the harmonics of its spacing, on the spectrum's axes (a sheet
# roughly level; within a bin of them), each _PEAK times the median of its
# neighbours along the axis (a straight edge -- a shadow's, a note's -- spreads its
# energy smoothly along a line instead), beyond the lowest _LOW_FREQ frequencies
# (lighting, the digit's own shape), and together at least _PERIODIC of the
# energy there. A digit's strokes, paper grain and noise spread theirs.
_PEAK = 8.0
_LOW_FREQ = 3
_PERIODIC = 0.3
_ALONG = 9


def _spectrum(r):
    """``(f, power, fy, fx, high)``: the spectrum of ``r`` about its mean, its power,
    the frequencies' distances from the axes and the frequencies beyond _LOW_FREQ."""
    h, w = r.shape
    f = np.fft.rfft2(r - r.mean())
    power = np.abs(f) ** 2
    fy = np.minimum(np.arange(h), h - np.arange(h))[:, None]
    fx = np.arange(f.shape[1])[None, :]
    return f, power, fy, fx, (fy > _LOW_FREQ) | (fx > _LOW_FREQ)


def _without_peaks(r, f, power, high, peaks, surround, share=_PERIODIC):
    """``r`` with the ``peaks`` of its spectrum set to their ``surround``, or None if
    they hold less than ``share`` of the power beyond the lowest frequencies."""
    total = float(power[high].sum())
    if total <= 0 or float(power[peaks].sum()) < share * total:
        return None
    f[peaks] *= np.sqrt(surround[peaks] / np.maximum(power[peaks], 1e-12))
    return (np.fft.irfft2(f, s=r.shape) + r.mean()).astype(np.float32)


def without_periodic(r):
    """``r`` without its printed grid's periodic texture (the peaks of its spectrum
    set to their surround), or None if it has none (see _PERIODIC)."""
    f, power, fy, fx, high = _spectrum(r)
    # Neighbours along each axis: rows near fy = 0 along fx, columns near fx = 0
    # along fy.
    along_x = ndimage.median_filter(power, size=(1, _ALONG), mode="nearest")
    along_y = ndimage.median_filter(power, size=(_ALONG, 1), mode="wrap")
    peaks = high & (((fy <= 1) & (power > _PEAK * np.maximum(along_x, 1e-12)))
                    | ((fx <= 1) & (power > _PEAK * np.maximum(along_y, 1e-12))))
    return _without_peaks(r, f, power, high, peaks, np.where(fy <= 1, along_x, along_y))


# A checkerboard -- the squares a viewer shows behind a transparent image -- is a
# lattice: its energy lies off the axes, at the products of its two spacings'
# harmonics, each peak _PEAK times its surround (the geometric mean of the power over
# _ALONG x _ALONG frequencies round it: the peaks' leakage into neighbouring bins
# barely lifts it, where it lifts a mean; a median costs 40 times as long) and
# mirrored at -fy (a product of two level patterns is; bands of light across a page,
# tilted rules, a digit's strokes are not: without that test 18 kinds of the suite
# read otherwise, most worse, 200 digits at seed 0), together _LATTICE of the energy
# (a band of light over a digit held 0.34 and a blurred frame enlarged 0.31 of 500
# each; the suite's boards with a digit up to 0.96, 72 % of them 0.3 or more, 53 %
# 0.5 or more; empty boards 1.0). A grid's lines keep theirs on the axes
# (without_periodic). An image less than _LATTICE_SIDE px on a side has too few
# frequencies round each for a surround (a scribble 88 x 12 px held 0.45): none.
_LATTICE = 0.4
_LATTICE_SIDE = 32


def without_lattice(r):
    """``r`` without a lattice's texture (a checkerboard; off the axes of its
    spectrum), or None if it has none (see above)."""
    if min(r.shape) < _LATTICE_SIDE:
        return None
    f, power, fy, fx, high = _spectrum(r)
    around = np.exp(ndimage.uniform_filter(np.log(power + 1e-20), size=_ALONG, mode="nearest"))
    peaks = high & (fy > 1) & (fx > 1) & (power > _PEAK * np.maximum(around, 1e-12))
    peaks &= peaks[-np.arange(len(peaks)) % len(peaks)]  # (at -fy too, see above)
    return _without_peaks(r, f, power, high, peaks, around, _LATTICE)


# A background of one level exactly -- at least _NOISELESS_SHARE of the pixels, and
# _RING_SHARE of the image's outer ring, within half an 8-bit step of the
# background's level -- was made by a program (a canvas, a frame drawn or padded),
# not photographed or scanned: no noise lies there to pass for ink, and ink fainter
# than ``min_contrast`` counts, down to NOISELESS_CONTRAST of it. (MNIST's digits at
# a peak of 0.04-0.08 on black or white were all blank. The ring: a JPEG keeps flat
# paper exact in most of its blocks, but a scan's margins or a photo's lighting
# reach its edges.)
_EXACT = 0.5 / 255
_NOISELESS_SHARE = 0.5
_RING_SHARE = 0.9
NOISELESS_CONTRAST = 1 / 3


def noiseless(x, level, share=_NOISELESS_SHARE, ring_share=_RING_SHARE):
    """Which (n, h, w) images have a background of one level exactly, ``level`` (n,),
    over ``share`` of their pixels and ``ring_share`` of their outer ring (see
    NOISELESS_CONTRAST)."""
    n = len(x)
    level = np.asarray(level, dtype=x.dtype).reshape(n, 1, 1)
    near = np.abs(x - level) <= _EXACT
    ring = borders(near)
    return ((np.count_nonzero(near.reshape(n, -1), axis=1) >= share * near[0].size)
            & (np.count_nonzero(ring, axis=1) >= ring_share * ring.shape[1]))


# A low-resolution scan's digit fills its frame, and leaves less of it to the paper:
# a scan counts as noiseless where the level of its border holds _SCAN_SHARE of its
# pixels and _SCAN_RING of its outer ring, exactly (scikit-learn's 8x8 digits: 0.41
# and 0.61 or more for 95 % of them, the ring 0.57 at least). Empty scans of 8-23 px
# hold their paper's noise: with a spread of 3 levels, 0.13 of their pixels at the
# border's level (median); paper texture and light and shade, 0.06 -- read as scans
# at a third of min_contrast, most of them passed for digits.
_SCAN_SHARE = 0.25
_SCAN_RING = 0.5


def noiseless_scan(native):
    """Whether the low-resolution scan ``native`` (h, w) has paper of one level exactly
    (see _SCAN_SHARE)."""
    return bool(noiseless(native[None], [median(borders(native[None])[0])], _SCAN_SHARE,
                          _SCAN_RING)[0])


# A low-resolution scan holds a digit's strokes: neighbouring pixels alike along its
# rows, columns or a diagonal (the largest of the four lag-1 autocorrelations:
# _SCAN_RELATED or more -- 0.20 at least in 500 binarised thin digits of 12 px, 0.22 in
# the suite's 8 px scans, 0.34 in scikit-learn's 1,797), or ink and paper at the ends of
# its range (_SCAN_ENDS of its pixels or more: 0.24 and more in every set of scans
# measured, those under Gaussian or salt-and-pepper noise included, whose
# autocorrelation may fall under _SCAN_RELATED). White noise of 8-23 px has
# neither (under 0.15 for 57-62 % of noise images at 8 px, 85 % at 12, 96-99 % at 16-20;
# its ends hold a pixel or two); the path for scans, which never calls noise blank, read
# it as a digit.
_SCAN_RELATED = 0.15
_SCAN_ENDS = 0.1


def unrelated(native):
    """Whether the low-resolution scan ``native`` (h, w) is noise: no pixel like its
    neighbours, none at the ends of its range (see _SCAN_RELATED)."""
    if min(native.shape) < 3:
        return False
    a = native.astype(np.float64) - float(native.mean())
    v = float(np.mean(a * a))
    if v == 0:
        return False
    lags = (np.mean(a[1:] * a[:-1]), np.mean(a[:, 1:] * a[:, :-1]),
            np.mean(a[1:, 1:] * a[:-1, :-1]), np.mean(a[1:, :-1] * a[:-1, 1:]))
    if max(lags) >= _SCAN_RELATED * v:
        return False
    lo, hi = float(native.min()), float(native.max())
    ends = np.count_nonzero((native <= lo + _EXACT) | (native >= hi - _EXACT))
    return ends < _SCAN_ENDS * native.size


# Smoothed at a quarter of a stroke's scale, an image keeps at least _COARSE of the
# spread it has smoothed at a grain's where something coarser than its grain shows --
# a digit's strokes, light and shade (the suite's pencil digits that reach the test
# 0.53-0.91, 5th to 95th percentile; cloudy empty pages 0.72-0.93); noise alone keeps
# far less (white noise: about the grain's width over that sigma; the suite's
# uniform noise 0.18-0.40, paper texture 0.20-0.43).
_COARSE = 0.5


def beyond_noise(r, size, grain):
    """Whether the image ``r`` holds more than noise at scales coarser than its grain
    (``grain`` px, a Gaussian's sigma) up to a stroke's (``size`` px; see _COARSE)."""
    fine = _spread(ndimage.gaussian_filter(r, grain))
    return _spread(ndimage.gaussian_filter(r, size / 4)) >= _COARSE * fine
