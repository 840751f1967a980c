"""Section 5: accuracy on real drawings (drawn-dev), preprocessor vs the tutorials' resize.

A pipeline ``DigitImagePreprocessor() + DigitCNNClassifier`` trained on MNIST predicts
the ~190 drawn-dev images (drawings, scans and photos from public projects, never seen in
training). Beside it, the *same trained classifier* reads the images prepared the way
the tutorials do: gray, the whole picture resized to 28x28, inverted if its mean is
light. Standalone::

    python benchmarks/bench_drawn.py [--n-train 10000] [--epochs 1] [--no-augment]
        [--pipelines a.joblib b.joblib]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

import _common

COLUMNS = ["model", "training", "images", "accuracy, preprocessor", "accuracy, naive resize",
           "gain (points)", "dark_on_light", "light_on_dark", "photo", "naive: dark/light/photo"]


def naive_resize(paths):
    """The tutorials' recipe: gray, resize the whole picture to 28x28, invert if light."""
    out = []
    for path in paths:
        with Image.open(path) as im:
            a = np.asarray(im.convert("L").resize((28, 28)), np.float32) / 255
        out.append(1 - a if a.mean() > 0.5 else a)
    return np.stack(out)


def train_pipeline(architecture="classic", n_train=10000, epochs=1, augment=None, random_state=0):
    """``make_pipeline(DigitImagePreprocessor(), DigitCNNClassifier(...))`` fitted on MNIST."""
    from sklearn.pipeline import make_pipeline

    from skdigits import DigitCNNClassifier, DigitImagePreprocessor

    (X, y), _ = _common.mnist()
    X, y = _common.subset(X, y, n_train)
    pipe = make_pipeline(
        DigitImagePreprocessor(),
        DigitCNNClassifier(architecture, epochs=epochs, augment=augment, random_state=random_state),
    )
    start = time.perf_counter()
    pipe.fit(X, y)
    return pipe, time.perf_counter() - start


def evaluate(pipe, rows):
    """Accuracy of ``pipe`` on drawn-dev ``rows``, through the preprocessor and naive."""
    paths = [r["path"] for r in rows]
    labels = np.array([r["label"] for r in rows])
    styles = np.array([r.get("style", "?") for r in rows])
    pred = np.asarray(pipe.predict(paths)).astype(int)
    naive = np.asarray(pipe[-1].predict(naive_resize(paths))).astype(int)
    out = {
        "images": len(paths),
        "accuracy, preprocessor": round(float(np.mean(pred == labels)), 4),
        "accuracy, naive resize": round(float(np.mean(naive == labels)), 4),
    }
    out["gain (points)"] = round(100 * (out["accuracy, preprocessor"] - out["accuracy, naive resize"]), 1)
    per_style = defaultdict(list)
    for style in ("dark_on_light", "light_on_dark", "photo"):
        m = styles == style
        if m.any():
            out[style] = f"{int((pred[m] == labels[m]).sum())}/{int(m.sum())}"
            per_style["naive"].append(f"{int((naive[m] == labels[m]).sum())}")
    out["naive: dark/light/photo"] = "/".join(per_style["naive"])
    out["errors (preprocessor)"] = [
        {"file": r["file"], "label": int(r["label"]), "predicted": int(p)}
        for r, p in zip(rows, pred) if p != r["label"]
    ]
    return out


def make_section(rows, notes=(), params=None):
    return _common.section(
        "Accuracy on real drawings (drawn-dev): preprocessor vs naive resize",
        "Each model is a `DigitImagePreprocessor() + DigitCNNClassifier` pipeline trained on "
        "MNIST only (`random_state=0`). 'preprocessor': `pipe.predict(paths)` on the drawn-dev "
        "PNG files. 'naive resize': the same trained classifier (`pipe[-1]`) on the images "
        "prepared as the tutorials do: `Image.open(p).convert('L').resize((28, 28))`, scaled "
        "to 0..1 and inverted if the mean is above 0.5. Per-style columns count correct / "
        "images (manifest.csv's style); the last column gives the naive resize's correct "
        "counts for the same three styles. One evaluation per model (deterministic).",
        tables=[_common.table(None, COLUMNS, rows)],
        notes=notes,
        params=params,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--architecture", default="classic")
    parser.add_argument("--no-augment", action="store_true", help="skip the augment=True model")
    parser.add_argument("--pipelines", nargs="*", help="evaluate these dumped pipelines instead")
    parser.add_argument("--drawn-dir", default=str(_common.DEFAULT_DRAWN_DIR))
    args = parser.parse_args()
    rows_dd = _common.drawn_dev(args.drawn_dir)
    rows = []
    if args.pipelines:
        from skdigits import persistence

        for path in args.pipelines:
            rows.append({"model": Path(path).name, "training": "loaded",
                         **evaluate(persistence.load(path), rows_dd)})
    else:
        for augment in (False,) if args.no_augment else (False, True):
            pipe, seconds = train_pipeline(args.architecture, args.n_train, args.epochs, augment)
            rows.append({"model": f"{args.architecture}" + (" augment=True" if augment else ""),
                         "training": f"{args.n_train:,} digits x {args.epochs} epoch(s), {seconds:.0f} s",
                         **evaluate(pipe, rows_dd)})
    print(_common.markdown_table(_common.table(None, COLUMNS, rows)))


if __name__ == "__main__":
    main()
