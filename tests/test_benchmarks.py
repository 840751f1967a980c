"""benchmarks/run.py: the quick run writes a complete results table (no timing assertions)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[1] / "benchmarks"
SECTIONS = ("1", "2", "3", "4", "5", "6", "7")


@pytest.fixture(scope="module")
def common():
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import _common

        yield _common
    finally:
        sys.path.remove(str(BENCH_DIR))


def _numbers(section):
    """Finite numbers in a section's tables (bools excluded)."""
    return [
        v
        for tab in section["tables"]
        for row in tab["rows"]
        for v in row.values()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ]


def test_interleave_alternates_order_and_keeps_rounds(common):
    calls = []
    times = common.interleave({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                              rounds=4, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]
    assert [len(v) for v in times.values()] == [4, 4]
    assert common.median([3, 1, 2]) == 2 and common.median([4, 1, 3, 2]) == 2.5
    assert common.percentile(list(range(11)), 90) == pytest.approx(9)


def test_markdown_has_a_section_per_result_and_the_targets(common):
    sec = common.section("Demo", "how", tables=[common.table("t", ["x", "y"], [{"x": 1.23456, "y": None}])],
                         targets=[common.target("speed", "<= 1", 0.5, True)])
    md = common.render_markdown({"meta": {"command": "python benchmarks/run.py --quick",
                                          "mode": "quick", "status": "complete"},
                                 "sections": {"1": sec}})
    assert "## 1. Demo" in md and "| 1.23 | – |" in md and "✅ met" in md


@pytest.mark.skipif(
    os.environ.get("SKDIGITS_RUN_BENCHMARKS") != "1",
    reason="benchmarks/run.py --quick takes ~7 minutes on 2 cores, most of the suite's "
    "budget; set SKDIGITS_RUN_BENCHMARKS=1 to run it",
)
@pytest.mark.slow
def test_quick_run_writes_every_section(tmp_path, drawn_dev_dir):
    cmd = [sys.executable, str(BENCH_DIR / "run.py"), "--quick", "--output-dir", str(tmp_path),
           "--drawn-dir", str(drawn_dev_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    md = (tmp_path / "results.md").read_text()
    data = json.loads((tmp_path / "results.json").read_text())
    meta = data["meta"]
    assert meta["mode"] == "quick" and meta["status"] == "complete"
    assert "--quick" in meta["command"] and meta["started"] and meta["finished"]
    for key in ("cpu_model", "cores", "ram_gib"):
        assert meta["machine"][key]
    for pkg in ("python", "numpy", "tensorflow", "keras", "scikeras", "scikit-learn", "skdigits"):
        assert meta["versions"][pkg]
    for key in SECTIONS:
        section = data["sections"][key]
        assert section["status"] == "ok", (key, section["status"])
        assert _numbers(section), f"section {key} has no numbers"
        assert f"## {key}. " in md
    assert "n/a" not in md.split("## 1.")[0]  # the targets table has real values
