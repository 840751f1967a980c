"""The light path: digits that are already size-normalised (MNIST-like).

An image of exactly the output size whose digit already has about MNIST's
size needs no crop, no rescaling and no stroke correction -- and those steps
can only hurt it when it carries clutter they might mistake for ink (stripes,
lines crossing it): where a step cannot tell whether it helps, the image is
left closer to its input. :func:`light_path` decides, per image and by one
rule, whether an image is such a digit, and if so fixes only its polarity,
contrast and centre of mass.

Both the single-image pipeline (on one image) and the estimator's batch path
(on a whole batch at once, vectorised) call it; images it does not take go
through the full pipeline in both. So a batch and the same images one by one
give the same digits.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from skdigits.preprocessing._geometry import crossing_line, mass_shift, whole_pixels
from skdigits.preprocessing._ink import flat_contrast
from skdigits.preprocessing._stats import median

# The digit (its solid ink, above half the ink level) spans at least _MIN_SIZE
# and at most _MAX_SIZE of the frame (MNIST: 20/28 and its anti-aliased rim);
# other digits are cropped and rescaled by the full pipeline instead.
_MIN_SIZE = 15 / 28
_MAX_SIZE = 23 / 28
# MNIST's box: its digits' solid ink spans at most 20 px of 28.
_DIGIT_BOX = 20 / 28
# Clutter reaching two or more sides of the frame (fog, noise, blobs) can also
# split a digit's solid ink, so that it spans less than _MIN_SIZE. Such a frame is
# still a digit in place when its solid ink spans at least _MIN_SIZE_CLUTTERED and
# more than _CENTRE_SHARE of it lies inside MNIST's box at the centre of the frame,
# where a digit is; clutter spreads evenly (a 28x28 frame of textured paper has
# 54-100 % of its solid ink outside that box, the suite's fogged digits 0-32 % but
# for 2 of 25).
_MIN_SIZE_CLUTTERED = 8 / 28
_CENTRE_SHARE = 0.5
# Evidence of a stroke: at least this many pairs of side-by-side solid pixels
# (scattered dots have none; MNIST's smallest "1" has more than 20).
_MIN_PAIRS = 16
# Strokes at least 2 pixels wide somewhere: a 2x2 block of solid ink (31 of
# MNIST's 60,000 training digits have none; a 1-pixel pen line has none).
_MIN_BLOCKS = 1
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
# The digit's own pieces hold at least this share of the ink when the light path
# moves a digit to the centre (a digit shifted off-centre: 0.975 or more for 95 %
# of them; with a line or blobs beside it: 0.4-0.95).
_OWN_INK = 0.97
# Pieces of the digit beside its main piece are at least this long: the dots
# of a dotted line (or specks) near a digit are no part of it.
_MIN_PIECE = 3
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
# Strokes: solid ink that a 2x2 square fits in, and the pixels next to it; the
# digit's strokes hold at least this share of its solid ink when thin ink is
# set apart as clutter.
_BLOCK = np.ones((2, 2), dtype=bool)
_NEAR = np.ones((3, 3), dtype=bool)
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
# MNIST centres its digits' mass to within half a pixel. The light path moves a
# digit only if its centre of mass is at least this far (px) from the frame's
# centre: a line or a blob added to a centred digit moves its mass by about a
# pixel, and the shift follows it off MNIST's centre (on MNIST-C's "line", 1-px
# shifts cost 18 of 201 digits at 0.5); a digit closer than this reads as well
# in place (at 0.8 no drawn-dev file changes with any of six models; at 1.0 one
# does).
_STAY = 0.8
# Ink touching one side of the frame in two or more places spread over at least
# this share of the side: a line running along that edge (a zigzag's peaks, a
# dashed line) beside the digit -- the crop would take it for part of the digit
# and shrink the digit. A large digit touches a side in one place (drawn-dev's
# 28x28 canvases: one run of up to 13 px).
_ALONG = 0.35


def _count(mask):
    """Number of True values of each image of an (n, h, w) boolean array."""
    # Summing the bytes is 2-4 times faster than np.count_nonzero(axis=1); in
    # 16 bits while no image can hold more True values than that.
    flat = mask.reshape(len(mask), -1).view(np.uint8)
    if flat.shape[1] < 2**16:
        return flat.sum(axis=1, dtype=np.uint16).astype(np.int64)
    return flat.sum(axis=1, dtype=np.int64)


def _weak_line(solid):
    """Weaker evidence of a line across the frame (see _NEAR_CLEAR)."""
    return crossing_line(solid, clear=_NEAR_CLEAR, thick=_BOLD_LINE)


def _along_an_edge(sides, level, light, s):
    """Whether the ink touches a side of the frame (``sides``: its four rows or columns
    of border pixels) in two or more places spread over ``_ALONG`` of it or more."""
    for side in sides:
        touch = np.flatnonzero(side < level if light else side > level)
        if touch.size >= 2 and touch[-1] - touch[0] + 1 >= _ALONG * s and (
                np.diff(touch).max() > 1):
            return True
    return False


def _digit_pieces(img, solid):
    """The digit's own ink in one image, and its box; ``(None, None)`` if it cannot tell.

    Clutter beside the digit -- bars at the sides, blobs -- is left out: the
    digit is the heaviest connected piece of solid ink that neither spans the
    frame (nearly) from edge to edge nor reaches in from an edge beyond a
    digit's size (a bar, a line, or the digit crossed by one), with the pieces
    within a few pixels of it (not single specks of noise) and the fainter ink
    within their box. If such clutter outweighs that piece, the piece is only a
    fragment of the digit: nothing can be told.
    """
    s = img.shape[0]
    lab, n = ndimage.label(solid, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        return None, None
    weight = np.bincount(lab.ravel(), weights=img.ravel(), minlength=n + 1)
    weight[0] = 0
    boxes = ndimage.find_objects(lab)
    sizes = [max(rs.stop - rs.start, cs.stop - cs.start) for rs, cs in boxes]
    spanning = 0.0
    for k, ((rs, cs), size) in enumerate(zip(boxes, sizes)):
        edge = rs.start == 0 or cs.start == 0 or rs.stop == s or cs.stop == s
        if size >= s - 2 or (edge and size > _MAX_SIZE * s):
            # Edge to edge, or from an edge and larger than a digit: a bar, a
            # line, or a digit merged with one -- not a lone digit.
            spanning = max(spanning, weight[k + 1])
            weight[k + 1] = 0
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
                    and gap <= near):
                keep[k + 1] = changed = True
                r0, r1 = min(r0, rs.start), max(r1, rs.stop)
                c0, c1 = min(c0, cs.start), max(c1, cs.stop)
    digit = np.zeros_like(img)
    digit[r0:r1, c0:c1] = img[r0:r1, c0:c1]
    digit[solid & ~keep[lab]] = 0
    return digit, (r0, r1, c0, c1)


def _without_thin_ink(img, solid):
    """``(img, solid)`` without the thin ink: solid pixels more than a pixel away from
    any stroke at least 2 px wide (a 2x2 opening, in pieces of ``_MIN_CORE`` pixels
    or more), with the faint ink around them.

    Thin clutter -- a 1-px line or zigzag drawn over the digit, dots, specks -- is
    no part of the digit; MNIST's strokes are 2-4 px wide. Images whose strokes
    are mostly that thin (a fine pen) are returned unchanged.
    """
    core = ndimage.binary_opening(solid, _BLOCK)
    lab, n = ndimage.label(core, structure=_NEAR)
    if n:
        sizes = np.bincount(lab.ravel(), minlength=n + 1)
        sizes[0] = 0
        core = sizes[lab] >= _MIN_CORE
    n_core, n_solid = int(core.sum()), int(solid.sum())
    if n_core < _STROKE_SHARE * n_solid or n_core == n_solid:
        return img, solid
    near = ndimage.binary_dilation(core, _NEAR)
    thin = solid & ~near
    if not thin.any():
        return img, solid
    # The faint rim of a thin line goes with it.
    drop = ndimage.binary_dilation(thin, _NEAR) & ~near
    return np.where(drop, 0, img).astype(img.dtype, copy=False), solid & ~drop


def _digit_shift(img, solid, beyond_box):
    """Whole-pixel shift ``(dy, dx)`` that centres the mass of the digit's own ink
    (without thin ink when ``beyond_box``: the ink spans more than MNIST's box)."""
    s = img.shape[0]
    if beyond_box:
        # Ink wider or taller than MNIST's digits: clutter may be
        # among it, and thin clutter is set apart.
        img, solid = _without_thin_ink(img, solid)
    digit, box = _digit_pieces(img, solid)
    if digit is None or max(box[1] - box[0], box[3] - box[2]) > _MAX_SIZE * s:
        # No digit apart from the clutter, or clutter joined to it (its pieces
        # span more than a digit): where the digit's centre is cannot be told.
        return 0, 0
    own = mass_shift(digit, s, _STAY)
    if float(digit.sum()) < _OWN_INK * float(img.sum()):
        # Much ink lies outside the digit's pieces: clutter (a line, bars,
        # blobs) or a piece of the digit itself. Which one cannot be told: the
        # digit moves only if all its ink and its own pieces agree on where to
        # (within a pixel), otherwise it stays in place.
        whole = mass_shift(img, s)
        if max(abs(own[0] - whole[0]), abs(own[1] - whole[1])) > 1:
            return 0, 0
    return own


def light_path(x, invert, center, min_contrast):
    """Polarity, contrast and centring of the (n, s, s) images that are MNIST-like.

    ``x`` (float32 in [0, 1]) is modified in place. Returns ``(x, taken)``:
    ``taken[i]`` is True for the images that this path normalised; the others
    are left unchanged, for the full pipeline. An image is
    taken when its ink (what lies beyond the border's median level) stands at
    least ``min_contrast`` above the background, it is not dense noise, its
    solid ink (above half that contrast) forms strokes -- pairs of
    neighbouring pixels, which scattered dots do not have, and a 2x2
    block, which 1-pixel pen lines do not have --, its ink is anti-aliased
    like MNIST's (not a hard-edged binary canvas) and it spans 15/28 to 23/28
    of the frame (from 8/28 if clutter reaching two sides splits it and it
    lies mostly at the centre), or more if the ink touches two or more sides
    of the frame, or one side in places spread along it (bars, lines, noise:
    the crop could not tell them from the digit), if the digit's own pieces
    -- with or without thin ink (a 1-px line or zigzag, dots) -- have a
    digit's size, or if a line is drawn across the digit
    (:func:`~._geometry.crossing_line`). Images whose ink spans more
    than 23/28 are left in place (their centre is a guess); centring the
    others follows neither thin ink nor a line across the frame.
    """
    n, s, _ = x.shape
    border = np.concatenate(
        [x[:, 0, :], x[:, -1, :], x[:, 1:-1, 0], x[:, 1:-1, -1]], axis=1
    )
    bg = median(border, axis=-1)
    flat = x.reshape(n, s * s)
    lo, hi = flat.min(axis=1), flat.max(axis=1)
    if invert == "auto":
        # The ink is the extreme farther from the background level -- unless
        # the middle of the frame, where the digit is, and the border above and
        # below it are dark: then only the sides of the frame are light (bands
        # inverted), and the middle's level is the background.
        light = (bg - lo) > (hi - bg)
        if light.any():
            a, b = s // 7, 2 * s // 7
            middle = x[light, a : s - a, b : s - b].reshape(int(light.sum()), -1)
            # The middle's background level: its lower quartile, as a bold digit
            # can cover half of the middle (never three quarters of it).
            level = np.partition(middle, middle.shape[-1] // 4, axis=-1)[:, middle.shape[-1] // 4]
            above_below = np.concatenate(
                [x[light, 0, b : s - b], x[light, -1, b : s - b]], axis=1
            )
            mid = (lo[light] + hi[light]) / 2
            # Dark in the middle and above and below it: the digit's surround
            # is dark, only the sides of the frame are light.
            dark = (level < mid) & (median(above_below, axis=-1) < mid)
            which = np.flatnonzero(light)[dark]
            light[which] = False
            bg[which] = level[dark]
    else:
        light = np.full(n, bool(invert))
    # The decision is taken on the unmodified images (those not taken are
    # left as they are): ink is what lies beyond the background level.
    top = np.where(light, lo, hi)
    contrast = np.abs(top - bg)
    safe = np.maximum(contrast, 1e-6)
    taken = contrast >= min_contrast
    # Dense noise: pixel-to-pixel roughness relative to the ink's contrast.
    # Noise would show on the border too: images with a clean border skip it.
    # (Its upper quartile, not its median: noise clipped at the background's
    # level leaves half the border exactly at that level.)
    dev = np.abs(border - bg[:, None])
    q = dev.shape[1] * 3 // 4
    noisy = np.flatnonzero(taken & (np.partition(dev, q, axis=-1)[:, q] > 0.02))
    if noisy.size:
        xs = x[noisy]
        rough = np.abs(xs[:, :, 1:] - xs[:, :, :-1]).mean(axis=(1, 2)) / safe[noisy]
        taken[noisy] &= rough <= _MAX_ROUGH
    # Solid ink: beyond half the contrast (light-background images flipped in
    # a copy: the images themselves are modified only once taken).
    half = ((bg + top) / 2)[:, None, None]
    solid = x > half
    if light.any():
        solid[light] = x[light] < half[light]
    # A surface, not strokes: on a cluttered frame (noise, fog, lighting),
    # solid ink thicker than half the frame is paper under a lighting gradient
    # or a shadow -- no pen draws a stroke that wide (MNIST: a sixth at most).
    # And its contrast must not be the lighting's: once a smooth lighting is
    # taken out (as the full pipeline does), the ink still stands out.
    for i in noisy[taken[noisy]]:
        inside = ndimage.distance_transform_edt(np.pad(solid[i], 1))
        taken[i] = 2 * float(inside.max()) <= _MAX_THICKNESS * s and (
            contrast[i] >= _SURE_CONTRAST
            or flat_contrast(x[i], bool(light[i])) >= min_contrast)
    rows2 = solid[:, 1:, :] & solid[:, :-1, :]
    pairs = _count(rows2) + _count(solid[:, :, 1:] & solid[:, :, :-1])
    # 2x2 blocks of solid pixels: 1-pixel pen lines have (nearly) none; they
    # go through the full pipeline, which thickens them to MNIST's width.
    blocks = _count(rows2[:, :, 1:] & rows2[:, :, :-1])
    # (sums by matrix products: several times faster than NumPy's reductions)
    one = np.ones(s, dtype=np.float32)
    solid_f = solid.astype(np.float32)
    solid_rows = solid_f @ one  # solid pixels per row
    extent = np.maximum(
        np.count_nonzero(solid_rows, axis=1), np.count_nonzero(one @ solid_f, axis=1)
    )
    taken &= (pairs >= _MIN_PAIRS) & (blocks >= _MIN_BLOCKS)
    big_enough = extent >= _MIN_SIZE * s
    # Hard-edged ink (no anti-aliased rim): see _MIN_RIM. The rim is the ink
    # beyond a tenth of the way from the background but not solid (one more
    # comparison per pixel); the sides between solid and other pixels are 4 per
    # solid pixel, less 2 per pair.
    n_solid = solid_rows.sum(axis=1)
    beyond_tenth = _count(x > (bg + 0.1 * (top - bg))[:, None, None])
    rim = np.where(light, s * s - beyond_tenth, beyond_tenth) - n_solid
    taken &= rim >= _MIN_RIM * (4 * n_solid - 2 * pairs)
    # Ink larger than MNIST's digits is a digit to rescale (the full pipeline)
    # -- unless it touches two or more sides of the frame (bars, lines or noise
    # reaching the edges) or one side in places spread along it (a line running
    # along that edge), which the crop would take for the digit.
    # A line fades where it leaves the frame (anti-aliased, or fainter than
    # the digit): ink above a fifth of the contrast counts as reaching a side.
    edge_level = (bg + (top - bg) * _EDGE_INK)[:, None]
    starts = [0, s, 2 * s, 3 * s - 2]  # top, bottom, left, right in ``border``
    sides = np.where(
        light[:, None],
        np.minimum.reduceat(border, starts, axis=1) < edge_level,
        np.maximum.reduceat(border, starts, axis=1) > edge_level,
    ).sum(axis=1)
    # Smaller solid ink on a cluttered frame: a digit split by the clutter if
    # that ink lies mostly at the centre (see _MIN_SIZE_CLUTTERED).
    split = np.flatnonzero(taken & ~big_enough & (sides >= 2)
                           & (extent >= _MIN_SIZE_CLUTTERED * s))
    if split.size:
        m = round((1 - _DIGIT_BOX) * s / 2)
        centre = _count(solid[split, m : s - m, m : s - m])  # (a copy: fancy indexing)
        big_enough[split] = centre > _CENTRE_SHARE * n_solid[split]
    taken &= big_enough
    fits = (extent <= _MAX_SIZE * s) | (sides >= 2)
    # Ink larger than MNIST's digits whose digit alone has MNIST's size: a
    # digit in place with clutter beside or across it (dots of a dotted line,
    # specks) that the crop would take for part of the digit. Or a line drawn
    # across the digit and merged with it: the crop would shrink the digit to
    # fit the line in, and centring would follow the line's ink; the image
    # stays as it is.
    for i in np.flatnonzero(taken & ~fits):
        ink = 1 - x[i] if light[i] else x[i]
        # The digit's pieces, then (if they are no digit) those of its strokes
        # without the thin ink: a thin line or zigzag merged with the digit.
        for strokes_only in (False, True):
            _, box = _digit_pieces(*(_without_thin_ink(ink, solid[i]) if strokes_only
                                     else (ink, solid[i])))
            if box is not None:
                size = max(box[1] - box[0], box[3] - box[2])
                fits[i] = _MIN_SIZE * s <= size <= _MAX_SIZE * s
            if fits[i]:
                break
        if not fits[i]:
            fits[i] = _weak_line(solid[i])
        if not fits[i]:
            fits[i] = _along_an_edge(np.split(border[i], starts[1:]), edge_level[i, 0],
                                     bool(light[i]), s)
    taken &= fits
    # Ink spanning more than any digit does: clutter lies among it (the image
    # was taken because the digit's own pieces have a digit's size, a line
    # crosses it, or it reaches two sides). Where the digit's centre is cannot
    # be told for sure, and centring on a guess cost more digits than it won:
    # such images stay in place.
    in_place = extent > _MAX_SIZE * s
    if not taken.any():
        return x, taken
    flip = light & taken
    if flip.any():
        x[flip] = 1 - x[flip]
    bg = np.where(light, 1 - bg, bg)
    top = np.where(light, 1 - top, top)
    needs = ((bg != 0) | (top != 1)) & taken
    if needs.any():
        lo = bg[needs, None, None]
        hi = top[needs, None, None]
        x[needs] = np.clip((x[needs] - lo) / (hi - lo), 0, 1)
    rows = x @ one
    cols = one @ x
    ry, rx = rows > 0, cols > 0
    first_r = np.argmax(ry, axis=1)
    last_r = s - 1 - np.argmax(ry[:, ::-1], axis=1)
    first_c = np.argmax(rx, axis=1)
    last_c = s - 1 - np.argmax(rx[:, ::-1], axis=1)
    if center == "mass":
        mass = rows.sum(axis=1)
        safe = np.where(mass > 0, mass, 1)
        idx = np.arange(s, dtype=np.float32)
        dy = whole_pixels(s / 2 - rows @ idx / safe, _STAY)
        dx = whole_pixels(s / 2 - cols @ idx / safe, _STAY)
        # Only images that would move (none of MNIST's 60,000 training digits
        # by more than a pixel) are looked at closer, one by one.
        for i in np.flatnonzero(((dy != 0) | (dx != 0)) & taken & ~in_place):
            beyond_box = extent[i] > _DIGIT_BOX * s
            dy[i], dx[i] = _digit_shift(x[i], solid[i], beyond_box)
            if (dy[i] or dx[i]) and beyond_box and crossing_line(solid[i]):
                # Ink wider or taller than MNIST's digits, with a line across
                # the frame beside or over a digit that is centred without
                # it: the shift would only follow the line's ink.
                dy[i] = dx[i] = 0
            elif (max(abs(dy[i]), abs(dx[i])) > 1 and beyond_box
                  and _weak_line(solid[i])):
                # The same, but the line's ends come within 2 px of the rest
                # of the ink, as a large digit's long stroke may, or the line
                # is as bold as strokes side by side: a pixel's shift (what a
                # large drawn 0 may need) and no more.
                dy[i], dx[i] = np.clip(dy[i], -1, 1), np.clip(dx[i], -1, 1)
    else:
        dy = (s - (last_r - first_r + 1)) // 2 - first_r
        dx = (s - (last_c - first_c + 1)) // 2 - first_c
    dy[in_place], dx[in_place] = 0, 0
    # Keep all ink inside the frame.
    dy = np.clip(dy, -first_r, s - 1 - last_r)
    dx = np.clip(dx, -first_c, s - 1 - last_c)
    move = np.flatnonzero(((dy != 0) | (dx != 0)) & taken)
    for i in move:
        x[i] = np.roll(x[i], (dy[i], dx[i]), axis=(0, 1))
    return x, taken
