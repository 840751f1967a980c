"""Frames of the output size drowned in noise, which the light path does not take.

* :func:`through_impulses` -- salt-and-pepper noise so dense that it passes for no
  ink but noise: read once its 3x3 median is taken;
* :func:`through_noise` -- dense noise (Gaussian, speckle, fine stripes) over
  strokes that stand out at a stroke's scale, or faint ink under noise that
  passes for a textured surface as it came: read smoothed.

Either way the cleaned frame goes to the light path, which finds its digit as it
finds any digit of MNIST's size (or does not take it: None).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._light_path import dense_noise, on_light_path
from skdigits.preprocessing._noise import NOISELESS_CONTRAST
from skdigits.preprocessing._under_noise import stroke_under_noise
from skdigits.preprocessing._texture import textured_frame


# Impulse (salt-and-pepper) noise: at least _IMPULSES of a frame's pixels stand out
# from their 3x3 neighbourhood's median by more than half the frame's range ...
_IMPULSES = 0.05
# ... at the frame's darkest or lightest level (_AT_EXTREMES of them at least):
# uniform noise stands out as much, at every level.
_AT_EXTREMES = 0.9


def through_impulses(img, settings):
    """The frame ``img`` (of the output size) full of impulse noise (see _IMPULSES),
    read as MNIST-like by the light path once its 3x3 median is taken; else None.

    So dense that it passes for no ink but noise, the noise leaves the digit's
    strokes under its median, where the light path finds them as it finds any
    digit of MNIST's size.
    """
    med = ndimage.median_filter(img, size=3, mode="nearest")
    lo, hi = float(img.min()), float(img.max())
    odd = np.abs(img - med) > 0.5 * (hi - lo)
    if np.mean(odd) < _IMPULSES:
        return None  # (a flat frame has none)
    if np.mean((img[odd] == lo) | (img[odd] == hi)) < _AT_EXTREMES:
        return None  # (noise of every level: no impulses)
    return on_light_path(med, settings.invert, settings)


# A frame drowned in noise is read smoothed over _DENOISE px (a Gaussian's sigma): of
# MNIST digits under Gaussian noise of 0.65, otherwise blank, the classic CNN reads
# 88 % of those smoothed so, 62 % of them as they came. Its strokes shown to stand
# out of the noise at a stroke's scale (:func:`._under_noise.stroke_under_noise`),
# the smoothed frame is asked only the contrast of ink on a noiseless background
# (NOISELESS_CONTRAST of min_contrast, as :func:`._pipeline.preprocess_image` asks):
# smoothed, faint ink under noise loses its peaks. Of the suite's faint digits under
# noise (``low_contrast_noise``, 500 at each of seeds 0-3) 14 blank -> 5; no frame of
# noise alone or rough surface more is read as a digit (see _under_noise._TIP_CONTACT;
# MNIST digits under dense Gaussian noise of 0.5-0.6: 23 of 300 blank -> 20).
_DENOISE = 1.0


def through_noise(img, settings, *, found_nothing=False):
    """The frame ``img`` (of the output size) drowned in noise (see
    :func:`._light_path.dense_noise`) or passing for a textured surface (see
    :func:`._texture.textured_frame`; the light path takes neither) whose strokes
    stand out at a stroke's scale (see :func:`._under_noise.stroke_under_noise`), read by
    the light path smoothed (see _DENOISE); else None. ``found_nothing``: the
    full pipeline found no digit among the frame's pixels; it is asked whatever
    it looks like.

    Faint ink under noise (2.5-6 noise levels above a gray background) looks like
    a texture as it came -- soft or specked ink spread over the frame -- where a
    textured surface's grains do not line up into strokes once smoothed: of the
    suite's 500 such digits 17.6 % were blank, 4.8 % then; of its 2,000 rough
    surfaces (seeds 0-3) none more is read as a digit. Frames that look like
    neither, in which the full pipeline finds no digit among the pixels (17 of
    those 24: "no ink, only noise"), are asked too: 4.8 -> 1.2 % blank (seed 0).
    """
    if (not (found_nothing or dense_noise(img, settings.invert)
             or textured_frame(img, settings.invert, settings.digit_box))
            or not stroke_under_noise(img, settings.digit_box)):
        return None
    smooth = ndimage.gaussian_filter(img, _DENOISE, mode="nearest")
    # (Its strokes stand out of the noise: fainter ink counts, see _DENOISE.)
    faint = replace(settings, min_contrast=NOISELESS_CONTRAST * settings.min_contrast)
    return on_light_path(smooth, settings.invert, faint)

