"""An MNIST-like frame set into a larger, flat image: padded, or placed anywhere on it.

MNIST's frames also come padded -- to 32x32 for LeNet-style networks -- or set
somewhere on a larger empty frame (translated MNIST), clutter and all. The
padding was made, not photographed: it is one level exactly. A frame whose own
background, noise or clutter reaches all four of its sides then stands out of
it as a rectangle of the output size exactly, which is read as that frame by
the light path (see :func:`._pipeline.preprocess_image`); through the full
pipeline at its size, the clutter (stripes, lines across, noise) would be
taken for ink.

A frame whose clutter reaches two opposite sides only (bars or a band down one
side, a line across) stands out of the padding as exactly the output size one
way and less the other. So does a digit drawn on a small canvas exactly as tall
(or wide) as the frame, which the full pipeline sizes and centres: kept at its
size by the light path, it fills the frame and is misread (digits of 22-28 px
on 40-128 px canvases: 98.6 % right through the full pipeline, 96.6 % if every
such content were read as a frame). Such content is read as a frame only when
clutter shows beside the digit (:func:`._clutter.digit_apart`: the digit's own
pieces have a digit's size, or a line across runs well past it at both ends --
a digit's stems run past the rest of it by a few pixels), a bar of one level
runs down the frame at the content's side, or the ink that spans the frame is
thin (a zigzag): once thin ink is set apart, what is left stands clear of both
ends of the frame -- a tall digit's strokes reach them. Its polarity is the
padding's (a digit as tall as the frame fills the frame's border). The frame's
place the other way is the centred one if it holds all the content (padded
evenly), else the one that centres the digit's own ink (MNIST's frames centre
their digit's mass, at index 14 of 28).

A frame whose digit lies alone on the padding's level is not looked for: it
cannot be told from a digit drawn on a small canvas -- unless the frame is padded
evenly by a few pixels (:func:`evenly_padded`: MNIST for LeNet, 32x32). That image
*is* the frame, whatever its content, and is read exactly as the frame would be:
a digit drawn on a canvas so small is read as on a canvas of the output size.
"""

from __future__ import annotations

import numpy as np

from skdigits._pixels import border
from skdigits.preprocessing._clutter import digit_apart, digit_pieces, without_thin_ink

# The padding's level: the median of the image's outer ring, where at least
# _PADDED of its pixels lie within _FLAT of it (half a step of 8-bit levels: the
# same 8-bit value; the frame may touch the image's edges, and covers less than
# half of its ring when the image is 32 px or more).
_FLAT = 0.5 / 255
_PADDED = 0.5
# A bar along the frame's side: the content's first or last line along the frame
# holds ink of one level (above _BAR_INK of the contrast) in all but _BAR_OFF of
# its pixels and none fainter (a bar of even ink, or a band turned over, which a
# digit crossing it can only darken in a pixel or two), and the content spans more
# than _BESIDE lines across it (a bar beside a digit). A digit's own stem drawn as
# tall as the frame, however straight, fades at its ends (its rim anti-aliased).
_BAR_INK = 0.25
_BAR_OFF = 3
_BESIDE = 15
# A thin line across the frame (a zigzag, 1-2.5 px, merged with the digit): once
# the thin ink is set apart, the strokes left lie _CLEAR px or more inside both
# ends of the frame's span. A digit drawn as tall as the frame keeps its strokes
# at its ends (MNIST digits drawn 28 px tall on 40-128 px canvases: 2 of 1,259
# with a stroke-free margin of 2 px at both ends; zigzag frames set anywhere on a
# 32-64 px frame: 80 of 222).
_CLEAR = 2


# Evenly padded: by 1 to _MAX_PAD px of one level on every side (LeNet's inputs:
# MNIST padded by 2 to 32x32).
_MAX_PAD = 4


def evenly_padded(dec, size):
    """The ``size`` x ``size`` frame at the centre of the decoded image ``dec`` if
    the image is that frame padded evenly (by 1 to _MAX_PAD px on every side, at
    full resolution) with pixels of one level (see _FLAT), else None.

    Whether the frame's own content reaches its sides or not, the image is read as
    the frame: its light path, its polarity, its blank decision. (A 28x28 frame with
    a line across it, padded to 32x32, stands out of the padding as 28 px one way
    only, as a digit drawn exactly as tall as a small canvas does; a frame whose
    digit lies alone on the padding does not stand out at all. Padded evenly, both
    are the frame.)
    """
    img = dec.image
    h, w = img.shape
    pad = (h - size) // 2
    if (h != w or h != size + 2 * pad or not 1 <= pad <= _MAX_PAD
            or tuple(dec.original_shape) != (h, w)):
        return None
    frame = img[pad : pad + size, pad : pad + size]
    ring = np.concatenate([img[:pad].ravel(), img[-pad:].ravel(),
                           img[pad:-pad, :pad].ravel(), img[pad:-pad, -pad:].ravel()])
    return frame if float(np.ptp(ring)) <= _FLAT else None


def _scaled(ink):
    """``(level, solid)`` of a frame's ``ink`` (its distance from the padding's level):
    that ink from 0 to 1 at its extreme, and its solid ink (above half of it)."""
    level = ink / max(float(ink.max()), 1e-6)
    return level, level > 0.5


def _bar_at_side(ink, level, tall):
    """Whether a frame (its ``ink`` and ink ``level``, see :func:`_scaled`) has a bar
    or band down a side of its full span (``tall``: down its rows), see _BAR_INK."""
    ink, level = (ink, level) if tall else (ink.T, level.T)
    s = ink.shape[0]
    inked = np.flatnonzero((level > 0).any(axis=0))
    if inked.size == 0 or inked[-1] - inked[0] < _BESIDE:
        return False  # (bars and bands lie beside a digit: no "1" as tall as the frame)
    for j in (inked[0], inked[-1]):
        line = ink[:, j]
        bar = np.median(line)
        if (np.median(level[:, j]) > _BAR_INK and np.all(line >= bar - _FLAT)
                and np.count_nonzero(line <= bar + _FLAT) >= s - _BAR_OFF):
            return True
    return False


def _thin_line_across(level, solid, tall):
    """Whether the ink spanning a frame (its ``level`` and ``solid`` ink, see
    :func:`_scaled`) one way (``tall``: down its rows) is a thin line: with the thin
    ink set apart (:func:`._clutter.without_thin_ink`), the strokes left stand clear
    of both ends of the frame that way by _CLEAR px or more."""
    _, strokes = without_thin_ink(level, solid)
    if strokes is solid or not strokes.any():
        return False
    lines = np.flatnonzero(strokes.any(axis=1 if tall else 0))
    return bool(lines[0] >= _CLEAR and solid.shape[0] - 1 - lines[-1] >= _CLEAR)


def _clutter_shows(ink, tall, box):
    """Whether a frame (``ink``: its distance from the padding's level) whose content
    spans it exactly one way only (``tall``: down its rows) holds clutter beside its
    digit (see the module's docs)."""
    level, solid = _scaled(ink)
    return (_bar_at_side(ink, level, tall) or bool(digit_apart(ink, solid, box))
            or _thin_line_across(level, solid, tall))


def _digit_centre(ink, box):
    """Row and column (in the frame) of the centre of mass of its digit's own ink
    (``ink``: the frame's distance from the padding's level), clutter apart (see
    :func:`._clutter.digit_pieces`), or None."""
    level, solid = _scaled(ink)
    digit, _ = digit_pieces(*without_thin_ink(level, solid), box)
    if digit is None or not digit.any():
        return None
    idx = np.arange(ink.shape[0])
    mass = digit.sum()
    return float(digit.sum(axis=1) @ idx / mass), float(digit.sum(axis=0) @ idx / mass)


def padded_frame(dec, size, box=20):
    """The ``size`` x ``size`` frame that the decoded image ``dec`` holds in flat
    padding, or None.

    The image must be larger than the frame, at full resolution (not reduced
    while decoding), its outer ring mostly of one level (see _FLAT), and its
    pixels off that level must span exactly ``size`` pixels one way and at most
    that the other -- exactly ``size`` both ways, or clutter showing (see the
    module's docs). ``box`` is the digit box (px).
    """
    img = dec.image
    h, w = img.shape
    if (h, w) == (size, size) or h < size or w < size or tuple(dec.original_shape) != (h, w):
        return None
    ring = border(img)
    level = float(np.median(ring))
    if np.mean(np.abs(ring - level) <= _FLAT) < _PADDED:
        return None
    dist = np.abs(img - level).astype(np.float32)
    off = dist > _FLAT
    rows, cols = np.flatnonzero(off.any(axis=1)), np.flatnonzero(off.any(axis=0))
    if rows.size == 0:
        return None
    spans = (rows[-1] + 1 - rows[0], cols[-1] + 1 - cols[0])
    if max(spans) != size or min(spans) > size:
        return None
    if spans == (size, size):
        return img[rows[0] : rows[0] + size, cols[0] : cols[0] + size]
    tall = spans[0] == size
    first, span, length = (cols[0], spans[1], w) if tall else (rows[0], spans[0], h)
    last = first + span  # (content lies in [first, last) the short way)
    start = (length - size) // 2  # padded evenly
    if not start <= first <= last <= start + size:
        # Set anywhere: centre the content, then the digit's own ink in it.
        start = min(max(first - (size - span) // 2, 0), length - size)
        centre = _digit_centre(_cut(dist, rows[0] if tall else start,
                                    start if tall else cols[0], size), box)
        if centre is not None:
            at = start + centre[1 if tall else 0]
            start = int(round(at - size / 2))  # (MNIST: mass at index 14 of 28)
            start = min(max(start, last - size, 0), first, length - size)
    top, left = (rows[0], start) if tall else (start, cols[0])
    return _cut(img, top, left, size) if _clutter_shows(_cut(dist, top, left, size), tall,
                                                         box) else None


def _cut(a, top, left, size):
    """The ``size`` x ``size`` part of ``a`` from ``(top, left)``."""
    return a[top : top + size, left : left + size]
