"""Recognise raw image files: drawings, scans and photos of handwritten digits.

A pipeline ``DigitImagePreprocessor -> DigitCNNClassifier`` takes file paths directly:
the preprocessor reads each file (any size, colour mode, dark-on-light or light-on-dark,
transparent backgrounds) and turns it into an MNIST-like 28x28 digit. This script predicts
the files given on the command line, or every image of a folder laid out as
``<label>/<image>`` (by default the project's ``drawn-dev`` collection of real drawn
digits), and reports the accuracy when the labels are known from the folder names.

Without ``--model`` it first trains a small model (for a good one, run
``skdigits train`` and pass ``--model model.joblib``).

Usage::

    python examples/predict_drawn_images.py --model model.joblib            # drawn-dev folder
    python examples/predict_drawn_images.py --model model.joblib a.png b.jpg
    python examples/predict_drawn_images.py --folder my_digits/ --quick

``--quick`` (or ``SKDIGITS_QUICK=1``) trains on 1,000 digits for 1 epoch when no model is
given, so the script runs in seconds (and recognises fewer digits).
"""

import argparse
import os
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline

from skdigits import DigitCNNClassifier, DigitImagePreprocessor, load_mnist
from skdigits.persistence import load

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
# The drawn digits beside the repository (see ../shared/data/README.md), if present.
_REPO = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = Path(os.environ.get("SKDIGITS_DRAWN", _REPO.parent / "shared" / "data" / "drawn-dev"))


def labelled_files(folder):
    """``(paths, labels)`` of the images in ``folder/<label>/``."""
    pairs = sorted(
        (path, path.parent.name)
        for path in Path(folder).glob("*/*")
        if path.suffix.lower() in SUFFIXES
    )
    return [p for p, _ in pairs], [label for _, label in pairs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="*", help="image files (default: the images of --folder)")
    parser.add_argument("--folder", default=DEFAULT_FOLDER, help="folder of <label>/<image> files")
    parser.add_argument("--model", help="pipeline saved by 'skdigits train' (default: train one)")
    parser.add_argument("--quick", action="store_true", default=os.environ.get("SKDIGITS_QUICK") == "1",
                        help="train a tiny model (1,000 digits, 1 epoch) when no --model is given")
    args = parser.parse_args()

    if args.images:
        files, labels = [Path(p) for p in args.images], None
    elif Path(args.folder).is_dir():
        files, labels = labelled_files(args.folder)
    else:
        parser.error(f"no image files given and no folder at {args.folder} (use --folder DIR)")
    if not files:
        parser.error(f"no images found in {args.folder}")

    if args.model:
        pipe = load(args.model)
    else:
        n, epochs = (1000, 1) if args.quick else (20_000, 2)
        print(f"No --model given: training a small model on {n:,} MNIST digits, {epochs} epoch(s) ...")
        (X_train, y_train), _ = load_mnist()
        pipe = make_pipeline(
            DigitImagePreprocessor(),
            DigitCNNClassifier(
                architecture="simple" if args.quick else "deep", epochs=epochs, random_state=0
            ),
        )
        pipe.fit(X_train[:n], y_train[:n])

    # File paths go straight into the pipeline (a missing or blank file raises a
    # ValueError naming it; `skdigits predict` reports such files one by one instead).
    proba = pipe.predict_proba([str(f) for f in files])
    predicted = np.asarray(pipe.classes_)[proba.argmax(axis=1)]
    width = max(len(f.name) for f in files)
    for i, (f, digit, p) in enumerate(zip(files, predicted, proba)):
        truth = f"   (label {labels[i]})" if labels else ""
        mark = "" if not labels or str(digit) == labels[i] else "  <-- wrong"
        print(f"{f.name:<{width}}  {digit}  {p.max():6.1%}{truth}{mark}")
    if labels:
        correct = np.mean([str(d) == t for d, t in zip(predicted, labels)])
        print(f"Accuracy: {correct:.2%} on {len(files)} images from {args.folder}")


if __name__ == "__main__":
    main()
