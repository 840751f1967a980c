"""Accuracy, fit time, size and peak memory of each architecture with its defaults.

Trains every built-in architecture on the full MNIST training set (60,000 digits) with
its default settings and evaluates it on the 10,000 test digits. Takes ~15-20 minutes
on 2 CPU cores. ``--limit N`` trains on the first N digits for a quick look.

Usage::

    python benchmarks/bench_architectures.py [--architectures simple classic deep]
        [--limit N] [--json results/architectures.json]
"""

import argparse
import json
import resource
import sys
import time


def measure(architecture, X_train, y_train, X_test, y_test, random_state=0):
    from skdigits import DigitCNNClassifier

    clf = DigitCNNClassifier(architecture=architecture, random_state=random_state, verbose=0)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = clf.score(X_test, y_test)
    predict_seconds = time.perf_counter() - start
    settings = clf._settings()
    return {
        "architecture": architecture,
        "test_accuracy": round(float(accuracy), 4),
        "fit_seconds": round(fit_seconds, 1),
        "predict_10k_seconds": round(predict_seconds, 2),
        "parameters": int(clf.model_.count_params()),
        # ru_maxrss is the process' high-water mark (KiB on Linux), so it only grows
        # from one architecture to the next: run one architecture per process for an
        # exact figure per architecture.
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "train_size": len(X_train),
        **{key: settings[key] for key in ("epochs", "batch_size", "optimizer", "learning_rate")},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", nargs="+", default=["simple", "classic", "deep"])
    parser.add_argument("--limit", type=int, default=None, help="train on the first N digits")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)

    from skdigits import load_mnist

    (X_train, y_train), (X_test, y_test) = load_mnist()
    if args.limit:
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
    results = []
    for arch in args.architectures:
        row = measure(arch, X_train, y_train, X_test, y_test)
        results.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
