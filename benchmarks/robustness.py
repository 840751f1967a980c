"""The robustness suite: MNIST test digits rendered the ways real images come, and non-digits.

Deterministic and seeded; pure NumPy/SciPy/Pillow (nothing of skdigits but the public
``load_mnist`` and the estimators handed to :func:`evaluate`). Each generator is a
function ``(digits, rng) -> images``: ``digits`` is an ``(n, 28, 28)`` uint8 array of
MNIST digits (light ink on dark), ``rng`` a ``numpy.random.Generator``; ``images`` is a
list (or array) of ``n`` images -- NumPy arrays of any size and dtype (uint8 0..255, or
floats in [0, 1]) or PIL images where the mode matters (RGBA, decoded JPEG).

- ``VARIANTS``: name -> :class:`Variant` for the digit variants (labels kept);
- ``NON_DIGITS``: name -> :class:`Variant` for images holding no digit (must be blank);
- :func:`render` ``(name, digits, labels, seed) -> (images, labels, baseline)``: the
  images of one variant; ``baseline`` is the ``(n, 28, 28)`` uint8 array the classifier
  alone is scored on ("the raw 28x28 digit"), or None where no such image exists;
- :func:`evaluate` scores a preprocessor + classifier on every variant (or on
  ``variants=[...]``) and :func:`print_table` prints its result;
- :func:`sample_digits` draws the MNIST test digits; :func:`plain_normalise` is a plain
  28x28 normalisation used as a yardstick (not a floor).

The baseline rule: a variant that corrupts the 28x28 digit in MNIST polarity is its own
baseline. A variant rendered at another size, polarity, colour mode or with transparency
names the 28x28 MNIST-polarity variant carrying the same kind of corruption
(``Variant.baseline``), rendered from the same random stream: the inverted variants
carry exactly the same corruption, the re-drawn pens and the photographed sheet the
same kind. Renderings that add no corruption (a clean digit on a large canvas, inverted,
transparent) have the clean digit as baseline; the low-resolution variants have none
(their corruption *is* the size; there is no 28x28 counterpart).

Usage, with the skdigits of another checkout (``robustness`` imports nothing from the
suite's own checkout but this folder)::

    PYTHONPATH=/work/wt-prep:/work/wt-suite/benchmarks python -c "
    import joblib, robustness
    from skdigits import DigitImagePreprocessor
    clf = joblib.load('/work/cache/classic3.joblib')   # a fitted classifier or pipeline
    res = robustness.evaluate(DigitImagePreprocessor(), clf, n=200, seed=0,
                              variants=['stripes', 'fog', 'scattered_dots'])
    robustness.print_table(res)"

    digits, labels = robustness.sample_digits(100, seed=0)
    images, labels, baseline = robustness.render("stripes", digits, labels, seed=0)
    sorted(robustness.ALL)           # every name: VARIANTS, then NON_DIGITS

``benchmarks/bench_robustness.py`` runs the full benchmark; ``tests/test_robustness.py``
holds the floors on a fixed subset.
"""

from __future__ import annotations

import functools
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image
from scipy import ndimage

import _corruptions as C
import _scenes as S
import _sheets as P
import _draw as D
import _lines as L
from _draw import plain_normalise

__all__ = ["NON_DIGITS", "VARIANTS", "Variant", "evaluate", "plain_normalise", "print_table",
           "render", "sample_digits"]

FLOOR_POINTS = 0.5        # pipeline >= classifier alone - 0.5 points
MAX_BLANK_DIGITS = 0.002  # real digits declared blank <= 0.2 %
MIN_BLANK_NON_DIGITS = 0.99


@dataclass(frozen=True)
class Variant:
    """One kind of image: its generator, what it shows, and its baseline.

    ``baseline``: ``"self"`` (the images are 28x28 MNIST-polarity uint8), the name of the
    28x28 variant carrying the same corruption, or None. ``max_n`` caps the number of
    images (large canvases). ``real``: the images come from a real collection
    (``make`` ignores the MNIST digits and :func:`render` returns its own labels).
    """

    make: Callable
    description: str
    baseline: str | None = "self"
    max_n: int | None = None
    real: bool = False


def _each(fn):
    """A generator applying ``fn(x_float, rng) -> image`` to every digit."""
    return lambda digits, rng: [fn(D.unit(d), rng) for d in digits]


def _each28(fn):
    """Same, for 28x28 float results: stacked into an (n, 28, 28) uint8 batch."""
    return lambda digits, rng: np.stack([D.u8(fn(D.unit(d), rng)) for d in digits])


# --------------------------------------------------------------------------- #
# Other sizes, polarities, colour modes
# --------------------------------------------------------------------------- #
def _invert(base):
    return lambda digits, rng: 255 - VARIANTS[base].make(digits, rng)


def _canvas(side, long_side, light_on_dark=False, rgb=False, anywhere=False):
    def fn(x, rng):
        h, w = side if isinstance(side, tuple) else (side, side)
        ls = long_side(rng) if callable(long_side) else long_side
        d = D.fit_long_side(x, ls)
        if anywhere:
            top, left = D.anywhere((h, w), d, rng)
        else:
            top = (h - d.shape[0]) // 2 + int(rng.integers(-h // 20, h // 20 + 1))
            left = (w - d.shape[1]) // 2 + int(rng.integers(-w // 20, w // 20 + 1))
        cov = D.paste((h, w), d, top, left)
        if rgb:
            paper = rng.uniform(0.85, 1.0, 3)
            ink = rng.uniform(0, 0.35, 3) * (rng.random(3) < 0.6)
            return D.u8(D.composite(cov, paper, ink))
        return D.u8(cov if light_on_dark else 1 - cov)
    return fn


def _pen_canvas(thin):
    def fn(x, rng):
        pen = rng.choice([1, 2]) if thin else rng.uniform(20, 34)
        cov = D.repen(x, int(rng.integers(180, 221)), pen)
        top, left = (280 - cov.shape[0]) // 2, (280 - cov.shape[1]) // 2
        return D.u8(1 - D.paste((280, 280), cov, top, left))
    return fn


def _transparent(side, long_side):
    def fn(x, rng):
        d = D.fit_long_side(x, long_side) if side != 28 else x
        cov = D.paste((side, side), d, (side - d.shape[0]) // 2, (side - d.shape[1]) // 2)
        under = [lambda: rng.integers(0, 256, (side, side, 3)),       # garbage
                 lambda: np.full((side, side, 3), rng.integers(0, 256, 3)),  # any colour
                 lambda: np.zeros((side, side, 3))][rng.integers(3)]()
        ink = rng.integers(0, 256, 3)
        rgb = np.where(cov[..., None] > 0, ink, under).astype(np.uint8)
        alpha = D.u8(np.where(cov > 0.02, np.maximum(cov, 0.5), 0) if rng.random() < 0.5 else cov)
        return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    return fn


def _tiny(canvas, long_side):
    def fn(x, rng):
        h, w = canvas
        ls = long_side(rng) if callable(long_side) else long_side
        d = D.fit_long_side(x, ls)
        top, left = D.anywhere((h, w), d, rng)
        cov = D.paste((h, w), d, top, left)
        return D.u8(1 - cov)
    return fn


def _cropped_to_ink(x, rng):
    """The digit as its user cropped it: 100-400 px, its ink touching the image's
    edges or within 3 px of them, either polarity."""
    d = np.pad(D.fit_long_side(x, int(rng.integers(100, 401))), int(rng.integers(0, 4)))
    return D.u8(d if rng.random() < 0.5 else 1 - d)


def _small_canvas(x, rng):
    """A small digit (9-14 px) anywhere on a small canvas (64-128 px), either polarity:
    a thumbnail, a cell cut from a scanned sheet. Small enough to be analysed at its
    own resolution (nothing to read again finer), the digit's strokes are 1 px."""
    side = int(rng.integers(64, 129))
    cov = D.fit_anywhere(x, (side, side), int(rng.integers(9, 15)), rng)
    return D.u8(cov if rng.random() < 0.3 else 1 - cov)


def _app_screenshot(x, rng):
    """A drawing app's screenshot: the canvas (250-450 px; a dark digit on white, or a
    light one on a dark canvas, 40-80 % of its short side, anywhere) with a panel
    20-48 px deep along one of its edges -- a toolbar, a status bar, a palette: flat,
    lighter or darker than the canvas, holding 2-6 buttons of any gray and sometimes
    a 1 px line between it and the canvas."""
    h = int(rng.integers(250, 451))
    w = int(h * rng.uniform(0.8, 1.25))
    cov = D.fit_anywhere(x, (h, w), int(min(h, w) * rng.uniform(0.4, 0.8)), rng)
    light = rng.random() < 0.7  # a light canvas
    if light:
        img = 1 - cov
    else:
        ground = rng.uniform(0.08, 0.2)
        img = ground + (1 - ground) * cov
    deep = int(rng.integers(20, 49))
    panel = np.full((deep, max(h, w)), rng.uniform(0.72, 0.93) if light else rng.uniform(0.25, 0.4))
    if rng.random() < 0.25:
        panel[:] = rng.uniform(0.15, 0.35) if light else rng.uniform(0.5, 0.7)
    for _ in range(int(rng.integers(2, 7))):
        bh, bw = int(rng.integers(10, deep - 5)), int(rng.integers(12, 30))
        r0 = int(rng.integers(3, deep - bh - 1))
        c0 = int(rng.integers(4, panel.shape[1] - bw - 4))
        panel[r0:r0 + bh, c0:c0 + bw] = rng.uniform(0.1, 0.9)
    if rng.random() < 0.5:
        panel[-1] = rng.uniform(0.3, 0.6)
    side = int(rng.choice(4, p=[0.5, 0.2, 0.15, 0.15]))  # top, bottom, left, right
    turned = np.rot90(img, side)  # the panel goes on top of the turned canvas
    out = np.vstack([panel[:, :turned.shape[1]], turned])
    return D.u8(np.rot90(out, -side))


_LUMA = np.array([0.299, 0.587, 0.114])


def _colour_canvas(x, rng):
    """A digit in one colour on a canvas of another (RGB 150-400 px, the digit 40-70 %
    of the side, anywhere): any two colours at least 0.5 apart in RGB, half of the
    pairs within 0.1 of each other in luma -- a coloured pen on a coloured canvas."""
    side = int(rng.integers(150, 401))
    cov = D.fit_anywhere(x, (side, side), int(side * rng.uniform(0.4, 0.7)), rng)
    near = rng.random() < 0.5
    while True:
        ink, paper = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
        if np.linalg.norm(ink - paper) > 0.5 and (abs((ink - paper) @ _LUMA) < 0.1 or not near):
            return D.u8(D.composite(cov, paper, ink))


def _checkerboard(side, rng, gray=None):
    """An image viewer's background behind a transparent image: squares of 8, 12 or 16
    px, white and 0.75-0.9 gray, or (``gray``) 0.4 and 0.6 gray."""
    square = int(rng.choice([8, 12, 16]))
    gray = rng.random() < 0.4 if gray is None else gray
    levels = (0.6, 0.4) if gray else (1.0, rng.uniform(0.75, 0.9))
    rows, cols = np.indices((side, side)) // square
    return np.where((rows + cols) % 2 == 0, *levels)


def _checker_screenshot(x, rng):
    """A screenshot of a transparent image shown by a viewer (gray 200-400 px): the digit
    (40-70 % of the side, anywhere) over the viewer's checkerboard, dark, or light over
    gray squares."""
    side = int(rng.integers(200, 401))
    cov = D.fit_anywhere(x, (side, side), int(side * rng.uniform(0.4, 0.7)), rng)
    light = rng.random() < 0.3
    ink = rng.uniform(0.95, 1.0) if light else rng.uniform(0, 0.15)
    return D.u8(_checkerboard(side, rng, gray=light or None) * (1 - cov) + ink * cov)


# --------------------------------------------------------------------------- #
# Low resolution: the digit fills its small frame and touches its border
# --------------------------------------------------------------------------- #
def _optdigits(x, rng):
    """As UCI optdigits / sklearn's load_digits: a 32x32 bitmap, 4x4 on-pixel counts 0..16."""
    d = D.fit_long_side(x, 32)
    frame = D.paste((32, 32), d, (32 - d.shape[0]) // 2, (32 - d.shape[1]) // 2) > 0.4
    return frame.reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16.0  # float64 in [0, 1]


def _lowres(side, dark=False):
    def fn(x, rng):
        c = D.crop_to_ink(x)
        h, w = c.shape
        f = side / max(h, w)
        hh, ww = max(1, round(h * f)), max(1, round(w * f))
        if rng.random() < 0.5:  # the short side stretched too (USPS-style size normalising)
            s = rng.uniform(1.0, 1.4)
            hh, ww = min(side, round(hh * s)), min(side, round(ww * s))
        d = D.resize(c, (hh, ww), Image.Resampling.BOX)
        frame = D.paste((side, side), d / max(d.max(), 1e-6), (side - hh) // 2, (side - ww) // 2)
        levels = int(rng.choice([2, 4, 8, 16, 17, 256]))
        q = np.round(frame * (levels - 1)) / (levels - 1)
        return D.u8(1 - q) if dark else q.astype(np.float32)
    return fn


def _upscaled(side, resample):
    def fn(x, rng):
        small = _lowres(side)(x, rng)
        return D.u8(1 - D.resize(small, (64, 64), resample))
    return fn


@functools.lru_cache(maxsize=1)
def _load_digits():
    from sklearn.datasets import load_digits  # bundled with scikit-learn: offline
    return load_digits()


def _sklearn_digits(upscale=None):
    def make(n, rng):
        bunch = _load_digits()
        idx = rng.choice(len(bunch.images), n, replace=len(bunch.images) < n)
        imgs = bunch.images[idx] / 16.0
        if upscale:
            imgs = [D.u8(1 - D.resize(a, (64, 64), upscale)) for a in imgs]
        return list(imgs), bunch.target[idx]
    return make


_ENLARGE = [Image.Resampling.NEAREST, Image.Resampling.BILINEAR, Image.Resampling.BICUBIC,
            Image.Resampling.LANCZOS]


def _enlarged(inner):
    """Variant ``inner``'s 28x28 frames enlarged to 56-560 px (nearest, bilinear, bicubic
    or Lanczos), either polarity: an MNIST-like digit, clutter and all, scaled up."""
    def make(digits, rng):
        out = []
        for frame in VARIANTS[inner].make(digits, rng):
            side = int(rng.integers(56, 561))
            big = np.asarray(Image.fromarray(np.asarray(frame)).resize(
                (side, side), _ENLARGE[rng.integers(len(_ENLARGE))]))
            out.append(255 - big if rng.random() < 0.5 else big)
        return out
    return make


def _padded(inner):
    """Variant ``inner``'s 28x28 frames padded: evenly to 32x32 (a LeNet-style input)
    or set anywhere on a 32-64 px black frame (translated MNIST), either polarity."""
    def make(digits, rng):
        out = []
        for frame in VARIANTS[inner].make(digits, rng):
            frame = np.asarray(frame)
            if rng.random() < 0.5:
                big = np.pad(frame, 2)
            else:
                side = int(rng.integers(32, 65))
                top, left = (int(v) for v in rng.integers(0, side - 27, 2))
                big = np.zeros((side, side), np.uint8)
                big[top:top + 28, left:left + 28] = frame
            out.append(255 - big if rng.random() < 0.5 else big)
        return out
    return make


def _grain(rng):
    """A rough surface's grain on a 28x28 frame: Gaussian-filtered noise, grains
    (0.7-3 px) or fibres drawn out along a random axis (0.6-1 by 3-6 px), spread 2-7 %
    of the range (as ``paper_texture``'s), zero mean."""
    if rng.random() < 0.5:
        sigma = (rng.uniform(0.7, 3),) * 2
    else:
        sigma = (rng.uniform(0.6, 1), rng.uniform(3, 6))[::1 if rng.random() < 0.5 else -1]
    return D.smooth_noise((28, 28), rng, sigma) * rng.uniform(0.02, 0.07)


def _rough_28(rng):
    """A 28x28 frame of a rough surface photographed close (see :func:`_grain`) at a
    level of 0.6-0.95, either polarity."""
    frame = rng.uniform(0.6, 0.95) + _grain(rng)
    return D.u8(1 - frame if rng.random() < 0.5 else frame)


def _rough_paper(x, rng):
    """The digit drawn 0.2-0.6 above a rough surface (see :func:`_grain`) at a level
    of 0.05-0.4: faint ink on grainy or fibrous paper, photographed close."""
    return rng.uniform(0.05, 0.4) + _grain(rng) + rng.uniform(0.2, 0.6) * x


def _faint_noiseless(x, rng):
    """Faint ink (a peak of 0.04-0.1) on a background of one level exactly, black or
    white: a program's canvas drawn with a light pen."""
    y = x * rng.uniform(0.04, 0.1)
    return 1 - y if rng.random() < 0.5 else y


def _filling(x, rng):
    """The digit cropped to its ink and scaled to fill the 28x28 frame: its long side
    28 px (centred), or stretched to 28x28 -- a user's own resize of a drawing."""
    if rng.random() < 0.5:
        return D.resize(D.crop_to_ink(x), (28, 28))
    c = D.fit_long_side(x, 28)
    return D.paste((28, 28), c, (28 - c.shape[0]) // 2, (28 - c.shape[1]) // 2)


def _neighbours(digits, rng):
    """Each digit cropped from a row of digits: the near part (up to 6 px) of a
    neighbour -- another of the digits, 17-22 px to the side -- at one side or both."""
    out = []
    for d in digits:
        y = D.unit(d)
        for side in ((-1, 1) if rng.random() < 0.6 else (rng.choice([-1, 1]),)):
            other = np.roll(D.unit(digits[rng.integers(len(digits))]),
                            side * int(rng.integers(17, 23)), axis=1)
            near = np.arange(28) < 6 if side > 0 else np.arange(28) >= 22
            y = np.maximum(y, other * near[None, :])
        out.append(D.u8(y))
    return np.stack(out)


def _sklearn_digits_smooth(n, rng):
    """load_digits enlarged smoothly to 32-128 px, either polarity (what a user who
    scaled a low-resolution scan up before passing it gives)."""
    bunch = _load_digits()
    idx = rng.choice(len(bunch.images), n, replace=len(bunch.images) < n)
    methods = [Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS]
    out = []
    for a in bunch.images[idx] / 16.0:
        side = int(rng.integers(32, 129))
        big = D.resize(a, (side, side), methods[rng.integers(3)])
        out.append(D.u8(1 - big if rng.random() < 0.5 else big))
    return out, bunch.target[idx]


_sz = lambda lo, hi: (lambda rng: int(rng.integers(lo, hi + 1)))  # noqa: E731

VARIANTS = {
    "clean": Variant(lambda d, rng: d.copy(), "MNIST test digits as they are"),
    "gaussian_noise": Variant(_each28(C.gaussian_noise), "additive Gaussian noise, sigma 0.08-0.38"),
    "shot_noise": Variant(_each28(C.shot_noise), "Poisson (shot) noise, 3-60 photons"),
    "impulse_noise": Variant(_each28(C.impulse_noise), "salt-and-pepper noise, 3-25 % of pixels"),
    "gaussian_blur": Variant(_each28(lambda x, r: ndimage.gaussian_filter(x, r.uniform(0.8, 1.6))),
                             "Gaussian blur, sigma 0.8-1.6 px"),
    "motion_blur": Variant(_each28(C.motion_blur), "motion blur, 5-9 px at a random angle"),
    "glass_blur": Variant(_each28(C.glass_blur), "glass blur: local pixel shuffles between blurs"),
    "jpeg": Variant(_each28(C.jpeg), "JPEG artefacts, quality 5-25"),
    "stripes": Variant(_each28(C.stripes), "thin bright bars at the sides"),
    "side_bands": Variant(_each28(C.side_bands), "the 5-8 columns at the sides inverted"),
    "line_straight": Variant(_each28(C.line("straight")), "a straight line crossing the digit"),
    "line_zigzag": Variant(_each28(C.line("zigzag")), "a zigzag line crossing the digit"),
    "line_dotted": Variant(_each28(C.line("dotted")), "a dotted line crossing the digit"),
    "line_bold": Variant(_each28(C.bold_line), "a bold line from side to side, straight or zigzag"),
    "line_thin": Variant(_each28(C.thin_line),
                         "a thin line from side to side at any height: straight, dashed or zigzag"),
    "zigzag_across": Variant(_each28(C.zigzag_across), "a full-intensity zigzag (a 2 px swing "
                             "every 4 px) from column 2 to 25 at any height, as MNIST-C's"),
    "line_across": Variant(_each28(C.line_across), "a full-intensity straight line from column "
                           "0-4 to 22-26, its ends at any heights, as MNIST-C's"),
    "spatter": Variant(_each28(C.spatter), "spatter: light, dark and mud blobs"),
    "fog": Variant(_each28(C.fog), "fog (plasma fractal), strength 0.4-2.5"),
    "lighting": Variant(_each28(C.lighting), "uneven lighting: a linear gradient 0.2-0.5"),
    "vignette": Variant(_each28(C.vignette), "a photo's vignette: the background lifted "
                        "0.6-1.4 towards the farthest corner (clipped)"),
    "cell_28": Variant(_each28(C.cell_lines), "a frame cut from a grid's cell: a 1-2 px "
                       "line round it, 0.5-1 of the ink's level"),
    "brightness": Variant(_each28(C.brightness), "brightness +0.1-0.5"),
    "faint": Variant(_each28(C.faint), "faint ink, peak 0.12-0.35"),
    "low_contrast": Variant(_each28(C.low_contrast), "gray background, ink 0.12-0.3 above it"),
    "low_contrast_noise": Variant(_each28(C.low_contrast_noise), "faint ink 0.12-0.3 above a "
                                  "gray background under noise of 1/6 to 0.4 of that"),
    "translate": Variant(_each28(C.translate), "off-centre, to the edge or 2 px beyond"),
    "rotate": Variant(_each28(C.rotate), "rotated 10-45 degrees"),
    "shear": Variant(_each28(C.shear), "sheared, factor 0.25-0.6"),
    "scale": Variant(_each28(C.scale), "scaled 0.5-0.8x or 1.15-1.35x"),
    "edges": Variant(_each28(C.edges), "edge-only outlines (Canny)"),
    "pixelate": Variant(_each28(C.pixelate), "pixelated: 10-16 px blocks back to 28x28"),
    "pen_thin": Variant(_each28(C.pen28(True)), "re-drawn with a 0.5-1 px pen"),
    "pen_thick": Variant(_each28(C.pen28(False)), "re-drawn with a 3.5-5.5 px pen"),
    # other polarity / size / mode; baseline = the 28x28 variant of the same corruption
    "dark_on_light": Variant(_invert("clean"), "dark ink on light, 28x28", "clean"),
    "dark_on_light_noise": Variant(_invert("gaussian_noise"), "dark on light + Gaussian noise",
                                   "gaussian_noise"),
    "dark_on_light_lighting": Variant(_invert("lighting"), "dark on light + shading gradient",
                                      "lighting"),
    "dark_on_light_fog": Variant(_invert("fog"), "dark on light + fog", "fog"),
    "dark_on_light_vignette": Variant(_invert("vignette"), "dark on light, the paper darkening "
                                      "towards the corners (see vignette)", "vignette"),
    "cell_28_dark": Variant(_invert("cell_28"), "dark on light, the cell's line round it "
                            "(see cell_28)", "cell_28"),
    "side_bands_dark": Variant(_invert("side_bands"), "dark on light, the 5-8 columns at the "
                               "sides inverted (dark bands)", "side_bands"),
    "faint_noiseless": Variant(_each28(_faint_noiseless), "faint ink, peak 0.04-0.1, on a "
                               "noiseless black or white background", "clean"),
    "rough_paper_28": Variant(_each28(_rough_paper), "the digit 0.2-0.6 above a rough surface "
                              "(grains or fibres, 2-7 % of the range; see rough_28)"),
    "neighbours": Variant(_neighbours, "a digit cropped from a row of digits: the near part "
                          "(up to 6 px) of a neighbour at one side or both"),
    "neighbours_dark": Variant(_invert("neighbours"), "dark on light, cropped from a row of "
                               "digits (see neighbours)", "neighbours"),
    "fill_frame": Variant(_each28(_filling), "the digit scaled to fill the 28x28 frame (long side "
                          "28 px, or stretched to 28x28)"),
    "transparent_28": Variant(_each(_transparent(28, 20)), "RGBA 28x28, background alpha 0",
                              "clean"),
    "transparent_canvas": Variant(_each(_transparent(280, 200)), "RGBA 280x280, digit 200 px",
                                  "clean"),
    "canvas_280": Variant(_each(_canvas(280, _sz(180, 220))), "drawing canvas 280x280, white",
                          "clean"),
    "canvas_400_rgb": Variant(_each(_canvas(400, _sz(180, 300), rgb=True)),
                              "RGB 400x400, coloured ink on tinted paper", "clean"),
    "canvas_light_on_dark": Variant(_each(_canvas(280, _sz(180, 220), light_on_dark=True)),
                                    "280x280, white ink on black", "clean"),
    "canvas_offcentre": Variant(_each(_canvas(400, _sz(70, 150), anywhere=True)),
                                "400x400, a 70-150 px digit anywhere", "clean"),
    "canvas_thin_pen": Variant(_each(_pen_canvas(True)), "280x280, 1-2 px pen", "pen_thin"),
    "canvas_thick_pen": Variant(_each(_pen_canvas(False)), "280x280, 20-34 px pen", "pen_thick"),
    "photo_lighting": Variant(_each(S.lighting_photo), "320x240 photo: lamp gradient, vignette, "
                              "noise, JPEG", "lighting"),
    "ruled_paper": Variant(_each(S.on_ruled_paper), "300x300 ruled paper (rules, a grid or a "
                           "margin), a 120-220 px digit anywhere", "clean"),
    "notebook_photo": Variant(_each(S.notebook_photo), "photo of a notebook page (RGB, 240-800 px): "
                              "blue rules tilted up to 2.5 degrees, a margin, lighting, JPEG; "
                              "a digit 1.5-3.5 rules tall anywhere", "clean", max_n=200),
    "form_box": Variant(_each(S.form_box), "a 60-160 px digit inside a box printed on a form "
                        "(1-3 px lines), noise, JPEG", "clean"),
    "shadow_photo": Variant(_each(S.shadow_photo), "photo of a page with a shadow across the "
                            "digit (30-55 % darker, soft straight edge), RGB 300-600 px, JPEG",
                            "clean", max_n=200),
    "sticky_note": Variant(_each(S.sticky_note), "photo of a digit on a sticky note (1.3-2x "
                           "the digit, turned up to 12 degrees) on a dark desk, JPEG", "clean",
                           max_n=200),
    "pencil_grain": Variant(_each(S.pencil_grain), "pencil on grainy paper (strokes 0.25-0.55 "
                            "dark, broken by the graphite's grain), gray 200-500 px, JPEG",
                            "clean", max_n=200),
    "blackboard_photo": Variant(_each(S.blackboard_photo), "photo of a digit chalked on a "
                                "blackboard (grainy light strokes on a 0.15-0.35 board, smudges), "
                                "gray 200-500 px, JPEG", "clean", max_n=200),
    "glare_photo": Variant(_each(S.glare_photo), "photo of a digit on glossy paper with a "
                           "lamp's glare on it (a soft spot, +0.2-0.6), gray 300-600 px, JPEG",
                           "clean", max_n=200),
    "spots_photo": Variant(_each(S.spots_photo), "photo of a digit on a page under 1-4 soft "
                           "spots of light or shade (+-10-35 %, 2-25 % of the page wide), "
                           "gray or RGB 200-600 px, JPEG", "clean", max_n=200),
    "bands_photo": Variant(_each(S.bands_photo), "photo of a digit on a page under a band "
                           "of light across it through the digit (a window's reflection, "
                           "+0.2-0.5, 3-12 % of the page wide), gray 250-600 px, JPEG",
                           "clean", max_n=200),
    "scan_margins": Variant(_each(S.scan_margins), "scan of a digit on a sheet with the "
                            "scanner's dark margins along 1-2 edges (2-8 % deep), gray "
                            "250-600 px, JPEG", "clean", max_n=200),
    "line_canvas": Variant(_each(L.line_canvas), "300x300, a 150-230 px digit crossed by a "
                           "straight line (2-6 px) from side to side at any angle", "clean"),
    "enlarged_stripes": Variant(_enlarged("stripes"), "the stripes variant's frames enlarged "
                                "to 56-560 px (nearest, bilinear, bicubic or Lanczos), either "
                                "polarity", "stripes", max_n=200),
    "enlarged_zigzag": Variant(_enlarged("line_zigzag"), "the zigzag variant's frames "
                               "enlarged the same way", "line_zigzag", max_n=200),
    "enlarged_impulse": Variant(_enlarged("impulse_noise"), "the impulse-noise variant's "
                                "frames enlarged the same way", "impulse_noise", max_n=200),
    "enlarged_blur": Variant(_enlarged("motion_blur"), "the motion-blur variant's frames "
                             "enlarged the same way", "motion_blur", max_n=200),
    "padded_zigzag": Variant(_padded("line_zigzag"), "the zigzag variant's frames padded to "
                             "32x32, or set anywhere on a 32-64 px black frame, either polarity",
                             "line_zigzag"),
    "padded_noise": Variant(_padded("gaussian_noise"), "the Gaussian-noise variant's frames "
                            "padded the same way", "gaussian_noise"),
    "thumb_photo": Variant(_each(S.thumb_photo), "photo of a digit on paper with the thumb "
                           "holding the sheet in view, reaching in from a side (a skin-toned "
                           "ellipse 20-40 % of the short side across), RGB 300-600 px, JPEG",
                           "clean", max_n=200),
    "squared_paper": Variant(_each(L.squared_paper), "photo of squared paper (a grid every "
                             "12-30 px), a digit 1.5-4 squares tall anywhere, gray 250-900 px, "
                             "JPEG", "clean", max_n=200),
    "grid_cell": Variant(_each(L.grid_cell), "a digit in a cell cut from a grid or a table: "
                         "the cell's lines along its sides (at the edge or up to 4 px in, "
                         "1-6 px, gray to black), 40-130 px, JPEG", "clean", max_n=200),
    "tiny_2000": Variant(_each(_tiny((1500, 2000), 40)), "a 40 px digit on 2000x1500", "clean",
                         max_n=40),
    "tiny_2400": Variant(_each(_tiny((1800, 2400), _sz(24, 72))), "a 1-3 % digit on 2400x1800",
                         "clean", max_n=40),
    "cropped_to_ink": Variant(_each(_cropped_to_ink), "a 100-400 px digit cropped to its "
                              "ink (0-3 px margin), either polarity", "clean"),
    "small_canvas": Variant(_each(_small_canvas), "a 9-14 px digit anywhere on a 64-128 px "
                            "canvas, either polarity", "clean"),
    "app_screenshot": Variant(_each(_app_screenshot), "a drawing app's screenshot: the canvas "
                              "(250-450 px, either polarity) with a flat panel of 2-6 buttons "
                              "(20-48 px) along one edge", "clean"),
    "colour_canvas": Variant(_each(_colour_canvas), "a digit in one colour on a canvas of "
                             "another (RGB 150-400 px): colours 0.5 apart in RGB, half the "
                             "pairs within 0.1 in luma", "clean"),
    "checker_screenshot": Variant(_each(_checker_screenshot), "a transparent image's "
                                  "screenshot: the digit over a viewer's checkerboard (8-16 "
                                  "px squares; light ink over gray ones), gray 200-400 px", "clean"),
    "sheet_photo": Variant(_each(P.sheet_photo), "photo of a digit on a sheet lying on a darker "
                           "table, at an angle (in perspective, the table around it), RGB "
                           "300-520 px, JPEG", "clean", max_n=200),
    # low resolution: no 28x28 counterpart
    "lowres_8": Variant(_each(_optdigits), "8x8 on-pixel counts of a 32x32 bitmap (optdigits)",
                        None),
    "lowres_12": Variant(_each(_lowres(12)), "12x12, digit filling the frame, 2-256 levels", None),
    "lowres_16": Variant(_each(_lowres(16)), "16x16, digit filling the frame (USPS-like)", None),
    "lowres_16_dark": Variant(_each(_lowres(16, dark=True)), "16x16 dark on light", None),
    "lowres_blocky_64": Variant(_each(_upscaled(12, Image.Resampling.NEAREST)),
                                "12x12 upscaled blocky (nearest) to 64, dark on light", None),
    "lowres_bicubic_64": Variant(_each(_upscaled(16, Image.Resampling.BICUBIC)),
                                 "16x16 upscaled bicubic to 64, dark on light", None),
    "sklearn_digits": Variant(_sklearn_digits(), "scikit-learn's load_digits 8x8 (real)",
                              None, real=True),
    "sklearn_digits_64": Variant(_sklearn_digits(Image.Resampling.BICUBIC), "load_digits "
                                 "upscaled bicubic to 64, dark on light (real)", None, real=True),
    "sklearn_digits_blocky_64": Variant(_sklearn_digits(Image.Resampling.NEAREST), "load_digits "
                                        "upscaled blocky (nearest) to 64, dark on light (real)",
                                        None, real=True),
    "sklearn_digits_smooth": Variant(_sklearn_digits_smooth, "load_digits upscaled smoothly "
                                     "(bilinear, bicubic or Lanczos) to 32-128 px, either "
                                     "polarity (real)", None, real=True),
}


# --------------------------------------------------------------------------- #
# Non-digits: every one of them must be declared blank
# --------------------------------------------------------------------------- #
def _paper(h, w, rng):
    base = rng.uniform(0.65, 0.97) - D.gradient((h, w), rng, rng.uniform(0.05, 0.3))
    return base * D.vignette((h, w), rng, rng.uniform(0, 0.35)) + rng.normal(0, 0.01, (h, w))


def _nd(fn):
    return lambda digits, rng: [fn(rng) for _ in range(len(digits))]


def _size(rng, large=False):
    sizes = [(28, 28), (240, 320), (300, 300), (480, 640)][large:]
    return sizes[rng.integers(len(sizes))]


def _texture(rng):
    h, w = _size(rng)
    tex = D.smooth_noise((h, w), rng, rng.uniform(0.7, 3)) * rng.uniform(0.02, 0.07)
    return D.u8(rng.uniform(0.75, 0.95) + tex)


def _dots(rng):
    img = np.full((300, 300), 255, np.uint8)
    k = int(rng.integers(100, 201))
    img[rng.integers(0, 300, k), rng.integers(0, 300, k)] = 0
    return img


def _dot_field(rng):
    """20 or more isolated square dots (1-3 px, none touching another) covering
    0.05-2 % of a canvas of 48-2,000 px, dark on light or light on dark."""
    h = int(rng.choice([48, 64, 100, 150, 200, 300, 500, 800, 1200, 2000]))
    w = max(48, int(h * rng.uniform(0.75, 1.33)))
    size = int(rng.integers(1, 4))
    n = max(20, int(rng.uniform(0.0005, 0.02) * h * w / size**2))
    taken = np.zeros((h + 2, w + 2), dtype=bool)  # the dots, one pixel in from the edge
    img = np.full((h, w), 255, np.uint8)
    for y, x in zip(rng.integers(0, h - size + 1, 4 * n), rng.integers(0, w - size + 1, 4 * n)):
        if n == 0:
            break
        if taken[y : y + size + 2, x : x + size + 2].any():  # a dot within a pixel
            continue
        taken[y + 1 : y + size + 1, x + 1 : x + size + 1] = True
        img[y : y + size, x : x + size] = 0
        n -= 1
    return 255 - img if rng.random() < 0.5 else img


def _round_dots_28(rng):
    """5-15 round, anti-aliased dots 2-5 px across (radius 1-2.5 px), at least 2 px
    apart, on a 28x28 frame, light on dark or dark on light."""
    yy, xx = np.mgrid[0:28, 0:28]
    img, placed = np.zeros((28, 28)), []
    n = int(rng.integers(5, 16))
    for _ in range(50 * n):
        if len(placed) == n:
            break
        r = rng.uniform(1.0, 2.5)
        p = rng.uniform(r, 28 - r, 2)
        if all(np.hypot(*(p - q)) >= r + s + 2 for q, s in placed):
            placed.append((p, r))
            img = np.maximum(img, np.clip(r + 0.5 - np.hypot(yy - p[0], xx - p[1]), 0, 1))
    return D.u8(1 - img if rng.random() < 0.5 else img)


def _blank(rng):
    h, w = _size(rng)
    colour = rng.integers(0, 256, 3) if rng.random() < 0.7 else rng.choice([0, 255], 3)
    return np.broadcast_to(colour.astype(np.uint8), (h, w, 3)).copy()


NON_DIGITS = {
    "paper_lighting": Variant(_nd(lambda r: D.u8(_paper(*_size(r), r))),
                              "empty paper under a lighting gradient and vignette", None),
    "paper_texture": Variant(_nd(_texture), "empty paper with texture", None),
    "rough_28": Variant(_nd(_rough_28), "a 28x28 frame of a rough surface: grains or fibres, "
                        "2-7 % of the range, either polarity", None),
    "paper_jpeg": Variant(_nd(lambda r: D.jpeg(D.u8(_paper(480, 640, r)), r.integers(20, 80),
                                               as_pil=True)), "JPEG photo of empty paper", None),
    "uniform_noise": Variant(_nd(lambda r: r.integers(0, 256, _size(r), dtype=np.uint8)),
                             "uniform noise", None),
    "dark_noise_28": Variant(_nd(lambda r: D.u8(r.normal(0, r.uniform(0.03, 0.12), (28, 28)))),
                             "28x28 black frame with sensor noise", None),
    "scattered_dots": Variant(_nd(_dots), "100-200 isolated black pixels on 300x300 white", None),
    "dot_field": Variant(_nd(_dot_field), "20+ isolated 1-3 px dots on 48-2,000 px, either polarity",
                         None),
    "round_dots_28": Variant(_nd(_round_dots_28), "5-15 round dots 2-5 px across, apart, on a "
                             "28x28 frame, either polarity", None),
    "ruled_empty": Variant(_nd(lambda r: D.u8(S.ruled_sheet(*_size(r, large=True), r))),
                           "empty ruled paper: rules, a grid or a margin", None),
    "notebook_empty": Variant(_nd(S.notebook_empty), "photo of an empty notebook page (see "
                              "notebook_photo)", None, max_n=200),
    "form_empty": Variant(_nd(S.form_empty), "empty boxes of a printed form: one, or a row "
                          "of 2-6", None),
    "shadow_empty": Variant(_nd(S.shadow_empty), "photo of an empty page with a shadow "
                            "across it", None, max_n=200),
    "sticky_empty": Variant(_nd(S.sticky_empty), "photo of an empty sticky note on a desk",
                            None, max_n=200),
    "pencil_empty": Variant(_nd(S.pencil_empty), "an empty sheet of grainy paper (see "
                            "pencil_grain)", None, max_n=200),
    "spots_empty": Variant(_nd(S.spots_empty), "photo of an empty page under 1-4 soft spots "
                           "of light or shade (see spots_photo)", None, max_n=200),
    "bands_empty": Variant(_nd(S.bands_empty), "photo of an empty page under a band of "
                           "light across it (a window's reflection)", None, max_n=200),
    "scan_empty": Variant(_nd(S.scan_empty), "scan of an empty sheet with the scanner's "
                          "dark margins along 1-2 edges", None, max_n=200),
    "glare_empty": Variant(_nd(S.glare_empty), "photo of an empty glossy page with a lamp's "
                           "glare on it", None, max_n=200),
    "squared_empty": Variant(_nd(L.squared_empty), "photo of an empty sheet of squared paper",
                             None, max_n=200),
    "paper_clouds": Variant(_nd(L.paper_clouds), "empty paper under cloudy light and shade "
                            "(a plasma fractal, +-5-15 %)", None),
    "blank_colour": Variant(_nd(_blank), "a canvas of one colour", None),
    "checker_empty": Variant(_nd(lambda r: D.u8(_checkerboard(int(r.integers(200, 401)), r))),
                             "a viewer's empty checkerboard (an empty transparent image)", None),
    "sheet_empty": Variant(_nd(P.sheet_empty), "photo of an empty sheet on a table, at an angle "
                           "(see sheet_photo)", None, max_n=200),
    "transparent_empty": Variant(_nd(lambda r: Image.fromarray(np.dstack(
        [r.integers(0, 256, (280, 280, 3)), np.zeros((280, 280))]).astype(np.uint8), "RGBA")),
        "RGBA 280x280, fully transparent, random colours", None),
}
ALL = {**VARIANTS, **NON_DIGITS}


def _rng(seed, key):
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def render(name, digits, labels, seed=0, max_n=None):
    """The images of variant ``name`` made from ``digits``: ``(images, labels, baseline)``.

    ``labels`` is None for non-digits; for real collections (``Variant.real``) the labels
    are the collection's own. ``baseline`` is an ``(n, 28, 28)`` uint8 array or None.
    Large-canvas variants use at most ``max_n`` digits (default: ``Variant.max_n``).
    """
    v = ALL[name]
    digits = np.asarray(digits)
    cap = v.max_n if max_n is None or v.max_n is None else min(max_n, v.max_n)
    if cap is not None:
        digits, labels = digits[:cap], None if labels is None else labels[:cap]
    if v.real:
        images, labels = v.make(len(digits), _rng(seed, name))
        return images, np.asarray(labels), None
    key = name if v.baseline in ("self", None, "clean") else v.baseline
    images = v.make(digits, _rng(seed, key))
    if name in NON_DIGITS:
        return images, None, None
    if v.baseline is None:
        base = None
    elif v.baseline == "self":
        base = images
    else:
        base = np.asarray(VARIANTS[v.baseline].make(digits, _rng(seed, key)))
    return images, np.asarray(labels), base


# --------------------------------------------------------------------------- #
# Scoring
# --------------------------------------------------------------------------- #
def sample_digits(n, seed=0):
    """``n`` MNIST test digits drawn at random (seeded): ``(digits, labels)``.

    Read from ``$SKDIGITS_DATA``, else from ``../shared/data/mnist`` beside the checkout
    when it exists, else from skdigits' default folder.
    """
    from skdigits import load_mnist

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    home = None if os.environ.get("SKDIGITS_DATA") or not shared.is_dir() else shared
    _, (X, y) = load_mnist(data_home=home, download_if_missing=False)
    idx = np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))
    return X[idx], y[idx]


def _batches(images, max_bytes=64 * 2**20):
    """Index groups of images sharing a shape, as arrays of at most ``max_bytes``."""
    groups = {}
    for i, im in enumerate(images):
        a = np.asarray(im)
        groups.setdefault((a.shape, a.dtype.str), []).append(i)
    for (shape, dtype), idx in groups.items():
        per = max(1, int(max_bytes // max(np.prod(shape) * np.dtype(dtype).itemsize, 1)))
        for k in range(0, len(idx), per):
            yield idx[k:k + per]


def _predict(preprocessor, classifier, images, batch):
    """Predicted digits (-1 where the preprocessor declared the image blank)."""
    if batch:
        rows = [None] * len(images)
        for idx in _batches(images):
            out = preprocessor.transform(np.stack([np.asarray(images[i]) for i in idx]))
            for i, row in zip(idx, out.reshape(len(idx), -1)):
                rows[i] = row
        rows = np.stack(rows)
    else:
        rows = preprocessor.transform(list(images))
    return predict_rows(classifier, rows)


def predict_rows(classifier, rows):
    """The digits ``classifier`` reads in the preprocessor's output ``rows`` (one per
    image, flat or 28x28), -1 where a row is NaN (declared blank)."""
    rows = np.asarray(rows).reshape(len(rows), -1)
    blank = np.isnan(rows).any(axis=1)
    pred = np.full(len(rows), -1)
    if (~blank).any():
        pred[~blank] = np.asarray(classifier.predict(rows[~blank])).astype(int)
    return pred


def evaluate(preprocessor, classifier, n=200, seed=0, variants=None, batch=True, log=None,
             max_n=None):
    """Score ``preprocessor`` + ``classifier`` on the suite: ``{variant: dict}``.

    ``classifier``: a fitted classifier of 28x28 digits, or a fitted pipeline whose
    last step is one (the pipeline's own preprocessor is not used). The preprocessor is
    cloned with ``on_blank="nan"``; blank images count as wrong. Every variant uses the
    same ``n`` MNIST test digits (drawn with ``seed``); ``variants`` defaults to all.
    Per variant: ``n``, ``classifier alone`` (accuracy on the baseline 28x28 digits, or
    None), ``plain normalisation`` (the classifier on :func:`plain_normalise`'s output), ``per image`` and ``batch`` (pipeline accuracy, or for non-digits None),
    ``blank per image`` / ``blank batch`` (shares), ``same digits`` (share of images on
    which both paths agree, blank included), ``met`` (the issue's floors, per image).
    ``max_n`` caps the large-canvas variants further (see :func:`render`).
    """
    from sklearn.base import clone

    clf = classifier.steps[-1][1] if hasattr(classifier, "steps") else classifier
    pre = clone(preprocessor).set_params(on_blank="nan")
    digits, labels = sample_digits(n, seed)
    out = {}
    for name in variants or ALL:
        images, y, base = render(name, digits, labels, seed, max_n)
        per = _predict(pre, clf, images, batch=False)
        both = _predict(pre, clf, images, batch=True) if batch else None
        r = {"kind": "non-digit" if name in NON_DIGITS else "digit", "n": len(images),
             "description": ALL[name].description,
             "baseline": ALL[name].baseline if name in VARIANTS else None}
        r["blank per image"] = float(np.mean(per < 0))
        r["blank batch"] = None if both is None else float(np.mean(both < 0))
        r["same digits"] = None if both is None else float(np.mean(per == both))
        if y is None:
            r["classifier alone"] = r["per image"] = r["batch"] = None
            r["plain normalisation"] = None
            r["met"] = r["blank per image"] >= MIN_BLANK_NON_DIGITS
        else:
            r["classifier alone"] = (None if base is None
                                     else float(np.mean(np.asarray(clf.predict(base)) == y)))
            plain = np.stack([plain_normalise(im) for im in images])
            r["plain normalisation"] = float(np.mean(np.asarray(clf.predict(plain)) == y))
            r["per image"] = float(np.mean(per == y))
            r["batch"] = None if both is None else float(np.mean(both == y))
            r["met"] = bool(r["blank per image"] <= MAX_BLANK_DIGITS and (
                r["classifier alone"] is None
                or r["per image"] >= r["classifier alone"] - FLOOR_POINTS / 100))
        out[name] = r
        if log:
            log(_row_text(name, r))
    return out


def _pct(v):
    return "–" if v is None else f"{100 * v:.1f}"


def _row_text(name, r):
    return (f"{name:24s} n={r['n']:4d}  alone {_pct(r['classifier alone']):>5s}  plain "
            f"{_pct(r['plain normalisation']):>5s}  per image "
            f"{_pct(r['per image']):>5s}  batch {_pct(r['batch']):>5s}  blank "
            f"{_pct(r['blank per image']):>5s}/{_pct(r['blank batch']):>5s}  same "
            f"{_pct(r['same digits']):>5s}  {'ok' if r['met'] else 'MISSED'}")


def print_table(results):
    """Print :func:`evaluate`'s results, one line per variant (percentages)."""
    for name, r in results.items():
        print(_row_text(name, r))
