"""Draw the robustness suite's picture grid (``docs/images/robustness_grid.png``).

Each row is one kind of image of ``benchmarks/robustness.py`` (seed 0, the same MNIST
test digits in every row); each pair of columns shows one image as it comes and what
``DigitImagePreprocessor()`` makes of it (or "blank" when the preprocessor declares it
blank). Transparent pixels are drawn as a gray checkerboard. Run from the repository
root (needs MNIST in ``SKDIGITS_DATA`` or ``../shared/data/mnist``; no model)::

    python docs/make_robustness_figure.py

The PNG is committed; re-run the script after changing the preprocessing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the checkout's skdigits, installed or not
sys.path.insert(0, str(ROOT / "benchmarks"))
if not os.environ.get("SKDIGITS_DATA") and (ROOT.parent / "shared" / "data" / "mnist").is_dir():
    os.environ["SKDIGITS_DATA"] = str(ROOT.parent / "shared" / "data" / "mnist")

import robustness  # noqa: E402

from make_figures import _as_display_rgb  # noqa: E402

from skdigits import DigitImagePreprocessor  # noqa: E402

OUT = HERE / "images" / "robustness_grid.png"
ROWS = ["clean", "impulse_noise", "glass_blur", "stripes", "side_bands", "line_zigzag",
        "line_dotted", "line_bold", "line_thin", "spatter", "fog", "low_contrast",
        "low_contrast_noise", "vignette", "cell_28_dark", "neighbours", "translate", "edges",
        "dark_on_light_lighting", "transparent_canvas", "canvas_thin_pen", "photo_lighting",
        "ruled_paper", "notebook_photo", "form_box", "shadow_photo", "sticky_note",
        "pencil_grain", "glare_photo", "spots_photo", "bands_photo", "scan_margins", "line_canvas",
        "squared_paper", "tiny_2400",
        "lowres_8",
        "lowres_blocky_64",
        "sklearn_digits",
        "paper_lighting", "paper_jpeg", "scattered_dots", "dark_noise_28", "notebook_empty",
        "form_empty", "shadow_empty", "pencil_empty", "spots_empty", "bands_empty", "scan_empty",
        "squared_empty", "paper_clouds"]
SAMPLES = 3
DPI = 80


def _display(image):
    """An image as an RGB uint8 array; transparency over a gray checkerboard."""
    if not isinstance(image, Image.Image):
        a = np.asarray(image)
        if a.dtype != np.uint8:
            a = (np.clip(a, 0, 1) * 255).round().astype(np.uint8)
        image = Image.fromarray(a)
    return _as_display_rgb(image)


def _show(ax, img, title=None):
    small = max(img.shape[:2]) <= 100
    ax.imshow(img, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest" if small else "antialiased")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(OUT))
    args = parser.parse_args(argv)
    digits, labels = robustness.sample_digits(SAMPLES, seed=3)
    pre = DigitImagePreprocessor(on_blank="nan", output_shape="image")
    fig, axes = plt.subplots(len(ROWS), 2 * SAMPLES, figsize=(1.25 * 2 * SAMPLES + 1.6,
                             1.25 * len(ROWS) + 0.4), layout="constrained")
    for r, name in enumerate(ROWS):
        images, _, _ = robustness.render(name, digits, labels, seed=0)
        after = pre.transform(list(images[:SAMPLES]))
        for s in range(SAMPLES):
            raw_ax, out_ax = axes[r, 2 * s], axes[r, 2 * s + 1]
            first = r == 0
            _show(raw_ax, _display(images[s]), "as it comes" if first else None)
            if np.isnan(after[s]).any():
                out_ax.axis("off")
                out_ax.text(0.5, 0.5, "blank", ha="center", va="center", fontsize=9,
                            transform=out_ax.transAxes)
                if first:
                    out_ax.set_title("preprocessed", fontsize=8)
            else:
                _show(out_ax, after[s], "preprocessed" if first else None)
        shape = np.asarray(images[0]).shape
        axes[r, 0].set_ylabel(f"{name}\n{shape[1]}x{shape[0]}", fontsize=8, rotation=0,
                              ha="right", va="center", labelpad=6)
    fig.savefig(args.output, dpi=DPI)
    plt.close(fig)
    with Image.open(args.output) as im:
        rgb = im.convert("RGB")
    rgb.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        args.output, optimize=True)
    print(args.output)


if __name__ == "__main__":
    main()
