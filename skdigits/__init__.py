"""skdigits: handwritten digit recognition with CNNs as scikit-learn estimators.

The public API:

- :class:`DigitCNNClassifier` -- the documented MNIST CNNs (``simple``, ``classic``,
  ``deep``) as a scikit-learn classifier, built on scikeras.
- :class:`DigitImagePreprocessor` -- a transformer that turns raw drawn images (files,
  PIL images, arrays of any size and polarity) into MNIST-like 28x28 digits.
- :func:`load_mnist` -- the MNIST data set, read from (and downloaded into) a data home.
- :func:`load_pretrained` -- a fitted pipeline shipped with the package, ready to read
  digits from images.
"""

import importlib

# The public names are imported on first use (PEP 562), so that `skdigits --help` and
# the preprocessor do not pay TensorFlow's start-up (seconds) until a CNN is needed.
_PUBLIC = {
    "DigitCNNClassifier": "skdigits.classifier",
    "DigitImagePreprocessor": "skdigits.preprocessing",
    "load_mnist": "skdigits.datasets",
    "BlankImageError": "skdigits.exceptions",
    "load_pretrained": "skdigits.pretrained",
}


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skdigits' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])


__version__ = "0.1.0"

__all__ = [
    "BlankImageError",
    "DigitCNNClassifier",
    "DigitImagePreprocessor",
    "load_mnist",
    "load_pretrained",
    "__version__",
]
