"""scikeras' ``KerasClassifier`` adapted to digit images: the hooks scikeras calls.

:class:`~skdigits.DigitCNNClassifier` is the estimator users see (its parameters,
constraints, documentation and public methods, in :mod:`skdigits.classifier`); this
base class holds what scikeras calls during those methods, as skorch's
``NeuralNetClassifier`` sits over its ``NeuralNet``:

- ``_validate_data`` and ``_validate_sample_weight``: digit-image checks instead of
  scikeras' tabular ones, and refusal of negative weights;
- ``_build_keras_model`` and ``_fit_keras_model``: the network and training loop of the
  one :class:`~skdigits._settings.FitSettings` of the current call (early stopping on a
  stratified split, batch-norm recalibration after augmented training);
- ``_predict_raw``: prediction in chunks, without ``Model.predict``'s fixed cost;
- ``_restore``: becoming fitted from a saved network and labels (the safe format's
  loader), setting what scikeras' own ``_initialize`` sets.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

import keras
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from skdigits import _network
from skdigits._validation import (
    INPUT_SHAPE,
    N_PIXELS,
    check_digits,
    check_known_labels,
    first_few,
)


def weights_for_scikeras(sample_weight, class_weight):
    """``sample_weight`` as scikeras may change it.

    With ``class_weight`` set, scikeras multiplies ``sample_weight`` by the class
    weights *in place*: the caller's array or Series would change, and integer weights
    fail to take float products. It gets a float copy instead.
    """
    if sample_weight is None or class_weight is None:
        return sample_weight
    return np.array(sample_weight, dtype=np.float64)


class DigitKerasBase(KerasClassifier):
    """The scikeras hooks of :class:`~skdigits.DigitCNNClassifier` (not used alone)."""

    @contextlib.contextmanager
    def _fitting_with(self, settings):
        """Make ``settings`` what scikeras' hooks read during one fit call.

        scikeras calls ``_build_keras_model`` and ``_fit_keras_model`` itself, with
        arguments of its own; the one settings object reaches them through this
        attribute, which exists only while the call runs.
        """
        self._fit_settings = settings
        try:
            yield settings
        finally:
            del self._fit_settings

    # -- scikeras hooks ---------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Replaces scikeras' tabular checks with digit-image checks: it would count a
        # (n, 28, 28) batch as 28 features and accept pixel values in any range.
        if X is not None and y is not None:
            check_consistent_length(X, y)
        if y is not None:
            y = column_or_1d(y, warn=False)
            if reset:
                check_classification_targets(y)
            elif X is not None:  # training goes on (partial_fit, warm start): same outputs
                check_known_labels(y, self.target_encoder_.classes_)
            _, y = super()._validate_data(X=None, y=y, reset=reset, y_numeric=y_numeric)
        if X is not None:
            X = check_digits(X)
            if reset:
                self.n_features_in_ = N_PIXELS
        return X, y

    @staticmethod
    def _validate_sample_weight(X, y, sample_weight):
        # Keras multiplies each sample's loss by its weight: a negative weight makes
        # training push that sample's loss up, without bound. scikeras then checks the
        # shape and drops zero-weight samples.
        weights = np.asarray(sample_weight)
        if weights.dtype.kind in "biuf" and weights.ndim == 1:
            negative = np.flatnonzero(weights < 0)
            if negative.size:
                raise ValueError(
                    f"sample_weight must be non-negative; sample(s) {first_few(negative)} "
                    "have negative weights."
                )
        return KerasClassifier._validate_sample_weight(X, y, sample_weight)

    def _build_keras_model(self):
        model = _network.build_network(self._fit_settings, int(self.n_classes_), self.loss)
        # Seeding is done once around the whole fit (see fit); stop scikeras from
        # re-seeding inside it: its context turns a RandomState into seed 0 and toggles
        # process-wide op determinism.
        self._random_state = None
        return model

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        # X and y arrive validated and encoded; this is where Keras' fit is called.
        settings = self._fit_settings
        if not settings.early_stopping:
            super()._fit_keras_model(X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs)
        else:
            # As MLPClassifier: a stratified validation split of the training data only.
            train, val = train_test_split(
                np.arange(len(X)),
                test_size=settings.validation_fraction,
                stratify=y,
                random_state=settings.seed,
            )
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_accuracy", patience=settings.n_iter_no_change,
                restore_best_weights=True,
            )
            user_callbacks = self._fit_callbacks
            self._fit_callbacks = [*user_callbacks, stopper]
            try:
                super()._fit_keras_model(
                    X[train],
                    y[train],
                    None if sample_weight is None else sample_weight[train],
                    warm_start,
                    epochs,
                    initial_epoch,
                    validation_data=(X[val], y[val]),
                    **kwargs,
                )
            finally:
                self._fit_callbacks = user_callbacks
            self.validation_scores_ = [float(v) for v in self.history_["val_accuracy"]]
            self.best_validation_score_ = max(self.validation_scores_)
            X = X[train]
        if settings.augment and settings.recalibrate:
            # The augmentation block is the first layer; the network proper the last.
            _network.recalibrate_batch_norm(self.model_.layers[-1], X, settings.seed)
        self.n_iter_ = len(self.history_["loss"])

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self)
        X, _ = self._validate_data(X)
        return _network.predict_in_chunks(self.model_, X, self.n_classes_)

    def _restore(self, network, classes, *, y_dtype=None, history=None):
        """Become fitted from saved parts: a Keras network and the sorted class labels.

        Used by :func:`skdigits.persistence.load_safe`, which checks the parts first.
        Sets what scikeras' ``_initialize`` sets, from the same public pieces it uses
        (label validation, the target encoder fitted on the labels, the identity
        feature encoder), so the result predicts and trains further (``warm_start``,
        ``partial_fit``) as after a fit.

        Parameters
        ----------
        network : keras.Model
            The trained network, taking ``(n, 28, 28, 1)`` digits to ``len(classes)``
            probabilities.
        classes : ndarray of shape (n_classes,)
            The sorted, unique class labels.
        y_dtype : numpy.dtype, default=None
            Dtype of the labels seen in fit (that of ``classes`` if None).
        history : dict of str to list of float, default=None
            The per-epoch metrics of the last fit.

        Returns
        -------
        self : DigitKerasBase

        Raises
        ------
        ValueError, TypeError
            If the labels cannot be classification targets.
        """
        classes = np.asarray(classes)
        digits = np.zeros((len(classes), *INPUT_SHAPE), dtype=np.float32)
        self.classes_ = None
        _, y = self._validate_data(digits, classes, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(getattr(self.target_encoder_, "get_metadata", dict)())
        self.feature_encoder_ = self.feature_encoder.fit(digits)
        self.y_dtype_ = np.dtype(classes.dtype if y_dtype is None else y_dtype)
        self.target_encoder_._y_dtype = self.y_dtype_
        self.model_ = network
        self.history_ = defaultdict(list, {k: list(v) for k, v in (history or {}).items()})
        # Ready for warm_start / partial_fit as after a fit; no seeding is pending.
        self._random_state = None
        self._initialize_callbacks()
        return self
