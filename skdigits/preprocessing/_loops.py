"""A loop drawn round the digit: a circle or a frame drawn by hand, the digit inside.

A digit circled on a form or an exam sheet lies inside a closed stroke that does
not touch it. In the ink map the loop is ink like the digit's, and the crop would
take it in: the digit shrinks inside a ring that reads as a 0. No digit holds a
separate piece of ink of a stroke's size inside one of its loops -- a 0's is
empty; a 6's, an 8's and a 9's are closed by strokes of the same piece --, so a
piece of ink whose holes hold other pieces, together a share of the ink and
one of them spread across much of the hole, is a loop round the digit, which
:func:`enclosing_loops` finds for the ink map to leave out (see
:func:`._rules.printed_lines`). A loop that touches the digit is one piece with
it, and stays.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._geometry import EIGHT, SMALL_FRAME, bbox, long_side

# The pieces inside the loop's holes hold at least _INSIDE of all the ink (a dot
# written inside a 0 holds less), and the largest of them spans at least _SPREAD
# of the hole's long side one way or the other (specks of noise inside a 0, however
# many, do not).
_INSIDE = 0.15
_SPREAD = 0.3
# A loop is a stroke round a hole: the hole covers at least _HOLLOW times the
# loop's own pixels (a ring of radius R and width w: R / 2w; the paper round a
# light digit, read as dark ink, is a surface with holes).
_HOLLOW = 2
# Only the largest pieces are looked at, in images whose long side has at least
# SMALL_FRAME pixels (in a small frame the digit's own outline fills it).
_LARGEST = 3


def enclosing_loops(ink):
    """Mask of the loops drawn round the digit in the boolean ink mask ``ink`` (see
    the module's docs), or None if there are none."""
    if max(ink.shape) < SMALL_FRAME:
        return None
    lab, n = ndimage.label(ink, structure=EIGHT)
    if n < 2:
        return None
    size = np.bincount(lab.ravel(), minlength=n + 1)
    size[0] = 0
    total = size.sum()
    found = None
    for k in np.argsort(-size)[:_LARGEST]:
        if size[k] == 0:
            break
        r0, r1, c0, c1 = bbox(lab == k)
        part = lab[r0:r1, c0:c1]
        loop = part == k
        hole = ndimage.binary_fill_holes(loop) & ~loop
        if np.count_nonzero(hole) < _HOLLOW * size[k]:
            continue
        # The pieces lying wholly inside the hole.
        held = np.bincount(part[hole], minlength=n + 1)
        held[0] = 0
        inside = np.flatnonzero((held > 0) & (held == size))
        if inside.size == 0 or size[inside].sum() < _INSIDE * total:
            continue
        spread = bbox(part == inside[np.argmax(size[inside])])
        reach = bbox(hole)
        if long_side(spread) < _SPREAD * long_side(reach):
            continue
        if found is None:
            found = np.zeros_like(ink)
        found[r0:r1, c0:c1] |= loop
    return found
