"""The Keras network of :class:`~skdigits.DigitCNNClassifier`: build, check, run.

The classifier decides *when* a network is built, trained or asked for predictions;
this module knows *how*: it builds and compiles the network a :class:`FitSettings`
describes (refusing a custom network of the wrong shape), makes its optimizer and
learning-rate schedule, re-estimates batch-norm statistics after augmented training,
and predicts in chunks without ``Model.predict``'s fixed cost.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np

from skdigits._validation import INPUT_SHAPE
from skdigits.architectures import augmentation, get_architecture

# Rows per forward pass in predict: large enough to amortise per-call overhead,
# small enough to keep activations of the biggest network in a few hundred MB.
PREDICT_CHUNK = 512
# Batch-norm recalibration after augmented training (see recalibrate_batch_norm):
# how many training digits, in batches of how many.
RECALIBRATION_SAMPLES = 20_000
RECALIBRATION_BATCH = 500


def all_layers(model):
    """The layers of ``model``, including those of nested models, depth first."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from all_layers(layer)


def recalibrate_batch_norm(network, X, seed):
    """Re-estimate the BatchNormalization statistics of ``network`` on digits ``X``.

    During augmented training the moving means and variances follow the *augmented*
    batches (and, with momentum 0.9, only the last few of them). Prediction sees clean
    digits, so the statistics are recomputed on them: the network runs in training
    mode on up to ``RECALIBRATION_SAMPLES`` digits, and each layer's momentum is set
    so that its moving statistics become the plain average over all batches (as
    PyTorch's ``swa_utils.update_bn`` does). Weights are not changed.
    """
    bn_layers = [
        layer for layer in all_layers(network)
        if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]
    if not bn_layers:
        return
    rng = np.random.RandomState(seed)
    rows = rng.permutation(len(X))[:RECALIBRATION_SAMPLES]
    momenta = [layer.momentum for layer in bn_layers]
    try:
        for k, start in enumerate(range(0, len(rows), RECALIBRATION_BATCH)):
            for layer in bn_layers:
                layer.momentum = k / (k + 1.0)  # running mean of the batch statistics
            network(X[np.sort(rows[start : start + RECALIBRATION_BATCH])], training=True)
    finally:
        for layer, momentum in zip(bn_layers, momenta):
            layer.momentum = momentum


def check_network(model, n_classes, architecture):
    """Refuse a custom network that cannot classify digits into ``n_classes`` classes.

    Without this, a network taking another input shape fails inside Keras' first
    training step, and one with the wrong number of outputs trains (or fails inside
    the loss) and then predicts labels that do not exist.
    """
    name = getattr(architecture, "__name__", repr(architecture))
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"architecture {architecture!r} returned {type(model).__name__}, "
            "expected a keras.Model."
        )
    try:
        shape = tuple(model.compute_output_shape((None, *INPUT_SHAPE)))
    except NotImplementedError:
        return  # a subclassed model that can only tell its output shape by running
    except Exception as exc:
        raise ValueError(
            f"architecture {name} returned a network that does not take digits of shape "
            f"(n, {', '.join(map(str, INPUT_SHAPE))}) "
            f"(Keras: {str(exc).splitlines()[0][:200]})."
        ) from None
    if shape != (None, n_classes):
        raise ValueError(
            f"architecture {name} returned a network with outputs of shape {shape}; "
            f"expected (None, {n_classes}), one probability per class: end it with "
            f"Dense({n_classes}, activation='softmax') (use the n_classes argument)."
        )


def make_optimizer(name, learning_rate):
    """Build a Keras optimizer from its name and learning rate.

    SGD gets momentum 0.9, as in the tutorial the ``simple`` network comes from; the
    other optimizers keep Keras' defaults apart from the learning rate.
    """
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


def learning_rate(settings):
    """A float, or a Keras schedule spanning every step of the fit ``settings`` describe."""
    if settings.lr_schedule == "constant":
        return settings.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        settings.learning_rate, settings.n_steps, alpha=0.01
    )


def build_network(settings, n_classes, loss):
    """The compiled network for ``n_classes`` classes that ``settings`` describe.

    A callable architecture is called as ``architecture(n_classes=n_classes)``, plus
    ``dropout=`` if it takes that argument and a dropout rate is set, and checked with
    :func:`check_network`. With ``settings.augment`` the network is preceded by the
    random augmentation block (the identity at prediction time).
    """
    architecture = settings.architecture
    if callable(architecture):
        kwargs = {"n_classes": n_classes}
        if settings.dropout is not None and "dropout" in inspect.signature(architecture).parameters:
            kwargs["dropout"] = settings.dropout
        model = architecture(**kwargs)
        check_network(model, n_classes, architecture)
    else:
        model = get_architecture(architecture).build(n_classes=n_classes, dropout=settings.dropout)
    if settings.augment:
        model = keras.Sequential([keras.Input(INPUT_SHAPE), augmentation(), model], name=model.name)
    model.compile(
        optimizer=make_optimizer(settings.optimizer, learning_rate(settings)),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def predict_in_chunks(model, X, n_classes):
    """Class probabilities of digits ``X`` (validated), ``PREDICT_CHUNK`` rows at a time.

    ``Model.predict`` costs ~50 ms per call whatever the batch size (it builds a
    tf.data pipeline); ``predict_on_batch`` runs the compiled function directly.
    """
    out = [
        np.asarray(model.predict_on_batch(X[start : start + PREDICT_CHUNK]))
        for start in range(0, len(X), PREDICT_CHUNK)
    ]
    return np.concatenate(out) if out else np.empty((0, n_classes), np.float32)
