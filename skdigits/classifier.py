"""DigitCNNClassifier: the documented MNIST CNNs as a scikit-learn classifier.

This is a thin layer over scikeras' ``KerasClassifier`` (which does label encoding,
the training loop and pickling of the Keras model). What it adds, and why:

- explicit, grid-searchable constructor parameters (``architecture``, ``epochs``,
  ``learning_rate``, ...) instead of scikeras' ``model__`` routing, with parameter
  discovery from the ``__init__`` signature and declared constraints
  (``_parameter_constraints``) as in every scikit-learn estimator;
- the ``classifier`` estimator type through ``__sklearn_tags__``: scikeras 0.13 puts
  ``BaseEstimator`` before ``ClassifierMixin`` in its bases, so with scikit-learn >= 1.7
  ``is_classifier`` is silently False (no stratified CV) -- and the base order cannot be
  fixed by subclassing (MRO error), hence the tag override;
- validation of MNIST-like digit arrays with clear errors (shape, range, NaN);
- seeding that is undone after ``fit`` (see :mod:`skdigits._tf`), release of Keras
  memory between fits, and a fast prediction path without ``Model.predict``'s fixed cost.

The hooks scikeras calls during ``fit`` and ``predict`` are in :mod:`skdigits._scikeras`;
how the network is built and run, in :mod:`skdigits._network`; the settings of one
fit, resolved once, in :mod:`skdigits._settings`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _num_samples

from skdigits import _tf
from skdigits._scikeras import DigitKerasBase, weights_for_scikeras
from skdigits._settings import LR_SCHEDULES, FitSettings
from skdigits.architectures import ARCHITECTURES

__all__ = ["DigitCNNClassifier"]


class DigitCNNClassifier(DigitKerasBase):
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

    # Checked by _validate_params at the start of fit, partial_fit and initialize; an
    # invalid value raises InvalidParameterError (a ValueError and a TypeError) naming
    # the parameter and the value. Cross-parameter rules (an optimizer name Keras does
    # not know, a custom network of the wrong shape) are checked when the network is built.
    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(ARCHITECTURES)), callable],
        "epochs": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "optimizer": [str, None],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), None],
        "augment": ["boolean", None],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES)), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": [Options(Integral, {0, 1, 2})],
        # A Keras callback (instance or class, as scikeras takes), or a list, tuple or
        # dict of them (scikeras checks their items).
        "callbacks": [list, tuple, dict, HasMethods(["set_model", "on_epoch_end"]), None],
        "warm_start": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

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

    # -- settings ---------------------------------------------------------------------

    def _resolve_settings(self, n_samples, *, recalibrate=True):
        """The :class:`~skdigits._settings.FitSettings` of one fit of ``n_samples`` digits.

        The parameters (validated by the caller) with ``None`` replaced by the
        architecture's defaults, and the seed of this fit drawn from ``random_state``.
        Called once per ``fit``, ``partial_fit`` or ``initialize`` call.
        """
        return FitSettings.resolve(
            self.get_params(deep=False),
            seed=_tf.resolve_seed(self.random_state),
            n_samples=n_samples,
            recalibrate=recalibrate,
        )

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
        self._validate_params()
        settings = self._resolve_settings(_num_samples(X))
        if not (self.warm_start and self.__sklearn_is_fitted__()):
            # Drop Keras' global state from earlier fits (grid searches fit many models).
            _tf.release_keras_memory()
        with self._fitting_with(settings), _tf.seeded(settings.seed):
            super().fit(
                X,
                y,
                sample_weight=weights_for_scikeras(sample_weight, self.class_weight),
                epochs=settings.epochs,
                batch_size=settings.batch_size,
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
        self._validate_params()
        with self._fitting_with(self._resolve_settings(_num_samples(X))):
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
        self._validate_params()
        # One batch is too few digits to re-estimate batch-norm statistics from.
        settings = self._resolve_settings(_num_samples(X), recalibrate=False)
        with self._fitting_with(settings):
            return super().partial_fit(
                X,
                y,
                classes=classes,
                sample_weight=weights_for_scikeras(sample_weight, self.class_weight),
                batch_size=settings.batch_size,
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


