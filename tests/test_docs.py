"""The documentation: a warning-free Sphinx build, and figures that match the code.

- The HTML build runs exactly as CI runs it (``-W --keep-going``), into a temporary
  folder, offline. Skipped when Sphinx or numpydoc is not installed (the ``docs`` extra).
- The preprocessing figures are computed by ``docs/make_figures.py`` by replaying the
  preprocessor's steps; the replay must still end in exactly what
  ``DigitImagePreprocessor.transform`` returns (skipped without the drawn-dev images).
- The committed figures exist and stay small.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
DRAWN_DEV = REPO_ROOT.parent / "shared" / "data" / "drawn-dev"
FIGURES = [
    "preprocessing_steps_canvas.png",
    "preprocessing_steps_transparent.png",
    "preprocessing_steps_photo.png",
    "preprocessing_ablation.png",
]


def _missing(*modules):
    return [m for m in modules if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(_missing("sphinx", "numpydoc")),
                    reason="needs the docs extra (sphinx, numpydoc)")
def test_html_build_has_no_warnings(tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "-d", str(tmp_path / "doctrees"), "docs", str(tmp_path / "html")]
    out = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    log = "\n".join(line for line in (out.stdout + out.stderr).splitlines()
                    if "WARNING" in line or "ERROR" in line or "Error" in line)
    assert out.returncode == 0, log or out.stderr[-3000:]
    for page in ["index", "getting_started", "user_guide/preprocessing", "user_guide/cli",
                 "api", "generated/skdigits.DigitCNNClassifier"]:
        assert (tmp_path / "html" / f"{page}.html").is_file(), page
    # The --help texts are generated from skdigits.cli at build time.
    cli_page = (tmp_path / "html" / "user_guide" / "cli.html").read_text(encoding="utf-8")
    assert "usage: skdigits train" in cli_page


@pytest.mark.parametrize("name", FIGURES)
def test_committed_figures_are_small_pngs(name):
    path = DOCS / "images" / name
    assert path.is_file(), f"{path} is missing: run python docs/make_figures.py"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size < 100 * 1024


@pytest.fixture(scope="module")
def make_figures():
    if not (DRAWN_DEV / "manifest.csv").is_file():
        pytest.skip(f"drawn digits not found at {DRAWN_DEV}")
    sys.path.insert(0, str(DOCS))
    try:
        import make_figures
    finally:
        sys.path.remove(str(DOCS))
    return make_figures


def test_figure_replay_matches_the_preprocessor(make_figures):
    from skdigits import DigitImagePreprocessor

    for _, file, _, params in make_figures.STEP_EXAMPLES:
        pre = DigitImagePreprocessor(**params)
        steps = make_figures.replay(DRAWN_DEV / file, pre)
        expected = pre.transform([DRAWN_DEV / file]).reshape(28, 28)
        np.testing.assert_array_equal(steps["final"], expected, err_msg=file)
