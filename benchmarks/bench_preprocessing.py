"""Throughput of DigitImagePreprocessor, printed as a small table (not a test).

Cases:

- MNIST batch ``(n, 28, 28)`` uint8: the vectorised path (``fast_batches=True``);
- the same digits through the full single-image pipeline (``fast_batches=False``);
- 400x400 PNG files, decoding included (synthetic dark-on-light drawings).

Run from the repository root::

    python benchmarks/bench_preprocessing.py [--n-mnist 60000] [--n-files 200]

MNIST is read from ``$SKDIGITS_DATA`` or ``../shared/data/mnist``; without it,
random blobs shaped like MNIST digits stand in.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from skdigits import DigitImagePreprocessor


def _mnist(n):
    candidates = [os.environ.get("SKDIGITS_DATA", "")]
    candidates.append(str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"))
    for folder in candidates:
        path = Path(folder) / "mnist.npz"
        if folder and path.exists():
            with np.load(path) as data:
                X = data["x_train"]
            return np.resize(X, (n, 28, 28)), "MNIST"
    rng = np.random.RandomState(0)
    X = np.zeros((n, 28, 28), np.uint8)
    X[:, 6:22, 10:18] = rng.randint(0, 256, (n, 16, 8))
    return X, "random"


def _drawings(folder, n, size=400):
    rng = np.random.RandomState(0)
    paths = []
    for i in range(n):
        im = Image.new("L", (size, size), 255)
        d = ImageDraw.Draw(im)
        x0, y0 = rng.randint(40, 160, 2)
        pts = [tuple(p) for p in rng.randint(0, 200, (5, 2)) + (x0, y0)]
        d.line(pts, fill=0, width=int(rng.randint(3, 30)), joint="curve")
        path = Path(folder) / f"d{i}.png"
        im.save(path)
        paths.append(str(path))
    return paths


def _rate(fn, n, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-mnist", type=int, default=60000)
    parser.add_argument("--n-full", type=int, default=1000)
    parser.add_argument("--n-files", type=int, default=200)
    args = parser.parse_args()

    rows = []
    X, source = _mnist(args.n_mnist)
    fast = DigitImagePreprocessor()
    rows.append((f"{source} batch (n, 28, 28) uint8, fast path", len(X),
                 _rate(lambda: fast.transform(X), len(X))))
    Xf = X.reshape(len(X), 784).astype(np.float32) / 255
    rows.append((f"{source} batch (n, 784) float32, fast path", len(X),
                 _rate(lambda: fast.transform(Xf), len(X))))
    full = DigitImagePreprocessor(fast_batches=False)
    Xs = X[: args.n_full]
    rows.append((f"{source} 28x28, full pipeline", len(Xs),
                 _rate(lambda: full.transform(Xs), len(Xs), repeat=1)))
    with tempfile.TemporaryDirectory() as folder:
        paths = _drawings(folder, args.n_files)
        rows.append(("400x400 PNG files (decoding included)", len(paths),
                     _rate(lambda: fast.transform(paths), len(paths), repeat=1)))

    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'images':>7}  {'images/s':>10}")
    print("-" * (width + 21))
    for name, n, rate in rows:
        print(f"{name:<{width}}  {n:>7}  {rate:>10,.0f}")


if __name__ == "__main__":
    main()
