"""Assemble, evaluate and document the pretrained pipeline (see train_pretrained.py)."""

from __future__ import annotations

import csv
import datetime
import json
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "skdigits" / "data" / "pretrained.skdigits"
CARD = ROOT / "skdigits" / "data" / "MODEL_CARD.md"
DRAWN = ROOT.parent / "shared" / "data" / "drawn-dev"
MAX_BYTES = 3 << 20


def ensemble_network(weight_files):
    """One Keras network averaging the softmax outputs of the members."""
    import keras

    from skdigits.architectures import INPUT_SHAPE, build_modern

    inputs = keras.Input(INPUT_SHAPE)
    outputs = []
    for i, file in enumerate(weight_files):
        net = build_modern(n_classes=10)
        net.load_weights(file)
        net.name = f"member_{i}"
        outputs.append(net(inputs))
    averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name="modern_ensemble")


def build_pipeline(network, labels):
    """The fitted ``Pipeline(DigitImagePreprocessor(), DigitCNNClassifier("modern"))``."""
    from sklearn.pipeline import make_pipeline

    from skdigits import DigitCNNClassifier, DigitImagePreprocessor

    clf = DigitCNNClassifier("modern", random_state=0)
    clf._restore(network, classes=np.unique(labels), y_dtype=labels.dtype)
    prep = DigitImagePreprocessor().fit(np.zeros((1, 28, 28), np.uint8))
    return make_pipeline(prep, clf)


def drawn_dev(pipe):
    """Accuracy on drawn-dev, and the files it gets wrong."""
    rows = list(csv.DictReader(open(DRAWN / "manifest.csv")))
    files = [str(DRAWN / r["file"]) for r in rows]
    labels = np.array([int(r["label"]) for r in rows])
    pred = np.asarray(pipe.predict(files)).astype(int)
    wrong = [(f, int(t), int(p)) for f, t, p in zip(files, labels, pred) if t != p]
    return float((pred == labels).mean()), len(files), wrong


def latency(pipe, file, rounds=60):
    """Median and 90th percentile (ms) of one PNG file -> label, warm."""
    pipe.predict([file])
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        pipe.predict([file])
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return statistics.median(times), times[int(0.9 * len(times))]


def assemble(work, seeds, versions):
    from skdigits import load_mnist
    from skdigits.persistence import load_safe, save_safe

    work = Path(work)
    infos = [json.loads((work / f"member_{s}.json").read_text()) for s in seeds]
    network = ensemble_network([work / f"member_{s}.weights.h5" for s in seeds])
    (X, y), (Xt, yt) = load_mnist()
    pipe = build_pipeline(network, y)
    save_safe(pipe, TARGET)
    size = TARGET.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{TARGET} is {size:,} bytes, over the {MAX_BYTES:,}-byte limit.")
    loaded = load_safe(TARGET)
    test_acc = float(loaded.score(Xt, yt))
    drawn_acc, n_drawn, wrong = drawn_dev(loaded)
    sample = sorted(DRAWN.glob("7/*.png"))[0]
    lat = latency(loaded, str(sample))
    result = {
        "date": datetime.date.today().isoformat(),
        "versions": versions,
        "members": infos,
        "mnist_test_accuracy": test_acc,
        "drawn_dev_accuracy": drawn_acc,
        "drawn_dev_n": n_drawn,
        "drawn_dev_errors": wrong,
        "file_bytes": size,
        "latency_ms_median_p90": lat,
        "parameters": int(network.count_params()),
    }
    (work / "result.json").write_text(json.dumps(result, indent=1))
    return result
