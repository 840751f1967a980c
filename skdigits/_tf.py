"""TensorFlow/Keras process-level state: seeding and memory release.

Keras keeps global state (random seeds, op determinism, name counters, traced
functions). Estimators must not leak changes to it, so every change made here is undone
when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import gc
import random

import keras
import numpy as np
import tensorflow as tf
from sklearn.utils import check_random_state
from tensorflow.python.eager import context
from tensorflow.python.framework import config as tf_config


def resolve_seed(random_state):
    """Turn a scikit-learn ``random_state`` into an int seed for Keras, or None.

    ``None`` stays ``None`` (unseeded, non-repeatable training); an int is used as is;
    a ``numpy.random.RandomState`` draws a seed, so that it gives repeatable results
    when the same instance state is passed again, as in scikit-learn.
    """
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be non-negative, got {random_state}.")
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
    """
    if seed is None:
        yield
        return
    py_state = random.getstate()
    np_state = np.random.get_state()
    tf_seed = context.global_seed()
    determinism_was_on = tf_config.is_op_determinism_enabled()
    try:
        keras.utils.set_random_seed(seed)
        tf_config.enable_op_determinism()
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        tf.random.set_seed(tf_seed)
        if not determinism_was_on:
            tf_config.disable_op_determinism()


def release_keras_memory():
    """Free the graphs, traced functions and layer names of models no longer in use.

    Called before each new model is built, so that repeated fits (grid searches,
    cross-validation) do not grow memory. Models still referenced keep working: in
    Keras 3 a session reset only drops global bookkeeping.
    """
    keras.backend.clear_session()
    gc.collect()
