"""Steps in the lighting: the ink read again against a background at a stroke's scale.

The smooth lighting (:func:`._lighting.background`, a quadratic surface) cannot
follow a step -- the edge of a shadow across the page, a small sheet or sticky
note on a dark desk. One side of the step comes out as "ink": a surface, or a
band or a wedge beside the digit. Against the image *closed* (dark ink) or
*opened* (light ink) with a square wider than any stroke
(:func:`._lighting.stroke_scale_background`), steps are background and strokes
stay. Nor can it follow a lamp's glare, a bright spot: the strokes under it fade,
and come back against that background.

* :func:`checked_ink` -- the first ink map checked against a reading on it, and
  kept, replaced or found blank;
* :func:`darker` -- whether an ink map marks dark ink.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing import _geometry, _ink, _lighting, _marks, _screens, _sheet
from skdigits.preprocessing._rules import printed_lines
from skdigits.preprocessing._strokes import Blank
from skdigits.preprocessing._stats import median, percentile
from skdigits.preprocessing._trace import record

# The second reading replaces the first when _BESIDE of the first's ink lies away
# from the second's (a band, a wedge: more than 2 px from its strokes) and no
# more than _BESIDE of the second's away from the first's.
_BESIDE = 0.05
# Ink of the first map under this level is faded: a stroke the second reading
# finds there is one the first missed.
_FADED = 0.25
# Light was added (a glare), not multiplied, where the strokes' contrast grows
# with their paper's light by less than this exponent (see _lighting.light_exponent;
# shadows: about 1).
_ADDED = 0.5
# Ink spanning this share of the image one way fills its frame: there is no
# paper beyond it to judge its background by.
_FILLS = 0.85
# Ink whose widest part is this many times as wide as its typical stroke holds
# a region no pen draws (a shadow's side); measured on the ink above _SOLID_INK
# (a shadow's side may be faint beside the ink).
_SOLID = 3.0
_SOLID_INK = 0.2
# Light strokes on a lit paper: closed at a stroke's scale, the paper between
# them (inside a loop, in a narrow gap, the grain of chalk) takes their light and
# reads as dark "ink" -- thin, as a dark digit's strokes are. Where the light ink
# is sharp strokes (their typical edge climbs _SHARP of their level per pixel,
# see _marks.edge_step: light digits on gray paper 0.35-0.47, grainy chalk read
# through its grain 0.21-0.30; a lamp's glare read as light ink 0.09-0.12, bands
# of light 0.11-0.24) that their own reading at a stroke's scale finds again, and
# _BETWEEN of the dark reading's ink lies in the gaps that closing them fills
# (light digits on gray paper 0.79-1, chalk 0.76-1; the dark digits under those
# bands of light sharper than _SHARP 0.27-0.33), the light strokes are the ink.
_SHARP = 0.2
_BETWEEN = 0.75
# Light strokes on a dark ground (a digit cropped to its ink, touching the frame as a
# sheet's edge does; strokes enlarged from a small image, soft): closed at a stroke's
# scale, the ground in their gaps reads as dark "ink" -- at the ground's own level.
# Dark ink under a band of light or beside a lit side is darker than its ground, in
# part at least: the light strokes stand only if the dark reading's deepest tenth
# (_DEEPEST, a percentile) lies no more than _GROUND under the ground's median (the
# suite's crops: at the ground's level or up to 0.007 above it, seeds 0 and 4; dark
# digits under a band of light or beside a shadow's edge on dim pages, paper
# 0.15-0.3: 0.1 and more under it for 237 of 247 dark readings, 4 within 0.05).
_DEEPEST = 10
_GROUND = 0.05
# On a lit page, sharp light strokes found again whose dark reading lies less than
# _BETWEEN in their gaps stand too if that reading's _DEEPEST percentile lies no
# more than _LIT_GROUND under the ground's median: the dark "ink" is the ground,
# round the strokes as well as between them (chalk on a board lit at 0.3 and more,
# the suite's blackboard photos at seeds 0-2: from 0.09 under it to 0.01 above; dark
# digits under bands of light, beside a shadow's edge, under a glare or spots on
# lit pages: 0.27 and more under it).
_LIT_GROUND = 0.12
# Strokes fill little of their box: light ink filling more than _FILLED of it is a
# region round dark strokes (a sticky note whose digit cuts it: 0.6) -- unless it is
# one straight stroke (:func:`._marks.straight_stroke`, at least _ONE_LONG times as
# long as thick, see _strokes._DASH_LONG): a 1 fills its box (chalk 1s: 0.67-0.82);
# or it fills its frame (see _FILLS): a bold digit cropped to its ink (0.53-0.62).
_FILLED = 0.5
_ONE_LONG = 3.0
_ONE_STRAIGHT = 0.75
# A sheet of paper photographed empty on a darker table reads as light "ink": a
# surface, one broad region. Read again at a stroke's scale -- set by its own
# width -- it comes back the same. Such a reading, a rectangle (as convex as a sheet,
# _sheet.CONVEX, and filling as much of the smallest rectangle around it) or, seen at
# an angle, four-sided (_sheet.FOUR_SIDED; not spanning the image, as a band of light
# across it does), without holes, is a surface again and no stroke; read the other
# way, the table showing round it (:func:`._sheet.round_the_region`) is none either.
# (A bold digit read as a surface is not: of the suite's, one bold 3 is broad; a bold
# 6 whose loop closed up is convex, but round.)
# Ink that is printed lines (a box, rules; :func:`._rules.printed_lines`) for
# _PRINTED of its pixels is no digit, however far it stands above its paper.
_PRINTED = 0.9


def darker(image, y):
    """Whether the ink ``y`` marks is darker than most of the rest of ``image`` (dark
    ink). (The rest, not the whole image: paper taken for ink inside a dark frame
    covers most of it, and is then as light as the image's median.)"""
    ink = y > 0.5
    rest = image[~ink] if (~ink).any() else image
    return bool(np.mean(image[ink]) < float(median(rest)))


def _beside(y, other, level=0.0):
    """Share of the ink of ``y`` lying away (beyond 2 px) from the ink of ``other``
    (where it is above ``level``)."""
    near = ndimage.binary_dilation(other > level, iterations=2)
    return float(y[~near].sum()) / max(float(y.sum()), 1e-9)


def within(y, other):
    """Whether the ink ``y`` lies within the ink ``other``: all but _BESIDE of it
    (see :func:`_beside`)."""
    return _beside(y, other) <= _BESIDE


def _fills_frame(y):
    """Whether the ink spans most of its frame one way or the other (see _FILLS)."""
    r0, r1, c0, c1 = _geometry.bbox(y > 0)
    return r1 - r0 >= _FILLS * y.shape[0] or c1 - c0 >= _FILLS * y.shape[1]


def half_width(y, level=0.5):
    """Typical half-width of the strokes of the ink above ``level`` (median ridge distance)."""
    box = _geometry.bbox(y > level)
    if box is None:
        return 0.0
    r0, r1, c0, c1 = box
    return _geometry.ridge_distance(_geometry.inside_distance(y[r0:r1, c0:c1] > level))


def is_solid(y):
    """Whether the ink holds a region far wider than its strokes (see _SOLID)."""
    box = _geometry.bbox(y > _SOLID_INK)
    if box is None:
        return False
    r0, r1, c0, c1 = box
    dist = _geometry.inside_distance(y[r0:r1, c0:c1] > _SOLID_INK)
    return float(dist.max()) > _SOLID * max(_geometry.ridge_distance(dist), 1.0)


def _nothing_beside(image, y, bg, min_contrast, light):
    """Whether the dark ink ``y`` stands ``min_contrast`` above ``bg`` (its
    stroke-scale background, as under its typical light) and all but _BESIDE of it
    lies within 2 px of what stands out there (a quarter of its contrast). ``light``:
    the exponent of :func:`._lighting.light_factor` on ``image`` and ``bg``."""
    r = (bg - image) * _lighting.light_factor(image, bg, light) / max(float(median(bg)), 0.05)
    solid = y > 0.5
    level = float(np.median(r[solid])) if solid.any() else 0.0
    if level < min_contrast:
        return False
    stands = r > 0.25 * level
    if _beside(y, stands) > _BESIDE:
        return False
    # Nor strokes at that scale that the first map misses (faded under a glare).
    return _beside(stands.astype(np.float32), y, _FADED) <= _BESIDE


def checked_ink(image, y, settings, trace=None):
    """The ink map ``y`` of ``image`` checked against a reading at a stroke's scale.

    The second reading (:func:`._lighting.stroke_scale_background`, three of
    ``y``'s strokes wide at least) is made in dark ink, as on paper, and in light
    ink too where ``y`` is light (or in the polarity ``settings.invert`` asks
    for). ``y`` stands where that reading finds the same ink, fills its frame (no
    paper around to judge by) or is a surface itself. It is replaced when it is a
    surface, when it is light "ink" around thinner dark strokes (a sticky note on
    a desk) or soft light round sharp ones on a lit page (a lamp's glare the digit
    cuts into pieces as thin as its strokes, see :func:`_soft_beside_sharp`), or
    when it holds ink beside the second reading's strokes (a band, a wedge of
    shadow) and the second reading nothing beside its own, and, where
    light was added to the paper (a glare, see :func:`._lighting.light_exponent`),
    by the second reading of the same ink, whose strokes it evens out. Light strokes
    found again in their own polarity stand where the dark reading is only the paper
    or ground between them (:func:`_between_strokes`). A second reading that holds no
    stroke (a surface, a round blob: the ground between a bold digit's strokes)
    replaces nothing. Raises
    :class:`Blank` when no reading finds ink and ``y`` is a surface, solid, or
    stands less than half ``min_contrast`` above its background at a stroke's
    scale: the only "ink" was a step in the lighting.
    """
    if _screens.is_flat_render(image):
        return y  # a drawing app's canvas, a screenshot: no lighting at all
    surface, dark = _marks.is_surface(y), darker(image, y)
    stroke = 2 * half_width(y) - 1
    backgrounds = ({True: _lighting.stroke_scale_background(image, True, stroke)}
                   if dark and not surface else {})
    # Light added (a lamp's glare: the strokes' contrast does not grow with their
    # paper's light) fades the first map's strokes under it, whatever lies beside.
    light = _lighting.light_exponent(image, backgrounds[True]) if backgrounds else None
    added = light is not None and light < _ADDED
    if (backgrounds and not added
            and _nothing_beside(image, y, backgrounds[True], settings.min_contrast, light)):
        return y  # (the common case, cheaply: no ink away from strokes at that scale)
    if settings.invert != "auto":
        order = (settings.invert,)
    else:
        order = (True,) if dark else (True, False)
    readings = {}

    def read(dark_ink):
        if dark_ink not in readings:
            try:
                bg = backgrounds.get(dark_ink)
                if bg is None:
                    bg = _lighting.stroke_scale_background(image, dark_ink, stroke)
                readings[dark_ink] = _ink.digit_ink(
                    image, False, settings, dark_ink, background=bg,
                    light=light if dark_ink in backgrounds else None)
            except Blank as exc:
                readings[dark_ink] = exc
        return readings[dark_ink]

    if (not dark and False in order and (not surface or not _lighting.lit_page(image, y))
            and _between_strokes(image, y, stroke, read, surface)):
        return y
    found = faint = False
    for dark_ink in order:
        again = read(dark_ink)
        if isinstance(again, Blank):
            faint |= again.contrast is not None and again.contrast < settings.min_contrast / 2
            continue
        if surface and (_plain_region(again) or (
                dark_ink != dark and _plain_region(y) and _sheet.round_the_region(again, y))):
            # (a sheet found again, as broad: its width set the scale; or, the
            # other way, the table round it)
            continue
        found = True
        extra, missing = _beside(y, again), _beside(again, y, _FADED)
        if extra <= _BESIDE and missing <= _BESIDE:
            if not (added and dark_ink in backgrounds):
                return y  # the same ink
            # The same ink, its strokes evened out where the glare faded them.
            record(trace, "read at a stroke's scale", again)
            return again
        if _marks.is_surface(again) or _marks.is_blob(again):
            continue  # (no strokes: nothing to replace the ink with)
        if _fills_frame(again):
            return y
        if surface:
            keep = False
        elif dark_ink != dark:
            # The other polarity: the ink is what is drawn in thin strokes -- at
            # its faint level and at its solid one (a soft band of light around a
            # dark digit is thin at a quarter of its level, only where its fringes
            # and the slivers between the digit's strokes are).
            keep = all(half_width(again, level) >= half_width(y, level)
                       for level in (0.25, 0.5))
            if keep and not dark and _soft_beside_sharp(image, y, again):
                keep = False  # (a lamp's glare cut into strokes' widths by the digit)
        elif extra <= _BESIDE:
            # The same polarity, more strokes: where a glare faded them. Only the
            # pieces that hold the first map's ink (strokes carried on, not a
            # printed line the first reading left out).
            ink = again > 0
            held = ndimage.binary_propagation(ink & (y > _FADED), _geometry.EIGHT, ink)
            again = np.where(held, again, 0).astype(np.float32)
            keep = _beside(again, y, _FADED) <= _BESIDE
        else:
            # The same polarity: the same strokes, without what lay beside them.
            keep = missing > _BESIDE
        if keep:
            return y
        record(trace, "read at a stroke's scale", again)
        return again
    if not found and (surface or is_solid(y) or (faint and not _stands(
            image, y, dark, backgrounds.get(dark), stroke, settings.min_contrast))):
        raise Blank("its only ink is a step in the lighting (a shadow's edge), no stroke")
    return y


def _between_strokes(image, y, stroke, read, surface=False):
    """Whether the light ink ``y`` is strokes (none broad, see :func:`._marks.broad`)
    found again in their own polarity, the dark "ink" read at a stroke's scale only the
    paper or ground between them.

    On a lit page (:data:`._lighting.LIT_PAGE`) the strokes must be sharp (see _SHARP)
    and _BETWEEN of the dark reading lie in the gaps that closing them fills, or that
    reading lie at the ground's own level (see _LIT_GROUND: chalk on a lit board). On a
    darker ground (a blackboard) sharp strokes stand, unless ``surface`` (``y`` touches
    the border as a sheet's edge does, see :func:`._marks.is_surface`); soft ones, or
    a surface, only if the dark reading lies in their gaps at the ground's own level
    (see _DEEPEST, _GROUND). ``read(dark_ink)``: the reading at a stroke's scale in
    that polarity (an ink map, or the Blank raised).
    """
    solid = y > 0.5
    box = _geometry.bbox(solid)
    if box is None or _marks.broad(solid, box):
        return False  # (a light region -- a sheet round dark strokes)
    r0, r1, c0, c1 = box
    if (np.count_nonzero(solid) > _FILLED * (r1 - r0) * (c1 - c0) and not _fills_frame(y)
            and _marks.straight_stroke(solid[r0:r1, c0:c1], _ONE_LONG, _ONE_STRAIGHT) is None):
        return False  # (a light region -- a sticky note round dark strokes)
    lit = _lighting.lit_page(image, y)
    sharp = _marks.edge_step(y) >= _SHARP
    if lit and not sharp:
        return False  # (a lamp's glare, bands of light: soft)
    again = read(False)
    if (isinstance(again, Blank) or _beside(y, again) > _BESIDE
            or _beside(again, y, _FADED) > _BESIDE):
        return False  # (not the same strokes again)
    if not lit and sharp and not surface:
        # A dark ground (a blackboard): no lit paper for dark ink. What the dark
        # reading finds is the ground itself, between the strokes and around them,
        # its grain amplified by the darkness dark ink is measured against.
        return True
    dark = read(True)
    if isinstance(dark, Blank):
        return not surface
    size = _lighting.stroke_scale_size(image.shape, stroke)
    gaps = ndimage.binary_closing(np.pad(y > 0, size), np.ones((size, size), bool))
    gaps = gaps[size:-size, size:-size]
    between = float(dark[gaps].sum()) >= _BETWEEN * float(dark.sum())
    if lit and between:
        return True
    if not (lit or between):
        return False
    # The dark reading at the ground's own level: the ground between the strokes or,
    # on a lit ground, round them as well (chalk on a lit board, see _LIT_GROUND).
    deepest = float(percentile(image[dark > 0.5], _DEEPEST)) if (dark > 0.5).any() else 1.0
    return float(median(image[y == 0])) - deepest <= (_LIT_GROUND if lit else _GROUND)


def _soft_beside_sharp(image, y, again):
    """Whether the light ink ``y`` on a lit page is soft (its edges climb less than
    _SHARP, see :func:`._marks.edge_step`: light, a lamp's glare) and the dark reading
    ``again`` sharp strokes."""
    return (_marks.edge_step(y) < _SHARP <= _marks.edge_step(again)
            and _lighting.lit_page(image, y))


def _plain_region(y):
    """Whether the ink ``y`` is one broad region without holes shaped as a sheet: a
    rectangle, or four-sided where it does not span the image (see _sheet.CONVEX)."""
    solid = y > 0.5
    box = _geometry.bbox(solid)
    if box is None or not _marks.broad(solid, box):
        return False
    filled = ndimage.binary_fill_holes(solid)
    if np.count_nonzero(filled & ~solid):
        return False
    outline = _sheet.outline_areas(filled)
    if outline is None:
        return False
    hull, rectangle, four_sided = outline
    area = np.count_nonzero(filled)
    if area < _sheet.CONVEX * hull:
        return False
    return bool(area >= _sheet.CONVEX * rectangle
                or (not _geometry.spans(box, y.shape) and four_sided >= _sheet.FOUR_SIDED * hull))


def _stands(image, y, dark, bg, stroke, min_contrast):
    """Whether the solid ink of ``y`` stands ``min_contrast`` above its background
    at a stroke's scale (relative to it; a step in the lighting does not: that
    background follows it), and is not printed lines (see _PRINTED). A small digit on
    a large page may be too few of the second reading's candidate pixels to set their
    level (see :func:`checked_ink`). ``bg``: that background if read already, or None."""
    solid = y > 0.5
    if not solid.any():
        return False
    ink = y > 0
    printed = printed_lines(ink, ink)
    if printed is not None and np.count_nonzero(printed) >= _PRINTED * np.count_nonzero(ink):
        return False  # (printed lines the first reading kept: a box, no digit)
    if bg is None:
        bg = _lighting.stroke_scale_background(image, dark, stroke)
    if not dark:
        return float(median((image - bg)[solid])) >= min_contrast
    # (dark ink relative to its paper's light, as in _nothing_beside)
    return float(median((bg - image)[solid])) >= min_contrast * max(float(median(bg)), 0.05)
