"""An MNIST-like frame set into a larger, flat image: padded, or placed anywhere on it.

MNIST's frames also come padded -- to 32x32 for LeNet-style networks -- or set
somewhere on a larger empty frame (translated MNIST), clutter and all. The
padding was made, not photographed: it is one level exactly. A frame whose own
background, noise or clutter reaches all four of its sides then stands out of
it as a rectangle of the output size exactly, which is read as that frame by
the light path (see :func:`._pipeline.preprocess_image`); through the full
pipeline at its size, the clutter (stripes, lines across, noise) would be
taken for ink.

A frame whose digit lies alone on the padding's level, or whose clutter reaches
only two of its sides (a line across it), is not looked for: it cannot be told
from a digit drawn on a small canvas, which the full pipeline sizes and centres
(digits of 22-28 px on 40-128 px canvases: 99.0 % right with the benchmark's
classic CNN through the full pipeline, 98.6 % now; 96.6 % when content spanning
28 px one way was read as a frame, 91.8 % when any content that fits in 28x28
was).
"""

from __future__ import annotations

import numpy as np

from skdigits._pixels import border

# The padding's level: the median of the image's outer ring, where at least
# _PADDED of its pixels lie within _FLAT of it (half a step of 8-bit levels: the
# same 8-bit value; the frame may touch the image's edges, and covers less than
# half of its ring when the image is 32 px or more).
_FLAT = 0.5 / 255
_PADDED = 0.5


def padded_frame(dec, size):
    """The ``size`` x ``size`` frame that the decoded image ``dec`` holds in flat
    padding, or None.

    The image must be larger than the frame, at full resolution (not reduced
    while decoding), its outer ring mostly of one level (see _FLAT), and its
    pixels off that level must span exactly ``size`` x ``size`` pixels.
    """
    img = dec.image
    h, w = img.shape
    if (h, w) == (size, size) or h < size or w < size or tuple(dec.original_shape) != (h, w):
        return None
    ring = border(img)
    level = float(np.median(ring))
    if np.mean(np.abs(ring - level) <= _FLAT) < _PADDED:
        return None
    off = np.abs(img - level) > _FLAT
    rows, cols = np.flatnonzero(off.any(axis=1)), np.flatnonzero(off.any(axis=0))
    if rows.size == 0 or rows[-1] + 1 - rows[0] != size or cols[-1] + 1 - cols[0] != size:
        return None
    return img[rows[0] : rows[0] + size, cols[0] : cols[0] + size]
