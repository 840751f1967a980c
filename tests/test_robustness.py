"""The floors of issue 15 on a fixed subset of the robustness suite (benchmarks/robustness.py).

The preprocessor must not hurt: on MNIST test digits rendered the ways real images come
(noise, blur, clutter, lighting, pens, low resolution, large canvases, polarities,
transparency), ``DigitImagePreprocessor`` + a classifier, image by image, scores at least
what the classifier alone scores on the raw 28x28 digit, declares (almost) no real digit
blank, declares images holding no digit blank, and gives the same digits whether the
images come one by one or as one array. A last test checks the generators themselves
(seeded, and rendering what they claim).

Subset: the same 150 MNIST test digits (seed 0) for every variant (60 or 40 for the
slower renderings, 20 for the 2000-2400 px canvases), 50 images per non-digit kind. Model: the
session's ``digit_pipeline`` (deep CNN, 12,000 digits, 2 epochs; its classifier only).

Margin of the accuracy floor: 2 points (3 images of 150) instead of the benchmark's 0.5
(``benchmarks/bench_robustness.py``, 500 digits and the classic CNN). The pipeline and
the classifier alone read the same digits, so their difference only moves by the digits
on which exactly one of them is right -- typically 5-10 % of them, which gives a
standard deviation of sqrt(0.05..0.10 x 150) / 150 = 1.8-2.6 points on 150 digits. A
preprocessor that meets the 0.5-point floor on the benchmark's 500 digits can therefore
miss it on this subset by chance; 2 points is about one standard deviation, so a real
loss of a few points is still caught.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"
N = 150
MARGIN_POINTS = 2.0

# The main digit variants, and how many of the N digits each uses (fewer for the
# renderings that are slow to make or to preprocess).
DIGIT_VARIANTS = {
    **dict.fromkeys([
        "clean", "gaussian_noise", "shot_noise", "impulse_noise", "gaussian_blur",
        "motion_blur", "glass_blur", "jpeg", "stripes", "side_bands", "line_straight",
        "line_zigzag", "line_dotted", "line_bold", "line_thin", "zigzag_across", "line_across",
        "spatter",
        "fog", "lighting",
        "brightness", "faint",
        "low_contrast", "translate", "rotate", "shear", "scale", "edges", "pixelate",
        "dark_on_light", "dark_on_light_noise", "transparent_28", "lowres_8",
        "lowres_12", "lowres_16", "lowres_16_dark", "lowres_blocky_64",
        "lowres_bicubic_64", "sklearn_digits", "sklearn_digits_64",
        "sklearn_digits_blocky_64", "sklearn_digits_smooth"], N),
    **dict.fromkeys(["canvas_280", "canvas_light_on_dark", "canvas_offcentre",
                     "photo_lighting"], 60),
    **dict.fromkeys(["pen_thin", "canvas_thin_pen", "canvas_thick_pen",
                     "transparent_canvas", "canvas_400_rgb"], 40),
    "tiny_2000": 20, "tiny_2400": 20, "small_canvas": 60, "cropped_to_ink": 60,
    "app_screenshot": 60, "colour_canvas": 60, "checker_screenshot": 60,
    "sheet_photo": 60,
    "blackboard_photo": 60, "shadow_photo": 60, "sticky_note": 60,
    "pencil_grain": 150, "glare_photo": 60, "spots_photo": 60, "bands_photo": 60,
    "scan_margins": 60, "line_canvas": 60, "squared_paper": 60, "thumb_photo": 60,
    "enlarged_stripes": 60, "enlarged_zigzag": 60, "enlarged_impulse": 60, "enlarged_blur": 60,
    "dark_on_light_fog": N, "vignette": N, "dark_on_light_vignette": N, "cell_28": N,
    "cell_28_dark": N, "neighbours": N, "neighbours_dark": N,
    "low_contrast_noise": N,
    "side_bands_dark": N, "fill_frame": N, "padded_noise": 60, "padded_zigzag": 60,
    "faint_noiseless": N, "rough_paper_28": N, "grid_cell": N,
}
N_NON_DIGITS = 50  # per kind: ">= 99 % blank" means all of them
NON_DIGIT_KINDS = ["paper_lighting", "paper_texture", "rough_28", "paper_jpeg", "uniform_noise",
                   "dark_noise_28", "scattered_dots", "dot_field", "round_dots_28", "ruled_empty",
                   "notebook_empty", "form_empty", "shadow_empty", "sticky_empty",
                   "pencil_empty", "glare_empty", "spots_empty", "bands_empty", "scan_empty",
                   "squared_empty", "paper_clouds", "blank_colour", "transparent_empty",
                   "checker_empty", "sheet_empty"]
# The batch path of images larger than 28x28 is checked on the first 10 of them: it
# stacks them and runs the same single-image pipeline on each (only 28x28 batches have
# a vectorised path of their own, checked on every image); the benchmark checks all.
N_BATCH_LARGE = 10
# With pytest-xdist (``-n auto --dist loadgroup``, README's test command), the tests that
# read the per-variant outputs of ``run`` stay on one worker per group, so that each
# variant is rendered and preprocessed once: the digit variants' blank count needs all
# of them.
DIGIT_GROUP = pytest.mark.xdist_group("robustness-digit-variants")
NON_DIGIT_GROUP = pytest.mark.xdist_group("robustness-non-digits")


# Floors this preprocessor still misses (issue 15 stays open for them), measured on this
# fixed subset with the session's model. Strict: a variant that starts meeting its floor
# fails here until it is taken off the list.
KNOWN_MISSES = {
    "padded_zigzag": "zigzag frames set anywhere on a black frame (42 vs 44 of 60; 35 before "
                     "session 51, 31 at session 28): a line across, merged with the digit, "
                     "reaches two sides of its frame only and, unless it is thin, cannot be "
                     "told from the stem of a digit drawn as tall as a small canvas, so the "
                     "full pipeline reads it at its size and takes the zigzag for ink (75.2 vs "
                     "89.6 % of 500 with the benchmark's classic CNN at e7d031d, 58.0 before "
                     "session 51 read frames padded evenly to 32x32 as the frames; bars, bands "
                     "and dotted lines beside the digit are told apart since session 34)",
    "spots_empty": "2 of 50 empty pages under spots of light and shade read as a digit "
                   "(4 before soft spots of any shape and level dashes were judged, "
                   "session 26; 8 before soft-edged ink read through a grain was, 16 "
                   "before round blobs were): a spot cut by the page's edge, found again "
                   "in a part of the page, and a wedge of light between two spots "
                   "(99.0 % blank of 200 in the benchmark at 43d88d8, 98.5 before spots "
                   "cut by the page's edge were judged whole, session 35; 94.0 before "
                   "session 26)",
    "squared_paper": "54 vs 58 of 60 on squared paper, 1 declared blank: reduced 3-5x "
                     "while decoding, the grid turns into a texture as strong as a small "
                     "digit (96.0 vs 98.0 % and 0.5 % blank of 200 in the benchmark at "
                     "9a9d936, 94.0 % before session 34 read blank pages over 768 px "
                     "finer and small parts without the grid; 53 of 60 and 2 blank "
                     "before a page blank at the working "
                     "size was read again finer, session 27; "
                     "87.0 % and 9 % blank before small digits were sized by their solid "
                     "ink and the grid's periodic texture was taken out, session 23)",
    "squared_empty": "1 of 50 empty sheets of squared paper read as a digit: what the grid "
                     "leaves beside its lines once reduced (99.0 % blank of 200 in the "
                     "benchmark at b752c88, 98.5 before a strip of cells was no longer "
                     "taken for a sheet on a table, session 44; "
                     "99.0 before pencil's shape was read finer, "
                     "session 36; 94.5 % before a part read again finer was looked at for "
                     "rules, session 25)",
    "paper_clouds": "1 of 50 pages under cloudy light and shade read as a digit (99.8 % "
                    "blank of 500 in the benchmark, 99.2 % before session 26's soft "
                    "spots; 92.6 % before soft-edged ink read through a grain was "
                    "judged, session 23)",
    "shadow_empty": "1 of 50 pages with a shadow's edge across read as a digit (session 36): "
                    "read through the paper's grain, the edge's wedge is rendered at a finer "
                    "scale, as pencil strokes are now (pencil_grain meets its floor here "
                    "since), and no longer reads as a step in the lighting at a stroke's "
                    "scale (99.5 % blank of 200 at seed 0; 100 % at seeds 3 and 5)",
}
# (blackboard_photo meets its floor here since session 64 kept sharp chalk strokes on
# a board lit as paper when their dark reading lies at the board's own level: 57 vs 58
# of 60, 56 before; see test_chalk_on_a_lit_board_is_read_as_chalk.)
# (neighbours and neighbours_dark, a digit cropped from a row of digits, meet their
# floor here since session 59 kept a frame no taller than a digit as it came: 127 vs
# 132 of 150 before; see test_a_digit_cut_from_a_row_of_digits_is_kept_as_it_came.)
# Real digits this preprocessor still declares blank in more than one image of a
# variant, at most this many (of the variant's images here).
BLANK_MISSES = {}
# (pencil_grain: 3 of its 150 here were blank before a piece of ink read through the
# paper's grain could be a stroke's shape rather than a whole digit's size, session 60;
# none now. At other seeds: see test_a_short_pencil_stroke_on_grainy_paper_is_a_digit.)
# (low_contrast_noise, ink 2.5-6 noise levels above a gray background: 22 of its 150
# here were blank before frames taken for a texture were read smoothed where strokes
# stand out so, 6 before frames in which the full pipeline finds nothing were too, and
# a stroke's end may touch the frame's edge; none now. At other seeds: see
# test_faint_digits_under_noise_are_digits_at_other_seeds.)


# At the floor by one image, on one side or the other with the test model's numerics
# (which differ between CPUs): not strict.
BORDERLINE = {
    "tiny_2000": "18 or 19 vs 19 of 20 on 2000x1500 canvases (was 0 of 20: all blank)",
}


def _known(names):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[n]))
            if n in KNOWN_MISSES else
            pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=BORDERLINE[n]))
            if n in BORDERLINE else n for n in names]


def _import_suite():
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import robustness
    finally:
        sys.path.remove(str(BENCH_DIR))
    return robustness


R = _import_suite()
WITH_BASELINE = [v for v in DIGIT_VARIANTS if R.VARIANTS[v].baseline is not None]


@pytest.fixture(scope="module")
def suite():
    return R


@pytest.fixture(scope="module")
def digits(suite):
    return suite.sample_digits(N, seed=0)


@pytest.fixture(scope="module")
def run(suite, digits, digit_pipeline):
    """``run(name) -> (labels or None, per-image predictions, batch predictions, baseline
    predictions or None)``, computed once per variant; -1 marks a blank image."""
    from skdigits import DigitImagePreprocessor

    pre = DigitImagePreprocessor(on_blank="nan")
    clf = digit_pipeline[-1]
    cache = {}

    def predict(rows):
        blank = np.isnan(rows).any(axis=1)
        out = np.full(len(rows), -1)
        if (~blank).any():
            out[~blank] = clf.predict(rows[~blank])
        return out

    def compute(name):
        n = DIGIT_VARIANTS.get(name, N_NON_DIGITS)
        images, labels, base = suite.render(name, digits[0][:n], digits[1][:n], seed=0)
        per = predict(pre.transform(list(images)))
        large = any(np.asarray(im).size > 28 * 28 for im in images)
        some = images[:N_BATCH_LARGE] if large else images
        batch = np.full(len(some), -2)
        for idx in suite._batches(some):
            batch[idx] = predict(pre.transform(np.stack([np.asarray(some[i]) for i in idx])))
        alone = None if base is None else np.asarray(clf.predict(base))
        return labels, per, batch, alone

    def get(name):
        if name not in cache:
            cache[name] = compute(name)
        return cache[name]

    return get


@DIGIT_GROUP
@pytest.mark.parametrize("name", _known(WITH_BASELINE))
def test_pipeline_scores_at_least_the_classifier_alone(run, name):
    labels, per, _, alone = run(name)
    n = len(labels)
    right, right_alone = int((per == labels).sum()), int((alone == labels).sum())
    assert 100 * (right - right_alone) / n >= -MARGIN_POINTS, (
        f"{name}: pipeline {right}/{n} right, the classifier alone on the raw 28x28 "
        f"digits {right_alone}/{n} (allowed: {MARGIN_POINTS} points less)")


@DIGIT_GROUP
def test_real_digits_are_not_declared_blank(run):
    blank = {name: int((run(name)[1] < 0).sum()) for name in DIGIT_VARIANTS}
    total = sum(DIGIT_VARIANTS.values())
    worst = {k: v for k, v in sorted(blank.items(), key=lambda kv: -kv[1]) if v}
    # 0.2 % of the images, and never more than one image of a single variant (but
    # the known misses, which must not get worse).
    over = {k: v for k, v in blank.items() if v > BLANK_MISSES.get(k, 1)}
    assert sum(blank.values()) <= 0.002 * total and not over, (
        f"{sum(blank.values())} of {total} digits declared blank: {worst}")


def test_fogged_digits_are_not_declared_blank(suite, mnist):
    # Fog reaches every side of the frame and splits a digit's solid ink into
    # pieces spanning less than a digit; the light path still takes the frame
    # when those pieces lie at its centre, where a digit is. 3 of these 1,000
    # are blank (12 before that rule), under the 0.5 % allowed here.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    X = np.stack([suite.C.fog(x.astype(np.float32) / 255, rng) for x in mnist[1][0][:1000]])
    out = DigitImagePreprocessor(on_blank="nan").fit(X[:1]).transform(X)
    assert np.isnan(out).any(axis=1).sum() <= 5, np.flatnonzero(np.isnan(out).any(axis=1))


def test_fogged_digits_read_the_same_in_either_polarity(suite, mnist):
    # Fog over a frame can give its border either level: the frame is turned only
    # for bands at its sides (an edge running down the frame) or if its ink is
    # thinner that way. When light sides turned a frame without more, 15 of these
    # 200 differed (and of the benchmark's 500 fogged digits 94.0 % were right
    # light on dark, 90.6 % dark on light).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(3)
    X = np.stack([suite.C.fog(x.astype(np.float32) / 255, rng) for x in mnist[1][0][:200]])
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    light_on_dark, dark_on_light = (np.nan_to_num(pre.transform(x), nan=-1) for x in (X, 1 - X))
    differ = np.abs(light_on_dark - dark_on_light).max(axis=1) > 0.02
    assert differ.sum() <= 1, np.flatnonzero(differ)


@pytest.mark.parametrize("kind", ["lighting", "vignette"])
def test_a_28x28_digit_under_uneven_lighting_comes_out_as_the_clean_digit(suite, mnist, kind):
    # A lighting gradient (0.2-0.5) or a vignette over an MNIST frame is taken out at
    # a stroke's scale (_lighting.frame_lighting): the frame comes out as the clean
    # digit does, to within 0.02 on average, for 280 and 286 of these 300 (2 and 4
    # when only a constant background was taken out: the lighting stayed as a haze).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    X = mnist[1][0][:300]
    lit = np.stack([getattr(suite.C, kind)(x.astype(np.float32) / 255, rng) for x in X])
    lit /= max(float(lit.max()), 1.0)
    pre = DigitImagePreprocessor(on_blank="nan").fit(lit[:1])
    differ = np.abs(pre.transform(lit) - pre.transform(X)).mean(axis=1)
    assert np.count_nonzero(differ < 0.02) >= 255, np.round(np.sort(differ)[-20:], 3)


def test_fogged_digits_are_read_with_the_fog_taken_out(suite, mnist, digit_pipeline):
    # Fog (a plasma fractal over the frame) is taken out at a stroke's scale: the
    # strokes stay, the fog between them goes. The session's deep CNN reads 266 of
    # these 300 fogged digits (246 when only a constant background was taken out;
    # 174 on the raw frames).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    X = np.stack([suite.C.fog(x.astype(np.float32) / 255, rng) for x in mnist[1][0][:300]])
    out = DigitImagePreprocessor(on_blank="nan").fit(X[:1]).transform(X)
    read = ~np.isnan(out).any(axis=1)
    right = np.count_nonzero(digit_pipeline[-1].predict(out[read]) == mnist[1][1][:300][read])
    assert right >= 255, right


def test_a_line_across_a_centred_digit_does_not_move_it(suite, mnist):
    # A bold line (2.5-4.5 px, or a zigzag) from near one side of the frame to near
    # the other, over an MNIST digit that is centred without it: the centre of mass
    # follows the line, the digit should not. Frames whose solid ink spans more than
    # the digit box and comes within 2 px of the frame's edge stay in place, and
    # frames wider than tall, no taller than a digit, are not moved up or down by a
    # pixel: 352-361 of 400 over three seeds (347-357 before that last rule, 316-320
    # when only lines running past the rest of the ink at both ends kept them,
    # 275-280 before that; the others are moved by a pixel or two, or cropped).
    in_place = _moved(suite, mnist, suite.C.bold_line, [(0, 0)], n=400)
    assert in_place >= 335, in_place


def _moved(suite, mnist, corrupt, shifts, n=2000):
    """How many of ``n`` MNIST test digits with ``corrupt`` drawn over them (seed 0)
    the preprocessor returns as they came, moved by one of ``shifts`` (``(dy, dx)``
    px; ``(0, 0)``: left in place)."""
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    X = np.stack([suite.D.u8(corrupt(x.astype(np.float32) / 255, rng))
                  for x in mnist[1][0][:n]])
    out = DigitImagePreprocessor().fit(X[:1]).transform(X).reshape(-1, 28, 28)
    return sum(any(np.abs(o - np.roll(r, k, axis=(0, 1))).max() < 1e-6 for k in shifts)
               for o, r in zip(out, X / 255.0))


def test_a_zigzag_across_a_centred_digit_does_not_pull_it_up_or_down(suite, mnist):
    # A full-intensity zigzag from column 2 to 25 (MNIST-C's) over an MNIST digit
    # centred without it widens the ink past the digit box, no taller than a digit,
    # and pulls its centre of mass up or down by about a pixel: such frames are not
    # moved up or down by a pixel. 2,000 digits: 4 moved so (20 before that rule).
    moved = _moved(suite, mnist, suite.C.zigzag_across, [(-1, 0), (1, 0)])
    assert moved <= 8, moved


def test_a_straight_line_over_a_centred_digit_does_not_move_it(suite, mnist):
    # A full-intensity straight line from column 0-4 to 22-26 (MNIST-C's "line") over
    # an MNIST digit centred without it pulls the centre of mass towards itself, by
    # a pixel or three: the light path finds the line (it runs past the rest of the
    # ink at both ends -- at one end if it is longer than the digit box -- and what
    # is left is centred) and leaves the frame in place. 2,000 digits: 50 moved by
    # whole pixels (131 before the line was looked for, 91 while it had to run past
    # the digit at both ends).
    shifts = [(dy, dx) for dy in range(-3, 4) for dx in range(-3, 4) if dy or dx]
    moved = _moved(suite, mnist, suite.C.line_across, shifts)
    assert moved <= 60, moved


def test_a_long_line_beside_a_centred_digit_keeps_it_as_it_came(suite, mnist):
    # The same lines, where one runs beside the digit's top or bottom, make the ink
    # taller than a digit: the full pipeline cropped line and digit together and
    # shrank the digit. A line longer than the digit box beside a digit of a digit's
    # size, centred without it, is clutter: the frame is kept as it came. 2,000
    # digits: 1,938 left exactly as they came, 12 cropped (1,892 and 17 while a
    # line had to run past the digit at both ends, here and in the rule above).
    in_place = _moved(suite, mnist, suite.C.line_across, [(0, 0)])
    assert in_place >= 1925, in_place


def test_a_digit_drawn_larger_than_the_box_on_a_28x28_canvas_is_centred(suite, mnist):
    # A digit 21-23 px tall drawn on a 28x28 canvas (as drawing apps export them),
    # a pixel off centre, 2 px or more from the edge: its ink spans more than the
    # digit box, as a digit with clutter does, but keeps a margin, so the light path
    # still centres its mass. 239 of 300 lie more than a pixel off centre as drawn,
    # 99 once read (94 before digits wider than tall were no longer moved up or down
    # by a pixel, as a line across one is not; 237 when every frame beyond the box
    # stayed in place).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    frames = []
    for x in mnist[1][0][:300]:
        digit = suite.D.fit_long_side(x.astype(np.float32) / 255, int(rng.integers(21, 24)))
        h, w = digit.shape
        top = min(max((28 - h) // 2 + int(rng.integers(-1, 2)), 2), 26 - h)
        left = min(max((28 - w) // 2 + int(rng.integers(-1, 2)), 2), 26 - w)
        frames.append(suite.D.u8(suite.D.paste((28, 28), digit, top, left)))
    X = np.stack(frames)
    out = DigitImagePreprocessor().fit(X[:1]).transform(X).reshape(-1, 28, 28)

    def off_centre(a):
        return max(abs(c - 14) for c in ndimage.center_of_mass(a))

    assert sum(off_centre(x / 255.0) > 1 for x in X) >= 200
    assert sum(off_centre(o) > 1 for o in out) <= 120


def _small_digits_on_sheets(suite, digits, rng, sheet):
    """30-70 px digits anywhere on 2000x1500 sheets: ``sheet(rng, ink)`` -> the image."""
    images = []
    for x in digits:
        digit = suite.D.fit_long_side(x.astype(np.float32) / 255, int(rng.integers(30, 71)))
        top, left = rng.integers(0, 1500 - 70), rng.integers(0, 2000 - 70)
        images.append(suite.D.u8(sheet(rng, suite.D.paste((1500, 2000), digit, top, left))))
    return images


def test_a_small_digit_among_dust_is_a_digit(suite, mnist):
    # 20-200 specks of dust (2x2, gray) on the sheet: reduced 5x for the analysis,
    # the specks outnumber the digit's pixels, but the digit stands out -- far
    # heavier than any speck -- and is read again at full resolution. (A field of
    # dots has no such piece: see dot_field.)
    from skdigits import DigitImagePreprocessor

    def dusty(rng, ink):
        sheet = 1 - ink
        spots = (rng.integers(0, m - 2, int(rng.integers(20, 201))) for m in (1500, 2000))
        for y0, x0 in zip(*spots):
            sheet[y0 : y0 + 2, x0 : x0 + 2] = 0.3
        return sheet

    images = _small_digits_on_sheets(suite, mnist[1][0][:20], np.random.default_rng(0), dusty)
    out = DigitImagePreprocessor(on_blank="nan").fit(images[:1]).transform(images)
    assert not np.isnan(out).any(axis=1).any(), np.flatnonzero(np.isnan(out).any(axis=1))


def test_a_small_digit_on_a_lit_sheet_is_a_digit(suite, mnist):
    # Paper under a lighting gradient and a vignette (the suite's paper_lighting):
    # what the lighting model leaves of them lifts thousands of pixels just above
    # the noise, so that the contrast of most candidate ink is the lighting's
    # (0.01-0.03) and the pixels split evenly around Otsu's threshold. The digit, a
    # few dozen pixels of the reduced image, stands 0.2-0.5 above the paper: it is
    # the extreme that sets the polarity, and judged again at a stroke's scale it
    # is found. Blank: 3 of these 60 before (12 of 300 over three seeds), 1 now (1
    # of 300: a thin 1 whose reduced stroke is 8 pixels, below the lighting's
    # remains even at a stroke's scale).
    from skdigits import DigitImagePreprocessor

    def lit(rng, ink):
        return suite._paper(1500, 2000, rng) * (1 - 0.8 * ink)

    images = _small_digits_on_sheets(suite, mnist[1][0][:60], np.random.default_rng(5), lit)
    out = DigitImagePreprocessor(on_blank="nan").fit(images[:1]).transform(images)
    assert np.isnan(out).any(axis=1).sum() <= 1, np.flatnonzero(np.isnan(out).any(axis=1))


def _twins(suite, mnist, pair, seed, n=40):
    """Outputs for ``n`` photos made by ``pair`` and for their twins: (photos, twins)."""
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(seed)
    made = [pair(x.astype(np.float32) / 255, rng) for x in mnist[1][0][:n]]
    pre = DigitImagePreprocessor(on_blank="nan").fit(made[0][1:])
    return pre.transform([m[0] for m in made]), pre.transform([m[1] for m in made])


def _alike(a, b):
    """(blank in ``a``, how many of ``a`` correlate >= 0.8 with ``b``, the correlations)."""
    blank = np.isnan(a).any(axis=1) | np.isnan(b).any(axis=1)
    corr = np.array([np.corrcoef(u, v)[0, 1] for u, v in zip(a[~blank], b[~blank])])
    return int(np.isnan(a).any(axis=1).sum()), int((corr >= 0.8).sum()), np.round(corr, 2)


def _spans(out):
    """The span (px, the longer way) of each output digit's solid ink (above 0.5)."""
    solid = np.asarray(out).reshape(-1, 28, 28) > 0.5
    return np.maximum(solid.any(axis=2).sum(axis=1), solid.any(axis=1).sum(axis=1))


def _picked_alike(suite, kind, seed, n, picked):
    """:func:`_alike` of the images ``picked`` of the benchmark's ``kind`` (rendered at
    ``seed`` from its first ``n`` digits) and their MNIST frames."""
    from skdigits import DigitImagePreprocessor

    X, y = suite.sample_digits(500, seed=0)
    images, _, _ = suite.render(kind, X[:n], y[:n], seed=seed)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    return _alike(pre.transform([images[i] for i in picked]), pre.transform(X[picked]))


def _on_forms(suite, forms):
    """:func:`_alike` of digits on form pages and the same digits on the pages' paper
    alone, from ``(page, ink, noise)`` triples (ink darkens its page by 0.9)."""
    from skdigits import DigitImagePreprocessor

    boxed = [suite.D.u8(page * (1 - 0.9 * ink) + noise) for page, ink, noise in forms]
    plain = [suite.D.u8(page.max() * (1 - 0.9 * ink) + noise) for page, ink, noise in forms]
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    return _alike(pre.transform(boxed), pre.transform(plain))


def test_a_digit_on_ruled_paper_reads_as_on_a_blank_sheet(suite, mnist):
    # Notebook paper (rules every 20-40 px, a grid or a margin line): the rules run
    # from edge to edge, and the crop took them in. They are now taken out of the
    # ink map, except where a stroke crosses them. Output against the same digit at
    # the same place on a blank sheet: correlation >= 0.8 for 58 of these 60 (6
    # before rules were looked for, 51 while a stroke running along a rule kept it
    # whole); none blank (1 while a grid as dark as the ink passed for noise).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    ruled, clean = [], []
    for x in mnist[1][0][:60]:
        d = suite.D.fit_long_side(x.astype(np.float32) / 255, int(rng.integers(120, 221)))
        top, left = rng.integers(0, 300 - d.shape[0] + 1), rng.integers(0, 300 - d.shape[1] + 1)
        ink = suite.D.paste((300, 300), d, top, left)
        ruled.append(suite.D.u8(suite.S.ruled_sheet(300, 300, rng) * (1 - 0.85 * ink)))
        clean.append(suite.D.u8(1 - 0.85 * ink))
    pre = DigitImagePreprocessor(on_blank="nan").fit(clean[:1])
    blank, alike, corr = _alike(pre.transform(ruled), pre.transform(clean))
    assert blank == 0 and alike >= 54, (blank, corr)


def test_a_digit_in_a_notebook_photo_reads_as_on_a_blank_page(suite, mnist):
    # A photographed notebook page (blue rules 0.8-2.5 px every 6-14 % of the height,
    # tilted up to 2.5 degrees, a margin, lighting, noise, JPEG) and a digit 1.5-3.5
    # rules tall. Reduced for the analysis, faint rules outnumber a small digit's
    # pixels, and the ink's level was theirs: 9 of these 40 blank before rules were
    # left out of the ink's level. Against the same photo without the lines:
    # correlation >= 0.8 for all 40 (28 before; seeds 2, 3: 39 and 40, 32 and 26
    # before), none blank (7-9 before).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(1)
    lined, plain = [], []
    for x in mnist[1][0][:40]:
        h = int(rng.integers(240, 801))
        paper, sheet, step, shade = suite.S.notebook_sheet(h, int(h * rng.uniform(0.7, 1.4)), rng)
        d = suite.D.fit_long_side(x.astype(np.float32) / 255, int(step * rng.uniform(1.5, 3.5)))
        ink = suite.D.paste(sheet.shape[:2], d, rng.integers(0, sheet.shape[0] - d.shape[0] + 1),
                            rng.integers(0, sheet.shape[1] - d.shape[1] + 1))
        noise = rng.normal(0, 0.02, sheet.shape[:2] + (1,))
        for page, out in ((sheet, lined), (paper, plain)):
            img = suite.D.composite(ink, page, np.float32(0.05)) * shade[..., None] + noise
            out.append(suite.D.jpeg(suite.D.u8(img), 85))
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    on_plain = pre.transform(plain)
    blank, alike, corr = _alike(pre.transform(lined), on_plain)
    assert blank == 0 and not np.isnan(on_plain).any() and alike >= 38, (blank, corr)


@pytest.mark.parametrize("room, floor", [((1.2, 1.8), 38), ((1.0, 1.08), 31)])
def test_a_digit_in_a_printed_box_reads_as_without_the_box(suite, mnist, room, floor):
    # A form's field: a box of 1-3 px lines (gray 0-0.6) around a 60-160 px digit on a
    # page. The box was the heaviest stroke, the crop took it and the digit came out
    # small inside a frame: correlation >= 0.8 with the same digit without the box for
    # 2 of these 40 (4 and 4 over two more seeds). Printed boxes are now left out of
    # the ink: all 40 over the three seeds. In a box as tight as the digit (``room``
    # 1.0-1.08), strokes touch the box: then only its four sides go, but where the
    # ink runs on inwards: 25 of 40 (28 for seed 3; 20 and 21 with no box left out
    # when a digit touched it). Boxes found only in the final ink (their thin lines,
    # faded unevenly by the reduction, broke up among the candidates) are taken out
    # there too: 32 (seeds 3, 4: 32, 29; 28, 24 before).
    rng = np.random.default_rng(2)
    forms = []
    for x in mnist[1][0][:40]:
        d = suite.D.fit_long_side(x.astype(np.float32) / 255, int(rng.integers(60, 161)))
        side = int(max(d.shape) * rng.uniform(*room)) + (2 if room[0] < 1.2 else 0)
        h, w = side + int(rng.integers(10, 200)), side + int(rng.integers(10, 200))
        top, left = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
        page = suite.S.form(h, w, [(top, left, side, side)], rng)
        ink = suite.D.paste((h, w), d, top + (side - d.shape[0]) // 2,
                            left + (side - d.shape[1]) // 2)
        forms.append((page, ink, rng.normal(0, 0.01, (h, w))))
    blank, alike, corr = _on_forms(suite, forms)
    assert blank == 0 and alike >= floor, (blank, corr)


def test_a_digit_in_a_row_of_boxes_reads_as_without_them(suite, mnist):
    # A form's digit field: 2-6 boxes side by side sharing their sides (two lines
    # merged into one band twice as thick), a digit in one of them. The row was no
    # box (its inner bands too thick): correlation >= 0.8 with the same digit without
    # the boxes for 29 of these 40 (seeds 2, 3: 29 with 1 blank, 30). Bands of two
    # sides are now sides when every line of them runs the row's whole length, and a
    # row is boxes only when its cells are alike (a digit's stroke joined to the
    # sides splits one unevenly): 33, none blank (29, 30).
    rng = np.random.default_rng(1)
    forms = []
    for x in mnist[1][0][:40]:
        k, bh = int(rng.integers(2, 7)), int(rng.integers(60, 200))
        bw = int(bh * rng.uniform(0.7, 1.1))
        h, w = bh + int(rng.integers(10, 100)), k * bw + int(rng.integers(10, 100))
        top, left = int(rng.integers(0, h - bh)), int(rng.integers(0, w - k * bw))
        page = suite.S.form(h, w, [(top, left + i * bw, bh, bw) for i in range(k)], rng)
        j = int(rng.integers(k))
        d = suite.D.fit_long_side(x.astype(np.float32) / 255,
                                  int(min(bh, bw) * rng.uniform(0.6, 0.9)))
        ink = suite.D.paste((h, w), d, top + (bh - d.shape[0]) // 2,
                            left + j * bw + (bw - d.shape[1]) // 2)
        forms.append((page, ink, rng.normal(0, 0.01, (h, w))))
    blank, alike, corr = _on_forms(suite, forms)
    assert blank == 0 and alike >= 31, (blank, corr)


def test_a_shadow_across_the_page_is_no_ink(suite, mnist):
    # A photo of a digit on paper with a shadow across it (30-55 % darker, a soft
    # straight edge through the digit). The smooth lighting cannot follow the step:
    # the shadowed side came out as ink, a solid triangle -- correlation >= 0.8 with
    # the same photo without the shadow for 2 of these 40 (seeds 4, 5: 6 and 3). Read
    # again against the image closed at a few strokes' width (steps stay
    # background), dark ink measured relative to its paper: 34 (37 and 35).
    photos, twins = _twins(suite, mnist, suite.S.shadow_pair, seed=3)
    blank, alike, corr = _alike(photos, twins)
    assert blank == 0 and alike >= 32, (blank, corr)


def test_an_empty_page_with_a_shadow_is_blank(suite):
    # The same photos without a digit: 38 of these 40 were read as a digit (the
    # shadow's side or a band along its edge); nothing stands above its surround at a
    # stroke's scale there.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(3)
    out = DigitImagePreprocessor(on_blank="nan").fit([np.zeros((28, 28))]).transform(
        [suite.S.shadow_empty(rng) for _ in range(40)])
    assert np.isnan(out).any(axis=1).all()


def test_a_digit_on_a_sticky_note_reads_as_on_paper(suite, mnist):
    # A digit on a sticky note (1.3-2 times its size, turned up to 12 degrees) lying on
    # a dark desk: the light note was the "ink" -- correlation >= 0.8 with the same
    # digit on the note's colour all over for 8 of these 40 (seeds 4, 5: 5 and 4). A
    # sheet of paper smaller than 30 % of the photo is now found when it is a
    # rectangle (a bold digit may cover up to 40 % of it), and light "ink" around
    # thinner dark strokes is read again as dark ink: 40 (38 and 40).
    photos, twins = _twins(suite, mnist, suite.S.sticky_pair, seed=3)
    blank, alike, corr = _alike(photos, twins)
    assert blank == 0 and alike >= 37, (blank, corr)


def test_a_pencil_digit_on_grainy_paper_is_not_blank(suite, mnist):
    # Pencil on paper with a tooth: strokes 0.25-0.55 dark broken up by the graphite's
    # grain, the paper's texture 0.02-0.06. Pixel by pixel the ink stands only 5-7
    # times the paper's spread above it: 9 of these 40 were declared blank ("only
    # noise"; seeds 4, 5: 8 and 12) and others broke into specks. Read through the
    # grain (smoothed at a stroke's scale, one connected piece far larger than any
    # texture leaves): 3 (1 and 4). Where that breaks up, the paper's light and shade
    # lifting parts of it to the strokes' level, read again at a stroke's scale (the
    # top-hat) through the grain: 1 (1 and 3; seeds 3-7, 11 -> 7 of 200). The same
    # digits on smooth paper are never blank.
    photos, twins = _twins(suite, mnist, suite.S.pencil_pair, seed=3)
    blank, alike, corr = _alike(photos, twins)
    assert np.isnan(twins).any(axis=1).sum() == 0
    assert blank <= 2 and alike >= 27, (blank, corr)


def test_a_digit_under_a_lamps_glare_reads_as_without_it(suite, mnist):
    # A lamp's glare on glossy paper adds light in a soft spot over the digit (and
    # clips at white). Against a smooth lighting the strokes under it fade; measured
    # as a shadow is (relatively to a brighter paper) they fade more; a strong spot
    # was taken for light ink and the photo called blank. Output against the same
    # photo without the glare: correlation >= 0.8 for 17 of these 40, 2 blank
    # (seeds 4, 5: 23 and 22, 1 and 0 blank); with the strokes' contrast measured
    # as the light was changed and the other polarity read when the ink found was a
    # blob: 36, none blank (32 and 34).
    photos, twins = _twins(suite, mnist, suite.S.glare_pair, seed=3)
    blank, alike, corr = _alike(photos, twins)
    assert blank == 0 and alike >= 32, (blank, corr)


def test_light_and_shade_climbs_slowly_across_its_edges(mnist):
    # A soft spot of light (a lamp's glare; a Gaussian of 10-30 px at the working
    # size) climbs 0.02-0.07 of its level per pixel across its edges; a digit's
    # strokes, enlarged from MNIST's 28 px up to 110 px, a tenth or more.
    from skdigits.preprocessing._marks import edge_step
    from skdigits.preprocessing._pipeline import _SOFT_TYPICAL

    yy, xx = np.mgrid[0:128, 0:128].astype(np.float32)
    for sigma in (10, 16, 30):
        spot = np.exp(-((yy - 64) ** 2 + (xx - 50) ** 2) / (2 * sigma**2))
        assert edge_step(spot) < _SOFT_TYPICAL, sigma
    digits = mnist[1][0][:20].astype(np.float32) / 255
    for x in digits:
        for side in (28, 60, 110):
            big = ndimage.zoom(x, side / 28, order=1)
            assert edge_step(np.clip(big, 0, 1)) >= _SOFT_TYPICAL, side


def test_a_glare_read_as_light_ink_gives_way_to_the_dark_digit(suite):
    # The suite's glare photo 176 (seed 0), a 7: the glare was read as light ink
    # around the digit, a ring with the strokes as holes in it, and the shipped
    # model called it an 8. Its edges climb as light and shade does (0.06 of its
    # level per pixel): the digit read the other way, dark on the paper, replaces it.
    import skdigits

    images, labels, _ = suite.render("glare_photo", *suite.sample_digits(500, seed=0), seed=0)
    assert labels[176] == 7
    assert skdigits.load_pretrained().predict([images[176]])[0] == 7


def _shade_beside(suite, x, rng, shade=True):
    """A digit on a 300x300 page, and a soft round patch of shade beside it (a Gaussian
    12-30 px, 1-1.6 times as wide as tall, 20-40 % darker, 2.5 of its widths away)."""
    d = suite.D.fit_long_side(x, int(rng.integers(90, 140)))
    left = int(rng.integers(20, 60))
    page = 0.85 * (1 - 0.8 * suite.D.paste((300, 300), d, 80, left))
    yy, xx = np.mgrid[0:300, 0:300].astype(np.float32)
    s = rng.uniform(12, 30)
    cy, cx = rng.uniform(60, 240), left + d.shape[1] + 2.5 * s + rng.uniform(0, 30)
    d2 = (yy - cy) ** 2 + (xx - cx) ** 2 / rng.uniform(1, 2.5)
    patch = 1 - rng.uniform(0.2, 0.4) * np.exp(-d2 / (2 * s * s))
    noise = rng.normal(0, 0.01, (300, 300))
    return suite.D.u8(page * (patch if shade else 1) + noise)


def test_a_patch_of_shade_beside_a_digit_is_no_part_of_it(suite, mnist):
    # A soft round patch of shade (or a stain) beside a digit is darker than the
    # paper, so it was read as ink -- a round blob, as heavy as a stroke, kept with
    # the digit. Round blobs are no strokes and are left out now. Output against
    # the same digit without the patch: correlation >= 0.8 for 38 of these 40 (33
    # and 34 on seeds 2 and 3), 22 before.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(1)
    digits = [x.astype(np.float32) / 255 for x in mnist[1][0][:40]]
    seeds = rng.integers(0, 2**32, len(digits))
    shaded = [_shade_beside(suite, x, np.random.default_rng(k)) for x, k in zip(digits, seeds)]
    plain = [_shade_beside(suite, x, np.random.default_rng(k), False)
             for x, k in zip(digits, seeds)]
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(shaded), pre.transform(plain))
    assert blank == 0 and alike >= 32, (blank, corr)


def test_a_thumb_at_the_photos_edge_is_no_part_of_the_digit(suite, mnist):
    # The thumb holding a sheet in view reaches in from the photo's edge: darker than the
    # paper, it is read as ink beside the digit -- a filled patch, cut by the edge, which
    # may look round only whole (mirrored across the edge) and is then no stroke; joined
    # to the digit's strokes, it is the part of their piece broader than they are
    # (:mod:`skdigits.preprocessing._edge_blobs`). Output against the same photo without
    # the thumb: correlation >= 0.8 for 77 of these 80 (seeds 2-4: 80, 77, 77); 76 before
    # joined thumbs were cut off (79, 76, 75), 73 before edge-cut patches were judged
    # whole too.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(1)
    pairs = [suite.S.thumb_pair(x.astype(np.float32) / 255, rng) for x in mnist[1][0][:80]]
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))
    blank, alike, corr = _alike(pre.transform([p[0] for p in pairs]),
                                pre.transform([p[1] for p in pairs]))
    assert blank == 0 and alike >= 77, (blank, corr)


def test_a_round_spot_of_light_or_shade_is_no_digit():
    # Light or shade on an empty page leaves, once the smooth lighting is taken out,
    # a soft round patch: convex and about as thick as it is long -- no stroke. A 0
    # has its hole and a 1 is long: drawn as softly, they stay digits.
    from skdigits import DigitImagePreprocessor

    yy, xx = np.mgrid[0:300, 0:300].astype(np.float32)
    pages, digits = [], []
    for k, (cy, cx, s, long, sign) in enumerate([(150, 150, 25, 1.0, -1), (90, 200, 35, 1.6, 1),
                                                 (200, 80, 15, 1.3, -1), (120, 140, 45, 1.9, 1)]):
        u, v = (xx - cx) / long, yy - cy
        pages.append(0.7 + sign * 0.3 * np.exp(-(u * u + v * v) / (2 * s * s)))
        r = np.hypot((xx - cx) / 0.7, yy - cy)
        ring = np.exp(-((r - 2.5 * s) / 6) ** 2 / 2)  # a 0, its stroke 15 px
        bar = np.exp(-((xx - cx) / 6) ** 2 / 2) * (np.abs(yy - cy) < 3 * s)  # a 1
        digits += [0.9 * (1 - 0.8 * ring), 0.9 * (1 - 0.8 * bar)]
    noise = np.random.default_rng(0).normal(0, 0.01, (300, 300))
    pre = DigitImagePreprocessor(on_blank="nan").fit([pages[0]])
    spots = pre.transform([np.clip(p + noise, 0, 1) for p in pages])
    drawn = pre.transform([np.clip(d + noise, 0, 1) for d in digits])
    assert np.isnan(spots).any(axis=1).all(), np.isnan(spots).any(axis=1)
    assert not np.isnan(drawn).any(axis=1).any(), np.isnan(drawn).any(axis=1)


def test_a_spot_half_out_of_the_page_is_no_digit():
    # A spot of light or shade centred on the page's edge (3-12 % of its short side
    # wide, +-0.1-0.35): once cut by the edge, it is a half-disc -- twice as long as it
    # is thick, no round blob -- and was read as a 1 in 2 of these 200 pages (6 of
    # 200 others saved as 8-bit PNGs). Judged also mirrored across the edges it
    # touches, as a thumb at a photo's edge already was, it is the round blob it is:
    # none (3 of the others: what is left is read again finer, inside a part).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    pages = []
    for _ in range(200):
        h, w = rng.integers(200, 600, 2)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        side = rng.integers(4)
        at = [(0, rng.uniform(0.2, 0.8) * w), (h - 1, rng.uniform(0.2, 0.8) * w),
              (rng.uniform(0.2, 0.8) * h, 0), (rng.uniform(0.2, 0.8) * h, w - 1)][side]
        width = min(h, w) * rng.uniform(0.03, 0.12)
        spot = np.exp(-((yy - at[0]) ** 2 + (xx - at[1]) ** 2) / (2 * width**2))
        page = rng.uniform(0.6, 0.9) + rng.choice([-1, 1]) * rng.uniform(0.1, 0.35) * spot
        pages.append(np.clip(page + rng.normal(0, 0.01, (h, w)), 0, 1))
    out = DigitImagePreprocessor(on_blank="nan").fit(pages[:1]).transform(pages)
    assert not (~np.isnan(out).any(axis=1)).any(), np.flatnonzero(~np.isnan(out).any(axis=1))


def test_a_digit_beside_a_soft_spot_of_shade_keeps_its_size(mnist):
    # A dark digit (84 px, on a 200 px page) with a soft spot of shade beside it (a
    # Gaussian of 14 px, a quarter of the page's level deep) centred 40 px from the
    # digit's own centre: flattening the lighting leaves the spot's halo as faint ink
    # joined to the digit, which the crop took in -- the digit shrank by more than 2 px
    # (of MNIST's 20) in 37 of these 60. Faint ink beyond the solid strokes' rims is no
    # part of the digit now: 6 of 60.
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:200, 0:200]
    spotted, clean = [], []
    for x in mnist[1][0][300:360]:
        big = np.asarray(Image.fromarray(x).resize((84, 84), Image.Resampling.BILINEAR),
                         dtype=float) / 255
        ink = np.zeros((200, 200))
        ink[58:142, 58:142] = big
        ys, xs = np.nonzero(ink > 0.5)
        angle = rng.uniform(0, 2 * np.pi)
        cy, cx = ys.mean() + 40 * np.sin(angle), xs.mean() + 40 * np.cos(angle)
        spot = 0.25 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 14.0**2))
        page = 0.85 - 0.6 * ink
        spotted.append((np.clip(page - spot, 0, 1) * 255).astype(np.uint8))
        clean.append((np.clip(page, 0, 1) * 255).astype(np.uint8))
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))

    shrunk = _spans(pre.transform(spotted)) < _spans(pre.transform(clean)) - 2
    assert shrunk.sum() <= 10, np.flatnonzero(shrunk)


def test_the_empty_fields_of_a_form_are_no_digit(suite):
    # Printed boxes, one or a row of them, on an empty form: reduced while decoding, a
    # box's 1-px lines fade unevenly -- its verticals stay among the candidate ink, its
    # horizontals fall below it -- and the box is not found where the candidates are;
    # the final ink, a box again, was read as a 0, a 1 or an 8 in 7 of these 200 (the
    # suite's empty forms at seed 3). Ink that is printed boxes and nothing else is
    # blank now: 2 of 200 (a box's lone side, a pair of small boxes) are still read.
    from skdigits import DigitImagePreprocessor

    pages, _, _ = suite.render("form_empty", np.zeros((200, 28, 28), np.uint8), None, seed=3)
    out = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28))).transform(pages)
    read = ~np.isnan(out).any(axis=1)
    assert read.sum() <= 3, np.flatnonzero(read)


def test_a_28x28_digit_in_a_gray_frame_keeps_its_polarity(mnist, digit_pipeline):
    # A gray frame 1-3 px wide along the edges of a 28x28 digit (a box printed around
    # it, a crop of a form): the border's level is the frame's, a middling gray, and
    # with the ink farther from it on the dark side the digit came out inverted --
    # while the classifier alone reads such frames about as well as clean digits.
    # No background is a middling gray with ink both darker and lighter: it is the
    # first ring inside the frame whose level is an extreme's. A frame even along the
    # four sides is taken out as a cell's lines (since session 52; 3-px frames round a
    # bold digit, paper under half of the frame, since session 53), others are kept
    # (dimmer than the digit), as the classifier alone sees them. N digits and the
    # module's margin: on 60 with a margin of one digit, taking the 3-px frames out
    # read 58 against 60 alone (60 before); on 900 framed digits (three seeds of 300,
    # these 60 among them) 7 more than before with this model, as many with the
    # classic CNN, 19 more with the shipped model.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(12)
    framed = []
    digits, labels = mnist[1][0][200:200 + N], mnist[1][1][200:200 + N]
    for x in digits:
        f, gray = int(rng.integers(1, 4)), rng.uniform(0.3, 0.7) * 255
        a = x.astype(np.float32)
        for side in (np.s_[:f], np.s_[-f:], np.s_[:, :f], np.s_[:, -f:]):
            a[side] = np.maximum(a[side], gray)
        framed.append(a.astype(np.uint8))
    framed = np.stack(framed)
    clf = digit_pipeline[-1]
    pre = DigitImagePreprocessor(on_blank="nan").fit(framed[:1])
    rows = pre.transform(framed)
    assert not np.isnan(rows).any()
    alone = int((clf.predict(framed) == labels).sum())
    piped = int((clf.predict(rows) == labels).sum())
    assert 100 * (piped - alone) / N >= -MARGIN_POINTS, (piped, alone)
    assert np.array_equal(rows, pre.transform(list(framed)))


def test_a_canvas_in_a_dark_frame_reads_as_without_it(suite, mnist):
    # A digit on white paper inside a gray or dark frame along all four edges (a
    # scan's border, a canvas widget's): the frame covers the image's border, whose
    # class is taken for the background -- the paper is read as light ink around a
    # dark digit. Paper taken for ink fills most of the image, so whether ink is
    # dark was judged against the image's median, the paper's own level: by noise,
    # "darker", and the digit came out inverted (6 of these 40). Judged against
    # the rest of the image, the paper is light, and is read as a sheet on a darker
    # surface.
    from skdigits import DigitImagePreprocessor

    D = suite.D
    rng = np.random.default_rng(11)
    framed, plain = [], []
    for x in mnist[1][0][100:140]:
        side = int(rng.integers(200, 420))
        d = D.fit_long_side(x, int(side * rng.uniform(0.45, 0.75)))
        canvas = np.ones((side, side), np.float32)
        top, left = (side - d.shape[0]) // 2, (side - d.shape[1]) // 2
        canvas[top:top + d.shape[0], left:left + d.shape[1]] -= d
        f, gray = max(1, int(side * rng.uniform(0.02, 0.08))), rng.uniform(0.2, 0.75)
        boxed = canvas.copy()
        boxed[:f], boxed[-f:], boxed[:, :f], boxed[:, -f:] = gray, gray, gray, gray
        noise = rng.normal(0, 0.01, canvas.shape)
        framed.append(D.u8(boxed + noise))
        plain.append(D.u8(canvas + noise))
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(framed), pre.transform(plain))
    assert blank == 0 and alike >= 39, (blank, corr)


def test_a_sheet_with_the_table_along_one_side_reads_as_without_it(suite, mnist):
    # A phone photo of a sheet whose edge runs across the picture (askew), the table
    # showing beyond it along one side, 22-30 % of the image deep: no sheet on a
    # surrounding table (that looks for the table along much of the border) and
    # deeper than a scanner's margins (a fifth of the image) -- the table was the
    # ink, and the digit lost (22 of these 30). A broad margin up to a third of the
    # image deep is a table. (6 still come out with the table: read again at a
    # stroke's scale, the table comes back.)
    from skdigits import DigitImagePreprocessor

    D = suite.D
    rng = np.random.default_rng(21)
    photos, plain = [], []
    for k, x in enumerate(mnist[1][0][300:330]):
        h, w = int(rng.integers(240, 360)), int(rng.integers(240, 360))
        depth, tilt = rng.uniform(0.22, 0.3), rng.uniform(-0.06, 0.06)
        d = D.fit_long_side(x, int(min(h, w) * (1 - depth) * rng.uniform(0.45, 0.6)))
        sheet = np.full((h, w), rng.uniform(0.75, 0.9), np.float32)
        # (the digit in the middle of the sheet's part of the picture)
        cy, cx = [(h / 2, w * (1 + depth) / 2), (h / 2, w * (1 - depth) / 2),
                  (h * (1 + depth) / 2, w / 2), (h * (1 - depth) / 2, w / 2)][k % 4]
        top, left = int(cy - d.shape[0] / 2), int(cx - d.shape[1] / 2)
        sheet[top:top + d.shape[0], left:left + d.shape[1]] *= 1 - 0.85 * d
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        along = [xx / w, 1 - xx / w, yy / h, 1 - yy / h][k % 4]
        across = [yy / h, yy / h, xx / w, xx / w][k % 4]
        table = along < depth + tilt * (across - 0.5)
        wood = rng.uniform(0.1, 0.45) + 0.05 * D.smooth_noise((h, w), rng, 4)
        photo = np.where(table, wood, sheet)
        noise = rng.normal(0, 0.01, (h, w))
        photos.append(D.u8(photo + noise))
        plain.append(D.u8(sheet + noise))
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(photos), pre.transform(plain))
    assert blank == 0 and alike >= 24, (blank, corr)


def test_one_straight_level_stroke_is_no_digit(suite, mnist):
    # A page holding one straight stroke lying about level -- a highlighter's band,
    # a pen's dash, a piece of a rule -- was read as a digit (a 4, a 1, a 7). The
    # only digit of one straight stroke is a 1, and a 1 stands upright or slants:
    # MNIST's 1s turned by up to 45 degrees stay digits.
    from scipy import ndimage

    from skdigits import DigitImagePreprocessor

    D = suite.D
    rng = np.random.default_rng(31)
    pages = []
    for k in range(12):
        h, w = int(rng.integers(200, 400)), int(rng.integers(200, 400))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = np.deg2rad(rng.uniform(-15, 15))
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
        length, width = rng.uniform(0.3, 0.7) * w, rng.uniform(2, 0.15 * min(h, w) if k % 2 else 6)
        along = (xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)
        across = -(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)
        stroke = np.clip(width / 2 + 0.5 - np.abs(across), 0, 1) * (np.abs(along) < length / 2)
        paper = rng.uniform(0.75, 0.95)
        dark = rng.uniform(0.1, 0.3) if k % 2 else rng.uniform(0.5, 0.8)  # a band, a pen
        pages.append(D.u8(paper * (1 - dark * stroke) + rng.normal(0, 0.01, (h, w))))
    ones = mnist[1][0][mnist[1][1] == 1][:24]
    turned = []
    for i, x in enumerate(ones):
        angle = (-1) ** i * [0, 20, 35, 45][i % 4]
        d = D.fit_long_side(np.clip(ndimage.rotate(x / 255.0, angle, order=1), 0, 1), 160)
        canvas = D.paste((240, 240), d, (240 - d.shape[0]) // 2, (240 - d.shape[1]) // 2)
        turned.append(D.u8(0.9 * (1 - 0.9 * canvas)))
    pre = DigitImagePreprocessor(on_blank="nan").fit(pages[:1])
    blank = np.isnan(pre.transform(pages)).any(axis=1)
    assert blank.all(), blank
    read = ~np.isnan(pre.transform(turned)).any(axis=1)
    assert read.all(), read


def test_a_line_drawn_under_the_digit_is_no_part_of_it(suite, mnist):
    # An underlined answer: a straight pen line under the digit, a little apart
    # from it. It was kept with the digit (close to it), and most underlined digits
    # read as 2s. A straight stroke lying level, wholly below the digit's centre and
    # at least half as wide as the digit is an underline; a stroke of a digit broken
    # off lies beside or inside it.
    from skdigits import DigitImagePreprocessor

    D = suite.D
    rng = np.random.default_rng(41)
    lined, plain = [], []
    for x in mnist[1][0][400:430]:
        side = int(rng.integers(220, 320))
        d = D.fit_long_side(x, int(side * rng.uniform(0.35, 0.5)))
        top, left = (side - d.shape[0]) // 2, (side - d.shape[1]) // 2
        cover = D.paste((side, side), d, top, left)
        r0, r1, c0, c1 = [int(v) for v in np.r_[np.nonzero((cover > 0.3).any(axis=1))[0][[0, -1]],
                                                np.nonzero((cover > 0.3).any(axis=0))[0][[0, -1]]]]
        width = (c1 - c0) * rng.uniform(0.8, 1.3)
        at = r1 + side * rng.uniform(0.03, 0.08)
        yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
        tilt = rng.uniform(-0.06, 0.06)
        line = (np.abs(yy - at - tilt * (xx - (c0 + c1) / 2)) < rng.uniform(1.5, 3)) & (
            np.abs(xx - (c0 + c1) / 2) < width / 2)
        noise = rng.normal(0, 0.01, (side, side))
        lined.append(D.u8(0.9 * (1 - 0.85 * np.maximum(cover, line)) + noise))
        plain.append(D.u8(0.9 * (1 - 0.85 * cover) + noise))
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(lined), pre.transform(plain))
    assert blank == 0 and alike >= 28, (blank, corr)
    # A 1 drawn with its foot apart from the stem (as in drawn-dev): the line under a
    # digit narrower than half its height is the 1's own foot, kept.
    one, joined = np.full((2, 240, 200), 0.95, np.float32)
    for a, gap in ((one, 8), (joined, 0)):
        a[40:180, 96:104] = 0.1  # the stem
        for k in range(30):  # the flag
            a[40 + k, 96 - k:104 - k] = 0.1
        a[180 + gap:186 + gap, 60:150] = 0.1  # the foot
    out = pre.transform([D.u8(one), D.u8(joined)])
    assert np.corrcoef(out[0], out[1])[0, 1] >= 0.9


def _cells(suite, digits, seed, sides):
    """Digits written in cells cut from a grid (the cell's lines along ``sides`` of its
    four sides, at the edge or a few px in, 1-5 px, gray to black) and the same cells
    without their lines: ``(cells, plain)``, uint8 gray images of 40-130 px."""
    D = suite.D
    rng = np.random.default_rng(seed)
    cells, plain = [], []
    for x in digits:
        side = int(rng.integers(40, 131))
        d = D.fit_long_side(x, int(side * rng.uniform(0.45, 0.7)))
        ink = D.paste((side, side), d, (side - d.shape[0]) // 2, (side - d.shape[1]) // 2)
        lines = np.zeros((side, side), np.float32)
        for edge in rng.permutation(4)[:sides]:
            at, w = int(rng.integers(0, 5)), int(rng.integers(1, 6))
            band = slice(at, at + w) if edge % 2 == 0 else slice(side - at - w, side - at)
            lines[band if edge < 2 else slice(None), band if edge >= 2 else slice(None)] = 1
        paper, noise = rng.uniform(0.8, 1.0), rng.normal(0, 0.01, (side, side))
        gray = rng.uniform(0.5, 1.0)
        cells.append(D.u8(paper * (1 - 0.9 * np.maximum(ink, gray * lines)) + noise))
        plain.append(D.u8(paper * (1 - 0.9 * ink) + noise))
    return cells, plain


@pytest.mark.parametrize("sides, floor", [(4, 37), (2, 38), (1, 37)])
def test_a_digit_in_a_cell_cut_from_a_grid_reads_as_without_its_lines(suite, mnist, sides,
                                                                        floor):
    # A digit written in a table's, a form's or a puzzle's cell, cut from the grid with
    # the cell's lines along its sides: the lines were ink -- the crop took them in, and
    # round the cell they filled the border the polarity is read from, so that the
    # paper was read as ink. Correlation >= 0.8 with the same cell without its lines,
    # of these 40 (seed 8): lines along four sides 34, two 37, one 38; the cell's lines
    # are now found on the gray levels and filled with the paper's level first: 38, 39
    # and 38 (session 50; seeds 3 and 5, four sides: 32 -> 35, 30 -> 37).
    from skdigits import DigitImagePreprocessor

    cells, plain = _cells(suite, mnist[1][0][500:540], 8, sides)
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(cells), pre.transform(plain))
    assert blank == 0 and alike >= floor, (blank, corr)


def test_the_lines_round_a_bold_digit_in_a_28x28_cell_are_found(mnist):
    # A 28x28 cell cut from a table: its 2-px lines round it are a quarter of the
    # pixels, and a bold digit (MNIST's, thickened by a pixel) another quarter or more,
    # so that paper is under half the frame. The paper's share was asked of the whole
    # frame, and the lines stayed: none of these 60 had them found, the light path
    # read the paper inside the dark lines as ink. It is asked within the lines now.
    from skdigits.preprocessing._cells import without_cell_lines

    found = under_half = 0
    for digit in mnist[1][0][:60]:
        bold = ndimage.grey_dilation(digit, size=(3, 3)).astype(np.float32) / 255
        cell = 1 - 0.9 * bold
        cell[:2] = cell[-2:] = cell[:, :2] = cell[:, -2:] = 0.35
        if np.mean(cell > 0.775) >= 0.5:
            continue  # (paper is half the frame or more: found before too)
        under_half += 1
        out = without_cell_lines(cell)
        found += out is not cell and bool((out[:2] > 0.9).all() and (out[:, :2] > 0.9).all())
    assert under_half >= 30 and found >= 0.8 * under_half, (found, under_half)


@pytest.mark.parametrize("look", ["may_hold_lines", "band_fit_span"])
def test_the_light_paths_cheap_looks_only_skip_work(suite, mnist, monkeypatch, look):
    # The light path looks at many frames cheaply before two costly tests, a frame at a
    # time: whether a cell's lines run along its sides (may_hold_lines) and whether a
    # vignette lights it the other way (band_fit_span, before the robust fit of the
    # lighting). Either look only skips frames the costly test would leave as they are:
    # with the look let through for every frame, every output is the same.
    from skdigits import DigitImagePreprocessor
    from skdigits.preprocessing import _light_path

    X, y = mnist[1][0][:60], mnist[1][1][:60]
    kinds = ["cell_28", "cell_28_dark", "vignette", "dark_on_light_vignette", "fog",
             "lighting", "gaussian_noise", "line_straight", "stripes", "rough_paper_28"]
    frames = np.concatenate([suite.render(k, X, y, seed=4)[0] for k in kinds])
    pre = DigitImagePreprocessor(on_blank="nan").fit(frames[:1])
    fast = pre.transform(frames)
    every = {"may_hold_lines": lambda x: np.ones(len(x), dtype=bool),
             "band_fit_span": lambda x: np.full(len(x), np.inf)}[look]
    monkeypatch.setattr(_light_path, look, every)
    np.testing.assert_array_equal(pre.transform(frames), fast)


def test_a_sheets_outline_is_its_convex_hull():
    # The sheet's outline (the convex hull of its pixels, a mask), filled row by row in
    # whole pixels: exactly the pixels that a triangulation of the hull holds, its edges
    # included -- level, upright, diagonal or steep.
    from scipy.spatial import ConvexHull, Delaunay

    from skdigits.preprocessing._sheet import convex_hull

    rng = np.random.default_rng(5)
    for trial in range(60):
        h, w = rng.integers(5, 120, 2)
        region = np.zeros((h, w), bool)
        k = rng.integers(1, 8)
        rows, cols = rng.integers(0, h, k), rng.integers(0, w, k)
        if trial % 2:  # (on a coarse lattice: many edges level, upright or diagonal)
            rows, cols = rows // 8 * 8, cols // 8 * 8
        region[rows, cols] = True
        region[rows.min():rows.min() + 3, cols.min():cols.min() + 2] = True
        points = np.argwhere(region).astype(float)
        corners = points[ConvexHull(points).vertices]
        pixels = np.indices((h, w)).reshape(2, -1).T
        inside = (Delaunay(corners).find_simplex(pixels) >= 0).reshape(h, w)
        np.testing.assert_array_equal(convex_hull(region), inside | region)


def test_straight_strokes_along_the_sides_are_the_digits_own():
    # What the cell's lines are not: a digit drawn with straight strokes and cropped to
    # its ink (a 7 as a bar and a stem, a 0 as a rectangle), whose strokes run along the
    # image's sides; a bold digit filling the middle of its crop; ruled paper, whose
    # rules run across the middle too. Each is left as it came.
    from skdigits.preprocessing._cells import without_cell_lines

    seven = np.full((90, 70), 0.95, np.float32)
    seven[:8], seven[:, -8:] = 0.1, 0.1
    zero = np.full((100, 60), 0.95, np.float32)
    zero[:7], zero[-7:], zero[:, :7], zero[:, -7:] = 0.1, 0.1, 0.1, 0.1
    bold = np.full((80, 80), 0.95, np.float32)
    bold[:10], bold[10:, 25:60] = 0.1, 0.1  # a bold 7's bar and stem filling the middle
    ruled = np.full((120, 120), 0.9, np.float32)
    ruled[3::20] = 0.4
    ruled[40:90, 50:58] = 0.1  # a 1 on it
    # (and a flat colour canvas, its gray levels a float rounding apart: one level)
    flat = np.full((60, 60), 0.3408118, np.float32)
    flat[::2] = np.nextafter(flat[::2], np.float32(1))
    for img in (seven, zero, bold, ruled, flat):
        assert without_cell_lines(img) is img


def _soft_stroke(yy, xx, p, q, width):
    """A soft stroke from p to q: Gaussian across (``width`` its sigma), fading to
    half at its ends (pencil pressed hardest mid-stroke)."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    d = q - p
    t = np.clip(((yy - p[0]) * d[0] + (xx - p[1]) * d[1]) / (d @ d), 0, 1)
    dist = np.hypot(yy - p[0] - t * d[0], xx - p[1] - t * d[1])
    return np.exp(-(dist / width) ** 2 / 2) * (0.75 + 0.25 * np.sin(np.pi * t))


def test_soft_spots_of_light_or_shade_are_no_digit():
    # Spots of light or shade on an empty page, once the smooth lighting is taken
    # out: soft patches, some twice as long as wide or more (no round blob), two at
    # once, one cut by the page's edge -- read as 1s, 0s and 7s (each of these
    # pages was). A spot is a filled patch whose level falls off evenly towards
    # its centre; a stroke's core keeps the stroke's length. Soft strokes -- a 1, a
    # 7 and a 4 in soft pencil, fading at their ends, a scan of 8x8 pixels enlarged
    # eight times -- stay digits.
    from PIL import Image
    from sklearn.datasets import load_digits

    from skdigits import DigitImagePreprocessor

    yy, xx = np.mgrid[0:300, 0:300].astype(np.float32)

    def spot(cy, cx, s, long, angle, sign):
        a = np.deg2rad(angle)
        u = ((xx - cx) * np.cos(a) + (yy - cy) * np.sin(a)) / (s * long)
        v = (-(xx - cx) * np.sin(a) + (yy - cy) * np.cos(a)) / s
        return sign * 0.25 * np.exp(-(u * u + v * v) / 2)

    pages = [0.7 + spot(150, 150, 14, 2.2, 30, -1),
             0.7 + spot(120, 170, 10, 2.5, 100, 1),
             0.7 + spot(100, 90, 12, 1.8, 60, -1) + spot(210, 200, 9, 2.0, 10, -1),
             0.7 + spot(150, 295, 20, 2.0, 90, -1),
             0.65 + spot(80, 200, 16, 1.6, 145, 1) + spot(220, 120, 11, 2.3, 20, 1)]
    strokes = [
        [((60, 150), (240, 140))],                                   # a 1
        [((70, 90), (70, 210)), ((70, 210), (240, 130))],            # a 7
        [((60, 180), (180, 90)), ((180, 90), (180, 220)), ((90, 190), (250, 190))],  # a 4
    ]
    drawn = [0.85 - 0.5 * np.max([_soft_stroke(yy, xx, p, q, 7) for p, q in s], axis=0)
             for s in strokes]
    noise = np.random.default_rng(0).normal(0, 0.01, (300, 300))
    scans = [np.asarray(Image.fromarray(np.uint8(255 - 15 * im)).resize(
        (64, 64), Image.Resampling.BICUBIC)) for im in load_digits().images[:20]]
    pre = DigitImagePreprocessor(on_blank="nan").fit([pages[0]])
    spots = pre.transform([np.clip(p + noise, 0, 1) for p in pages])
    digits = pre.transform([np.clip(d + noise, 0, 1) for d in drawn] + scans)
    assert np.isnan(spots).any(axis=1).all(), np.isnan(spots).any(axis=1)
    assert not np.isnan(digits).any(axis=1).any(), np.isnan(digits).any(axis=1)


def _bar(h, w, width, slant):
    """A straight stroke ``width`` px wide down the middle of an ``h`` x ``w`` frame,
    leaning ``slant`` px sideways per px down (coverage, 0-1)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.clip(width / 2 + 0.5 - np.abs(x - w / 2 - slant * (y - h / 2)), 0, 1)


def test_a_band_of_light_across_a_page_is_no_digit():
    # A window's reflection crosses a page as a soft band of light: once the smooth
    # lighting is taken out, a long straight stroke of light ink from edge to edge,
    # read as a 1 (every empty page under such a band was). Light ink in straight
    # bands across a lit page is light and no stroke; a 1 filling its frame stays
    # a digit: dark on paper (cropped to its box), light on a dark ground, or light
    # along the long side of an elongated frame.
    from skdigits import DigitImagePreprocessor

    yy, xx = np.mgrid[0:360, 0:300].astype(np.float32)
    pages = []
    for angle, at, width, flat in [(20, 0.3, 0.04, False), (75, 0.6, 0.1, False),
                                   (110, 0.5, 0.06, True), (160, 0.7, 0.08, True)]:
        a = np.deg2rad(angle)
        across = -(xx - at * 300) * np.sin(a) + (yy - at * 360) * np.cos(a)
        s = 300 * width
        band = (1 / (1 + np.exp((np.abs(across) - s) / (0.25 * s))) if flat
                else np.exp(-(across / s) ** 2 / 2))
        pages.append(0.55 + 0.35 * band)
    ones = [0.9 * (1 - 0.85 * _bar(120, 40, 12, 0.1)), 0.05 + 0.9 * _bar(64, 64, 8, 0.15),
            0.45 + 0.45 * _bar(90, 40, 9, -0.1)]
    noise = np.random.default_rng(0).normal(0, 0.01, (360, 300))
    pre = DigitImagePreprocessor(on_blank="nan").fit([pages[0]])
    bands = pre.transform([np.clip(p + noise, 0, 1) for p in pages])
    drawn = pre.transform([np.clip(d + noise[: d.shape[0], : d.shape[1]], 0, 1) for d in ones])
    assert np.isnan(bands).any(axis=1).all(), np.isnan(bands).any(axis=1)
    assert not np.isnan(drawn).any(axis=1).any(), np.isnan(drawn).any(axis=1)


def test_bold_strokes_on_a_brightened_frame_are_no_reflection(mnist):
    # MNIST-C's brightness (0.5 added, clipped): light ink on a mid-gray frame, a
    # lit page. A bold, straight 1 inside the frame's margin came within its
    # thickness of the frame's edges and was judged a band of light from edge to
    # edge: 13 of MNIST's 10,000 test digits declared blank (11 ones, 2 eights),
    # these among them. A band runs on to the page's edge; a digit's stroke does
    # not: none is blank now, one by one or as an array.
    from skdigits import DigitImagePreprocessor

    X = mnist[1][0][[2473, 3480, 4574, 4869, 6189, 6702, 7944, 8058, 8100, 8633]]
    bright = np.clip(X / 255 + 0.5, 0, 1).astype(np.float32)
    pre = DigitImagePreprocessor(on_blank="nan").fit(bright[:1])
    per, batch = pre.transform(list(bright)), pre.transform(bright)
    assert not np.isnan(per).any(axis=1).any(), np.isnan(per).any(axis=1)
    np.testing.assert_array_equal(per, batch)


def test_bands_turned_over_at_the_sides_are_turned_back(mnist):
    # MNIST-C's stripe: the 7 columns at each side of the frame inverted (or 5 at
    # one side, dark on light too). The light path kept such frames as they came,
    # clutter and all: MNIST's models read 93-94 % of them (a model trained with
    # other augmentation 65 %). Bands of the other level running down the frame's
    # sides, over the rows that MNIST keeps clear, are turned back: the frame is
    # the digit as it came (99 % of 500 with the benchmark's classic CNN), one by
    # one or as an array.
    from skdigits import DigitImagePreprocessor

    X = mnist[1][0][:200].astype(np.float32) / 255
    both, one = X.copy(), X.copy()
    both[:, :, :7] = 1 - both[:, :, :7]
    both[:, :, 21:] = 1 - both[:, :, 21:]
    one[:, :, -5:] = 1 - one[:, :, -5:]
    pre = DigitImagePreprocessor().fit(X[:1])
    clean = pre.transform(X)
    for frames in (both, one, 1 - both):
        per, batch = pre.transform(list(frames)), pre.transform(frames)
        np.testing.assert_array_equal(per, batch)
        assert np.abs(per - clean).max(axis=1).max() < 0.02


def test_digits_under_dense_impulse_noise_are_digits(mnist):
    # Salt-and-pepper noise on 25-40 % of the pixels (the suite's: 3-25 %): too rough
    # for the light path, and the full pipeline saw no ink above such noise -- 3 of
    # these 300 digits were declared blank. Impulses stand out from their 3x3
    # median at the frame's darkest or lightest level; under that median the digit
    # is MNIST-like again. Now none is blank, one by one or as an array.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    noisy = []
    for x in mnist[1][0][:300]:
        amount, u = rng.uniform(0.25, 0.4), rng.random(x.shape)
        noisy.append(np.where(u < amount / 2, 0, np.where(u < amount, 255, x)).astype(np.uint8))
    pre = DigitImagePreprocessor(on_blank="nan").fit(noisy[:1])
    per, batch = pre.transform(noisy), pre.transform(np.stack(noisy))
    assert np.isnan(per).any(axis=1).sum() == 0
    np.testing.assert_array_equal(per, batch)


def test_digits_under_dense_gaussian_noise_are_digits(mnist):
    # Gaussian noise of 0.5-0.6 (the suite's: 0.08-0.38): too rough for the light
    # path, and the full pipeline saw no ink above such noise -- 51 of these 300
    # digits were declared blank. Smoothed at a stroke's scale their strokes stand
    # out (noise alone shows none); smoothed over a pixel, the light path reads
    # them. Now 20 are blank, one by one or as an array (23 before ink shown to stand
    # out of the noise was asked only a noiseless background's contrast, session 59);
    # frames of that noise alone stay blank.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)

    def noisy(x):
        sigma = rng.uniform(0.5, 0.6)
        return (np.clip(x / 255 + rng.normal(0, sigma, x.shape), 0, 1) * 255).round().astype(
            np.uint8)

    digits = [noisy(x) for x in mnist[1][0][:300]]
    alone = [noisy(np.full((28, 28), 128.0)) for _ in range(100)]
    pre = DigitImagePreprocessor(on_blank="nan").fit(digits[:1])
    per, batch = pre.transform(digits), pre.transform(np.stack(digits))
    assert np.isnan(per).any(axis=1).sum() <= 30
    np.testing.assert_array_equal(per, batch)
    assert np.isnan(pre.transform(alone)).any(axis=1).all()


def _at_other_seeds(suite, kind, seeds=(1, 2, 3), n=500):
    """The images of the suite's ``kind`` made from ``n`` digits at each of ``seeds``
    (the floors' subset is seed 0's), as one list."""
    images = []
    for seed in seeds:
        digits, labels = suite.sample_digits(n, seed=seed)
        images += list(suite.render(kind, digits, labels, seed)[0])
    return images


def test_faint_digits_under_noise_are_digits_at_other_seeds(suite):
    # The suite's faint digits under noise (low_contrast_noise: ink 0.12-0.3 above a
    # gray background, noise of a sixth to 0.4 of that) at seeds 1-3 (the floors'
    # subset is seed 0's): 17 of these 1,500 were declared blank -- a 7's tail,
    # smoothed, touching the bottom edge along 4-5 px; a stroke broken into pieces
    # by the noise; strokes that stand out of the noise but, smoothed, fainter than
    # the contrast asked of ink on a noisy background. A stroke's end may meet the
    # edge end-on, pieces join through the pixels a little above the noise, and ink
    # shown to stand out of it is asked a noiseless background's contrast: 4 now.
    # The suite's rough surfaces at those seeds: 13 of 1,500 read as a digit, before
    # and after.
    from skdigits import DigitImagePreprocessor

    pre = DigitImagePreprocessor(on_blank="nan").fit([np.zeros((28, 28))])
    faint = pre.transform(_at_other_seeds(suite, "low_contrast_noise"))
    rough = pre.transform(_at_other_seeds(suite, "rough_28"))
    assert np.isnan(faint).any(axis=1).sum() <= 5
    assert (~np.isnan(rough).any(axis=1)).sum() <= 13


def test_a_short_pencil_stroke_on_grainy_paper_is_a_digit(suite):
    # The suite's pencil digits on grainy paper (pencil_grain) at seeds 1-3: 14 of
    # these 600 were declared blank -- faint 1s, 9s and 4s whose grain leaves no piece
    # of ink read through it as large as a whole digit's. A smaller piece shaped as a
    # stroke (three times as long as wide, no wider than a stroke smoothed at a
    # grain's scale) is evidence too: 6 now. Empty grainy paper at those seeds: 2 of
    # 600 read as a digit before, 3 now.
    from skdigits import DigitImagePreprocessor

    pre = DigitImagePreprocessor(on_blank="nan").fit([np.zeros((28, 28))])
    pencil = pre.transform(_at_other_seeds(suite, "pencil_grain"))
    empty = pre.transform(_at_other_seeds(suite, "pencil_empty"))
    assert len(pencil) == len(empty) == 600
    assert np.isnan(pencil).any(axis=1).sum() <= 6
    assert (~np.isnan(empty).any(axis=1)).sum() <= 3


def test_a_digit_cut_from_a_row_of_digits_is_kept_as_it_came(suite):
    # The suite's digits cropped from a row of digits (neighbours) at seeds 1-3: of the
    # 763 frames whose solid ink spans more than a digit's width (its neighbours' parts
    # at its sides) but no more than its height, 75 went to the full pipeline or moved
    # -- where the parts are joined to the digit, the crop took them in and shrank it,
    # or the frame was taken for a digit scaled up to fill it. A digit larger than
    # MNIST's box is taller than it (MNIST's digits are taller than wide): such a frame
    # is a digit of MNIST's size, kept as it came; 19 are not now.
    from skdigits import DigitImagePreprocessor

    x = np.stack(_at_other_seeds(suite, "neighbours")).astype(np.float32) / 255
    spans = [[np.ptp(np.flatnonzero(s.any(axis=a))) + 1 for a in (1, 0)] for s in x > 0.5]
    flat = x[[h <= 22 and w > 23 for h, w in spans]]
    pre = DigitImagePreprocessor(on_blank="nan").fit([np.zeros((28, 28))])
    out = pre.transform(list(flat)).reshape(flat.shape)
    assert len(flat) == 763
    assert (np.abs(out - flat).max(axis=(1, 2)) < 1e-6).sum() >= 740


def _screen_pairs(suite, mnist, pair, seed, n=60):
    """:func:`_alike` of ``n`` screenshots made by ``pair`` and of their canvases alone."""
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(seed)
    made = [pair(suite.D, x.astype(np.float32) / 255, rng) for x in mnist[1][0][:n]]
    pre = DigitImagePreprocessor(on_blank="nan").fit([made[0][1]])
    return _alike(pre.transform([m[0] for m in made]), pre.transform([m[1] for m in made]))


def _toolbar_pair(D, x, rng):
    """A drawing app's screenshot -- a panel of buttons along one edge of the canvas --
    and the canvas alone."""
    h = int(rng.integers(250, 451))
    w = int(h * rng.uniform(0.8, 1.25))
    cov = D.fit_anywhere(x, (h, w), int(min(h, w) * rng.uniform(0.4, 0.8)), rng)
    light = rng.random() < 0.5
    canvas = 1 - cov if light else 0.1 + 0.9 * cov
    deep = int(rng.integers(24, 61))
    level = rng.uniform(0.75, 0.92) if light else rng.uniform(0.25, 0.45)
    panel = np.full((deep, max(h, w)), level)
    for _ in range(int(rng.integers(2, 8))):
        bh, bw = int(rng.integers(8, deep - 6)), int(rng.integers(10, 40))
        r0, c0 = int(rng.integers(3, deep - bh - 1)), int(rng.integers(3, min(h, w) - bw - 3))
        panel[r0 : r0 + bh, c0 : c0 + bw] = rng.uniform(0, 1)
    turn = int(rng.integers(4))  # (the panel along the top, left, bottom or right)
    turned = np.rot90(canvas, turn)
    shot = np.rot90(np.vstack([panel[:, : turned.shape[1]], turned]), -turn)
    return D.u8(shot), D.u8(canvas)


def _checker_pair(D, x, rng):
    """A dark digit over a viewer's checkerboard (squares of 6-16 px), and over white."""
    side = int(rng.integers(150, 451))
    cov = D.fit_anywhere(x, (side, side), int(side * rng.uniform(0.4, 0.7)), rng)
    rows, cols = np.indices((side, side)) // int(rng.choice([6, 8, 10, 16]))
    board = np.where((rows + cols) % 2 == 0, 1.0, rng.uniform(0.6, 0.85))
    ink = rng.uniform(0, 0.2)
    return D.u8(board * (1 - cov) + ink * cov), D.u8((1 - cov) + ink * cov)


def test_a_toolbar_beside_the_canvas_reads_as_the_canvas_alone(suite, mnist):
    # A drawing app's screenshot: a flat panel of buttons along one edge of the
    # canvas. Its buttons were read as strokes beside the digit, its edge as a line
    # along the canvas's, and the step from panel to canvas as a step in the
    # lighting. A flat rendering's panel is now filled with the canvas's level
    # first (_screens.without_panels). Output against the canvas alone: correlation
    # >= 0.8 for 59 of these 60 (seeds 1, 2: 57, 59; 56, 54, 53 before), none blank.
    blank, alike, corr = _screen_pairs(suite, mnist, _toolbar_pair, seed=0)
    assert blank == 0 and alike >= 56, (blank, corr)


def test_a_checkerboard_behind_the_digit_reads_as_a_plain_canvas(suite, mnist):
    # A screenshot of a transparent image: the viewer's checkerboard behind the
    # digit. Where its spectrum's lattice held too little of the power, the squares
    # read as strokes or as noise. A flat rendering's board is now made one level
    # first (_screens.without_checkerboard). Output against the digit on white:
    # correlation >= 0.8 for 56 of these 60 (seeds 1, 2: 56, 58; 50, 48, 51
    # before), 1 blank (3 before).
    blank, alike, corr = _screen_pairs(suite, mnist, _checker_pair, seed=0)
    assert blank <= 1 and alike >= 54, (blank, corr)


def test_a_mid_sized_digit_on_a_canvas_reads_as_finely_as_mnist(suite, digits):
    # A 70-150 px digit anywhere on a 400 px canvas, reduced 3x while decoding: scaled
    # into its 20 px box from 23-50 px, it came out softer than MNIST's own frame of
    # the same digit. On a flat rendering a digit under twice the box is now read again
    # from its part of the canvas at full resolution (_reread._REREAD_FLAT). Output
    # against the MNIST frame: correlation >= 0.9 for 47 of these 60 (seeds 4, 5: 46,
    # 49; 42, 39, 39 before).
    from skdigits import DigitImagePreprocessor

    images, _, _ = suite.render("canvas_offcentre", digits[0][:60], digits[1][:60], seed=3)
    pre = DigitImagePreprocessor(on_blank="nan").fit(digits[0][:1])
    out, mnist_frames = pre.transform(list(images)), pre.transform(digits[0][:60])
    corr = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(out, mnist_frames)])
    assert (corr >= 0.9).sum() >= 45, corr.round(2)


def test_a_line_across_the_canvas_is_no_part_of_the_digit(suite, mnist):
    # A straight line (2-6 px) drawn across a 300 px canvas through the digit, from
    # side to side at any angle: the crop took it in and the stroke correction
    # thickened the digit to the line's width. Lines that leave the image through
    # two sides, straight and thin, with no other ink near their ends, are now
    # left out of the ink map (but where a stroke crosses them). Output against the
    # same canvas without the line: correlation >= 0.8 for 39 of these 40 (seeds 1,
    # 2: 35, 37; 3, 4 and 7 before), none blank.
    photos, twins = _twins(suite, mnist, suite.L.line_pair, seed=0)
    blank, alike, corr = _alike(photos, twins)
    assert blank == 0 and alike >= 35, (blank, corr)


def test_a_digit_under_a_band_of_light_reads_as_without_it(suite, mnist):
    # Where a band of light is read first (as light ink) and is judged a reflection,
    # the digit is read the other way -- not what the band's ends leave at the
    # page's edge. Output against the same photo without the band: correlation
    # >= 0.8 for 30 of these 40, none blank (seeds 1, 3: 35, 34), as before bands
    # were judged (29, 35, 34).
    photos, twins = _twins(suite, mnist, suite.S.bands_pair, seed=2)
    blank, alike, corr = _alike(photos, twins)
    assert blank == 0 and alike >= 27, (blank, corr)


def _margin(page, side, depth, level=0.1):
    """``page`` with a dark strip ``depth`` px deep along ``side`` (0-3: top, bottom,
    left, right)."""
    page = page.copy()
    page[(np.s_[:depth], np.s_[-depth:], np.s_[:, :depth], np.s_[:, -depth:])[side]] = level
    return page


def test_a_scanners_dark_margin_is_no_part_of_the_digit(mnist):
    # A sheet that ends before the scanner's glass leaves a dark strip along an edge
    # of the scan: straight, from corner to corner, as deep all along. Read as ink,
    # it was taken in with the digit (the crop kept its length: a digit beside a
    # bar; correlation with the same scan without it >= 0.9 for 11 of these 20).
    # Strips along the edges that reach nowhere into the image are no ink, ink that
    # is such strips only is blank -- and a 7 cropped to its box, its bar along the
    # top edge, stays whole.
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    scans, plain = [], []
    for k, x in enumerate(mnist[1][0][:20]):
        d = np.asarray(Image.fromarray(x).resize((120, 120), Image.Resampling.BICUBIC))
        page = np.full((360, 300), 0.92, np.float32)
        page[120:240, 90:210] = 0.92 * (1 - 0.85 * d / 255)
        noise = rng.normal(0, 0.01, page.shape)
        scans.append(np.clip(_margin(page, k % 4, 8 + k % 3 * 6) + noise, 0, 1))
        plain.append(np.clip(page + noise, 0, 1))
    empty = []
    for k in range(8):
        page = _margin(np.full((360, 300), 0.92, np.float32), k % 4, 8 + k % 3 * 6)
        page = _margin(page, (k + 2) % 4, 8 + k % 3 * 6) if k >= 4 else page
        empty.append(np.clip(page + rng.normal(0, 0.01, page.shape), 0, 1))
    seven = np.zeros((100, 70), np.float32)
    seven[:14] = 1
    for r in range(14, 100):
        c = max(int(56 - (r - 14) * 0.45), 0)
        seven[r, c : c + 14] = 1
    framed = np.zeros((160, 130), np.float32)
    framed[30:130, 30:100] = seven
    pre = DigitImagePreprocessor(on_blank="nan").fit(plain[:1])
    blank, alike, corr = _alike(pre.transform(scans), pre.transform(plain))
    assert blank == 0 and (corr >= 0.9).all(), (blank, corr)
    assert np.isnan(pre.transform(empty)).any(axis=1).all()
    sevens = pre.transform([0.95 * (1 - 0.9 * seven), 0.95 * (1 - 0.9 * framed)])
    assert np.corrcoef(sevens[0], sevens[1])[0, 1] >= 0.99


# A hand-drawn 8 (the solid ink of a 28x28 drawing): two loops of straight strokes.
_BOXY_EIGHT = """
.....##########....
....############...
.###############...
########....#####..
######.......#####.
####.........######
###...........#####
####...........####
####..........#####
#####........######
.######.....######.
.########.#######..
..##############...
....###########....
...############....
..######.########..
.######...########.
.#####......######.
.####.........####.
.###...........###.
.###...........###.
.###...........###.
.####..........###.
.######.......####.
.#################.
..################.
....#############..
"""


def test_an_eight_drawn_as_two_boxes_is_a_digit():
    # Drawn in straight strokes, an 8 is two stacked boxes: lines along all four
    # sides and across the middle -- but its holes are about as wide as its strokes,
    # and a printed box's hole is many times wider than its lines. It stays a digit
    # at every size (it was blank while that was not asked).
    from skdigits import DigitImagePreprocessor

    eight = np.array([[c == "#" for c in row] for row in _BOXY_EIGHT.split()], dtype=float)
    images = []
    for scale in (1, 4, 10):
        big = np.kron(eight, np.ones((scale, scale)))
        canvas = np.zeros((big.shape[0] + 2 * scale, big.shape[1] + 10 * scale))
        canvas[scale:scale + big.shape[0], 5 * scale:5 * scale + big.shape[1]] = big
        images.append((255 * (1 - canvas)).astype(np.uint8))
    out = DigitImagePreprocessor(on_blank="nan").fit(images[:1]).transform(images)
    assert not np.isnan(out).any(axis=1).any(), np.isnan(out).any(axis=1)


def test_textured_paper_at_the_output_size_is_blank(suite):
    # A 28x28 frame of paper grain (smooth noise, 1-3 px, +-0.02-0.07 on a light or a
    # dark ground) has faint "ink" spread over the frame, no digit in the box at its
    # centre, and either soft edges or -- finer grain -- solid ink in specks, none
    # holding 30 % of it: 276-280 of 300 blank over three seeds, in a batch and one by
    # one alike (260-269 with the soft-edge test alone, 127-145 before either; faint,
    # blurred and fogged digits are not touched).
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    frames = []
    for k in range(300):
        grain = suite.D.smooth_noise((28, 28), rng, rng.uniform(0.7, 3)) * rng.uniform(0.02, 0.07)
        paper = rng.uniform(0.75, 0.95) + grain
        frames.append(suite.D.u8(1 - paper if k % 2 else paper))
    X = np.stack(frames)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    batch, one_by_one = np.isnan(pre.transform(X)), np.isnan(pre.transform(list(X)))
    np.testing.assert_array_equal(batch, one_by_one)
    assert batch.any(axis=1).sum() >= 270, batch.any(axis=1).sum()


def _lit_paper_28(rng, n):
    """``n`` 28x28 frames of empty paper under a gradient (or a vignette) of 0.1-0.5 and
    noise of 0.005-0.08, dark or light."""
    yy, xx = np.mgrid[0:28, 0:28] / 27.0
    frames = []
    for k in range(n):
        amp, noise = rng.uniform(0.1, 0.5), rng.uniform(0.005, 0.08)
        if k % 2:
            a = rng.uniform(0, 2 * np.pi)
            f = rng.uniform(0.2, 0.6) + amp * (np.cos(a) * xx + np.sin(a) * yy)
        else:
            cy, cx = rng.uniform(0, 1, 2)
            f = rng.uniform(0.4, 0.8) - amp * ((yy - cy) ** 2 + (xx - cx) ** 2)
        frames.append(np.clip(f + rng.normal(0, noise, (28, 28)), 0, 1))
    return (np.stack(frames) * 255).astype(np.uint8)


def test_paper_under_a_gradient_and_noise_at_the_output_size_is_blank():
    # A 28x28 frame of empty paper under a lighting gradient or a vignette and a
    # little noise: flattened, its noise alone stands min_contrast above the paper,
    # and the light path took it as it came: 32 of these 400 read as a digit (36 at
    # seed 4). Where the lighting spans half the frame's contrast, the flattened
    # frame must hold more than white noise: 6 (9 at seed 4), read by the full
    # pipeline.
    from skdigits import DigitImagePreprocessor

    X = _lit_paper_28(np.random.default_rng(3), 400)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    batch, one_by_one = np.isnan(pre.transform(X)), np.isnan(pre.transform(list(X)))
    np.testing.assert_array_equal(batch, one_by_one)
    assert (~batch.any(axis=1)).sum() <= 10, (~batch.any(axis=1)).sum()


def test_a_faint_blurred_loop_off_centre_is_a_digit_not_paper(digits):
    # Faint (0.2 of the range), blurred (1.5 px) and moved 4 px diagonally, an MNIST
    # digit is as soft and as spread over the frame as the textured paper above: 17 of
    # these 150 were declared a textured surface, 8 of their 16 0s. But a 0's solid ink
    # is one loop of a digit's size, which paper grain never forms: no 0 is blank now,
    # in a batch and one by one alike (9 of the 150 still are: a 2, 4, 5 or 7 whose
    # one soft piece a single blob of grain can match).
    from skdigits import DigitImagePreprocessor

    X, y = digits
    frames = []
    for k, x in enumerate(X.astype(np.float32) / 255):
        moved = ndimage.shift(ndimage.gaussian_filter(x, 1.5), ((4, -4), (-4, 4))[k % 2], order=0)
        frames.append((255 * (0.85 - 0.2 * moved / moved.max())).round().astype(np.uint8))
    F = np.stack(frames)
    pre = DigitImagePreprocessor(on_blank="nan").fit(F[:1])
    batch, one_by_one = np.isnan(pre.transform(F)), np.isnan(pre.transform(list(F)))
    np.testing.assert_array_equal(batch, one_by_one)
    blank = batch.any(axis=1)
    assert not blank[y == 0].any(), np.flatnonzero(blank & (y == 0))
    assert blank.sum() <= 9, np.flatnonzero(blank)


@pytest.mark.parametrize("name, floor", [("clean", 38), ("stripes", 38), ("line_zigzag", 38),
                                         ("spatter", 38), ("translate", 38),
                                         ("impulse_noise", 28)])
def test_an_mnist_like_frame_enlarged_reads_as_the_frame(suite, digits, name, floor):
    # 28x28 digits with their clutter, enlarged 2-10x (nearest, bilinear, bicubic or
    # Lanczos; half of them inverted): the output is the 28x28 frame's (correlation
    # >= 0.95) for 40 of these 40 (clean, stripes, zigzag, spatter), 39 (translated) and
    # 31 (salt-and-pepper noise, whose clipped enlargement the fit recovers least
    # well). Before enlargements were recognised: 24, 0, 0, 2, 20 and 0 -- the full
    # pipeline cropped the clutter with the digit (stripes at 280 px: 57 % right
    # against 98 % at 28).
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    methods = [Image.Resampling.NEAREST, Image.Resampling.BILINEAR,
               Image.Resampling.BICUBIC, Image.Resampling.LANCZOS]
    frames, _, _ = suite.render(name, digits[0][:40], digits[1][:40], seed=0)
    enlarged = []
    for k, im in enumerate(frames):
        side = (56, 140, 280)[k % 3]
        big = np.asarray(Image.fromarray(np.asarray(im)).resize((side, side), methods[k % 4]))
        enlarged.append(255 - big if k % 2 else big)
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))
    small, large = pre.transform(list(frames)), pre.transform(enlarged)
    assert not np.isnan(large).any()
    corr = np.array([np.corrcoef(u, v)[0, 1] for u, v in zip(small, large)])
    assert (corr >= 0.95).sum() >= floor, np.round(corr, 2)


@pytest.mark.parametrize("name", ["gaussian_noise", "fog", "brightness", "lighting"])
def test_a_frame_padded_or_set_on_a_black_frame_reads_as_the_frame(suite, digits, name):
    # 28x28 frames whose noise, fog or background reaches all four sides, padded
    # evenly to 32x32 (a LeNet-style input) or set anywhere on a 40x40 black frame,
    # either polarity: the very output of the frame itself. Through the full pipeline
    # at 32 px, with the benchmark's classic CNN, Gaussian-noise frames were 45.5 %
    # right (47 % blank) against 98.5 % at 28, fogged ones 52 % (9.5 % blank) against
    # 92.5, lit ones 87 % (11 % blank) against 98.5 (200 each, session 28).
    from skdigits import DigitImagePreprocessor

    frames, _, _ = suite.render(name, digits[0][:40], digits[1][:40], seed=0)
    frames = np.asarray(frames)
    padded = []
    for k, frame in enumerate(frames):
        if k % 2:
            big = np.pad(frame, 2)
        else:
            big = np.zeros((40, 40), np.uint8)
            big[k % 13 : k % 13 + 28, (3 * k) % 13 : (3 * k) % 13 + 28] = frame
        padded.append(255 - big if k % 4 >= 2 else big)
    inverted = np.array([255 - f if k % 4 >= 2 else f for k, f in enumerate(frames)])
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))
    np.testing.assert_array_equal(pre.transform(padded), pre.transform(inverted))


@pytest.mark.parametrize("name", ["stripes", "side_bands", "line_dotted", "line_straight",
                                  "line_zigzag", "clean", "scale"])
def test_a_frame_padded_evenly_reads_exactly_as_the_frame(suite, digits, name):
    # 28x28 frames padded evenly by 1-4 px of one level (LeNet's 32x32 inputs), either
    # polarity: the image is the frame, read exactly as it (its light path, polarity and
    # blank decision), whatever reaches the frame's sides. Before (session 51), only
    # frames whose clutter reached two opposite sides with a digit apart from it were:
    # the padding stands out as 28 px one way, as a digit drawn exactly as tall as a
    # larger canvas does. Of these 40, 31, 40, 26 and 24 stripes, side-band, dotted- and
    # straight-line frames were; with the benchmark's classic CNN, zigzag frames padded
    # to 32x32 went 59.7 -> 90.3 % (196 of the 500 of padded_zigzag; alone 90.3).
    from skdigits import DigitImagePreprocessor

    frames, _, _ = suite.render(name, digits[0][:40], digits[1][:40], seed=0)
    frames = np.asarray(frames)
    padded = [np.pad(255 - f if k % 2 else f, 1 + k % 4, constant_values=255 if k % 3 else 0)
              for k, f in enumerate(frames)]
    inverted = np.array([255 - f if k % 2 else f for k, f in enumerate(frames)])
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))
    np.testing.assert_array_equal(pre.transform(padded), pre.transform(inverted))


def test_a_frame_in_an_uneven_border_is_not_taken_for_padded(digits):
    # A ring that is not one level (noise, a second level) or not the same width on
    # every side (or wider than a few pixels, or not square) is no padding: no frame is cut.
    from skdigits._decoding import decoded_array
    from skdigits.preprocessing._padded import evenly_padded

    frame = digits[0][0]
    rng = np.random.default_rng(0)
    noisy = np.pad(frame, 2)
    noisy[0] = rng.integers(0, 30, noisy.shape[1])
    two_levels = np.pad(frame, 2)
    two_levels[:2] = 40

    def cut(a):
        return evenly_padded(decoded_array(a.astype(np.float32) / 255, False, 512), 28)

    assert cut(np.pad(frame, 2)) is not None
    for a in (noisy, two_levels, np.pad(frame, 5), np.pad(frame, ((2, 2), (2, 3)))):
        assert cut(a) is None


def test_a_digit_as_tall_as_the_frame_on_a_small_canvas_is_sized(digits):
    # A digit drawn 28 px tall (or wide) on a 40-128 px canvas stands out of the canvas
    # as 28 px one way, as a padded frame with bars at its side does: with no clutter
    # beside it, it is no frame, and is scaled into MNIST's 20 px box. (Kept at 28 px
    # it fills its frame: 5 of 200 digits of 22-28 px were misread by the classic CNN
    # when any such content was read as a frame; of these 40, 4 were taken when a line
    # across the frame coming within a pixel of the rest counted as clutter -- their
    # own stems.)
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(3)
    images = []
    for d in digits[0][:40]:
        ys, xs = np.nonzero(d > 30)
        crop = d[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        h, w = crop.shape
        f = 28 / max(h, w)
        # (28 px one way, 26 at most the other: content spanning 28x28 is a frame)
        nh, nw = (28, min(26, round(w * f))) if h >= w else (min(26, round(h * f)), 28)
        crop = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.Resampling.BILINEAR))
        side = int(rng.integers(40, 129))
        big = np.zeros((side, side), np.uint8)
        top, left = rng.integers(0, side - nh + 1), rng.integers(0, side - nw + 1)
        big[top : top + nh, left : left + nw] = crop
        images.append(255 - big if rng.random() < 0.5 else big)
    spans = _spans(DigitImagePreprocessor(on_blank="nan").fit_transform(images))
    assert spans.max() <= 22, spans


def test_a_thin_zigzag_across_a_frame_set_on_a_black_frame_shows_the_frame(suite, digits):
    # MNIST frames with a thin zigzag (1-1.6 px) across them from side to side, set on a
    # 48x48 black frame: the zigzag spans the frame one way, as a digit drawn as tall as a
    # small canvas does, but with its thin ink set apart, the strokes left stand clear of
    # both ends of the frame -- a tall digit's strokes reach them (the test above). Of
    # these 40, 17 are taken for frames (12 before session 51); in the benchmark's
    # padded_zigzag, with its classic CNN, 72.2 -> 75.2 % (seed 0), 74.6 -> 76.2 (seed 1),
    # while 1,500 MNIST digits drawn 28 px tall on 40-128 px canvases read as before.
    from skdigits._decoding import decoded_array
    from skdigits.preprocessing._padded import padded_frame

    rng = np.random.default_rng(5)
    framed = 0
    for j, d in enumerate(digits[0][:40]):
        y0, step, amp = rng.uniform(10, 18), rng.uniform(3, 6), rng.uniform(1.5, 3)
        pts = [(x, y0 + amp * (1 if k % 2 else -1))
               for k, x in enumerate(np.arange(-2, 31, step / 2))]
        frame = np.maximum(d, (255 * suite.D.draw_lines((28, 28), [pts], rng.uniform(1, 1.6))))
        big = np.zeros((48, 48), np.float32)
        big[3 + j % 15 : 31 + j % 15, 17 - j % 15 : 45 - j % 15] = frame.T if j % 2 else frame
        framed += padded_frame(decoded_array(big / 255, False, 512), 28) is not None
    assert framed >= 16


def test_a_digit_scaled_to_fill_its_frame_is_sized(suite, digits):
    # A drawing cropped to its ink and resized to 28x28 by its user fills the frame and
    # touches its sides, as clutter does: the light path keeps clutter in place, but a
    # digit scaled up to fill the frame is sized into MNIST's box by the full pipeline.
    # It is told by its ink outside the central box: 0.3 of it or more, or 0.2 or more
    # with strokes as thick as a scaled-up digit's (a line or a zigzag merged with an
    # MNIST digit leaves 0.16-0.26 outside, in thinner strokes). Of these 80, 48 are
    # sized (41 before session 51); with the benchmark's classic CNN, fill_frame 85.8 ->
    # 89.2 % (seed 0) and 81.4 -> 84.8 (seed 1), every line variant as before.
    from skdigits import DigitImagePreprocessor

    frames, _, _ = suite.render("fill_frame", digits[0][:80], digits[1][:80], seed=0)
    spans = _spans(DigitImagePreprocessor(on_blank="nan").fit_transform(list(frames)))
    assert (spans <= 22).sum() >= 46, spans


def test_a_small_digit_on_a_photo_of_squared_paper_is_never_blank(digits):
    # A digit 6-25 % of the short side on a 300-1000 px photo of squared paper (1-px
    # lines, 1.5-4 squares to the digit), JPEG. Reduced 4-5x while decoding, the digit's
    # strokes fade to the grid's level and nothing is found: the whole image is read
    # again twice as finely. It was asked for twice the working size only, which a
    # large image, reduced by 5x at most, is read at already (a 943 px photo read at
    # 189 px came back at 236: no finer reading): 3 of these 60 were blank. And a
    # part read again finer is read without the grid's lines once a digit is left
    # inside it (session 34; a probe of 150 such photos with the classic CNN: 89.3 ->
    # 94.0 %, 12 -> 4 blank).
    import io

    from PIL import Image

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(0)
    images = []
    for d in digits[0][:60]:
        h, w = (int(v) for v in rng.integers(300, 1000, 2))
        size = int(min(h, w) * rng.uniform(0.06, 0.25))
        spacing = max(8, int(size / rng.uniform(1.5, 4)))
        yy, xx = np.mgrid[0:h, 0:w]
        oy, ox = rng.integers(0, spacing, 2)
        lines = (((yy + oy) % spacing) < 1) | (((xx + ox) % spacing) < 1)
        page = rng.uniform(0.8, 0.97) - rng.uniform(0.1, 0.2) * lines
        g = np.asarray(Image.fromarray(d).resize((size, size), Image.Resampling.BILINEAR)) / 255
        ink = ndimage.gaussian_filter((g > 0.5).astype(float), 0.6)
        top, left = rng.integers(0, h - size), rng.integers(0, w - size)
        page[top : top + size, left : left + size] *= 1 - 0.85 * ink
        page += rng.normal(0, 0.01, page.shape)
        buf = io.BytesIO()
        Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8)).save(buf, "JPEG", quality=85)
        images.append(np.asarray(Image.open(buf)))
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    blank = np.isnan(out).any(axis=1)
    assert not blank.any(), np.flatnonzero(blank)


def test_a_small_digit_found_only_on_the_page_read_finer_is_read_at_full_size(suite, digits):
    # A 20-30 px digit on a 480-600 px photo of squared paper: reduced 5x while
    # decoding, it fades into the grid and is found only on the page read again twice
    # as finely, where it still spans a few pixels. That small digit is read once more
    # from its part of the image at the finest resolution there is, as a small digit
    # found at the working size is. Of these 60, the output of 50 looked like the
    # clean digit's (correlation 0.7 or more) before, 53 now.
    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(7)
    images = []
    for x in digits[0][:60]:
        h = int(rng.integers(480, 600))
        w = int(h * rng.uniform(1.2, 1.5))
        sheet, _ = suite.L.squared_sheet(h, w, rng)
        d = suite.D.fit_long_side(x, int(rng.integers(20, 31)))
        top, left = int(rng.integers(h // 4, 3 * h // 4)), int(rng.integers(w // 4, 3 * w // 4))
        cov = suite.D.paste((h, w), d, top, left)
        img = sheet * (1 - cov) + rng.uniform(0.05, 0.3) * cov
        images.append(suite.D.jpeg(suite.D.u8(img + rng.normal(0, 0.01, (h, w))), 85))
    pre = DigitImagePreprocessor(on_blank="nan").fit([np.zeros((28, 28))])
    out, clean = pre.transform(images), pre.transform(list(digits[0][:60]))
    alike = [np.corrcoef(o, c)[0, 1] > 0.7 for o, c in zip(out, clean) if not np.isnan(o).any()]
    assert sum(alike) >= 53, sum(alike)


def test_a_digit_on_squared_paper_found_as_a_speck_is_read_whole_without_the_grid(digits):
    # Where no digit is found at the working size, the heaviest speck is read again
    # finer with a margin of its own size round it. On squared paper that speck may be
    # a part of the digit (a stroke darkened where it crosses a line): the digit runs
    # out of that part, and the grid's lines round it were kept as ink -- the crop
    # then took them in and shrank the digit. A part three times as wide is read then,
    # once: the digit lies inside it, and is read without the lines (the suite's
    # squared_paper, 200 photos at each of seeds 0-3: 5 outputs change, 3 more digits
    # right with the benchmark's classic CNN, 1 with the shipped model, none fewer;
    # of these 20, none was read whole before, 19 now).
    from skdigits import DigitImagePreprocessor
    from skdigits._decoding import decoded_array
    from skdigits.preprocessing import _pipeline
    from skdigits.preprocessing._reread import reread_small

    settings = DigitImagePreprocessor().fit(np.zeros((1, 28, 28)))._settings()
    spacing, size, side = 24, 60, 480
    yy, xx = np.mgrid[0:side, 0:side]
    grid = ((yy % spacing) == 0) | ((xx % spacing) == 0)
    read = 0
    for k, d in enumerate(digits[0][:20]):
        page = np.where(grid, 0.6, 0.92)
        rows, cols = np.nonzero(d > 0)
        crop = d[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(float)
        f = size / max(crop.shape)
        g = np.clip(ndimage.zoom(crop / 255, f, order=1), 0, 1)
        top, left = 100 + 7 * k, 130 + 5 * k
        page[top : top + g.shape[0], left : left + g.shape[1]] *= 1 - 0.8 * g
        dec = decoded_array(page.astype(np.float32), False, _pipeline.WORK_SIZE)
        scale = side / dec.image.shape[0]
        # The speck found at the working size: 3x3 px on the stroke nearest the
        # digit's centre of mass.
        cy, cx = ndimage.center_of_mass(g)
        sy, sx = np.nonzero(g > 0.5)
        j = np.argmin(np.hypot(sy - cy, sx - cx))
        r, c = int((top + sy[j]) / scale), int((left + sx[j]) / scale)
        speck = np.zeros(dec.image.shape, np.float32)
        speck[r - 1 : r + 2, c - 1 : c + 2] = 1
        y = reread_small(dec, speck, False, settings, None)
        assert y is not None
        rows, cols = np.nonzero(y > 0)
        # (within the part, clear of its edges: no line runs out of it)
        inside = rows.min() > 0 and cols.min() > 0 and rows.max() < y.shape[0] - 1 and (
            cols.max() < y.shape[1] - 1)
        read += bool(inside and max(np.ptp(rows), np.ptp(cols)) + 1 >= 0.8 * size)
    assert read >= 18, read


def _scans_read_small_and_enlarged(digit_pipeline, seed, sides, resample, dark):
    """100 of scikit-learn's 8x8 scans (drawn with ``seed``) read as they are and
    enlarged by ``resample`` to ``sides`` in turn, dark on light or light on dark: the
    enlarged images' blank rows, and how many of each the test model reads right."""
    from PIL import Image
    from sklearn.datasets import load_digits

    from skdigits import DigitImagePreprocessor

    bunch = load_digits()
    idx = np.random.default_rng(seed).choice(len(bunch.images), 100, replace=False)
    scans, labels = bunch.images[idx] / 16.0, bunch.target[idx]
    method = getattr(Image.Resampling, resample)
    enlarged = []
    for k, a in enumerate(scans):
        side = sides[k % len(sides)]
        big = np.clip(np.asarray(Image.fromarray(a.astype(np.float32), "F").resize(
            (side, side), method)), 0, 1)
        enlarged.append((255 * (1 - big if dark else big)).round().astype(np.uint8))
    pre = DigitImagePreprocessor(on_blank="nan").fit(scans[:1])
    clf = digit_pipeline[-1]
    small, big = pre.transform(list(scans)), pre.transform(enlarged)
    blank = np.flatnonzero(np.isnan(big).any(axis=1))
    return (blank, int((clf.predict(small) == labels).sum()),
            int((clf.predict(big) == labels).sum()))


@pytest.mark.parametrize("resample", ["BILINEAR", "BICUBIC", "LANCZOS"])
def test_a_low_resolution_scan_enlarged_smoothly_reads_as_the_scan(digit_pipeline, resample):
    # scikit-learn's real 8x8 scans, enlarged smoothly to 48-128 px (dark on light, as
    # a user who scaled them up for a viewer has them): read as well as the 8x8 scans
    # themselves, none blank. Before the enlargement was recognised, such images went
    # through the photo path, which cut their soft strokes into pieces: the shipped
    # model read 74-86 % of them at 100-128 px (3-12 % blank), 96 % of the 8x8 scans;
    # of these 100: 85-92 (one blank) against 95 of the scans (now 95-96), and with the
    # benchmark's classic CNN 80-89 against 93 (now 92-93).
    blank, right_small, right_big = _scans_read_small_and_enlarged(
        digit_pipeline, 1, (48, 64, 100, 128), resample, dark=True)
    assert not blank.size, blank
    assert right_big >= right_small - 3, (right_big, right_small)


def test_a_low_resolution_scan_enlarged_light_on_dark_is_no_sheet(digit_pipeline):
    # scikit-learn's 8x8 scans enlarged bilinear to 40-56 px, light on dark: read as well
    # as the scans themselves. A bold, blurred ring had its dark inside read as a sheet
    # of paper on a table (the photo step), and the digit on it was the ring's inner
    # edge: 80 of these 100 right against 87 of the 8x8 scans, now 87.
    blank, right_small, right_big = _scans_read_small_and_enlarged(
        digit_pipeline, 2, (40, 48, 56), "BILINEAR", dark=False)
    assert not blank.size, blank
    assert right_big >= right_small - 2, (right_big, right_small)


@NON_DIGIT_GROUP
@pytest.mark.parametrize("name", _known(NON_DIGIT_KINDS))
def test_non_digits_are_declared_blank(run, name):
    _, per, batch, _ = run(name)
    assert (per < 0).mean() >= 0.99, f"{name}: {(per >= 0).sum()} of {len(per)} read as digits"
    assert (batch < 0).mean() >= 0.99, f"{name}, as arrays: {(batch >= 0).sum()} read as digits"


@DIGIT_GROUP
@pytest.mark.parametrize("name", list(DIGIT_VARIANTS))
def test_batch_and_single_images_give_the_same_digits(run, name):
    _, per, batch, _ = run(name)
    differ = np.flatnonzero(per[:len(batch)] != batch)
    assert differ.size == 0, (
        f"{name}: {differ.size} of {len(batch)} images get another digit (or blank) as one "
        f"array than one by one, e.g. images {differ[:5].tolist()}")


def test_the_suite_is_seeded_and_renders_what_it_claims(digits):
    """The generators themselves: same seed, same images; each kind as described."""
    d, y = digits[0][:8], digits[1][:8]
    for name in ["impulse_noise", "stripes", "canvas_thin_pen", "transparent_28", "lowres_12",
                 "paper_jpeg", "sklearn_digits"]:
        a, _, _ = R.render(name, d, y, seed=0)
        b, _, _ = R.render(name, d, y, seed=0)
        c, _, _ = R.render(name, d, y, seed=1)
        assert all(np.array_equal(np.asarray(p), np.asarray(q)) for p, q in zip(a, b)), name
        assert not all(np.array_equal(np.asarray(p), np.asarray(q)) for p, q in zip(a, c)), name
    # Low resolution: the digit touches the border of its frame.
    for name, side in [("lowres_8", 8), ("lowres_12", 12), ("lowres_16", 16)]:
        for im in R.render(name, d, y)[0]:
            ink = np.asarray(im) > 0
            assert im.shape == (side, side)
            assert ink[[0, -1]].any() or ink[:, [0, -1]].any(), name
    # Tiny digits: the ink spans 1-3 % of the canvas' long side (40 px on 2000).
    for name in ["tiny_2000", "tiny_2400"]:
        for im in R.render(name, d[:3], y[:3])[0]:
            rows, cols = np.nonzero(np.asarray(im) < 128)
            extent = max(np.ptp(rows), np.ptp(cols)) + 1
            assert 0.008 <= extent / max(im.shape) <= 0.031, (name, extent, im.shape)
    # Transparent backgrounds: alpha 0 around the digit, whatever the colour beneath.
    for im in R.render("transparent_canvas", d, y)[0]:
        alpha = np.asarray(im)[..., 3]
        assert im.mode == "RGBA" and alpha[0].max() == 0 and alpha.max() == 255
    # Scattered dots: 100-200 isolated single black pixels on white, no stroke.
    for im in R.render("scattered_dots", d, None)[0]:
        labels, n = ndimage.label(np.asarray(im) < 128)
        assert 90 <= n <= 200 and np.bincount(labels.ravel())[1:].max() <= 4


def test_a_flat_0_is_no_dash(mnist):
    # A 0 squashed flat -- MNIST's test digit 1191, at 0.7 of its size (MNIST-C's
    # scale) -- is as long and straight as a dash by its solid ink, and lies level:
    # it was declared blank as "a dash or a rule". A dash encloses nothing; a loop
    # is a digit's.
    from scipy import ndimage

    from skdigits import DigitImagePreprocessor

    x = mnist[1][0][1191] / 255.0
    small = ndimage.affine_transform(x, np.eye(2) / 0.7, offset=13.5 - 13.5 / 0.7, order=1)
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(small[None].astype(np.float32))
    assert not np.isnan(out).any()


def test_a_small_bold_digit_on_a_huge_dark_canvas_is_read_finer(mnist):
    # MNIST's test digit 4418 (a 2) at 30 px, light on a 1200 px black canvas: reduced
    # 5 times while decoding it is a bold speck, broad for its few pixels -- which
    # looked like a lamp's glare taken for light ink, so the canvas was read the
    # other way, and what that left at the part's edge was declared a dash. A
    # speck small enough to be read again finer is read again finer first.
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    x = np.asarray(Image.fromarray(mnist[1][0][4418]).resize((30, 30), Image.Resampling.LANCZOS))
    canvas = np.zeros((1200, 1200), np.uint8)
    canvas[545:575, 1044:1074] = x
    out = DigitImagePreprocessor(on_blank="nan").fit_transform([canvas])
    assert not np.isnan(out).any()


@pytest.mark.parametrize("kind", ["dark frame on white", "light frame on black", "28x28"])
def test_a_frame_line_round_the_image_is_no_background(mnist, digit_pipeline, kind):
    # A line round the whole image -- a canvas's border in a screenshot, a box
    # scanned with the digit -- fills the border that the polarity is read from.
    # Its class was taken for the background's: a white canvas inside a dark frame
    # was read as light ink on the frame's level, its paper cut into blocks (6 of
    # 100 MNIST test digits at 280 px wrong with the benchmark's classic CNN, 94 %);
    # a black one inside a light frame was 58 % right (5 blank), a 28x28 frame inside
    # a 1 px white line 95 % (100 % without the line; this test's model read those
    # the same before too). The ring just inside the frame decides now: the same
    # digits as without the frame.
    from PIL import Image

    rng = np.random.default_rng(5)
    plain, framed = [], []
    for x in mnist[1][0][:60]:
        if kind == "28x28":
            img = x.copy()
            width, level = 1, 255
        else:
            img = np.asarray(Image.fromarray(x).resize((280, 280), Image.Resampling.BILINEAR))
            width = int(rng.integers(1, 6))
            if kind == "dark frame on white":
                img, level = 255 - img, int(rng.integers(0, 150))
            else:
                level = int(rng.integers(100, 256))
        plain.append(img)
        img = img.copy()
        img[:width], img[-width:], img[:, :width], img[:, -width:] = level, level, level, level
        framed.append(img)
    from sklearn.base import clone

    pre, clf = clone(digit_pipeline[0]).set_params(on_blank="nan"), digit_pipeline[-1]
    a, b = pre.fit_transform(plain), pre.fit_transform(framed)
    assert not np.isnan(b).any()
    same = clf.predict(a) == clf.predict(b)
    assert same.sum() >= 59, np.flatnonzero(~same)


def _pages(digits, side, size, seed, draw):
    """``(plain, marked)``: each MNIST digit of ``digits``, ``size`` px and dark, at the
    centre of a white page of ``side`` px, as it is and with ``draw(ImageDraw, rng)``
    drawn over it."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    plain, marked = [], []
    for x in digits:
        page = np.full((side, side), 255, np.uint8)
        at = (side - size) // 2
        page[at:at + size, at:at + size] = 255 - np.asarray(
            Image.fromarray(x).resize((size, size), Image.Resampling.BILINEAR))
        plain.append(page)
        im = Image.fromarray(page)
        draw(ImageDraw.Draw(im), rng)
        marked.append(np.asarray(im))
    return plain, marked


def test_a_loop_drawn_round_the_digit_is_left_out(mnist, digit_pipeline):
    # A digit circled on a sheet (a 2-6 px ring or oval round it, not touching it):
    # the crop took the ring in and the digit shrank inside what read as a 0 (7 of
    # 100 MNIST test digits right with the benchmark's classic CNN; 98 now). No digit
    # holds a separate piece of ink of a stroke's size inside one of its loops.
    from sklearn.base import clone

    def circle(draw, rng):
        radius, squash = rng.uniform(100, 140), rng.uniform(0.9, 1.1)
        cx, cy = 150 + rng.normal(0, 5, 2)
        draw.ellipse([cx - radius, cy - radius * squash, cx + radius, cy + radius * squash],
                     outline=int(rng.integers(0, 80)), width=int(rng.integers(2, 7)))

    plain, circled = _pages(mnist[1][0][:40], 300, 170, 3, circle)
    pre, clf = clone(digit_pipeline[0]).set_params(on_blank="nan"), digit_pipeline[-1]
    a, b = pre.fit_transform(plain), pre.fit_transform(circled)
    assert not np.isnan(b).any()
    same = clf.predict(a) == clf.predict(b)
    assert same.sum() >= 38, np.flatnonzero(~same)


@pytest.mark.parametrize("light_on_dark", [False, True])
def test_salt_and_pepper_on_a_large_image_is_no_clipped_noise(mnist, light_on_dark):
    # Salt-and-pepper noise (10-20 % of the pixels) over a digit at 280 px, averaged
    # in 3x3 blocks while decoding: the blocks that no impulse of the ink's polarity
    # reached sit at the paper's level exactly, the others a ninth of an impulse or
    # more away. That looked like Gaussian noise clipped at the paper's level, strong
    # enough to drown the ink: 30 of 60 MNIST test digits were declared blank at 10 %,
    # 55 at 20 %. No real digit is blank now.
    from PIL import Image

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(1)
    images = []
    for k, x in enumerate(mnist[1][0][:40]):
        a = np.asarray(Image.fromarray(x).resize((280, 280), Image.Resampling.BILINEAR))
        a = a if light_on_dark else 255 - a
        hit = rng.random(a.shape)
        p = 0.1 if k % 2 else 0.2
        a = np.where(hit < p / 2, 0, np.where(hit > 1 - p / 2, 255, a)).astype(np.uint8)
        images.append(a)
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    assert not np.isnan(out).any(axis=1).any()


def test_a_bold_line_across_the_page_leaves_the_digit_its_size(mnist):
    # A bold line (10-25 px) drawn across a 280 px page from side to side, through a
    # 200 px digit: the crop took the line in, the digit's box grew to the page's
    # width and the digit shrank to 14 px of MNIST's 20 (50 of 100 MNIST test digits
    # right with the benchmark's classic CNN, 94 on the page as it came, box-averaged
    # to 28 px). The line's tails beyond the digit -- a column of ink holding one short
    # run or none -- are cropped away: the digit is sized as it is without the line
    # (73 of those 100 right), here 32 of 40 within 2 px of its height without the
    # line (4 before).
    from skdigits import DigitImagePreprocessor

    def line(draw, rng):
        y0, y1 = rng.uniform(90, 190, 2)
        draw.line([(-5, y0), (285, y1)], fill=int(rng.integers(0, 60)),
                  width=int(rng.integers(10, 26)))

    plain, lined = _pages(mnist[1][0][:40], 280, 200, 2, line)
    pre = DigitImagePreprocessor(on_blank="nan").fit(np.zeros((1, 28, 28)))

    def height(out):
        rows = np.flatnonzero((out.reshape(28, 28) > 0.2).any(axis=1))
        return rows[-1] + 1 - rows[0]

    a = [height(o) for o in pre.transform(plain)]
    b = [height(o) for o in pre.transform(lined)]
    assert np.sum(np.abs(np.subtract(a, b)) <= 2) >= 30, (a, b)


def test_a_small_digit_on_a_photographed_page_is_no_step_in_the_lighting(mnist):
    # Photos of a gray page (300-700 px, smooth light, blurred, JPEG) with a digit a
    # quarter to 60 % of the page wide: 2 of 100 were declared blank as "a step in
    # the lighting". Read again against a background at a stroke's scale, the digit
    # was too few of that reading's candidate pixels to set their level (contrast
    # 0.025), and so "too faint"; its own strokes stand 0.35-0.49 above that
    # background. A first reading that stands min_contrast above it is kept.
    import io

    from PIL import Image, ImageFilter

    from skdigits import DigitImagePreprocessor

    rng = np.random.default_rng(12)
    X, _ = mnist[1]
    r = np.random.default_rng(5)
    images = []
    for i in rng.choice(len(X), 100, replace=False):
        side = int(r.integers(300, 700))
        size = int(side * r.uniform(0.25, 0.6))
        page = np.full((side, side), r.uniform(0.55, 0.9))
        page += ndimage.gaussian_filter(r.normal(0, 1, (side, side)), side / 6) * 8
        ink = np.asarray(Image.fromarray(X[i]).resize((size, size), Image.Resampling.BILINEAR))
        top, left = r.integers(0, side - size, 2)
        page[top:top + size, left:left + size] *= 1 - 0.8 * ink / 255
        page += r.normal(0, 0.03, page.shape)
        im = Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8))
        im = im.filter(ImageFilter.GaussianBlur(r.uniform(0.5, 2)))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=int(r.integers(30, 90)))
        buf.seek(0)
        images.append(Image.open(buf))
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    assert not np.isnan(out).any(axis=1).any()


def test_light_strokes_on_gray_paper_are_not_the_paper_between_them(mnist, digit_pipeline):
    # Light ink on gray paper (contrast 0.12-0.35, noise, a lighting gradient):
    # read again against a background at a stroke's scale, closed as for dark ink,
    # the paper inside loops and narrow gaps took the strokes' light and read as
    # thin dark "strokes", which replaced the digit (90-91 of 100 MNIST test digits
    # right with the benchmark's classic CNN, 98-100 now). Sharp light strokes that
    # their own reading finds again are the ink.
    from PIL import Image
    from sklearn.base import clone

    rng = np.random.default_rng(4)
    pages, flat = [], []
    for x in mnist[1][0][:40]:
        side, size = 300, int(rng.integers(120, 220))
        ink = np.zeros((side, side))
        top, left = rng.integers(0, side - size, 2)
        ink[top:top + size, left:left + size] = np.asarray(
            Image.fromarray(x).resize((size, size), Image.Resampling.BILINEAR)) / 255
        yy, xx = np.mgrid[0:side, 0:side] / side
        turn = rng.uniform(0, 2 * np.pi)
        paper = rng.uniform(0.3, 0.5) + rng.uniform(0, 0.3) * (
            np.cos(turn) * xx + np.sin(turn) * yy)
        contrast = rng.uniform(0.12, 0.35)
        page = paper + contrast * ink + rng.normal(0, 0.02, ink.shape)
        pages.append((np.clip(page, 0, 1) * 255).astype(np.uint8))
        flat.append((np.clip(0.4 + contrast * ink, 0, 1) * 255).astype(np.uint8))
    pre, clf = clone(digit_pipeline[0]).set_params(on_blank="nan"), digit_pipeline[-1]
    a, b = pre.fit_transform(flat), pre.fit_transform(pages)
    assert not np.isnan(b).any()
    same = clf.predict(a) == clf.predict(b)
    assert same.sum() >= 38, np.flatnonzero(~same)


def test_an_empty_sheet_photographed_on_a_table_is_blank():
    # A photo of an empty sheet on a darker table: the sheet reads as light "ink", a
    # broad surface, and read again at a stroke's scale -- set by its own width --
    # it came back the same, so it stood, and was read as a 1 or a dash (3 of 100
    # such photos; none now). A convex region without holes is a surface still.
    import io

    from PIL import Image

    from skdigits import DigitImagePreprocessor

    r = np.random.default_rng(5)
    images = []
    for _ in range(100):
        h, w = (int(v) for v in r.integers(300, 600, 2))
        page = np.full((h, w), r.uniform(0.1, 0.4))
        top, left = int(h * r.uniform(0.1, 0.3)), int(w * r.uniform(0.1, 0.3))
        page[top:h - top, left:w - left] = r.uniform(0.75, 0.95)
        page = ndimage.gaussian_filter(page, 1) + r.normal(0, 0.015, (h, w))
        buf = io.BytesIO()
        Image.fromarray((np.clip(page, 0, 1) * 255).astype(np.uint8)).save(
            buf, "JPEG", quality=int(r.integers(60, 92)))
        images.append(Image.open(buf))
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    assert np.isnan(out).any(axis=1).all(), np.flatnonzero(~np.isnan(out).any(axis=1))


def test_the_table_round_an_empty_sheet_at_an_angle_is_no_digit(suite, digits):
    # An empty sheet photographed at an angle on a table (in perspective, JPEG): the
    # sheet reads as light "ink", a broad region and no stroke, and read the other way
    # the table showing round it -- wedges along the image's edges, off the sheet's
    # outline -- passed for dark strokes (41 of these 100 read as a digit before
    # session 42, 13 before session 44). The sheet read again at a stroke's scale is
    # a region still when four-sided (not only a rectangle), the table round such a
    # region is no reading of it, and the table showing round a sheet that fills the
    # view is no ink: 1 of these 100 now (seeds 0-2 of the benchmark, 200 each: 57 /
    # 64 / 63 before session 42, 12 / 17 / 15 before session 44, 1 / 2 / 1 now).
    from skdigits import DigitImagePreprocessor

    images, _, _ = suite.render("sheet_empty", digits[0][:100], None, seed=3)
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    read = np.flatnonzero(~np.isnan(out).any(axis=1))
    assert read.size <= 2, read


def test_the_table_round_a_sheet_filling_the_view_is_no_part_of_the_digit(suite):
    # A digit near the edge of a sheet that fills the view, the dark table (or a
    # scanner's margin) showing beyond it and joined to the digit by faint ink: one
    # piece of ink, mostly off the sheet's outline, was read whole (the digit beside a
    # bar). The ink is now what lies on the sheet: these three of the benchmark's
    # scans, misread before, correlate 0.96 / 0.86 / 0.98 with their MNIST frames
    # (0.34 / -0.05 / 0.04 before).
    blank, alike, corr = _picked_alike(suite, "scan_margins", 0, 200, [11, 116, 193])
    assert blank == 0 and alike == 3, corr


def test_a_band_of_light_read_again_at_a_strokes_scale_is_still_a_band(suite):
    # A band of light across an empty page, read again at a stroke's scale, may lose
    # its ends where it leaves the page (near a corner, the stroke-scale background
    # rises with the band itself): a bar inside the page was no band from edge to
    # edge, and passed for a 1. The part of the band found again is judged as the
    # band it was read from: these four pages of the benchmark (seed 0: 64, 73; seed
    # 5: 127, 128) read as a digit before and are blank now (of the 400 at seeds 0 and
    # 5, 5 read as a digit, 9 before; seeds 1-4, 200 each: 1 / 1 / 2 / 2 -> 0 / 0 / 1 / 1).
    from skdigits import DigitImagePreprocessor

    X, _ = suite.sample_digits(200, seed=0)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    pages = suite.render("bands_empty", X[:74], None, seed=0)[0][64:74:9]  # 64, 73
    pages += suite.render("bands_empty", X[:129], None, seed=5)[0][127:129]
    assert np.isnan(pre.transform(pages)).any(axis=1).all()


def test_a_strip_of_ruled_or_squared_paper_is_no_sheet_on_a_table(suite):
    # Reduced while decoding, the lines of squared or ruled paper grow thick: the
    # largest light region may be one strip of cells between two lines, a rectangle
    # with "surface" along the image's border -- taken for a small sheet on a table,
    # and the lines across it read as a digit. The paper round that strip is mostly
    # light (0.5-0.72 of it darker than Otsu's threshold), a table all dark: these
    # three pages of the benchmark (squared paper 41, notebook pages 109 and 148 at
    # seed 0) read as a digit before and are blank now.
    from skdigits import DigitImagePreprocessor

    X, _ = suite.sample_digits(200, seed=0)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    pages = [suite.render("squared_empty", X[:42], None, seed=0)[0][41]]
    notebook = suite.render("notebook_empty", X[:149], None, seed=0)[0]
    pages += [notebook[109], notebook[148]]
    assert np.isnan(pre.transform(pages)).any(axis=1).all()


def test_one_dot_tapped_on_a_canvas_is_blank():
    # One round dot (6-18 px across) on a 280 px canvas: reduced while decoding it
    # passed for a stroke, and read again finer it was a dot -- but the coarse
    # reading stood (5 of 100 read as a digit; none now). A digit found that read
    # finer holds ink but no stroke, or no legible digit, is a dot.
    from skdigits import DigitImagePreprocessor

    r = np.random.default_rng(5)
    yy, xx = np.mgrid[0:280, 0:280]
    images = []
    for _ in range(100):
        cy, cx = r.integers(20, 260, 2)
        dot = (yy - cy) ** 2 + (xx - cx) ** 2 <= r.uniform(3, 9) ** 2
        images.append(np.where(dot, 0, 255).astype(np.uint8))
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    assert np.isnan(out).any(axis=1).all(), np.flatnonzero(~np.isnan(out).any(axis=1))


def test_a_printed_box_cut_by_the_image_edge_is_no_digit():
    # An empty box of a form (1-3 px lines) cut by one or two edges of the image:
    # with a side missing it was no box, and read as a digit. The image's edge is its
    # side there.
    from PIL import Image, ImageDraw

    from skdigits import DigitImagePreprocessor

    r = np.random.default_rng(3)
    images = []
    for _ in range(60):
        im = Image.new("L", (300, 300), int(r.integers(220, 256)))
        w, h = (int(v) for v in r.integers(80, 200, 2))
        left = -int(r.integers(5, 40)) if r.random() < 0.5 else 300 - w + int(r.integers(5, 40))
        top = -int(r.integers(5, 40)) if r.random() < 0.5 else int(r.integers(10, 300 - h))
        ImageDraw.Draw(im).rectangle([left, top, left + w, top + h], outline=int(r.integers(0, 90)),
                                     width=int(r.integers(1, 4)))
        page = np.asarray(im, float) + r.normal(0, 3, (300, 300))
        images.append(np.clip(page, 0, 255).astype(np.uint8))
    out = DigitImagePreprocessor(on_blank="nan").fit_transform(images)
    blank = np.isnan(out).any(axis=1)
    assert blank.mean() >= 0.98, np.flatnonzero(~blank)



def test_bold_marker_digits_on_photos_are_never_blank(mnist):
    # Digits in a bold marker (strokes 12-20 % of the digit) photographed on paper:
    # a small bold 6 whose loop had closed up was one broad convex region, which the
    # rule for empty sheets took for a sheet read again as itself. An empty sheet is
    # a rectangle; a digit's blob is round.
    import io

    from PIL import Image

    from skdigits import DigitImagePreprocessor

    r = np.random.default_rng(5)
    X = mnist[1][0]
    images = []
    for i in r.choice(len(X), 150, replace=False):
        side = int(r.integers(300, 600))
        size = int(side * r.uniform(0.15, 0.5))
        big = np.asarray(Image.fromarray(X[i]).resize((size, size), Image.Resampling.BICUBIC)) > 128
        bold = ndimage.binary_dilation(big, iterations=max(1, int(size * r.uniform(0.03, 0.07))))
        page = np.full((side, side), r.uniform(0.8, 0.95))
        top, left = r.integers(0, side - size, 2)
        page[top:top + size, left:left + size] -= r.uniform(0.5, 0.8) * ndimage.gaussian_filter(
            bold.astype(float), 1)
        buf = io.BytesIO()
        Image.fromarray((np.clip(page + r.normal(0, 0.012, page.shape), 0, 1) * 255)
                        .astype(np.uint8)).save(buf, "JPEG", quality=int(r.integers(60, 92)))
        images.append(np.asarray(Image.open(buf)))
    blank = np.isnan(DigitImagePreprocessor(on_blank="nan").fit_transform(images)).any(axis=1)
    # (One 8 of the 150 is bold enough for both its loops to close up: a round blob.)
    assert blank.sum() <= 1, np.flatnonzero(blank)


def test_a_jpeg_file_reads_as_its_pixels(tmp_path, mnist, digit_pipeline):
    # Photos saved as JPEG files are decoded at a reduced scale (the decoder's 1/2-1/8)
    # and reduced further to the working size: a 549 px photo was read at 69 px, not
    # 110 (the remaining factor rounded up), and the reduced background, quantized
    # flat but for JPEG's ringing, had no spread, so its ink read "too faint".
    from PIL import Image
    from sklearn.base import clone

    r = np.random.default_rng(7)
    X = mnist[1][0]
    paths, arrays = [], []
    for k, i in enumerate(r.choice(len(X), 40, replace=False)):
        side = int(r.integers(400, 700))
        size = int(side * r.uniform(0.3, 0.6))
        page = np.full((side, side), r.uniform(0.75, 0.95))
        yy, xx = np.mgrid[0:side, 0:side]
        glare = r.uniform(0.2, 0.5) * np.exp(-((yy - side / 2) ** 2 + (xx - side / 2) ** 2)
                                              / (2 * (side * r.uniform(0.05, 0.2)) ** 2))
        top, left = r.integers(0, side - size, 2)
        page[top:top + size, left:left + size] -= 0.7 * np.asarray(
            Image.fromarray(X[i]).resize((size, size), Image.Resampling.BILINEAR)) / 255
        page = np.clip(page + glare + r.normal(0, 0.012, page.shape), 0, 1)
        path = tmp_path / f"{k}.jpg"
        Image.fromarray((page * 255).astype(np.uint8)).save(path, quality=int(r.integers(60, 92)))
        paths.append(str(path))
        arrays.append(np.asarray(Image.open(path)))
    pre, clf = clone(digit_pipeline[0]).set_params(on_blank="nan"), digit_pipeline[-1]
    a, b = pre.fit_transform(arrays), pre.fit_transform(paths)
    assert not np.isnan(b).any()
    same = clf.predict(a) == clf.predict(b)
    assert same.sum() >= 38, np.flatnonzero(~same)



def test_a_sheet_photographed_at_an_angle_is_read_on_the_sheet(suite, digits):
    # A sheet on a table photographed at an angle is a four-sided region, no rectangle:
    # read first as light "ink" with the digit as its holes (no broad region then: the
    # digit cuts it), it was looked for only as a rectangle, and the sheet itself went
    # into the digit box. A sheet wholly in view is now looked for as any four-sided
    # region (the largest quadrilateral within its convex hull covers >= 90 % of it).
    # Output against the MNIST frame: correlation < 0.5 for 4 of these 100, 7 before
    # (seed 4: 1 and 2; seeds 1-3 of the benchmark, 200 each: 7 / 5 / 5, 12 / 10 / 13
    # before).
    from skdigits import DigitImagePreprocessor

    images, _, _ = suite.render("sheet_photo", digits[0][:100], digits[1][:100], seed=3)
    pre = DigitImagePreprocessor(on_blank="nan").fit(digits[0][:1])
    blank, _, corr = _alike(pre.transform(list(images)), pre.transform(digits[0][:100]))
    assert blank + np.sum(corr < 0.5) <= 4, (blank, corr)


def test_a_chalk_one_on_a_blackboard_is_its_light_stroke(suite, mnist):
    # A 1 chalked on a blackboard: light ink on a dark board. Read again at a stroke's
    # scale, the dark reading finds the board's grain round it; the light stroke stands
    # when its strokes are found again and it fills little of its box (a light region
    # round dark strokes -- a sticky note -- does not). A 1 fills its box (0.67-0.82):
    # one straight stroke now stands whatever it fills. Output against the 1's MNIST
    # frame: correlation >= 0.8 for 36 of these 40, 31 before (seeds 0, 2, 3: 37, 35,
    # 34; 35, 32, 31 before).
    from skdigits import DigitImagePreprocessor

    (_, _), (X, y) = mnist
    ones = X[y == 1][:40]
    images, _, _ = suite.render("blackboard_photo", ones, np.ones(40, int), seed=1)
    pre = DigitImagePreprocessor(on_blank="nan").fit(ones[:1])
    _, alike, corr = _alike(pre.transform(list(images)), pre.transform(ones))
    assert alike >= 35, corr


def test_chalk_on_a_lit_board_is_read_as_chalk(suite):
    # Chalk on a board lit at 0.3 and more: sharp light strokes on what reads as a lit
    # page. Read again at a stroke's scale, the dark reading is the board round the
    # strokes as well as between them, so less than 3/4 of it lies in their gaps, and
    # it replaced the chalk: blobs of board. It lies at the board's own level (from
    # 0.09 under its median to 0.01 above; a dark digit under a band of light or beside
    # a shadow's edge lies 0.27 and more under it), so the chalk stands. Output against
    # the digit's MNIST frame: blank or correlation < 0.5 for 1 of these 200, 8 before
    # (seeds 2-4: 4 / 2 / 4, 7 / 4 / 6 before).
    from skdigits import DigitImagePreprocessor

    X, y = suite.sample_digits(500, seed=1)
    images, _, _ = suite.render("blackboard_photo", X[:200], y[:200], seed=1)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    blank, _, corr = _alike(pre.transform(list(images)), pre.transform(X[:200]))
    assert blank + np.sum(corr < 0.5) <= 3, (blank, corr)


def test_a_bold_light_digit_cropped_to_its_ink_is_its_strokes(suite):
    # A bold light digit cropped to its ink fills more than half its box, as a light
    # region round dark strokes (a sticky note cut by its digit) does: its strokes did
    # not stand, and the dark ground between them, read at a stroke's scale, replaced
    # them. Ink that fills its frame is no region on a page. Output against the MNIST
    # frame: correlation < 0.6 for 4 of these 250, 7 before (seed 2: 6, as before; the
    # benchmark's 500 at seeds 1-3: classic CNN 95.8 / 95.2 / 95.8 -> 96.4 / 96.6 /
    # 96.8 %).
    from skdigits import DigitImagePreprocessor

    X, y = suite.sample_digits(500, seed=0)
    images, _, _ = suite.render("cropped_to_ink", X[250:], y[250:], seed=3)
    pre = DigitImagePreprocessor(on_blank="nan").fit(X[:1])
    blank, _, corr = _alike(pre.transform(list(images)), pre.transform(X[250:]))
    assert blank + np.sum(corr < 0.6) <= 4, (blank, corr)


def test_a_bold_digit_filling_its_frame_to_the_edges_is_a_digit(suite):
    # A bold 1 cropped to its ink and enlarged fills most of its frame, its paper a
    # few pixels along the edges and its edges smooth: those edges spread the paper's
    # gray levels up to the ink's (0.14-0.34 against the pixels' own noise of
    # 0.001-0.08), and nothing stood four such spreads above the paper -- "no ink,
    # only noise". Ink that strong (half the gray range above the paper, which light
    # and shade on the suite's pages never reach) need only stand clear of the noise:
    # these three of the benchmark's images (seed 0), blank before, read as the MNIST
    # frames they came from (at seeds 1-3, 500 each: blank 6 / 3 / 2 -> 2 / 1 / 0).
    blank, alike, corr = _picked_alike(suite, "cropped_to_ink", 0, 209, [35, 205, 208])
    assert blank == 0 and alike == 3, corr


def test_a_reading_without_strokes_does_not_replace_the_digit(suite):
    # A bold light 3 cropped to its ink touches the image's edges with every stroke;
    # read at a stroke's scale in dark ink, the ground between its strokes comes out
    # as two broad patches -- a round blob, no stroke -- and replaced the 3, which was
    # then declared blank ("a round blob"). A reading that holds no stroke replaces
    # nothing: this image of the benchmark (seed 1) reads as its MNIST frame; no
    # output of the benchmark's 44,280 images at seed 0 changed.
    blank, alike, corr = _picked_alike(suite, "cropped_to_ink", 1, 269, [268])
    assert blank == 0 and alike == 1, corr
