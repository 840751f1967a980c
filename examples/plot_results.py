"""Plot a confusion matrix and the misclassified digits of a model on the MNIST test set.

Uses scikit-learn's ``ConfusionMatrixDisplay`` and plain matplotlib (with the
non-interactive Agg backend, so it also runs on servers) to write two PNG files:

- ``confusion_matrix.png``: which digits are confused with which;
- ``misclassified.png``: the test digits the model got wrong, most confident first,
  each titled "true -> predicted (confidence)".

Without ``--model`` it first trains a small model; pass a pipeline saved by
``skdigits train`` to look at a real one (``skdigits evaluate`` writes the same figures).

Usage::

    python examples/plot_results.py --model model.joblib --output-dir figures/
    python examples/plot_results.py --quick

``--quick`` (or ``SKDIGITS_QUICK=1``) uses 1,000 training digits, 1 epoch and 2,000 test
digits, so it runs in seconds.
"""

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files, open no window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import ConfusionMatrixDisplay  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skdigits import DigitCNNClassifier, DigitImagePreprocessor, load_mnist  # noqa: E402
from skdigits.persistence import load  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="pipeline saved by 'skdigits train' (default: train one)")
    parser.add_argument("--output-dir", default=".", help="folder for the PNG files")
    parser.add_argument("--quick", action="store_true", default=os.environ.get("SKDIGITS_QUICK") == "1",
                        help="tiny training set, 1 epoch, 2,000 test digits")
    args = parser.parse_args()
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)

    (X_train, y_train), (X_test, y_test) = load_mnist()
    if args.quick:
        X_test, y_test = X_test[:2000], y_test[:2000]
    if args.model:
        model = load(args.model)
    else:
        n, epochs = (1000, 1) if args.quick else (20_000, 2)
        print(f"No --model given: training a small model on {n:,} digits, {epochs} epoch(s) ...")
        model = make_pipeline(
            DigitImagePreprocessor(),
            DigitCNNClassifier(
                architecture="simple" if args.quick else "deep", epochs=epochs, random_state=0
            ),
        ).fit(X_train[:n], y_train[:n])

    proba = model.predict_proba(X_test)
    y_pred = np.asarray(model.classes_)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    print(f"Test accuracy: {np.mean(y_pred == y_test):.2%} on {len(y_test):,} digits")

    fig, ax = plt.subplots(figsize=(7, 6))
    ConfusionMatrixDisplay.from_predictions(y_test, y_pred, ax=ax, cmap="Blues", colorbar=False)
    ax.set_title(f"Confusion matrix on {len(y_test):,} MNIST test digits")
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    wrong = np.flatnonzero(y_pred != y_test)
    wrong = wrong[np.argsort(-confidence[wrong])][:40]
    cols = 8
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.5 * rows + 0.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(X_test[i], cmap="gray")
        ax.set_title(f"{y_test[i]} -> {y_pred[i]} ({confidence[i]:.0%})", fontsize=8, color="firebrick")
    fig.suptitle(f"{np.sum(y_pred != y_test)} misclassified digits (most confident mistakes first)")
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)
    print(f"Wrote {out / 'confusion_matrix.png'} and {out / 'misclassified.png'}")


if __name__ == "__main__":
    main()
