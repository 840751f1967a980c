"""skdigits: handwritten digit recognition with CNNs as scikit-learn estimators.

The public API:

- :class:`DigitCNNClassifier` -- the documented MNIST CNNs (``simple``, ``classic``,
  ``deep``) as a scikit-learn classifier, built on scikeras.
- :class:`DigitImagePreprocessor` -- a transformer that turns raw drawn images (files,
  PIL images, arrays of any size and polarity) into MNIST-like 28x28 digits.
- :func:`load_mnist` -- the MNIST data set, read from (and downloaded into) a data home.
"""

from skdigits.classifier import DigitCNNClassifier
from skdigits.datasets import load_mnist
from skdigits.preprocessing import DigitImagePreprocessor

__version__ = "0.1.0"

__all__ = [
    "DigitCNNClassifier",
    "DigitImagePreprocessor",
    "load_mnist",
    "__version__",
]
