"""The safe format's constants, limits, errors and plain-JSON encoding.

Everything here is shared by the writer (:mod:`._writer`) and the reader
(:mod:`._reader`): what the format is called, how large each part may be, how
parameters become JSON and back, and how JSON is parsed within bounds.
"""

from __future__ import annotations

import json
import numbers
import re

import numpy as np

#: Identifies the safe format in its manifest.
FORMAT_NAME = "skdigits-safe-model"
#: Version of the safe format written by :func:`save_safe`; :func:`load_safe` reads
#: this version only.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# -- Limits applied by load_safe, each before anything of that size is allocated. --
# The manifest holds parameters, class labels and per-epoch history: about 1 kB for a
# pipeline trained 1 epoch; 4 MB leaves room for thousands of epochs.
MAX_MANIFEST_BYTES = 4 << 20
# A network's config.json is 4.8-7.5 kB for the built-in architectures.
MAX_NETWORK_CONFIG_BYTES = 1 << 20
MAX_NETWORK_METADATA_BYTES = 64 << 10
# Parameters (weights) of one network: the largest built-in architecture (classic)
# has 2.4 million.
MAX_NETWORK_PARAMETERS = 50_000_000
# model.weights.h5 holds the weights and the optimizer's variables (Adam: two per
# weight, AMSGrad three), each of at most 8 bytes, plus HDF5 bookkeeping: measured
# 25-40 kB for 14-32 variables.
MAX_OPTIMIZER_SLOTS = 3
H5_OVERHEAD_BYTES = 1 << 20
H5_OVERHEAD_PER_VARIABLE = 16 << 10
MAX_DEPTH = 8  # pipelines nested in pipelines
MAX_JSON_DEPTH = 64  # a pipeline level adds 3 JSON levels
MAX_INT_DIGITS = 20  # int64 has 19 digits
MAX_CLASSES = 10_000
MAX_LABEL_CHARS = 64  # string labels: at most <U64
# Resource parameters taken from a file (output_size: pixels per side of each
# transformed image; the classifier needs 28).
MAX_OUTPUT_SIZE = 256

NETWORK_NAME = re.compile(r"network_[0-9]{1,4}\.keras")
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}_")
STEP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
LABEL_DTYPE_KINDS = "biufUO"


class SafeFormatError(ValueError):
    """A file is not a valid skdigits safe model, or an estimator cannot be saved as one.

    Raised by :func:`load_safe` for every problem with a file: truncated, corrupt,
    tampered or unexpected content (unknown classes, parameters or attributes, extra
    or missing members, another format version, pickled content), parameters the
    estimators refuse, and anything larger than the limits of the format. Raised by
    :func:`save_safe` for an estimator the format cannot represent. A subclass of
    :class:`ValueError`.
    """


def fail(path, message):
    """Raise the SafeFormatError of ``load_safe`` naming the file."""
    raise SafeFormatError(f"Cannot load a safe model from {path}: {message}")


def error_name(exc):
    """``BadZipFile``, ``zlib.error``, ...: an exception's name, qualified if bare."""
    name = type(exc).__name__
    module = type(exc).__module__
    return f"{module}.{name}" if name == "error" else name


def expect_keys(path, obj, where, required, optional=()):
    """``obj`` must be a JSON object with exactly the ``required`` (+ ``optional``) keys."""
    if not isinstance(obj, dict):
        fail(path, f"{where} must be a JSON object, got {type(obj).__name__}.")
    missing = set(required) - set(obj)
    unknown = set(obj) - set(required) - set(optional)
    if missing:
        fail(path, f"{where} lacks the key(s) {sorted(missing)}.")
    if unknown:
        fail(path, f"{where} has unexpected key(s) {sorted(unknown)[:10]}.")


def allowed_classes():
    """Manifest class name -> class. Imported lazily (TensorFlow is heavy)."""
    from sklearn.pipeline import Pipeline

    from skdigits.classifier import DigitCNNClassifier
    from skdigits.preprocessing import DigitImagePreprocessor

    return {
        "skdigits.DigitCNNClassifier": DigitCNNClassifier,
        "skdigits.DigitImagePreprocessor": DigitImagePreprocessor,
        "sklearn.pipeline.Pipeline": Pipeline,
    }


def skdigits_version():
    import skdigits

    return skdigits.__version__


# --------------------------------------------------------------------------- #
# Bounded JSON
# --------------------------------------------------------------------------- #
class _JSONLimit(ValueError):
    pass


def _bounded_int(text):
    # Checked before int(): Python refuses > 4300 digits with a bare ValueError,
    # and parsing a long number is quadratic.
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _JSONLimit(f"an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _unique_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _JSONLimit(f"the key {key[:40]!r} twice in one object")
        obj[key] = value
    return obj


def _depth(value):
    """Nesting depth of parsed JSON, iteratively."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        obj, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)
    return deepest


def parse_json(path, what, data, max_depth=MAX_JSON_DEPTH):
    """Parse ``data`` (bytes, already size-bounded) or raise SafeFormatError."""
    try:
        value = json.loads(
            data.decode("utf-8"), parse_int=_bounded_int, object_pairs_hook=_unique_keys
        )
    except _JSONLimit as exc:
        fail(path, f"{what} holds {exc}.")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        fail(path, f"{what} is not JSON ({type(exc).__name__}).")
    if _depth(value) > max_depth:
        fail(path, f"{what} is nested more than {max_depth} levels deep.")
    return value


# --------------------------------------------------------------------------- #
# Plain JSON values
# --------------------------------------------------------------------------- #
def plain(value):
    """``value`` as plain JSON data (numpy scalars to Python), or raise TypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("a dict with non-string keys")
        return {k: plain(v) for k, v in value.items()}
    raise TypeError(f"a {type(value).__module__}.{type(value).__qualname__} object")


def encode_param(where, name, value):
    """A constructor parameter as JSON data; dicts with int keys become item lists."""
    if isinstance(value, dict) and value and all(
        isinstance(k, (numbers.Integral, str)) and not isinstance(k, bool) for k in value
    ) and not all(isinstance(k, str) for k in value):
        try:
            return {"__items__": [[plain(k), plain(v)] for k, v in value.items()]}
        except TypeError:
            pass
    try:
        encoded = plain(value)
        if isinstance(encoded, dict) and "__items__" in encoded:
            raise TypeError("a dict with the reserved key '__items__'")
        return encoded
    except TypeError as exc:
        hint = ""
        if callable(value):
            hint = " Callables (such as a custom architecture function) hold code."
        elif name == "callbacks":
            hint = " Keras callbacks hold code; set_params(callbacks=None) before saving."
        raise SafeFormatError(
            f"Cannot save {where} in the safe format: its parameter {name}={value!r} is "
            f"{exc}, not plain JSON data (None, bool, int, float, str, list, dict).{hint} "
            "Use skdigits.persistence.dump for a trusted-only joblib file instead."
        ) from None


def decode_param(path, where, value):
    """Inverse of :func:`encode_param`."""
    if isinstance(value, dict) and set(value) == {"__items__"}:
        items = value["__items__"]
        if not isinstance(items, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], (int, str))
            and not isinstance(p[0], bool) for p in items
        ):
            fail(path, f"{where}: a '__items__' parameter value must be a list of "
                       "[key, value] pairs.")
        return {k: v for k, v in items}
    return value


def is_json_data(value, depth=0):
    """Plain JSON scalars, lists and string-keyed dicts, at most 5 levels deep."""
    if depth > 4:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(is_json_data(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json_data(v, depth + 1) for k, v in value.items())
    return False


def label_dtype(path, text, where):
    """A label dtype from the manifest: bool/int/uint/float of <= 8 bytes, <U64, object."""
    if not isinstance(text, str) or len(text) > 16:
        fail(path, f"{where}: bad dtype {str(text)[:40]!r}.")
    try:
        dtype = np.dtype(text)
    except (TypeError, ValueError, OverflowError, MemoryError):
        fail(path, f"{where}: bad dtype {text!r}.")
    if dtype.kind not in LABEL_DTYPE_KINDS or dtype.fields is not None or dtype.shape:
        fail(path, f"{where}: labels of dtype {dtype} are not allowed.")
    if dtype.kind in "biuf" and dtype.itemsize > 8:
        fail(path, f"{where}: labels of dtype {dtype} are not allowed (at most 8 bytes).")
    if dtype.kind == "U" and dtype.itemsize > 4 * MAX_LABEL_CHARS:
        fail(path, f"{where}: labels of dtype {dtype.str} are not allowed (at most "
                   f"<U{MAX_LABEL_CHARS}).")
    return dtype
