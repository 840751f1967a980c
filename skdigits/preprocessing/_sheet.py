"""A sheet of paper photographed on a darker table: found, and its digit read on it.

* :func:`sheet_of_paper` -- the light sheet (a page, a sticky note, a card) lying
  on a darker surface, cropped, the table showing at its corners painted over;
* :func:`sheet_ink` -- the digit's ink read on that sheet, or the sheet blank;
* :func:`outline_areas` -- the areas round a region that tell a sheet's
  outline (convex, rectangular or four-sided) from a bold digit's;
* :func:`convex_hull` -- a region's outline, as a mask;
* :func:`round_the_region`, :func:`sheet_round_ink` -- whether ink is the table
  showing round a sheet.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull

from skdigits import _pixels
from skdigits.preprocessing._geometry import bbox, touches_edge
from skdigits.preprocessing._ink import digit_ink
from skdigits.preprocessing._lighting import _quadratic_terms
from skdigits.preprocessing._marks import broad, edge_share
from skdigits.preprocessing._stats import median, otsu
from skdigits.preprocessing._strokes import Blank
from skdigits.preprocessing._trace import record

# A sheet covers at least _MIN_SHEET of the photo; one covering less than
# _SMALL_SHEET of it (a sticky note, a card) must be a rectangle, filling at least
# _RECTANGLE of the smallest rectangle around it (a bold light "0" on a dark canvas
# fills pi / 4 of its own) -- or, wholly in view, four-sided, as a rectangle seen at
# an angle is: the largest four-sided polygon within its convex hull covers at least
# FOUR_SIDED of the hull (an ellipse: 2 / pi). (Cut by the image's edges, a light
# region may be a band of light across the page.)
_MIN_SHEET = 0.05
_SMALL_SHEET = 0.3
FOUR_SIDED = 0.9
_RECTANGLE = 0.9
# A sheet holding a digit is at least _ACROSS of the image's short side across (the
# suite's sheets and sticky notes: 0.28 at the least); a narrower light region is a
# strip along an edge -- a drawing app's toolbar beside its dark canvas.
_ACROSS = 0.15
# The surface round a sheet is darker than Otsu's threshold over _SURFACE of it at
# least (a table: all of it, in the suite's photos; the paper round one cell, or a
# strip of cells, of squared paper: 0.5-0.72).
_SURFACE = 0.85
# A sheet is convex, even tilted: it fills at least CONVEX of its convex hull (bold
# digits do not).
CONVEX = 0.93
# A sheet holds at most 15 % of its area of ink (the holes of a bold light digit
# are more); a rectangle, up to _RECTANGLE_INK (a bold digit on a small note).
_RECTANGLE_INK = 0.4


def _light_region(img):
    """``(light, filled)``: the pixels of the gray image ``img`` above Otsu's threshold
    and the largest region of them, its holes filled; None if none is light."""
    light = img > otsu(img.ravel())
    lab, n = ndimage.label(light)
    if n == 0:
        return None
    return light, ndimage.binary_fill_holes(lab == np.argmax(np.bincount(lab.ravel())[1:]) + 1)


def _outline_hull(region):
    """``(points, hull)``: the boolean ``region``'s outline pixels (float coordinates)
    and their :class:`~scipy.spatial.ConvexHull`, or None if the outline is
    degenerate (collinear)."""
    points = np.argwhere(region & ~ndimage.binary_erosion(region)).astype(np.float64)
    try:
        return points, ConvexHull(points)
    except Exception:  # degenerate (collinear) outline
        return None


def outline_areas(filled):
    """``(hull, rectangle, four_sided)``: the areas of the convex hull of the boolean
    region ``filled`` (its outline's pixels), of the smallest rectangle around that
    hull and of a large four-sided polygon within it (see :func:`_four_sided_area`);
    None if the outline is degenerate (collinear)."""
    found = _outline_hull(filled)
    if found is None:
        return None
    points, hull = found
    corners = points[hull.vertices]
    # (volume: the area in 2-D)
    return hull.volume, _rectangle_area(corners), _four_sided_area(corners)


def convex_hull(region, found=None):
    """The convex hull of the boolean ``region`` as a mask, or None if its outline is
    degenerate (collinear). ``found``: its :func:`_outline_hull`, if computed already."""
    if found is None:
        found = _outline_hull(region)
    if found is None:
        return None
    points, hull = found
    return _inside_polygon(region.shape, points[hull.vertices]) | region


def _inside_polygon(shape, corners):
    """Mask of the pixels of an image of ``shape`` inside the convex polygon whose
    integer pixel ``corners`` (row, column) go round it in order, its edges included."""
    r0, c0 = corners[:, 0].astype(np.int64), corners[:, 1].astype(np.int64)
    r1, c1 = np.roll(r0, -1), np.roll(c0, -1)
    rows = np.arange(r0.min(), r0.max() + 1)[:, None]
    # Where each edge meets each row it spans, in whole columns (exact, in integers):
    # the polygon's pixels on a row lie between the least and the greatest.
    dr, dc = r1 - r0, c1 - c0
    sign = np.where(dr < 0, -1, 1)
    num = (c0 * dr + (rows - r0) * dc) * sign
    den = np.where(dr == 0, 1, dr * sign)
    level = dr == 0  # (a level edge: its two ends)
    first = np.where(level, np.minimum(c0, c1), -(-num // den))
    last = np.where(level, np.maximum(c0, c1), num // den)
    spans = (rows >= np.minimum(r0, r1)) & (rows <= np.maximum(r0, r1))
    big = np.iinfo(np.int64).max
    lo = np.where(spans, first, big).min(axis=1)
    hi = np.where(spans, last, -big).max(axis=1)
    mask = np.zeros(shape, dtype=bool)
    cols = np.arange(shape[1])
    mask[rows[0, 0] : rows[-1, 0] + 1] = (cols >= lo[:, None]) & (cols <= hi[:, None])
    return mask


# Read the other way from a broad light region -- a sheet photographed on a
# table -- the ink found may be the table showing round it: wedges along the
# image's edges, off the sheet. Strokes on the sheet lie within its outline (its
# convex hull): ink with less than _ON_REGION of its mass there and _AT_EDGE of its
# solid ink in pieces touching the image's edge is the table. (A digit beside a
# lamp's glare lies off the glare's outline too, but inside the image.)
_ON_REGION = 0.5
_AT_EDGE = 0.5
# A sheet filling _FILLS_VIEW of the photo leaves the table showing in wedges only;
# the ink on it lies _RIM pixels inside its outline at least.
_FILLS_VIEW = 0.75
_RIM = 2


def round_the_region(y, ink):
    """Whether the ink ``y`` lies round the broad region that ``ink`` is, at the
    image's edges (see _ON_REGION); False if ``ink`` is no broad region."""
    solid = ink > 0.5
    box = bbox(solid)
    if box is None or not broad(solid, box) or edge_share(y) < _AT_EDGE:
        return False
    region = convex_hull(solid)
    return region is not None and _off_region(y, region)


def _off_region(y, region):
    """Whether less than _ON_REGION of the ink ``y``'s mass lies on ``region`` (a mask)."""
    return float(y[region].sum()) < _ON_REGION * float(y.sum())


def sheet_round_ink(img, y):
    """The outline (convex hull, a mask, less a rim of _RIM px) of the sheet of paper
    filling most of the gray photo ``img`` if the ink ``y`` lies round it (see
    :func:`round_the_region`), else None: the table showing in wedges along the
    image's edges, off the sheet.
    The sheet is the largest light region (Otsu's threshold), its holes filled,
    covering _FILLS_VIEW of the image, convex and four-sided as a sheet is (see
    CONVEX, FOUR_SIDED; the paper between a cropped digit's strokes is smaller, or
    three-sided)."""
    if edge_share(y) < _AT_EDGE:
        return None
    found = _light_region(img)
    if found is None:
        return None
    sheet = found[1]
    area = np.count_nonzero(sheet)
    if area < _FILLS_VIEW * sheet.size:
        return None
    found = _outline_hull(sheet)
    if found is None:
        return None
    points, hull = found
    if (area < CONVEX * hull.volume
            or _four_sided_area(points[hull.vertices]) < FOUR_SIDED * hull.volume):
        return None
    outline = convex_hull(sheet, found)
    if not _off_region(y, outline):
        return None
    # (less the table's soft rim along the sheet's edge)
    return ndimage.binary_erosion(outline, iterations=_RIM)


def _rectangle_area(points):
    """Area of the smallest rectangle holding the convex polygon ``points`` (in order)."""
    edges = np.diff(np.vstack([points, points[:1]]), axis=0)
    angles = np.arctan2(edges[:, 1], edges[:, 0])
    best = np.inf
    for a in angles:  # the smallest rectangle has a side along an edge of the hull
        c, s = np.cos(a), np.sin(a)
        u, v = points @ np.array([c, s]), points @ np.array([-s, c])
        best = min(best, float((u.max() - u.min()) * (v.max() - v.min())))
    return best


def _four_sided_area(points):
    """Area of a large four-sided polygon within the convex polygon ``points`` (in
    order): its corners dropped one by one, each time the one whose triangle with its
    neighbours is smallest, until four are left."""
    points = np.asarray(points, dtype=np.float64)
    while len(points) > 4:
        before, after = np.roll(points, 1, axis=0), np.roll(points, -1, axis=0)
        a, b = points - before, after - before
        points = np.delete(points, int(np.argmin(np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]))),
                           axis=0)
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _paper_region(img, rectangle=False):
    """Mask and box of a light sheet photographed on a darker surface, or None.

    The sheet is the largest light region (Otsu's threshold) once its holes --
    the ink -- are filled. It must be large (>= 30 % of the image; from 5 %, a
    rectangle: a sticky note, a card; always a rectangle with ``rectangle``; wholly in
    view, a four-sided region is one, seen at an angle) and convex
    (>= 93 % of its convex hull, even when tilted), the surface must show
    along at least 40 % of the image border and be dark over 85 % of it (see
    _SURFACE), and the sheet must hold a little
    ink: a few thousandths to 15 % of its area of dark pixels (40 % on a
    rectangle); and it spans 15 % of the image's short side at least. Bold light
    digits on a dark canvas fail these tests (not convex, or the dark insides
    of their loops are a large part of them).
    """
    h, w = img.shape
    if min(h, w) < 32:
        return None
    found = _light_region(img)
    if found is None:
        return None
    light, filled = found
    area = int(filled.sum())
    if area < _MIN_SHEET * h * w or h * w - area < 0.05 * h * w:
        return None
    # The surface shows around the sheet: along much of the image border, and
    # darker than the sheet almost everywhere (see _SURFACE).
    surface = ~filled & ~light
    if (_pixels.border(surface).mean() < 0.4
            or np.count_nonzero(surface) < _SURFACE * (h * w - area)):
        return None
    r0, r1, c0, c1 = bbox(filled)
    if min(r1 - r0, c1 - c0) < _ACROSS * min(h, w):
        return None
    found = _outline_hull(filled)
    if found is None or area < CONVEX * found[1].volume:
        return None
    corners = found[0][found[1].vertices]
    square = area >= _RECTANGLE * _rectangle_area(corners)
    inside = not touches_edge((r0, r1, c0, c1), (h, w))
    four_sided = square or (inside and _four_sided_area(corners) >= FOUR_SIDED * found[1].volume)
    if (rectangle or area < _SMALL_SHEET * h * w) and not four_sided:
        return None
    ink = int((filled & ~light).sum())  # dark pixels inside the sheet
    if not 0.001 * area < ink < (_RECTANGLE_INK if square else 0.15) * area:
        return None
    return filled, light, (r0, r1, c0, c1)


def _fit_quadratic(img, mask):
    """Least-squares quadratic surface through the pixels of ``img`` under ``mask``."""
    h, w = img.shape
    rows, cols = np.nonzero(mask)
    step = max(1, rows.size // 20000)
    rows, cols = rows[::step], cols[::step]

    A = _quadratic_terms(rows.astype(np.float64), cols.astype(np.float64), h, w)
    coef = np.linalg.lstsq(A, img[rows, cols].astype(np.float64), rcond=None)[0]
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    return (_quadratic_terms(rr, cc, h, w) @ coef).astype(np.float32)


def sheet_of_paper(img, rectangle=False):
    """The sheet of a photo of paper lying on a darker table, cropped; or None.

    ``rectangle``: the sheet must be a rectangle whatever its size (see
    :func:`_paper_region`).

    The sheet's edge (shadows, curl) is left out; the table still showing at
    the corners of a tilted sheet is painted with the sheet's own lighting.
    """
    found = _paper_region(img, rectangle)
    if found is None:
        return None
    filled, light, (r0, r1, c0, c1) = found
    m = max(1, round(0.03 * min(r1 - r0, c1 - c0)))
    crop = (slice(r0 + m, r1 - m), slice(c0 + m, c1 - m))
    sheet = img[crop]
    if min(sheet.shape) < 8:
        return None
    surface = ~filled[crop] & ~light[crop]
    lab, n = ndimage.label(surface)
    edge = np.unique(_pixels.border(lab))
    edge = edge[edge > 0]
    if edge.size:
        corners = ndimage.binary_dilation(np.isin(lab, edge), iterations=2)
        paper = filled[crop] & light[crop] & ~corners
        if paper.sum() >= 100:
            # Only what is darker than halfway between the surface and the
            # sheet's lighting (not the sheet's own shaded parts), plus its
            # anti-aliased rim.
            fit = _fit_quadratic(sheet, paper)
            table = float(median(img[~filled & ~light]))
            paint = corners & (sheet < (fit + table) / 2)
            paint = ndimage.binary_dilation(paint, iterations=2) & corners
            sheet = np.where(paint, fit, sheet)
    return sheet


def sheet_ink(img, settings, trace=None, rectangle=False):
    """Ink of a digit on a sheet of paper photographed on a darker table in the
    gray image ``img``, or None.

    ``rectangle``: only a rectangular sheet (see :func:`sheet_of_paper`).
    """
    sheet = sheet_of_paper(img, rectangle)
    if sheet is None:
        return None
    record(trace, "sheet", sheet)
    try:
        return digit_ink(sheet, False, settings, True, trace)
    except Blank:
        return None
