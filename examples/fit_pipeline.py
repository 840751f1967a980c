"""Fit a digit recognition pipeline in a script, report its accuracy and save it.

Shows the basic workflow with the scikit-learn API: load MNIST, chain
``DigitImagePreprocessor`` (raw images -> MNIST-like digits) and ``DigitCNNClassifier``
(the CNN) with ``make_pipeline``, fit, score on the test set, save with
``skdigits.persistence.dump`` and check that the reloaded pipeline predicts the same.

The saved pipeline reads image files too: ``skdigits predict digits.joblib seven.png``.

Usage::

    python examples/fit_pipeline.py                    # 'deep' CNN, 60,000 digits, 5 epochs
    python examples/fit_pipeline.py --quick            # 1,000 digits, 1 epoch: seconds
    python examples/fit_pipeline.py --output my.joblib

``--quick`` (or the environment variable ``SKDIGITS_QUICK=1``) shrinks the data and the
training so that the script runs in seconds; the accuracy is then far from the best.
"""

import argparse
import os
import time

import numpy as np
from sklearn.pipeline import make_pipeline

from skdigits import DigitCNNClassifier, DigitImagePreprocessor, load_mnist
from skdigits.persistence import dump, load


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("SKDIGITS_QUICK") == "1",
                        help="tiny data and 1 epoch, to check that the script runs")
    parser.add_argument("--output", default="digits.joblib", help="where to save the pipeline")
    args = parser.parse_args()

    (X_train, y_train), (X_test, y_test) = load_mnist()
    if args.quick:
        X_train, y_train, X_test, y_test = X_train[:1000], y_train[:1000], X_test[:1000], y_test[:1000]
        classifier = DigitCNNClassifier(architecture="simple", epochs=1, random_state=0)
    else:
        classifier = DigitCNNClassifier(architecture="deep", epochs=5, random_state=0, verbose=2)

    pipe = make_pipeline(DigitImagePreprocessor(), classifier)
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    print(f"Fitted on {len(X_train):,} digits in {time.perf_counter() - start:.1f} s")
    print(f"Test accuracy: {pipe.score(X_test, y_test):.2%} on {len(X_test):,} digits")

    dump(pipe, args.output)
    reloaded = load(args.output)
    same = np.array_equal(reloaded.predict(X_test[:200]), pipe.predict(X_test[:200]))
    print(f"Saved to {args.output}; the reloaded pipeline predicts the same: {same}")


if __name__ == "__main__":
    main()
