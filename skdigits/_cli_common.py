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

    TensorFlow sometimes turns a KeyboardInterrupt raised in the middle of its own code
    into another exception ("The two structures don't have the same nested
    structure"); the recorded flag lets the command line report any exception raised
    after Ctrl-C as an interruption. A second Ctrl-C ends the process at once.
    """

    def __init__(self):
        self.seen = False
        self.reported = False

    def _handler(self, signum, frame):
        if self.seen:
            if not self.reported:
                os.write(2, b"skdigits: interrupted.\n")
            os._exit(EXIT_INTERRUPTED)
        self.seen = True
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def watch(self):
        """Install the handler for the duration of the block (main thread only)."""
        self.seen = self.reported = False
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
def import_tensorflow(debug=False):
    """Import TensorFlow once, without its start-up lines on stderr unless ``debug``.

    TensorFlow's C++ libraries log through two copies of absl, each printing
    "WARNING: All log messages before absl::InitializeLog() ..." and the CUDA and
    CPU-feature notices while the libraries load, whatever ``TF_CPP_MIN_LOG_LEVEL``
    says (that variable filters only TensorFlow's own later messages). So the
    variable is set to 3 and the process' stderr (file descriptor 2) points at
    ``/dev/null`` while TensorFlow is imported. Every command calls this before
    anything that imports TensorFlow.
    """
    if "tensorflow" in sys.modules:
        return
    if debug:
        import tensorflow  # noqa: F401
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        level = int(os.environ["TF_CPP_MIN_LOG_LEVEL"])
    except ValueError:
        level = 3
    if level < 2:  # the user asked for TensorFlow's messages
        import tensorflow  # noqa: F401
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(devnull)
    finally:
        os.close(saved)
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
