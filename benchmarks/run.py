"""Run every skdigits benchmark in one go and write a results table (Markdown and JSON).

Usage, from the repository root::

    python benchmarks/run.py --quick        # ~3-5 min on 2 cores: small data, few repeats
    python benchmarks/run.py --full         # ~40-60 min: full MNIST per architecture
    python benchmarks/run.py --full --architectures simple classic
    python benchmarks/run.py --full --skip-architectures      # only the fast sections
    python benchmarks/run.py --full --augment-model on        # + classic augment=True (~+15-20 min)

Sections (see each ``bench_*.py`` module, each runnable alone):

1. wrapper overhead of ``DigitCNNClassifier`` fit/predict vs plain Keras (bench_overhead);
2. latency of one PNG -> label through a pipeline loaded from disk (bench_latency);
3. preprocessor throughput, MNIST batches and 400x400 PNG files (bench_preprocessing);
4. per architecture: test accuracy, fit time, parameters, peak memory, each in its own
   process (bench_architectures);
5. accuracy on real drawings, preprocessor vs the tutorials' resize (bench_drawn);
6. memory across a GridSearchCV, classifier vs plain Keras (bench_gridsearch_memory);
7. robustness: MNIST test digits rendered the ways real images come, and non-digits,
   the pipeline vs the classifier alone (bench_robustness; --robustness-model PATH
   reuses a fitted classic classifier instead of training one).

They run in the order 1, 3, 6, 4, 5, 7, 2 (5 and 2 reuse the pipelines trained in 4 in
--full mode). The results are written after every section (and after every architecture
of section 4) to ``benchmarks/results/results.{md,json}``, so an interrupted run still
leaves a table. Exit status: 0 if every section ran, 1 if one failed, 130 if interrupted
(Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import _common

SECTION_TITLES = {
    "1": "Wrapper overhead: DigitCNNClassifier vs plain Keras",
    "2": "Latency of one raw drawn image (PNG file -> label), warm",
    "3": "Preprocessor throughput",
    "4": "Architectures on MNIST with their defaults",
    "5": "Accuracy on real drawings (drawn-dev): preprocessor vs naive resize",
    "6": "Memory across a GridSearchCV (6 candidates x 3 folds)",
    "7": "Robustness: digits rendered the ways real images come",
}
RUN_ORDER = ("1", "3", "6", "4", "5", "7", "2")

MODES = {
    "quick": {
        "1": dict(architectures=["simple"], n_train=5000, epochs=1, fit_rounds=4, predict_rounds=5),
        "2": dict(calls=200, warmup=5),
        "3": dict(n_mnist=10000, n_full=200, n_files=60, rounds=3),
        "4": dict(limit=5000, epochs=1, test_limit=2000),
        "5": dict(n_train=10000, epochs=1),
        "6": dict(n=3000, arms=["skdigits", "keras"]),
        "7": dict(n=40, n_train=10000, epochs=1),
    },
    "full": {
        "1": dict(architectures=["simple", "classic"], n_train=5000, epochs=1, fit_rounds=11,
                  predict_rounds=7),
        "2": dict(calls=400, warmup=10),
        "3": dict(n_mnist=60000, n_full=1000, n_files=200, rounds=5),
        "4": dict(limit=None, epochs=None, test_limit=None),
        "5": dict(n_train=None, epochs=None),
        "6": dict(n=3000, arms=["skdigits", "keras", "keras-noclear"]),
        "7": dict(n=500, n_train=None, epochs=3),
    },
}


class Runner:
    def __init__(self, args, out_dir):
        self.args = args
        self.mode = "full" if args.full else "quick"
        self.cfg = MODES[self.mode]
        self.out_dir = Path(out_dir)
        self.tmp = Path(tempfile.mkdtemp(prefix="skdigits-bench-run-"))
        self.pipelines = {}  # name -> (path, description)
        self.start = time.perf_counter()
        self.results = {
            "meta": {
                "command": _common.command_line(),
                "argv": sys.argv,
                "python_executable": sys.executable,
                "mode": self.mode,
                "status": "running",
                "started": _common.now_iso(),
                "finished": None,
                "machine": _common.machine_info(),
                "config": self.cfg,
            },
            "sections": {
                key: {"title": title, "status": "not run yet", "method": "", "tables": [],
                      "targets": [], "notes": []}
                for key, title in SECTION_TITLES.items()
            },
        }

    # -- output ----------------------------------------------------------------------
    def write(self):
        meta = self.results["meta"]
        meta["runtime_seconds"] = round(time.perf_counter() - self.start, 1)
        _common.write_json(self.out_dir / "results.json", self.results)
        _common.write_text(self.out_dir / "results.md", _common.render_markdown(self.results))

    def set_section(self, key, sec, seconds=None, status=None):
        sec["title"] = sec.get("title") or SECTION_TITLES[key]
        if seconds is not None:
            sec["seconds"] = round(seconds, 1)
        sec["load_average"] = _common.load_average()
        if status:
            sec["status"] = status
        self.results["sections"][key] = sec
        self.write()

    # -- sections --------------------------------------------------------------------
    def section_1(self):
        import bench_overhead

        return bench_overhead.measure(**self.cfg["1"], log=_log)

    def section_3(self):
        import bench_preprocessing

        return bench_preprocessing.measure(**self.cfg["3"], drawn_dir=self.args.drawn_dir, log=_log)

    def section_6(self):
        import bench_gridsearch_memory as gs

        cfg = self.cfg["6"]
        results = []
        for arm in cfg["arms"]:
            _log(f"  arm {arm} (fresh process)")
            results.append(gs.run_in_subprocess(arm, cfg["n"]))
            s = gs.summarise(results[-1])
            _log(f"    RSS {s['after fit 1']:.0f} -> {s['after last fit']:.0f} MiB over "
                 f"{s['fits']} fits, slope {s['slope fits 2..last MiB/fit']:.2f} MiB/fit")
        return gs.make_section(results, cfg["n"])

    def section_4(self):
        import bench_architectures as ba

        cfg = self.cfg["4"]
        archs = self.args.architectures or list(ba.ARCHITECTURES)
        rows = []
        params = dict(cfg, architectures=archs)
        quick = self.mode == "quick"
        for i, arch in enumerate(archs):
            _log(f"  {arch} (fresh process) ...")
            save = None if quick else self.tmp / f"{arch}.joblib"
            t0 = time.perf_counter()
            try:
                row = ba.run_in_subprocess(arch, cfg["limit"], cfg["epochs"], cfg["test_limit"], save)
            except Exception as exc:  # keep the other architectures
                row = {"architecture": arch, "error": str(exc).splitlines()[0][:300]}
                _log(f"  {arch} FAILED after {time.perf_counter() - t0:.0f} s: {exc}")
            rows.append(row)
            if "error" not in row:
                _log(f"  {arch}: accuracy {row['test accuracy']:.2%}, fit {row['fit s']:.0f} s, "
                     f"{row['parameters']:,} parameters, peak RSS {row['peak RSS MiB']} MiB"
                     + ("" if row["met"] is None else f", target {'met' if row['met'] else 'MISSED'}"))
                if save:
                    self.pipelines[arch] = (str(save), f"{arch}, section 4: {row['train digits']:,} "
                                            f"digits x {row['epochs']} epochs")
            sec = ba.make_section(rows, params, quick)
            done = i + 1 == len(archs)
            self.set_section("4", sec, status=None if done else f"partial: {i + 1}/{len(archs)} architectures")
        failed = [r["architecture"] for r in rows if "error" in r]
        sec = ba.make_section(rows, params, quick)
        if failed:
            sec["status"] = f"error: {', '.join(failed)} failed (see the error column)"
            sec["tables"][0]["columns"].append("error")
        return sec

    def section_5(self):
        import bench_drawn

        from skdigits import persistence

        cfg = self.cfg["5"]
        rows_dd = _common.drawn_dev(self.args.drawn_dir)
        rows, notes = [], []
        if self.mode == "full" and self.args.skip_architectures:
            # "Only the fast sections": no 10-epoch training here either.
            cfg = MODES["quick"]["5"]
            notes.append("--skip-architectures: models trained as in --quick "
                         f"({cfg['n_train']:,} digits x {cfg['epochs']} epoch).")
        candidates = []  # (label, training description, pipeline)
        if self.mode == "full" and self.pipelines:
            for arch, (path, desc) in self.pipelines.items():
                candidates.append((arch, desc, lambda p=path: persistence.load(p)))
        if "classic" not in self.pipelines:
            n_train = cfg["n_train"] or 60000
            _log(f"  training classic on {n_train:,} digits ...")
            pipe, secs = bench_drawn.train_pipeline("classic", cfg["n_train"], cfg["epochs"])
            path = self.tmp / "classic-drawn.joblib"
            persistence.dump(pipe, path)
            desc = (f"classic, {n_train:,} MNIST digits x "
                    f"{cfg['epochs'] or 'default (10)'} epoch(s), fit {secs:.0f} s")
            self.pipelines["classic"] = (str(path), desc)
            candidates.insert(0, ("classic", desc, lambda p=pipe: p))
        augment = self.args.augment_model
        if augment == "auto":  # on when the models are small (quick-sized) ones
            augment = "on" if cfg is MODES["quick"]["5"] else "off"
        if augment == "on":
            def augmented():
                _log(f"  training classic augment=True on {cfg['n_train'] or 60000:,} digits ...")
                pipe, secs = bench_drawn.train_pipeline("classic", cfg["n_train"], cfg["epochs"], augment=True)
                augmented.seconds = secs
                return pipe

            desc = (f"classic augment=True, {cfg['n_train'] or 60000:,} MNIST digits x "
                    f"{cfg['epochs'] or 'default (10)'} epoch(s)")
            candidates.append(("classic augment=True", desc, augmented))
        else:
            notes.append(
                "No classic augment=True model in this run (--augment-model "
                f"{self.args.augment_model}; in --full mode it is opt-in with --augment-model on "
                "because it adds a 10-epoch fit with augmentation, ~15-20 min on 2 cores). "
                + ("`modern` above is trained with augmentation by default."
                   if "modern" in self.pipelines else ""))
        for label, desc, get in candidates:
            pipe = get()
            if getattr(get, "seconds", None):
                desc += f", fit {get.seconds:.0f} s"
            row = {"model": label, "training": desc, **bench_drawn.evaluate(pipe, rows_dd)}
            rows.append(row)
            _log(f"  {label}: {row['accuracy, preprocessor']:.1%} with the preprocessor, "
                 f"{row['accuracy, naive resize']:.1%} with the naive resize")
        for row in rows:
            errs = row.get("errors (preprocessor)", [])
            if errs:
                notes.append(f"{row['model']}: {len(errs)} errors through the preprocessor, e.g. "
                             + "; ".join(f"{e['file']} ({e['label']} read as {e['predicted']})"
                                         for e in errs[:4]))
        return bench_drawn.make_section(rows, notes, params=dict(cfg))

    def section_7(self):
        import bench_robustness

        cfg = self.cfg["7"]
        if self.mode == "full" and self.args.skip_architectures:
            cfg = dict(cfg, **{k: MODES["quick"]["7"][k] for k in ("n_train", "epochs")})
        return bench_robustness.measure(**cfg, model=self.args.robustness_model, log=_log)

    def section_2(self):
        import bench_latency

        if "classic" in self.pipelines:
            path, desc = self.pipelines["classic"]
        else:  # section 5 did not run: train the quick pipeline
            import bench_drawn

            from skdigits import persistence

            pipe, secs = bench_drawn.train_pipeline("classic", 10000, 1)
            path = str(persistence.dump(pipe, self.tmp / "classic-latency.joblib"))
            desc = f"classic, 10,000 MNIST digits x 1 epoch, fit {secs:.0f} s"
        cfg = self.cfg["2"]
        result = bench_latency.run_in_subprocess(path, cfg["calls"], cfg["warmup"], self.args.drawn_dir)
        r = result["rows"][0]
        _log(f"  PNG -> label: median {r['median ms']:.2f} ms, p90 {r['p90 ms']:.2f} ms")
        return bench_latency.make_section(result, desc)

    # -- driver ----------------------------------------------------------------------
    def run(self, sections):
        meta = self.results["meta"]
        meta["versions"] = _common.versions()  # imports TensorFlow
        meta["tensorflow_threads"] = _common.tensorflow_threads()
        # After TensorFlow's import (which may install its own handlers): a kill (CI
        # timeout, `kill PID`) ends the run like Ctrl-C, keeping the partial results.
        signal.signal(signal.SIGTERM, _interrupt)
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
            signal.signal(signal.SIGINT, _interrupt)
        self.write()
        failed = []
        for key in RUN_ORDER:
            if key not in sections:
                self.results["sections"][key]["status"] = "skipped"
                continue
            _log(f"[{time.perf_counter() - self.start:5.0f} s] section {key}: {SECTION_TITLES[key]}")
            t0 = time.perf_counter()
            self.results["sections"][key]["status"] = "running"
            self.write()
            try:
                sec = getattr(self, f"section_{key}")()
            except KeyboardInterrupt:
                current = self.results["sections"][key]
                current["status"] = ("interrupted" if current["status"] == "running"
                                     else f"{current['status']} (interrupted)")
                raise
            except Exception as exc:
                failed.append(key)
                tb = traceback.format_exc()
                _log(tb)
                sec = dict(self.results["sections"][key])
                sec["status"] = f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
                sec["traceback"] = tb.splitlines()[-20:]
            self.set_section(key, sec, time.perf_counter() - t0)
            _log(f"  section {key} done in {time.perf_counter() - t0:.0f} s")
        meta["status"] = "complete" if not failed else f"complete with errors in sections {', '.join(failed)}"
        return failed

    def finish(self, status=None):
        meta = self.results["meta"]
        if status:
            meta["status"] = status
        meta["finished"] = _common.now_iso()
        meta["load_average_end"] = _common.load_average()
        self.write()
        shutil.rmtree(self.tmp, ignore_errors=True)  # the pipelines saved for sections 5 and 2


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _log(*parts):
    print(*parts, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--quick", action="store_true", help="small data, few repeats (~3-5 min)")
    mode.add_argument("--full", action="store_true", help="full MNIST per architecture (~40-60 min)")
    parser.add_argument("--architectures", nargs="+", choices=["simple", "classic", "deep", "modern"],
                        help="section 4: only these architectures")
    parser.add_argument("--skip-architectures", action="store_true",
                        help="skip section 4 (per-architecture training) and train section 5's "
                             "models as in --quick: only the fast sections")
    parser.add_argument("--sections", nargs="+", choices=sorted(SECTION_TITLES),
                        help="run only these sections (default: all)")
    parser.add_argument("--augment-model", choices=["auto", "on", "off"], default="auto",
                        help="section 5: also train classic with augment=True (auto: on when "
                             "section 5 trains small models, i.e. --quick or --full "
                             "--skip-architectures; off in --full, where it adds ~15-20 min)")
    parser.add_argument("--robustness-model",
                        help="section 7: a fitted classic DigitCNNClassifier (joblib) to use "
                             "instead of training one (3 epochs on all MNIST in --full)")
    parser.add_argument("--output-dir", default=str(_common.RESULTS_DIR),
                        help="where results.md and results.json go (default: benchmarks/results)")
    parser.add_argument("--drawn-dir", default=str(_common.DEFAULT_DRAWN_DIR),
                        help="drawn-dev folder (manifest.csv + <label>/*.png)")
    args = parser.parse_args(argv)

    sections = set(args.sections or SECTION_TITLES)
    if args.skip_architectures:
        sections.discard("4")
    runner = Runner(args, args.output_dir)
    _log(f"skdigits benchmarks, {runner.mode} mode -> {runner.out_dir}/results.md")
    try:
        failed = runner.run(sections)
    except KeyboardInterrupt:
        runner.finish("interrupted")
        _log("interrupted: partial results written")
        return 130
    runner.finish()
    _log(f"done in {time.perf_counter() - runner.start:.0f} s: {runner.out_dir / 'results.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
