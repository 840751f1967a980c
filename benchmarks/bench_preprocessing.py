"""Section 3: throughput of DigitImagePreprocessor (images/s).

Cases:

- MNIST batch ``(n, 28, 28)`` uint8: the vectorised path (``fast_batches=True``);
- the same digits as ``(n, 784)`` float32, vectorised path;
- the same digits through the full single-image pipeline (``fast_batches=False``);
- the same digits under Gaussian noise (the robustness suite's ``gaussian_noise``,
  ``--n-noisy`` of them) as one ``(n, 28, 28)`` batch, vectorised path: every frame has a
  noisy border, which the vectorised path looks at closer (lighting, a cell's lines);
- as many digits shifted off centre (the suite's ``translate``) as one batch, vectorised
  path: every frame is moved, and looked at one by one first (clutter, a line pulling
  its centre of mass);
- 400x400 PNG files made from drawn-dev (``--n-files`` evenly spaced drawings, or all
  of them, resized to 400x400 with their colour mode kept), decoding included;
- 400x400 PNG files made by upscaling MNIST digits (dark ink on white), decoding
  included;
- both kinds of PNG files again with ``DigitImagePreprocessor(n_jobs=-1)``: one joblib
  worker process per core, each on a contiguous share of the files (the 300 images/s
  targets use these rows);
- decoding alone of the drawn-dev PNGs (``Image.open().convert("L")`` to an array), for
  scale.

Every case is warmed up on 5 images, then the cases run round-robin for ``--rounds`` rounds;
images/s = images / median seconds. Run from the repository root::

    python benchmarks/bench_preprocessing.py [--n-mnist 60000] [--n-full 1000]
        [--n-files 200] [--rounds 5]

MNIST is read from ``$SKDIGITS_DATA`` (default ``../shared/data/mnist``); without it,
random blobs shaped like MNIST digits stand in. Without drawn-dev, synthetic stroke
drawings stand in for it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from joblib import effective_n_jobs
from PIL import Image, ImageDraw

import _common
from _common import interleave, median, section, table, target

MNIST_TARGET = 100_000  # issue 15, point 5
PNG_TARGET = 300
SIDE = 400


def _mnist(n):
    try:
        (X, _), _ = _common.mnist()
        source = "MNIST"
    except Exception:  # no offline copy: blobs shaped like digits
        rng = np.random.RandomState(0)
        X = np.zeros((n, 28, 28), np.uint8)
        X[:, 6:22, 10:18] = rng.randint(0, 256, (n, 16, 8))
        return X, "random blobs"
    return np.resize(X, (n, 28, 28)), source


def _rendered(kind, X):
    """The digits ``X`` rendered by the robustness suite's ``kind`` (seed 0), as one
    ``(n, 28, 28)`` array."""
    import robustness

    return np.stack(robustness.render(kind, X, np.zeros(len(X), int), seed=0)[0])


def _drawings(folder, n, size=SIDE):
    """Synthetic dark-on-light stroke drawings (stand-in when drawn-dev is missing)."""
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


def drawn_pngs(folder, drawn_dir=_common.DEFAULT_DRAWN_DIR, size=SIDE, limit=None):
    """Drawn-dev images resized to ``size`` x ``size`` and saved as PNG in ``folder``.

    All of them, or ``limit`` evenly spaced ones (every style and label represented).
    Returns ``(paths, description)``.
    """
    try:
        rows = _common.drawn_dev(drawn_dir)
    except FileNotFoundError:
        return _drawings(folder, limit or 200, size), "synthetic strokes (drawn-dev not found)"
    if limit and limit < len(rows):
        rows = [rows[int(i)] for i in np.linspace(0, len(rows) - 1, limit)]
    paths = []
    for i, row in enumerate(rows):
        with Image.open(row["path"]) as im:
            im.load()
            if im.mode not in ("L", "LA", "RGB", "RGBA"):
                im = im.convert("RGBA" if "transparency" in im.info or "A" in im.getbands() else "RGB")
            out = im.resize((size, size), Image.Resampling.BICUBIC)
        path = Path(folder) / f"drawn{i:03d}.png"
        out.save(path)
        paths.append(str(path))
    return paths, f"drawn-dev ({len(paths)} drawings, scans and photos)"


def mnist_pngs(folder, X, size=SIDE):
    """MNIST digits upscaled to ``size`` x ``size``, dark ink on white, saved as PNG."""
    paths = []
    for i, digit in enumerate(X):
        im = Image.fromarray(255 - digit).resize((size, size), Image.Resampling.BILINEAR)
        path = Path(folder) / f"mnist{i:04d}.png"
        im.save(path)
        paths.append(str(path))
    return paths


def _decode(paths):
    for p in paths:
        with Image.open(p) as im:
            np.asarray(im.convert("L"))


def measure(n_mnist=10000, n_full=300, n_files=200, rounds=3, drawn_dir=_common.DEFAULT_DRAWN_DIR,
            n_noisy=2000, log=print):
    from skdigits import DigitImagePreprocessor

    X, source = _mnist(max(n_mnist, n_files))
    Xb = X[:n_mnist]
    Xf = Xb.reshape(len(Xb), 784).astype(np.float32) / 255
    Xs = Xb[:n_full]
    Xn = _rendered("gaussian_noise", Xb[:n_noisy])
    Xt = _rendered("translate", Xb[:n_noisy])
    fast = DigitImagePreprocessor()
    full = DigitImagePreprocessor(fast_batches=False)
    both = DigitImagePreprocessor(n_jobs=-1)  # one worker process per core
    noisy = DigitImagePreprocessor(on_blank="nan")  # (a few noisy or shifted frames read blank)
    cores = effective_n_jobs(-1)
    with tempfile.TemporaryDirectory(prefix="skdigits-bench-png-") as folder:
        drawn, drawn_source = drawn_pngs(folder, drawn_dir, limit=n_files)
        mnist_files = mnist_pngs(folder, X[:n_files])
        drawn_case = f"{SIDE}x{SIDE} PNG files from {drawn_source}, decoding included"
        mnist_case = (f"{SIDE}x{SIDE} PNG files of upscaled {source} digits (dark on white), "
                      "decoding included")
        parallel = f", n_jobs=-1 ({cores} worker processes)"
        cases = {
            f"{source} batch (n, 28, 28) uint8, fast path": (len(Xb), lambda: fast.transform(Xb)),
            f"{source} batch (n, 784) float32, fast path": (len(Xf), lambda: fast.transform(Xf)),
            f"{source} 28x28 batch, full single-image pipeline (fast_batches=False)":
                (len(Xs), lambda: full.transform(Xs)),
            f"{source} batch (n, 28, 28) under Gaussian noise (sigma 0.08-0.38), fast path":
                (len(Xn), lambda: noisy.transform(Xn)),
            f"{source} batch (n, 28, 28) shifted off centre (the suite's translate), fast path":
                (len(Xt), lambda: noisy.transform(Xt)),
            drawn_case: (len(drawn), lambda: fast.transform(drawn)),
            drawn_case + parallel: (len(drawn), lambda: both.transform(drawn)),
            mnist_case: (len(mnist_files), lambda: fast.transform(mnist_files)),
            mnist_case + parallel: (len(mnist_files), lambda: both.transform(mnist_files)),
            f"decoding only of the {SIDE}x{SIDE} drawn PNGs (PIL open, convert('L'), to array)":
                (len(drawn), lambda: _decode(drawn)),
        }
        log(f"  {len(cases)} cases, {rounds} rounds after a warm-up on 5 images each "
            "(the n_jobs=-1 cases on 2 x 8 images, which starts the workers)")
        fast.transform(Xb[:5]), full.transform(Xs[:5]), fast.transform(drawn[:5])
        noisy.transform(Xn[:5]), noisy.transform(Xt[:5])
        fast.transform(mnist_files[:5]), _decode(drawn[:5]), both.transform(drawn[:16])
        times = interleave({k: v[1] for k, v in cases.items()}, rounds, warmup=0)
    rows = {}
    for name, (n, _) in cases.items():
        t = median(times[name])
        rows[name] = {
            "case": name,
            "images": n,
            "rounds": rounds,
            "seconds (median)": round(t, 4),
            "images/s": round(n / t),
            "ms/image": round(1000 * t / n, 3),
        }
        log(f"    {name}: {n / t:,.0f} images/s")
    names = list(cases)

    def rate_target(what, wanted, name):
        rate = rows[name]["images/s"]
        return target(what, f">= {wanted:,} images/s", rate, rate >= wanted)

    targets = [
        rate_target("MNIST 28x28 batch (uint8) throughput", MNIST_TARGET, names[0]),
        rate_target(f"{SIDE}x{SIDE} PNG files (drawn-dev), n_jobs=-1 on {cores} cores",
                    PNG_TARGET, drawn_case + parallel),
        rate_target(f"{SIDE}x{SIDE} PNG files (upscaled MNIST), n_jobs=-1 on {cores} cores",
                    PNG_TARGET, mnist_case + parallel),
    ]
    rows = list(rows.values())
    return section(
        "Preprocessor throughput",
        "`DigitImagePreprocessor().transform` on each case in one process (single-threaded "
        "NumPy/SciPy/Pillow code), and for the PNG files also `DigitImagePreprocessor(n_jobs=-1)`, "
        "which splits the files into one contiguous share per core and processes the shares in "
        "joblib worker processes (the targets use these rows). Every case is warmed up on 5 images, then all cases run "
        f"round-robin for {rounds} rounds; images/s = images / median seconds per call. "
        f"PNG files are written to a temporary folder first ({SIDE}x{SIDE}: drawn-dev "
        "drawings resized with their colour mode kept; MNIST digits upscaled bilinearly and "
        "inverted to dark on white), so decoding is included in their figures.",
        tables=[table(None, list(rows[0]), rows)],
        targets=targets,
        params=dict(n_mnist=n_mnist, n_full=n_full, n_files=n_files, rounds=rounds,
                    n_noisy=n_noisy,
                    raw_seconds={k: times[k] for k in names}),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-mnist", type=int, default=60000)
    parser.add_argument("--n-full", type=int, default=1000)
    parser.add_argument("--n-files", type=int, default=200)
    parser.add_argument("--n-noisy", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drawn-dir", default=str(_common.DEFAULT_DRAWN_DIR))
    args = parser.parse_args()
    start = time.perf_counter()
    result = measure(args.n_mnist, args.n_full, args.n_files, args.rounds, args.drawn_dir,
                     args.n_noisy, log=lambda *a: None)
    print(_common.markdown_table(result["tables"][0]))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
