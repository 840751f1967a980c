"""Section 4: accuracy, fit time, size and peak memory of each architecture with its defaults.

Trains every built-in architecture on the MNIST training set (60,000 digits) with its
default settings (``random_state=0``) and evaluates it on the 10,000 test digits. Each
architecture runs in its own Python process, so that the peak resident memory
(``VmHWM``/``ru_maxrss``, a per-process high-water mark) is that architecture's alone. Takes
~40-60 minutes for all four on 2 shared CPU cores. ``--limit N --epochs 1`` gives a
quick look.

Usage::

    python benchmarks/bench_architectures.py [--architectures simple classic deep modern]
        [--limit N] [--epochs E] [--test-limit N] [--save-dir DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import _common

ARCHITECTURES = ("simple", "classic", "deep", "modern")
# Test accuracy the defaults must reach on full MNIST (and, for modern, fit time).
TARGETS = {"simple": 0.985, "classic": 0.992, "deep": 0.990, "modern": 0.996}
MODERN_MAX_FIT_SECONDS = 15 * 60

COLUMNS = [
    "architecture", "train digits", "epochs", "batch", "optimizer (lr)", "test digits",
    "test accuracy %", "fit s", "predict s", "parameters", "RSS before fit MiB",
    "peak RSS during fit+score MiB", "peak RSS MiB", "target", "met",
]


def measure_one(architecture, limit=None, epochs=None, test_limit=None, save_path=None,
                random_state=0):
    """Train and evaluate one architecture in this process; return a result row."""
    start_rss = _common.rss_mib()
    (X_train, y_train), (X_test, y_test) = _common.mnist()
    X_train, y_train = _common.subset(X_train, y_train, limit)
    X_test, y_test = _common.subset(X_test, y_test, test_limit)

    from skdigits import DigitCNNClassifier

    clf = DigitCNNClassifier(architecture=architecture, epochs=epochs,
                             random_state=random_state, verbose=0)
    settings = clf._resolve_settings(len(X_train))
    rss_before = _common.rss_mib()
    peak_before = _common.peak_rss_mib()
    reset = _common.reset_peak_rss()  # so that the next peak is the fit's own
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = clf.score(X_test, y_test)
    predict_seconds = time.perf_counter() - start
    peak_fit = _common.peak_rss_mib()
    row = {
        "architecture": architecture,
        "train digits": len(X_train),
        "epochs": settings.epochs,
        "batch": settings.batch_size,
        "optimizer (lr)": f"{settings.optimizer} ({settings.learning_rate:g})"
        + (", augment" if settings.augment else "")
        + (f", {settings.lr_schedule}" if settings.lr_schedule != "constant" else ""),
        "test digits": len(X_test),
        "test accuracy": round(float(accuracy), 4),
        # As text: the table's number format would round 0.9874 to 0.987.
        "test accuracy %": f"{accuracy:.2%}",
        "fit s": round(fit_seconds, 1),
        "predict s": round(predict_seconds, 2),
        "parameters": int(clf.model_.count_params()),
        "RSS at start MiB": round(start_rss),
        "RSS before fit MiB": round(rss_before),
        "RSS after fit MiB": round(_common.rss_mib()),
        # The process' high-water mark: one architecture per process.
        "peak RSS MiB": round(max(peak_before, peak_fit)),
        "peak RSS during fit+score MiB": round(peak_fit) if reset else None,
        "random_state": random_state,
    }
    full = len(X_train) == 60000 and len(X_test) == 10000 and epochs is None
    goal = TARGETS.get(architecture)
    row["target"] = f">= {goal:.1%}" if goal else None
    if architecture == "modern":
        row["target"] += f", fit <= {MODERN_MAX_FIT_SECONDS // 60} min"
    met = None
    if full and goal:
        met = accuracy >= goal and (architecture != "modern" or fit_seconds <= MODERN_MAX_FIT_SECONDS)
    row["met"] = met
    if save_path:
        # The preprocessor maps MNIST to itself (scaled to 0..1; 2 of 70,000 digits move
        # by one pixel), so this pipeline is what make_pipeline(...).fit(X, y) gives.
        from sklearn.pipeline import Pipeline

        from skdigits import DigitImagePreprocessor, persistence

        pipe = Pipeline([
            ("digitimagepreprocessor", DigitImagePreprocessor().fit(X_train[:10])),
            ("digitcnnclassifier", clf),
        ])
        persistence.dump(pipe, save_path)
        row["pipeline"] = str(save_path)
    return row


def run_in_subprocess(architecture, limit=None, epochs=None, test_limit=None, save_path=None,
                      timeout=None):
    args = ["--worker-architecture", architecture]
    if limit:
        args += ["--limit", limit]
    if epochs:
        args += ["--epochs", epochs]
    if test_limit:
        args += ["--test-limit", test_limit]
    if save_path:
        args += ["--save-pipeline", save_path]
    return _common.run_worker("bench_architectures.py", args, timeout=timeout)


def make_section(rows, params, quick):
    targets = []
    for row in rows:
        if row.get("error"):
            continue
        targets.append(_common.target(
            f"{row['architecture']} test accuracy" + (" and fit time" if row["architecture"] == "modern" else ""),
            row.get("target") or "–",
            f"{row['test accuracy']:.2%}" + (f" in {row['fit s'] / 60:.1f} min" if row["architecture"] == "modern" else ""),
            row.get("met"),
        ))
    method = (
        "Each architecture is trained with its defaults (`DigitCNNClassifier(architecture, "
        "random_state=0)`: seeded, so TensorFlow's op determinism is on) in its own Python "
        "process, so that the peak RSS belongs to that architecture alone. 'peak RSS' is the "
        "process' high-water mark (`VmHWM`, i.e. `ru_maxrss` without the parent's RSS that "
        "Linux carries into it across fork + exec), including TensorFlow and the MNIST "
        "arrays (see 'RSS before fit'); 'during fit+score' is the high-water mark after "
        "resetting it just before `fit` (`/proc/self/clear_refs`). Fit seconds are "
        "wall-clock time of `fit`; predict seconds are `score` on the test digits. One run "
        "per architecture (no repeats: this is an accuracy and size table; fit times vary "
        "with the load of the shared machine)."
    )
    if quick:
        method += (
            f" **Quick mode**: {params.get('limit') or 'all'} training digits, "
            f"{params.get('epochs') or 'default'} epoch(s), {params.get('test_limit') or 10000} "
            "test digits -- accuracies are far from the full-MNIST targets, which only a "
            "--full run checks."
        )
    return _common.section(
        "Architectures on MNIST with their defaults",
        method,
        tables=[_common.table(None, COLUMNS, rows)],
        targets=targets,
        params=params,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES),
                        choices=ARCHITECTURES)
    parser.add_argument("--limit", type=int, default=None, help="train on N random digits")
    parser.add_argument("--epochs", type=int, default=None, help="override the default epochs")
    parser.add_argument("--test-limit", type=int, default=None, help="test on N random digits")
    parser.add_argument("--save-dir", help="dump each fitted pipeline to DIR/<architecture>.joblib")
    parser.add_argument("--json", help="write the rows to this JSON file")
    # worker mode (used by run.py and by this script itself)
    parser.add_argument("--worker-architecture", help=argparse.SUPPRESS)
    parser.add_argument("--save-pipeline", help=argparse.SUPPRESS)
    parser.add_argument("--worker-json", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker_architecture:
        row = measure_one(args.worker_architecture, args.limit, args.epochs, args.test_limit,
                          args.save_pipeline)
        _common.write_json(args.worker_json, row)
        return 0

    from pathlib import Path

    rows = []
    for arch in args.architectures:
        save = str(Path(args.save_dir) / f"{arch}.joblib") if args.save_dir else None
        row = run_in_subprocess(arch, args.limit, args.epochs, args.test_limit, save)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.json:
            _common.write_json(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
