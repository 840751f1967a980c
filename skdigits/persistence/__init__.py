"""Saving and loading fitted estimators and pipelines.

Two formats, for two levels of trust:

:func:`dump` / :func:`load`
    joblib (pickle). Saves any estimator exactly as it is in memory -- custom
    ``architecture`` functions, callbacks, optimizer state, everything -- and loads it
    back ready to train further. Like every pickle, **loading runs code from the file**:
    only load files you wrote yourself or otherwise trust completely.

:func:`save_safe` / :func:`load_safe`
    A zip holding a JSON manifest and each network in Keras' ``.keras`` format. Loading
    it never unpickles anything and runs no code from the file: the manifest is plain
    data checked against an allow-list (:class:`~skdigits.DigitCNNClassifier`,
    :class:`~skdigits.DigitImagePreprocessor` and scikit-learn ``Pipeline``\\ s of those,
    with JSON parameters checked by the estimators' own validation), every network
    configuration is checked to name only Keras' built-in layers, every read is
    bounded, and the networks are loaded with
    ``keras.saving.load_model(..., safe_mode=True)``. Use it to share models, to load
    models that come from elsewhere (a model registry, a colleague, the internet), or to
    serve predictions from files users can upload. What it cannot hold (custom
    ``architecture`` functions, callbacks, ``RandomState`` objects) is refused when
    saving, with an error naming it.

Both write atomically (:class:`atomic_write`): to a temporary file in the destination
folder that is renamed into place, so a crash or Ctrl-C while saving never leaves a
truncated model where a good one was.

.. warning::
   "Safe" means that loading does not execute code from the file and cannot take
   more memory or processes than the limits allow. It does not authenticate the
   file: anyone who can write it can change what the model predicts. Check where a
   model comes from (e.g. compare a published SHA-256) before trusting its
   predictions.
"""

# The package's modules, one job each:
#   _format        constants, limits, SafeFormatError, plain-JSON encoding, bounded JSON
#   _writer        save_safe
#   _reader        load_safe
#   _keras_archive checks of a network's .keras archive before Keras loads it
#   _pickle        dump / load with joblib (trusted files only)
from skdigits._atomic import atomic_write
from skdigits.persistence._format import FORMAT_NAME, FORMAT_VERSION, SafeFormatError
from skdigits.persistence._pickle import dump, load
from skdigits.persistence._reader import load_safe
from skdigits.persistence._writer import save_safe

__all__ = ["dump", "load", "atomic_write", "save_safe", "load_safe", "SafeFormatError"]
