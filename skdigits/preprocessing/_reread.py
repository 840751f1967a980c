"""A small digit on a large canvas, read again finer.

Images are reduced while decoding to a working size; a digit that is small on
its canvas keeps only a few pixels, too few to read, or reads as a speck.
:func:`reread_small` reads its part of the image again at the finest resolution
there is -- and tells a dot, or a piece of a ruled page's rule, from a digit
there: read finer, a digit shows its strokes at a legible size, a dot stays a
dot, and a rule runs across the part from side to side. On a canvas (a flat
rendering) a digit of a few dozen pixels is read so too: reduced, it comes out
softer than MNIST's digits once scaled into its box. Where nothing at all
is found at the working size -- a small digit fainter there than the texture
around it, a grid's lines on squared paper -- :func:`read_finer` looks at the
whole image again, twice as finely, and at a small digit found there finer still.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._geometry import EIGHT, bbox, long_side, touches_edge
from skdigits.preprocessing._ink import digit_ink
from skdigits.preprocessing._rules import ruled_lines
from skdigits.preprocessing._screens import is_flat_render
from skdigits.preprocessing._strokes import Blank, stands_out
from skdigits.preprocessing._trace import record

# A digit whose long side is under _REREAD pixels in an image reduced while
# decoding (a small digit on a large canvas: reduced 5x, a 40-px digit keeps 8
# px) is read again from its part of the image at the finest resolution there
# is, with a margin of _REREAD_MARGIN times its size on every side.
_REREAD = 16
_REREAD_MARGIN = 1.0
# Where that speck is only a part of the digit (no digit found at the working size:
# a 1's stem among a grid's lines), the digit read finer may run out of the part:
# a part _WIDER times as wide round it is read then, once.
_WIDER = 3
# On a program's flat rendering (a canvas: no lighting, no grain; see
# _screens.is_flat_render) a digit found under _REREAD_FLAT px -- twice MNIST's digit
# box -- is read again so too: scaled into its 20 px box from the reduced image, it
# comes out softer than MNIST's digits (a 70-150 px digit on a 400 px canvas, reduced
# 3x: 97.8 % with the benchmark's classic CNN against 98.4 % alone; read finer 98.2).
# On photos the part read alone loses the lighting round it (a lamp's glare: -9.5
# points at 40 px).
_REREAD_FLAT = 40
# Read again, a digit spans at least _LEGIBLE pixels (its ink above _CORE): less is
# a dot, however finely read (the suite's smallest digits span 24 px on their
# canvas; MNIST's are 20).
_LEGIBLE = 8
# An image that holds no digit at the working size and was reduced at least _FINER
# times while decoding is read again, whole, _FINER times as finely. What is found
# there must be a digit that read at the working size would have been small (under
# _REREAD px there: nothing larger went unseen), lying wholly inside the image (a
# piece of a rule or of a page's edge cut by the frame is none). Squared paper
# photographed from afar: its grid's lines outnumber a small digit's pixels at the
# working size, which reads as faint as the grid.
_FINER = 2
# Its size is that of its ink above _CORE (a digit read through a grain, smoothed,
# spreads its faint rim wider).
_CORE = 0.5


def _core_box(piece, y):
    """Bounding box of the ink of ``piece`` above _CORE (of all of it if none is)."""
    return bbox(piece & (y > _CORE)) or bbox(piece)


def _legible(y):
    """Whether the ink map ``y``, read at the finest resolution there is, holds ink
    of a legible digit's size (see _LEGIBLE)."""
    box = _core_box(y > 0, y)
    return box is not None and long_side(box) >= _LEGIBLE


def small_in_reduced(dec, y):
    """Whether the ink ``y`` of the decoded image ``dec`` is small enough to be read
    again finer (see _REREAD): the image was reduced while decoding and its ink
    spans less than _REREAD px."""
    box = _core_box(y > 0, y)
    return (dec.region is not None and box is not None
            and long_side(box) < _REREAD)


def reread_small(dec, y, found, settings, trace):
    """The digit's ink map read again, finer, if it is small in a reduced image.

    ``y`` is the ink map found in the reduced image -- of the digit if
    ``found``, else of all its ink, where no digit was found: then the
    heaviest piece of it (a digit reduced to a few pixels reads as a speck)
    is the candidate, if it stands out from the rest of the ink as a digit does
    (:func:`._strokes.stands_out`: one speck among many is a field of dots; if the
    digit read finer runs out of the part read round that speck, a wider part is
    read, see _WIDER). Returns
    None when there is nothing to read again (see _REREAD, _REREAD_FLAT) or the finer
    part holds no digit either; raises :class:`~._strokes.Blank` when the digit found,
    read finer, is a dot (ink there but no stroke, or none of a legible size).
    """
    if found:
        box = _core_box(y > 0, y)
    else:
        lab, n = ndimage.label(y > 0, structure=EIGHT)
        if n == 0:
            return None
        mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
        heaviest = int(np.argmax(mass))
        if not stands_out(mass, heaviest):
            return None  # one speck among many: a field of dots, no digit
        box = _core_box(lab == heaviest + 1, y)
    size = long_side(box)
    if size >= (_REREAD_FLAT if found and is_flat_render(dec.image) else _REREAD):
        return None
    part = _part(dec, box, _REREAD_MARGIN * size, trace)
    if part is None:
        return None
    try:
        again = digit_ink(part.image, part.is_ink, settings, settings.invert, trace)
    except Blank as exc:
        if found and exc.ink is not None:
            # (Ink there, but read finer no stroke: the digit found was a dot.)
            raise Blank("read finer, its ink is a dot or specks, no stroke") from None
        return None
    if not _legible(again):
        if found:
            raise Blank("read finer, its ink is a dot, no digit")
        return None  # (read finer, a dot stays a dot)
    # The part reaches a digit's size beyond the candidate on every side: a digit
    # fills none of it, so thin lines ruled across it are printed rules at any size
    # of the part (the ink map looks for them only from _geometry.SMALL_FRAME px on, a
    # size a small part lacks): if nothing legible is left without them, the ink
    # was a ruled page's rules, and what was read stands. If a digit is left inside
    # the part, it is read without them (squared paper's grid, read finer).
    left = _without_ruled_lines(again)
    if not _legible(left):
        return None
    if _inside(left):
        return left
    if not found:
        # The speck found was a part of the digit, which runs out of the part
        # read (its strokes cut the grid's lines there: none is found running
        # across, or what is left without them is cut): read a part _WIDER
        # times as wide round it, once.
        wider = _digit_inside_part(dec, box, _WIDER * _REREAD_MARGIN * size, settings, trace)
        if wider is not None:
            return wider
    return again


def _part(dec, box, m, trace):
    """The part of ``dec`` within ``m`` px of ``box`` (at the working size), decoded at
    the finest resolution there is; None if there is no finer one."""
    r0, r1, c0, c1 = box
    h, w = dec.image.shape
    top, bottom, left, right = max(0, r0 - m), min(h, r1 + m), max(0, c0 - m), min(w, c1 + m)
    try:
        part = dec.region(top / h, bottom / h, left / w, right / w)
    except ValueError:  # (a file that can no longer be decoded: what was read stands)
        return None
    if part.is_ink != dec.is_ink or max(part.image.shape) <= max(bottom - top, right - left):
        return None  # (no finer there, or its alpha reads otherwise)
    record(trace, "read again, finer", part.image)
    return part


def _digit_inside_part(dec, box, m, settings, trace):
    """The digit's ink map in the part within ``m`` px of ``box`` read finer, without
    the rules across it, if a legible digit lies there inside the part; else None."""
    part = _part(dec, box, m, trace)
    if part is None:
        return None
    try:
        again = digit_ink(part.image, part.is_ink, settings, settings.invert, trace)
    except Blank:
        return None
    left = _without_ruled_lines(again)
    return left if _legible(left) and _inside(left) else None


def _without_ruled_lines(y):
    """The ink map ``y`` of a part read finer without the lines ruled across it (looked
    for at any size: a digit fills none of the part), or ``y`` if it holds none."""
    rules = ruled_lines(y > 0, small=True)
    return y if rules is None else np.where(rules, 0, y)


def _inside(y):
    """Whether the ink of ``y`` keeps clear of its edges (what ends at an edge is the
    rest of a line, a rule's or a page's, not a digit)."""
    return not touches_edge(bbox(y > 0), y.shape)


def read_finer(dec, find, settings, work_size, trace=None):
    """The digit's ink map found in the whole image read again finer, or None.

    ``dec`` was decoded at ``work_size`` and ``find(dec, settings, trace)`` found
    no digit in it (it raised :class:`~._strokes.Blank`): if ``dec`` was reduced
    while decoding, read it again at _FINER times the size it was read at (a large
    image is reduced by at most 5x, and so read at more than ``work_size``; asked
    for twice ``work_size`` only, a 943 px photo read at 189 px came back at 236,
    not finer enough to be read, and no image longer than 768 px was read again)
    and ``find`` the digit there, keeping it only if it is small at the working size
    and inside the image (see _FINER); still small there, it is read once more from
    its part of the image at the finest resolution there is (:func:`reread_small`).
    """
    shown = max(dec.image.shape)
    if dec.region is None or max(dec.original_shape) < _FINER * shown:
        return None
    try:
        fine = dec.region(0, 1, 0, 1, size=_FINER * max(work_size, shown))
    except ValueError:  # (a file that can no longer be decoded)
        return None
    scale = max(fine.image.shape) / shown
    if scale < 1.5 or fine.is_ink != dec.is_ink:
        return None
    record(trace, "read again, finer", fine.image)
    try:
        y = find(replace(fine, region=None), settings, trace)
    except Blank:
        return None
    box = bbox(y > 0)
    if box is None or long_side(box) >= _REREAD * scale or not _inside(y):
        return None
    # (Reduced 5x and read twice as finely, a 25 px digit spans 10 px: read finer
    # still, a small digit on squared paper shows its strokes apart from the grid.)
    try:
        again = reread_small(fine, y, True, settings, trace)
    except Blank:
        return None
    return y if again is None else again
