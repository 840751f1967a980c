"""Shared helpers of the benchmarks: paths, data, timing, memory, machine info, results.

Every benchmark module imports this first: it puts the repository root on ``sys.path``
(so the checkout's ``skdigits`` is measured, installed or not), points ``SKDIGITS_DATA``
at the offline MNIST copy beside the repository when the caller has not set it, and
silences TensorFlow's start-up chatter.

Timing conventions, used by every section:

- arms that are compared (A = baseline, B = ours, ...) run *interleaved* in the same
  process, after untimed warm-up calls: round 1 runs A B, round 2 B A, round 3 A B, ...
  (ABBA order, so that neither arm always runs first, right after the other's garbage);
- each round gives one time per arm and one ratio B/A; the summary is the *median* over
  rounds (of times and of ratios), which shrugs off the rounds in which another job on
  the shared machine took the CPU.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import math
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _format import cell

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
RESULTS_DIR = BENCH_DIR / "results"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
if not os.environ.get("SKDIGITS_DATA") and (SHARED_DATA / "mnist").is_dir():
    os.environ["SKDIGITS_DATA"] = str(SHARED_DATA / "mnist")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_DRAWN_DIR = Path(os.environ.get("SKDIGITS_DRAWN_DEV", SHARED_DATA / "drawn-dev"))


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #
def mnist():
    """``((X_train, y_train), (X_test, y_test))`` as uint8 arrays, from SKDIGITS_DATA."""
    from skdigits import load_mnist

    return load_mnist(download_if_missing=False)


def subset(X, y, n, seed=0):
    """``n`` digits drawn at random (fixed seed) -- all of them if ``n`` is None or >= len."""
    import numpy as np

    if n is None or n >= len(X):
        return X, y
    idx = np.random.RandomState(seed).choice(len(X), n, replace=False)
    return X[idx], y[idx]


def drawn_dev(folder=DEFAULT_DRAWN_DIR):
    """Rows of drawn-dev's manifest (``file``, ``label``, ``style``, ...) with ``path`` added."""
    folder = Path(folder)
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"drawn-dev not found: no {manifest}")
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["path"] = str(folder / row["file"])
        row["label"] = int(row["label"])
    return rows


# --------------------------------------------------------------------------- #
# Timing and statistics
# --------------------------------------------------------------------------- #
def median(values):
    values = sorted(values)
    if not values:
        return float("nan")
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def percentile(values, q):
    """Linear-interpolation percentile (as numpy's default), ``q`` in 0..100."""
    values = sorted(values)
    if not values:
        return float("nan")
    pos = (len(values) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def timed(fn):
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def interleave(arms, rounds, warmup=1, on_round=None, cpu=None):
    """Time several arms interleaved; return ``{name: [wall seconds per round]}``.

    Parameters
    ----------
    arms : dict of str to callable
        The first arm is the baseline. Each callable is called once per round.
    rounds : int
        Timed rounds.
    warmup : int, default=1
        Untimed rounds run first (tracing, caches, lazy imports).
    on_round : callable, default=None
        Called as ``on_round(round_index, {name: seconds})`` after each timed round.
    cpu : dict, default=None
        If given, filled with ``{name: [CPU seconds of this process per round]}``
        (user + system time of all its threads): less sensitive than wall time to other
        jobs on a shared machine, though not immune (caches, memory bandwidth).
    """
    names = list(arms)
    for _ in range(warmup):
        for name in names:
            arms[name]()
    times = {name: [] for name in names}
    if cpu is not None:
        cpu.update({name: [] for name in names})
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]  # ABBA: no arm always goes first
        this, this_cpu = {}, {}
        for name in order:
            c0 = time.process_time()
            this[name] = timed(arms[name])[0]
            this_cpu[name] = time.process_time() - c0
        for name in names:
            times[name].append(this[name])
            if cpu is not None:
                cpu[name].append(this_cpu[name])
        if on_round is not None:
            on_round(r, this)
    return times


def ratios(times, baseline, other):
    """Per-round ratios ``other / baseline`` of :func:`interleave` times."""
    return [b / a for a, b in zip(times[baseline], times[other])]


# --------------------------------------------------------------------------- #
# Memory
# --------------------------------------------------------------------------- #
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mib():
    """Current resident set size of this process in MiB (``/proc/self/statm``)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except OSError:  # not Linux: fall back to the high-water mark
        return peak_rss_mib()


def _status_kib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mib():
    """Peak resident set size of this process so far in MiB.

    ``VmHWM`` of ``/proc/self/status`` on Linux: the high-water mark that ``ru_maxrss``
    reports too, but without what Linux carries into ``ru_maxrss`` across fork + exec --
    a worker started by a big parent process (run.py holds TensorFlow and trained
    models) otherwise reports the parent's RSS as its own peak. ``ru_maxrss`` elsewhere.
    """
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def reset_peak_rss():
    """Reset the peak RSS (``VmHWM``) to the current RSS; True if Linux allowed it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- #
# Machine and versions
# --------------------------------------------------------------------------- #
def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info():
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "ram_gib": _ram_gib(),
        "platform": platform.platform(),
        "load_average_1_5_15min": load_average(),
    }


def _git(*args):
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=20
        )
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def versions():
    """Versions of Python and the packages measured (imports TensorFlow)."""
    import keras
    import numpy
    import PIL
    import scikeras
    import scipy
    import sklearn
    import tensorflow as tf

    import skdigits

    changed = _git("status", "--porcelain", "--", "skdigits")
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pillow": PIL.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "scikeras": scikeras.__version__,
        "scikit-learn": sklearn.__version__,
        "skdigits": skdigits.__version__,
        "skdigits_git_commit": _git("rev-parse", "--short", "HEAD"),
        # Other engineers edit the working tree: say whether the measured package
        # differs from the commit.
        # (porcelain lines are "XY path"; _git strips the first line's leading blank)
        "skdigits_uncommitted_files": ([line.split(None, 1)[1] for line in changed.splitlines()]
                                       if changed else []),
    }


def tensorflow_threads():
    import tensorflow as tf

    return {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads() or "default (cores)",
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads() or "default (cores)",
    }


def now_iso():
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line(argv=None):
    argv = sys.argv if argv is None else argv
    script = argv[0]
    try:
        script = os.path.relpath(script)
    except ValueError:
        pass
    return shlex.join(["python", script, *argv[1:]])


# --------------------------------------------------------------------------- #
# Worker subprocesses
# --------------------------------------------------------------------------- #
def run_worker(script, args, timeout=None, echo=True):
    """Run ``python benchmarks/<script> --worker-json <tmp> <args>`` and return its JSON.

    The worker writes its result to a temporary JSON file (its stdout stays free for
    progress lines, which are echoed). Raises RuntimeError with the worker's stderr
    tail if it fails.
    """
    with tempfile.TemporaryDirectory(prefix="skdigits-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(BENCH_DIR / script), "--worker-json", str(out), *map(str, args)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
        if echo and proc.stdout.strip():
            for line in proc.stdout.strip().splitlines():
                print(f"    [{script}] {line}", flush=True)
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"{shlex.join(cmd)} failed (exit {proc.returncode}):\n{tail}")
        return json.loads(out.read_text())


def write_text(path, text):
    """Write a file atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path, data):
    """Write JSON atomically."""
    write_text(path, json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def standalone(key, output, measure):
    """Run one section alone, as its script's ``main`` does: time ``measure()`` (which
    returns the section), write ``results/<output>.{md,json}`` in the format of
    ``run.py`` with the section under ``key`` (unless ``output`` is empty), and print
    its tables and targets."""
    meta = {"command": command_line(), "mode": "standalone", "status": "running",
            "started": now_iso(), "machine": machine_info(), "versions": versions()}
    start = time.perf_counter()
    sec = measure()
    sec["seconds"] = round(time.perf_counter() - start, 1)
    meta.update(status="complete", finished=now_iso(), runtime_seconds=sec["seconds"],
                load_average_end=load_average())
    results = {"meta": meta, "sections": {key: sec}}
    if output:
        write_json(RESULTS_DIR / f"{output}.json", results)
        write_text(RESULTS_DIR / f"{output}.md", render_markdown(results))
    for tab in sec["tables"]:
        print(markdown_table(tab), "\n")
    for t in sec["targets"]:
        print(f"- {t['name']}: {t['value']} (wanted {t['target']}): "
              f"{'met' if t['met'] else 'MISSED'}")
    return results


# --------------------------------------------------------------------------- #
# Sections: a common shape, rendered to Markdown
# --------------------------------------------------------------------------- #
def section(title, method, tables=(), targets=(), notes=(), params=None):
    """A section's result as plain data.

    ``tables``: ``[{"caption": str, "columns": [str], "rows": [dict]}]``;
    ``targets``: ``[{"name", "target", "value", "met"}]`` (``met`` None = not applicable).
    """
    return {
        "title": title,
        "method": method,
        "params": params or {},
        "tables": list(tables),
        "targets": list(targets),
        "notes": list(notes),
        "status": "ok",
    }


def table(caption, columns, rows):
    return {"caption": caption, "columns": list(columns), "rows": list(rows)}


def target(name, target_text, value, met):
    return {"name": name, "target": target_text, "value": value, "met": met}


def fmt(value):
    """A Markdown table cell: :func:`_format.cell`, with pipes escaped and on one line."""
    return cell(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(tab):
    cols = tab["columns"]
    lines = []
    if tab.get("caption"):
        lines += [f"*{tab['caption']}*", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for row in tab["rows"]:
        lines.append("| " + " | ".join(fmt(row.get(c)) for c in cols) + " |")
    return "\n".join(lines)


def render_markdown(results):
    meta = results["meta"]
    out = ["# skdigits benchmarks", ""]
    out.append(f"- **command**: `{meta.get('command')}`")
    out.append(f"- **mode**: {meta.get('mode')}  **status**: {meta.get('status')}")
    out.append(f"- **date**: {meta.get('started')} → {meta.get('finished') or 'running'}"
               + (f" ({meta['runtime_seconds']:.0f} s)" if meta.get("runtime_seconds") else ""))
    m = meta.get("machine", {})
    out.append(
        f"- **machine**: {m.get('cpu_model')}, {m.get('cores')} cores "
        f"({m.get('cores_usable')} usable), {m.get('ram_gib')} GiB RAM, {m.get('platform')}; "
        f"load average at start {fmt(m.get('load_average_1_5_15min'))}"
        + (f", at end {fmt(meta.get('load_average_end'))}" if meta.get("load_average_end") else "")
    )
    v = meta.get("versions", {})
    if v:
        pkgs = ", ".join(
            f"{k} {v[k]}" for k in ("python", "numpy", "tensorflow", "keras", "scikeras",
                                    "scikit-learn", "scipy", "pillow", "skdigits") if k in v
        )
        out.append(f"- **versions**: {pkgs}; skdigits at commit {v.get('skdigits_git_commit')}"
                   + (f" + uncommitted changes to {', '.join(v['skdigits_uncommitted_files'])}"
                      if v.get("skdigits_uncommitted_files") else ""))
    if meta.get("tensorflow_threads"):
        t = meta["tensorflow_threads"]
        out.append(f"- **TensorFlow threads**: intra-op {t['intra_op']}, inter-op {t['inter_op']}")
    out.append("- Times are medians over interleaved rounds (ABBA order) measured in this run; "
               "ratios are per-round ratios against the baseline, summarised by their median. "
               "The machine is shared: compare ratios, not absolute times, across runs.")
    out.append("")
    summary = []
    for key, sec in results["sections"].items():
        for t in sec.get("targets", []):
            mark = {True: "✅ met", False: "❌ missed", None: "– (not applicable in this mode)"}[t["met"]]
            summary.append({"section": key, "target": t["name"], "wanted": t["target"],
                            "measured": t["value"], "result": mark})
    if summary:
        out += ["## Targets", "", markdown_table(table(None, ["section", "target", "wanted",
                                                               "measured", "result"], summary)), ""]
    for key, sec in results["sections"].items():
        out.append(f"## {key}. {sec['title']}")
        out.append("")
        status = sec.get("status", "ok")
        if status != "ok":
            out += [f"**status: {status}**", ""]
        if sec.get("method"):
            out += [sec["method"], ""]
        extra = []
        if sec.get("seconds") is not None:
            extra.append(f"section took {sec['seconds']:.0f} s")
        if sec.get("load_average"):
            extra.append(f"load average {fmt(sec['load_average'])}")
        if extra:
            out += ["*" + "; ".join(extra) + "*", ""]
        for tab in sec.get("tables", []):
            out += [markdown_table(tab), ""]
        for note in sec.get("notes", []):
            out.append(f"- {note}")
        if sec.get("notes"):
            out.append("")
    return "\n".join(out).rstrip() + "\n"
