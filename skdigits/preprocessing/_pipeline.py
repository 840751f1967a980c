"""The single-image pipeline: one decoded image -> one MNIST-like digit.

Plain functions over an immutable :class:`Settings`; the estimator
(:class:`~skdigits.DigitImagePreprocessor`) only builds the settings from its
parameters and runs these over its inputs. ``trace``, a list, receives the
intermediate images as ``(step name, image)`` pairs (the documentation's
figures are drawn from it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from skdigits.preprocessing import (
    _boxes, _cells, _geometry, _ink, _lighting, _margins, _marks, _screens, _sheet,
    _stroke_scale,
)
from skdigits.preprocessing._clutter import size_range
from skdigits.preprocessing._crossing import without_line_tails
from skdigits.preprocessing._drowned import through_impulses, through_noise
from skdigits.preprocessing._edge_blobs import without_edge_blob
from skdigits.preprocessing._light_path import on_light_path
from skdigits.preprocessing._texture import textured_frame
from skdigits.preprocessing._low_res import SMALL_TO, enlarged_frame, low_res_pixels
from skdigits.preprocessing._padded import evenly_padded, padded_frame
from skdigits.preprocessing._reread import read_finer, reread_small, small_in_reduced
from skdigits.preprocessing._noise import (
    NOISELESS_CONTRAST, noiseless, noiseless_scan, unrelated,
)
from skdigits.preprocessing._stats import median
from skdigits.preprocessing._strokes import Blank, is_dash, remove_specks
from skdigits.preprocessing._trace import record

# Long side (pixels) to which large inputs are block-averaged before analysis.
# The digit ends up 20 px tall and the stroke step upsamples small digits to
# 80 px anyway, so more detail only costs time: every step scales with the pixel
# count. The averaging happens on the raw gray levels, before the ink is
# normalised, so thin lines get fainter but are rescaled to full strength with
# the ink -- as long as they keep enough contrast: _decoding.reduction_factor
# limits the reduction to 5x, so larger images are analysed above this size.
WORK_SIZE = 128
# Stroke width is measured and corrected on the cropped digit, upsampled when
# needed so that its long side is at least _UPSCALE x digit_box pixels (never
# downsampled there: thin lines would fade below the binarisation level).
_UPSCALE = 4
# MNIST's digit box, as a share of its frame.
_MNIST_BOX = 20 / 28
# Images whose short side is at least _STEPS_MIN pixels are checked for steps
# in their lighting (a 28x28 frame's strokes are too wide for the check), and
# their ink is kept within its strokes' rims (:func:`._geometry.within_rim`; a
# frame's faint ink is its digit's own anti-aliasing).
_STEPS_MIN = 48


@dataclass(frozen=True)
class Settings:
    """What the pipeline does, as the estimator's parameters say (see its docs)."""

    invert: object = "auto"
    crop: bool = True
    digit_box: int = 20
    output_size: int = 28
    center: str = "mass"
    normalize_stroke: bool = True
    remove_specks: bool = True
    correct_lighting: bool = True
    min_contrast: float = 0.1
    light_path: bool = True


def find_digit(dec, settings, trace=None, scan=None):
    """Ink map of the digit of a decoded image (raises :class:`Blank`); ``scan``: its
    :func:`._low_res.low_res_pixels`, if known."""
    image = dec.image
    native, how = low_res_pixels(dec) if scan is None else scan
    low_res = native is not None
    if low_res:
        # A low-resolution scan (8-16 px, the digit filling its frame), perhaps
        # enlarged: from its own pixels, upsample smoothly first, and take its
        # background as flat (no lighting to fit).
        if how != "as it came":
            record(trace, "native pixels", native)
        if unrelated(native):
            raise Blank("it holds no stroke, only noise: no pixel is like its neighbours")
        image = np.clip(_geometry.scale_to_bicubic(native, SMALL_TO), 0, 1)
        settings = replace(settings, correct_lighting=False)
        record(trace, "upsampled input", image)
    try:
        y = _ink.digit_ink(image, dec.is_ink, settings, settings.invert, trace, low_res)
        blank = None
    except Blank as exc:
        y, blank = None, exc
    flip = settings.invert == "auto" and not dec.is_ink and not low_res
    if (blank is not None and blank.ink is not None and flip and _marks.is_surface(blank.ink)
            and not small_in_reduced(dec, blank.ink)):
        # The "ink" found is a broad blob and no stroke (a lamp's glare taken for
        # light ink): the strokes may be the other way. (Not a speck in a reduced
        # image: a small digit, bold at a few pixels, is read again finer below.)
        y = _other_way(image, blank.ink, settings, trace)
        if y is not None:
            blank = None
    first = y
    # A small digit on a large canvas, reduced while decoding to a few pixels:
    # read its part of the image again, finer (see :mod:`._reread`).
    if image is dec.image and dec.region is not None and (y is not None or blank.ink is not None):
        again = reread_small(dec, y if blank is None else blank.ink, blank is None,
                             settings, trace)
        if again is not None:
            y, blank = again, None
    # A photo of a sheet lying on a table: no digit found, the table taken for
    # ink, or light "ink" (a small sheet, a sticky note, on a dark desk). Look for
    # the sheet and read the digit on it instead.
    if not dec.is_ink and settings.invert in ("auto", True) and not low_res:
        # (A low-resolution scan's digit fills its frame: no sheet lies there. A
        # bold, blurred ring, enlarged, had its inside read as one.)
        surface = y is None or _marks.is_surface(y)
        if surface or (y is first and not _stroke_scale.darker(image, y)):
            on_sheet = _sheet.sheet_ink(dec.image, settings, trace, rectangle=not surface)
            if on_sheet is not None:
                y, blank = on_sheet, None
    here = y is first  # (read on the image itself, not on a part or a sheet of it)
    read = None  # (the ink checked at a stroke's scale, if it was)
    # A step in the lighting (a shadow's edge) taken for ink: check the ink
    # against a background at a stroke's scale.
    if (here and blank is None and not dec.is_ink and not low_res
            and min(image.shape) >= _STEPS_MIN):
        read = y
        y = _stroke_scale.checked_ink(image, y, settings, trace)
        if not _screens.is_flat_render(image):
            if settings.remove_specks:
                # A thumb holding the sheet in a photo, joined to the digit: no ink.
                y = without_edge_blob(y)
            sheet = _sheet.sheet_round_ink(image, y)
            if sheet is not None:
                # The table showing round a sheet that fills the view: the ink is
                # what lies on the sheet, if that holds a stroke.
                y = remove_specks(np.where(sheet, y, 0).astype(np.float32),
                                  drop=settings.remove_specks)
    if blank is not None:
        raise blank
    if _margins.is_margin(y):
        raise Blank("its ink is the dark margins along the image's edges, no stroke")
    if is_dash(y):
        raise Blank("its ink is one straight stroke lying level: a dash or a rule, no digit")
    if low_res:
        return y
    # (Printed boxes found only here: a form's empty fields are blank.)
    y = _boxes.without_boxes(y, settings.remove_specks)
    # (A line across the whole page through the digit: its tails are no ink; nor is
    # faint ink beyond the strokes' rims.)
    y = without_line_tails(_past_lighting(image if here else None, y, settings, trace, flip,
                                          read))
    return _geometry.within_rim(y) if min(y.shape) >= _STEPS_MIN else y


# Read the other way under bands of light, a digit lies inside the page: less than
# _AT_EDGE of its solid ink in pieces that touch the image's edge (where the page's
# edge cuts the bands, their own flanks read as dark ink there).
_AT_EDGE = 0.5


# Light and shade: the ink's typical edge climbs less than _SOFT_TYPICAL of its
# level per pixel (see _marks.edge_step; a lamp's glare read as light ink around
# a dark digit: 0.07-0.1; the suite's digits on photos and canvases 0.11 and
# more). The digit is then looked for the other way; if none is there, the ink
# stays: a small scan enlarged 8 times climbs as slowly (scikit-learn's digits
# at 64 px), and so do soft spots of light, which the step cannot tell from it.
_SOFT_TYPICAL = 0.1


def _lit_bands(image, y, read=None):
    """Whether the ink ``y`` of ``image`` is bands of light across a lit page (see
    :func:`_past_lighting`), or a part of the bands ``read`` found again at a stroke's
    scale (light, and within them: their ends lost where they leave the page)."""
    if _stroke_scale.darker(image, y):
        return False
    if read is not None and read is not y and _stroke_scale.within(y, read):
        y = read
        if _stroke_scale.darker(image, y):
            return False
    return _lighting.lit_page(image, y) and _marks.is_band(y)


def _past_lighting(image, y, settings, trace, flip, read=None):
    """``y``, unless it is light or shade and no digit: then the digit read the other
    way where ``flip``, else :class:`Blank`.

    A round blob (:func:`._marks.is_blob`) is a spot of light or shade, or a
    stain; so is ink that falls off evenly from its peaks (soft spots,
    :func:`._marks.is_soft_spots`). Light ink in straight bands across a lit page from edge to edge
    (:func:`._marks.is_band`) is a reflection: a light stroke filling its frame
    is drawn on a dark ground, and a dark one may be a 1 cropped to its box.
    Ink whose edges climb slowly (:func:`._marks.edge_step`) may be light and
    shade -- a lamp's glare read as light ink around a dark digit --: the digit
    read the other way replaces it, if there is one.
    ``image``: what ``y`` was read on, or None if only a part of it (a sheet, a
    small digit's surround): no band then, and no other way. ``read``: the ink
    ``y`` was checked from at a stroke's scale, if it was (see :func:`_lit_bands`).
    """
    bands = soft = False
    if _marks.is_blob(y):
        reason = "its ink is a round blob, no stroke: a spot of light or shade"
    elif _marks.is_soft_spots(y):
        reason = "its ink is soft spots, no stroke: light or shade"
    elif image is not None and _lit_bands(image, y, read):
        reason = "its ink is bands of light across a lit page, no stroke: a reflection"
        bands = True
    else:
        if _marks.edge_step(y) >= _SOFT_TYPICAL:
            return y
        soft = True  # (never blank by this alone: see _SOFT_TYPICAL)
    # (A lamp's spot or a reflection read as light ink: the strokes may be the
    # other way.)
    other = _other_way(image, y, settings, trace) if flip and image is not None else None
    if other is not None and bands and _marks.edge_share(other) >= _AT_EDGE:
        other = None
    if other is None:
        if soft:
            return y  # (a digit blurred as much, as an enlarged small scan is)
        raise Blank(reason)
    return other


def _other_way(image, ink, settings, trace):
    """The digit's ink read with the polarity opposite to ``ink``'s, or None if
    that holds no stroke either, only a surface, a blob or bands (the paper
    itself, around dark dots; stripes of light and shade), or the surface round
    the broad region that ``ink`` is (see :func:`._sheet.round_the_region`)."""
    try:
        y = _ink.digit_ink(image, False, settings, not _stroke_scale.darker(image, ink), trace)
    except Blank:
        return None
    no_stroke = (_marks.is_surface(y) or _marks.is_blob(y) or _marks.is_soft_spots(y)
                 or _marks.is_band(y) or _sheet.round_the_region(y, ink))
    return None if no_stroke else y


def normalise_digit(y, settings, trace=None, graded=False):
    """Crop, stroke width, scale and placement of an ink map -> the output frame;
    ``graded``: bold strokes are thinned level by level (a low-resolution scan's, see
    :func:`._geometry.adjust_stroke`)."""
    r0, r1, c0, c1 = _geometry.bbox(y > 0)
    if settings.crop:
        y = y[r0:r1, c0:c1]
        record(trace, "cropped", y)
    h, w = y.shape
    big = settings.digit_box * _UPSCALE
    z = y
    if max(h, w) < big:
        z = _geometry.scale_to(y, big)
        record(trace, "upsampled", z)
    if settings.normalize_stroke:
        length = max(z.shape)
        pad = length // 8 + 1
        z = _geometry.adjust_stroke(_geometry.zero_pad(z, pad), length, graded)
        box = _geometry.bbox(z > 0.02)
        if box is None:
            raise Blank("it holds no ink")
        z = z[box[0] : box[1], box[2] : box[3]] if settings.crop else z[pad:-pad, pad:-pad]
        record(trace, "stroke", z)
    small = _geometry.scale_to(z, settings.digit_box)
    peak = float(small.max())
    if peak <= 0:
        raise Blank("it holds no ink")
    small = small / peak
    record(trace, "scaled", small)
    out = _geometry.place(small, settings.output_size, settings.center)
    record(trace, "placed", out)
    return out


def light_path_applies(settings):
    """Whether the settings let :func:`~._light_path.light_path` take images at all.

    It keeps a digit that has about MNIST's size as it is: what the full
    pipeline makes of such a digit only when that pipeline crops it and scales
    it into a box of MNIST's proportion of the frame (20 of 28 px). With another
    ``digit_box``, or ``crop=False`` (the whole canvas scaled into the box),
    every image goes through the full pipeline, as the parameters ask.
    """
    return (
        settings.light_path
        and settings.crop
        and settings.digit_box == round(settings.output_size * _MNIST_BOX)
    )


def _output_sized(dec, settings):
    """Whether the image came at the output size (an MNIST-like frame, or none)."""
    s = settings.output_size
    return dec.image.shape == (s, s) and tuple(dec.original_shape) == (s, s)


def takes_light_path(dec, settings):
    """Whether :func:`~._light_path.light_path` may take the image (of the output size)."""
    return light_path_applies(settings) and _output_sized(dec, settings)


def _frame(dec, settings):
    """``(frame, step)``: the frame of the output size the decoded image is, or holds
    in flat padding (step "frame"), or is an enlargement of (step "native pixels");
    ``(None, None)`` if none. ``step`` is None for the image itself."""
    if _output_sized(dec, settings):
        return dec.image, None
    size = settings.output_size
    frame = padded_frame(dec, size, settings.digit_box)
    if frame is not None:
        return frame, "frame"
    frame = enlarged_frame(dec, size, size_range(settings.digit_box)[1])
    return (frame, "native pixels") if frame is not None else (None, None)


def preprocess_image(dec, settings, trace=None, declined=False):
    """The whole pipeline for one decoded image -> ``(output_size, output_size)`` float32.

    Parameters
    ----------
    dec : skdigits._decoding.Decoded
        The decoded image.
    settings : Settings
    trace : list or None
        If a list, ``(step name, image)`` pairs are appended to it.
    declined : bool
        The light path's rule was applied to the image already (the batch path's,
        vectorised) and did not take it: it is not offered to it again.

    Raises
    ------
    Blank
        The image holds no digit.
    """
    record(trace, "decoded", dec.image)
    frame = evenly_padded(dec, settings.output_size)
    if frame is not None:
        # A frame padded evenly by a few pixels (to 32x32 for LeNet) is that frame
        # (see :mod:`._padded`).
        dec = replace(dec, image=frame, original_shape=frame.shape)
        record(trace, "unpadded", frame)
    if not declined and light_path_applies(settings):
        # A frame of the output size, one padded or set in a larger flat image,
        # or one enlarged (for viewing, or by a canvas's export): the light path
        # may take it. An ink map (the alpha of a transparent image) is light on
        # dark.
        frame, step = _frame(dec, settings)
        out = None if frame is None else on_light_path(
            frame, False if dec.is_ink else settings.invert, settings)
        if out is not None:
            if step is not None:
                record(trace, step, frame)
            record(trace, "placed", out)
            return out
    if not dec.is_ink and min(dec.image.shape) >= _STEPS_MIN:
        # A screenshot's toolbar, a viewer's checkerboard: no ink (see
        # :mod:`._screens`; a frame the light path took keeps them, as it came).
        image = _screens.without_checkerboard(_screens.without_panels(dec.image))
        if image is not dec.image:
            dec = replace(dec, image=image)
            record(trace, "as drawn", image)
    if not dec.is_ink:
        # A cell cut from a grid: its lines along the edges are no ink (see
        # :mod:`._cells`).
        image = _cells.without_cell_lines(dec.image)
        if image is not dec.image:
            dec = replace(dec, image=image)
            record(trace, "without the cell's lines", image)
    drowned = takes_light_path(dec, settings) and not dec.is_ink
    out = through_noise(dec.image, settings) if drowned else None
    if out is not None:
        record(trace, "smoothed", out)
        return out
    if (_output_sized(dec, settings) and not dec.is_ink
            and textured_frame(dec.image, settings.invert, settings.digit_box)):
        # A frame of the output size holds its digit in the digit box at its
        # centre; faint "ink" spread over the frame, soft-edged or in specks, is
        # a textured surface (which the light path does not take either).
        raise Blank("it is a textured surface: faint grains spread over the frame, "
                    "no stroke")
    scan = low_res_pixels(dec)
    if (noiseless(dec.image[None], [median(dec.image)])[0]
            or scan[0] is not None and noiseless_scan(scan[0])):
        # A background of one level exactly, or a low-resolution scan's paper (a
        # scan's digit fills more of it: scikit-learn's 8x8 digits kept as 8-bit
        # levels 0-16, a contrast of 0.063, were all blank): no noise there to pass
        # for ink, fainter ink counts.
        settings = replace(settings, min_contrast=NOISELESS_CONTRAST * settings.min_contrast)
    blank = None
    try:
        y = find_digit(dec, settings, trace, scan)
    except Blank as exc:
        # Nothing at the working size: a small digit among a texture may show
        # only finer (see :func:`._reread.read_finer`).
        blank = exc
        y = read_finer(dec, find_digit, settings, WORK_SIZE, trace)
    if y is None:
        out = through_impulses(dec.image, settings) if drowned else None
        if out is None and drowned:
            # (No digit found among the pixels: strokes may stand out smoothed.)
            out = through_noise(dec.image, settings, found_nothing=True)
        if out is None:
            raise blank
        record(trace, "placed", out)
        return out
    # (A low-resolution scan's gray levels hold its shape: see adjust_stroke's graded.)
    return normalise_digit(y, settings, trace, graded=scan[0] is not None)
