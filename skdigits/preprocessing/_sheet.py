"""A sheet of paper photographed on a darker table: found, and its digit read on it.

* :func:`sheet_of_paper` -- the light sheet (a page, a sticky note, a card) lying
  on a darker surface, cropped, the table showing at its corners painted over;
* :func:`sheet_ink` -- the digit's ink read on that sheet, or the sheet blank;
* :func:`hull_and_rectangle` -- the areas round a region that tell a sheet's
  outline (convex, four-sided) from a bold digit's.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull

from skdigits import _pixels
from skdigits._pixels import border
from skdigits.preprocessing._geometry import bbox
from skdigits.preprocessing._ink import _record as record
from skdigits.preprocessing._ink import digit_ink
from skdigits.preprocessing._lighting import _quadratic_terms
from skdigits.preprocessing._stats import median, otsu
from skdigits.preprocessing._strokes import Blank

# A sheet covers at least _MIN_SHEET of the photo; one covering less than
# _SMALL_SHEET of it (a sticky note, a card) must be a rectangle, filling at
# least _RECTANGLE of the smallest rectangle around it (a bold light "0" on a dark
# canvas fills pi / 4 of its own).
_MIN_SHEET = 0.05
_SMALL_SHEET = 0.3
_RECTANGLE = 0.9
# ... or a four-sided one seen whole, the table around it: a sheet or a note in
# perspective, which the quadrilateral of its extreme corners fills to
# _FOUR_SIDED of its area at least (an ellipse: 2 / pi), along no more than
# _WHOLE of the image's border and not from one side of the image to the other
# (the lit part of a page beside a shadow's straight edge is four-sided too, but
# reaches the border along two or three sides; a band of light crosses it).
_FOUR_SIDED = 0.93
_WHOLE = 0.25
# A sheet holding a digit is at least _ACROSS of the image's short side across (the
# suite's sheets and sticky notes: 0.28 at the least); a narrower light region is a
# strip along an edge -- a drawing app's toolbar beside its dark canvas.
_ACROSS = 0.15
# A sheet is convex, even tilted: it fills at least CONVEX of its convex hull (bold
# digits do not).
CONVEX = 0.93
# A sheet holds at most 15 % of its area of ink (the holes of a bold light digit
# are more); a rectangle, up to _RECTANGLE_INK (a bold digit on a small note).
_RECTANGLE_INK = 0.4


def hull_and_rectangle(filled):
    """``(hull, rectangle, quadrilateral)``: the areas of the convex hull of the
    boolean region ``filled`` (its outline's pixels), of the smallest rectangle
    around that hull, and of the largest of two quadrilaterals in it (see
    :func:`_quadrilateral_area`); None if the outline is degenerate (collinear)."""
    points = np.argwhere(filled & ~ndimage.binary_erosion(filled)).astype(np.float64)
    try:
        hull = ConvexHull(points)
    except Exception:  # degenerate (collinear) outline
        return None
    corners = points[hull.vertices]
    # (volume: the area in 2-D)
    return hull.volume, _rectangle_area(corners), _quadrilateral_area(corners)


def _quadrilateral_area(points):
    """Area of the larger of two quadrilaterals joining the convex polygon
    ``points``' extreme vertices: along the axes, and along the diagonals. Each
    extreme is a corner of a four-sided polygon -- a tilted rectangle, a sheet seen
    in perspective -- whose area one of them then equals; in an ellipse, they
    hold 2 / pi of it at the most."""
    best = 0.0
    for dirs in (((1, 0), (0, 1), (-1, 0), (0, -1)), ((1, 1), (-1, 1), (-1, -1), (1, -1))):
        quad = points[[int(np.argmax(points @ np.array(d, np.float64))) for d in dirs]]
        x, y = quad[:, 0], quad[:, 1]
        best = max(best, 0.5 * abs(float(x @ np.roll(y, 1) - y @ np.roll(x, 1))))
    return best


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


def _paper_region(img, rectangle=False):
    """Mask and box of a light sheet photographed on a darker surface, or None.

    The sheet is the largest light region (Otsu's threshold) once its holes --
    the ink -- are filled. It must be large (>= 30 % of the image; from 5 %, a
    rectangle: a sticky note, a card; always a rectangle with ``rectangle``) and convex
    (>= 93 % of its convex hull, even when tilted), the surface must show
    along at least 40 % of the image border, and the sheet must hold a little
    ink: less than 15 % of its area of dark pixels (40 % on a rectangle, or a
    four-sided one); and it spans 15 % of the image's short side at least. Bold
    light digits on a dark canvas fail these tests (not convex, or the dark
    insides of their loops are a large part of them). The last item returned
    says whether the sheet is empty: no more than a thousandth of it dark, seen
    whole (see _WHOLE) and large (else it may be the lit part of a page or a
    band of light across it, the digit beside it, and is no sheet).
    """
    h, w = img.shape
    if min(h, w) < 32:
        return None
    light = img > otsu(img.ravel())
    lab, n = ndimage.label(light)
    if n == 0:
        return None
    sizes = np.bincount(lab.ravel())[1:]
    region = lab == (np.argmax(sizes) + 1)
    filled = ndimage.binary_fill_holes(region)
    area = int(filled.sum())
    if area < _MIN_SHEET * h * w or h * w - area < 0.05 * h * w:
        return None
    # The surface shows around the sheet: along much of the image border.
    surface = ~filled & ~light
    if _pixels.border(surface).mean() < 0.4:
        return None
    r0, r1, c0, c1 = bbox(filled)
    if min(r1 - r0, c1 - c0) < _ACROSS * min(h, w):
        return None
    outline = hull_and_rectangle(filled)
    if outline is None or area < CONVEX * outline[0]:
        return None
    whole = _pixels.border(filled).mean() <= _WHOLE and not (
        (r0 == 0 and r1 == h) or (c0 == 0 and c1 == w))
    square = area >= _RECTANGLE * outline[1] or (outline[2] >= _FOUR_SIDED * area and whole)
    if (rectangle or area < _SMALL_SHEET * h * w) and not square:
        return None
    ink = int((filled & ~light).sum())  # dark pixels inside the sheet
    empty = ink <= 0.001 * area  # (a sheet seen whole, a large one: see below)
    if ink >= (_RECTANGLE_INK if square else 0.15) * area or (
            empty and not (whole and area >= _SMALL_SHEET * h * w)):
        return None
    return filled, light, (r0, r1, c0, c1), empty


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
    """``(sheet, empty)``: the sheet of a photo of paper lying on a darker table,
    cropped, and whether it looks empty at Otsu's threshold (see
    :func:`_paper_region`); or None.

    ``rectangle``: the sheet must be a rectangle whatever its size (see
    :func:`_paper_region`).

    The sheet's edge (shadows, curl) is left out; the table still showing at
    the corners of a tilted sheet is painted with the sheet's own lighting.
    """
    found = _paper_region(img, rectangle)
    if found is None:
        return None
    filled, light, (r0, r1, c0, c1), empty = found
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
    return sheet, empty


def sheet_ink(img, settings, trace=None, surface=False, low_res=False):
    """Ink of a digit on a sheet of paper photographed on a darker table in the
    gray image ``img``, or None.

    ``surface``: the image's own ink was no stroke but a broad surface (the
    sheet, or the table); else only a rectangular or a four-sided sheet seen whole
    is looked for (see :func:`sheet_of_paper`). A sheet that holds no
    dark pixel is read for faint ink (a pencil), and is blank (raises
    :class:`Blank`) if it holds none -- unless the image is a low-resolution
    scan (``low_res``), which a digit fills: no sheet is empty there.
    """
    found = sheet_of_paper(img, rectangle=not surface)
    if found is None:
        return None
    sheet, empty = found
    if empty and low_res:
        return None
    record(trace, "sheet", sheet)
    try:
        y = digit_ink(sheet, False, settings, True, trace)
    except Blank as exc:
        if empty:  # (the "ink" found on the image was the sheet itself)
            raise Blank("it is an empty sheet of paper on a darker surface") from exc
        return None
    if empty and _at_edges_only(y):
        # On a sheet holding no dark pixel, faint ink along its edges is what is
        # left of them; a faint digit lies inside.
        raise Blank("it is an empty sheet of paper on a darker surface")
    return y


def _at_edges_only(y):
    """Whether every piece of the ink ``y`` touches the image's edge."""
    lab, n = ndimage.label(y > 0)
    return bool(n) and np.isin(np.arange(1, n + 1), border(lab)).all()
