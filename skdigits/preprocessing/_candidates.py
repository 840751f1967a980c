"""Candidate ink: what stands clear of the background's noise, and its level.

* :func:`ink_level` -- of an oriented, flattened image (ink positive): the
  background's level and spread, the candidate ink standing a few spreads above
  it, that ink's level, and the printed lines (rules, boxes; see :mod:`._rules`)
  left out of it.
"""

from __future__ import annotations

from skdigits.preprocessing._noise import background_class, pixel_noise
from skdigits.preprocessing._rules import printed_lines
from skdigits.preprocessing._stats import median, noise_level, otsu, percentile, regular_sample
from skdigits.preprocessing._strokes import Blank

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


def ink_level(r, low_res, clipped_sd=0.0, k=4):
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
        printed = printed_lines(cand, r > (med + above) / 2, r - med)
        if printed is not None:
            cand &= ~printed
            if not cand.any():
                raise Blank("it holds only printed lines: rules or boxes")
    return med, sigma, cand, percentile(r[cand], 90) - med, printed
