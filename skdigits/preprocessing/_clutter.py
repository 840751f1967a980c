"""A digit and the clutter beside or across it, in one frame of the output size.

The light path (:mod:`._light_path`) decides for a whole batch at once which
frames are MNIST-like digits. Frames whose ink is larger than a digit, or lies
off centre, are looked at closer, one at a time, by the functions here: is the
ink a digit with clutter beside or across it (bars, blobs, a line, dots), and
which ink is the digit's own? (:mod:`._centring` then moves the frames it takes
to that ink's centre, or leaves them in place.) Sizes are measured on the *solid*
ink (above half the ink's contrast) and compared with the digit box (MNIST: 20 px
of 28).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits._pixels import border
from skdigits.preprocessing._crossing import crossing_line, line_pulls
from skdigits.preprocessing._geometry import EIGHT, long_side, pieces, touches_edge

# A digit's solid ink spans at least _MIN_SIZE and at most _MAX_SIZE of the
# digit box (MNIST: 15 to 23 px: 20 px and its anti-aliased rim).
_MIN_SIZE = 15 / 20
_MAX_SIZE = 23 / 20
# Pieces of the digit beside its main piece are at least this long: the dots
# of a dotted line (or specks) near a digit are no part of it.
_MIN_PIECE = 3
# Strokes: solid ink that a 2x2 square fits in, and the pixels next to it; the
# digit's strokes hold at least this share of its solid ink when thin ink is
# set apart as clutter.
_BLOCK = np.ones((2, 2), dtype=bool)
_STROKE_SHARE = 0.5
# ... in pieces of at least this many pixels: the corners of a zigzag's thin
# line hold 2x2 or 2x3 blocks of solid ink, no stroke.
_MIN_CORE = 7
# A line across the frame whose ends stand only this many pixels clear of the
# rest of the ink, or whose band holds up to this many solid pixels per pixel
# of its length (a bold line, 3-5 px; see crossing_line) is weaker evidence:
# enough to keep the frame uncropped, and to move it by a pixel at most, not
# to keep it in place.
_NEAR_CLEAR = 1
_BOLD_LINE = 5.0
# In a frame whose ink spans it one way only, a digit drawn as tall as the frame
# has stems that run past the rest of it by 2-4 px at both ends (a 4's, a 7's): a
# line across runs past the digit by _PAST px at least (of 2,500 MNIST digits
# drawn exactly 28 px tall on 40-128 px canvases, 1 is then taken for a frame and
# misread by the classic CNN; with 3 px, 5 of the first 1,500; frames of MNIST with a straight line
# across, padded: 61.4 -> 79.4 %).
_PAST = 5
# Ink touching one side of the frame in two or more places spread over at least
# this share of the side: a line running along that edge (a zigzag's peaks, a
# dashed line) beside the digit -- the crop would take it for part of the digit
# and shrink the digit. A large digit touches a side in one place (drawn-dev's
# 28x28 canvases: one run of up to 13 px).
_ALONG = 0.35
# ... in _SCALED_UP_PLACES places or more if the frame looks like a digit scaled
# up to fill it (see fills_the_frame), which touches a side in two at most.
_SCALED_UP_PLACES = 3


def size_range(box):
    """``(smallest, largest)`` span (px) of a digit's solid ink for a digit box of ``box`` px."""
    return _MIN_SIZE * box, _MAX_SIZE * box


def weak_line(solid, beyond=None):
    """Weaker evidence of a line across the frame (see _NEAR_CLEAR); with
    ``beyond`` (px), only a line that runs past the rest of the ink at both ends
    (see _BEYOND)."""
    return crossing_line(solid, clear=_NEAR_CLEAR, thick=_BOLD_LINE, beyond=beyond)


def digit_apart(ink, solid, box):
    """Whether clutter shows beside a digit in a frame whose ink spans it exactly one
    way only (a frame set in flat padding, or a digit drawn as tall as it): the
    digit's own pieces, clutter apart (:func:`digit_pieces`; its thin ink kept, a
    digit's own fine strokes may be that thin), have a digit's size, or a line
    crosses the frame and runs past the rest of the ink at both ends by _PAST px
    or more. The laxer tests of :func:`digit_fits` -- thin ink set apart, a line
    running past the rest by less, ink along an edge -- hold for a digit drawn as
    tall as the frame too: its stem crosses it, its ends touch its sides."""
    _, pieces = digit_pieces(ink, solid, box)
    if pieces is not None:
        smallest, largest = size_range(box)
        if smallest <= long_side(pieces) <= largest:
            return True
    return weak_line(solid, beyond=_PAST)


def along_an_edge(sides, level, light, s, places=2):
    """Whether the ink touches a side of the ``s`` x ``s`` frame (``sides``: its four rows
    or columns of border pixels) in ``places`` places or more, spread over ``_ALONG``
    of it or more."""
    for side in sides:
        touch = np.flatnonzero(side < level if light else side > level)
        if touch.size >= 2 and touch[-1] - touch[0] + 1 >= _ALONG * s and (
                np.count_nonzero(np.diff(touch) > 1) + 1 >= places):
            return True
    return False


def digit_pieces(img, solid, box, edge_pieces=True):
    """The digit's own ink in one image, and its box; ``(None, None)`` if it cannot tell.

    Clutter beside the digit -- bars at the sides, blobs -- is left out: the
    digit is the heaviest connected piece of solid ink that neither spans the
    frame (nearly) from edge to edge nor reaches in from an edge beyond a
    digit's size (a bar, a line, or the digit crossed by one), with the pieces
    within a few pixels of it (not single specks of noise) and the fainter ink
    within their box. If such clutter outweighs that piece, the piece is only a
    fragment of the digit: nothing can be told. ``box``: the digit box (px).
    ``edge_pieces``: whether pieces reaching the frame's edge count; without them
    (a neighbour's part, in a digit cropped from a row of them), neither the
    digit's main piece nor a piece joining it reaches the edge.
    """
    s = img.shape[0]
    largest = size_range(box)[1]
    lab, n = ndimage.label(solid, structure=EIGHT)
    if n == 0:
        return None, None
    weight = np.bincount(lab.ravel(), weights=img.ravel(), minlength=n + 1)
    weight[0] = 0
    boxes = ndimage.find_objects(lab)
    sizes = [long_side(b) for b in boxes]
    spanning = 0.0
    for k, ((rs, cs), size) in enumerate(zip(boxes, sizes)):
        edge = touches_edge((rs, cs), (s, s))
        if size >= s - 2 or (edge and size > largest):
            # Edge to edge, or from an edge and larger than a digit: a bar, a
            # line, or a digit merged with one -- not a lone digit.
            spanning = max(spanning, weight[k + 1])
            weight[k + 1] = 0
        elif edge and not edge_pieces:
            weight[k + 1] = 0
    if not weight.any():
        return None, None
    main = int(np.argmax(weight)) - 1
    if weight[main + 1] <= spanning:
        # The heaviest ink spans the frame: the digit crossed by a line or
        # touching a bar, and what is left are fragments. Nothing can be told.
        return None, None
    (r0, r1), (c0, c1) = (boxes[main][0].start, boxes[main][0].stop), (
        boxes[main][1].start, boxes[main][1].stop)
    big = weight[main + 1]
    keep = np.zeros(n + 1, dtype=bool)
    keep[main + 1] = True
    changed = True
    while changed:  # pieces within a few pixels of the digit's box join it
        changed = False
        near = max(2, round(0.15 * max(r1 - r0, c1 - c0)))
        for k, (rs, cs) in enumerate(boxes):
            gap = max(r0 - rs.stop, rs.start - r1, c0 - cs.stop, cs.start - c1)
            if (not keep[k + 1] and sizes[k] >= _MIN_PIECE and weight[k + 1] >= 0.05 * big
                    and gap <= near and (edge_pieces or not touches_edge((rs, cs), (s, s)))):
                keep[k + 1] = changed = True
                r0, r1 = min(r0, rs.start), max(r1, rs.stop)
                c0, c1 = min(c0, cs.start), max(c1, cs.stop)
    digit = np.zeros_like(img)
    digit[r0:r1, c0:c1] = img[r0:r1, c0:c1]
    digit[solid & ~keep[lab]] = 0
    return digit, (r0, r1, c0, c1)


def without_thin_ink(img, solid):
    """``(img, solid)`` without the thin ink: solid pixels more than a pixel away from
    any stroke at least 2 px wide (a 2x2 opening, in pieces of ``_MIN_CORE`` pixels
    or more), with the faint ink around them.

    Thin clutter -- a 1-px line or zigzag drawn over the digit, dots, specks -- is
    no part of the digit; MNIST's strokes are 2-4 px wide. Images whose strokes
    are mostly that thin (a fine pen) are returned unchanged.
    """
    core = ndimage.binary_opening(solid, _BLOCK)
    lab, n = ndimage.label(core, structure=EIGHT)
    if n:
        sizes = np.bincount(lab.ravel(), minlength=n + 1)
        sizes[0] = 0
        core = sizes[lab] >= _MIN_CORE
    n_core, n_solid = int(core.sum()), int(solid.sum())
    if n_core < _STROKE_SHARE * n_solid or n_core == n_solid:
        return img, solid
    near = ndimage.binary_dilation(core, EIGHT)
    thin = solid & ~near
    if not thin.any():
        return img, solid
    # The faint rim of a thin line goes with it.
    drop = ndimage.binary_dilation(thin, EIGHT) & ~near
    return np.where(drop, 0, img).astype(img.dtype, copy=False), solid & ~drop


# A digit scaled up to fill its frame (a drawing cropped to its ink and resized to
# 28x28 by its user) touches the frame's sides as clutter does, but is one piece of
# solid ink (at least _ONE_PIECE of it), touches the sides in few pixels (at most
# _FEW_AT_EDGES of the border's: no bands along them), holds no row or column of
# solid ink from edge to edge (a bar joined to the digit) and has at least
# _SCALED_UP of its solid ink outside the digit box at the centre of the frame
# (MNIST's digits scaled to fill 28 px: 0.23-0.62, 0.35 typically; a line or zigzag
# across an MNIST digit, merged with it: 0.16-0.26) -- or at least _SCALED_UP_THICK
# of it if its strokes are as thick as a scaled-up digit's: _THICK of its solid ink
# or more is left by an opening with a 3x3 square (EIGHT; of frames one piece of
# solid ink with 0.2-0.3 of it outside the box, 92 of 132 digits scaled to fill the
# frame, 4 of 208 MNIST digits with a line or zigzag merged with them).
_ONE_PIECE = 0.95
_FEW_AT_EDGES = 0.25
_SCALED_UP = 0.3
_SCALED_UP_THICK = 0.2
_THICK = 0.9


def fills_the_frame(solid, box):
    """Whether the solid ink of one frame is a digit scaled up to fill it (see
    _SCALED_UP and _SCALED_UP_THICK), to be sized by the full pipeline rather than
    left in place -- unless :func:`digit_fits` finds clutter beside it after all."""
    s = solid.shape[0]
    _, sizes = pieces(solid)
    if not sizes.size or sizes.max() < _ONE_PIECE * sizes.sum():
        return False
    edge = border(solid)
    if np.count_nonzero(edge) > _FEW_AT_EDGES * edge.size:
        return False
    if max(np.count_nonzero(solid, axis=0).max(), np.count_nonzero(solid, axis=1).max()) >= s - 2:
        return False  # (a bar from edge to edge, joined to the digit)
    m = round((s - box) / 2)
    outside = 1 - np.count_nonzero(solid[m : s - m, m : s - m]) / sizes.sum()
    if outside >= _SCALED_UP:
        return True
    if outside < _SCALED_UP_THICK:
        return False
    return np.count_nonzero(ndimage.binary_opening(solid, EIGHT)) >= _THICK * sizes.sum()


def digit_fits(ink, solid, border_sides, edge_level, light, box, scaled_up=False,
               level=(0.0, 1.0)):
    """Whether ink larger than a digit is a digit of the right size with clutter.

    ``ink`` is the frame with its ink high (light-background frames flipped),
    ``level`` its background and ink levels so, ``solid`` its solid ink,
    ``border_sides`` the frame's four sides as it came
    (its ink beyond ``edge_level``, low on a ``light`` background). True when
    the digit's own pieces (:func:`digit_pieces`), with or without the thin ink
    (a thin line or zigzag merged with the digit), and with or without the pieces
    reaching the frame's edge (a neighbour's near part, in a digit cropped from a
    row of digits), have a digit's size; when a
    line crosses the frame, even one that comes close to the digit
    (:func:`weak_line`); when a line longer than the digit box runs beside or
    over a digit centred as MNIST centres them (:func:`._crossing.line_pulls`);
    or when a line runs along an edge
    (:func:`along_an_edge`; in three places or more where the frame looks like a
    digit scaled up to fill it, ``scaled_up``, see :func:`fills_the_frame`: its
    own strokes touch a side in two). The crop would take such clutter for part
    of the digit and shrink the digit; the frame is better left as it is.
    """
    smallest, largest = size_range(box)
    for strokes_only in (False, True):
        img, strokes = without_thin_ink(ink, solid) if strokes_only else (ink, solid)
        # (Without the pieces reaching the edge: the suite's neighbours, 500
        # digits, seeds 0 / 1, 92.4 / 91.6 -> 93.6 / 92.8 % with the classic CNN,
        # alone 96.8 / 97.0; line_bold 81.2 / 77.2 -> 81.6 / 77.6.)
        for edge_pieces in (True, False):
            _, pieces = digit_pieces(img, strokes, box, edge_pieces)
            if pieces is not None and smallest <= long_side(pieces) <= largest:
                return True
    # A digit scaled up to fill its frame touches a side in two places at most
    # (a 3's ends); a zigzag along the edge touches it at peak after peak.
    # (Touching a side in two places kept 8 of the suite's 200 fill_frame digits
    # at their size, all 8 misread.)
    if weak_line(solid) or along_an_edge(border_sides, edge_level, light, ink.shape[0],
                                         places=_SCALED_UP_PLACES if scaled_up else 2):
        return True
    # A line beside the digit's top or bottom (MNIST-C's line at its first or last
    # rows) makes the ink taller than a digit without crossing it.
    bg, top = level
    return line_pulls(np.clip((ink - bg) / (top - bg), 0, 1), solid, largest)
