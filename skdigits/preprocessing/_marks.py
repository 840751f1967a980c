"""Marks that are no strokes: surfaces, light, shade and edges taken for ink.

Once the lighting's smooth part is taken out, what is left holds more than the
digit's strokes. These tests tell such ink apart by its shape:

* :func:`is_surface` -- a broad solid region, or a large one on the border: a
  table or a sheet's edge (:func:`edge_share`: how much ink lies in pieces at the
  edge);
* :func:`is_round_blob`, :func:`is_blob`, :func:`blobs_beside` -- a round solid
  blob: a spot of light or shade, a stain;
* :func:`is_soft_spots` -- soft spots of light or shade, of any shape: their
  level falls off evenly from a peak;
* :func:`is_band` -- straight bands crossing the image from edge to edge: a
  reflection, stripes of light;
* :func:`edge_step` -- how steeply the ink climbs across its edges: light and
  shade climbs slowly, a pen's stroke at once;
* (strips along the image's edges -- a scanner's dark margins, a table beside the
  sheet -- are :mod:`._margins`).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from skdigits import _pixels
from skdigits.preprocessing._geometry import (
    EIGHT, bbox, inside_distance, long_side, ridge_distance, touches_edge,
)

# Marks shorter than this (px) are judged by no test here: as short as the
# shortest stroke (see :mod:`._strokes`), they are specks.
_MIN_STROKE = 4


def _components(y):
    """``(lab, mass, boxes)`` of the ink's 8-connected components, or None if it has
    none."""
    lab, n = ndimage.label(y > 0, structure=EIGHT)
    if n == 0:
        return None
    mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
    return lab, mass, ndimage.find_objects(lab)


def _own_solid(y, lab, boxes, i):
    """Component ``i``'s solid ink, judged on its own: its pixels above half its own
    peak (a faint mark is as solid as a strong one), cut to its box."""
    rs, cs = boxes[i]
    part = np.where(lab[rs, cs] == i + 1, y[rs, cs], 0)
    return part > 0.5 * part.max()


# A surface on the border covers at least this share of the image.
_SURFACE_SHARE = 0.1


def broad(solid, box):
    """Whether the solid ink ``solid`` (a boolean mask; ``box``, its bounding box) holds a
    region broader than a fifth of the box's long side: no stroke is."""
    r0, r1, c0, c1 = box
    # (Outside the box all is background: its distance transform alone is exact.)
    return bool(inside_distance(solid[r0:r1, c0:c1]).max() > 0.2 * max(r1 - r0, c1 - c0))


def is_surface(y):
    """True if the "ink" holds a broad solid region, or a large one on the border.

    That is what a photo of a sheet of paper lying on a darker surface looks
    like when the surface (or the sheet) is taken for ink. Strokes are thin:
    even MNIST's boldest are less than a fifth of the digit's size across.
    """
    solid = y > 0.5
    box = bbox(solid)
    if box is None:
        return False
    if broad(solid, box):
        return True
    if not touches_edge(box, solid.shape):
        return False  # no ink touches the border
    lab, n = ndimage.label(solid)
    edge = np.unique(_pixels.border(lab))
    edge = edge[edge > 0]
    if edge.size == 0:
        return False
    sizes = np.bincount(lab.ravel(), minlength=n + 1)
    return bool(sizes[edge].max() >= _SURFACE_SHARE * y.size)


def edge_share(y):
    """Share of the solid ink of ``y`` (above 0.5) in connected pieces that touch the
    image's edge (faint ink may join a digit to what lies at the edge)."""
    solid = y > 0.5
    lab, _ = ndimage.label(solid, structure=EIGHT)
    edge = np.unique(_pixels.border(lab))
    return float(np.isin(lab, edge[edge > 0]).sum()) / max(float(solid.sum()), 1.0)


# A round blob: a component whose solid ink is one piece (at least _BLOB_SHARE
# of it), convex (at least _BLOB_SOLID of its convex hull) and less than
# _BLOB_ELONGATION times as long as it is thick.
_BLOB_SHARE = 0.9
_BLOB_SOLID = 0.9
_BLOB_ELONGATION = 2.0
# Such a blob fills at least half its box (an ellipse twice as long as thick, at
# 45 degrees: 0.63); strokes far less. Below _BLOB_FILL, no blob.
_BLOB_FILL = 0.4
# Ink is a blob when its heaviest component is one and holds this share of it.
_BLOB_MASS = 0.5
# Beside a digit, a round blob is light or shade when it is more than this many
# times as thick as the digit's strokes (a round piece of a digit blurred at low
# resolution: up to 2; a patch of shade beside a digit: 1.8 to 3 and more).
_BLOB_WIDER = 2.0


def is_round_blob(solid):
    """True if ``solid`` (one component's solid ink) is a round blob and no stroke.

    That is what light or shade on a page leaves once the lighting's smooth part
    is taken out -- a lamp's spot, a shadow's patch, a stain: a convex patch about
    as thick as it is long. A digit is never convex and round: a 0 has its hole, a
    1 is long, every other digit has ends and bends.
    """
    return _blob_thickness(solid) > 0


def _blob_thickness(solid):
    """The thickness of ``solid`` if it is a round blob (see :func:`is_round_blob`),
    else 0."""
    box = bbox(solid)
    if box is None or solid.sum() < _BLOB_FILL * (box[1] - box[0]) * (box[3] - box[2]):
        return 0.0  # (strokes fill little of their box: no need to look closer)
    pieces, m = ndimage.label(solid, structure=EIGHT)
    if m == 0:
        return 0.0
    sizes = np.bincount(pieces.ravel())[1:]
    if sizes.max() < _BLOB_SHARE * sizes.sum():
        return 0.0
    piece = pieces == int(np.argmax(sizes)) + 1
    r0, r1, c0, c1 = bbox(piece)
    thickness = 2 * float(inside_distance(piece).max())
    if max(r1 - r0, c1 - c0) >= _BLOB_ELONGATION * thickness:
        return 0.0
    # The pixels' corners span the piece's area exactly when it is convex.
    edge = np.argwhere(piece & ~ndimage.binary_erosion(piece)).astype(float)
    corners = np.concatenate([edge + d for d in ((0, 0), (0, 1), (1, 0), (1, 1))])
    try:
        hull = ConvexHull(corners).volume
    except QhullError:  # (a piece one pixel thin: flat)
        return 0.0
    return thickness if piece.sum() >= _BLOB_SOLID * hull else 0.0


def _round_thickness(y, lab, boxes, i, surfaces=True):
    """The thickness of component ``i`` of ``y`` if it is a round blob, else 0 -- judged
    on its pixels above half its own peak (a faint spot is as round as a strong one).
    ``surfaces=False``: a large one on the border (a shadow over the page, a table,
    see :func:`is_surface`) is no blob."""
    if long_side(boxes[i]) < _MIN_STROKE:
        return 0.0
    rs, cs = boxes[i]
    solid = _own_solid(y, lab, boxes, i)
    h, w = y.shape
    if touches_edge((rs, cs), (h, w)):
        if not surfaces and solid.sum() >= _SURFACE_SHARE * y.size:
            return 0.0
        # Cut by the image's edge (a thumb at a photo's edge, a spot half out of
        # the page), a blob may be round only whole: judged also mirrored across
        # the edges it touches.
        whole = solid
        if rs.start == 0:
            whole = np.vstack([whole[::-1], whole])
        if rs.stop == h:
            whole = np.vstack([whole, whole[::-1]])
        if cs.start == 0:
            whole = np.hstack([whole[:, ::-1], whole])
        if cs.stop == w:
            whole = np.hstack([whole, whole[:, ::-1]])
        return max(_blob_thickness(solid), _blob_thickness(whole))
    return _blob_thickness(solid)


def blobs_beside(y, lab, boxes, mass, stroke):
    """Which components of ``y`` are round blobs beside its strokes: light or shade,
    stains -- no ink.

    A blob counts when it is more than _BLOB_WIDER times as thick as the strokes of
    the heaviest stroke component that is no blob: a round piece of the digit itself
    (a blurred junction, a dot where a stroke broke) is about as thick as its
    strokes. A surface on the border (a shadow over the page) is no blob: the
    stroke-scale reading mends it later (see :mod:`._stroke_scale`). Where every
    stroke is a blob, none counts (see :func:`is_blob`).
    """
    thick = np.zeros(mass.size)
    for i in np.argsort(-mass)[:20]:
        thick[i] = _round_thickness(y, lab, boxes, i, surfaces=False)
    blob = thick > 0
    if not blob.any() or not (stroke & ~blob).any():
        return np.zeros(mass.size, dtype=bool)
    main = int(np.flatnonzero(stroke & ~blob)[np.argmax(mass[stroke & ~blob])])
    solid = (lab[boxes[main]] == main + 1) & (y[boxes[main]] > 0.5)
    return blob & (thick > _BLOB_WIDER * 2 * ridge_distance(inside_distance(solid)))


def is_blob(y):
    """True if the ink is mostly one round blob (see :func:`is_round_blob`): its
    heaviest component holds at least _BLOB_MASS of its mass and is one."""
    found = _components(y)
    if found is None:
        return False
    lab, mass, boxes = found
    k = int(np.argmax(mass))
    if mass[k] < _BLOB_MASS * float(mass.sum()):
        return False
    return _round_thickness(y, lab, boxes, k) > 0


# Soft spots: light and shade fall off smoothly from a peak over a filled patch.
# At _SPOT_LOW of its own peak a spot is a filled ellipse: its pixels cover at
# least _SPOT_FILL of the ellipse of its spread (4 pi s1 s2 for standard
# deviations s1 >= s2 along its axes; a filled ellipse 1, a rectangle 0.95, the
# suite's spots 0.89-1; a 3 or a 4 drawn in pencil 0.2-0.7), at most _SPOT_LONG
# times as long as wide (a 1 is longer; the suite's spots, single or merged: 4 at
# most), and its spread across at least _SPOT_WIDE px (the suite's spots
# 2-7; a stroke's width, where pixels decide how it shrinks: a 1 and a piece of
# one, graded in photos, 1.4 and 2.2). Its ink above _SPOT_HIGH of the
# peak is that ellipse shrunk about evenly in every direction (a Gaussian spot's
# level sets are one ellipse, scaled): to at most _SPOT_SHRINK along its length
# and across it, the two within _SPOT_EVEN of each other (the suite's spots:
# 0.49-0.72, within 0.1). A stroke's core keeps the stroke's length (pen ink:
# 0.9-1; a small scan enlarged 8 times, as soft as a spot: 0.78 and more, and
# narrowing across by 0.1-0.2 more or less than along). Ink is soft spots when
# every component holding _SPOT_MASS of its mass is one.
_SPOT_LOW, _SPOT_HIGH = 0.25, 0.75
_SPOT_FILL = 0.85
_SPOT_LONG = 4.5
_SPOT_WIDE = 2.5
_SPOT_SHRINK = 0.75
_SPOT_EVEN = 0.12
_SPOT_MASS = 0.1


def extent(mask):
    """The standard deviations of ``mask``'s pixel positions along its principal
    axes, longest first (zeros for fewer than 3 pixels)."""
    yy, xx = np.nonzero(mask)
    if yy.size < 3:
        return np.zeros(2)
    cov = np.cov(np.vstack([yy, xx]).astype(float))
    return np.sqrt(np.maximum(np.linalg.eigvalsh(cov)[::-1], 0))


def is_soft_spots(y):
    """True if the ink is soft spots of light or shade and no stroke (see _SPOT_LOW):
    each of its heavy components, judged at its own peak, is a filled patch that
    shrinks towards its centre evenly as the level rises."""
    peak = float(y.max())
    if peak <= 0:
        return False
    lab, n = ndimage.label(y > _SPOT_LOW * peak, structure=EIGHT)
    mass = np.bincount(lab.ravel(), weights=y.ravel(), minlength=n + 1)[1:]
    heavy = np.flatnonzero(mass >= _SPOT_MASS * mass.sum())
    if heavy.size == 0:
        return False
    boxes = ndimage.find_objects(lab)
    for i in heavy:
        part = np.where(lab[boxes[i]] == i + 1, y[boxes[i]], 0)
        patch = part > _SPOT_LOW * part.max()
        low = np.maximum(extent(patch), 0.5)
        if (patch.sum() < _SPOT_FILL * 4 * np.pi * low[0] * low[1]
                or low[0] > _SPOT_LONG * low[1] or low[1] < _SPOT_WIDE):
            return False
        along, across = extent(part > _SPOT_HIGH * part.max()) / low
        if max(along, across) > _SPOT_SHRINK or abs(along - across) > _SPOT_EVEN:
            return False
    return True


# A band across the image: a component whose solid ink (above half its own peak)
# is at least _BAND_LONG times as long as it is thick, straight (no pixel of it
# farther from its axis than _BAND_STRAIGHT times its thickness, plus a pixel),
# and reaches the image's edges at both ends (within its thickness). Ink is
# bands when such components hold _BAND_MASS of it. In a frame at least
# _FRAME_LONG times as long as it is wide, a stroke within _FRAME_ANGLE of its
# long side is no band: a 1 cropped to its box (pages are less elongated).
_BAND_LONG = 3.0
_BAND_STRAIGHT = 0.75
_BAND_MASS = 0.9
# ... and the component's ink lies within _BAND_REACH px of the edge there.
_BAND_REACH = 2
_FRAME_LONG = 1.5
_FRAME_ANGLE = np.deg2rad(30)


def is_band(y):
    """True if the ink is straight bands crossing the image from edge to edge.

    That is what a band of light across a page leaves (a window's reflection, a
    sinusoidal lighting's crests) -- and a single straight stroke filling its frame
    (a 1 cropped to its box, or filling a low-resolution scan): one along the long
    side of an elongated frame is no band; for the others, the caller judges from
    the image (see :func:`._pipeline._past_lighting`).
    """
    found = _components(y)
    if found is None:
        return False
    lab, mass, boxes = found
    covered, total = 0.0, float(mass.sum())
    for i in np.argsort(-mass):
        if covered >= _BAND_MASS * total:
            break
        if not _crosses(y, lab, boxes, int(i)):
            return False
        covered += float(mass[i])
    return True


def straight_stroke(solid, long, straight):
    """``(centre, axis, along, thickness)`` of the solid ink ``solid`` (a boolean mask)
    if it is one straight stroke -- at least ``long`` times as long as it is thick (the
    widest disc inscribed in it), no pixel farther from its long axis than
    ``straight`` times its thickness plus a pixel --, else None. ``centre``: the
    pixels' mean (in ``solid``'s coordinates, pixel centres at +0.5); ``axis``: the
    long axis, a unit (row, column) vector; ``along``: each pixel's position on it."""
    if solid.sum() < 2 * _MIN_STROKE:
        return None
    points = np.argwhere(solid) + 0.5
    centre = points.mean(axis=0)
    axis = np.linalg.eigh(np.cov((points - centre).T))[1][:, 1]  # the long axis
    along = (points - centre) @ axis
    across = (points - centre) @ np.array([-axis[1], axis[0]])
    thickness = 2 * float(inside_distance(solid).max())
    if np.ptp(along) < long * thickness or np.abs(across).max() > straight * thickness + 1:
        return None
    return centre, axis, along, thickness


def _crosses(y, lab, boxes, i):
    """Whether component ``i`` of ``y`` is a straight band from edge to edge (see
    :func:`is_band`)."""
    rs, cs = boxes[i]
    found = straight_stroke(_own_solid(y, lab, boxes, i), _BAND_LONG, _BAND_STRAIGHT)
    if found is None:
        return False
    centre, axis, along, thickness = found
    centre = centre + (rs.start, cs.start)
    h, w = y.shape
    if max(h, w) >= _FRAME_LONG * min(h, w) and abs(axis[0 if h > w else 1]) >= np.cos(
            _FRAME_ANGLE):
        return False  # along an elongated frame: a stroke cropped to its box
    # Where the axis leaves the image, on either side of the centre.
    low, high = -np.inf, np.inf
    for k, side in enumerate(y.shape):
        if abs(axis[k]) > 1e-9:
            a, b = sorted(((0 - centre[k]) / axis[k], (side - centre[k]) / axis[k]))
            low, high = max(low, a), min(high, b)
    if along.min() > low + thickness or along.max() < high - thickness:
        return False
    # The component's ink reaches the image's edge where the axis leaves it, at
    # both ends (a bold stroke inside the frame's margin, a 1 of MNIST's 4 px
    # from the edges, comes within its thickness of them; a band runs on to the
    # page's edge).
    rows, cols = np.nonzero(lab[rs, cs] == i + 1)
    rows, cols = rows + rs.start, cols + cs.start
    ring = np.minimum(np.minimum(rows, h - 1 - rows), np.minimum(cols, w - 1 - cols))
    at_edge = np.stack([rows, cols], axis=1)[ring < _BAND_REACH] + 0.5
    if at_edge.size == 0:
        return False
    return all(np.hypot(*(at_edge - (centre + end * axis)).T).min() <= thickness + _BAND_REACH
               for end in (low, high))


# An edge of the ink: its pixels between _EDGE_LOW and _EDGE_HIGH of the ink's
# full level (1); its step: half the range of the ink map over a pixel's 3x3
# neighbourhood (a pixel's climb, also across a 1-px line).
_EDGE_LOW, _EDGE_HIGH = 0.3, 0.7
_MIN_EDGE = 5


def edge_step(y):
    """The ink's typical climb per pixel across its edges (see _EDGE_LOW; their
    median), as a share of its full level.

    A stroke's edge climbs in a pixel or two (the suite's digits on photos and
    canvases: a median of 0.11 or more); light and shade -- a lamp's glare, a
    soft spot -- over many (a median of 0.06-0.10), and so does a small scan
    enlarged many times. ``inf`` if the ink has (nearly) no edge pixels: binary
    ink.
    """
    y = y.astype(np.float32, copy=False)
    edge = (y > _EDGE_LOW) & (y < _EDGE_HIGH)
    if np.count_nonzero(edge) < _MIN_EDGE:
        return np.inf
    step = (ndimage.maximum_filter(y, 3) - ndimage.minimum_filter(y, 3))[edge] / 2
    return float(np.median(step))
