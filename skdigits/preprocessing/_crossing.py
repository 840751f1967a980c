"""Lines drawn across the digit: found in a frame, and left out of a whole image's crop.

In a frame of the output size, :func:`crossing_line` tells a line across the
digit from the digit's own strokes (a frame with one is kept as it is, see
:mod:`._clutter`), and :func:`line_pulls` a thin, shorter one over a digit
centred without it, whose pull on the centre of mass no shift should follow
(see :mod:`._centring`). In a whole image, a line drawn or printed across the page --
straight, bold, zigzag or dotted -- runs through the digit and on to the image's
sides. Thin straight lines are left out of the ink
(:func:`._rules.straight_lines`); a bold one, a zigzag or a dotted line stays,
and the crop, taking it in, widens the digit's box to the whole image: the
digit shrinks to a part of its size. Beyond the digit such a line is all the
ink there is: each column holds one short run of ink or none.
:func:`without_line_tails` leaves such tails out of the ink map at both ends of
a line across, and the crop keeps the digit's span: the line is left crossing
the digit, as a classifier sees it on the image as it came. (Not on
low-resolution scans, whose digit fills its frame: see
:func:`._pipeline.find_digit`.)
"""

from __future__ import annotations

import functools

import numpy as np

from skdigits._pixels import border
from skdigits.preprocessing._geometry import SMALL_FRAME, runs

# Only images whose short side has SMALL_FRAME pixels or more (in a frame of MNIST's
# size, a digit fitted to its long side reaches both sides with its own strokes).
# The ink reaches within _NEAR of the image's side at both ends (a dotted line's
# last dot may stop short of it).
_NEAR = 0.04
# A tail: from each side inwards, columns holding one run of solid ink (above
# half the ink's level) or none, no run longer than _RUN times the median run of
# the first _FIRST of the image's width (the line's own width across that column,
# a zigzag's steeper segments included), and _TAIL of the width long at least at
# both ends (a digit cropped to its box reaches the sides with its own strokes:
# a 4's bar, a 7's; they run on alone for less at one end at least).
_RUN = 2.0
_FIRST = 0.05
_TAIL = 0.1
# What is left between the tails spans _DIGIT of the width at least, and at most
# _ACROSS of the height (a digit cropped to its box fills it both ways: its stems
# run on alone to the top and bottom as a line's tails do).
_DIGIT = 0.25
_ACROSS = 0.85


def _runs_per_line(m):
    """Number of runs of True, and the longest, in each column of ``m``."""
    lengths = [[stop - start for start, stop in runs(m[:, j])] for j in range(m.shape[1])]
    return (np.array([len(r) for r in lengths], dtype=int),
            np.array([max(r, default=0) for r in lengths], dtype=int))


def _tail(n, longest, width):
    """Length of the tail at the start of the columns described by ``n`` and
    ``longest`` (see _RUN), or 0."""
    first = max(2, round(_FIRST * width))
    lead = longest[:first][n[:first] > 0]
    if lead.size == 0 or (n[:first] > 1).any():
        return 0
    limit = _RUN * float(np.median(lead)) + 1
    k = 0
    while k < width and n[k] <= 1 and longest[k] <= limit:
        k += 1
    return k


def _across(m, ink):
    """``(start, stop)`` of the columns of the solid ink ``m`` between a line's tails,
    or None (``ink``: all of the ink, to tell where it reaches)."""
    h, w = m.shape
    cols = np.flatnonzero(m.any(axis=0))
    if cols.size == 0 or cols[0] > _NEAR * w or cols[-1] < w - 1 - _NEAR * w:
        return None
    n, longest = _runs_per_line(m[:, cols[0] : cols[-1] + 1])
    span = n.size
    left = _tail(n, longest, span)
    right = _tail(n[::-1], longest[::-1], span)
    if min(left, right) < _TAIL * w or span - left - right < _DIGIT * w:
        return None
    start, stop = cols[0] + left, cols[0] + span - right
    rows = np.flatnonzero(ink[:, start:stop].any(axis=1))
    if rows[-1] + 1 - rows[0] > _ACROSS * h:
        return None  # (a digit cropped to its box: it fills the image the other way)
    return start, stop


def without_line_tails(y):
    """The ink map ``y`` without the tails of a line across the whole image from side
    to side (see the module's docs), or ``y`` itself if it has none. (Lines down it
    are not looked for: a digit drawn as tall as its canvas runs on alone to the top
    and bottom with its own strokes, a 6's hook, a 9's stem.)"""
    if min(y.shape) < SMALL_FRAME:
        return y
    solid = y > 0.5
    if not solid.any():
        return y
    cut = _across(solid, y > 0)
    if cut is None:
        return y
    out = y.copy()
    out[:, : cut[0]] = 0
    out[:, cut[1] :] = 0
    return out


# A line crossing the frame: a straight band (up to _BAND px across, wide
# enough for a zigzag's swing) along which ink runs, with gaps of at most
# _GAP px (a dotted line's), over at least _CROSSING of the frame's side --
# longer than any stroke of a digit of MNIST's size -- and holding at most
# _THICK solid pixels per pixel of its length (a pen line, not a digit's
# strokes side by side). What the line leaves has a digit's size or less (a
# part of it may lie under the band), its centroid within _CENTRED px of the
# frame's centre along the line and _CENTRED_ACROSS px across it (the band
# takes the part of the digit that the line covers, which moves the centroid
# of what is left away from the line), and both of the line's ends lie at
# least _CLEAR px from it (a pixel is weaker evidence: a large digit's long
# stroke, such as a 0's side, may end a pixel from the rest of the digit).
_BAND = 7
_GAP = 3
_CROSSING = 0.8
_THICK = 3.0
_REST = (10 / 28, 23 / 28)
_CLEAR = 2
_CENTRED = 1.5
_CENTRED_ACROSS = 4.0
_ANGLES = np.deg2rad(np.arange(0, 180, 3))
# Distinct bands tried, longest first: a band within _NEAR_ANGLE steps of
# angle and half a band's width of offset of one already tried is the same band.
_CANDIDATES = 12
_NEAR_ANGLE = 2


def _running_max(a):
    """Running maximum down axis 0 (in log2 steps of whole-array maxima: numpy's
    ``maximum.accumulate`` goes row by row)."""
    a, b = a.copy(), np.empty_like(a)
    k = 1
    while k < a.shape[0]:
        b[:k] = a[:k]
        np.maximum(a[k:], a[:-k], out=b[k:])
        a, b, k = b, a, 2 * k
    return a


def _longest_run(covered, gap):
    """The longest run of True along the last axis of a 2-D mask, bridging gaps
    of up to ``gap`` False values: ``(length, start, stop)`` per row (the first
    such run; ``(0, 0, 0)`` for a row without True)."""
    n, m = covered.shape
    c = np.ascontiguousarray(covered.T)  # runs down axis 0, all rows at once
    small = (m + 1) ** 2 <= np.iinfo(np.int16).max
    pos = np.arange(1, m + 1, dtype=np.int16 if small else np.int32)[:, None]  # 1-based
    last = _running_max(c * pos)  # the last True at or before each position (0: none)
    following = m + 1 - _running_max((c * (m + 1 - pos))[::-1])[::-1]  # m + 1: none
    # Gaps of up to ``gap`` between two True values filled (nothing beyond the
    # first and last True of a row).
    filled = c | ((last > 0) & (following <= m) & (following - last <= gap + 1))
    run = pos - _running_max(~filled * pos)
    # The longest run, the first one of that length: the largest run * (m + 1) + m - position.
    best = (run * (m + 1) + m + 1 - pos).max(axis=0)
    length = best // (m + 1)
    stop = np.where(length > 0, m + 1 - best % (m + 1), 0)
    return np.stack([length, stop - length, stop], axis=1).astype(int)


def crossing_line(solid, clear=_CLEAR, thick=_THICK, beyond=None):
    """Whether a line crosses the frame over the digit in a square ``solid`` ink mask.

    A line drawn across a digit (straight, zigzag or dotted, as wide as the
    digit's strokes) merges with it, and no local rule separates them. Its
    shape does: it runs straight across the frame, over more than any of a
    digit's strokes, and beyond the rest of the ink at both ends. The band of
    ``_BAND`` pixels where solid ink runs longest (a Hough transform in which a
    band scores by the length it covers) is such a line when it runs over
    ``_CROSSING`` of the frame's side, the ink outside it has a digit's size
    or less and is centred as MNIST centres its digits, and both its ends
    stand clear of that ink by ``clear`` px (a large digit's long stroke joins
    the rest of the digit at one end at least); the band holds at most
    ``thick`` solid pixels per pixel of its length. With ``beyond`` (px), the
    band must also run past that ink at both ends by at least as much, measured
    along the band: a line across the digit, not a stroke along its side. Up to
    ``_CANDIDATES`` distinct bands are tried, longest first (a band across the
    digit itself may run longer than the line).
    """
    s = solid.shape[0]
    if np.count_nonzero(solid) < _CROSSING * s:
        return False
    # The light path asks up to three times about the same frame (is it a digit
    # with clutter, and may it move): the bands are found once per mask.
    ys, xs, rho, along, bands = _line_bands(solid.tobytes(), s)
    cos, sin = np.cos(_ANGLES), np.sin(_ANGLES)
    return any(_clear_line(ys, xs, rho[:, angle], along[:, angle], mid, start, stop, s,
                           cos[angle], sin[angle], clear, thick, beyond)
               for angle, mid, start, stop in bands)


def _reach(s):
    """How far (px) offsets across and along a band may lie from the centre of an
    ``s`` x ``s`` frame: :func:`_line_bands` shifts them by this to start at 0."""
    return int(np.ceil(s * 0.75))


def _span(ys, xs):
    """Span (px) of the pixels ``(ys, xs)`` the longer way, or 0 for none."""
    return max(np.ptp(ys), np.ptp(xs)) + 1 if ys.size else 0


@functools.lru_cache(maxsize=16)
def _line_bands(key, s, width=_BAND, crossing=_CROSSING):
    """The candidate bands of :func:`crossing_line` (and, thinner and shorter, of
    :func:`line_pulls`) in the ``s`` x ``s`` boolean mask
    whose bytes are ``key``: ``(ys, xs, rho, along, bands)``, the solid pixels, their
    offsets across and along each angle's bands (read-only arrays, shifted to start
    at 0) and up to ``_CANDIDATES`` distinct bands ``(angle, mid, start, stop)``
    ``width`` px across whose ink runs over ``crossing`` of the side, longest
    first."""
    solid = np.frombuffer(key, dtype=bool).reshape(s, s)
    ys, xs = np.nonzero(solid)
    cos, sin = np.cos(_ANGLES), np.sin(_ANGLES)
    centre = (s - 1) / 2
    r = _reach(s)
    # Across the band (rho) and along it (t), from the frame's centre.
    rho = np.rint((xs[:, None] - centre) * cos + (ys[:, None] - centre) * sin).astype(int) + r
    t = np.rint(-(xs[:, None] - centre) * sin + (ys[:, None] - centre) * cos).astype(int) + r
    a = np.broadcast_to(np.arange(_ANGLES.size), rho.shape)
    grid = np.zeros((_ANGLES.size, 2 * r + 1, 2 * r + 1), dtype=bool)
    grid[a.ravel(), rho.ravel(), t.ravel()] = True
    # Ink anywhere across a band of ``width`` rows of rho, per position along it.
    half = width // 2
    padded = np.pad(grid, ((0, 0), (half, half), (0, 0)))
    bands = padded[:, : 2 * r + 1].copy()
    for k in range(1, width):
        bands |= padded[:, k : k + 2 * r + 1]
    bands = bands.reshape(-1, 2 * r + 1)
    # Only bands whose ink spans ``crossing`` of the side from first to last can hold
    # a run that long (a tenth of them, or fewer).
    spans = bands.shape[1] - np.argmax(bands[:, ::-1], axis=1) - np.argmax(bands, axis=1)
    wide = np.flatnonzero(bands.any(axis=1) & (spans >= crossing * s))
    runs = np.zeros((bands.shape[0], 3), dtype=int)
    runs[wide] = _longest_run(bands[wide], _GAP)
    # Bands long enough, longest first; each one taken rules out the bands near it.
    long_enough = np.flatnonzero(runs[:, 0] >= crossing * s)
    order = long_enough[np.argsort(-runs[long_enough, 0], kind="stable")]
    angle_of, mid_of = np.divmod(order, 2 * r + 1)
    ruled_out = np.zeros(order.size, dtype=bool)
    found = []
    for i, k in enumerate(order):
        if len(found) == _CANDIDATES:
            break
        if ruled_out[i]:
            continue
        angle, mid = int(angle_of[i]), int(mid_of[i])
        ruled_out |= _same_band(angle, mid, r, half, angle_of, mid_of)
        found.append((angle, mid, int(runs[k, 1]), int(runs[k, 2])))
    for arr in (ys, xs, rho, t):
        arr.flags.writeable = False
    return ys, xs, rho, t, tuple(found)


def _same_band(angle, mid, r, half, angles, mids):
    """Which of the bands ``(angles, mids)`` (steps of ``_ANGLES``, offsets from
    ``r``) are within _NEAR_ANGLE steps and ``half`` px of the band ``(angle,
    mid)`` (at 180 degrees, offsets change sign)."""
    n = _ANGLES.size
    turn = np.abs(angles - angle)
    across = turn > n // 2  # across 0/180 degrees: the same line, offset negated
    offsets = np.where(across, 2 * r - mids, mids)
    turn = np.where(across, n - turn, turn)
    return (turn <= _NEAR_ANGLE) & (np.abs(offsets - mid) <= half)


def _clear_line(ys, xs, rho, along, mid, start, stop, s, cos, sin, clear, thick, beyond):
    """Whether the band ``|rho - mid| <= _BAND // 2``, ``start <= along < stop`` is a
    line across the rest of the ink (see :func:`crossing_line`)."""
    inside = (np.abs(rho - mid) <= _BAND // 2) & (along >= start) & (along < stop)
    rest = ~inside
    if not rest.any() or np.count_nonzero(inside) > thick * (stop - start):
        return False
    if beyond is not None and not (start + beyond <= along[rest].min()
                                   and along[rest].max() + beyond <= stop - 1):
        return False
    size = _span(ys[rest], xs[rest])
    if not _REST[0] * s <= size <= _REST[1] * s:
        return False
    # ... and is centred as MNIST centres its digits: the line was drawn over one.
    # Along the line, that is; across it, the band took the part of the digit
    # that the line covers, which moves what is left of it away from the line.
    dy, dx = ys[rest].mean() - s / 2, xs[rest].mean() - s / 2
    if abs(dy * cos - dx * sin) > _CENTRED or abs(dx * cos + dy * sin) > _CENTRED_ACROSS:
        return False
    rest_yx = np.stack([ys[rest], xs[rest]], axis=1)
    for end in (along[inside] < start + 2, along[inside] >= stop - 2):
        end_yx = np.stack([ys[inside][end], xs[inside][end]], axis=1)
        gap = np.abs(end_yx[:, None, :] - rest_yx[None, :, :]).max(axis=2).min()
        if gap < clear:
            return False
    return True


# A thinner, shorter line over a digit that is centred without it (MNIST-C's
# "line": 1-2 solid px, from column 0-4 to 22-26 at any slope, 18 px or more):
# a band _PULL_WIDTH px across in which solid ink runs over _PULL_RUN of the
# side (a digit's own straight strokes, a 1's or a 7's stem, may be as long),
# and which runs past the rest of the ink at both ends by _PULL_PAST px along
# it (a digit's stroke ends where the rest of the digit does, or one end of it
# does). The rest, for that: the solid ink farther than _PULL_LINE px from the
# band's axis (at 2 px, a 2's bend into its foot fell inside the band, and its
# foot ran past the rest: 1 of 1,000 digits shifted off centre lost). The
# line's ink: _PULL_HALF px each side of its axis. What is left holds
# _PULL_REST of the ink at least and is centred as MNIST centres its digits:
# within _PULL_ALONG px along the line, and across it between two estimates --
# without the whole band (which takes the part of the digit under the line,
# moving the rest away from it) and without only its tails beyond the rest
# (which leaves the line's middle, moving it towards the line) -- within
# _PULL_SPREAD px. A digit off centre by itself is off centre both ways.
_PULL_WIDTH = 3
_PULL_RUN = 16 / 28
_PULL_HALF = 2.0
_PULL_LINE = 1.5
_PULL_PAST = 2
_PULL_REST = 0.3
_PULL_ALONG = 1.0
_PULL_SPREAD = 0.5
# A band whose run is longer than MNIST's digit box (_PULL_LONG of the side: 21
# px at 28) is no stroke of a digit centred as MNIST centres them: it needs to
# run past the rest at one end only, and at the other reach at least as far as
# the rest less _PULL_SHORT px (MNIST-C's line, from column 0-4 to 22-26, often
# ends where the digit does) -- unless solid ink touches the frame's edge: a
# digit shifted off the frame, its stem cut by the edge (a 9's or a 6's), runs
# past its loop as far (MNIST-C's translate, 6,000 digits: 5 left off centre,
# none once the edge is asked).
_PULL_LONG = 21 / 28
_PULL_SHORT = 0.5


def line_pulls(img, solid, largest=None):
    """Whether a thin straight line drawn over a digit centred without it is what
    moves the centre of mass of the square image ``img`` (ink high, in [0, 1];
    ``solid``: its solid ink) off the frame's centre (see _PULL_WIDTH).

    The frame's mass follows the line's own ink -- by a pixel or three, across
    the line -- and a shift would move the digit off MNIST's centre with it.
    Up to ``_CANDIDATES`` distinct bands are tried, longest first (a digit's
    stem may run as long as the line). With ``largest`` (px), only a line longer
    than MNIST's digit box (_PULL_LONG) over a rest spanning ``largest`` px at
    most: a line beside a digit, which makes the ink larger than a digit.
    """
    s = solid.shape[0]
    if np.count_nonzero(solid) < _PULL_RUN * s:
        return False
    ys, xs, rho, along, bands = _line_bands(solid.tobytes(), s, _PULL_WIDTH, _PULL_RUN)
    if not bands:
        return False
    r = _reach(s)
    centre = (s - 1) / 2
    # Every candidate band at once: arrays of (ink pixels, bands).
    angle, mid, start, stop = (np.array(v) for v in zip(*bands))
    cos, sin = np.cos(_ANGLES[angle]), np.sin(_ANGLES[angle])
    on = (np.abs(rho[:, angle] - mid) <= _PULL_WIDTH // 2) & (
        along[:, angle] >= start) & (along[:, angle] < stop)
    axis = ((((xs - centre)[:, None] * cos + (ys - centre)[:, None] * sin) * on).sum(axis=0)
            / on.sum(axis=0))
    first, last = start - r, stop - 1 - r
    iy, ix = np.nonzero((img > 0) | solid)
    w = img[iy, ix].astype(np.float64)[:, None]
    on_solid = solid[iy, ix][:, None]
    py, px = (iy - centre)[:, None], (ix - centre)[:, None]
    off = np.abs(px * cos + py * sin - axis)
    t = py * cos - px * sin
    on_axis = (t >= first - 1) & (t <= last + 1)
    band = on_axis & (off <= _PULL_HALF)
    rest = on_solid & ~band
    lo = np.where(rest, t, np.inf).min(axis=0)
    hi = np.where(rest, t, -np.inf).max(axis=0)
    # Past the rest at both ends (a long line: at one, see _PULL_LONG): the rest
    # here is all solid ink off the line's own (a stroke joining the band at its
    # end, a 2's foot, stays).
    beside = on_solid & ~(on_axis & (off <= _PULL_LINE))
    ends = np.stack([np.where(beside, t, np.inf).min(axis=0) - first,
                     last - np.where(beside, t, -np.inf).max(axis=0)])
    long = stop - start >= _PULL_LONG * s
    # (Not where ink touches the edge: a digit cut by it, see _PULL_LONG.)
    one_end = long & ~border(solid).any()
    past = (ends.max(axis=0) >= _PULL_PAST) & (
        ends.min(axis=0) >= np.where(one_end, -_PULL_SHORT, _PULL_PAST))
    if largest is not None:
        past &= long & np.array([_span(iy[k], ix[k]) <= largest for k in rest.T])
    without = ~band
    ok = rest.any(axis=0) & past & ((w * without).sum(axis=0) >= _PULL_REST * float(w.sum()))
    if not ok.any():
        return False
    offsets = []
    for keep in (without, ~(band & ((t < lo) | (t > hi)))):
        mass = np.maximum((w * keep).sum(axis=0), 1e-12)
        dy = (w * keep * (iy[:, None] - s / 2)).sum(axis=0) / mass
        dx = (w * keep * (ix[:, None] - s / 2)).sum(axis=0) / mass
        offsets.append((dx * cos + dy * sin, dy * cos - dx * sin))
    (a1, l1), (a2, l2) = offsets
    centred = ((np.minimum(a1, a2) <= _PULL_SPREAD) & (np.maximum(a1, a2) >= -_PULL_SPREAD)
               & (np.maximum(np.abs(l1), np.abs(l2)) < _PULL_ALONG))
    return bool((ok & centred).any())
