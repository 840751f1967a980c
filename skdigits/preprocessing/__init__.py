"""Turn raw drawn or photographed digits into MNIST-like 28x28 images.

MNIST digits are white on black, anti-aliased, scaled so that their longer
side is 20 pixels (aspect ratio kept), and placed in a 28x28 frame with their
centre of mass at the centre. A CNN trained on MNIST only recognises images
prepared the same way; :class:`DigitImagePreprocessor` does that for files,
PIL images and arrays of any size, colour mode and polarity.

The algorithm lives in private modules of one job each: ``_stats`` (robust
statistics), ``_lighting`` (background and sheets of paper), ``_ink`` (ink
map and the blank decision), ``_geometry`` (boxes, stroke width, placement),
``_pipeline`` (the single-image pipeline over an immutable ``Settings``),
``_light_path`` (size-normalised digits, vectorised for batches), ``_clutter``
(a digit and the clutter beside it, one frame at a time), ``_transform``
(running the pipeline over ``X``: single images, batches, workers) and
``_estimator`` (the scikit-learn shell). Decoding is :mod:`skdigits._decoding`.
"""

from skdigits.preprocessing._estimator import DigitImagePreprocessor

# Pickles and the documentation name the class by its public path.
DigitImagePreprocessor.__module__ = __name__

__all__ = ["DigitImagePreprocessor"]
