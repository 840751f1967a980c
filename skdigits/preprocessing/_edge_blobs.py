"""A blob reaching in from the image's edge, joined to the digit: cut off.

A thumb holding the sheet in view, a spot of shade half out of the page: where it
touches the digit's strokes, the ink map holds one piece -- digit and blob --,
which :func:`._marks.blobs_beside` (separate pieces only) cannot take apart. The
blob is the part of the piece broader than its strokes (the piece opened with a
disc _WIDER times their typical half-width). It goes when it touches the image's
edge, is round judged whole across the edges it touches (see
:func:`._marks.is_round_blob`), is more than ``_marks._BLOB_WIDER`` times as thick
as the strokes left beside it, and those strokes lie inside the image: a digit
that fills its frame (an enlarged scan) touches the edges itself, and bold there,
where its loops close up, holds round parts too.

* :func:`without_edge_blob` -- the ink map without such a blob.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing import _marks, _strokes
from skdigits.preprocessing._geometry import (
    EIGHT, bbox, inside_distance, ridge_distance, touches_edge,
)

# A piece is judged on its ink above _LEVEL of its own peak (a thumb is lighter
# than the ink it touches: the suite's, 0.6-0.7 of the strokes' level).
_LEVEL = 0.25
# The blob: what a disc _WIDER times the strokes' typical half-width (at least a
# pixel) fits in, grown back by that disc.
_WIDER = 2.0
# The blob's rim (its soft edge) goes with it: _RIM px around it, within its piece.
_RIM = 2
# A blob leaving less than _LEFT of its piece's ink beside it holds no digit.
_LEFT = 0.1
# The heaviest pieces looked at.
_PIECES = 3


def _edge_blobs(y, lab, box, i):
    """The mask (over ``box``, slices) of the blobs in piece ``i`` of ``y`` to cut off,
    with their rims (see the module's docstring); None if none."""
    rs, cs = box
    part = np.where(lab[rs, cs] == i + 1, y[rs, cs], 0)
    solid = part > _LEVEL * part.max()
    dist = inside_distance(solid)
    disc = _WIDER * max(ridge_distance(dist), 1.0)
    core = dist > disc
    if not core.any():
        return None
    broad = solid & (ndimage.distance_transform_edt(~core) <= disc + 1)
    blobs, n = ndimage.label(broad, structure=EIGHT)
    cut = np.zeros(part.shape, dtype=bool)
    for blob in (blobs == j for j in range(1, n + 1)):
        if not touches_edge(_shifted(bbox(blob), box), y.shape):
            continue
        rim = ndimage.binary_dilation(blob, iterations=_RIM) & (part > 0)
        rest = solid & ~rim
        if np.count_nonzero(rest) < _LEFT * np.count_nonzero(solid):
            continue  # (a blob with a tail: no digit beside it)
        strokes, _ = ndimage.label(rest, structure=EIGHT)
        main = strokes == int(np.argmax(np.bincount(strokes.ravel())[1:])) + 1
        if touches_edge(_shifted(bbox(main), box), y.shape):
            continue  # (the digit touches the edge itself: it fills its frame)
        whole = np.zeros(y.shape, dtype=np.int32)
        whole[rs, cs] = blob
        thickness = _marks._round_thickness(whole.astype(np.float32), whole,
                                            ndimage.find_objects(whole), 0, surfaces=False)
        if thickness > _marks._BLOB_WIDER * 2 * ridge_distance(inside_distance(rest)):
            cut |= rim
    return cut if cut.any() else None


def _shifted(inner, box):
    """The box ``inner`` (within the slices ``box``) in the image's coordinates."""
    r0, r1, c0, c1 = inner
    return (box[0].start + r0, box[0].start + r1, box[1].start + c0, box[1].start + c1)


def without_edge_blob(y):
    """The ink map ``y`` without a round blob reaching in from the image's edge and
    joined to the digit's strokes (see the module's docstring), what the cut leaves
    apart from the digit removed (:func:`._strokes.remove_specks`); ``y`` itself if it
    holds none."""
    found = _marks._components(y)
    if found is None:
        return y
    lab, mass, boxes = found
    cut = np.zeros(y.shape, dtype=bool)
    for i in np.argsort(-mass)[:_PIECES]:
        rim = _edge_blobs(y, lab, boxes[i], int(i))
        if rim is not None:
            cut[boxes[i]] |= rim
    if not cut.any():
        return y
    try:
        return _strokes.remove_specks(np.where(cut, 0, y).astype(np.float32))
    except _strokes.Blank:
        return y
