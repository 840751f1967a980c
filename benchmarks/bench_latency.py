"""Section 2: latency of one raw drawn image, PNG file -> label, through a saved pipeline.

A fresh Python process loads a pipeline saved with ``skdigits.persistence.dump``
(``persistence.load``), makes a few warm-up calls, then for each of ``--calls`` calls
takes the next drawn-dev PNG file (cycling through all of them: 28x28 files, canvases
and photos up to 1080x1030) and times, in rotating order:

- ``pipe.predict([path])``: the whole thing, PNG file -> label;
- ``pipe[0].transform([path])``: the preprocessor alone (decoding included);
- ``pipe[-1].predict(x)``: the classifier alone on the one preprocessed image;
- ``model.predict(x)``: Keras' ``Model.predict`` on that image (1, 28, 28, 1);
- ``model.predict_on_batch(x)``: Keras' direct call on the same;
- ``pipe.predict([path])`` on the same drawing resized to a 400x400 PNG canvas (made
  beforehand in a temporary folder), the size of a drawing app's canvas;
- ``pipe.predict([image])`` on that canvas as a PIL image already in memory (decoded
  beforehand): what a drawing app that hands its canvas over without a file does (the
  Tk window, :mod:`skdigits.gui`, passes a 280x280 PIL image). The difference between
  the two canvas rows is the cost of reading the PNG file.

Standalone (trains a small classic pipeline first when ``--pipeline`` is not given)::

    python benchmarks/bench_latency.py [--pipeline pipe.joblib] [--calls 200]
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import _common  # noqa: E402
from _common import median, percentile  # noqa: E402

TARGET_MS = 10.0
ARMS = ("pipe.predict([png])", "pipe[0].transform([png])", "pipe[-1].predict(x)",
        "model.predict(x)", "model.predict_on_batch(x)", "pipe.predict([400x400 png])",
        "pipe.predict([400x400 PIL image])")
# The rows on the 400x400 canvases: no split by the size of the original file.
CANVAS_ARMS = ARMS[5:]


def measure_in_process(pipeline_path, calls=200, warmup=5, drawn_dir=_common.DEFAULT_DRAWN_DIR):
    # What a serving process imports before loading a model (TensorFlow included): the
    # package imports its public names lazily, so name them.
    from skdigits import DigitCNNClassifier, DigitImagePreprocessor, persistence  # noqa: F401

    import_seconds = time.perf_counter() - _T0
    rows = _common.drawn_dev(drawn_dir)
    paths = [r["path"] for r in rows]
    sizes = [(int(r["width"]), int(r["height"])) for r in rows]

    import bench_preprocessing
    from PIL import Image

    canvas_dir = tempfile.mkdtemp(prefix="skdigits-bench-canvas-")
    canvases, _ = bench_preprocessing.drawn_pngs(canvas_dir, drawn_dir)
    canvas_images = []
    for c in canvases:
        with Image.open(c) as im:
            im.load()
            canvas_images.append(im.copy())

    load_seconds, pipe = _common.timed(lambda: persistence.load(pipeline_path))
    first_seconds, _ = _common.timed(lambda: pipe.predict([paths[0]]))
    pre, clf = pipe[0], pipe[-1]
    model = clf.model_
    X = pre.transform(paths)  # (n, 784) float32, for the classifier-only arms
    X4 = X.reshape(-1, 28, 28, 1)

    def arm_calls(i):
        p = [paths[i]]
        x = X[i : i + 1]
        x4 = X4[i : i + 1]
        big = [canvases[i % len(canvases)]]
        big_image = [canvas_images[i % len(canvases)]]
        return {
            ARMS[0]: lambda: pipe.predict(p),
            ARMS[1]: lambda: pre.transform(p),
            ARMS[2]: lambda: clf.predict(x),
            ARMS[3]: lambda: model.predict(x4, verbose=0),
            ARMS[4]: lambda: model.predict_on_batch(x4),
            ARMS[5]: lambda: pipe.predict(big),
            ARMS[6]: lambda: pipe.predict(big_image),
        }

    for w in range(warmup):
        for fn in arm_calls(w % len(paths)).values():
            fn()
    times = {a: [] for a in ARMS}
    call_sizes = []
    for c in range(calls):
        i = c % len(paths)
        fns = arm_calls(i)
        order = ARMS[c % len(ARMS):] + ARMS[: c % len(ARMS)]  # rotate who goes first
        for a in order:
            times[a].append(_common.timed(fns[a])[0])
        call_sizes.append(sizes[i])

    small = [k for k, s in enumerate(call_sizes) if s[0] * s[1] <= 28 * 28]
    large = [k for k, s in enumerate(call_sizes) if s[0] * s[1] > 28 * 28]
    table_rows = []
    for a in ARMS:
        ms = [1000 * t for t in times[a]]
        table_rows.append({
            "call": a,
            "calls": len(ms),
            "median ms": round(median(ms), 2),
            "p90 ms": round(percentile(ms, 90), 2),
            "max ms": round(max(ms), 1),
            "median ms, 28x28 files": round(median([ms[k] for k in small]), 2)
            if small and a not in CANVAS_ARMS else None,
            "median ms, larger files": round(median([ms[k] for k in large]), 2)
            if large and a not in CANVAS_ARMS else None,
        })
    import shutil

    shutil.rmtree(canvas_dir, ignore_errors=True)
    pipe_ms = [1000 * t for t in times[ARMS[0]]]
    slowest = sorted(range(len(pipe_ms)), key=lambda k: -pipe_ms[k])[:3]
    return {
        "rows": table_rows,
        "import_seconds": round(import_seconds, 2),
        "load_seconds": round(load_seconds, 3),
        "first_call_seconds": round(first_seconds, 3),
        "files": len(paths),
        "files_28x28": sum(1 for s in sizes if s[0] * s[1] <= 28 * 28),
        "slowest_pipeline_calls": [
            {"file": Path(paths[k % len(paths)]).name, "size": call_sizes[k], "ms": round(pipe_ms[k], 1)}
            for k in slowest
        ],
        "calls": calls,
        "warmup": warmup,
        "peak_rss_mib": round(_common.peak_rss_mib()),
        "raw_ms": {a: [round(1000 * t, 3) for t in times[a]] for a in ARMS},
    }


def make_section(result, pipeline_description):
    rows = result["rows"]
    med = rows[0]["median ms"]
    big, in_memory = rows[5], rows[6]
    return _common.section(
        "Latency of one raw drawn image (PNG file -> label), warm",
        "A fresh Python process loads the pipeline saved with `skdigits.persistence.dump` "
        f"({pipeline_description}) with `persistence.load`, makes {result['warmup']} warm-up "
        f"rounds, then {result['calls']} calls per row, cycling through the {result['files']} "
        f"drawn-dev PNG files ({result['files_28x28']} of them are 28x28, the others 53x62 "
        f"to 1080x1030 canvases, scans and photos); in each call the {len(ARMS)} rows run in "
        "rotating order on the same file. The classifier/Keras rows take that file's preprocessed "
        "image, computed beforehand; the last two rows take the same drawing resized to a "
        "400x400 canvas (made beforehand), as a PNG file and as a PIL image already in "
        "memory (what a drawing app that hands over its canvas without a file passes). "
        "Median and 90th percentile over calls.",
        tables=[_common.table(None, list(rows[0]), rows),
                _common.table("cold start of the serving process", [
                    "import skdigits (TensorFlow) s", "persistence.load s", "first predict s",
                    "peak RSS MiB"], [{
                        "import skdigits (TensorFlow) s": result["import_seconds"],
                        "persistence.load s": result["load_seconds"],
                        "first predict s": result["first_call_seconds"],
                        "peak RSS MiB": result["peak_rss_mib"]}])],
        targets=[
            _common.target("one drawn-dev PNG -> label, warm median", f"<= {TARGET_MS:g} ms",
                           f"{med:.2f} ms (p90 {rows[0]['p90 ms']:.2f} ms)", med <= TARGET_MS),
            _common.target("one 400x400 PNG canvas -> label, warm median", f"<= {TARGET_MS:g} ms",
                           f"{big['median ms']:.2f} ms (p90 {big['p90 ms']:.2f} ms)",
                           big["median ms"] <= TARGET_MS),
        ],
        notes=["slowest pipeline calls: " + "; ".join(
            f"{s['file']} ({s['size'][0]}x{s['size'][1]}) {s['ms']} ms"
            for s in result["slowest_pipeline_calls"]),
            f"reading the 400x400 PNG file: {big['median ms'] - in_memory['median ms']:.2f} ms of "
            f"the canvas row's median (the in-memory canvas: {in_memory['median ms']:.2f} ms, "
            "no target)"],
        params={k: v for k, v in result.items() if k != "rows"},
    )


def run_in_subprocess(pipeline_path, calls=200, warmup=5, drawn_dir=_common.DEFAULT_DRAWN_DIR):
    return _common.run_worker("bench_latency.py", [
        "--pipeline", pipeline_path, "--calls", calls, "--warmup", warmup, "--drawn-dir", drawn_dir])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", help="a pipeline saved with skdigits.persistence.dump")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--drawn-dir", default=str(_common.DEFAULT_DRAWN_DIR))
    parser.add_argument("--worker-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_json:
        _common.write_json(args.worker_json,
                           measure_in_process(args.pipeline, args.calls, args.warmup, args.drawn_dir))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path, what = args.pipeline, f"{args.pipeline}"
        if path is None:
            import bench_drawn
            from skdigits import persistence

            pipe, _ = bench_drawn.train_pipeline("classic", 10000, 1)
            path = persistence.dump(pipe, Path(tmp) / "pipeline.joblib")
            what = "classic, 10,000 MNIST digits x 1 epoch"
        result = run_in_subprocess(path, args.calls, args.warmup, args.drawn_dir)
    sec = make_section(result, what)
    for tab in sec["tables"]:
        print(_common.markdown_table(tab), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
