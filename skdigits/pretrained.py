"""The pretrained digit recognition pipeline shipped inside the package.

The file ``skdigits/data/pretrained.skdigits`` is in the safe format
(:func:`skdigits.persistence.save_safe`): loading it runs no code from the file. The
environment variable ``SKDIGITS_PRETRAINED`` overrides its path (to try another model
in its place, e.g. in tests).
"""

from __future__ import annotations

import os
from importlib import resources

__all__ = ["load_pretrained"]

PRETRAINED_ENV = "SKDIGITS_PRETRAINED"


def load_pretrained():
    """The pretrained ``DigitImagePreprocessor -> DigitCNNClassifier`` pipeline, fitted.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Ready for ``predict`` / ``predict_proba`` on image files, PIL images and arrays.

    Raises
    ------
    FileNotFoundError
        If the file is not installed (or ``SKDIGITS_PRETRAINED`` names no file).
    skdigits.persistence.SafeFormatError
        If the file is not a valid safe model file.
    """
    from skdigits.persistence import load_safe

    override = os.environ.get(PRETRAINED_ENV)
    if override:
        return load_safe(override)
    ref = resources.files("skdigits").joinpath("data").joinpath("pretrained.skdigits")
    if not ref.is_file():
        raise FileNotFoundError(f"the pretrained model is not installed (no file {ref}).")
    with resources.as_file(ref) as path:
        return load_safe(path)
