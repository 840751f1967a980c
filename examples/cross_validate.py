"""Estimate a CNN's accuracy, and its spread, with k-fold cross-validation.

``cross_validate`` clones ``DigitCNNClassifier`` for each fold, fits it on the other
folds and scores it on the held-out one, reporting fit and score times as well. Because
the classifier declares itself a classifier, scikit-learn splits with ``StratifiedKFold``
(every digit in each fold). ``random_state`` makes each fold's training repeatable.

Usage::

    python examples/cross_validate.py            # 'deep' CNN, 20,000 digits, 5 folds, 2 epochs
    python examples/cross_validate.py --quick    # 1,000 digits, 2 folds, 1 epoch

``--quick`` (or ``SKDIGITS_QUICK=1``) runs in seconds.
"""

import argparse
import os

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate

from skdigits import DigitCNNClassifier, load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("SKDIGITS_QUICK") == "1",
                        help="tiny data, 2 folds, 1 epoch")
    args = parser.parse_args()

    (X, y), _ = load_mnist()
    if args.quick:
        n, folds, clf = 1000, 2, DigitCNNClassifier(architecture="simple", epochs=1, random_state=0)
    else:
        n, folds, clf = 20_000, 5, DigitCNNClassifier(architecture="deep", epochs=2, random_state=0)
    X, y = X[:n], y[:n]

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    scores = cross_validate(clf, X, y, cv=cv, scoring="accuracy", return_train_score=True)

    print(f"{folds}-fold cross-validation of {clf!r} on {n:,} MNIST digits")
    for i in range(folds):
        print(f"  fold {i + 1}: test accuracy {scores['test_score'][i]:.2%}  "
              f"(train {scores['train_score'][i]:.2%}, fit {scores['fit_time'][i]:.1f} s)")
    test = scores["test_score"]
    print(f"Accuracy: {np.mean(test):.2%} +/- {np.std(test):.2%}")


if __name__ == "__main__":
    main()
