"""TensorFlow/Keras process-level state: threads, seeding and memory release.

Keras keeps global state (random seeds, op determinism, name counters, traced
functions). Estimators must not leak changes to it, so every change made here is undone
when the ``with`` block ends.

Threads. TensorFlow sizes its two thread pools (``intra_op``: inside one op such as a
convolution; ``inter_op``: independent ops) to the number of cores and ignores
``OMP_NUM_THREADS``. Two joblib workers on a 2-core machine would then run 2 x 2
threads. joblib's process backend (loky) starts each worker with ``OMP_NUM_THREADS``
set to ``cpu_count() // n_jobs`` (unless the parent sets it), and dask's nanny starts
workers with ``OMP_NUM_THREADS=1``. So when this module is imported -- which happens
when a worker unpickles a :class:`~skdigits.DigitCNNClassifier`, before any TensorFlow
op runs -- TensorFlow's pools are sized from:

1. ``SKDIGITS_NUM_THREADS``, in any process, if it is set; else
2. ``OMP_NUM_THREADS``, only inside a joblib (loky) or dask worker process.

The main process is left alone unless ``SKDIGITS_NUM_THREADS`` is set. Nothing is
changed (and nothing raised) if TensorFlow has already started in the process: its
thread pools are fixed at that point.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import random

import keras
import numpy as np
import tensorflow as tf
from sklearn.utils import check_random_state
from tensorflow.python.eager import context
from tensorflow.python.framework import config as tf_config

try:  # where Keras draws default seeds from Python's global ``random``
    from keras.src.random import seed_generator as _keras_seed_generator
except ImportError:  # pragma: no cover - other Keras layout
    _keras_seed_generator = None

logger = logging.getLogger(__name__)

#: Environment variable fixing TensorFlow's thread count in any process.
NUM_THREADS_ENV = "SKDIGITS_NUM_THREADS"

# Process names given by joblib's loky backend and by dask's nanny to their workers.
_WORKER_NAMES = (("LokyProcess", "joblib"), ("Dask Worker", "dask"))

#: What :func:`_configure_threads_at_import` did: ``(n_threads, source)`` or None.
configured_threads = None


def _worker_kind():
    """``"joblib"`` or ``"dask"`` inside such a worker process, else None."""
    name = multiprocessing.current_process().name
    for prefix, kind in _WORKER_NAMES:
        if name.startswith(prefix):
            return kind
    return None


def _positive_int(value):
    try:
        n = int(str(value).strip())
    except ValueError:
        return None
    return n if n >= 1 else None


def threads_from_environment(environ=None):
    """Thread count for TensorFlow that the environment asks for, and why.

    Parameters
    ----------
    environ : mapping, default=None
        Environment variables; ``os.environ`` if None.

    Returns
    -------
    n_threads : int or None
        ``SKDIGITS_NUM_THREADS`` if set; else ``OMP_NUM_THREADS`` inside a joblib
        (loky) or dask worker process; else None (leave TensorFlow's defaults).
    source : str or None
        Which variable gave ``n_threads``.
    """
    environ = os.environ if environ is None else environ
    explicit = environ.get(NUM_THREADS_ENV, "").strip()
    if explicit:
        n = _positive_int(explicit)
        if n is None:
            logger.warning("Ignoring %s=%r: not a positive integer.", NUM_THREADS_ENV, explicit)
            return None, None
        return n, NUM_THREADS_ENV
    kind = _worker_kind()
    if kind is not None:
        n = _positive_int(environ.get("OMP_NUM_THREADS", ""))
        if n is not None:
            return n, f"OMP_NUM_THREADS in a {kind} worker"
    return None, None


def limit_threads(n_threads):
    """Size TensorFlow's intra-op and inter-op thread pools to ``n_threads``.

    Only possible before TensorFlow runs its first operation in the process.

    Parameters
    ----------
    n_threads : int
        Threads per pool (>= 1), as :func:`threads_from_environment` returns it.

    Returns
    -------
    applied : bool
        True if the pools now have this size; False if TensorFlow had already started
        with other sizes (they cannot change any more; nothing is raised).
    """
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:  # "cannot be modified after initialization"
        return (
            tf.config.threading.get_intra_op_parallelism_threads() == n_threads
            and tf.config.threading.get_inter_op_parallelism_threads() == n_threads
        )
    return True


def _configure_threads_at_import():
    """Apply :func:`threads_from_environment`; never raises."""
    global configured_threads
    try:
        n, source = threads_from_environment()
        if n is not None and limit_threads(n):
            configured_threads = (n, source)
            logger.debug("TensorFlow limited to %d thread(s) per pool (%s).", n, source)
        elif n is not None:
            logger.debug("TensorFlow already running; %s=%d not applied.", source, n)
    except Exception:  # pragma: no cover - must never break importing skdigits
        logger.debug("Could not configure TensorFlow threads.", exc_info=True)


_configure_threads_at_import()


def resolve_seed(random_state):
    """Turn a scikit-learn ``random_state`` into an int seed for Keras, or None.

    ``None`` stays ``None`` (unseeded, non-repeatable training); an int (validated by
    the estimator's ``"random_state"`` constraint: 0 to 2**32 - 1) is folded into
    TensorFlow's int32 seed range; a ``numpy.random.RandomState`` draws a seed, so that
    it gives repeatable results when the same instance state is passed again, as in
    scikit-learn.
    """
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state) % (2**31 - 1)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed):
    """Make Keras training inside the block repeatable from ``seed``.

    Seeds Python, NumPy, TensorFlow and Keras, and turns TensorFlow op determinism on;
    on exit restores all of them as they were. scikeras' own context leaves op
    determinism on in some versions, after which every unseeded random op in the
    process fails with "Random ops require a seed"; restoring it here avoids that.
    ``seed=None`` does nothing.

    Keras draws the default seed of every layer and initializer from Python's global
    ``random`` generator, which is shared by all threads of the process. Any other
    thread using ``random`` during a fit (a dask worker's event loop does, for
    heartbeats and retries; so may a web server) would change the drawn seeds and the
    trained weights. Inside the block Keras draws them from a private generator
    seeded with ``seed`` instead -- the same numbers it would draw from the freshly
    seeded global one when nothing else uses it.
    """
    if seed is None:
        yield
        return
    py_state = random.getstate()
    np_state = np.random.get_state()
    tf_seed = context.global_seed()
    determinism_was_on = tf_config.is_op_determinism_enabled()
    keras_random = getattr(_keras_seed_generator, "python_random", None)
    try:
        keras.utils.set_random_seed(seed)
        if keras_random is not None:
            _keras_seed_generator.python_random = random.Random(seed)
        tf_config.enable_op_determinism()
        yield
    finally:
        if keras_random is not None:
            _keras_seed_generator.python_random = keras_random
        random.setstate(py_state)
        np.random.set_state(np_state)
        tf.random.set_seed(tf_seed)
        if not determinism_was_on:
            tf_config.disable_op_determinism()


def release_keras_memory():
    """Drop Keras' global state (graph, kernel cache, layer names) before a new model.

    Called before each new model is built, so that repeated fits (grid searches,
    cross-validation) do not accumulate Keras bookkeeping. Models still referenced keep
    working: in Keras 3 a session reset only drops global bookkeeping.

    Keras' ``clear_session()`` would also run a full ``gc.collect()``. It is skipped:
    with TensorFlow imported the collector walks ~400,000 objects, 0.26-0.37 s per fit,
    which is 10-25 % of a small fit (benchmarks/bench_overhead.py). Earlier networks
    are freed by Python's own cyclic collector a few fits later instead;
    benchmarks/bench_gridsearch_memory.py checks that memory does not grow faster than
    with plain Keras.
    """
    keras.backend.clear_session(free_memory=False)
