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
    with JSON parameters), every network configuration is checked to name only Keras'
    built-in layers, and the networks are loaded with
    ``keras.saving.load_model(..., safe_mode=True)``. Use it to share models, to load
    models that come from elsewhere (a model registry, a colleague, the internet), or to
    serve predictions from files users can upload. What it cannot hold (custom
    ``architecture`` functions, callbacks, ``RandomState`` objects) is refused when
    saving, with an error naming it.

Both write atomically: to a temporary file in the destination folder that is renamed
into place, so a crash or Ctrl-C while saving never leaves a truncated model where a
good one was.

.. warning::
   "Safe" means that loading does not execute code from the file. It does not
   authenticate the file: anyone who can write it can change what the model predicts.
   Check where a model comes from (e.g. compare a published SHA-256) before trusting
   its predictions.
"""

from __future__ import annotations

import hashlib
import io
import json
import numbers
import os
import pickle
import re
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path

import joblib
import numpy as np

__all__ = ["dump", "load", "atomic_write", "save_safe", "load_safe", "SafeFormatError"]

#: Identifies the safe format in its manifest.
FORMAT_NAME = "skdigits-safe-model"
#: Version of the safe format written by :func:`save_safe`; :func:`load_safe` reads
#: this version only.
FORMAT_VERSION = 1

_MANIFEST = "manifest.json"
# Upper bounds on what load_safe reads (decompressed), against zip bombs.
_MAX_MANIFEST_BYTES = 4 << 20
_MAX_NETWORK_BYTES = 1 << 30
_MAX_NETWORK_CONFIG_BYTES = 16 << 20
_MAX_DEPTH = 8  # pipelines nested in pipelines
# The members of a Keras 3 ``.keras`` archive (a zip of its own).
_KERAS_MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Keras layers that hold Python code, refused in a network configuration even though
# Keras' safe mode refuses them too.
_CODE_LAYERS = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
_NETWORK_NAME = re.compile(r"network_[0-9]{1,4}\.keras")
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}_")
_STEP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# Fitted attributes of DigitCNNClassifier saved by dedicated code, not as plain JSON.
_CLASSIFIER_STATE = {
    "model_",
    "target_encoder_",
    "feature_encoder_",
    "classes_",
    "n_classes_",
    "n_features_in_",
    "n_outputs_",
    "n_outputs_expected_",
    "target_type_",
    "y_dtype_",
    "y_ndim_",
    "history_",
}
_LABEL_DTYPE_KINDS = "biufUO"


class SafeFormatError(ValueError):
    """A file is not a valid skdigits safe model, or an estimator cannot be saved as one.

    Raised by :func:`load_safe` for a truncated, corrupt, tampered or unexpected file
    (unknown classes, parameters or attributes, extra or missing members, another
    format version, pickled content) and by :func:`save_safe` for an estimator the
    format cannot represent. A subclass of :class:`ValueError`.
    """


# --------------------------------------------------------------------------- #
# Atomic writes and joblib
# --------------------------------------------------------------------------- #
def _current_umask():
    """The process umask, read without changing it where the OS allows."""
    try:  # Linux: os.umask() can only be read by setting it, which races with threads
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _replaced_file_mode(path):
    """Permission bits for a new file at ``path``: the old file's, or 0666 minus umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


class atomic_write:
    """Context manager yielding a temporary path that replaces ``path`` on success.

    The temporary file lives in the destination directory, so the final ``os.replace``
    is atomic on POSIX and Windows. On any exception (including KeyboardInterrupt) the
    temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination.

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_write(target) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(target).read()
    'done'
    """

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self):
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        os.close(fd)
        self._tmp = Path(tmp)
        return self._tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            # mkstemp creates the file private (0600); give it the permissions a plain
            # open() would have, or keep those of the file it replaces.
            os.chmod(self._tmp, _replaced_file_mode(self.path))
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return False


def dump(estimator, path, *, compress=3):
    """Save a fitted estimator or pipeline to ``path`` with joblib, atomically.

    Everything is saved (custom architectures, callbacks, optimizer state), and the
    loaded estimator can be trained further. Files written this way must only be
    loaded from trusted sources; to share a model use :func:`save_safe`.

    Parameters
    ----------
    estimator : object
        Any picklable object, typically a fitted pipeline.
    path : str or os.PathLike
        Destination file (conventionally ``*.joblib``). Parent folders are created.
    compress : int, default=3
        joblib compression level (0-9).

    Returns
    -------
    path : pathlib.Path
        The written file.

    See Also
    --------
    load : Load the file back.
    save_safe : A format that loads without running code from the file.
    """
    path = Path(path)
    with atomic_write(path) as tmp:
        joblib.dump(estimator, tmp, compress=compress)
    return path


_CORRUPT_PICKLE_ERRORS = (
    pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, MemoryError,
    OverflowError, struct.error, zlib.error, OSError,
)


def load(path):
    """Load an estimator saved with :func:`dump` (or :func:`joblib.dump`).

    .. warning:: Loading runs code from the file: only load files you trust. For
       files from elsewhere, use :func:`save_safe` / :func:`load_safe`.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    estimator : object
        The saved object.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a joblib/pickle file or is truncated.

    See Also
    --------
    load_safe : Load a model without running code from the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved model at {path}.")
    try:
        return joblib.load(path)
    # What unpickling garbage or a cut-off file raises: random bytes were seen to raise
    # each of these (MemoryError when a corrupt length field asks for gigabytes).
    except _CORRUPT_PICKLE_ERRORS as exc:
        raise ValueError(
            f"Could not load a model from {path}: the file is truncated or not a "
            f"joblib/pickle file ({type(exc).__name__}: {exc})."
        ) from exc


# --------------------------------------------------------------------------- #
# The safe format: allowed classes
# --------------------------------------------------------------------------- #
def _allowed_classes():
    """Manifest class name -> class. Imported lazily (TensorFlow is heavy)."""
    from sklearn.pipeline import Pipeline

    from skdigits.classifier import DigitCNNClassifier
    from skdigits.preprocessing import DigitImagePreprocessor

    return {
        "skdigits.DigitCNNClassifier": DigitCNNClassifier,
        "skdigits.DigitImagePreprocessor": DigitImagePreprocessor,
        "sklearn.pipeline.Pipeline": Pipeline,
    }


def _skdigits_version():
    import skdigits

    return skdigits.__version__


# --------------------------------------------------------------------------- #
# Plain JSON values
# --------------------------------------------------------------------------- #
def _plain(value):
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
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("a dict with non-string keys")
        return {k: _plain(v) for k, v in value.items()}
    raise TypeError(f"a {type(value).__module__}.{type(value).__qualname__} object")


def _encode_param(where, name, value):
    """A constructor parameter as JSON data; dicts with int keys become item lists."""
    if isinstance(value, dict) and value and all(
        isinstance(k, (numbers.Integral, str)) and not isinstance(k, bool) for k in value
    ) and not all(isinstance(k, str) for k in value):
        try:
            return {"__items__": [[_plain(k), _plain(v)] for k, v in value.items()]}
        except TypeError:
            pass
    try:
        encoded = _plain(value)
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


def _decode_param(value):
    if isinstance(value, dict) and set(value) == {"__items__"}:
        items = value["__items__"]
        if not isinstance(items, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], (int, str)) for p in items
        ):
            raise SafeFormatError("a '__items__' parameter value must be a list of [key, value] pairs.")
        return {k: v for k, v in items}
    return value


def _is_json_data(value, depth=0):
    if depth > 4:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_is_json_data(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_data(v, depth + 1) for k, v in value.items())
    return False


# --------------------------------------------------------------------------- #
# save_safe
# --------------------------------------------------------------------------- #
class _Writer:
    """Encodes an estimator tree into a manifest plus network files."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.networks = []  # (member name, file path)
        self.classes = {cls: name for name, cls in _allowed_classes().items()}

    def encode(self, est, where, depth=0):
        if depth > _MAX_DEPTH:
            raise SafeFormatError(f"{where}: pipelines nested more than {_MAX_DEPTH} deep.")
        if est is None or (isinstance(est, str) and est == "passthrough"):
            return {"class": "passthrough" if est else None}
        name = self.classes.get(type(est))
        if name is None:
            allowed = ", ".join(sorted(self.classes.values()))
            raise SafeFormatError(
                f"Cannot save {where} ({type(est).__module__}.{type(est).__qualname__}) in "
                f"the safe format: only these classes can be saved: {allowed} (exactly "
                "these classes, not subclasses). Use skdigits.persistence.dump for a "
                "trusted-only joblib file instead."
            )
        if name == "sklearn.pipeline.Pipeline":
            return self._pipeline(est, where, depth)
        params = {
            key: _encode_param(f"{where} ({type(est).__name__})", key, value)
            for key, value in est.get_params(deep=False).items()
        }
        node = {"class": name, "params": params}
        if name == "skdigits.DigitCNNClassifier":
            node["state"] = self._classifier_state(est, where)
        else:
            node["attributes"] = self._plain_attributes(est, where, skip=set())
        return node

    def _pipeline(self, pipe, where, depth):
        params = pipe.get_params(deep=False)
        steps = params.pop("steps")
        if params.get("memory") is not None:
            raise SafeFormatError(
                f"Cannot save {where} in the safe format with memory={params['memory']!r}: "
                "a pipeline cache is a folder of pickles. Set memory=None before saving."
            )
        encoded_steps = []
        for i, step in enumerate(steps):
            if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)):
                raise SafeFormatError(f"{where}: step {i} is not a (name, estimator) pair.")
            step_name, step_est = step
            if not _STEP_NAME.fullmatch(step_name):
                raise SafeFormatError(f"{where}: step name {step_name!r} is not a simple name.")
            encoded_steps.append(
                [step_name, self.encode(step_est, f"step {step_name!r} of {where}", depth + 1)]
            )
        return {
            "class": "sklearn.pipeline.Pipeline",
            "params": {key: _encode_param(where, key, value) for key, value in params.items()},
            "steps": encoded_steps,
        }

    @staticmethod
    def _plain_attributes(est, where, skip):
        """Public fitted attributes (``name_``) that are plain JSON data."""
        out = {}
        for key, value in vars(est).items():
            if key in skip or key.startswith("_") or not key.endswith("_"):
                continue
            try:
                encoded = _plain(list(value) if isinstance(value, tuple) else value)
            except TypeError as exc:
                raise SafeFormatError(
                    f"Cannot save the fitted attribute {key} of {where} in the safe "
                    f"format: it is {exc}."
                ) from None
            if not _ATTRIBUTE_NAME.fullmatch(key) or not _is_json_data(encoded):
                raise SafeFormatError(
                    f"Cannot save the fitted attribute {key} of {where} in the safe format."
                )
            out[key] = encoded
        return out

    def _classifier_state(self, clf, where):
        if not hasattr(clf, "model_"):
            raise SafeFormatError(
                f"Cannot save {where}: the DigitCNNClassifier is not fitted (only fitted "
                "classifiers are saved in the safe format)."
            )
        classes = np.asarray(clf.classes_)
        if classes.ndim != 1 or classes.dtype.kind not in _LABEL_DTYPE_KINDS:
            raise SafeFormatError(
                f"Cannot save {where}: its classes_ have dtype {classes.dtype} and shape "
                f"{classes.shape}; the safe format holds 1-D bool, int, float or str labels."
            )
        try:
            values = [_plain(v) for v in classes.tolist()]
        except TypeError as exc:
            raise SafeFormatError(f"Cannot save {where}: a class label is {exc}.") from None
        if not all(v is None or isinstance(v, (bool, int, float, str)) for v in values):
            raise SafeFormatError(f"Cannot save {where}: its class labels are not scalars.")
        y_dtype = np.dtype(getattr(clf, "y_dtype_", classes.dtype))
        if y_dtype.kind not in _LABEL_DTYPE_KINDS:
            raise SafeFormatError(f"Cannot save {where}: labels of dtype {y_dtype}.")
        member = f"network_{len(self.networks)}.keras"
        file = self.workdir / member
        clf.model_.save(file)
        self.networks.append((member, file))
        history = {str(k): [_plain(v) for v in vals] for k, vals in getattr(clf, "history_", {}).items()}
        return {
            "network": member,
            "network_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
            "classes": {"dtype": classes.dtype.str, "values": values},
            "y_dtype": y_dtype.str,
            "n_features_in": int(clf.n_features_in_),
            "history": history,
            "attributes": self._plain_attributes(clf, where, skip=_CLASSIFIER_STATE),
        }


def save_safe(estimator, path):
    """Save a fitted classifier or pipeline in a format that loads without running code.

    The file is a zip holding ``manifest.json`` (format version, skdigits version, the
    classes and ``get_params()`` of every estimator, and the learned attributes needed
    to predict, all as plain JSON) and one ``network_<i>.keras`` per classifier (Keras'
    own format: architecture as JSON, weights and optimizer state as HDF5). Read it back
    with :func:`load_safe`.

    When to use which format: :func:`save_safe` for models that will be loaded by
    someone else, from somewhere else, or by a service; :func:`dump` (joblib) for your
    own checkpoints when you need everything (custom architectures, callbacks).

    Parameters
    ----------
    estimator : DigitCNNClassifier, DigitImagePreprocessor or Pipeline
        A fitted :class:`~skdigits.DigitCNNClassifier`, a
        :class:`~skdigits.DigitImagePreprocessor`, or a scikit-learn
        :class:`~sklearn.pipeline.Pipeline` (possibly nested) made of these (steps may
        also be ``"passthrough"``). Every constructor parameter must be plain JSON data:
        ``architecture`` a name, ``callbacks=None``, ``random_state`` an int or None,
        the pipeline's ``memory=None``.
    path : str or os.PathLike
        Destination file (for instance ``digits.skdigits``). Parent folders are
        created; an existing file is replaced atomically.

    Returns
    -------
    path : pathlib.Path
        The written file.

    Raises
    ------
    SafeFormatError
        (a ``ValueError``) if the estimator, one of its steps or parameters cannot be
        represented: another class, a callable or callback parameter, an unfitted
        classifier. Nothing is written then.

    See Also
    --------
    load_safe : Load the file back.
    dump : joblib format for trusted files, saving everything.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import DigitCNNClassifier, DigitImagePreprocessor, load_mnist
    >>> from skdigits.persistence import save_safe, load_safe
    >>> (X, y), (X_test, y_test) = load_mnist()
    >>> pipe = make_pipeline(DigitImagePreprocessor(),
    ...                      DigitCNNClassifier("simple", epochs=1, random_state=0))
    >>> pipe = pipe.fit(X[:1000], y[:1000])
    >>> path = save_safe(pipe, "digits.skdigits")  # doctest: +SKIP
    >>> load_safe(path).predict(["seven.png"])      # doctest: +SKIP
    array([7], dtype=uint8)
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="skdigits-save-") as workdir:
        writer = _Writer(workdir)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "skdigits_version": _skdigits_version(),
            "estimator": writer.encode(estimator, "the estimator"),
        }
        text = json.dumps(manifest, indent=1, allow_nan=True)
        with atomic_write(path) as tmp:
            with zipfile.ZipFile(tmp, "w") as zf:
                zf.writestr(_MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
                for member, file in writer.networks:
                    # .keras files are zips already: store, do not compress again.
                    zf.write(file, member, compress_type=zipfile.ZIP_STORED)
    return path


# --------------------------------------------------------------------------- #
# load_safe
# --------------------------------------------------------------------------- #
def _fail(path, message):
    raise SafeFormatError(f"Cannot load a safe model from {path}: {message}")


def _expect_keys(path, obj, where, required, optional=()):
    if not isinstance(obj, dict):
        _fail(path, f"{where} must be a JSON object, got {type(obj).__name__}.")
    missing = set(required) - set(obj)
    unknown = set(obj) - set(required) - set(optional)
    if missing:
        _fail(path, f"{where} lacks the key(s) {sorted(missing)}.")
    if unknown:
        _fail(path, f"{where} has unexpected key(s) {sorted(unknown)}.")


def _read_member(path, zf, info, limit):
    if info.file_size > limit:
        _fail(path, f"member {info.filename!r} is {info.file_size} bytes, more than {limit}.")
    if info.flag_bits & 0x1:
        _fail(path, f"member {info.filename!r} is encrypted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        _fail(path, f"member {info.filename!r} uses an unexpected compression.")
    with zf.open(info) as fh:  # checks the CRC at the end of the member
        data = fh.read(limit + 1)
    if len(data) > limit:
        _fail(path, f"member {info.filename!r} is larger than it declares.")
    return data


def _check_network_config(path, member, config):
    """Every object in a Keras configuration must be a built-in, code-free Keras one."""

    def walk(obj, depth):
        if depth > 200:
            _fail(path, f"{member}: the network configuration is nested too deeply.")
        if isinstance(obj, dict):
            if "class_name" in obj:
                cls, module = obj.get("class_name"), obj.get("module")
                registered = obj.get("registered_name")
                if not isinstance(cls, str) or cls in _CODE_LAYERS:
                    _fail(path, f"{member}: the network contains a {cls!r} object (code).")
                if module is not None and not (
                    isinstance(module, str) and (module == "keras" or module.startswith("keras."))
                ):
                    _fail(path, f"{member}: the network refers to module {module!r}; only "
                                "Keras' built-in objects are allowed.")
                if registered not in (None, cls):
                    _fail(path, f"{member}: the network refers to the custom object "
                                f"{registered!r}; only Keras' built-in objects are allowed.")
            for value in obj.values():
                walk(value, depth + 1)
        elif isinstance(obj, list):
            for value in obj:
                walk(value, depth + 1)

    walk(config, 0)


def _load_network(path, member, data, workdir):
    """Validate a ``.keras`` archive and load it with Keras' safe mode."""
    import keras

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            infos = inner.infolist()
            names = [i.filename for i in infos]
            if sorted(names) != sorted(_KERAS_MEMBERS):
                _fail(path, f"{member} holds {sorted(names)}; expected exactly "
                            f"{sorted(_KERAS_MEMBERS)}.")
            by_name = {i.filename: i for i in infos}
            config = json.loads(
                _read_member(path, inner, by_name["config.json"], _MAX_NETWORK_CONFIG_BYTES)
            )
            json.loads(_read_member(path, inner, by_name["metadata.json"], _MAX_NETWORK_CONFIG_BYTES))
            with inner.open(by_name["model.weights.h5"]) as fh:
                signature = fh.read(len(_HDF5_SIGNATURE))
    except SafeFormatError:
        raise
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, RecursionError,
            OSError, EOFError, ValueError, NotImplementedError) as exc:
        _fail(path, f"{member} is not a valid .keras archive ({type(exc).__name__}: {exc}).")
    if signature != _HDF5_SIGNATURE:
        _fail(path, f"{member}: model.weights.h5 is not an HDF5 file.")
    _check_network_config(path, member, config)
    file = Path(workdir) / member
    file.write_bytes(data)
    try:
        model = keras.saving.load_model(file, compile=True, safe_mode=True)
    except Exception as exc:  # any Keras/h5py error: the file is wrong, say so
        _fail(path, f"Keras could not load {member} ({type(exc).__name__}: {exc}).")
    return model


def _label_dtype(path, text, where):
    if not isinstance(text, str) or len(text) > 16:
        _fail(path, f"{where}: bad dtype {text!r}.")
    try:
        dtype = np.dtype(text)
    except TypeError:
        _fail(path, f"{where}: bad dtype {text!r}.")
    if dtype.kind not in _LABEL_DTYPE_KINDS or dtype.fields is not None or dtype.shape:
        _fail(path, f"{where}: labels of dtype {dtype} are not allowed.")
    return dtype


class _Reader:
    def __init__(self, path, networks, workdir):
        self.path = path
        self.networks = networks  # member name -> bytes
        self.used = set()
        self.workdir = workdir
        self.classes = _allowed_classes()

    def fail(self, message):
        _fail(self.path, message)

    def decode(self, node, where, depth=0):
        if depth > _MAX_DEPTH:
            self.fail(f"{where}: nested too deeply.")
        if not isinstance(node, dict) or "class" not in node:
            self.fail(f"{where} must be an object with a 'class' key.")
        name = node["class"]
        if name is None or name == "passthrough":
            _expect_keys(self.path, node, where, {"class"})
            return name
        if name not in self.classes:
            self.fail(f"{where} has class {name!r}, which is not allowed (allowed: "
                      f"{sorted(self.classes)}).")
        cls = self.classes[name]
        if name == "sklearn.pipeline.Pipeline":
            _expect_keys(self.path, node, where, {"class", "params", "steps"})
            steps = node["steps"]
            if not isinstance(steps, list) or not steps:
                self.fail(f"{where}: 'steps' must be a non-empty list.")
            decoded = []
            for i, step in enumerate(steps):
                if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], str)
                        and _STEP_NAME.fullmatch(step[0])):
                    self.fail(f"{where}: step {i} must be a [name, estimator] pair.")
                decoded.append((step[0], self.decode(step[1], f"step {step[0]!r} of {where}", depth + 1)))
            params = self.params(cls, node["params"], where)
            if params.get("memory") is not None:
                self.fail(f"{where}: a pipeline memory (cache of pickles) is not allowed.")
            try:
                return cls(steps=decoded, **params)
            except (TypeError, ValueError) as exc:
                self.fail(f"{where}: {exc}")
        if name == "skdigits.DigitCNNClassifier":
            _expect_keys(self.path, node, where, {"class", "params", "state"})
            est = self.construct(cls, node["params"], where)
            self.classifier_state(est, node["state"], where)
            return est
        _expect_keys(self.path, node, where, {"class", "params", "attributes"})
        est = self.construct(cls, node["params"], where)
        self.set_attributes(est, node["attributes"], where)
        return est

    def params(self, cls, params, where):
        if not isinstance(params, dict):
            self.fail(f"{where}: 'params' must be a JSON object.")
        known = set(cls._get_param_names()) - ({"steps"} if cls is self.classes["sklearn.pipeline.Pipeline"] else set())
        unknown = set(params) - known
        if unknown:
            self.fail(f"{where}: unknown parameter(s) {sorted(unknown)} for {cls.__name__} "
                      "(saved by a newer or modified skdigits?).")
        out = {}
        for key, value in params.items():
            if not _is_json_data(value):
                self.fail(f"{where}: parameter {key!r} is not plain data.")
            out[key] = _decode_param(value)
        return out

    def construct(self, cls, params, where):
        est = cls(**self.params(cls, params, where))
        # The estimator's own validation (e.g. an unknown architecture name) applies.
        check = getattr(est, "_check_params", None) or getattr(est, "_validate_params", None)
        if check is not None:
            try:
                check()
            except (TypeError, ValueError) as exc:
                self.fail(f"{where}: invalid parameters ({exc}).")
        return est

    def set_attributes(self, est, attributes, where):
        if not isinstance(attributes, dict):
            self.fail(f"{where}: 'attributes' must be a JSON object.")
        for key, value in attributes.items():
            if (not isinstance(key, str) or not _ATTRIBUTE_NAME.fullmatch(key)
                    or key in _CLASSIFIER_STATE or hasattr(type(est), key)
                    or key in est.get_params(deep=False)):
                self.fail(f"{where}: unexpected attribute {key!r}.")
            if not _is_json_data(value):
                self.fail(f"{where}: attribute {key!r} is not plain data.")
            setattr(est, key, value)

    def classifier_state(self, clf, state, where):
        _expect_keys(
            self.path, state, f"{where} state",
            {"network", "network_sha256", "classes", "y_dtype", "n_features_in", "history",
             "attributes"},
        )
        member = state["network"]
        if not isinstance(member, str) or member not in self.networks:
            self.fail(f"{where}: network {member!r} is not in the file.")
        if member in self.used:
            self.fail(f"{where}: network {member!r} is used twice.")
        self.used.add(member)
        data = self.networks[member]
        if hashlib.sha256(data).hexdigest() != state["network_sha256"]:
            self.fail(f"{member} does not match its SHA-256 in the manifest (modified file).")
        # Labels and their encoder, rebuilt from the class list.
        labels = state["classes"]
        _expect_keys(self.path, labels, f"{where} classes", {"dtype", "values"})
        dtype = _label_dtype(self.path, labels["dtype"], f"{where} classes")
        values = labels["values"]
        if (not isinstance(values, list) or not values
                or not all(isinstance(v, (bool, int, float, str)) for v in values)):
            self.fail(f"{where}: classes must be a non-empty list of scalars.")
        try:
            classes = np.empty(len(values), dtype=dtype)
            classes[:] = values
            ordered = np.unique(classes)
        except (TypeError, ValueError, OverflowError) as exc:
            self.fail(f"{where}: classes do not fit dtype {dtype} ({exc}).")
        if len(ordered) != len(classes) or not np.array_equal(ordered, classes):
            self.fail(f"{where}: classes must be sorted and unique.")
        y_dtype = _label_dtype(self.path, state["y_dtype"], f"{where} y_dtype")
        if state["n_features_in"] != 784:
            self.fail(f"{where}: n_features_in must be 784.")
        history = state["history"]
        if not isinstance(history, dict) or not all(
            isinstance(k, str) and isinstance(v, list)
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
            for k, v in history.items()
        ):
            self.fail(f"{where}: history must map names to lists of numbers.")

        model = _load_network(self.path, member, data, self.workdir)
        try:
            in_shape = tuple(model.inputs[0].shape[1:])
            out_shape = tuple(model.outputs[0].shape[1:])
        except (AttributeError, IndexError, TypeError):
            in_shape = out_shape = None
        if in_shape != (28, 28, 1) or out_shape != (len(classes),):
            self.fail(f"{member}: the network maps {in_shape} to {out_shape}; expected "
                      f"(28, 28, 1) to ({len(classes)},) for {len(classes)} classes.")

        # What scikeras' _initialize sets, from the same public pieces it uses:
        # validation (target type, label dtype and ndim, n_features_in_), the target
        # encoder fitted on the labels, the (identity) feature encoder.
        digits = np.zeros((len(classes), 28, 28, 1), dtype=np.float32)
        try:
            clf.classes_ = None
            _, y = clf._validate_data(digits, classes, reset=True)
            clf.target_encoder_ = clf.target_encoder.fit(y)
        except (TypeError, ValueError) as exc:
            self.fail(f"{where}: the class labels are not usable ({exc}).")
        vars(clf).update(getattr(clf.target_encoder_, "get_metadata", dict)())
        clf.feature_encoder_ = clf.feature_encoder.fit(digits)
        clf.y_dtype_ = y_dtype
        clf.target_encoder_._y_dtype = y_dtype
        clf.model_ = model
        clf.history_ = defaultdict(list, {k: list(v) for k, v in history.items()})
        # Ready for warm_start / partial_fit as after a fit; no seeding is pending.
        clf._random_state = None
        clf._initialize_callbacks()
        self.set_attributes(clf, state["attributes"], where)


def load_safe(path):
    """Load a model saved with :func:`save_safe`, without running code from the file.

    Nothing is unpickled. The manifest is JSON, checked key by key against what
    :func:`save_safe` writes: only the allowed classes, their known parameters and
    attributes, the expected format version, and exactly the files it lists. Each
    network's configuration must name only Keras' built-in layers and is loaded with
    ``keras.saving.load_model(..., safe_mode=True)``; the label encoders are rebuilt
    from the saved class list.

    The result predicts exactly like the saved estimator, and a loaded classifier can
    be trained further (``warm_start=True`` or ``partial_fit``; the optimizer state is
    restored too).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_safe`.

    Returns
    -------
    estimator : DigitCNNClassifier, DigitImagePreprocessor or Pipeline
        The saved estimator, fitted.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    SafeFormatError
        (a ``ValueError``) if the file is not a skdigits safe model or not one this
        version reads: not a zip, truncated or corrupt (CRC or SHA-256 mismatch), another
        format version, unknown classes, parameters or attributes, extra, missing or
        pickled members, a network configuration with code or non-Keras objects.

    Warns
    -----
    UserWarning
        If the file was written by another skdigits version (it still loads if the
        format version matches).

    See Also
    --------
    save_safe : Write such a file.
    load : Load a joblib file (trusted files only).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved model at {path}.")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            if len(set(names)) != len(names):
                _fail(path, "the zip has duplicate member names.")
            if _MANIFEST not in names:
                _fail(path, f"it has no {_MANIFEST} (not a skdigits safe model; members: "
                            f"{sorted(names)[:10]}).")
            extra = [n for n in names if n != _MANIFEST and not _NETWORK_NAME.fullmatch(n)]
            if extra:
                _fail(path, f"unexpected member(s) {sorted(extra)[:10]}: a safe model holds "
                            "only manifest.json and network_<i>.keras files.")
            by_name = {i.filename: i for i in infos}
            manifest_bytes = _read_member(path, zf, by_name[_MANIFEST], _MAX_MANIFEST_BYTES)
            networks = {
                n: _read_member(path, zf, by_name[n], _MAX_NETWORK_BYTES)
                for n in names if n != _MANIFEST
            }
    except SafeFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError, KeyError, IndexError) as exc:
        _fail(path, f"it is not a valid zip archive or is truncated or corrupt "
                    f"({type(exc).__name__}: {exc}).")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        _fail(path, f"{_MANIFEST} is not JSON ({type(exc).__name__}).")
    _expect_keys(path, manifest, _MANIFEST,
                 {"format", "format_version", "skdigits_version", "estimator"})
    if manifest["format"] != FORMAT_NAME:
        _fail(path, f"format {manifest['format']!r} is not {FORMAT_NAME!r}.")
    version = manifest["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        _fail(path, f"format version {version!r}; this skdigits ({_skdigits_version()}) "
                    f"reads version {FORMAT_VERSION} only.")
    saved_by = manifest["skdigits_version"]
    if not isinstance(saved_by, str) or len(saved_by) > 64:
        _fail(path, "bad skdigits_version.")
    if saved_by != _skdigits_version():
        warnings.warn(
            f"{path} was saved by skdigits {saved_by}; this is skdigits "
            f"{_skdigits_version()}. Check its predictions.",
            UserWarning,
            stacklevel=2,
        )
    with tempfile.TemporaryDirectory(prefix="skdigits-load-") as workdir:
        reader = _Reader(path, networks, workdir)
        estimator = reader.decode(manifest["estimator"], "the saved estimator")
    unused = set(networks) - reader.used
    if unused:
        _fail(path, f"member(s) {sorted(unused)} are not used by the manifest.")
    return estimator
