"""Section 1: what DigitCNNClassifier costs over plain Keras, for fit and predict.

fit
    ``DigitCNNClassifier(arch, epochs=E, batch_size=B).fit(X_uint8, y)`` against the
    plain Keras code a tutorial would write for the same network: build it with
    ``get_architecture(arch).build(n_classes=10, dropout=default)``, compile it with the
    optimizer, learning rate, loss and metrics the classifier uses (SGD gets momentum
    0.9, as in the classifier), ``model.fit(X_float, y, epochs=E, batch_size=B)``.
    Both are *unseeded* (the classifier's default ``random_state=None``): seeding turns
    on TensorFlow's op determinism, which the plain loop would not have. Both timings
    include building and compiling the network; the classifier's also includes its
    input validation, the uint8 -> float32 conversion, label encoding and the
    ``keras.backend.clear_session(free_memory=False)`` it runs before every fit,
    while the plain arm gets its float32 ``(n, 28, 28, 1)`` array prepared once,
    outside the timing (which favours the baseline).

predict
    ``clf.predict(X_test)`` on 10,000 uint8 digits (validation, predict_on_batch in
    chunks of 512, argmax, label decoding) against ``clf.model_.predict(x, batch_size=512)``
    -- the same network and weights -- on the prepared float32 array, and against
    ``model.predict(x)`` with Keras' default batch size (32).

Arms run interleaved (ABBA) after an untimed warm-up round; the summary is the median
per-round ratio. Runnable alone::

    python benchmarks/bench_overhead.py [--architectures simple classic] [--n-train 5000]
        [--epochs 1] [--fit-rounds 3] [--predict-rounds 5]
"""

from __future__ import annotations

import argparse
import json
import time

import _common
from _common import interleave, median, ratios, section, table, target

METHOD = (
    "**fit**: `DigitCNNClassifier(arch, epochs=E, batch_size=B).fit(X_uint8, y)` against the "
    "plain Keras code a tutorial would write for the same network: "
    "`get_architecture(arch).build(n_classes=10, dropout=default)`, compiled with the "
    "classifier's optimizer and learning rate (SGD with momentum 0.9, as the classifier does), loss "
    "(sparse categorical cross-entropy) and metrics (accuracy), then "
    "`model.fit(X_float, y, epochs=E, batch_size=B)`. Both timings include building and "
    "compiling; the classifier's also includes input validation, the uint8 -> float32 "
    "conversion, label encoding and the `clear_session(free_memory=False)` it runs before "
    "every fit, whereas the plain arm's float32 `(n, 28, 28, 1)` array is prepared once "
    "outside the timing (this favours the baseline). **predict**: `clf.predict` on uint8 "
    "test digits (validation, `predict_on_batch` in chunks of 512, argmax, label decoding) "
    "against `clf.model_.predict(x, batch_size=512)` (same network and weights, prepared "
    "float32 input) and `model.predict(x)` with Keras' default batch size 32."
)
FIT_TARGET = 1.05
PREDICT_TARGET = 1.10


def _optimizer(name, learning_rate):
    import keras

    kwargs = {"momentum": 0.9} if name.lower() == "sgd" else {}
    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate, **kwargs}})


def plain_keras_fit(architecture, X, y, epochs, batch_size):
    """The tutorial code: build, compile, fit. ``X`` float32 (n, 28, 28, 1) in 0..1."""
    from skdigits.architectures import get_architecture

    spec = get_architecture(architecture)
    model = spec.build(n_classes=10, dropout=spec.dropout)
    model.compile(
        optimizer=_optimizer(spec.optimizer, spec.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def _fixed_costs(arch, fit_row, calls=5):
    """Time the memory release that DigitCNNClassifier.fit runs before building a model."""
    import gc

    import keras

    from skdigits import _tf

    rows = []
    for name, fn in (("skdigits._tf.release_keras_memory()", _tf.release_keras_memory),
                     ("keras.backend.clear_session() (calls gc.collect itself)",
                      keras.backend.clear_session),
                     ("gc.collect()", gc.collect)):
        wall, cpu = [], []
        for _ in range(calls):
            c0 = time.process_time()
            wall.append(_common.timed(fn)[0])
            cpu.append(time.process_time() - c0)
        rows.append({
            "after fits of": arch,
            "call": name,
            "wall s (median)": round(median(wall), 3),
            "CPU s (median)": round(median(cpu), 3),
            "share of the plain keras fit": f"{median(wall) / fit_row['keras fit s (median)']:.1%}",
        })
    return rows


def measure(architectures=("simple",), n_train=5000, epochs=1, fit_rounds=3,
            predict_rounds=5, n_predict=10000, log=print):
    import numpy as np

    from skdigits import DigitCNNClassifier
    from skdigits.architectures import get_architecture

    (X_train, y_train), (X_test, y_test) = _common.mnist()
    X, y = _common.subset(X_train, y_train, n_train)
    Xf = (X.astype(np.float32) / 255).reshape(-1, 28, 28, 1)
    Xt = X_test[:n_predict]
    Xtf = (Xt.astype(np.float32) / 255).reshape(-1, 28, 28, 1)

    fit_rows, predict_rows, fixed_rows, targets, raw = [], [], [], [], {}
    for arch in architectures:
        spec = get_architecture(arch)
        batch = spec.batch_size
        fitted = {}

        def ours():
            fitted["clf"] = DigitCNNClassifier(arch, epochs=epochs, batch_size=batch).fit(X, y)

        def keras_fit():
            plain_keras_fit(arch, Xf, y, epochs, batch)

        log(f"  fit {arch}: {n_train} digits, {epochs} epoch(s), batch {batch}, "
            f"{fit_rounds} rounds + 1 warm-up")
        cpu = {}
        times = interleave(
            {"keras": keras_fit, "skdigits": ours}, fit_rounds, warmup=1, cpu=cpu,
            on_round=lambda r, t: log(f"    round {r + 1}: keras {t['keras']:.2f} s, "
                                      f"skdigits {t['skdigits']:.2f} s"),
        )
        rs = ratios(times, "keras", "skdigits")
        rs_cpu = ratios(cpu, "keras", "skdigits")
        raw[f"fit_{arch}"] = {"wall": times, "cpu": cpu}
        fit_rows.append({
            "architecture": arch,
            "digits x epochs": f"{n_train:,} x {epochs}",
            "batch": batch,
            "rounds": fit_rounds,
            "keras fit s (median)": round(median(times["keras"]), 3),
            "skdigits fit s (median)": round(median(times["skdigits"]), 3),
            "ratio (median of rounds)": round(median(rs), 3),
            "ratio min..max": f"{min(rs):.3f}..{max(rs):.3f}",
            "CPU-time ratio (median)": round(median(rs_cpu), 3),
        })
        targets.append(target(f"fit overhead ({arch})", f"<= {FIT_TARGET}", round(median(rs), 3),
                              median(rs) <= FIT_TARGET))

        clf = fitted["clf"]
        model = clf.model_
        fixed_rows.extend(_fixed_costs(arch, fit_rows[-1]))
        arms = {
            "model.predict(batch_size=512)": lambda: model.predict(Xtf, batch_size=512, verbose=0),
            "clf.predict": lambda: clf.predict(Xt),
            "model.predict(batch_size=32)": lambda: model.predict(Xtf, verbose=0),
        }
        log(f"  predict {arch}: {len(Xt)} digits, {predict_rounds} rounds + 1 warm-up")
        cpu = {}
        times = interleave(arms, predict_rounds, warmup=1, cpu=cpu)
        raw[f"predict_{arch}"] = {"wall": times, "cpu": cpu}
        base = "model.predict(batch_size=512)"
        for name in arms:
            rs = ratios(times, base, name)
            predict_rows.append({
                "architecture": arch,
                "call": name,
                "rounds": predict_rounds,
                "seconds (median)": round(median(times[name]), 3),
                "digits/s": round(len(Xt) / median(times[name])),
                "ratio to model.predict(512)": round(median(rs), 3),
                "ratio min..max": f"{min(rs):.3f}..{max(rs):.3f}",
                "CPU-time ratio (median)": round(median(ratios(cpu, base, name)), 3),
            })
        rs = ratios(times, base, "clf.predict")
        targets.append(target(f"predict overhead ({arch}, vs model.predict batch 512)",
                              f"<= {PREDICT_TARGET}", round(median(rs), 3), median(rs) <= PREDICT_TARGET))
        log("    " + ", ".join(f"{r['call']} {r['seconds (median)']:.2f} s" for r in predict_rows[-3:]))

    return section(
        "Wrapper overhead: DigitCNNClassifier vs plain Keras",
        METHOD
        + f" Interleaved ABBA rounds after one untimed warm-up round; {fit_rounds} fit rounds "
          f"and {predict_rounds} predict rounds; medians of wall-clock times and of per-round "
          "ratios (the targets use the wall-clock ratio); the CPU-time ratio (user + system time "
          "of the process) is shown beside it because it is less disturbed by other jobs. "
          "Unseeded (random_state=None) in both arms.",
        tables=[
            table("fit: plain keras.Model.fit vs DigitCNNClassifier.fit (ratio = skdigits / keras)",
                  list(fit_rows[0]), fit_rows),
            table(f"predict on {len(Xt):,} digits (ratio = call / model.predict(batch_size=512))",
                  list(predict_rows[0]), predict_rows),
            table("where a fixed part of the fit overhead goes: calls made by every "
                  "DigitCNNClassifier.fit (5 calls each after the fits above, median)",
                  list(fixed_rows[0]), fixed_rows),
        ],
        targets=targets,
        params=dict(architectures=list(architectures), n_train=n_train, epochs=epochs,
                    fit_rounds=fit_rounds, predict_rounds=predict_rounds, n_predict=len(Xt),
                    seeded=False, raw_seconds=raw),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architectures", nargs="+", default=["simple"])
    parser.add_argument("--n-train", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--fit-rounds", type=int, default=4)
    parser.add_argument("--predict-rounds", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    result = measure(args.architectures, args.n_train, args.epochs, args.fit_rounds, args.predict_rounds)
    for tab in result["tables"]:
        print(_common.markdown_table(tab), end="\n\n")
    print(json.dumps(result["targets"], indent=1))
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
