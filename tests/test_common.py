"""scikit-learn's estimator checks, and their digit versions, on both estimators.

scikit-learn's checks feed small tabular data (2 to 30 features). Both estimators take
28x28 digit images and refuse such data with a ValueError naming the shape, so a check
that fits or transforms it cannot tell a broken estimator from a working one. Each of
those is replaced by a check in ``_digit_checks.py`` that asserts the same behaviour on
MNIST digits and can fail (``_digit_checks.REPLACES`` maps one to the other; a test
below keeps the mapping complete). Every other scikit-learn check runs as it is; the
only expected failures are what scikeras' base class forces on the classifier, and they
are strict: if one starts passing, the test fails and the entry must go.
"""

import functools

import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from _digit_checks import REPLACES, digit_checks, parametrize_with_digit_checks
from skdigits import DigitCNNClassifier, DigitImagePreprocessor

ESTIMATORS = [
    DigitCNNClassifier(architecture="simple", epochs=1, batch_size=50, random_state=0),
    DigitImagePreprocessor(),
]

EXPECTED_FAILURES = {
    DigitCNNClassifier: {
        "check_estimator_tags_renamed": (
            "scikeras' BaseWrapper defines _more_tags (pre-1.6 tags) without "
            "__sklearn_tags__; DigitCNNClassifier defines __sklearn_tags__, which is what "
            "scikit-learn reads"
        ),
        "check_mixin_order": (
            "scikeras' KerasClassifier lists BaseEstimator before ClassifierMixin and a "
            "subclass cannot reorder them (MRO error); __sklearn_tags__ sets the classifier "
            "type instead"
        ),
    },
    DigitImagePreprocessor: {},
}


def _check_name(check):
    return check.func.__name__ if isinstance(check, functools.partial) else check.__name__


def _check_id(check):
    keywords = getattr(check, "keywords", {})
    return _check_name(check) + "".join(f"({k}={v})" for k, v in keywords.items())


def _sklearn_checks():
    """scikit-learn's checks, less those replaced by digit checks; strict expected failures."""
    for estimator in ESTIMATORS:
        failures = EXPECTED_FAILURES[type(estimator)]
        for est, check in estimator_checks_generator(estimator, mark=None):
            name = _check_name(check)
            if name in REPLACES:
                continue
            marks = [pytest.mark.xfail(strict=True, reason=failures[name])] if name in failures else []
            yield pytest.param(est, check, marks=marks, id=f"{type(est).__name__}-{_check_id(check)}")


@pytest.mark.parametrize("estimator, check", list(_sklearn_checks()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@parametrize_with_digit_checks(ESTIMATORS)
def test_sklearn_compatible_on_digits(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_every_replaced_check_runs_on_digits_for_the_estimator(estimator):
    # A scikit-learn check left out for an estimator must have its digit version run on
    # that estimator; and at most 4 expected failures remain, each with its reason.
    ours = set(digit_checks(estimator))
    for _, check in estimator_checks_generator(estimator, mark=None):
        name = _check_name(check)
        if name in REPLACES:
            assert REPLACES[name] in ours, f"{name} is skipped but {REPLACES[name].__name__} does not run"
    assert sum(map(len, EXPECTED_FAILURES.values())) <= 4
