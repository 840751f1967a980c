"""Generate the preprocessing figures of the documentation (``docs/images/*.png``).

Run from the repository root (needs the drawn digits of ``../shared/data/drawn-dev``,
or ``--drawn DIR``; no model, no MNIST)::

    python docs/make_figures.py

The PNGs are committed, so building the documentation needs neither this script nor
the data. Re-run it after changing the preprocessing and commit the new PNGs.

How the figures follow the real code
------------------------------------
The step-by-step figures (``preprocessing_steps_*.png``) show the intermediate images
that the pipeline itself records: ``preprocess_image(decoded, settings, trace)`` (in
:mod:`skdigits.preprocessing._pipeline`) appends ``(step name, image)`` pairs to
``trace``. Nothing is recomputed here but captions (stroke widths, the crop box);
every figure's last panel is checked to be identical (to the bit) to
``DigitImagePreprocessor().transform([path])``.

The ablation figure (``preprocessing_ablation.png``) only uses the public parameters:
each column is the transformer's output with one step switched off.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the checkout's skdigits, installed or not

from skdigits import DigitImagePreprocessor, _images, _pixels  # noqa: E402
from skdigits.preprocessing import _geometry as G  # noqa: E402
from skdigits.preprocessing import _pipeline as PL  # noqa: E402

OUT = HERE / "images"
DEFAULT_DRAWN = ROOT.parent / "shared" / "data" / "drawn-dev"

# The three drawings shown step by step: (figure name, drawn-dev file, caption,
# DigitImagePreprocessor parameters). The 28x28 transparent digit is MNIST-sized, so by
# default the light path takes it (alpha as the ink map, centred); with
# fast_batches=False it shows the full pipeline's steps.
STEP_EXAMPLES = [
    ("canvas", "4/jmz3__openCV-DigitRecognizer__test_images-4.png",
     "dark on light canvas, thin pen", {}),
    ("transparent", "0/Zakariajava__Handwritten-Digit-Recognition__numbers--ipynb_checkpoints-0-checkpoint.png",
     "RGBA, transparent background (full pipeline: fast_batches=False)", {"fast_batches": False}),
    ("photo", "5/Abhighule24__Digit-Recogniser-using-Neural-Network__test_images-5_jpg.png",
     "photo of paper, uneven light", {}),
]

# Rows of the ablation figure: a mix of styles from drawn-dev.
ABLATION_EXAMPLES = [
    "4/jmz3__openCV-DigitRecognizer__test_images-4.png",
    "2/KaizhaoLin__mnist_net__test_images-2.png",
    "3/HoLeDuyLinh__handwritten_integer_recognition_system__data_train-3-2.png",
    "7/ShreyashAdappanavar__BigDataLabAssignment6__custom_digits-7.png",
    "5/Abhighule24__Digit-Recogniser-using-Neural-Network__test_images-5_jpg.png",
    "9/calex257__digit-reader__samples-9-2_jpg.png",
]
# The photo of ABLATION_EXAMPLES[4] again, darkened by a synthetic shadow (the drawn-dev
# photos are evenly lit enough that correct_lighting=False still reads them all).
SHADOW_EXAMPLE = "5/Abhighule24__Digit-Recogniser-using-Neural-Network__test_images-5_jpg.png"
SHADOW_DEPTH = 0.45

TITLE_SIZE = 9
DPI = 80


# --------------------------------------------------------------------------- #
# The pipeline's own trace
# --------------------------------------------------------------------------- #
def replay(path, pre):
    """The intermediate images of ``pre`` on one file (its trace), and measurements, as a dict."""
    if not (pre.crop and pre.normalize_stroke):
        raise ValueError("the figures follow the crop=True, normalize_stroke=True path only")
    dec = _images.load_item(path, 0, work_size=PL.WORK_SIZE, max_pixels=pre.max_pixels)
    trace = []
    final = PL.preprocess_image(dec, pre._settings(), trace)
    steps = dict(trace)  # step name -> image (each step is recorded once)
    if "sheet" in steps:  # pragma: no cover - sheet photos
        raise RuntimeError(f"{path}: a sheet-on-a-table photo; pick another example")
    steps.update(gray=steps["decoded"], is_ink=dec.is_ink, work_shape=dec.image.shape,
                 original_shape=dec.original_shape, final=final)
    if not dec.is_ink:
        steps["dark_ink"] = not np.array_equal(steps["oriented"], steps["flattened"])
    ink = steps.get("specks removed", steps["ink"])
    steps["ink"] = ink
    steps["box"] = G.bbox(ink > 0)
    z = steps.get("upsampled", steps["cropped"])
    steps["upsampled"] = z
    steps["stroke_before"] = G.stroke_width(G.inside_distance(z > 0.5))
    steps["stroke_after"] = G.stroke_width(G.inside_distance(steps["stroke"] > 0.5))
    steps["stroke_mnist"] = tuple(f * max(z.shape) for f in G.MNIST_STROKE)
    steps["small"] = steps["scaled"]
    return steps


# --------------------------------------------------------------------------- #
# Drawing helpers
# --------------------------------------------------------------------------- #
def _as_display_rgb(image):
    """A PIL image as RGB for display; transparency shown as a gray checkerboard."""
    im = image.convert("RGBA")
    w, h = im.size
    cell = max(2, min(w, h) // 8)
    yy, xx = np.mgrid[0:h, 0:w]
    checker = np.where(((yy // cell) + (xx // cell)) % 2 == 0, 200, 235).astype(np.uint8)
    bg = Image.fromarray(np.dstack([checker] * 3 + [np.full_like(checker, 255)]), "RGBA")
    bg.alpha_composite(im)
    return np.asarray(bg.convert("RGB"))


def _open(path):
    with Image.open(path) as im:
        im.load()
        return im


def _show(ax, img, title, *, vmin=0.0, vmax=1.0, grid=False):
    # Pixels as squares for small images; area-averaged downsampling for large ones.
    small = max(img.shape[:2]) <= 100
    ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax,
              interpolation="nearest" if small else "antialiased")
    ax.set_title(title, fontsize=TITLE_SIZE)
    ax.set_xticks([])
    ax.set_yticks([])
    if grid:  # pixel grid for the small images
        h, w = img.shape[:2]
        ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
        ax.grid(which="minor", color="#404040", linewidth=0.3)
        ax.tick_params(which="minor", length=0)


def _note(ax, text):
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=TITLE_SIZE,
            transform=ax.transAxes, linespacing=1.5)


def _stretch(img):
    """Symmetric display range around 0 for signed images."""
    a = float(np.percentile(np.abs(img), 99.5)) or 1.0
    return -a, a


def _save(fig, name):
    """Save as an 8-bit palette PNG (the figures are nearly all gray: small files)."""
    out = OUT / name
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    with Image.open(out) as im:
        rgb = im.convert("RGB")
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, optimize=True
    )
    return out


def steps_figure(name, path, caption, pre):
    st = replay(path, pre)
    expected = pre.transform([path]).reshape(pre.output_size, pre.output_size)
    if not np.array_equal(st["final"], expected):
        raise SystemExit(
            f"{path}: the replayed pipeline differs from DigitImagePreprocessor.transform "
            "(max difference "
            f"{np.abs(st['final'] - expected).max():g}); update replay() in {__file__}."
        )
    image = _open(path)
    fig, axes = plt.subplots(2, 5, figsize=(12.5, 5.6), layout="constrained")
    ax = iter(axes.flat)
    step = iter(range(1, 20))
    h0, w0 = st["original_shape"]
    _show(next(ax), _as_display_rgb(image), f"{next(step)}. input file\n{w0}x{h0} {image.mode}")
    wh, ww = st["work_shape"]
    shrunk = f"\nreduced to {ww}x{wh}" if (wh, ww) != (h0, w0) else ""
    if st["is_ink"]:
        luma = np.asarray(image.convert("RGB"), np.float32) @ _pixels._LUMA / 255
        _show(next(ax), luma, f"{next(step)}. gray (luma): black\neverywhere, no digit")
        _show(next(ax), st["gray"], f"{next(step)}. transparent background:\nalpha channel = ink")
    else:
        _show(next(ax), st["gray"], f"{next(step)}. gray [0, 1]{shrunk}")
        bg = st["background"]
        lo, hi = float(bg.min()), float(bg.max())
        if hi - lo < 1e-6:
            _show(next(ax), bg, f"{next(step)}. background: constant\n(gray {lo:.2f}, no gradient)")
        else:
            _show(next(ax), bg, f"{next(step)}. background: quadratic fit\ngray {lo:.2f} .. {hi:.2f} "
                  "(stretched)", vmin=lo - 0.05, vmax=hi + 0.05)
        vmin, vmax = _stretch(st["flattened"])
        _show(next(ax), st["flattened"], f"{next(step)}. gray minus background\n(0 shown as mid-gray)",
              vmin=vmin, vmax=vmax)
        vmin, vmax = _stretch(st["oriented"])
        polarity = "dark ink: inverted" if st["dark_ink"] else "light ink: kept"
        _show(next(ax), st["oriented"], f"{next(step)}. polarity\n({polarity})",
              vmin=vmin, vmax=vmax)
    a = next(ax)
    _show(a, st["ink"], f"{next(step)}. ink map 0..1, specks\nremoved; red: crop box")
    r0, r1, c0, c1 = st["box"]
    a.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                          edgecolor="red", linewidth=1.2))
    ch, cw = st["cropped"].shape
    _show(next(ax), st["cropped"], f"{next(step)}. cropped to the ink\n{cw}x{ch} px")
    lo, mid, hi = st["stroke_mnist"]
    before, after = st["stroke_before"], st["stroke_after"]
    sh, sw = st["upsampled"].shape
    if before < lo:
        change = f"thin: {before:.0f} -> {after:.0f} px"
    elif before > hi:
        change = f"bold: {before:.0f} -> {after:.0f} px"
    else:
        change = f"{before:.0f} px: kept"
    _show(next(ax), st["stroke"],
          f"{next(step)}. stroke width at {sw}x{sh}\n{change} (MNIST {lo:.0f}-{hi:.0f} px)")
    h, w = st["small"].shape
    _show(next(ax), st["small"],
          f"{next(step)}. scaled into the\n{pre.digit_box}x{pre.digit_box} box: {w}x{h} px", grid=True)
    a = next(ax)
    s = pre.output_size
    _show(a, st["final"], f"{next(step)}. {s}x{s} frame: centre of\nmass (o) at the centre (+)", grid=True)
    img = st["final"]
    rows, cols = np.indices(img.shape)
    cy, cx = (rows * img).sum() / img.sum(), (cols * img).sum() / img.sum()
    # Pixel i covers [i - 0.5, i + 0.5]: MNIST's centre (index 14.0) is drawn at 14.
    a.plot([s / 2], [s / 2], "+", color="red", markersize=12, mew=1.5)
    a.plot([cx], [cy], "o", mfc="none", mec="#00c0ff", markersize=7, mew=1.2)
    if st["is_ink"]:
        _note(next(ax), "The alpha channel says what\nis ink: no lighting correction\n"
                        "and no polarity detection.")
    for rest in ax:
        rest.axis("off")
    fig.suptitle(f"DigitImagePreprocessor step by step: {caption}", fontsize=11)
    return _save(fig, f"preprocessing_steps_{name}.png")


def naive(image):
    """The tutorials' recipe: gray, resize the whole canvas to 28x28, invert if light."""
    a = np.asarray(image.convert("L").resize((28, 28)), np.float32) / 255
    return 1 - a if a.mean() > 0.5 else a


def shadowed(image, depth):
    """``image`` darkened by a diagonal shadow, down to ``1 - depth`` of its brightness."""
    a = np.asarray(image.convert("RGB"), np.float32)
    h, w, _ = a.shape
    yy, xx = np.mgrid[0:h, 0:w]
    shade = 1 - depth * np.clip(1.2 * xx / w + 0.4 * yy / h - 0.3, 0, 1)
    return Image.fromarray((a * shade[..., None]).round().astype(np.uint8), "RGB")


ABLATIONS = [
    ("full pipeline\n(defaults)", {}),
    ("crop=False", {"crop": False}),
    ("correct_lighting=False", {"correct_lighting": False}),
    ("normalize_stroke=False", {"normalize_stroke": False}),
    ('center="box"', {"center": "box"}),
]


def ablation_figure(rows):
    """``rows``: ``[(label, PIL image), ...]``."""
    n = len(rows)
    cols = 2 + len(ABLATIONS)
    fig, axes = plt.subplots(n, cols, figsize=(1.6 * cols, 1.62 * n + 0.5), layout="constrained")
    for i, (label, image) in enumerate(rows):
        row = axes[i]
        _show(row[0], _as_display_rgb(image), "input" if i == 0 else "")
        row[0].set_ylabel(label, fontsize=TITLE_SIZE - 1)
        _show(row[1], naive(image), "naive: gray, resize\nto 28x28, invert" if i == 0 else "")
        for j, (title, params) in enumerate(ABLATIONS):
            pre = DigitImagePreprocessor(output_shape="image", on_blank="nan", **params)
            out = pre.transform([image])[0]
            if np.isnan(out).any():
                _show(row[2 + j], np.zeros((28, 28)), title if i == 0 else "")
                row[2 + j].text(13.5, 13.5, "blank:\nno digit found", color="white",
                                ha="center", va="center", fontsize=TITLE_SIZE - 1)
            else:
                _show(row[2 + j], out, title if i == 0 else "")
    fig.suptitle("What each step contributes: the output with one step switched off "
                 "per column", fontsize=11)
    return _save(fig, "preprocessing_ablation.png")


def main(argv=None):
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawn", type=Path, default=DEFAULT_DRAWN,
                        help=f"drawn-dev folder [default: {DEFAULT_DRAWN}]")
    parser.add_argument("--out", type=Path, default=OUT,
                        help=f"folder for the PNG files [default: {OUT}]")
    args = parser.parse_args(argv)
    OUT = args.out
    if not (args.drawn / "manifest.csv").is_file():
        parser.error(f"no drawn-dev data in {args.drawn}")
    with open(args.drawn / "manifest.csv", newline="") as f:
        sources = {row["file"]: row for row in csv.DictReader(f)}
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for name, file, caption, params in STEP_EXAMPLES:
        written.append(steps_figure(name, args.drawn / file, caption,
                                    DigitImagePreprocessor(**params)))
    rows = []
    for file in ABLATION_EXAMPLES:
        image = _open(args.drawn / file)
        rows.append((f"{image.width}x{image.height} {sources[file]['style']}", image))
    rows.append(("the same photo,\nsynthetic shadow", shadowed(_open(args.drawn / SHADOW_EXAMPLE),
                                                          SHADOW_DEPTH)))
    written.append(ablation_figure(rows))
    for path in written:
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
    print("sources:")
    for file in dict.fromkeys([f for _, f, _, _ in STEP_EXAMPLES] + ABLATION_EXAMPLES):
        row = sources[file]
        print(f"  {file}: {row['repo']} {row['path']} @ {row['commit'][:10]}")


if __name__ == "__main__":
    main()
