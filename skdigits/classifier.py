"""DigitCNNClassifier: the documented MNIST CNNs as a scikit-learn classifier.

This is a thin layer over scikeras' ``KerasClassifier`` (which does label encoding,
the training loop and pickling of the Keras model). What it adds, and why:

- explicit, grid-searchable constructor parameters (``architecture``, ``epochs``,
  ``learning_rate``, ...) instead of scikeras' ``model__`` routing, with parameter
  discovery from the ``__init__`` signature as in every scikit-learn estimator;
- the ``classifier`` estimator type through ``__sklearn_tags__``: scikeras 0.13 puts
  ``BaseEstimator`` before ``ClassifierMixin`` in its bases, so with scikit-learn >= 1.7
  ``is_classifier`` is silently False (no stratified CV) -- and the base order cannot be
  fixed by subclassing (MRO error), hence the tag override;
- validation of MNIST-like digit arrays with clear errors (shape, range, NaN);
- seeding that is undone after ``fit`` (see :mod:`skdigits._tf`), release of Keras
  memory between fits, and a fast prediction path without ``Model.predict``'s fixed cost.
"""

from __future__ import annotations

import inspect
import numbers

import keras
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from skdigits import _tf
from skdigits._validation import N_PIXELS, check_digits, first_few
from skdigits.architectures import INPUT_SHAPE, augmentation, get_architecture

__all__ = ["DigitCNNClassifier"]

# Defaults for a user-supplied network (``architecture=callable``).
_CUSTOM_DEFAULTS = dict(
    optimizer="adam",
    learning_rate=1e-3,
    epochs=10,
    batch_size=128,
    dropout=None,
    augment=False,
    lr_schedule="constant",
)
_LR_SCHEDULES = ("constant", "cosine")

# Rows per forward pass in predict: large enough to amortise per-call overhead,
# small enough to keep activations of the biggest network in a few hundred MB.
_PREDICT_CHUNK = 512
# Batch-norm recalibration after augmented training (see _recalibrate_batch_norm):
# how many training digits, in batches of how many.
_RECALIBRATION_SAMPLES = 20_000
_RECALIBRATION_BATCH = 500


def _all_layers(model):
    """The layers of ``model``, including those of nested models, depth first."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _recalibrate_batch_norm(network, X, seed):
    """Re-estimate the BatchNormalization statistics of ``network`` on digits ``X``.

    During augmented training the moving means and variances follow the *augmented*
    batches (and, with momentum 0.9, only the last few of them). Prediction sees clean
    digits, so the statistics are recomputed on them: the network runs in training
    mode on up to ``_RECALIBRATION_SAMPLES`` digits, and each layer's momentum is set
    so that its moving statistics become the plain average over all batches (as
    PyTorch's ``swa_utils.update_bn`` does). Weights are not changed.
    """
    bn_layers = [
        layer for layer in _all_layers(network)
        if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]
    if not bn_layers:
        return
    rng = np.random.RandomState(seed)
    rows = rng.permutation(len(X))[:_RECALIBRATION_SAMPLES]
    momenta = [layer.momentum for layer in bn_layers]
    try:
        for k, start in enumerate(range(0, len(rows), _RECALIBRATION_BATCH)):
            for layer in bn_layers:
                layer.momentum = k / (k + 1.0)  # running mean of the batch statistics
            network(X[np.sort(rows[start : start + _RECALIBRATION_BATCH])], training=True)
    finally:
        for layer, momentum in zip(bn_layers, momenta):
            layer.momentum = momentum


def _check_network(model, n_classes, architecture):
    """Refuse a custom network that cannot classify digits into ``n_classes`` classes.

    Without this, a network taking another input shape fails inside Keras' first
    training step, and one with the wrong number of outputs trains (or fails inside
    the loss) and then predicts labels that do not exist.
    """
    name = getattr(architecture, "__name__", repr(architecture))
    try:
        shape = tuple(model.compute_output_shape((None, *INPUT_SHAPE)))
    except NotImplementedError:
        return  # a subclassed model that can only tell its output shape by running
    except Exception as exc:
        raise ValueError(
            f"architecture {name} returned a network that does not take digits of shape "
            f"(n, 28, 28, 1) (Keras: {str(exc).splitlines()[0][:200]})."
        ) from None
    if shape != (None, n_classes):
        raise ValueError(
            f"architecture {name} returned a network with outputs of shape {shape}; "
            f"expected (None, {n_classes}), one probability per class: end it with "
            f"Dense({n_classes}, activation='softmax') (use the n_classes argument)."
        )


def _check_known_labels(y, classes):
    """Name the labels of a continued-training batch (1-D ``y``) the network has no output for."""
    try:
        new = np.setdiff1d(np.unique(y), classes)
    except (TypeError, ValueError):
        return  # labels the encoder will reject with its own message
    if new.size:
        raise ValueError(
            "y holds labels the classifier was not built for: "
            f"{first_few(new.tolist(), repr)} (it knows "
            f"{classes.tolist()}). Pass classes= with every label to the first "
            "partial_fit call, or fit again without warm_start."
        )


def _make_optimizer(name, learning_rate):
    """Build a Keras optimizer from its name and learning rate.

    SGD gets momentum 0.9, as in the tutorial the ``simple`` network comes from; the
    other optimizers keep Keras' defaults apart from the learning rate.
    """
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a string naming a Keras optimizer, got {name!r}.")
    kwargs = {"momentum": 0.9} if name.lower() == "sgd" else {}
    try:
        return keras.optimizers.get(
            {"class_name": name, "config": {"learning_rate": learning_rate, **kwargs}}
        )
    except ValueError:
        raise ValueError(
            f"Unknown optimizer {name!r}; use a Keras optimizer name such as "
            "'sgd', 'adam', 'adadelta' or 'rmsprop'."
        ) from None


class DigitCNNClassifier(KerasClassifier):
    """Convolutional neural network classifier for 28x28 handwritten digits.

    A scikit-learn classifier (``fit``, ``predict``, ``predict_proba``, ``score``) over
    the CNNs of the classic MNIST tutorials, built on scikeras' ``KerasClassifier``.
    Every hyper-parameter is a constructor parameter, so ``GridSearchCV``, ``clone``,
    ``set_params`` and ``get_params`` work on them directly. Parameters left to ``None``
    take the architecture's own default (see :data:`skdigits.architectures.ARCHITECTURES`),
    which reaches the accuracy the tutorials report.

    Input digits are MNIST-like: white ink on black, digit centred in a 28x28 frame.
    To classify raw images (files, PIL images, any size or polarity) put a
    :class:`~skdigits.DigitImagePreprocessor` in front of it in a pipeline.

    Parameters
    ----------
    architecture : {"simple", "classic", "deep", "modern"} or callable, default="classic"
        The network. ``"simple"``: one convolution (SGD); ``"classic"``: two
        convolutions and dropout (Adadelta, the Keras ``mnist_cnn`` example); ``"deep"``:
        three convolution + pooling blocks (Adam); ``"modern"``: batch normalisation,
        strided convolutions and global pooling, trained with augmentation and a cosine
        learning-rate schedule (not from the tutorials). A callable is called as
        ``architecture(n_classes=n_classes)`` (plus ``dropout=dropout`` if it accepts
        that argument and ``dropout`` is set) and must return a Keras model mapping
        ``(28, 28, 1)`` inputs to ``n_classes`` softmax probabilities; it is compiled
        here, so it should be a module-level function for the estimator to pickle.
    epochs : int, default=None
        Passes over the training data. ``None``: the architecture's default
        (simple 10, classic 10, deep 5, modern 15, callable 10).
    batch_size : int, default=None
        Samples per gradient update. ``None``: the architecture's default
        (simple 32, classic 128, deep 64, modern 128, callable 128).
    optimizer : str, default=None
        Keras optimizer name (``"sgd"``, ``"adam"``, ``"adadelta"``, ``"rmsprop"``, ...).
        ``"sgd"`` uses momentum 0.9. ``None``: the architecture's default (simple
        ``"sgd"``, classic ``"adadelta"``, deep, modern and callable ``"adam"``).
    learning_rate : float, default=None
        Optimizer learning rate. ``None``: the architecture's default (simple 0.01,
        classic 1.0 -- not Keras 3's Adadelta default of 0.001, which trains far too
        slowly -- deep and callable 0.001, modern 0.003).
    dropout : float in [0, 1), default=None
        Dropout rate of the dense head. ``None``: the architecture's default (simple
        0.2, classic 0.5 with 0.25 after the convolutions, deep 0, modern 0.3; a
        callable keeps its own unless ``dropout`` is set).
    augment : bool, default=None
        Train on randomly shifted (up to 10 %), rotated (up to 10 degrees) and zoomed
        (up to 10 %) digits; inactive at prediction time. ``None``: the architecture's
        default (True for ``"modern"``, False otherwise). The statistics of any
        ``BatchNormalization`` layer are then re-estimated at the end of ``fit`` on up to
        20,000 un-augmented training digits, so that they match the clean digits the
        model will predict (see the user guide for what it measured).
    lr_schedule : {"constant", "cosine"}, default=None
        ``"cosine"`` decays the learning rate from ``learning_rate`` to 1 % of it over
        all training steps. ``None``: the architecture's default (``"cosine"`` for
        ``"classic"`` and ``"modern"``, ``"constant"`` otherwise).
    early_stopping : bool, default=False
        As in :class:`~sklearn.neural_network.MLPClassifier`: hold back
        ``validation_fraction`` of the training data (stratified) and stop when the
        validation accuracy has not improved for ``n_iter_no_change`` epochs; the
        weights of the best epoch are kept.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held back when ``early_stopping=True``.
    n_iter_no_change : int, default=3
        Epochs without improvement of the validation accuracy before stopping, when
        ``early_stopping=True`` (fewer than MLPClassifier's 10: an epoch of a CNN costs
        much more than one of an MLP).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and shuffling, and makes TensorFlow's ops
        deterministic during ``fit``, so that two fits give identical predictions on the
        same machine. The process-wide seeds are restored after ``fit``.
    verbose : int, default=0
        Keras' verbosity during ``fit``: 0 silent, 1 a progress bar per epoch, 2 one
        line per epoch.
    callbacks : keras.callbacks.Callback or list of them, default=None
        Extra Keras callbacks run during ``fit`` (scikeras' other forms, such as a dict
        of them, are accepted too).
    warm_start : bool, default=False
        If True, ``fit`` continues training the current network instead of building a
        new one.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, as in scikit-learn.

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of pixels per digit seen during ``fit`` (always 784).
    history_ : dict of str to list
        Per-epoch training loss and accuracy, as Keras' ``History`` (plus
        ``val_loss``/``val_accuracy`` with ``early_stopping``).
    n_iter_ : int
        Number of epochs run by the last ``fit``.
    validation_scores_ : list of float
        Validation accuracy after each epoch (only with ``early_stopping=True``).
    best_validation_score_ : float
        Best validation accuracy (only with ``early_stopping=True``).

    See Also
    --------
    skdigits.DigitImagePreprocessor : Turns raw drawn images into MNIST-like digits.
    sklearn.neural_network.MLPClassifier : A fully-connected network in scikit-learn.

    Examples
    --------
    >>> from skdigits import DigitCNNClassifier, load_mnist
    >>> (X_train, y_train), (X_test, y_test) = load_mnist()
    >>> clf = DigitCNNClassifier(architecture="simple", epochs=1, random_state=0)
    >>> clf.fit(X_train[:2000], y_train[:2000]).score(X_test[:500], y_test[:500]) > 0.8
    True
    >>> clf.predict_proba(X_test[:2]).shape
    (2, 10)
    """

    # scikeras reads these attributes. They are fixed for a digit classifier, so they are
    # class constants rather than constructor parameters (parameters come from the
    # ``__init__`` signature, see ``_get_param_names``).
    model = None
    build_fn = None
    loss = "sparse_categorical_crossentropy"
    metrics = None
    validation_batch_size = None
    validation_split = 0.0
    shuffle = True
    run_eagerly = False

    def __init__(
        self,
        architecture="classic",
        *,
        epochs=None,
        batch_size=None,
        optimizer=None,
        learning_rate=None,
        dropout=None,
        augment=None,
        lr_schedule=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=3,
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
        class_weight=None,
    ):
        # scikeras' __init__ is not called on purpose: it stores extra attributes and
        # turns **kwargs into parameters, which breaks clone for a subclass.
        self.architecture = architecture
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.augment = augment
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.class_weight = class_weight

    # -- scikit-learn plumbing --------------------------------------------------------

    # Parameters are the __init__ arguments, as in BaseEstimator (scikeras instead
    # lists every attribute without a trailing underscore).
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    # scikeras' set_params silently accepts "routed" names (fit__*, model__*, ...) that
    # clone then loses; a typo must raise, as for any scikit-learn estimator.
    set_params = BaseEstimator.set_params
    # scikit-learn's repr (only changed parameters; used by the HTML repr too).
    __repr__ = BaseEstimator.__repr__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=False)
        tags.target_tags.required = True
        tags.input_tags.three_d_array = True
        tags.input_tags.positive_only = True  # pixel intensities
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

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
        self : DigitCNNClassifier

        Raises
        ------
        ValueError, TypeError
            If the labels cannot be classification targets.
        """
        from collections import defaultdict  # (local: this method is all persistence adds)

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

    # -- settings ---------------------------------------------------------------------

    def _settings(self):
        """Validate the parameters and resolve the ``None`` ones to their defaults."""
        if callable(self.architecture):
            defaults = dict(_CUSTOM_DEFAULTS)
        else:
            spec = get_architecture(self.architecture)
            defaults = dict(
                optimizer=spec.optimizer,
                learning_rate=spec.learning_rate,
                epochs=spec.epochs,
                batch_size=spec.batch_size,
                dropout=spec.dropout,
                augment=spec.augment,
                lr_schedule=spec.lr_schedule,
            )
        settings = {
            name: defaults[name] if getattr(self, name) is None else getattr(self, name)
            for name in defaults
        }
        for name in ("epochs", "batch_size"):
            value = settings[name]
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        lr = settings["learning_rate"]
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not 0 < lr < np.inf:
            raise ValueError(f"learning_rate must be a positive number, got {lr!r}.")
        dropout = settings["dropout"]
        if dropout is not None and (
            not isinstance(dropout, numbers.Real) or isinstance(dropout, bool) or not 0 <= dropout < 1
        ):
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}.")
        # scikeras checks the contents of a list or dict, but fails on other values
        # with "'int' object is not iterable".
        callbacks = self.callbacks
        is_callback_class = isinstance(callbacks, type) and issubclass(callbacks, keras.callbacks.Callback)
        if not (callbacks is None or is_callback_class
                or isinstance(callbacks, (keras.callbacks.Callback, list, tuple, dict))):
            raise TypeError(
                "callbacks must be a keras.callbacks.Callback, a list of them or a dict of "
                f"them, got {type(callbacks).__name__} {callbacks!r}."
            )
        if not isinstance(self.verbose, numbers.Integral) or self.verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose!r}.")
        if settings["lr_schedule"] not in _LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule must be one of {_LR_SCHEDULES}, got {settings['lr_schedule']!r}."
            )
        for name in ("augment", "early_stopping"):
            value = settings[name] if name in settings else getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {value!r}.")
        if self.early_stopping:
            fraction = self.validation_fraction
            if not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
                raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}.")
            patience = self.n_iter_no_change
            if not isinstance(patience, numbers.Integral) or isinstance(patience, bool) or patience < 1:
                raise ValueError(f"n_iter_no_change must be a positive integer, got {patience!r}.")
        return settings

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
                _check_known_labels(y, self.target_encoder_.classes_)
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
        settings = self._settings()
        n_classes = int(self.n_classes_)
        if callable(self.architecture):
            kwargs = {"n_classes": n_classes}
            if settings["dropout"] is not None and "dropout" in inspect.signature(self.architecture).parameters:
                kwargs["dropout"] = settings["dropout"]
            model = self.architecture(**kwargs)
            if not isinstance(model, keras.Model):
                raise TypeError(
                    f"architecture {self.architecture!r} returned {type(model).__name__}, "
                    "expected a keras.Model."
                )
            _check_network(model, n_classes, self.architecture)
        else:
            model = get_architecture(self.architecture).build(
                n_classes=n_classes, dropout=settings["dropout"]
            )
        if settings["augment"]:
            model = keras.Sequential([keras.Input(INPUT_SHAPE), augmentation(), model], name=model.name)
        model.compile(
            optimizer=_make_optimizer(settings["optimizer"], self._learning_rate(settings)),
            loss=self.loss,
            metrics=["accuracy"],
        )
        # Seeding is done once around the whole fit (see fit); stop scikeras from
        # re-seeding inside it: its context turns a RandomState into seed 0 and toggles
        # process-wide op determinism.
        self._random_state = None
        return model

    def _learning_rate(self, settings):
        """A float, or a Keras schedule spanning every step of this fit."""
        if settings["lr_schedule"] == "constant":
            return settings["learning_rate"]
        n_train = self._n_fit_samples
        if self.early_stopping:
            n_train -= int(np.ceil(n_train * self.validation_fraction))
        steps = max(1, int(np.ceil(n_train / settings["batch_size"]))) * settings["epochs"]
        return keras.optimizers.schedules.CosineDecay(settings["learning_rate"], steps, alpha=0.01)

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        # X and y arrive validated and encoded; this is where Keras' fit is called.
        if not self.early_stopping:
            super()._fit_keras_model(X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs)
        else:
            # As MLPClassifier: a stratified validation split of the training data only.
            train, val = train_test_split(
                np.arange(len(X)),
                test_size=self.validation_fraction,
                stratify=y,
                random_state=self._seed,
            )
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_accuracy", patience=self.n_iter_no_change, restore_best_weights=True
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
        if self._settings()["augment"] and self._recalibrate:
            # The augmentation block is the first layer; the network proper the last.
            _recalibrate_batch_norm(self.model_.layers[-1], X, self._seed)
        self.n_iter_ = len(self.history_["loss"])

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self)
        X, _ = self._validate_data(X)
        # Model.predict costs ~50 ms per call whatever the batch size (it builds a
        # tf.data pipeline); predict_on_batch runs the compiled function directly.
        out = [
            np.asarray(self.model_.predict_on_batch(X[start : start + _PREDICT_CHUNK]))
            for start in range(0, len(X), _PREDICT_CHUNK)
        ]
        return np.concatenate(out) if out else np.empty((0, self.n_classes_), np.float32)

    # -- public API -------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Train the network on digits ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Training digits, white on black. Integer pixels are read as 0..255, float
            pixels must lie in 0..1.
        y : array-like of shape (n_samples,)
            Labels (ints or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, non-negative (samples weighted 0 are left out).

        Returns
        -------
        self : DigitCNNClassifier
            The fitted classifier.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        settings = self._settings()
        if not (self.warm_start and self.__sklearn_is_fitted__()):
            # Drop Keras' global state from earlier fits (grid searches fit many models).
            _tf.release_keras_memory()
        # Private fit-time state read by _learning_rate and _fit_keras_model.
        self._n_fit_samples = _num_samples(X)
        self._seed = _tf.resolve_seed(self.random_state)
        self._recalibrate = True
        with _tf.seeded(self._seed):
            super().fit(
                X,
                y,
                sample_weight=sample_weight,
                epochs=settings["epochs"],
                batch_size=settings["batch_size"],
            )
        # scikeras resets classes_ to None on a warm start and never sets it back.
        self.classes_ = self.target_encoder_.classes_
        return self

    def initialize(self, X, y):
        """Build the network for ``X`` and ``y`` without training it (scikeras API).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Digits that define the input.
        y : array-like of shape (n_samples,)
            Labels that define the classes.

        Returns
        -------
        self : DigitCNNClassifier
            The classifier with an untrained network.
        """
        self._n_fit_samples = _num_samples(X)
        self._seed = _tf.resolve_seed(self.random_state)
        return super().initialize(X, y)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch, keeping the current network (builds it on first call).

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Training digits.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels that will ever be seen; required if the first batch lacks some.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, non-negative (samples weighted 0 are left out).

        Returns
        -------
        self : DigitCNNClassifier
            The updated classifier.
        """
        settings = self._settings()
        self._n_fit_samples = _num_samples(X)
        self._seed = _tf.resolve_seed(self.random_state)
        # One batch is too few digits to re-estimate batch-norm statistics from.
        self._recalibrate = False
        return super().partial_fit(
            X, y, classes=classes, sample_weight=sample_weight, batch_size=settings["batch_size"]
        )

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Test digits.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, non-negative (samples weighted 0 are left out).

        Returns
        -------
        score : float
            Fraction of correctly classified digits (weighted if ``sample_weight``).
        """
        return super().score(X, y, sample_weight=sample_weight)

    def predict(self, X):
        """Predict the digit label of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Digits to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, of the same type as the labels seen in ``fit``.
        """
        # What scikeras' label decoding returns for the 1-D binary and multiclass
        # targets this classifier accepts (_validate_data rejects others), without
        # its sklearn-pipeline round trip: ~0.3 ms per call, a tenth of predicting
        # one drawing.
        proba = self._predict_raw(X)  # checks that the classifier is fitted
        return self.target_encoder_.classes_[np.argmax(proba, axis=1)]

    def predict_proba(self, X):
        """Class probabilities of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, 784), (n_samples, 28, 28) or (n_samples, 28, 28, 1)
            Digits to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        # The network's softmax output, already (n_samples, n_classes) in the order
        # of classes_ (scikeras' own predict_proba squeezes a single sample's row).
        return self._predict_raw(X)


