"""load_safe: read a safe model back, checking everything, running no code from it."""

from __future__ import annotations

import hashlib
import inspect
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np

from skdigits._atomic import owned_temp_dir
from skdigits.persistence._format import (
    ATTRIBUTE_NAME,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST,
    MAX_CLASSES,
    MAX_DEPTH,
    MAX_LABEL_CHARS,
    MAX_MANIFEST_BYTES,
    MAX_NETWORK_PARAMETERS,
    MAX_OUTPUT_SIZE,
    NETWORK_NAME,
    STEP_NAME,
    SafeFormatError,
    error_name,
    allowed_classes,
    decode_param,
    expect_keys,
    fail,
    is_json_data,
    label_dtype,
    parse_json,
    skdigits_version,
)
from skdigits.persistence._keras_archive import (
    load_network,
    network_member_limit,
    read_member,
)
from skdigits.persistence._writer import CLASSIFIER_STATE

_STATE_KEYS = {"network", "network_sha256", "classes", "y_dtype", "n_features_in", "history",
               "attributes"}
# Files written before the parameter count was recorded lack it (same format).
_OPTIONAL_STATE_KEYS = {"n_parameters"}
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError, KeyError, IndexError, OverflowError)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _declared_networks(path, node, found, depth=0):
    """``{member: declared parameter count}`` of the classifiers in the manifest."""
    if depth > MAX_DEPTH + 1 or not isinstance(node, dict):
        return found
    state = node.get("state")
    if isinstance(state, dict) and isinstance(state.get("network"), str):
        member, count = state["network"], state.get("n_parameters")
        if count is not None and not (_is_int(count) and 0 < count <= MAX_NETWORK_PARAMETERS):
            fail(path, f"{member}: the manifest declares {count!r} parameters (at most "
                       f"{MAX_NETWORK_PARAMETERS} allowed).")
        found.setdefault(member, count)
    for step in node.get("steps") or []:
        if isinstance(step, list) and len(step) == 2:
            _declared_networks(path, step[1], found, depth + 1)
    return found


class _Reader:
    """Decodes the manifest's estimator tree, reading each network when it is reached."""

    def __init__(self, path, zf, infos, workdir):
        self.path = path
        self.zf = zf
        self.infos = infos  # member name -> ZipInfo, sizes already checked
        self.used = set()
        self.workdir = workdir
        self.classes = allowed_classes()

    def fail(self, message):
        fail(self.path, message)

    def decode(self, node, where, depth=0):
        if depth > MAX_DEPTH:
            self.fail(f"{where}: nested too deeply.")
        if not isinstance(node, dict) or "class" not in node:
            self.fail(f"{where} must be an object with a 'class' key.")
        name = node["class"]
        if name is None or name == "passthrough":
            expect_keys(self.path, node, where, {"class"})
            return name
        if not isinstance(name, str) or name not in self.classes:
            self.fail(f"{where} has class {str(name)[:80]!r}, which is not allowed "
                      f"(allowed: {sorted(self.classes)}).")
        cls = self.classes[name]
        if name == "sklearn.pipeline.Pipeline":
            expect_keys(self.path, node, where, {"class", "params", "steps"})
            steps = node["steps"]
            if not isinstance(steps, list) or not steps:
                self.fail(f"{where}: 'steps' must be a non-empty list.")
            decoded = []
            for i, step in enumerate(steps):
                if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], str)
                        and STEP_NAME.fullmatch(step[0])):
                    self.fail(f"{where}: step {i} must be a [name, estimator] pair.")
                decoded.append(
                    (step[0], self.decode(step[1], f"step {step[0]!r} of {where}", depth + 1))
                )
            params = self.params(cls, node["params"], where)
            if params.get("memory") is not None:
                self.fail(f"{where}: a pipeline memory (cache of pickles) is not allowed.")
            return self.construct(cls, {"steps": decoded, **params}, where)
        if name == "skdigits.DigitCNNClassifier":
            expect_keys(self.path, node, where, {"class", "params", "state"})
            est = self.construct(cls, self.params(cls, node["params"], where), where)
            self.classifier_state(est, node["state"], where)
            return est
        expect_keys(self.path, node, where, {"class", "params", "attributes"})
        est = self.construct(cls, self.params(cls, node["params"], where), where)
        self.set_attributes(est, node["attributes"], where)
        return est

    def params(self, cls, params, where):
        if not isinstance(params, dict):
            self.fail(f"{where}: 'params' must be a JSON object.")
        known = set(cls._get_param_names()) - {"steps"}
        unknown = set(params) - known
        if unknown:
            self.fail(f"{where}: unknown parameter(s) {sorted(unknown)[:10]} for "
                      f"{cls.__name__} (saved by a newer or modified skdigits?).")
        out = {}
        for key, value in params.items():
            if not is_json_data(value):
                self.fail(f"{where}: parameter {key!r} is not plain data.")
            out[key] = decode_param(self.path, where, value)
        if out.get("callbacks") is not None:
            self.fail(f"{where}: callbacks={str(out['callbacks'])[:80]} (callbacks are code; "
                      "a safe model holds callbacks=None only).")
        return out

    def construct(self, cls, params, where):
        """The estimator, its parameters checked by its own validation, resources capped."""
        est = cls(**params)
        checks = []
        if hasattr(type(est), "_parameter_constraints"):
            checks.append(est._validate_params)  # scikit-learn's declared constraints
        for name in ("_check_params", "_settings"):  # hand-written checks, where they exist
            check = getattr(est, name, None)
            if callable(check) and not inspect.signature(check).parameters:
                checks.append(check)
        for check in checks:
            try:
                check()
            except (TypeError, ValueError) as exc:
                self.fail(f"{where}: invalid parameters ({str(exc)[:300]}).")
        self.limit_resources(est, where)
        return est

    def limit_resources(self, est, where):
        """A file may not ask for more processes, pixels or memory than the defaults allow."""
        params = est.get_params(deep=False)
        n_jobs, cpus = params.get("n_jobs"), os.cpu_count() or 1
        if _is_int(n_jobs) and n_jobs > cpus:
            warnings.warn(f"{self.path}: {where} asks for n_jobs={n_jobs}; this machine has "
                          f"{cpus} CPUs, so n_jobs={cpus} is used.", UserWarning, stacklevel=4)
            est.set_params(n_jobs=cpus)
        output_size = params.get("output_size")
        if _is_int(output_size) and output_size > MAX_OUTPUT_SIZE:
            self.fail(f"{where}: output_size={output_size} is more than the "
                      f"{MAX_OUTPUT_SIZE} allowed in a safe model.")
        if "max_pixels" in params:
            default = inspect.signature(type(est)).parameters["max_pixels"].default
            value = params["max_pixels"]
            if value is None or (_is_int(value) and value > default):
                warnings.warn(f"{self.path}: {where} asks for max_pixels={value}; a safe "
                              f"model is limited to the default, {default}.", UserWarning,
                              stacklevel=4)
                est.set_params(max_pixels=default)

    def set_attributes(self, est, attributes, where):
        if not isinstance(attributes, dict):
            self.fail(f"{where}: 'attributes' must be a JSON object.")
        for key, value in attributes.items():
            if (not isinstance(key, str) or not ATTRIBUTE_NAME.fullmatch(key)
                    or key in CLASSIFIER_STATE or hasattr(type(est), key)
                    or key in est.get_params(deep=False)):
                self.fail(f"{where}: unexpected attribute {str(key)[:80]!r}.")
            if not is_json_data(value):
                self.fail(f"{where}: attribute {key!r} is not plain data.")
            setattr(est, key, value)

    def labels(self, labels, where):
        expect_keys(self.path, labels, f"{where} classes", {"dtype", "values"})
        dtype = label_dtype(self.path, labels["dtype"], f"{where} classes")
        values = labels["values"]
        if (not isinstance(values, list) or not 0 < len(values) <= MAX_CLASSES
                or not all(isinstance(v, (bool, int, float, str)) for v in values)
                or any(isinstance(v, str) and len(v) > MAX_LABEL_CHARS for v in values)):
            self.fail(f"{where}: classes must be a list of 1 to {MAX_CLASSES} scalars "
                      f"(strings of at most {MAX_LABEL_CHARS} characters).")
        try:
            classes = np.empty(len(values), dtype=dtype)
            classes[:] = values
            ordered = np.unique(classes)
        except (TypeError, ValueError, OverflowError) as exc:
            self.fail(f"{where}: classes do not fit dtype {dtype} ({str(exc)[:200]}).")
        if len(ordered) != len(classes) or not np.array_equal(ordered, classes):
            self.fail(f"{where}: classes must be sorted and unique.")
        return classes

    def classifier_state(self, clf, state, where):
        from skdigits._validation import N_PIXELS
        from skdigits.architectures import INPUT_SHAPE

        expect_keys(self.path, state, f"{where} state", _STATE_KEYS, _OPTIONAL_STATE_KEYS)
        member = state["network"]
        if not isinstance(member, str) or member not in self.infos:
            self.fail(f"{where}: network {str(member)[:80]!r} is not in the file.")
        if member in self.used:
            self.fail(f"{where}: network {member!r} is used twice.")
        self.used.add(member)
        classes = self.labels(state["classes"], where)
        y_dtype = label_dtype(self.path, state["y_dtype"], f"{where} y_dtype")
        if not _is_int(state["n_features_in"]) or state["n_features_in"] != N_PIXELS:
            self.fail(f"{where}: n_features_in must be {N_PIXELS}.")
        history = state["history"]
        if not isinstance(history, dict) or not all(
            isinstance(k, str) and isinstance(v, list)
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)
            for k, v in history.items()
        ):
            self.fail(f"{where}: history must map names to lists of numbers.")

        info = self.infos[member]
        n_parameters = state.get("n_parameters")
        limit = network_member_limit(n_parameters or MAX_NETWORK_PARAMETERS)
        data = read_member(self.path, self.zf, info, limit)
        if hashlib.sha256(data).hexdigest() != state["network_sha256"]:
            self.fail(f"{member} does not match its SHA-256 in the manifest (modified file).")
        model = load_network(self.path, member, data, self.workdir, n_parameters=n_parameters,
                             input_shape=INPUT_SHAPE, n_outputs=len(classes))
        del data
        try:
            clf._restore(model, classes, y_dtype=y_dtype, history=history)
        except (TypeError, ValueError) as exc:
            self.fail(f"{where}: the saved state is not usable ({str(exc)[:300]}).")
        self.set_attributes(clf, state["attributes"], where)


def _open_members(path, zf):
    """The zip's members by name, after checking names and declared sizes."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        fail(path, "the zip has duplicate member names.")
    if MANIFEST not in names:
        fail(path, f"it has no {MANIFEST} (not a skdigits safe model; members: "
                   f"{sorted(names)[:10]}).")
    extra = [n for n in names if n != MANIFEST and not NETWORK_NAME.fullmatch(n)]
    if extra:
        fail(path, f"unexpected member(s) {sorted(extra)[:10]}: a safe model holds only "
                   "manifest.json and network_<i>.keras files.")
    return {i.filename: i for i in infos}


def _read(path, workdir):
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        fail(path, f"it is not a valid zip archive or is truncated or corrupt "
                   f"({error_name(exc)}: {str(exc)[:200]}).")
    with zf:
        infos = _open_members(path, zf)
        manifest = parse_json(path, MANIFEST,
                              read_member(path, zf, infos.pop(MANIFEST), MAX_MANIFEST_BYTES))
        expect_keys(path, manifest, MANIFEST,
                    {"format", "format_version", "skdigits_version", "estimator"})
        if manifest["format"] != FORMAT_NAME:
            fail(path, f"format {str(manifest['format'])[:80]!r} is not {FORMAT_NAME!r}.")
        version = manifest["format_version"]
        if version != FORMAT_VERSION or not _is_int(version):
            fail(path, f"format version {str(version)[:80]}; this skdigits "
                       f"({skdigits_version()}) reads version {FORMAT_VERSION} only.")
        saved_by = manifest["skdigits_version"]
        if not isinstance(saved_by, str) or len(saved_by) > 64:
            fail(path, "bad skdigits_version.")
        if saved_by != skdigits_version():
            warnings.warn(f"{path} was saved by skdigits {saved_by}; this is skdigits "
                          f"{skdigits_version()}. Check its predictions.", UserWarning,
                          stacklevel=3)
        # Sizes are checked for every member before any network is read.
        declared = _declared_networks(path, manifest["estimator"], {})
        unused = set(infos) - set(declared)
        if unused:
            fail(path, f"member(s) {sorted(unused)[:10]} are not used by the manifest.")
        for member, info in infos.items():
            limit = network_member_limit(declared[member] or MAX_NETWORK_PARAMETERS)
            if info.file_size > limit:
                fail(path, f"member {member!r} declares {info.file_size} bytes, more than "
                           f"the {limit} its network may take.")
        reader = _Reader(path, zf, infos, workdir)
        estimator = reader.decode(manifest["estimator"], "the saved estimator")
    return estimator


def load_safe(path):
    """Load a model saved with :func:`save_safe`, without running code from the file.

    Nothing is unpickled. The manifest is JSON, checked key by key against what
    :func:`save_safe` writes: only the allowed classes, their known parameters (each
    checked by the estimator's own validation) and attributes, the expected format
    version, and exactly the files it lists. Each network's configuration must name
    only Keras' built-in layers and is loaded with
    ``keras.saving.load_model(..., safe_mode=True)``; the label encoders are rebuilt
    from the saved class list.

    Every read is bounded before it allocates: each member's size is checked against
    what the manifest declares (a network's size follows from its parameter count)
    and read in a stream that stops at that limit; JSON size, nesting and integer
    lengths, label dtypes and class counts are capped. A file cannot raise resource
    parameters above what the machine or the defaults allow: ``n_jobs`` above the
    number of CPUs and ``max_pixels`` above its default (or None) are lowered, with
    a warning; ``output_size`` above 256 is refused. The limits are in
    :ref:`persistence`.

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
        (a ``ValueError``) for every problem with the file, naming the file and the
        problem: not a zip, truncated or corrupt (CRC or SHA-256 mismatch), another
        format version, unknown classes, parameters or attributes, parameter values
        the estimator refuses, extra, missing or pickled members, a network
        configuration with code or non-Keras objects, anything over the limits.

    Warns
    -----
    UserWarning
        If the file was written by another skdigits version (it still loads if the
        format version matches), or resource parameters were lowered.

    See Also
    --------
    save_safe : Write such a file.
    load : Load a joblib file (trusted files only).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved model at {path}.")
    try:
        with owned_temp_dir("load") as workdir:
            return _read(path, workdir)
    except SafeFormatError:
        raise
    except (OSError, MemoryError, RecursionError, ArithmeticError, LookupError,
            ValueError, TypeError, RuntimeError, AttributeError) as exc:
        # A safety net: every check above raises SafeFormatError itself; whatever
        # else a damaged file provokes still reaches the caller as one error type.
        fail(path, f"it could not be read ({error_name(exc)}: {str(exc)[:300]}).")
