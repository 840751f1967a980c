"""Recognise raw images with a fitted model: loading, one prediction per image, top-k.

The library layer under ``skdigits predict`` / ``evaluate`` / ``draw``; it knows
nothing about the command line and raises ordinary exceptions.

- :func:`load_model` reads a model file. A ``.skdigits`` file is only ever read by
  :func:`skdigits.persistence.load_safe` (no code from the file runs); a joblib/pickle
  file only with ``allow_pickle=True``, because unpickling runs code from the file.
- :class:`ImagePredictor` recognises files, PIL images or arrays one by one: a missing,
  unreadable or blank image gets its own :class:`Prediction` with ``error`` set and
  the others are still recognised.
- :func:`format_top` writes the most probable labels as ``7 98.4%, 1 1.2%, 9 0.3%``.

Nothing here imports TensorFlow at import time.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from skdigits.exceptions import BlankImageError

__all__ = [
    "BLANK_MESSAGE",
    "ImagePredictor",
    "MISSING_MESSAGE",
    "Prediction",
    "SAFE_SUFFIX",
    "format_top",
    "load_model",
    "plain_label",
]

# The suffix of the safe format (skdigits.persistence.save_safe).
SAFE_SUFFIX = ".skdigits"

BLANK_MESSAGE = "blank image: no digit found"
MISSING_MESSAGE = "no such file"


# --------------------------------------------------------------------------- #
# Loading
# --------------------------------------------------------------------------- #
def load_model(path, *, allow_pickle=False):
    """Load a fitted model saved by ``skdigits train`` or :mod:`skdigits.persistence`.

    The loader is chosen by the file's name, never by its content: a file named
    ``*.skdigits`` is read with :func:`skdigits.persistence.load_safe`, which runs no
    code from the file, whatever its first bytes are. Any other file is taken for a
    joblib/pickle file (:func:`skdigits.persistence.load`); unpickling runs code
    stored in the file, so it is done only when ``allow_pickle=True`` -- as NumPy's
    ``np.load(allow_pickle=...)`` and Keras' ``load_model(safe_mode=...)`` do.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.skdigits`` file written by ``save_safe``, or (with ``allow_pickle``)
        a ``.joblib`` / ``.pkl`` file written by ``dump``.
    allow_pickle : bool, default=False
        Load joblib/pickle files. Only for files you made yourself or trust: a
        crafted pickle runs any code when it is loaded.

    Returns
    -------
    model : estimator
        The fitted pipeline or classifier; it has ``predict_proba`` and ``classes_``.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    IsADirectoryError
        If ``path`` is a folder.
    ValueError
        If the file is a pickle and ``allow_pickle`` is False; if it is truncated,
        corrupt or not a skdigits model (:class:`~skdigits.persistence.SafeFormatError`
        for a ``.skdigits`` file); or if it holds no fitted classifier.
    ImportError, AttributeError, TypeError
        From unpickling a file saved with incompatible library versions.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a model file.")
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    if path.name.endswith(SAFE_SUFFIX):
        from skdigits.persistence import load_safe

        model = load_safe(path)
    elif not allow_pickle:
        raise ValueError(
            f"{path} is not a {SAFE_SUFFIX} file, so it would be read as a joblib/pickle "
            "file, and loading a pickle runs code stored in it. Load it only if you made it "
            "yourself or trust it: pass --allow-pickle (allow_pickle=True in Python), or "
            f"convert it once with skdigits.persistence.save_safe to a {SAFE_SUFFIX} file."
        )
    else:
        from skdigits.persistence import load

        try:
            model = load(path)
        except ValueError as exc:
            raise ValueError(
                f"{path} is not a usable model file: the file is truncated or not a joblib "
                "file saved by skdigits."
            ) from exc
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise ValueError(
            f"{path} holds a {type(model).__name__}, not a fitted classifier with "
            "predict_proba (expected a pipeline saved by skdigits train)."
        )
    return model


# --------------------------------------------------------------------------- #
# Predictions
# --------------------------------------------------------------------------- #
def plain_label(value):
    """A class label as a plain Python value (for JSON and printing).

    Parameters
    ----------
    value : object
        A label, e.g. a NumPy integer from ``classes_``.

    Returns
    -------
    label : object
        ``value.item()`` for NumPy scalars, else ``value``.
    """
    return value.item() if hasattr(value, "item") else value


def format_top(top, *, sep=", ", width=0):
    """The most probable labels as text: ``7 98.4%, 1 1.2%, 9 0.3%``.

    Parameters
    ----------
    top : list of (label, float)
        Labels and probabilities, best first (:attr:`Prediction.top`).
    sep : str, default=", "
        Between two labels (``"\\n"``: one per line).
    width : int, default=0
        Minimum width of each percentage, to align columns.

    Returns
    -------
    text : str
    """
    return sep.join(f"{plain_label(label)} {p:{width}.1%}" for label, p in top)


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
        Why no prediction was made: :data:`MISSING_MESSAGE`, :data:`BLANK_MESSAGE`, or
        the preprocessor's message for an image it could not read.
    exception : Exception or None
        The exception behind ``error``, if any (e.g. a
        :class:`~skdigits.exceptions.BlankImageError`).
    digit_image : ndarray of shape (28, 28) or None
        The MNIST-like image the classifier saw (white on black, in [0, 1]).
    """

    source: str
    label: object = None
    confidence: float = math.nan
    top: list = field(default_factory=list)
    error: str | None = None
    exception: Exception | None = field(default=None, repr=False)
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
            "digit": plain_label(self.label),
            "confidence": round(float(self.confidence), 6),
            "top3": [
                {"digit": plain_label(label), "probability": round(float(p), 6)}
                for label, p in self.top
            ],
        }

    def summary(self):
        """One line: ``7 (98.4%)   top-3: 7 98.4%, 1 1.2%, 9 0.3%`` or the error."""
        if not self.ok:
            return f"no prediction: {self.error}"
        return (f"{plain_label(self.label)} ({self.confidence:.1%})   "
                f"top-{len(self.top)}: {format_top(self.top)}")


class ImagePredictor:
    """Recognise raw images one by one with a fitted model, with an error per bad image.

    Each image (file path, PIL image or array) is prepared on its own by the model's
    preprocessing steps, so that a missing, unreadable or blank image is reported without
    affecting the others; the prepared digits then go through the classifier in one batch.
    Blank images are told from broken ones by the exception's type
    (:class:`~skdigits.exceptions.BlankImageError`). A bare classifier (without
    :class:`~skdigits.DigitImagePreprocessor`) gets a default preprocessor in front of it.

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

    Examples
    --------
    >>> predictor = ImagePredictor(load_model("digits.skdigits"))   # doctest: +SKIP
    >>> [p.summary() for p in predictor.predict(["seven.png"])]     # doctest: +SKIP
    ['7 (98.4%)   top-3: 7 98.4%, 1 1.2%, 9 0.3%']
    """

    def __init__(self, model, *, top=3, n_jobs=None):
        from sklearn.pipeline import Pipeline

        from skdigits.preprocessing import DigitImagePreprocessor

        if isinstance(model, Pipeline) and len(model.steps) > 1 and any(
            isinstance(step, DigitImagePreprocessor) for _, step in model.steps[:-1]
        ):
            # The model's own preprocessing steps (a slice shares them, no copy).
            self._prepare = model[:-1]
            self._classifier = model[-1]
        else:
            self._prepare = DigitImagePreprocessor()
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
        for i, (x, exc) in enumerate(itertools.chain.from_iterable(shares)):
            if exc is not None:
                results[i].error = _error_message(exc)
                results[i].exception = exc
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
            side = math.isqrt(row.size)
            results[i].digit_image = row.reshape(side, side) if side * side == row.size else None
        return results


def _prepare_each(prepare, items, start=0):
    """``[(digit, None) or (None, exception), ...]``: each item prepared on its own.

    Module-level (not a method) so that worker processes receive only the small
    preprocessing steps, not the classifier. ``start``, the share's offset passed by
    :func:`skdigits._parallel.in_shares`, is not needed: each image is its own input.
    """
    import numpy as np

    out = []
    for item in items:
        try:
            x = np.asarray(prepare.transform([item]), dtype=np.float32)[0]
        except (ValueError, TypeError, OSError) as exc:
            out.append((None, exc))
            continue
        if np.isnan(x).any():
            # A pipeline whose preprocessor was set to on_blank="nan" by its owner.
            out.append((None, BlankImageError(BLANK_MESSAGE, index=0)))
        else:
            out.append((x, None))
    return out


def _error_message(exc):
    """What went wrong with one image, chosen by the exception's type."""
    if isinstance(exc, FileNotFoundError):
        return MISSING_MESSAGE
    if isinstance(exc, BlankImageError):
        return BLANK_MESSAGE
    return str(exc) or type(exc).__name__


def _describe(item):
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    size = getattr(item, "size", None)
    return f"{type(item).__name__} {size}" if size is not None else type(item).__name__
