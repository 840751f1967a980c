"""save_safe: an estimator tree as a JSON manifest plus one Keras archive per network."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np

from skdigits._atomic import atomic_write, owned_temp_dir
from skdigits.persistence._format import (
    ATTRIBUTE_NAME,
    FORMAT_NAME,
    FORMAT_VERSION,
    LABEL_DTYPE_KINDS,
    MANIFEST,
    MAX_DEPTH,
    STEP_NAME,
    SafeFormatError,
    allowed_classes,
    encode_param,
    is_json_data,
    plain,
    skdigits_version,
)

# Fitted attributes of DigitCNNClassifier saved by dedicated code, not as plain JSON.
CLASSIFIER_STATE = frozenset({
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
})


class _Writer:
    """Encodes an estimator tree into a manifest plus network files."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.networks = []  # (member name, file path)
        self.classes = {cls: name for name, cls in allowed_classes().items()}

    def encode(self, est, where, depth=0):
        if depth > MAX_DEPTH:
            raise SafeFormatError(f"{where}: pipelines nested more than {MAX_DEPTH} deep.")
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
            key: encode_param(f"{where} ({type(est).__name__})", key, value)
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
            if not STEP_NAME.fullmatch(step_name):
                raise SafeFormatError(f"{where}: step name {step_name!r} is not a simple name.")
            encoded_steps.append(
                [step_name, self.encode(step_est, f"step {step_name!r} of {where}", depth + 1)]
            )
        return {
            "class": "sklearn.pipeline.Pipeline",
            "params": {key: encode_param(where, key, value) for key, value in params.items()},
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
                encoded = plain(list(value) if isinstance(value, tuple) else value)
            except TypeError as exc:
                raise SafeFormatError(
                    f"Cannot save the fitted attribute {key} of {where} in the safe "
                    f"format: it is {exc}."
                ) from None
            if not ATTRIBUTE_NAME.fullmatch(key) or not is_json_data(encoded):
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
        if classes.ndim != 1 or classes.dtype.kind not in LABEL_DTYPE_KINDS:
            raise SafeFormatError(
                f"Cannot save {where}: its classes_ have dtype {classes.dtype} and shape "
                f"{classes.shape}; the safe format holds 1-D bool, int, float or str labels."
            )
        try:
            values = [plain(v) for v in classes.tolist()]
        except TypeError as exc:
            raise SafeFormatError(f"Cannot save {where}: a class label is {exc}.") from None
        if not all(v is None or isinstance(v, (bool, int, float, str)) for v in values):
            raise SafeFormatError(f"Cannot save {where}: its class labels are not scalars.")
        y_dtype = np.dtype(getattr(clf, "y_dtype_", classes.dtype))
        if y_dtype.kind not in LABEL_DTYPE_KINDS:
            raise SafeFormatError(f"Cannot save {where}: labels of dtype {y_dtype}.")
        member = f"network_{len(self.networks)}.keras"
        file = self.workdir / member
        clf.model_.save(file)
        self.networks.append((member, file))
        history = {str(k): [plain(v) for v in vals] for k, vals in getattr(clf, "history_", {}).items()}
        return {
            "network": member,
            "network_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
            "classes": {"dtype": classes.dtype.str, "values": values},
            "y_dtype": y_dtype.str,
            "n_features_in": int(clf.n_features_in_),
            "n_parameters": int(clf.model_.count_params()),
            "history": history,
            "attributes": self._plain_attributes(clf, where, skip=CLASSIFIER_STATE),
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
    with owned_temp_dir("save") as workdir:
        writer = _Writer(workdir)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "skdigits_version": skdigits_version(),
            "estimator": writer.encode(estimator, "the estimator"),
        }
        text = json.dumps(manifest, indent=1, allow_nan=True)
        with atomic_write(path) as tmp:
            with zipfile.ZipFile(tmp, "w") as zf:
                zf.writestr(MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
                for member, file in writer.networks:
                    # .keras files are zips already: store, do not compress again.
                    zf.write(file, member, compress_type=zipfile.ZIP_STORED)
    return path


