"""Behaviour of DigitCNNClassifier that users rely on, on real MNIST subsets."""

import gc
import pickle
import weakref

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, cross_val_score

from skdigits import DigitCNNClassifier


@pytest.fixture(scope="module")
def data(mnist_small):
    return mnist_small


@pytest.fixture(scope="module")
def fitted(data):
    """A `deep` CNN trained for 2 epochs on 3,000 digits (about 10 s)."""
    (X_train, y_train), _ = data
    return DigitCNNClassifier(architecture="deep", epochs=2, random_state=0).fit(X_train, y_train)


# -- it is a classifier ---------------------------------------------------------------


def test_is_a_classifier_so_cv_stratifies():
    clf = DigitCNNClassifier()
    assert is_classifier(clf)
    assert clf.__sklearn_tags__().estimator_type == "classifier"
    # What is_classifier is for: cv=3 means stratified folds for a classifier.
    y = np.repeat(np.arange(10), 3)
    assert isinstance(check_cv(3, y, classifier=is_classifier(clf)), StratifiedKFold)


# -- fit, predict, score on real digits -----------------------------------------------


def test_fit_scores_above_floor_on_real_digits(fitted, data):
    _, (X_test, y_test) = data
    # Measured 0.93 with this setting; a broken network or input scaling scores ~0.1.
    assert fitted.score(X_test, y_test) >= 0.90
    assert fitted.n_features_in_ == 784
    np.testing.assert_array_equal(fitted.classes_, np.arange(10))
    assert len(fitted.history_["loss"]) == 2


def test_predict_proba_rows_are_distributions(fitted, data):
    _, (X_test, _) = data
    proba = fitted.predict_proba(X_test[:5])
    assert proba.shape == (5, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(fitted.predict(X_test[:5]), fitted.classes_[proba.argmax(axis=1)])


def test_all_input_layouts_and_dtypes_agree(fitted, data):
    _, (X_test, _) = data
    X = X_test[:20]
    expected = fitted.predict_proba(X)
    for variant in (
        X.reshape(20, 784),
        X[..., None],
        X.astype(np.float32) / 255,
        (X.astype(np.float64) / 255).reshape(20, 784),
        X.astype(np.int64),
        X.tolist(),
        X.astype(np.uint16) * 257,  # 16-bit images, read as the preprocessor reads them
    ):
        np.testing.assert_allclose(fitted.predict_proba(variant), expected, atol=1e-6)


def test_classifier_reads_pixel_values_as_the_preprocessor_does(fitted, data):
    # One rule for pixel values (skdigits._pixels): an MNIST-like batch means the same
    # digits with or without a DigitImagePreprocessor in front of the classifier.
    from skdigits import DigitImagePreprocessor

    _, (X_test, _) = data
    X = X_test[:20]
    digits = DigitImagePreprocessor().fit_transform(X)
    for variant in (X, X.astype(np.uint16) * 257, X / 255.0, X.astype(np.int32)):
        np.testing.assert_allclose(DigitImagePreprocessor().fit_transform(variant), digits,
                                   atol=1e-5)
        np.testing.assert_allclose(fitted.predict_proba(variant), fitted.predict_proba(X), atol=1e-5)
    # A binary image in integers, (x > t).astype(int), is a binary image to both, as
    # booleans (read as 0..255 it was black all over: "blank", and noise to the network).
    binary = X > 127
    for variant in (binary.astype(np.uint8), binary.astype(np.int64)):
        np.testing.assert_array_equal(DigitImagePreprocessor().fit_transform(variant),
                                      DigitImagePreprocessor().fit_transform(binary))
        np.testing.assert_array_equal(fitted.predict_proba(variant), fitted.predict_proba(binary))
    for bad in (np.full((2, 28, 28), 70000), np.full((2, 28, 28), 1.5)):
        for method in (fitted.predict, DigitImagePreprocessor().fit(X).transform):
            with pytest.raises(ValueError, match="pixel values must lie in"):
                method(bad)


def test_string_labels(data):
    (X_train, y_train), (X_test, y_test) = data
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = DigitCNNClassifier(architecture="simple", epochs=1, random_state=0)
    clf.fit(X_train[:1000], names[y_train[:1000]])
    np.testing.assert_array_equal(clf.classes_, np.sort(names))
    assert set(clf.predict(X_test[:50])) <= set(names)
    assert clf.score(X_test[:200], names[y_test[:200]]) > 0.5


@pytest.mark.parametrize(
    "labels",
    [np.array([3, 7]), np.array(["seven", "three"]), np.array([True, False]), np.array([2.0, 5.0])],
    ids=["int", "str", "bool", "float"],
)
def test_predict_decodes_labels_as_scikeras_does(data, labels):
    # predict and predict_proba skip scikeras' label decoding for speed: they must
    # return what it returns, values and dtype, for every label type fit accepts.
    from scikeras.wrappers import KerasClassifier

    (X_train, y_train), (X_test, _) = data
    y = labels[(y_train[:300] >= 5).astype(int)]
    clf = DigitCNNClassifier(architecture="simple", epochs=1, random_state=0).fit(X_train[:300], y)
    X = X_test[:40]
    theirs = KerasClassifier.predict(clf, X)
    ours = clf.predict(X)
    assert ours.dtype == theirs.dtype and ours.shape == (40,)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(clf.predict_proba(X), KerasClassifier.predict_proba(clf, X))
    assert clf.predict(X[:1]).shape == (1,) and clf.predict_proba(X[:1]).shape == (1, 2)


# -- model selection --------------------------------------------------------------------


def test_grid_search_over_architectures(data):
    (X_train, y_train), _ = data
    search = GridSearchCV(
        DigitCNNClassifier(epochs=1, random_state=0),
        {"architecture": ["simple", "classic", "deep"], "learning_rate": [None]},
        cv=2,
    )
    search.fit(X_train[:600], y_train[:600])
    assert search.best_params_["architecture"] in {"simple", "classic", "deep"}
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert np.all(search.cv_results_["mean_test_score"] > 0.3)
    assert search.best_estimator_.architecture == search.best_params_["architecture"]
    assert search.predict(X_train[:5]).shape == (5,)


def test_cross_val_score(data):
    (X_train, y_train), _ = data
    scores = cross_val_score(
        DigitCNNClassifier(architecture="simple", epochs=1, random_state=0),
        X_train[:900],
        y_train[:900],
        cv=3,
    )
    assert scores.shape == (3,)
    assert np.all(scores > 0.5)


def test_repeated_fits_release_earlier_models(data):
    (X_train, y_train), _ = data
    clf = DigitCNNClassifier(architecture="simple", epochs=1, batch_size=100, random_state=0)
    models = []
    for _ in range(3):
        clf.fit(X_train[:200], y_train[:200])
        models.append(weakref.ref(clf.model_))
    gc.collect()
    # Earlier networks are freed, not kept alive by the estimator or Keras' session
    # (TensorFlow itself still leaks a little per traced model: see benchmarks/).
    assert [ref() is None for ref in models] == [True, True, False]
    assert keras.backend.get_uid("conv2d") <= 2  # layer names restart: the session was reset


# -- persistence ------------------------------------------------------------------------


@pytest.mark.parametrize("dumps,loads", [(pickle.dumps, pickle.loads)])
def test_pickle_round_trip(fitted, data, dumps, loads):
    _, (X_test, _) = data
    restored = loads(dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))
    assert restored.get_params() == fitted.get_params()


def test_joblib_round_trip_then_refit(fitted, data, tmp_path):
    (X_train, y_train), (X_test, y_test) = data
    path = tmp_path / "digits.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict(X_test), fitted.predict(X_test))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    # A loaded model can be trained further...
    loaded.set_params(epochs=1, warm_start=True).fit(X_train[:500], y_train[:500])
    assert loaded.score(X_test, y_test) > 0.85
    assert len(loaded.history_["loss"]) == 1
    # ...or from scratch.
    loaded.set_params(warm_start=False).fit(X_train[:500], y_train[:500])
    assert loaded.model_ is not fitted.model_


# -- parameters -------------------------------------------------------------------------


def test_params_are_explicit_and_clonable(fitted):
    params = DigitCNNClassifier().get_params()
    for name in ("architecture", "epochs", "batch_size", "optimizer", "learning_rate",
                 "dropout", "random_state", "verbose"):
        assert name in params
    assert not any("__" in name for name in params)
    clf = DigitCNNClassifier().set_params(architecture="deep", epochs=3, learning_rate=3e-3)
    assert clf.get_params()["architecture"] == "deep"
    assert clone(clf).get_params() == clf.get_params()
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "model_")
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(model__units=3)
    assert "epochs=3" in repr(clf)
    assert "DigitCNNClassifier" in clf._repr_html_()


def test_architecture_defaults_are_resolved_not_stored():
    clf = DigitCNNClassifier(architecture="classic")
    assert clf.learning_rate is None
    settings = clf._resolve_settings(1000)
    assert settings.optimizer == "adadelta"
    assert settings.learning_rate == 1.0  # not Keras 3's Adadelta default of 0.001
    assert settings.batch_size == 128
    assert settings.n_steps == 8 * 10  # ceil(1000 / 128) batches, 10 epochs: the cosine span
    early = clf.set_params(early_stopping=True, validation_fraction=0.25)._resolve_settings(1000)
    assert early.n_train == 750 and early.n_steps == 6 * 10


def test_custom_architecture_callable(data):
    (X_train, y_train), (X_test, y_test) = data
    clf = DigitCNNClassifier(architecture=tiny_network, epochs=1, dropout=0.1, random_state=0)
    clf.fit(X_train[:500], y_train[:500])
    assert clf.model_.name == "tiny"
    assert clf.model_.get_layer("dropout").rate == 0.1
    assert clf.predict_proba(X_test[:3]).shape == (3, 10)
    pickle.loads(pickle.dumps(clf))  # module-level builders pickle
    with pytest.raises(TypeError, match="expected a keras.Model"):
        DigitCNNClassifier(architecture=lambda n_classes: "no model").fit(X_train[:50], y_train[:50])


def sigmoid_network(n_classes):
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(1, activation="sigmoid")])


def three_class_network(n_classes):
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")])


def flat_input_network(n_classes):
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(n_classes, activation="softmax")])


@pytest.mark.parametrize("network, match", [
    (sigmoid_network, r"sigmoid_network .*outputs of shape \(None, 1\); expected \(None, 2\)"),
    (three_class_network, r"outputs of shape \(None, 3\); expected \(None, 2\)"),
    (flat_input_network, r"flat_input_network .*does not take digits of shape \(n, 28, 28, 1\)"),
])
def test_custom_network_of_the_wrong_shape_is_refused_before_training(data, network, match):
    # Otherwise: a TensorFlow InvalidArgumentError from the loss, a Keras shape error
    # from inside the first step, or a network that trains and predicts a third label.
    (X_train, y_train), _ = data
    with pytest.raises(ValueError, match=match):
        DigitCNNClassifier(architecture=network, epochs=1).fit(X_train[:50], y_train[:50] % 2)


def tiny_network(n_classes, dropout=0.0):
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dropout(dropout, name="dropout"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ],
        name="tiny",
    )


def test_partial_fit_learns_in_batches_and_names_unknown_labels(data):
    (X_train, y_train), (X_test, y_test) = data
    clf = DigitCNNClassifier(architecture="simple", random_state=0)
    first = y_train < 5  # the first batch lacks half the labels: classes= names them all
    clf.partial_fit(X_train[first][:300], y_train[first][:300], classes=np.arange(10))
    for _ in range(3):
        clf.partial_fit(X_train[:1000], y_train[:1000])
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.score(X_test, y_test) > 0.7
    other = DigitCNNClassifier(architecture="simple", random_state=0)
    other.partial_fit(X_train[first][:100], y_train[first][:100])  # no classes=: 0..4 only
    with pytest.raises(ValueError, match=r"not built for: 5, 6, 7, 8, 9 .*classes="):
        other.partial_fit(X_train[:100], y_train[:100])
    warm = DigitCNNClassifier(architecture="simple", epochs=1, warm_start=True)
    warm.fit(X_train[first][:100], y_train[first][:100])
    with pytest.raises(ValueError, match=r"not built for: 5, 6, 7, 8, 9 "):
        warm.fit(X_train[:100], y_train[:100])
    assert warm.score(X_test[:100], y_test[:100]) < 0.7  # score still counts unknown labels wrong


class _EpochCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def test_callbacks_run_and_must_be_keras_callbacks(data):
    (X_train, y_train), _ = data
    counter = _EpochCounter()
    DigitCNNClassifier(architecture="simple", epochs=2, callbacks=[counter]).fit(X_train[:200], y_train[:200])
    assert counter.epochs == 2
    single = _EpochCounter()  # scikeras also takes one callback alone
    DigitCNNClassifier(architecture="simple", epochs=1, callbacks=single).fit(X_train[:50], y_train[:50])
    assert single.epochs == 1
    for bad in (5, "stop early", 0.5):
        with pytest.raises(TypeError, match=r"'callbacks' parameter of DigitCNNClassifier must be .*list.*Got"):
            DigitCNNClassifier(architecture="simple", epochs=1, callbacks=bad).fit(X_train[:50], y_train[:50])


def test_verbose_reports_each_epoch(data, capsys):
    (X_train, y_train), _ = data
    DigitCNNClassifier(architecture="simple", epochs=2, verbose=2).fit(X_train[:200], y_train[:200])
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "accuracy" in out


def test_warm_start_continues_training(data):
    (X_train, y_train), _ = data
    clf = DigitCNNClassifier(architecture="simple", epochs=1, warm_start=True, random_state=0)
    clf.fit(X_train[:300], y_train[:300])
    model = clf.model_
    clf.fit(X_train[:300], y_train[:300])
    assert clf.model_ is model  # same network, trained further
    clf.set_params(warm_start=False).fit(X_train[:300], y_train[:300])
    assert clf.model_ is not model


def test_class_weight_and_sample_weight_change_the_fit(data):
    (X_train, y_train), (X_test, _) = data
    X, y = X_train[:300], y_train[:300]

    def fit(class_weight=None, sample_weight=None):
        clf = DigitCNNClassifier(architecture="simple", epochs=1, random_state=0,
                                 class_weight=class_weight)
        return clf.fit(X, y, sample_weight=sample_weight).predict_proba(X_test)

    def share_of_threes(proba):
        return np.mean(proba.argmax(axis=1) == 3)

    plain = fit()
    by_class = fit(class_weight={3: 20.0})
    weights = np.where(y == 3, 20, 1)  # integer weights, as the class weights above
    by_sample = fit(sample_weight=weights)
    # Measured: 3 is predicted for 1.7 % of the test digits, for all of them when weighted 20.
    assert share_of_threes(by_class) > share_of_threes(plain) + 0.2
    # Both routes give each digit the same weight, hence the same network.
    np.testing.assert_array_equal(by_class, by_sample)
    # scikeras multiplies the weights by the class weights in place: the caller's
    # array must not change (and integer weights must not fail to take the product).
    balanced = fit(class_weight="balanced", sample_weight=weights)
    np.testing.assert_array_equal(weights, np.where(y == 3, 20, 1))
    assert not np.array_equal(balanced, by_sample)


# -- reproducibility --------------------------------------------------------------------


def test_random_state_makes_fits_repeatable_and_unseeded_fits_still_work(data):
    (X_train, y_train), (X_test, _) = data
    X, y = X_train[:500], y_train[:500]

    def proba(random_state):
        clf = DigitCNNClassifier(architecture="simple", epochs=1, random_state=random_state)
        return clf.fit(X, y).predict_proba(X_test[:100])

    first = proba(0)
    np.testing.assert_array_equal(first, proba(0))
    assert not np.array_equal(first, proba(1))
    rs = np.random.RandomState(7)
    np.testing.assert_array_equal(proba(np.random.RandomState(7)), proba(rs))
    # scikeras' seeding leaves TensorFlow's op determinism on, which makes any later
    # unseeded fit fail with "Random ops require a seed"; ours must not.
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    proba(0)
    assert np.random.random() == before  # global NumPy state untouched by a seeded fit
    proba(None)


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((5, 10)), ValueError, r"shape \(5, 10\).*784"),
        (np.zeros((5, 32, 32)), ValueError, r"shape \(5, 32, 32\)"),
        (np.full((5, 784), np.nan), ValueError, "NaN"),
        (np.full((5, 784), np.inf), ValueError, "infinity"),
        (np.full((5, 784), 255.0), ValueError, r"X: float pixel values must lie in \[0, 1\]"),
        (np.full((5, 784), -1), ValueError, r"X: integer pixel values must lie in 0\.\.255"),
        (np.array([["a"] * 784] * 5), ValueError, "string"),
        (["seven.png"] * 5, TypeError, "DigitImagePreprocessor"),
    ],
)
def test_bad_X_gives_clear_error(X, error, match):
    with pytest.raises(error, match=match):
        DigitCNNClassifier(architecture="simple", epochs=1).fit(X, np.arange(5))


def test_negative_sample_weights_are_refused(data):
    # Keras would push those samples' loss up without bound: garbage, not a fit.
    (X_train, y_train), (X_test, y_test) = data
    weights = np.ones(50)
    weights[[3, 17]] = -1.0
    clf = DigitCNNClassifier(architecture="simple", epochs=1)
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative; sample\(s\) 3, 17 "):
        clf.fit(X_train[:50], y_train[:50], sample_weight=weights)
    clf.fit(X_train[:50], y_train[:50], sample_weight=np.abs(weights))
    with pytest.raises(ValueError, match="non-negative"):
        clf.score(X_test[:50], y_test[:50], sample_weight=weights)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(10,\)"):  # scikeras' own checks stay
        clf.fit(X_train[:50], y_train[:50], sample_weight=np.ones(10))


def test_numpy_batches_skip_check_array_with_the_same_result(data, monkeypatch):
    # check_digits lets plain NumPy batches skip check_array (its cost is a third of
    # predicting one drawing): same output, and anything check_array would reject
    # still reaches it, with its own message.
    from skdigits import _validation

    _, (X_test, _) = data
    x = X_test[:6]
    batches = [x, x.reshape(6, 784), x[..., None], x.astype(np.float32) / 255,
               x.astype(np.float64)[:, ::-1] / 255, x > 128, x.astype(np.int64)]
    fast = [_validation.check_digits(b) for b in batches]
    assert all(_validation._plain_numeric_batch(b) for b in batches)
    monkeypatch.setattr(_validation, "_plain_numeric_batch", lambda X: False)
    for b, got in zip(batches, fast):
        expected = _validation.check_digits(b)
        assert got.dtype == expected.dtype == np.float32
        np.testing.assert_array_equal(got, expected)
    monkeypatch.undo()
    for bad, match in [(np.zeros((0, 784)), "0 sample"), (np.zeros((3, 0)), "0 feature"),
                       (np.full((2, 784), -np.inf), "infinity"), (np.zeros(784), "2D array")]:
        assert not _validation._plain_numeric_batch(bad)
        with pytest.raises(ValueError, match=match):
            _validation.check_digits(bad)


def test_other_bad_input_errors(fitted, data):
    (X_train, y_train), _ = data
    clf = DigitCNNClassifier(architecture="simple", epochs=1)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(X_train[:10], y_train[:9])
    with pytest.raises(ValueError, match="requires y"):
        clf.fit(X_train[:10], None)
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X_train[:10], np.linspace(0, 1, 10))
    with pytest.raises(NotFittedError):
        clf.predict(X_train[:2])
    with pytest.raises(ValueError, match=r"shape \(2, 100\)"):
        fitted.predict(np.zeros((2, 100)))
    for bad, match in [
        (dict(architecture="resnet"), r"'architecture' parameter .* a str among .*'classic'.* Got 'resnet'"),
        (dict(epochs=0), r"'epochs' parameter .* an int in the range \[1, inf\) or None. Got 0 "),
        (dict(batch_size=2.5), r"'batch_size' parameter .* an int in the range \[1, inf\).* Got 2.5 "),
        (dict(learning_rate=-1.0), r"'learning_rate' parameter .* \(0.0, inf\).* Got -1.0 "),
        (dict(dropout=1.5), r"'dropout' parameter .* \[0.0, 1.0\).* Got 1.5 "),
        (dict(optimizer="nonsense"), "Unknown optimizer 'nonsense'"),
        (dict(verbose=5), r"'verbose' parameter .* among \{0, 1, 2\}. Got 5 "),
        (dict(random_state=-1), r"'random_state' parameter .* Got -1 "),
    ]:
        with pytest.raises(ValueError, match=match):
            DigitCNNClassifier(**{"epochs": 1, **bad}).fit(X_train[:10], y_train[:10])


# -- training options -------------------------------------------------------------------


def test_early_stopping_holds_back_training_data_and_stops(data):
    (X_train, y_train), (X_test, y_test) = data
    clf = DigitCNNClassifier(
        architecture="simple", epochs=30, early_stopping=True, validation_fraction=0.2,
        n_iter_no_change=2, random_state=0,
    ).fit(X_train[:1500], y_train[:1500])
    assert clf.n_iter_ < 30  # stopped early
    assert clf.n_iter_ == len(clf.validation_scores_) == len(clf.history_["loss"])
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # It stopped because the best epoch is n_iter_no_change epochs behind the last one.
    assert int(np.argmax(clf.validation_scores_)) == clf.n_iter_ - 1 - 2
    assert clf.score(X_test, y_test) > 0.8


def test_augmentation_and_cosine_schedule_train_only(data):
    (X_train, y_train), (X_test, y_test) = data
    clf = DigitCNNClassifier(
        architecture="simple", epochs=2, augment=True, lr_schedule="cosine", random_state=0
    ).fit(X_train[:1000], y_train[:1000])
    assert clf.model_.get_layer("augmentation") is not None
    # Random layers are the identity at prediction time: predictions are repeatable.
    np.testing.assert_array_equal(clf.predict_proba(X_test[:50]), clf.predict_proba(X_test[:50]))
    # The learning rate decayed to 1 % of its start over the fit.
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.01 * 0.01, rel=1e-3)
    assert clf.score(X_test, y_test) > 0.6


def test_modern_architecture_defaults_to_augmentation_and_cosine(data):
    (X_train, y_train), (X_test, y_test) = data
    settings = DigitCNNClassifier(architecture="modern")._resolve_settings(len(X_train))
    assert settings.augment is True and settings.lr_schedule == "cosine"
    clf = DigitCNNClassifier(architecture="modern", epochs=2, random_state=0).fit(X_train, y_train)
    # Batch normalisation's running statistics must be usable after a short fit: with
    # Keras' default momentum (0.99) this scored 0.15 (chance); measured 0.83 now.
    assert clf.score(X_test, y_test) > 0.7
    # After augmented training, the statistics describe the clean training digits: the
    # first BatchNormalization's moving mean is the mean of the first convolution's
    # output over X_train (3,000 digits, 6 equal batches, so the average is exact).
    network = clf.model_.layers[-1]
    conv, bn = network.layers[0], network.layers[1]
    assert isinstance(bn, keras.layers.BatchNormalization) and bn.momentum == 0.9
    clean = np.asarray(conv(X_train.reshape(-1, 28, 28, 1).astype("float32") / 255))
    np.testing.assert_allclose(np.asarray(bn.moving_mean), clean.mean(axis=(0, 1, 2)),
                               rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(lr_schedule="step"), r"'lr_schedule' parameter .* among \{'constant', 'cosine'\}|'lr_schedule' parameter .* among \{'cosine', 'constant'\}"),
        (dict(augment="yes"), r"'augment' parameter .* 'bool'.* Got 'yes' "),
        (dict(early_stopping=True, validation_fraction=1.0), r"'validation_fraction' parameter .* \(0.0, 1.0\). Got 1.0 "),
        (dict(early_stopping=True, n_iter_no_change=0), r"'n_iter_no_change' parameter .* \[1, inf\). Got 0 "),
        (dict(warm_start="no"), r"'warm_start' parameter .* Got 'no' "),
    ],
)
def test_bad_training_options(data, params, match):
    (X_train, y_train), _ = data
    with pytest.raises(ValueError, match=match):
        DigitCNNClassifier(architecture="simple", epochs=1, **params).fit(X_train[:20], y_train[:20])
