"""The light path: digits that are already size-normalised (MNIST-like).

An image of exactly the output size whose digit already has about MNIST's
size needs no crop, no rescaling and no stroke correction -- and those steps
can only hurt it when it carries clutter they might mistake for ink (stripes,
lines crossing it): where a step cannot tell whether it helps, the image is
left closer to its input. :func:`light_path` decides, per image and by one
rule, whether an image is such a digit, and if so fixes only its polarity,
lighting, contrast and centre of mass.

Both the single-image pipeline (on one image) and the estimator's batch path
(on a whole batch at once, vectorised) call it; images it does not take go
through the full pipeline in both. So a batch and the same images one by one
give the same digits. The rule is vectorised here; the frames that need a
closer look (ink larger than a digit, or off centre) get it one at a time in
:mod:`._clutter`.
"""

from __future__ import annotations

import numpy as np

from skdigits.preprocessing._bits import bit_count, has_run, pack_rows, shifted
from skdigits.preprocessing._cells import may_hold_lines, without_cell_lines
from skdigits.preprocessing._centring import place
from skdigits.preprocessing._clutter import digit_fits, fills_the_frame, size_range
from skdigits.preprocessing._geometry import inside_distance, row_run
from skdigits.preprocessing._ink import flat_contrast, light_ground
from skdigits.preprocessing._levels import borders, count, levels, side_bands, turn_back
from skdigits.preprocessing._lighting import background, band_fit_span, frame_lighting
from skdigits.preprocessing._noise import NOISELESS_CONTRAST, noiseless
from skdigits.preprocessing._stats import median
from skdigits.preprocessing._strokes import FRAME_STROKE, holds_stroke
from skdigits.preprocessing._texture import outside_the_box, soft, textured
from skdigits.preprocessing._under_noise import only_white_noise

# Clutter reaching two or more sides of the frame (fog, noise, blobs) can also
# split a digit's solid ink, so that it spans less than a digit. Such a frame is
# still a digit in place when its solid ink spans at least _MIN_SIZE_CLUTTERED
# of the digit box and more than _CENTRE_SHARE of it lies inside the digit box
# at the centre of the frame, where a digit is; clutter spreads evenly (a 28x28
# frame of textured paper has 54-100 % of its solid ink outside MNIST's box,
# the suite's fogged digits 0-32 % but for 2 of 25).
_MIN_SIZE_CLUTTERED = 8 / 20
_CENTRE_SHARE = 0.5
# Evidence of a stroke: at least this many pairs of side-by-side solid pixels
# (scattered dots have none; MNIST's smallest "1" has more than 20).
_MIN_PAIRS = 16
# Strokes at least 2 pixels wide somewhere: a 2x2 block of solid ink (31 of
# MNIST's 60,000 training digits have none; a 1-pixel pen line has none).
_MIN_BLOCKS = 1
# And a stroke, as the full pipeline asks (:func:`._strokes.holds_stroke`): a
# piece of solid ink longer than it is thick, and at this scale at least
# _strokes.FRAME_STROKE px long (a round dot 4 px across measures 4 px long and
# 2.8 thick). A field of round dots 2-7 px across has pairs and blocks but no
# such piece, nor _SURE_RUN solid pixels in a line (row, column or diagonal),
# which all but 1,305 of MNIST's 60,000 training digits have: only frames without
# one have their pieces measured.
_SURE_RUN = 8
# MNIST's digits are anti-aliased: their solid ink is rimmed with gray pixels
# (beyond a tenth of the way from the background to the ink, below half of
# it): a median of 0.32 per side between a solid and another pixel, below
# 0.06 for 0.1 % of its 60,000 training digits; 24 of them have none at all.
# A hard-edged frame -- a binary canvas, with (next to) no rim: fewer rim
# pixels than this share of those sides -- is no MNIST digit even at MNIST's
# size: the full pipeline rescales it into MNIST's box, anti-aliased, and
# corrects its pen. (Per side of the solid ink, not per pixel of ink: clutter
# such as bars at the sides adds ink but few sides; above 0.005, impulse noise
# on a digit would count as hard-edged.)
_MIN_RIM = 0.005
# Contrast that no lighting of empty paper gives (a gradient spans 0.1-0.4 of the
# range): such ink needs no check that it survives a flattened lighting.
_SURE_CONTRAST = 0.6
# Ink reaching a side of the frame: beyond this share of the contrast.
_EDGE_INK = 0.2
# Dense noise: mean absolute difference between neighbouring pixels above
# this fraction of the ink's contrast (MNIST: 0.05-0.1; with strong Gaussian
# or impulse noise up to 0.28; uniform noise 0.55-0.7).
_MAX_ROUGH = 0.35
# Solid ink at most this thick (twice the widest inscribed disc's radius),
# as a fraction of the frame, on frames with clutter on their border.
_MAX_THICKNESS = 0.5
# A blurred digit (motion blur, defocus): its solid ink is only the peaks where
# the blur piles strokes up, spanning less than a digit (motion blur of 5-9 px:
# 9-14 px), while its ink above _BLUR_LEVEL of the contrast has the digit's
# size. A soft-edged frame (see _texture.SOFT: a small sharp digit steps 0.88-1
# of its contrast) whose solid ink spans at least _MIN_SIZE_CLUTTERED of the box
# is sized by that ink instead -- and kept as it came, not cropped to its halo
# and shrunk.
_BLUR_LEVEL = 0.25
# Solid ink no taller than the digit box and _DIGIT_HEIGHT px is a digit of MNIST's
# size (its digits are taller than wide: one larger than the box is taller than it,
# and so is one scaled up to fill the frame), wider only by clutter at its sides (a
# digit cut from a row of digits, its neighbours' parts joined to it): kept as it
# came. Suite, seeds 0-3, classic CNN: neighbours +1.2 to +1.8 points; flat sheared
# digits -0.6 to +0.2 (to the classifier alone's score).
_DIGIT_HEIGHT = 2


def _blurred_digit(xs, light, bg, top, box):
    """Which (n, s, s) frames (solid ink too small for a digit) are a blurred digit
    of a digit's size (see _BLUR_LEVEL)."""
    smallest, largest = size_range(box)
    level = (bg + _BLUR_LEVEL * (top - bg))[:, None, None]
    ink = np.where(light[:, None, None], xs < level, xs > level)
    span = np.maximum(np.count_nonzero(ink.any(axis=2), axis=1),
                      np.count_nonzero(ink.any(axis=1), axis=1))
    return (span >= smallest) & (span <= largest) & soft(xs, np.abs(top - bg))


def _fitted(x, i, fits):
    """The lighting of frame ``i`` of ``x`` (:func:`~._lighting.background`), fitted
    once: ``fits`` keeps each frame's."""
    if i not in fits:
        fits[i] = background(x[i])
    return fits[i]


def _not_a_surface(x, solid, light, contrast, min_contrast, candidates, fits):
    """Which ``candidates`` (indices of cluttered frames) hold strokes, not a surface.

    Solid ink thicker than half the frame is paper under a lighting gradient or
    a shadow -- no pen draws a stroke that wide (MNIST: a sixth at most). And
    its contrast must not be the lighting's: once a smooth lighting is taken
    out (as the full pipeline does), the ink still stands out -- and where the
    lighting spans half the contrast or more, out of more than white noise
    (:func:`~._under_noise.only_white_noise`: paper under a gradient and noise, whose
    noise alone stands min_contrast above the flattened paper). ``fits``: the
    frames' lightings fitted so far (see :func:`_fitted`).
    """
    s = x.shape[1]
    # Each pixel of a row's run of L solid pixels lies within (L + 1) / 2 of the
    # background: ink without a run as long as the bound is no thicker, and
    # needs no distance transform.
    longest = int(_MAX_THICKNESS * s)
    runs = row_run(solid[candidates], longest)
    keep = np.zeros(candidates.size, dtype=bool)
    for k, i in enumerate(candidates):
        if runs[k]:
            if 2 * float(inside_distance(solid[i]).max()) > _MAX_THICKNESS * s:
                continue
        if contrast[i] >= _SURE_CONTRAST:
            keep[k] = True
            continue
        lighting = _fitted(x, i, fits)
        keep[k] = flat_contrast(x[i], bool(light[i]), lighting) >= min_contrast and not (
            np.ptp(lighting) >= _LIT_SPAN * contrast[i] and only_white_noise(x[i] - lighting))
    return keep


# Smooth lighting across a frame: a quadratic fit to it (as the full pipeline
# flattens lighting) spanning at least _LIT_SPAN of the ink's contrast, and
# explaining its border to within _LIT_FIT of that contrast (the upper quartile
# of what is left there). The suite's vignettes (the corners lifted 0.6-1.4,
# clipped): all 500 within that fit, 143 of them the other level once it is
# taken out; its fog, which a quadratic does not follow: 282 span as much, 11 of
# them within the fit, none the other level; linear gradients: none the other
# level.
# The border misleads the polarity only where the lighting lifts part of it half
# way to the ink's level or more (the vignettes' corners): frames whose border band a
# plain least-squares fit of that surface spans less than _LIT_SPAN of the contrast
# are not fitted robustly (0.3-0.4 ms a frame, on every frame of a noisy batch). Of
# the suite's frames lit the other way, the band's fit spans 1.46 of the contrast at
# the least; of its Gaussian noise, none spans 0.5, of its linear gradients 89 of 300.
_LIT_SPAN = 0.5
_LIT_FIT = 0.1


def _lit_the_other_way(x, light, contrast, candidates, fits):
    """Which ``candidates`` (indices of frames with a noisy border) are lit so unevenly
    that their border misleads the polarity: smooth lighting spans the frame (see
    _LIT_SPAN) and, taken out, leaves the background the other level. ``fits``: the
    frames' lightings fitted so far (see :func:`_fitted`)."""
    other = np.zeros(candidates.size, dtype=bool)
    spans = band_fit_span(x[candidates])
    for k in np.flatnonzero(spans >= _LIT_SPAN * contrast[candidates]):
        i = candidates[k]
        bg = _fitted(x, i, fits)
        if float(bg.max() - bg.min()) < _LIT_SPAN * contrast[i]:
            continue
        flat = x[i] - bg
        edge = borders(flat[None])[0]
        left = np.abs(edge - median(edge))
        if float(np.percentile(left, 75)) <= _LIT_FIT * contrast[i]:
            other[k] = light_ground(flat) != bool(light[i])
    return other


def _normalise(x, taken, light, bg, top, noisy):
    """Flip the light-background images among ``taken``, take out uneven lighting
    (:func:`~._lighting.frame_lighting`; only ``noisy`` frames, indices of those whose
    border is not one level, may have it) and stretch their ink to [0, 1]."""
    flip = light & taken
    if flip.any():
        x[flip] = 1 - x[flip]
    bg = np.where(light, 1 - bg, bg)
    top = np.where(light, 1 - top, top)
    needs = ((bg != 0) | (top != 1)) & taken
    lit, lighting = frame_lighting(x, bg, top, noisy[taken[noisy]])
    if lit.size:
        x[lit] = np.clip((x[lit] - lighting) / (top - bg)[lit, None, None], 0, 1)
        needs[lit] = False
    if needs.any():
        lo = bg[needs, None, None]
        hi = top[needs, None, None]
        x[needs] = np.clip((x[needs] - lo) / (hi - lo), 0, 1)


def _dense_noise(x, border, bg, contrast, among):
    """``(noisy, dense)``: the indices of the images ``among`` (a mask) whose border
    is noisy, and which of those are dense noise -- their pixel-to-pixel roughness
    above _MAX_ROUGH of the ink's contrast."""
    # Noise would show on the border too: images with a clean border skip it.
    # (Its upper quartile, not its median: noise clipped at the background's
    # level leaves half the border exactly at that level.)
    dev = np.abs(border - bg[:, None])
    # (The quartile, the q-th smallest, lies above 0.02 exactly when at most q
    # values lie at or below it: a count, 5 times faster than a partition.)
    q = dev.shape[1] * 3 // 4
    noisy = np.flatnonzero(among & (count(dev <= 0.02) <= q))
    xs = x[noisy]
    rough = np.abs(xs[:, :, 1:] - xs[:, :, :-1]).mean(axis=(1, 2))
    return noisy, rough / np.maximum(contrast[noisy], 1e-6) > _MAX_ROUGH


def dense_noise(frame, invert):
    """Whether the frame ``frame`` (of the output size) is dense noise, as
    :func:`light_path` measures it (see _MAX_ROUGH)."""
    x = frame[None].astype(np.float32)
    border, _, bg, top, _ = levels(x, invert)
    _, dense = _dense_noise(x, border, bg, np.abs(top - bg), np.ones(1, dtype=bool))
    return bool(dense.any())


def light_path(x, invert, center, min_contrast, box=20, again=True):
    """Polarity, contrast and centring of the (n, s, s) images that are MNIST-like.

    ``x`` (float32 in [0, 1]) is modified in place. ``box`` is the digit box
    (px): the side of the box that the full pipeline scales digits into
    (MNIST: 20 of 28). Returns ``(x, taken)``: ``taken[i]`` is True for the
    images that this path normalised; the others are left unchanged, for the
    full pipeline. An image is taken when its ink (what lies beyond the
    background's level, see :func:`~._levels.levels`) stands at least
    ``min_contrast`` above the background, it is not dense noise nor lit so
    unevenly that the background is the other level once a smooth lighting is
    taken out (a vignette lifting the corners to the ink's level: the full
    pipeline flattens the lighting first), its solid
    ink (above half that contrast) forms strokes -- pairs of neighbouring
    pixels, which scattered dots do not have, a 2x2 block, which 1-pixel pen
    lines do not have, and a piece at least 6 px long and longer than it is
    thick, which a field of round dots does not have --, its ink is
    anti-aliased like MNIST's (not a hard-edged binary canvas) and it spans
    15/20 to 23/20 of the digit box (from 8/20 if clutter reaching two sides
    splits it and it lies mostly at the centre), or more if
    the ink touches two or more sides of the frame, or one side in places
    spread along it (bars, lines, noise: the crop could not tell them from the
    digit; not a digit scaled up to fill the frame,
    :func:`~._clutter.fills_the_frame`), if it is no taller than a digit (wider
    only by clutter at its sides: _DIGIT_HEIGHT), if the digit's own
    pieces -- with or without thin ink (a 1-px line or zigzag, dots) -- have a
    digit's size, or
    if a line is drawn across the digit (:func:`~._clutter.digit_fits`). Images
    whose ink spans more than 23/20 of the box, or more than the box near the
    frame's edge, stay in place (their centre is a guess: see
    :func:`~._centring.place`); those wider than the box and than they are tall,
    no taller than a digit, are not moved up or down by a pixel (a line across
    pulls their mass so much); centring the others follows neither thin ink nor a
    line across the frame
    (:func:`~._centring.digit_shift`). Bands turned over at the frame's sides
    (:func:`~._levels.side_bands`: MNIST-C's stripe) are turned back before
    all this; in the images not taken they stay as they came. A frame with a
    grid's cell lines along two sides or more (:mod:`._cells`) is offered
    without them instead (``again``: whether to; the frames offered so are not).
    Light and shade over a frame taken (fog, a vignette, a gradient) is taken out
    at a stroke's scale (:func:`~._lighting.frame_lighting`).
    """
    n, s, _ = x.shape
    smallest, largest = size_range(box)
    # Bands turned over at the sides (MNIST-C's stripe) are turned back first;
    # frames that the path does not take get them back as they came.
    left, right = side_bands(x)
    banded = np.flatnonzero((left > 0) | (right > 0))
    came = x[banded].copy()
    turn_back(x, banded, left, right)
    # The decision is taken on the images so far unmodified (those not taken are
    # left as they are): ink is what lies beyond the background level.
    border, light, bg, top, solid = levels(x, invert)
    contrast = np.abs(top - bg)
    taken = contrast >= min_contrast
    # Fainter ink on a background of one level exactly (no noise there) counts too.
    faint = np.flatnonzero(~taken & (contrast >= NOISELESS_CONTRAST * min_contrast))
    if faint.size:
        taken[faint] = noiseless(x[faint], bg[faint])
    noisy, dense = _dense_noise(x, border, bg, contrast, taken)
    taken[noisy] &= ~dense
    taken &= ~textured(x, solid, bg, top, box)
    surfaces = noisy[taken[noisy]]
    fits = {}  # (the lightings fitted to frames, by index)
    taken[surfaces] = _not_a_surface(x, solid, light, contrast, min_contrast, surfaces, fits)
    if invert == "auto":
        lit = surfaces[taken[surfaces]]
        taken[lit] = ~_lit_the_other_way(x, light, contrast, lit, fits)
    # (counted on the solid ink's rows packed into bits, 32 pixels at a time: see _bits)
    rows = pack_rows(solid)
    rows2 = rows[:, 1:] & rows[:, :-1]  # pairs one above the other
    cols2 = rows & shifted(rows, 1)  # pairs side by side
    pairs = bit_count(rows2) + bit_count(cols2)
    # 2x2 blocks of solid pixels: 1-pixel pen lines have (nearly) none; they
    # go through the full pipeline, which thickens them to MNIST's width.
    blocks = bit_count(rows2 & shifted(rows2, 1))
    inked = rows.any(axis=2)  # (rows holding solid ink)
    tall = np.count_nonzero(inked, axis=1)  # (rows and columns holding it)
    wide = bit_count(np.bitwise_or.reduce(rows, axis=1))
    extent = np.maximum(tall, wide)
    taken &= (pairs >= _MIN_PAIRS) & (blocks >= _MIN_BLOCKS)
    for i in np.flatnonzero(taken & ~has_run(rows, _SURE_RUN)):
        taken[i] = holds_stroke(solid[i], FRAME_STROKE)
    big_enough = extent >= smallest
    short = np.flatnonzero(taken & ~big_enough & (extent >= _MIN_SIZE_CLUTTERED * box))
    if short.size:
        big_enough[short] = _blurred_digit(x[short], light[short], bg[short], top[short], box)
    # Hard-edged ink (no anti-aliased rim): see _MIN_RIM. The rim is the ink
    # beyond a tenth of the way from the background but not solid (one more
    # comparison per pixel); the sides between solid and other pixels are 4 per
    # solid pixel, less 2 per pair.
    n_solid = bit_count(rows)
    beyond_tenth = count(x > (bg + 0.1 * (top - bg))[:, None, None])
    rim = np.where(light, s * s - beyond_tenth, beyond_tenth) - n_solid
    taken &= rim >= _MIN_RIM * (4 * n_solid - 2 * pairs)
    # Ink larger than a digit is a digit to rescale (the full pipeline) --
    # unless it touches two or more sides of the frame (bars, lines or noise
    # reaching the edges) or is a digit with clutter (digit_fits), which the
    # crop would take for the digit. A line fades where it leaves the frame
    # (anti-aliased, or fainter than the digit): ink above a fifth of the
    # contrast counts as reaching a side.
    edge_level = bg + (top - bg) * _EDGE_INK
    starts = [0, s, 2 * s, 3 * s - 2]  # top, bottom, left, right in ``border``
    sides = np.where(
        light[:, None],
        np.minimum.reduceat(border, starts, axis=1) < edge_level[:, None],
        np.maximum.reduceat(border, starts, axis=1) > edge_level[:, None],
    ).sum(axis=1)
    # A frame cut from a grid's cell or a table, the cell's lines along its sides
    # (see :mod:`._cells`; its ink reaches two sides or spans more than a digit,
    # whichever level is taken for ink): the frame without them is offered instead.
    cleaned = {}
    lined = np.flatnonzero((sides >= 2) | (extent > largest)) if again else np.empty(0, int)
    lined = lined[may_hold_lines(x[lined])]
    for i in lined:
        frame = x[i]
        without = without_cell_lines(frame)
        if without is not frame:
            taken[i] = False
            cleaned[i] = without
    # Smaller solid ink on a cluttered frame: a digit split by the clutter if
    # that ink lies mostly at the centre (see _MIN_SIZE_CLUTTERED).
    split = np.flatnonzero(taken & ~big_enough & (sides >= 2)
                           & (extent >= _MIN_SIZE_CLUTTERED * box))
    if split.size:
        big_enough[split] = outside_the_box(solid[split], box) < 1 - _CENTRE_SHARE
    taken &= big_enough
    # (Ink no taller than a digit is one with clutter at its sides: see _DIGIT_HEIGHT.)
    height = s - np.argmax(inked[:, ::-1], axis=1) - np.argmax(inked, axis=1)
    flat = height <= box + _DIGIT_HEIGHT
    fits = (extent <= largest) | (sides >= 2) | flat
    ask = taken & ~fits
    # A digit scaled up to fill the frame touches its sides as clutter does: it is
    # sized by the full pipeline, unless it is a digit with clutter after all.
    scaled_up = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(taken & fits & (extent > largest) & ~flat):
        ask[i] = scaled_up[i] = fills_the_frame(solid[i], box)
    for i in np.flatnonzero(ask):
        level = (1 - bg[i], 1 - top[i]) if light[i] else (bg[i], top[i])
        fits[i] = digit_fits(1 - x[i] if light[i] else x[i], solid[i],
                             np.split(border[i], starts[1:]), edge_level[i], bool(light[i]), box,
                             scaled_up=bool(scaled_up[i]), level=level)
    taken &= fits
    if taken.any():
        _normalise(x, taken, light, bg, top, noisy)
        # (Wider than the box and than tall, no taller than a digit: see _centring.)
        place(x, solid, taken, extent, flat & (wide > box) & (wide > tall), center, box)
    declined = ~taken[banded]
    x[banded[declined]] = came[declined]
    if cleaned:
        lined = np.fromiter(cleaned, dtype=int, count=len(cleaned))
        out, took = light_path(np.stack([cleaned[i] for i in lined]), invert, center,
                               min_contrast, box, again=False)
        x[lined[took]] = out[took]
        taken[lined[took]] = True
    return x, taken


def on_light_path(frame, invert, settings):
    """``frame`` (of the output size) normalised by :func:`light_path` as ``settings``
    (a :class:`._pipeline.Settings`) ask, or None if its rule does not take it."""
    out, taken = light_path(frame[None].astype(np.float32), invert, settings.center,
                            settings.min_contrast, settings.digit_box)
    return out[0] if taken[0] else None
