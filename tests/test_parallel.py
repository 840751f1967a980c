"""Parallel model selection and concurrent prediction.

- GridSearchCV and cross_validate with ``n_jobs=2`` (joblib's default loky process
  backend) give exactly the scores of ``n_jobs=1``: estimators are pickled to the
  workers and back, and every fit is seeded by ``random_state``. The comparison runs
  ``n_jobs=1`` inside a joblib worker so that both sides use TensorFlow with the same
  number of threads (a different thread count changes float summation order, and
  with it the last bits of the weights).
- Each joblib/dask worker sizes TensorFlow's thread pools to its share of the cores.
- The dask backend runs a grid search on a 2-worker local cluster with the same scores.
- A candidate whose fit fails follows scikit-learn's ``error_score``.
- Predictions from 4 threads on one loaded pipeline equal serial ones.
"""

import os
import random
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_config
from PIL import Image
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

from skdigits import DigitCNNClassifier, DigitImagePreprocessor, _tf
from skdigits.persistence import dump, load, load_safe, save_safe

GRID = {"learning_rate": [0.01, 0.03]}


@pytest.fixture(scope="module")
def tiny(mnist_small):
    (X_train, y_train), (X_test, y_test) = mnist_small
    return (X_train[:600], y_train[:600]), (X_test[:200], y_test[:200])


def _search(X, y, n_jobs):
    search = GridSearchCV(
        DigitCNNClassifier("simple", epochs=1, random_state=0), GRID, cv=2, n_jobs=n_jobs,
        refit=False,
    )
    search.fit(X, y)
    return {k: v for k, v in search.cv_results_.items() if k.endswith("test_score")}


def _in_one_worker(func, *args):
    """``func(*args)`` in a joblib (loky) worker, where TensorFlow gets its worker share."""
    return Parallel(n_jobs=2)(delayed(func)(*args) for _ in range(1))[0]


def _tf_threads():
    import tensorflow as tf

    from skdigits import _tf

    tf.constant(1.0) + 1  # TensorFlow is running: the pools are fixed now
    return (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
        _tf.configured_threads,
        os.environ.get("OMP_NUM_THREADS"),
    )


def _expected_worker_threads(n_jobs):
    from joblib import cpu_count

    return int(os.environ.get("OMP_NUM_THREADS", max(cpu_count() // n_jobs, 1)))


# --------------------------------------------------------------------------- #
# Threads
# --------------------------------------------------------------------------- #
def test_joblib_workers_limit_tensorflow_threads():
    n = _expected_worker_threads(2)
    results = Parallel(n_jobs=2)(delayed(_tf_threads)() for _ in range(2))
    for intra, inter, configured, omp in results:
        assert (intra, inter) == (n, n)
        assert configured[0] == n and omp == str(n)
    if not os.environ.get(_tf.NUM_THREADS_ENV):
        # The main process keeps TensorFlow's defaults (all cores).
        assert _tf.configured_threads is None


def test_thread_settings_from_environment(monkeypatch):
    env = {"OMP_NUM_THREADS": "3"}
    assert _tf.threads_from_environment(env) == (None, None)  # main process: untouched
    monkeypatch.setattr(_tf, "_worker_kind", lambda: "joblib")
    assert _tf.threads_from_environment(env) == (3, "OMP_NUM_THREADS in a joblib worker")
    assert _tf.threads_from_environment({**env, "SKDIGITS_NUM_THREADS": "2"}) == (2, "SKDIGITS_NUM_THREADS")
    assert _tf.threads_from_environment({"SKDIGITS_NUM_THREADS": "zero"}) == (None, None)
    assert _tf.threads_from_environment({"OMP_NUM_THREADS": "-1"}) == (None, None)
    # Too late in this process (TensorFlow runs): reported, not raised.
    import tensorflow as tf

    tf.constant(1.0) + 1
    current = tf.config.threading.get_intra_op_parallelism_threads()
    assert _tf.limit_threads(current + 7) is False


def test_num_threads_variable_applies_in_any_process():
    code = (
        # skdigits imports TensorFlow lazily: the limit applies when a CNN is first imported.
        "from skdigits import DigitCNNClassifier; import tensorflow as tf; tf.constant(1.0) + 1; "
        "print(tf.config.threading.get_intra_op_parallelism_threads(), "
        "tf.config.threading.get_inter_op_parallelism_threads())"
    )
    env = {**os.environ, "SKDIGITS_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["1", "1"]


# --------------------------------------------------------------------------- #
# n_jobs=2 == n_jobs=1
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def sequential(tiny):
    """cv_results_ scores of the grid with n_jobs=1, run inside one joblib worker."""
    (X, y), _ = tiny
    return _in_one_worker(_search, X, y, 1)


def test_grid_search_n_jobs_2_equals_n_jobs_1(tiny, sequential):
    (X, y), _ = tiny
    parallel = _search(X, y, 2)
    assert sequential.keys() == parallel.keys()
    for key in sequential:
        np.testing.assert_array_equal(parallel[key], sequential[key], err_msg=key)
    assert np.all(parallel["mean_test_score"] > 0.3)


def test_cross_validate_n_jobs_2_equals_n_jobs_1(tiny, sequential):
    (X, y), _ = tiny
    out = cross_validate(
        DigitCNNClassifier("simple", epochs=1, random_state=0, learning_rate=GRID["learning_rate"][0]),
        X, y, cv=2, n_jobs=2, return_estimator=True,
    )
    # Same folds and parameters as the first grid candidate, hence the same scores.
    expected = [sequential["split0_test_score"][0], sequential["split1_test_score"][0]]
    np.testing.assert_array_equal(out["test_score"], expected)
    # The fitted estimators came back from the workers by pickle, and are those scored.
    for (_, test), estimator, score in zip(
        StratifiedKFold(2).split(X, y), out["estimator"], out["test_score"]
    ):
        assert estimator.score(X[test], y[test]) == score


def test_seeded_fit_ignores_other_threads_using_random(tiny):
    """Dask workers (and web servers) use Python's ``random`` in background threads."""
    (X, y), (X_test, _) = tiny

    def fit():
        clf = DigitCNNClassifier("simple", epochs=1, random_state=0)
        return clf.fit(X[:300], y[:300]).predict_proba(X_test)

    alone = fit()
    stop = threading.Event()

    def use_random():
        while not stop.is_set():
            random.random()
            time.sleep(0.0005)

    thread = threading.Thread(target=use_random)
    thread.start()
    try:
        disturbed = fit()
    finally:
        stop.set()
        thread.join()
    np.testing.assert_array_equal(disturbed, alone)


# --------------------------------------------------------------------------- #
# dask
# --------------------------------------------------------------------------- #
@pytest.mark.slow
def test_grid_search_on_a_dask_cluster(tiny, sequential):
    distributed = pytest.importorskip("distributed")
    (X, y), _ = tiny
    start = time.perf_counter()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        # Nanny-started workers get OMP_NUM_THREADS=1, and so TensorFlow 1 thread.
        threads = client.run(_tf_threads)
        assert {t[:2] for t in threads.values()} == {(1, 1)}
        with parallel_config(backend="dask", scatter=[X, y]):
            on_dask = _search(X, y, -1)
    elapsed = time.perf_counter() - start
    for key in sequential:
        np.testing.assert_array_equal(on_dask[key], sequential[key], err_msg=key)
    print(f"dask grid search (cluster start, 4 fits, shutdown): {elapsed:.1f} s")


# --------------------------------------------------------------------------- #
# Failing candidates
# --------------------------------------------------------------------------- #
BAD = [
    ({"learning_rate": -1}, "'learning_rate' parameter of DigitCNNClassifier must be a float "
                            "in the range (0.0, inf) or None. Got -1 instead"),
    ({"optimizer": "nonsense"}, "Unknown optimizer 'nonsense'"),
]


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_failing_candidates_get_error_score(tiny):
    (X, y), (X_test, y_test) = tiny
    X, y = X[:300], y[:300]
    grid = [{"learning_rate": [0.01]}] + [{k: [v]} for bad, _ in BAD for k, v in bad.items()]
    search = GridSearchCV(
        DigitCNNClassifier("simple", epochs=1, random_state=0), grid, cv=2, error_score=np.nan
    )
    with pytest.warns(FitFailedWarning) as record:
        search.fit(X, y)
    text = " ".join(str(w.message) for w in record)
    for bad, message in BAD:
        assert message in text  # the warning names each failing parameter and value
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1:]).all()
    assert search.cv_results_["params"][1:] == [bad for bad, _ in BAD]
    assert search.best_params_ == {"learning_rate": 0.01}
    assert search.score(X_test, y_test) > 0.2


@pytest.mark.parametrize("bad, message", BAD)
def test_failing_candidate_with_error_score_raise(tiny, bad, message):
    (X, y), _ = tiny
    search = GridSearchCV(
        DigitCNNClassifier("simple", epochs=1, random_state=0),
        [{k: [v]} for k, v in bad.items()] + [{"learning_rate": [0.01]}],
        cv=2, error_score="raise",
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        search.fit(X[:300], y[:300])


# --------------------------------------------------------------------------- #
# Concurrent predictions
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("saved", ["joblib", "safe"])
def test_concurrent_predictions_on_a_loaded_pipeline(tiny, tmp_path, saved):
    (X, y), (X_test, _) = tiny
    pipe = make_pipeline(
        DigitImagePreprocessor(), DigitCNNClassifier("simple", epochs=1, random_state=0)
    ).fit(X, y)
    files = []
    for i, digit in enumerate(X_test[:3]):
        files.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(255 - digit).resize((84, 84)).save(files[-1])
    inputs = [X_test[:2], X_test[2:9], X_test[9:73], X_test, files, X_test[5:8]]
    expected = [(pipe.predict_proba(x), pipe.predict(x)) for x in inputs]

    # A freshly loaded pipeline: Keras builds its predict function lazily, on the
    # first call -- here from 4 threads at once.
    if saved == "joblib":
        loaded = load(dump(pipe, tmp_path / "pipe.joblib"))
    else:
        loaded = load_safe(save_safe(pipe, tmp_path / "pipe.skdigits"))
    jobs = np.random.RandomState(0).randint(len(inputs), size=120)

    def run(j):
        return j, loaded.predict_proba(inputs[j]), loaded.predict(inputs[j])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, jobs))
    for j, proba, labels in results:
        np.testing.assert_array_equal(proba, expected[j][0])
        np.testing.assert_array_equal(labels, expected[j][1])
