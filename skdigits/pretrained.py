"""The pretrained pipeline shipped inside the package.

``skdigits/data/pretrained.skdigits`` holds a fitted
``Pipeline(DigitImagePreprocessor(), DigitCNNClassifier())`` in the safe format
(:func:`skdigits.persistence.save_safe`): loading it runs no code from the file. It was
trained by ``python benchmarks/train_pretrained.py``; its recipe, figures, date and
library versions are in the model card beside it (``skdigits/data/MODEL_CARD.md``, also
in the documentation).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["load_pretrained", "pretrained_path", "PRETRAINED_ENV"]

#: Environment variable naming another safe-format file to use instead of the shipped
#: one (for example a model of your own that the command line and the drawing window
#: should use when no ``--model`` is given).
PRETRAINED_ENV = "SKDIGITS_PRETRAINED"

_FILE = "pretrained.skdigits"


def pretrained_path():
    """The path of the pretrained model file.

    Returns
    -------
    path : pathlib.Path
        ``$SKDIGITS_PRETRAINED`` if that variable is set, else the file shipped in
        the package (``skdigits/data/pretrained.skdigits``).
    """
    override = os.environ.get(PRETRAINED_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("skdigits") / "data" / _FILE))


def load_pretrained():
    """Load the pretrained digit-recognition pipeline shipped with skdigits.

    A fitted ``Pipeline(DigitImagePreprocessor(), DigitCNNClassifier())``, ready for
    ``predict`` / ``predict_proba`` on image files, PIL images and arrays of any size
    and polarity, and on MNIST-like digits. It is read with
    :func:`skdigits.persistence.load_safe`, so no code runs from the file; each call
    returns a new, independent pipeline.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline.

    Raises
    ------
    FileNotFoundError
        If the model file is missing (a broken installation, or a wrong
        ``SKDIGITS_PRETRAINED``).
    skdigits.persistence.SafeFormatError
        If the file is not a valid safe model.

    See Also
    --------
    skdigits.persistence.load_safe : Load another safe-format model.

    Examples
    --------
    >>> import skdigits
    >>> pipe = skdigits.load_pretrained()
    >>> from skdigits import load_mnist
    >>> (_, _), (X_test, y_test) = load_mnist()
    >>> pipe.score(X_test[:500], y_test[:500]) > 0.98
    True
    """
    from skdigits.persistence import load_safe

    path = pretrained_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"The pretrained model {path} is missing"
            + (f" (set by {PRETRAINED_ENV})." if os.environ.get(PRETRAINED_ENV)
               else "; reinstall skdigits.")
        )
    return load_safe(path)
