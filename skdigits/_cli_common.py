"""What every ``skdigits`` command shares: errors, exit codes, Ctrl-C, a quiet TensorFlow.

Private to the command line (:mod:`skdigits.cli`); the library never imports it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

# What ``skdigits train`` trains when no option says otherwise. One place on purpose:
# the defaults are chosen from measurements of accuracy and training time on a CPU.
DEFAULT_TRAIN = {"architecture": "deep", "epochs": 5}
DEFAULT_OUTPUT = "model.skdigits"
# ``train --output`` names: the safe format, or joblib (pickle) when named so.
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class CommandError(Exception):
    """An error reported to the user as one line on stderr, with an exit status.

    Parameters
    ----------
    message : str
        What went wrong (and, ideally, what to do about it).
    status : int, default=1
        Exit status of the command.
    """

    def __init__(self, message, status=EXIT_ERROR):
        super().__init__(message)
        self.status = status


def one_line(text):
    """``text`` with its line breaks and runs of spaces made single spaces."""
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- #
# Ctrl-C
# --------------------------------------------------------------------------- #
class Sigint:
    """Records that Ctrl-C (SIGINT) arrived, then raises KeyboardInterrupt as usual.

    Python raises the KeyboardInterrupt in whatever Python code runs when the signal
    arrives, and that may be a function TensorFlow's C++ code called back (while it
    traces a network): TensorFlow then turns it into another exception ("The two
    structures don't have the same nested structure") or aborts. So the flag lets the
    command line report any exception raised after Ctrl-C as an interruption, and
    inside :meth:`deferred` (around Keras' fit) the handler only sets the flag: the
    training callback calls :meth:`check` between batches, where raising is safe. A
    second Ctrl-C ends the process at once.
    """

    def __init__(self):
        self.seen = False
        self.reported = False
        self.stderr_fd = 2  # where the user's terminal is (see quiet_stderr)
        self._defer = False

    def _handler(self, signum, frame):
        if self.seen:
            if not self.reported:
                os.write(self.stderr_fd, b"skdigits: interrupted.\n")
            os._exit(EXIT_INTERRUPTED)
        self.seen = True
        if not self._defer:
            raise KeyboardInterrupt

    def check(self):
        """Raise KeyboardInterrupt if Ctrl-C arrived (a safe point inside :meth:`deferred`)."""
        if self.seen:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self):
        """Within the block, Ctrl-C is raised only by :meth:`check` (and at its end)."""
        self._defer = True
        try:
            yield self
        finally:
            self._defer = False
        self.check()

    @contextlib.contextmanager
    def watch(self):
        """Install the handler for the duration of the block (main thread only)."""
        self.seen = self.reported = self._defer = False
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


SIGINT = Sigint()


def interrupted(exc):
    """True if ``exc`` is, or was caused by, Ctrl-C."""
    return isinstance(exc, KeyboardInterrupt) or SIGINT.seen


# --------------------------------------------------------------------------- #
# TensorFlow
# --------------------------------------------------------------------------- #
def quiet_tensorflow():
    """Set ``TF_CPP_MIN_LOG_LEVEL=3`` (unless set) before TensorFlow is first imported.

    Returns
    -------
    quiet : bool
        False if the user asked for TensorFlow's messages (level 0 or 1).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        return int(os.environ["TF_CPP_MIN_LOG_LEVEL"]) >= 2
    except ValueError:
        return True


@contextlib.contextmanager
def quiet_stderr(enabled=True):
    """Point the process' stderr (file descriptor 2) at /dev/null for the block.

    TensorFlow's C++ libraries write to file descriptor 2 directly: two copies of absl
    each print "WARNING: All log messages before absl::InitializeLog() ..." and the
    CUDA and CPU-feature notices while the libraries load, whatever
    ``TF_CPP_MIN_LOG_LEVEL`` says (it filters only TensorFlow's own later messages),
    and more lines and tracebacks when Ctrl-C interrupts an import or a trace. Python's
    ``sys.stderr`` is re-opened on a duplicate of the real stderr, so the command's
    own messages and Python warnings still reach the terminal. Yields the stream to
    write messages to.
    """
    stream = sys.stderr
    try:
        real = stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        real = False  # e.g. captured by a test: only the descriptor is redirected
    if not enabled:
        yield stream
        return
    stream.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    if real:
        sys.stderr = open(saved, "w", buffering=1, encoding=stream.encoding,
                          errors="backslashreplace", closefd=False)
        SIGINT.stderr_fd = saved
    try:
        yield sys.stderr
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        SIGINT.stderr_fd = 2
        if real:
            # The duplicate stays open: a logging handler created during the command
            # (TensorFlow's) may still hold the stream.
            sys.stderr = stream
        else:
            os.close(saved)


def import_tensorflow(debug=False):
    """Import TensorFlow (every command calls this before anything that imports it).

    Its start-up lines are kept off the terminal by :func:`quiet_stderr`, around the
    whole command, unless ``debug``.
    """
    if "tensorflow" in sys.modules:
        return
    import tensorflow  # noqa: F401

    if debug:
        return
    try:
        from absl import logging as absl_logging
    except ImportError:
        return
    absl_logging.set_verbosity(absl_logging.ERROR)


# --------------------------------------------------------------------------- #
# Files, data, figures
# --------------------------------------------------------------------------- #
def duration(seconds):
    """``75.3`` -> ``'1 min 15 s'``."""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def sibling(path, suffix):
    """``models/m.skdigits`` + ``'_confusion.png'`` -> ``models/m_confusion.png``."""
    path = Path(path)
    return path.with_name(path.stem + suffix)


def load_mnist_or_fail():
    """MNIST, with its errors turned into one-line messages."""
    from skdigits.datasets import DataNotFoundError, load_mnist

    try:
        return load_mnist()
    except DataNotFoundError as exc:
        detail = f" (last download error: {exc.attempts[-1][1]})" if exc.attempts else ""
        missing = ", ".join(exc.missing)
        raise CommandError(
            f"MNIST is not available in {exc.data_home}: missing or corrupt {missing}{detail}. "
            "Point the SKDIGITS_DATA environment variable at a folder holding the four MNIST "
            ".gz files, or retry with internet access."
        ) from exc
    except (OSError, ValueError) as exc:
        raise CommandError(one_line(f"could not read MNIST: {exc}")) from exc


def plots_available(err):
    """True if matplotlib can be imported; else a note on ``err``."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("note: matplotlib is not installed, so no figures are written "
              "(pip install matplotlib).", file=err)
        return False
    return True


def save_confusion(y_true, y_pred, path, title=None):
    """Write the confusion matrix figure to ``path``; return the path."""
    from skdigits import _plots

    fig = _plots.confusion_matrix_figure(y_true, y_pred, title=title)
    return _plots.save_figure(fig, path)
