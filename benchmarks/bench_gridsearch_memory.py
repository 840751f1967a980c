"""Section 6: resident memory across a GridSearchCV, DigitCNNClassifier vs plain Keras.

``GridSearchCV(DigitCNNClassifier("simple", epochs=1), {"learning_rate": 6 values},
cv=3, refit=False)`` on 3,000 MNIST digits: 18 fits, with the process' resident set
size (``/proc/self/statm``) recorded after each fit by a subclass whose ``fit`` calls
the classifier's and then reads it. Beside it, in another fresh process, the plain Keras
loop doing the same 18 fits in the same order (candidates outer, the same stratified
3 folds inner): ``keras.backend.clear_session()`` before each fit (Keras' advice for
models built in a loop; it runs a full ``gc.collect()``, which the classifier skips to
save 0.3 s per fit), build, compile, ``fit``, ``predict`` on the held-out
fold. Optionally a third arm: the plain loop without ``clear_session``.

TensorFlow keeps the variables of each traced training function alive (about one model's
size per fit, in plain Keras too, with or without ``clear_session``: tensorflow issues
#61791 and #43702), so some growth from fit to fit is expected in every arm; the
question is whether the wrapper adds to it. Standalone::

    python benchmarks/bench_gridsearch_memory.py [--n 3000] [--no-clear-arm]
"""

from __future__ import annotations

import argparse
import sys
import time

import _common

LEARNING_RATES = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
ARMS = {
    "skdigits": "GridSearchCV(DigitCNNClassifier) (clear_session without gc.collect inside fit)",
    "keras": "plain Keras loop, clear_session (with its gc.collect) before each fit",
    "keras-noclear": "plain Keras loop, no clear_session",
}
_RSS_AFTER_FIT = []


def _recording_classifier():
    from skdigits import DigitCNNClassifier

    class RecordingClassifier(DigitCNNClassifier):
        """DigitCNNClassifier that records the process' RSS after each fit."""

        def fit(self, X, y, sample_weight=None):
            super().fit(X, y, sample_weight=sample_weight)
            _RSS_AFTER_FIT.append(_common.rss_mib())
            return self

    return RecordingClassifier


def run_arm(arm, n=3000, folds=3, epochs=1, learning_rates=LEARNING_RATES):
    """One arm in this process; returns RSS after each fit and summary numbers."""
    import numpy as np

    (X, y), _ = _common.mnist()
    X, y = _common.subset(X, y, n)
    rss_start = _common.rss_mib()
    start = time.perf_counter()
    if arm == "skdigits":
        from sklearn.model_selection import GridSearchCV

        search = GridSearchCV(_recording_classifier()("simple", epochs=epochs),
                              {"learning_rate": list(learning_rates)}, cv=folds, refit=False)
        search.fit(X, y)
        rss = list(_RSS_AFTER_FIT)
        scores = [round(float(s), 4) for s in search.cv_results_["mean_test_score"]]
        params = None
    else:
        import keras
        from sklearn.model_selection import StratifiedKFold

        from skdigits.architectures import get_architecture

        spec = get_architecture("simple")
        Xf = (X.astype(np.float32) / 255).reshape(-1, 28, 28, 1)
        rss, fold_scores = [], []
        for lr in learning_rates:
            for train, test in StratifiedKFold(folds).split(X, y):
                if arm == "keras":
                    keras.backend.clear_session()  # runs gc.collect() itself
                model = spec.build(n_classes=10, dropout=spec.dropout)
                model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
                              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
                model.fit(Xf[train], y[train], epochs=epochs, batch_size=spec.batch_size, verbose=0)
                rss.append(_common.rss_mib())
                proba = model.predict(Xf[test], verbose=0)
                fold_scores.append(float(np.mean(proba.argmax(axis=1) == y[test])))
                params = model.count_params()
        scores = [round(float(np.mean(fold_scores[i:i + folds])), 4)
                  for i in range(0, len(fold_scores), folds)]
    seconds = time.perf_counter() - start
    if params is None:
        from skdigits.architectures import get_architecture

        params = get_architecture("simple").build(n_classes=10).count_params()
    return {
        "arm": arm,
        "fits": len(rss),
        "seconds": round(seconds, 1),
        "rss_start_mib": round(rss_start, 1),
        "rss_after_each_fit_mib": [round(r, 1) for r in rss],
        "peak_rss_mib": round(_common.peak_rss_mib(), 1),
        "mean_test_scores": scores,
        "parameters": int(params),
    }


def summarise(result):
    import numpy as np

    rss = result["rss_after_each_fit_mib"]
    steps = np.diff(rss)
    later = np.arange(1, len(rss))
    slope = float(np.polyfit(later, np.asarray(rss[1:]), 1)[0]) if len(rss) > 2 else float("nan")
    return {
        "arm": ARMS[result["arm"]],
        "fits": result["fits"],
        "RSS before 1st fit MiB": result["rss_start_mib"],
        "after fit 1": rss[0],
        "after last fit": rss[-1],
        "growth fit 1 -> last MiB": round(rss[-1] - rss[0], 1),
        "median growth per fit MiB": round(float(np.median(steps)), 2),
        "slope fits 2..last MiB/fit": round(slope, 2),
        "peak RSS MiB": result["peak_rss_mib"],
        "search s": result["seconds"],
    }


def run_in_subprocess(arm, n=3000):
    return _common.run_worker("bench_gridsearch_memory.py", ["--worker-arm", arm, "--n", n])


def make_section(results, n):
    rows = [summarise(r) for r in results]
    per_fit = [{"arm": r["arm"], "RSS after each fit (MiB)": " ".join(f"{x:.0f}" for x in r["rss_after_each_fit_mib"])}
               for r in results]
    model_mib = results[0]["parameters"] * 4 / 2**20
    by_arm = {r["arm"]: summarise(r) for r in results}
    notes = [f"The `simple` network has {results[0]['parameters']:,} parameters = "
             f"{model_mib:.1f} MiB of float32 weights (SGD momentum adds as much again)."]
    targets = []
    if "skdigits" in by_arm and "keras" in by_arm:
        ours = by_arm["skdigits"]["slope fits 2..last MiB/fit"]
        theirs = by_arm["keras"]["slope fits 2..last MiB/fit"]
        notes.append(f"Growth per fit, skdigits vs plain Keras with clear_session: "
                     f"{ours:.2f} vs {theirs:.2f} MiB/fit (difference {ours - theirs:+.2f} MiB/fit).")
        targets.append(_common.target(
            "memory growth per fit in a grid search, wrapper vs plain Keras",
            "no more than plain Keras + 1 MiB/fit", f"{ours:.2f} vs {theirs:.2f} MiB/fit",
            ours <= theirs + 1.0))
    return _common.section(
        "Memory across a GridSearchCV (6 candidates x 3 folds)",
        f"`GridSearchCV(DigitCNNClassifier('simple', epochs=1), {{'learning_rate': "
        f"{list(LEARNING_RATES)}}}, cv=3, refit=False)` on {n:,} MNIST digits (18 fits), "
        "RSS (`/proc/self/statm`) recorded after each fit by a subclass whose `fit` calls the "
        "classifier's then reads it. Each arm runs in its own fresh process (same data, same "
        "folds, same order); the plain Keras arm builds, compiles and fits the same network "
        "with `keras.backend.clear_session()` before each fit (which runs a full "
        "`gc.collect()`; the classifier resets the session without it and leaves old "
        "networks to Python's cyclic collector), and scores the held-out fold with `model.predict`. TensorFlow "
        "keeps each traced training function's variables alive (tensorflow #61791, #43702), "
        "so growth is expected in every arm; the slope (least squares over fits 2..18, "
        "i.e. after the first fit's one-off allocations) says whether the wrapper adds to it.",
        tables=[_common.table(None, list(rows[0]), rows),
                _common.table("RSS after each fit", ["arm", "RSS after each fit (MiB)"], per_fit)],
        targets=targets,
        notes=notes,
        params={"n": n, "learning_rates": list(LEARNING_RATES), "raw": results},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--no-clear-arm", action="store_true",
                        help="also run the plain Keras loop without clear_session")
    parser.add_argument("--worker-arm", choices=list(ARMS), help=argparse.SUPPRESS)
    parser.add_argument("--worker-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_arm:
        _common.write_json(args.worker_json, run_arm(args.worker_arm, args.n))
        return 0
    arms = ["skdigits", "keras"] + (["keras-noclear"] if args.no_clear_arm else [])
    results = [run_in_subprocess(a, args.n) for a in arms]
    sec = make_section(results, args.n)
    for tab in sec["tables"]:
        print(_common.markdown_table(tab), end="\n\n")
    print("\n".join(sec["notes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
