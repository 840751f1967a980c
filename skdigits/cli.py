"""The ``skdigits`` command line: train, predict, evaluate and draw.

::

    skdigits train [--architecture NAME] [--epochs N] [--output model.joblib] [--limit N]
    skdigits predict MODEL IMAGE... [--json] [--n-jobs N]
    skdigits evaluate MODEL [--images DIR] [--n-jobs N]
    skdigits draw MODEL

Also available as ``python -m skdigits``. TensorFlow takes seconds to import, so it is
imported inside the commands that need it: ``skdigits --help`` stays fast.

Exit status: 0 on success, 1 on an error (missing or corrupt model, no data, an image
that could not be recognised), 2 on a usage error, 130 when interrupted with Ctrl-C.
Errors are one line on stderr; ``--debug`` (or ``SKDIGITS_DEBUG=1``) shows tracebacks.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["main", "DEFAULT_TRAIN", "ImagePredictor", "Prediction", "CommandError", "load_model"]

# What ``skdigits train`` trains when no option says otherwise. One place on purpose:
# the defaults are chosen from measurements of accuracy and training time on a CPU.
DEFAULT_TRAIN = {"architecture": "deep", "epochs": 5}

DEFAULT_OUTPUT = "model.joblib"
# ``train --output NAME.skdigits`` writes the safe format (persistence.save_safe).
SAFE_SUFFIX = ".skdigits"

# Files taken from an ``evaluate --images`` folder.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")

# Test digits on which ``train`` measures the accuracy after each epoch (for the curves).
_MONITOR_SIZE = 2000

EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130

MODEL_HELP = ("model saved by 'skdigits train': a .joblib file (loading runs code: only "
              "load files you trust) or a .skdigits file (safe format)")

_BLANK_MESSAGE = "blank image: no digit found"


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


# --------------------------------------------------------------------------- #
# Models and predictions
# --------------------------------------------------------------------------- #
def _quiet_tensorflow():
    """Keep TensorFlow's C++ start-up chatter off the user's terminal."""
    # 3: also hides tf.data's harmless "NodeDef mentions attribute ..." error lines.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load_model(path):
    """Load a fitted model saved by ``skdigits train`` (or :func:`skdigits.persistence.dump`).

    A zip file (starting with ``PK``) is read with :func:`skdigits.persistence.load_safe` (the safe format,
    which runs no code from the file), anything else with joblib.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.joblib`` file, or a ``.skdigits`` file written by ``save_safe``.

    Returns
    -------
    model : estimator
        The fitted pipeline or classifier; it has ``predict_proba`` and ``classes_``.

    Raises
    ------
    CommandError
        If the file is missing, unreadable, or does not hold a fitted classifier.
    """
    _quiet_tensorflow()
    from skdigits.persistence import load, load_safe

    path = Path(path)
    if path.is_dir():
        raise CommandError(f"{path} is a directory, not a model file.")
    if not path.is_file():
        raise CommandError(f"no model file at {path}; train one with: skdigits train --output {path}")
    try:
        with open(path, "rb") as file:
            magic = file.read(4)
        # A zip *starts* with this (zipfile.is_zipfile would also accept a joblib file
        # that merely embeds a zipped .keras network near its end).
        if magic == b"PK\x03\x04":
            # The safe format (save_safe): JSON + .keras files, loads without running code.
            try:
                model = load_safe(path)
            except ValueError as exc:
                raise CommandError(str(exc).split("\n")[0]) from exc
        else:
            model = load(path)
    except FileNotFoundError:
        raise CommandError(
            f"no model file at {path}; train one with: skdigits train --output {path}"
        ) from None
    except ValueError as exc:
        raise CommandError(f"{path} is not a usable model file: the file is truncated or not a "
                           "joblib file saved by skdigits.") from exc
    except (ImportError, AttributeError, TypeError, OSError) as exc:
        raise CommandError(
            f"could not load the model in {path} ({type(exc).__name__}: {exc}); it may have "
            "been saved by an incompatible version."
        ) from exc
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise CommandError(
            f"{path} holds a {type(model).__name__}, not a fitted classifier with "
            "predict_proba (expected a pipeline saved by skdigits train)."
        )
    return model


def _label(value):
    """A class label as a plain Python value (for JSON and printing)."""
    if hasattr(value, "item"):
        value = value.item()
    return value


@dataclass
class Prediction:
    """The recognition of one image, or why it failed.

    Attributes
    ----------
    source : str
        The image's name (file path, or a description).
    label : object
        Predicted label (``None`` when ``error`` is set).
    confidence : float
        Probability of the predicted label.
    top : list of (label, float)
        The most probable labels, best first, with their probabilities.
    error : str or None
        Why no prediction was made (missing file, not an image, blank image, ...).
    digit_image : ndarray of shape (28, 28) or None
        The MNIST-like image the classifier saw.
    """

    source: str
    label: object = None
    confidence: float = math.nan
    top: list = field(default_factory=list)
    error: str | None = None
    digit_image: object = field(default=None, repr=False)

    @property
    def ok(self):
        """True when a prediction was made."""
        return self.error is None

    def to_dict(self):
        """JSON-ready dict: ``file``, ``digit``, ``confidence``, ``top3`` or ``error``."""
        if not self.ok:
            return {"file": self.source, "error": self.error}
        return {
            "file": self.source,
            "digit": _label(self.label),
            "confidence": round(float(self.confidence), 6),
            "top3": [
                {"digit": _label(label), "probability": round(float(p), 6)} for label, p in self.top
            ],
        }

    def summary(self):
        """One line: ``7 (98.4 %)   top-3: 7 98.4 %, 1 1.2 %, 9 0.3 %`` or the error."""
        if not self.ok:
            return f"no prediction: {self.error}"
        top = ", ".join(f"{_label(label)} {p:.1%}" for label, p in self.top)
        return f"{_label(self.label)} ({self.confidence:.1%})   top-{len(self.top)}: {top}"


class ImagePredictor:
    """Recognise raw images one by one with a fitted model, with an error per bad image.

    Each image (file path, PIL image or array) is prepared on its own by the model's
    preprocessing steps, so that a missing, unreadable or blank image is reported without
    affecting the others; the prepared digits then go through the classifier in one batch.
    A bare classifier (without :class:`~skdigits.DigitImagePreprocessor`) gets a default
    preprocessor in front of it.

    Parameters
    ----------
    model : estimator
        A fitted pipeline ``DigitImagePreprocessor -> ... -> classifier``, or a fitted
        classifier of MNIST-like digits.
    top : int, default=3
        Number of most probable labels reported per image.
    n_jobs : int, default=None
        Number of worker processes that prepare the images, each on a contiguous share
        of at least 8 images (``None``: 1, ``-1``: all processors). Starting the workers
        costs about two seconds, so it pays off only for many hundreds of images (on 2
        cores, whole command: 935 400x400 PNG files 13.3 s -> 12.1 s; 187 files 8.5 s ->
        10.0 s).
    """

    def __init__(self, model, *, top=3, n_jobs=None):
        import copy

        from sklearn.pipeline import Pipeline

        from skdigits.preprocessing import DigitImagePreprocessor

        if isinstance(model, Pipeline) and len(model.steps) > 1 and any(
            isinstance(step, DigitImagePreprocessor) for _, step in model.steps[:-1]
        ):
            # A copy of the (stateless, small) preprocessing steps that marks blank images
            # with NaN instead of raising, so blank is told apart from other errors.
            prepare = copy.deepcopy(model[:-1])
            for _, step in prepare.steps:
                if isinstance(step, DigitImagePreprocessor):
                    step.set_params(on_blank="nan")
            self._prepare = prepare
            self._classifier = model[-1]
        else:
            self._prepare = DigitImagePreprocessor(on_blank="nan")
            self._classifier = model
        self.model = model
        self.top = top
        self.n_jobs = n_jobs
        self.classes_ = model.classes_

    def predict(self, images, names=None):
        """Recognise each image.

        Parameters
        ----------
        images : list
            File paths, PIL images or arrays.
        names : list of str, default=None
            Names to report; by default the paths (or a description of the image).

        Returns
        -------
        predictions : list of Prediction
            One per image, in order; failed ones have ``error`` set.
        """
        import numpy as np

        from skdigits import _parallel

        images = list(images)
        if names is None:
            names = [_describe(item) for item in images]
        results = [Prediction(source=str(name)) for name in names]

        shares = _parallel.in_shares(
            functools.partial(_prepare_each, self._prepare), images, n_jobs=self.n_jobs
        )
        rows, index = [], []
        for i, (x, error) in enumerate(itertools.chain.from_iterable(shares)):
            if error is not None:
                results[i].error = error
            else:
                rows.append(x)
                index.append(i)
        if not rows:
            return results
        proba = self._classifier.predict_proba(np.stack(rows))
        classes = self.classes_
        k = min(self.top, len(classes))
        for row, i, p in zip(rows, index, proba):
            order = np.argsort(-p, kind="stable")[:k]
            results[i].label = classes[order[0]]
            results[i].confidence = float(p[order[0]])
            results[i].top = [(classes[j], float(p[j])) for j in order]
            side = int(round(math.sqrt(row.size)))
            results[i].digit_image = row.reshape(side, side) if side * side == row.size else None
        return results


def _prepare_each(prepare, items, start=0):
    """``[(digit, None) or (None, error message), ...]``: each item prepared on its own.

    Module-level (not a method) so that worker processes receive only the small
    preprocessing steps, not the classifier. ``start``, the share's offset passed by
    :func:`skdigits._parallel.in_shares`, is not needed: messages name the file.
    """
    import numpy as np

    out = []
    for item in items:
        try:
            x = np.asarray(prepare.transform([item]), dtype=np.float32)[0]
        except FileNotFoundError:
            out.append((None, "no such file"))
        except (ValueError, TypeError, OSError) as exc:
            out.append((None, _clean_message(exc, item)))
        else:
            out.append((None, _BLANK_MESSAGE) if np.isnan(x).any() else (x, None))
    return out


def _describe(item):
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    size = getattr(item, "size", None)
    return f"{type(item).__name__} {size}" if size is not None else type(item).__name__


def _clean_message(exc, item):
    """The preprocessor's message without its ``input 0 ('file'):`` prefix."""
    message = str(exc)
    if isinstance(item, (str, os.PathLike)):
        prefix = f"input 0 ({os.fspath(item)!r})"
        if message.startswith(prefix):
            message = message[len(prefix):].lstrip(": ")
    message = message.split("\n")[0].strip()
    return message.rstrip(".") or type(exc).__name__


# --------------------------------------------------------------------------- #
# Small helpers
# --------------------------------------------------------------------------- #
def _int_arg(accept, wanted):
    """An argparse ``type``: an integer for which ``accept(value)``, else ``expected <wanted>``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


_positive_int = _int_arg(lambda v: v >= 1, "a positive integer")
_non_negative_int = _int_arg(lambda v: v >= 0, "an integer >= 0")
_n_jobs = _int_arg(lambda v: v != 0, "a non-zero integer (-1: one job per processor)")
N_JOBS_HELP = ("worker processes that prepare the images (-1: one per processor); starting "
               "them costs ~2 s, so it pays off only for many hundreds of images [default: 1]")


def _duration(seconds):
    """``75.3`` -> ``'1 min 15 s'``."""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _sibling(path, suffix):
    """``models/m.joblib`` + ``'_confusion.png'`` -> ``models/m_confusion.png``."""
    path = Path(path)
    return path.with_name(path.stem + suffix)


def _check_writable(path):
    """Fail early (before minutes of training) if ``path`` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise CommandError(
            f"--output {path} is a directory; give a file name such as {path / DEFAULT_OUTPUT}."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create the folder {path.parent}: {exc.strerror or exc}.") from None
    if not os.access(path.parent, os.W_OK):
        raise CommandError(f"cannot write to the folder {path.parent} (permission denied).")


def _load_mnist():
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
        raise CommandError(f"could not read MNIST: {exc}".split("\n")[0]) from exc


def _plots_available(err):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("note: matplotlib is not installed, so no figures are written "
              "(pip install matplotlib).", file=err)
        return False
    return True


def _save_confusion(y_true, y_pred, path, title=None):
    from skdigits import _plots

    fig = _plots.confusion_matrix_figure(y_true, y_pred, title=title)
    return _plots.save_figure(fig, path)


# --------------------------------------------------------------------------- #
# train
# --------------------------------------------------------------------------- #
def _progress_callback(out, epochs, X_monitor, y_monitor, classes):
    """A Keras callback printing one line per epoch (and a live line on a terminal)."""
    import keras
    import numpy as np

    live = hasattr(out, "isatty") and out.isatty()

    class EpochProgress(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.test_accuracy = []
            self._last = 0.0

        def __reduce__(self):
            # Saved with the model (scikeras keeps its callbacks), but only useful while
            # training here: it pickles as a plain, inert Keras callback.
            return (keras.callbacks.Callback, ())

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch
            self._start = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            if not live:
                return
            now = time.monotonic()
            if now - self._last < 0.25:
                return
            self._last = now
            steps = (self.params or {}).get("steps") or 0
            done = (batch + 1) / steps if steps else 0.0
            bar = "#" * int(20 * done)
            loss = (logs or {}).get("loss")
            loss_text = f"  loss {float(loss):.4f}" if loss is not None else ""
            out.write(f"\r  epoch {self._epoch + 1}/{epochs}  [{bar:<20}] {done:4.0%}{loss_text}   ")
            out.flush()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            parts = [f"epoch {epoch + 1}/{epochs}"]
            if "loss" in logs:
                parts.append(f"loss {float(logs['loss']):.4f}")
            if "accuracy" in logs:
                parts.append(f"train accuracy {float(logs['accuracy']):.2%}")
            if "val_accuracy" in logs:
                parts.append(f"validation {float(logs['val_accuracy']):.2%}")
            if len(X_monitor):
                pred = []
                for start in range(0, len(X_monitor), 512):
                    p = np.asarray(self.model.predict_on_batch(X_monitor[start:start + 512]))
                    pred.append(np.argmax(p, axis=1))
                accuracy = float(np.mean(classes[np.concatenate(pred)] == y_monitor))
                self.test_accuracy.append(accuracy)
                parts.append(f"test {accuracy:.2%}")
            parts.append(_duration(time.monotonic() - self._start))
            out.write(("\r" if live else "") + "  " + "   ".join(parts) + (" " * 8 if live else "") + "\n")
            out.flush()

    return EpochProgress()


def _cmd_train(args, out, err):
    architecture = args.architecture or DEFAULT_TRAIN["architecture"]
    epochs = args.epochs or DEFAULT_TRAIN["epochs"]
    output = Path(args.output)
    _check_writable(output)
    started = time.monotonic()

    print("Loading TensorFlow and MNIST ...", file=out, flush=True)
    _quiet_tensorflow()
    import numpy as np
    from sklearn.pipeline import make_pipeline

    from skdigits.architectures import ARCHITECTURES
    from skdigits.classifier import DigitCNNClassifier
    from skdigits.persistence import dump, save_safe
    from skdigits.preprocessing import DigitImagePreprocessor

    if architecture not in ARCHITECTURES:
        raise CommandError(
            f"unknown architecture {architecture!r}; choose one of: {', '.join(ARCHITECTURES)}.",
            EXIT_USAGE,
        )
    (X_train, y_train), (X_test, y_test) = _load_mnist()
    if args.limit is not None:
        X_train, y_train = X_train[: args.limit], y_train[: args.limit]
    if len(np.unique(y_train)) < 2:
        raise CommandError(f"--limit {args.limit} leaves fewer than two digit classes to learn.")

    preprocessor = DigitImagePreprocessor()
    # The curves' test accuracy is measured on a fixed sample of the test set; it is only
    # shown, never used to choose anything.
    rng = np.random.RandomState(0)
    monitor = np.sort(rng.choice(len(X_test), min(_MONITOR_SIZE, len(X_test)), replace=False))
    X_monitor = preprocessor.fit_transform(X_test[monitor]).reshape(-1, 28, 28, 1)
    progress = _progress_callback(out, epochs, X_monitor, y_test[monitor], np.unique(y_train))

    classifier = DigitCNNClassifier(
        architecture=architecture,
        epochs=epochs,
        random_state=args.random_state,
        callbacks=[progress],
    )
    pipe = make_pipeline(preprocessor, classifier)
    print(
        f"Training the {architecture!r} network for {epochs} epoch{'s' * (epochs != 1)} on "
        f"{len(X_train):,} MNIST digits (Ctrl-C to stop) ...",
        file=out, flush=True,
    )
    model_written = False
    try:
        fit_start = time.monotonic()
        pipe.fit(X_train, y_train)
        fit_time = time.monotonic() - fit_start
        # The progress callback has done its job; it is not part of the saved model.
        classifier.set_params(callbacks=None)

        y_pred = pipe.predict(X_test)
        accuracy = float(np.mean(y_pred == y_test))
        print(f"Test accuracy: {accuracy:.2%} on {len(y_test):,} MNIST test digits", file=out)
        print(
            f"Training took {_duration(fit_time)} ({_duration(time.monotonic() - started)} in total)",
            file=out, flush=True,
        )
        if output.suffix == SAFE_SUFFIX:
            save_safe(pipe, output)
        else:
            dump(pipe, output)
        model_written = True
        print(f"Model saved to {output}", file=out, flush=True)

        if _plots_available(err):
            from skdigits import _plots

            confusion = _save_confusion(
                y_test, y_pred, _sibling(output, "_confusion.png"),
                title=f"{architecture}, {epochs} epochs: test accuracy {accuracy:.2%}",
            )
            print(f"Confusion matrix saved to {confusion}", file=out)
            fig = _plots.training_curves_figure(
                classifier.history_, test_accuracy=progress.test_accuracy,
                title=f"Training the {architecture!r} network on {len(X_train):,} digits "
                      f"(test: {len(monitor):,} MNIST test digits)",
            )
            curves = _plots.save_figure(fig, _sibling(output, "_training.png"))
            print(f"Training curves saved to {curves}", file=out, flush=True)
    except KeyboardInterrupt:
        if hasattr(out, "isatty") and out.isatty():
            out.write("\n")  # end the live progress line
            out.flush()
        if model_written:
            raise CommandError(f"interrupted; the model was saved to {output}, some figures were not.",
                               EXIT_INTERRUPTED) from None
        raise CommandError("interrupted: training stopped, no model was written.",
                           EXIT_INTERRUPTED) from None
    return 0


# --------------------------------------------------------------------------- #
# predict
# --------------------------------------------------------------------------- #
def _cmd_predict(args, out, err):
    model = load_model(args.model)
    predictor = ImagePredictor(model, top=args.top, n_jobs=args.n_jobs)
    results = predictor.predict(args.images)
    failed = [r for r in results if not r.ok]
    if args.json:
        json.dump([r.to_dict() for r in results], out, indent=2)
        out.write("\n")
    else:
        width = max(len(r.source) for r in results)
        for r in results:
            if r.ok:
                top = ", ".join(f"{_label(label)} {p:5.1%}" for label, p in r.top)
                print(f"{r.source:<{width}}  {_label(r.label)}  {r.confidence:6.1%}   "
                      f"top-{len(r.top)}: {top}", file=out, flush=True)
            else:
                print(f"skdigits predict: {r.source}: {r.error}", file=err, flush=True)
    if failed:
        print(f"skdigits predict: {len(failed)} of {len(results)} image(s) could not be recognised.",
              file=err)
        return EXIT_ERROR
    return 0


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #
def _labelled_images(folder):
    """``[(path, label), ...]`` for ``folder/<label>/<image>``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CommandError(f"--images {folder}: no such folder.")
    pairs = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in sorted(sub.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                pairs.append((path, sub.name))
    if not pairs:
        raise CommandError(
            f"no labelled images in {folder}: expected one sub-folder per label holding image "
            f"files, e.g. {folder / '7' / 'seven.png'}."
        )
    return pairs


def _cmd_evaluate(args, out, err):
    import numpy as np
    from sklearn.metrics import classification_report

    model = load_model(args.model)
    images = None
    if args.images is None:
        (_, _), (X_test, y_test) = _load_mnist()
        if args.limit is not None:
            X_test, y_test = X_test[: args.limit], y_test[: args.limit]
        proba = model.predict_proba(X_test)
        y_pred = np.asarray(model.classes_)[np.argmax(proba, axis=1)]
        confidence = proba.max(axis=1)
        y_true = y_test
        images = X_test
        what = f"{len(y_true):,} MNIST test digits"
    else:
        pairs = _labelled_images(args.images)
        if args.limit is not None:
            pairs = pairs[: args.limit]
        results = ImagePredictor(model, n_jobs=args.n_jobs).predict([p for p, _ in pairs])
        kept = []
        for (path, label), r in zip(pairs, results):
            if r.ok:
                kept.append((label, r))
            else:
                print(f"skdigits evaluate: {path}: {r.error} (left out)", file=err)
        if not kept:
            raise CommandError(f"none of the {len(pairs)} images in {args.images} could be recognised.")
        # Labels are folder names: compare as text, so "7" matches the class 7.
        y_true = np.asarray([label for label, _ in kept])
        y_pred = np.asarray([str(_label(r.label)) for _, r in kept])
        confidence = np.asarray([r.confidence for _, r in kept])
        images = np.stack([
            r.digit_image if r.digit_image is not None else np.zeros((28, 28)) for _, r in kept
        ])
        left_out = len(pairs) - len(kept)
        what = f"{len(kept):,} images in {args.images}" + (
            f" ({left_out} unreadable or blank image(s) left out)" if left_out else ""
        )
    accuracy = float(np.mean(y_true == y_pred))
    print(f"Accuracy: {accuracy:.2%} on {what}", file=out)
    print(file=out)
    print(classification_report(y_true, y_pred, digits=3, zero_division=0), file=out)
    if not args.no_plots and _plots_available(err):
        from skdigits import _plots

        confusion = Path(args.confusion) if args.confusion else _sibling(args.model, "_eval_confusion.png")
        _save_confusion(y_true, y_pred, confusion)
        print(f"Confusion matrix saved to {confusion}", file=out)
        errors = Path(args.errors) if args.errors else _sibling(args.model, "_eval_errors.png")
        fig = _plots.misclassified_figure(images, y_true, y_pred, proba=confidence)
        _plots.save_figure(fig, errors)
        print(f"Misclassified digits saved to {errors}", file=out)
    out.flush()
    return 0


# --------------------------------------------------------------------------- #
# draw
# --------------------------------------------------------------------------- #
def _cmd_draw(args, out, err):
    model = load_model(args.model)
    from skdigits import gui

    return gui.run(model, size=args.size, brush=args.brush, out=out)


# --------------------------------------------------------------------------- #
# Parser and entry point
# --------------------------------------------------------------------------- #
class _Formatter(argparse.HelpFormatter):
    """Wraps descriptions to the terminal; keeps the examples epilog as written."""

    def _fill_text(self, text, width, indent):
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from skdigits import __version__

        print(f"skdigits {__version__}")
        parser.exit()


def build_parser():
    """The ``skdigits`` argument parser (no heavy imports).

    Returns
    -------
    parser : argparse.ArgumentParser
        Parser with the ``train``, ``predict``, ``evaluate`` and ``draw`` subcommands.
    """
    parser = argparse.ArgumentParser(
        prog="skdigits",
        description="Recognise handwritten digits with convolutional neural networks: train a "
                    "model on MNIST, recognise image files, evaluate a model, or draw digits "
                    "with the mouse.",
        epilog="examples:\n"
               "  skdigits train --output digits.joblib\n"
               "  skdigits predict digits.joblib seven.png photo_of_a_3.jpg\n"
               "  skdigits evaluate digits.joblib --images my_digits/\n"
               "  skdigits draw digits.joblib\n\n"
               "Run 'skdigits COMMAND --help' for the options of a command.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks on errors (also: SKDIGITS_DEBUG=1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    d = DEFAULT_TRAIN
    train = commands.add_parser(
        "train", formatter_class=_Formatter,
        help="train a digit recognition pipeline on MNIST and save it",
        description="Train DigitImagePreprocessor + DigitCNNClassifier on the MNIST training "
                    "set (downloaded on first use; SKDIGITS_DATA points at an offline copy), "
                    "print the accuracy on the 10,000 MNIST test digits, and save the "
                    "pipeline with joblib (or, for an OUTPUT ending in .skdigits, in the safe "
                    "format that loads without running code: use it for models you share). "
                    "Also writes OUTPUT_confusion.png (confusion "
                    "matrix) and OUTPUT_training.png (loss and accuracy per epoch) next to "
                    "the model. The model file is written atomically: an interrupted run "
                    "(Ctrl-C) leaves no model behind.",
        epilog="examples:\n" + "\n".join(f"  {command:<40} # {comment}" for command, comment in [
            ("skdigits train", f"{d['architecture']}, {d['epochs']} epochs -> model.joblib"),
            ("skdigits train --architecture classic", "another network"),
            ("skdigits train --limit 2000 --epochs 1", "a quick smoke test"),
            ("skdigits train --output digits.skdigits", "safe format, to share"),
        ]),
    )
    train.add_argument("--architecture", metavar="NAME", default=None,
                       help=f"network to train: simple, classic, deep, ... (see README) "
                            f"[default: {d['architecture']}]")
    train.add_argument("--epochs", type=_positive_int, metavar="N", default=None,
                       help=f"passes over the training data [default: {d['epochs']}]")
    train.add_argument("--output", "-o", metavar="PATH", default=DEFAULT_OUTPUT,
                       help=f"where to save the trained pipeline [default: {DEFAULT_OUTPUT}]")
    train.add_argument("--limit", type=_positive_int, metavar="N", default=None,
                       help="train on the first N training digits only (quick runs)")
    train.add_argument("--random-state", type=_non_negative_int, metavar="N", default=None,
                       help="seed for repeatable training [default: not seeded]")

    predict = commands.add_parser(
        "predict", formatter_class=_Formatter,
        help="recognise the digit in image files",
        description="Recognise the digit in each image file (PNG, JPEG, ...: any size, dark "
                    "on light or light on dark, photos of paper). Prints one line per image: "
                    "file, predicted digit, confidence and the three most likely digits. A "
                    "missing, unreadable or blank image gets an error line on stderr and the "
                    "others are still recognised; the exit status is then 1.",
        epilog="examples:\n"
               "  skdigits predict model.joblib seven.png three.jpg\n"
               "  skdigits predict model.joblib drawings/*.png --json > predictions.json",
    )
    predict.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    predict.add_argument("images", metavar="IMAGE", nargs="+", help="image files to recognise")
    predict.add_argument("--json", action="store_true",
                         help="print a JSON list, one object per image: file, digit, confidence, "
                              "top3 (or file and error)")
    predict.add_argument("--top", type=_positive_int, default=3, metavar="K",
                         help="number of most likely digits to list [default: 3]")
    predict.add_argument("--n-jobs", type=_n_jobs, default=None, metavar="N", help=N_JOBS_HELP)

    evaluate = commands.add_parser(
        "evaluate", formatter_class=_Formatter,
        help="measure a model's accuracy on MNIST or a folder of labelled images",
        description="Print a model's accuracy and per-class precision/recall "
                    "(scikit-learn's classification_report) on the 10,000 MNIST test digits, "
                    "or on a folder of labelled images laid out as DIR/<label>/<image> (e.g. "
                    "DIR/7/seven.png). Also writes a confusion matrix and a grid of the "
                    "misclassified digits as PNG files (by default next to the model).",
        epilog="examples:\n"
               "  skdigits evaluate model.joblib\n"
               "  skdigits evaluate model.joblib --images my_digits/ --confusion cm.png",
    )
    evaluate.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    evaluate.add_argument("--images", metavar="DIR", default=None,
                          help="folder of labelled images, DIR/<label>/<image> "
                               "[default: the MNIST test set]")
    evaluate.add_argument("--limit", type=_positive_int, metavar="N", default=None,
                          help="evaluate on the first N digits/images only")
    evaluate.add_argument("--confusion", metavar="PNG", default=None,
                          help="confusion matrix figure [default: MODEL_eval_confusion.png]")
    evaluate.add_argument("--errors", metavar="PNG", default=None,
                          help="misclassified digits figure [default: MODEL_eval_errors.png]")
    evaluate.add_argument("--n-jobs", type=_n_jobs, default=None, metavar="N",
                          help=N_JOBS_HELP + " (only with --images)")
    evaluate.add_argument("--no-plots", action="store_true", help="write no figures")

    draw = commands.add_parser(
        "draw", formatter_class=_Formatter,
        help="draw digits with the mouse and recognise them",
        description="Open a window with a drawing canvas: draw a digit with the mouse "
                    "(left button), press Recognise (or Enter) to see the predicted digit, "
                    "its confidence and the three most likely digits, Clear (or Escape) to "
                    "start again, Ctrl-Q to quit. Each recognition result is also printed "
                    "as one line on stdout. The image is rendered from the recorded strokes, "
                    "not grabbed from the screen. Needs Tkinter and a display.",
        epilog="examples:\n"
               "  skdigits draw model.joblib\n"
               "  skdigits draw model.joblib --size 400",
    )
    draw.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    draw.add_argument("--size", type=_positive_int, default=280, metavar="PX",
                      help="side of the square canvas in pixels [default: 280]")
    draw.add_argument("--brush", type=_positive_int, default=None, metavar="PX",
                      help="brush diameter in pixels [default: SIZE / 14]")
    return parser


_COMMANDS = {
    "train": _cmd_train,
    "predict": _cmd_predict,
    "evaluate": _cmd_evaluate,
    "draw": _cmd_draw,
}


def main(argv=None):
    """Run the ``skdigits`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        Exit status: 0 success, 1 error, 2 usage error, 130 interrupted.
    """
    out, err = sys.stdout, sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    debug = args.debug or os.environ.get("SKDIGITS_DEBUG", "") not in ("", "0")
    if args.command is None:
        parser.print_help(err)
        return EXIT_USAGE
    prefix = f"skdigits {args.command}: error:"
    try:
        return _COMMANDS[args.command](args, out, err)
    except CommandError as exc:
        if debug:
            raise
        print(f"{prefix} {exc}", file=err)
        return exc.status
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{prefix} interrupted.", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # e.g. `skdigits predict ... | head -1`: stop quietly, like other Unix tools.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_ERROR
    except Exception as exc:  # anything unexpected: one line, traceback with --debug
        if debug:
            raise
        text = str(exc).split("\n")[0]
        print(f"{prefix} {type(exc).__name__}: {text} (run with --debug for the traceback)", file=err)
        return EXIT_ERROR
