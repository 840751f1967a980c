"""scikit-learn's estimator checks on every estimator skdigits provides.

The checks feed small tabular data (2 to 30 features). Both estimators work on 28x28
digit images and reject such input with a ValueError naming the shape, so every check
that fits on tabular data is expected to fail for that reason (the reasons are below); the same behaviours
(pickling, idempotent fit, sample weights, dtypes, ...) are tested on real digits in
test_classifier.py. The remaining checks -- cloning, parameters, tags, repr, errors
before fit, empty data -- run as usual.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdigits import DigitCNNClassifier, DigitImagePreprocessor

# Checks of every estimator that fit or transform small tabular data.
_TABULAR_CHECKS = (
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
)
# ... and those scikit-learn runs on classifiers / transformers only.
_TABULAR_CLASSIFIER_CHECKS = (
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_all_zero_sample_weights_error",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label_sample_weights",
    "check_classifiers_classes",
    "check_estimators_partial_fit_n_features",
    "check_classifiers_train",
    "check_supervised_y_2d",
    "check_class_weight_classifiers",
)
_TABULAR_TRANSFORMER_CHECKS = (
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_transformers_unfitted_stateless",
)

CLASSIFIER_EXPECTED_FAILURES = {
    **dict.fromkeys(
        _TABULAR_CHECKS + _TABULAR_CLASSIFIER_CHECKS,
        "feeds tabular data with a few features; the CNN only accepts 28x28 digits "
        "((n, 784), (n, 28, 28) or (n, 28, 28, 1)) and raises a ValueError naming the shape",
    ),
    "check_estimator_tags_renamed": (
        "scikeras' BaseWrapper defines _more_tags (pre-1.6 tags) without __sklearn_tags__; "
        "DigitCNNClassifier defines __sklearn_tags__, which is what scikit-learn reads"
    ),
    "check_mixin_order": (
        "scikeras' KerasClassifier lists BaseEstimator before ClassifierMixin and a subclass "
        "cannot reorder them (MRO error); __sklearn_tags__ sets the classifier type instead"
    ),
}

PREPROCESSOR_EXPECTED_FAILURES = dict.fromkeys(
    _TABULAR_CHECKS + _TABULAR_TRANSFORMER_CHECKS,
    "feeds small tabular data (n, 1..10 features); a 2-D array is read as a batch of "
    "flattened 28x28 images (n, 784), so any other width is rejected with a ValueError "
    "naming the shape (the same behaviours are tested on digit batches in "
    "test_preprocessing.py)",
)


def _expected_failures(estimator):
    if isinstance(estimator, DigitCNNClassifier):
        return CLASSIFIER_EXPECTED_FAILURES
    if isinstance(estimator, DigitImagePreprocessor):
        return PREPROCESSOR_EXPECTED_FAILURES
    return {}


@parametrize_with_checks(
    [DigitCNNClassifier(architecture="simple", epochs=1, batch_size=16), DigitImagePreprocessor()],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
