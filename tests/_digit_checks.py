"""Digit-data versions of scikit-learn's estimator checks, for both skdigits estimators.

scikit-learn's checks fit and transform small tabular data (2 to 30 features). Both
estimators take 28x28 digit images, so they refuse that data with a ValueError naming
the shape, and those checks cannot tell a broken estimator from a working one. The
checks here assert the same behaviours on MNIST slices, and fail when a behaviour
breaks. :data:`REPLACES` says which scikit-learn check each one stands for
(test_common.py runs the other scikit-learn checks as they are). The layout follows
imbalanced-learn's ``utils/estimator_checks.py``: one function per behaviour, taking
``(name, estimator_orig)``, and :func:`digit_checks` yielding those that apply.

Fits are tiny (``simple`` network, 1 epoch, 300 digits, ``random_state=0``): with a
fixed seed, two fits on the same digits give bit-identical networks, so most checks
compare fitted estimators exactly. One reference fit per estimator is shared by the
checks that only need *a* fitted estimator (:func:`_reference`); they never modify it.
"""

import functools
import inspect
import io
import pickle
import tempfile
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_is_fitted

from skdigits import load_mnist
from skdigits._validation import IMAGE_SIDE, N_PIXELS

N_TRAIN = 300
# More than one prediction chunk of the classifier (512 rows), so that batching shows.
N_TEST = 600
# Prediction of one digit depends on the rest of its batch only through the order of
# float operations: measured differences in probability up to 3.7e-8.
BATCH_ATOL = 1e-6


@functools.lru_cache(maxsize=1)
def _digits():
    """``(X, y, X_test)``: uint8 MNIST digits ``(n, 28, 28)``, labels, test digits."""
    (X_train, y_train), (X_test, _) = load_mnist(download_if_missing=False)
    return X_train[:N_TRAIN], y_train[:N_TRAIN], X_test[:N_TEST]


def _seeded(estimator_orig):
    """An unfitted copy, seeded if it takes a ``random_state``."""
    estimator = clone(estimator_orig)
    if "random_state" in estimator.get_params() and estimator.random_state is None:
        estimator.set_params(random_state=0)
    return estimator


_REFERENCES = {}


def _reference(estimator_orig):
    """The estimator fitted on ``_digits()``, once per parameter set (do not modify)."""
    key = (type(estimator_orig).__name__, repr(sorted(estimator_orig.get_params().items())))
    if key not in _REFERENCES:
        X, y, _ = _digits()
        _REFERENCES[key] = _seeded(estimator_orig).fit(X, y)
    return _REFERENCES[key]


def _output(estimator, X):
    """What the estimator makes of ``X``: class probabilities, or transformed digits."""
    if is_classifier(estimator):
        return estimator.predict_proba(X)
    return estimator.transform(X)


def _methods(estimator):
    return [m for m in ("predict", "predict_proba", "transform") if hasattr(estimator, m)]


# -- both estimators ------------------------------------------------------------------


def check_fit_returns_self_and_keeps_params(name, estimator_orig):
    # fit returns self, leaves the parameters alone, adds only attributes ending in
    # "_", and forgets earlier fits: a fit after one on other digits is the very fit
    # made on a fresh estimator (idempotent).
    X, y, X_test = _digits()
    estimator = _seeded(estimator_orig)
    params = joblib.hash(estimator.get_params())
    before = dict(vars(estimator))
    assert estimator.fit(X_test[:50], y[::-1][:50]) is estimator, f"{name}.fit does not return self"
    assert joblib.hash(estimator.get_params()) == params, f"{name}.fit changed its parameters"
    added = [key for key in vars(estimator) if key not in before
             and not key.startswith("_") and not key.endswith("_")]
    assert not added, f"{name}.fit added public attributes without a trailing _: {added}"
    estimator.fit(X, y)
    expected = _reference(estimator_orig)
    for method in _methods(estimator):
        np.testing.assert_array_equal(
            getattr(estimator, method)(X_test), getattr(expected, method)(X_test),
            err_msg=f"{name}: {method} after a second fit differs from after one fit",
        )
    for method in ("fit", "score", "partial_fit", "fit_transform"):
        if hasattr(estimator, method):
            args = list(inspect.signature(getattr(estimator, method)).parameters)[:2]
            assert args == ["X", "y"], f"{name}.{method} takes {args}, not (X, y)"
    if hasattr(estimator, "partial_fit"):
        assert estimator.partial_fit(X[:50], y[:50]) is estimator


def check_pickle(name, estimator_orig):
    _, _, X_test = _digits()
    fitted = _reference(estimator_orig)
    for dumps, loads in [(pickle.dumps, pickle.loads), (_joblib_dumps, joblib.load)]:
        restored = loads(dumps(fitted))
        np.testing.assert_array_equal(_output(restored, X_test), _output(fitted, X_test))
        assert restored.get_params() == fitted.get_params()
        unfitted = loads(dumps(clone(estimator_orig)))
        assert unfitted.get_params() == estimator_orig.get_params()


def _joblib_dumps(estimator):
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    buffer.seek(0)
    return buffer


def _variants(X):
    """``X`` (uint8, (n, 28, 28)) in every dtype and layout the estimators take."""
    n = len(X)
    scaled = X.astype(np.float64) / 255
    return {
        "uint8 (n, 784)": X.reshape(n, N_PIXELS),
        "uint8 (n, 28, 28, 1)": X[..., None],
        "int64 (n, 28, 28)": X.astype(np.int64),
        "float32 (n, 28, 28)": scaled.astype(np.float32),
        "float64 (n, 784)": scaled.reshape(n, N_PIXELS),
        "float64 (n, 784) Fortran order": np.asfortranarray(scaled.reshape(n, N_PIXELS)),
        "float64 (n, 28, 28, 1)": scaled[..., None],
    }


def check_dtypes_and_layouts(name, estimator_orig):
    X, y, X_test = _digits()
    reference = _reference(estimator_orig)
    expected = _output(reference, X_test)
    for label, variant in _variants(X_test).items():
        got = _output(reference, variant)
        assert got.dtype == np.float32, f"{name} returns {got.dtype} for {label}"
        np.testing.assert_allclose(got, expected, rtol=0, atol=BATCH_ATOL, err_msg=label)
    if is_classifier(reference):
        # Array-likes: nested lists, and object arrays of float pixels.
        objects = (X_test[:20].astype(np.float64) / 255).astype(object)
        for label, variant in [("list", X_test[:20].tolist()), ("object", objects)]:
            np.testing.assert_array_equal(
                reference.predict_proba(variant), reference.predict_proba(X_test[:20]),
                err_msg=label)
        # Fitting float digits in another layout trains the very same network.
        refit = _seeded(estimator_orig).fit(_variants(X)["float64 (n, 784) Fortran order"], y)
        np.testing.assert_array_equal(refit.predict_proba(X_test), expected)
        assert refit.n_features_in_ == N_PIXELS


def check_dict_unchanged(name, estimator_orig):
    X, y, X_test = _digits()
    estimator = _reference(estimator_orig)
    weights = ([w.copy() for w in estimator.model_.get_weights()]
               if hasattr(estimator, "model_") else None)
    before = dict(vars(estimator))
    for method in [*_methods(estimator), "score"]:
        if not hasattr(estimator, method):
            continue
        args = (X_test[:50], y[:50]) if method == "score" else (X_test[:50],)
        getattr(estimator, method)(*args)
        assert vars(estimator).keys() == before.keys(), f"{name}.{method} added attributes"
        changed = [key for key, value in vars(estimator).items() if value is not before[key]]
        assert not changed, f"{name}.{method} replaced attributes {changed}"
    if weights is not None:  # not one weight moves (e.g. batch-norm statistics)
        for old, new in zip(weights, estimator.model_.get_weights()):
            np.testing.assert_array_equal(old, new)


def check_sample_order_invariance(name, estimator_orig):
    _, _, X_test = _digits()
    estimator = _reference(estimator_orig)
    order = np.random.RandomState(0).permutation(len(X_test))
    for method in _methods(estimator):
        full = getattr(estimator, method)(X_test)
        shuffled = getattr(estimator, method)(X_test[order])
        np.testing.assert_allclose(shuffled, full[order], rtol=0, atol=BATCH_ATOL, err_msg=method)


def check_subset_invariance(name, estimator_orig):
    # Batch by batch (across the classifier's 512-row chunks) as all at once.
    _, _, X_test = _digits()
    estimator = _reference(estimator_orig)
    for method in _methods(estimator):
        full = getattr(estimator, method)(X_test)
        parts = np.concatenate([getattr(estimator, method)(X_test[start : start + 7])
                                for start in range(0, len(X_test), 7)])
        np.testing.assert_allclose(parts, full, rtol=0, atol=BATCH_ATOL, err_msg=method)
        one = np.concatenate([getattr(estimator, method)(X_test[i : i + 1]) for i in range(5)])
        np.testing.assert_allclose(one, full[:5], rtol=0, atol=BATCH_ATOL, err_msg=method)


def check_n_features(name, estimator_orig):
    X, y, X_test = _digits()
    estimator = _reference(estimator_orig)
    if is_classifier(estimator):
        assert not hasattr(clone(estimator_orig), "n_features_in_")
        assert estimator.n_features_in_ == N_PIXELS  # fitted on (n, 28, 28) digits
    else:
        assert estimator.n_features_out_ == N_PIXELS
    flat = X_test[:5].reshape(5, N_PIXELS)
    method = _methods(estimator)[0]
    for bad, match in [(flat[:, :-1], r"shape \(5, 783\)"), (flat[:, :1], r"shape \(5, 1\)"),
                       (flat[0], "1D array|1-D array")]:
        with pytest.raises(ValueError, match=match):
            getattr(estimator, method)(bad)
        if bad.ndim > 1:  # (a 1-D X is check_fit1d's, which scikit-learn runs)
            with pytest.raises(ValueError, match=match):
                _seeded(estimator_orig).fit(bad, y[: len(bad)])
    if hasattr(estimator, "partial_fit"):
        partial = _seeded(estimator_orig).partial_fit(X[:50], y[:50], classes=np.unique(y))
        with pytest.raises(ValueError, match=r"shape \(50, 783\)"):
            partial.partial_fit(X[:50].reshape(50, N_PIXELS)[:, :-1], y[:50])


def check_readonly_memmap(name, estimator_orig):
    X, y, X_test = _digits()
    expected = _output(_reference(estimator_orig), X_test)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digits.npy"
        np.save(path, X)
        X_map = np.load(path, mmap_mode="r")
        joblib.dump(X_test.astype(np.float32) / 255, Path(folder) / "test.joblib")
        X_test_map = joblib.load(Path(folder) / "test.joblib", mmap_mode="r")
        assert not X_map.flags.writeable and not X_test_map.flags.writeable
        estimator = _seeded(estimator_orig).fit(X_map, y)
        np.testing.assert_allclose(_output(estimator, X_test_map), expected, rtol=0, atol=BATCH_ATOL)
        np.testing.assert_array_equal(_output(estimator, X_test), expected)
        del X_map, X_test_map, estimator


def check_pipeline_consistency(name, estimator_orig):
    X, y, X_test = _digits()
    pipe = make_pipeline(_seeded(estimator_orig)).fit(X, y)
    np.testing.assert_array_equal(_output(pipe, X_test), _output(_reference(estimator_orig), X_test))


def check_bad_pixels_named(name, estimator_orig):
    X, y, _ = _digits()
    X = X[:20].astype(np.float64) / 255
    for value, match in [(np.nan, "NaN"), (np.inf, "infinity|inf"), (-0.5, r"\[0, 1\]"),
                         (255.0, r"\[0, 1\]")]:
        bad = X.copy()
        bad[3, 14, 14] = value
        if is_classifier(estimator_orig):  # the preprocessor reads pixels in transform only
            with pytest.raises(ValueError, match=match):
                _seeded(estimator_orig).fit(bad, y[:20])
        with pytest.raises(ValueError, match=match):
            _output(_reference(estimator_orig), bad)
    negative = X[:5].astype(np.int64) - 1  # positive_only: negative integer pixels
    with pytest.raises(ValueError, match="0..255|range|negative"):
        _output(_reference(estimator_orig), negative)


def check_is_fitted_after_fit(name, estimator_orig):
    estimator = clone(estimator_orig)
    if estimator.__sklearn_tags__().requires_fit:
        with pytest.raises(NotFittedError):
            check_is_fitted(estimator)
        with pytest.raises(NotFittedError):
            _output(estimator, _digits()[2][:2])
    else:  # stateless: transforms without fit, as after it
        np.testing.assert_array_equal(
            _output(estimator, _digits()[2]), _output(_reference(estimator_orig), _digits()[2]))
    check_is_fitted(_reference(estimator_orig))


# -- the classifier -------------------------------------------------------------------


def _weights(y):
    """Uneven integer weights, a fifth of them zero."""
    return np.where(np.arange(len(y)) % 5 == 0, 0, 1 + (y % 3))


def check_sample_weights(name, estimator_orig):
    X, y, X_test = _digits()
    weights = _weights(y)
    kept = weights > 0
    array_fit = _seeded(estimator_orig).fit(X, y, sample_weight=weights).predict_proba(X_test)
    reference = _reference(estimator_orig).predict_proba(X_test)
    assert not np.array_equal(array_fit, reference), f"{name} ignores sample_weight"
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X.reshape(len(X), N_PIXELS))
    for label, X_in, y_in, w_in in [
        ("list", X, y.tolist(), weights.tolist()),
        ("pandas DataFrame, Series, Series", frame, pd.Series(y), pd.Series(weights)),
        # Zero weights leave samples out: as if they had not been passed.
        ("zero weights dropped", X[kept], y[kept], weights[kept]),
    ]:
        got = _seeded(estimator_orig).fit(X_in, y_in, sample_weight=w_in).predict_proba(X_test)
        np.testing.assert_array_equal(got, array_fit, err_msg=label)
    np.testing.assert_array_equal(weights, _weights(y))  # not overwritten
    for bad, match in [(np.ones(19), r"shape == \(19,\), expected \(20,\)"),
                       (np.ones((20, 2)), "1D array"), (np.zeros(20), "non-zero|only zeros")]:
        with pytest.raises(ValueError, match=match):
            _seeded(estimator_orig).fit(X[:20], y[:20], sample_weight=bad)


def check_class_weight(name, estimator_orig):
    # Weighting one class up makes the network predict it more often (measured on the
    # 600 test digits: 3 predicted for 10.3 % of them unweighted, all with weight 20).
    X, y, X_test = _digits()
    weighted = _seeded(estimator_orig).set_params(class_weight={3: 20.0}).fit(X, y)
    share = np.mean(weighted.predict(X_test) == 3)
    plain = np.mean(_reference(estimator_orig).predict(X_test) == 3)
    assert share > plain + 0.2, f"class_weight={{3: 20}}: {share:.1%} threes, {plain:.1%} without"


def check_classifier_train(name, estimator_orig):
    X, y, X_test = _digits()
    clf = _reference(estimator_orig)
    proba = clf.predict_proba(X_test)
    np.testing.assert_array_equal(clf.classes_, np.unique(y))
    assert proba.shape == (len(X_test), len(clf.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])
    # Measured 0.42 after one epoch on 300 digits; chance is 0.1.
    assert clf.score(X, y) > 0.3
    # String labels, as a column vector: sorted as the digits, so the same network;
    # predictions come back as the labels went in.
    names = np.array([f"digit {k}" for k in range(10)])
    named = _seeded(estimator_orig).fit(X, names[y][:, None])
    np.testing.assert_array_equal(named.classes_, names)
    np.testing.assert_array_equal(named.predict_proba(X_test), proba)
    np.testing.assert_array_equal(named.predict(X_test), names[clf.predict(X_test)])


def check_fit_one_digit(name, estimator_orig):
    # One digit, one class: fit works; the classifier predicts that label everywhere.
    X, y, X_test = _digits()
    if not is_classifier(estimator_orig):
        one = clone(estimator_orig).fit(X[:1]).transform(X[:1])
        np.testing.assert_array_equal(one, _reference(estimator_orig).transform(X[:1]))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Keras: softmax over one class
        clf = _seeded(estimator_orig).fit(X[:1], y[:1])
        np.testing.assert_array_equal(clf.predict(X_test[:10]), np.repeat(y[0], 10))


# -- the preprocessor -----------------------------------------------------------------


def check_transformer_general(name, estimator_orig):
    X, y, X_test = _digits()
    transformer = clone(estimator_orig)
    np.testing.assert_array_equal(transformer.fit_transform(X, y), transformer.transform(X))
    np.testing.assert_array_equal(clone(estimator_orig).transform(X_test),  # stateless
                                  transformer.transform(X_test))
    out = transformer.transform(X_test)
    assert out.shape == (len(X_test), IMAGE_SIDE * IMAGE_SIDE) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


def check_set_output_pandas(name, estimator_orig):
    pd = pytest.importorskip("pandas")
    _, _, X_test = _digits()
    expected = clone(estimator_orig).fit_transform(X_test)
    frame = clone(estimator_orig).set_output(transform="pandas").fit_transform(X_test)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f"pixel_{i}" for i in range(N_PIXELS)]
    np.testing.assert_array_equal(frame.to_numpy(), expected)


# sklearn's check (tabular data) -> the check that asserts the behaviour on digits.
REPLACES = {
    "check_estimators_fit_returns_self": check_fit_returns_self_and_keeps_params,
    "check_fit_score_takes_y": check_fit_returns_self_and_keeps_params,
    "check_estimators_overwrite_params": check_fit_returns_self_and_keeps_params,
    "check_dont_overwrite_parameters": check_fit_returns_self_and_keeps_params,
    "check_fit_idempotent": check_fit_returns_self_and_keeps_params,
    "check_estimators_pickle": check_pickle,
    "check_estimators_dtypes": check_dtypes_and_layouts,
    "check_dtype_object": check_dtypes_and_layouts,
    "check_f_contiguous_array_estimator": check_dtypes_and_layouts,
    "check_classifier_data_not_an_array": check_dtypes_and_layouts,
    "check_transformer_data_not_an_array": check_dtypes_and_layouts,
    "check_transformer_preserve_dtypes": check_dtypes_and_layouts,
    "check_dict_unchanged": check_dict_unchanged,
    "check_methods_sample_order_invariance": check_sample_order_invariance,
    "check_methods_subset_invariance": check_subset_invariance,
    "check_n_features_in": check_n_features,
    "check_n_features_in_after_fitting": check_n_features,
    "check_fit2d_1feature": check_n_features,
    "check_fit2d_predict1d": check_n_features,
    "check_estimators_partial_fit_n_features": check_n_features,
    "check_readonly_memmap_input": check_readonly_memmap,
    "check_pipeline_consistency": check_pipeline_consistency,
    "check_estimators_nan_inf": check_bad_pixels_named,
    "check_positive_only_tag_during_fit": check_bad_pixels_named,
    "check_fit_check_is_fitted": check_is_fitted_after_fit,
    "check_sample_weights_list": check_sample_weights,
    "check_sample_weights_pandas_series": check_sample_weights,
    "check_sample_weights_not_an_array": check_sample_weights,
    "check_sample_weights_not_overwritten": check_sample_weights,
    "check_sample_weights_shape": check_sample_weights,
    "check_all_zero_sample_weights_error": check_sample_weights,
    # Integer weights equal repetition only for full-batch solvers; what holds for
    # mini-batch training is the zero-weight part (samples dropped), checked there.
    "check_sample_weight_equivalence_on_dense_data": check_sample_weights,
    "check_classifiers_one_label_sample_weights": check_sample_weights,
    "check_class_weight_classifiers": check_class_weight,
    "check_classifiers_train": check_classifier_train,
    "check_classifiers_classes": check_classifier_train,
    "check_supervised_y_2d": check_classifier_train,
    "check_fit2d_1sample": check_fit_one_digit,
    "check_transformer_general": check_transformer_general,
    "check_transformers_unfitted_stateless": check_transformer_general,
}

_COMMON = (
    check_fit_returns_self_and_keeps_params, check_pickle, check_fit_one_digit,
    check_dtypes_and_layouts, check_dict_unchanged, check_sample_order_invariance,
    check_subset_invariance, check_n_features, check_readonly_memmap,
    check_pipeline_consistency, check_bad_pixels_named, check_is_fitted_after_fit,
)
_CLASSIFIER = (check_sample_weights, check_class_weight, check_classifier_train)
_TRANSFORMER = (check_transformer_general, check_set_output_pandas)


def digit_checks(estimator):
    """The checks that apply to ``estimator``."""
    yield from _COMMON
    if is_classifier(estimator):
        yield from _CLASSIFIER
    if hasattr(estimator, "transform"):
        yield from _TRANSFORMER


def parametrize_with_digit_checks(estimators):
    """``pytest.mark.parametrize("estimator, check", ...)`` over every applicable check."""
    params = [
        pytest.param(est, functools.partial(check, type(est).__name__),
                     id=f"{type(est).__name__}-{check.__name__}")
        for est in estimators
        for check in digit_checks(est)
    ]
    return pytest.mark.parametrize("estimator, check", params)
