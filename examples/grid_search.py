"""Choose an architecture and a learning rate with GridSearchCV.

``DigitCNNClassifier`` is an ordinary scikit-learn classifier, so its hyper-parameters
(``architecture``, ``learning_rate``, ``epochs``, ``dropout``, ...) can be searched with
``GridSearchCV``. Each architecture comes with its own optimizer (SGD for ``simple``,
Adam for ``deep``), so the grid is a list of two sub-grids with learning rates that suit
each optimizer. The best candidate is refitted on all the training digits and scored on
the MNIST test set.

Keras already uses every CPU core for one model: keep ``n_jobs=1``.

Usage::

    python examples/grid_search.py            # 10,000 digits, 2 epochs, 3-fold CV: minutes
    python examples/grid_search.py --quick    # 1,000 digits, 1 epoch, 2 folds, 2 candidates

``--quick`` (or ``SKDIGITS_QUICK=1``) runs in seconds.
"""

import argparse
import os

from sklearn.model_selection import GridSearchCV

from skdigits import DigitCNNClassifier, load_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("SKDIGITS_QUICK") == "1",
                        help="tiny data, 1 epoch, 2 folds, one learning rate per architecture")
    args = parser.parse_args()

    (X_train, y_train), (X_test, y_test) = load_mnist()
    if args.quick:
        n_train, n_test, epochs, cv = 1000, 1000, 1, 2
        grid = [
            {"architecture": ["simple"], "learning_rate": [0.01]},
            {"architecture": ["deep"], "learning_rate": [1e-3]},
        ]
    else:
        n_train, n_test, epochs, cv = 10_000, 10_000, 2, 3
        grid = [
            {"architecture": ["simple"], "learning_rate": [0.01, 0.03]},
            {"architecture": ["deep"], "learning_rate": [1e-3, 3e-3]},
        ]
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    X_test, y_test = X_test[:n_test], y_test[:n_test]

    search = GridSearchCV(DigitCNNClassifier(epochs=epochs, random_state=0), grid, cv=cv, n_jobs=1)
    search.fit(X_train, y_train)

    print(f"{cv}-fold cross-validation on {n_train:,} digits, {epochs} epoch(s) per fit:")
    results = search.cv_results_
    for rank, params, mean, std, fit_time in sorted(zip(
        results["rank_test_score"], results["params"], results["mean_test_score"],
        results["std_test_score"], results["mean_fit_time"],
    ), key=lambda row: row[0]):
        print(f"  #{rank}  {params['architecture']:<8} learning_rate={params['learning_rate']:<6g} "
              f"accuracy {mean:.2%} +/- {std:.2%}   fit {fit_time:.1f} s")
    print(f"Best: {search.best_params_}")
    print(f"Test accuracy of the refitted best model: {search.score(X_test, y_test):.2%} "
          f"on {len(X_test):,} digits")


if __name__ == "__main__":
    main()
