"""The drawing window (``skdigits draw``).

Headless: :class:`skdigits.gui.DrawingSession` renders strokes, refuses blank canvases
and dots, recognises a drawn "1" with a trained model (and returns the 28x28 digit the
network saw), and clears.

End to end (``-m gui``): a real Tk window on a virtual X display (Xvfb), driven with
xdotool like a user: draw a "1" with the mouse, click Recognise, read the result the
application prints on stdout, check the screenshot shows the ink and the digit the
network saw, click Clear, recognise again (-> "draw a digit first"), close with Ctrl-Q.
The window runs ``skdigits draw`` without a model (the pretrained one, here the session's
model through ``SKDIGITS_PRETRAINED``) and without TF_CPP_MIN_LOG_LEVEL: stderr must stay
free of TensorFlow's start-up lines. Skipped when Xvfb or xdotool are not installed
(``apt-get install xvfb xdotool``).
"""

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from skdigits import gui
from skdigits.cli import main
from skdigits.gui import EMPTY_MESSAGE, TOO_SMALL_MESSAGE, DrawingSession
from skdigits.inference import load_model

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model_path(cli_model, tmp_path_factory):
    """The session's model, in the safe format."""
    from skdigits.persistence import save_safe

    model = load_model(cli_model[0], allow_pickle=True)
    return save_safe(model, tmp_path_factory.mktemp("gui-model") / "model.skdigits")


@pytest.fixture(scope="module")
def model(model_path):
    return load_model(model_path)


class NoCallModel:
    """A stand-in model that fails the test if it is ever asked to predict."""

    classes_ = np.arange(10)

    def predict_proba(self, X):
        raise AssertionError("the model must not be called")


def ptp_ok(index, side):
    """``index`` spans about ``side`` pixels."""
    return side - 4 <= np.ptp(index) + 1 <= side + 4


def draw_one(session, x=140):
    """A vertical stroke, top to bottom, as a mouse drag would record it."""
    session.begin_stroke(x, 40)
    for y in range(45, 245, 5):
        session.add_point(x + (y % 3) - 1, y)  # a slightly shaky hand
    session.end_stroke()


# --------------------------------------------------------------------------- #
# Headless: DrawingSession
# --------------------------------------------------------------------------- #
def test_render_draws_the_strokes_black_on_white():
    session = DrawingSession(size=280)
    assert session.brush == 20  # 1/14 of the canvas
    draw_one(session)
    image = session.render()
    assert image.mode == "L" and image.size == (280, 280)
    pixels = np.asarray(image)
    assert pixels[140, 140] == 0 and pixels[40, 140] == 0 and pixels[240, 140] == 0
    assert pixels[5, 5] == 255 and pixels[140, 60] == 255 and pixels[270, 270] == 255
    # Round brush: about `brush` pixels wide, and round caps beyond the end points.
    assert 18 <= np.sum(pixels[140] < 128) <= 24
    assert pixels[32, 140] == 0 and pixels[18, 140] == 255
    assert set(np.unique(pixels)) <= set(range(256))


def test_points_outside_the_canvas_are_clamped():
    session = DrawingSession(size=100, brush=8)
    session.begin_stroke(-50, 50)
    session.add_point(500, 50)
    assert session.strokes == [[(0.0, 50.0), (99.0, 50.0)]]
    pixels = np.asarray(session.render())
    assert pixels[50, 0] == 0 and pixels[50, 99] == 0


def test_a_single_click_draws_a_dot():
    session = DrawingSession(size=280)
    session.begin_stroke(100, 100)
    pixels = np.asarray(session.render())
    assert pixels[100, 100] == 0 and 250 < np.sum(pixels == 0) < 400  # ~ pi * 10^2


def test_blank_canvas_asks_for_a_digit_without_calling_the_model():
    session = DrawingSession(NoCallModel())
    result = session.recognise()
    assert not result.ok and result.error == EMPTY_MESSAGE
    assert result.summary() == "no prediction: draw a digit first"
    # An empty stroke list is still blank.
    session.strokes.append([])
    assert session.is_blank and session.recognise().error == EMPTY_MESSAGE


def test_a_dot_is_too_small_to_recognise():
    session = DrawingSession(NoCallModel())
    session.begin_stroke(140, 140)
    session.add_point(145, 142)
    result = session.recognise()
    assert not result.ok and result.error == TOO_SMALL_MESSAGE


def test_recognise_needs_a_model():
    session = DrawingSession()
    draw_one(session)
    with pytest.raises(RuntimeError, match="no model"):
        session.recognise()


def test_a_drawn_one_is_recognised(model):
    session = DrawingSession(model)
    draw_one(session)
    result = session.recognise()
    assert result.ok, result.error
    assert result.label == 1
    assert 0.5 < result.confidence <= 1
    assert len(result.top) == 3 and result.top[0] == (result.label, result.confidence)
    assert re.fullmatch(r"1 \(\d+\.\d%\)   top-3: 1 \d+\.\d%, \d \d+\.\d%, \d \d+\.\d%",
                        result.summary()), result.summary()


def test_recognise_returns_the_digit_the_network_saw(model):
    """A vertical stroke comes out as a centred, upright MNIST-like "1": white on black."""
    session = DrawingSession(model)
    draw_one(session)
    seen = session.recognise().digit_image
    assert seen.shape == (28, 28) and 0 <= seen.min() and seen.max() <= 1
    columns = seen.sum(axis=0)
    assert 12 <= int(np.argmax(columns)) <= 15  # centred
    assert columns[:8].sum() == 0 and columns[-8:].sum() == 0  # nothing at the sides
    assert (seen[:, 12:16].max(axis=1) > 0.5).sum() >= 15  # a tall stroke
    assert session.recognise().digit_image.tolist() == seen.tolist()  # the same each time


def test_clear_empties_the_canvas(model):
    session = DrawingSession(model)
    draw_one(session)
    assert not session.is_blank
    session.clear()
    assert session.is_blank and session.strokes == []
    assert np.all(np.asarray(session.render()) == 255)
    assert session.recognise().error == EMPTY_MESSAGE


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError, match="size"):
        DrawingSession(size=10)
    with pytest.raises(ValueError, match="brush"):
        DrawingSession(brush=0)


def test_draw_without_a_display_is_a_one_line_error(model_path, capsys, monkeypatch):
    pytest.importorskip("tkinter")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if sys.platform != "linux":
        pytest.skip("only Linux/X11 needs DISPLAY")
    status = main(["draw", "--model", str(model_path)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("skdigits draw: error: cannot open a window") and err.count("\n") == 1


# --------------------------------------------------------------------------- #
# End to end on a virtual display
# --------------------------------------------------------------------------- #
def _start_xvfb():
    """Start Xvfb on a free display; return (process, ":N")."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    return proc, f":{number}"


def _lines(stream, q):
    for line in stream:
        q.put(line.rstrip("\n"))
    q.put(None)


def _next_line(q, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = q.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail(f"the application ended (status {proc.poll()}) without answering")
        return line
    pytest.fail("no recognition result printed within the timeout")


@pytest.mark.gui
def test_draw_window_end_to_end(model_path, tmp_path):
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install xvfb xdotool)")
    pytest.importorskip("tkinter")

    xvfb, display = _start_xvfb()
    env = dict(os.environ, DISPLAY=display, SKDIGITS_PRETRAINED=str(model_path),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    app = subprocess.Popen([sys.executable, "-m", "skdigits", "draw"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stdout = queue.Queue()
    threading.Thread(target=_lines, args=(app.stdout, stdout), daemon=True).start()

    def xdotool(*args, timeout=30):
        result = subprocess.run(["xdotool", *map(str, args)], env=env, capture_output=True,
                                text=True, timeout=timeout)
        assert result.returncode == 0, f"xdotool {args}: {result.stderr}"
        return result.stdout

    try:
        try:
            window = xdotool("search", "--sync", "--onlyvisible", "--name", "^skdigits - draw a digit$",
                             timeout=120).split()[0]
        except subprocess.TimeoutExpired:
            app.kill()
            pytest.fail(f"the window did not appear; stderr: {app.communicate()[1][-2000:]}")
        geometry = dict(line.split("=") for line in xdotool("getwindowgeometry", "--shell", window).split())
        size = 280
        assert int(geometry["WIDTH"]) > size + gui.PANEL_WIDTH and int(geometry["HEIGHT"]) > size + 30

        # The canvas' top-left corner and the button row, in window coordinates.
        origin = gui.PAD + gui.BORDER
        buttons_y = origin + size + gui.BORDER + gui.BUTTON_GAP + 12
        recognise = (origin + size // 4, buttons_y)
        clear = (origin + 3 * size // 4, buttons_y)

        def at(x, y):
            return ["mousemove", "--window", window, x, y]

        def click(point):
            xdotool(*at(*point), "click", "1")

        # Draw a "1": press, drag down in small steps, release.
        path = [(origin + 140, origin + y) for y in range(40, 245, 8)]
        drag = [*at(*path[0]), "mousedown", "1"]
        for point in path[1:]:
            drag += at(*point)
        xdotool(*drag, "mouseup", "1")
        click(recognise)
        line = _next_line(stdout, app)
        match = re.fullmatch(r"(\d) \((\d+\.\d)%\)   top-3: .+", line)
        assert match, line
        assert match[1] == "1" and 50 < float(match[2]) <= 100

        # The window shows the ink where the mouse went.
        grab = shutil.which("import")
        if grab:
            shot = tmp_path / "draw-window.png"
            subprocess.run([grab, "-window", "root", str(shot)], env=env, check=True, timeout=30)
            from PIL import Image

            screen = np.asarray(Image.open(shot).convert("L"))
            x0, y0 = int(geometry["X"]), int(geometry["Y"])
            canvas = screen[y0 + origin: y0 + origin + size, x0 + origin: x0 + origin + size]
            assert canvas[140, 140] < 60 and canvas[140, 60] > 200 and canvas[10, 270] > 200
            # Beside the answer, the digit the network saw: a black square, 28 x SEEN_ZOOM
            # pixels, with a white stroke down its middle.
            panel = screen[y0: y0 + origin + size,
                           x0 + origin + size + gui.BORDER: x0 + int(geometry["WIDTH"])]
            side = 28 * gui.SEEN_ZOOM
            black_per_row = (panel < 10).sum(axis=1)
            square = np.flatnonzero(black_per_row >= 0.6 * side)
            assert len(square) >= side - 4, "no 28x28 digit shown beside the answer"
            assert ptp_ok(square, side)  # one square, not scattered rows
            right = np.flatnonzero((panel[square] < 10).sum(axis=0) >= 0.5 * len(square)).max()
            inside = panel[square[len(square) // 2], right + 1 - side: right + 1]
            assert (inside < 10).sum() >= side // 2 and (inside > 128).sum() >= gui.SEEN_ZOOM

        click(clear)
        click(recognise)
        assert _next_line(stdout, app) == "no prediction: draw a digit first"

        # Ctrl-Q closes the window and ends the application normally.
        xdotool(*at(origin + 10, origin + 10), "key", "ctrl+q")
        assert app.wait(timeout=60) == 0
        err = app.stderr.read()
        assert "Traceback" not in err, err
        assert err == "", err  # no TensorFlow start-up lines
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        xvfb.terminate()
        xvfb.wait(timeout=10)
