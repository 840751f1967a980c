"""The settings of one fit of :class:`~skdigits.DigitCNNClassifier`, resolved once.

The classifier's parameters may be left to ``None`` to take the architecture's own
defaults (see :data:`skdigits.architectures.ARCHITECTURES`). A fit resolves them once,
together with what it learns from its call (the seed, the number of digits), into one
immutable :class:`FitSettings`; every step of that fit reads this object, so no step
can see other values than another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Union

from skdigits.architectures import ARCHITECTURES

#: Defaults for a user-supplied network (``architecture=callable``).
CUSTOM_DEFAULTS = dict(
    optimizer="adam",
    learning_rate=1e-3,
    epochs=10,
    batch_size=128,
    dropout=None,
    augment=False,
    lr_schedule="constant",
)
#: Learning-rate schedules ``lr_schedule`` may name.
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class FitSettings:
    """Everything one ``fit`` (or ``partial_fit``) call of the classifier trains with.

    Attributes
    ----------
    architecture : str or callable
        The network, as the ``architecture`` parameter names it.
    optimizer, learning_rate, epochs, batch_size, dropout, augment, lr_schedule
        The parameters of the same names, ``None`` replaced by the architecture's
        default (``dropout`` stays ``None`` for a callable that keeps its own).
    early_stopping, validation_fraction, n_iter_no_change
        The parameters of the same names.
    seed : int or None
        The seed of this fit, drawn once from ``random_state``.
    n_samples : int
        Digits passed to this call (before a validation split).
    recalibrate : bool
        Re-estimate batch-norm statistics on the clean training digits after augmented
        training (``fit``; a ``partial_fit`` batch is too small for it).
    """

    architecture: Union[str, Callable[..., Any]]
    optimizer: str
    learning_rate: float
    epochs: int
    batch_size: int
    dropout: Union[float, None]
    augment: bool
    lr_schedule: str
    early_stopping: bool
    validation_fraction: float
    n_iter_no_change: int
    seed: Union[int, None]
    n_samples: int
    recalibrate: bool

    @classmethod
    def resolve(cls, params, *, seed, n_samples, recalibrate=True):
        """Settings from the classifier's (validated) parameters.

        Parameters
        ----------
        params : dict
            ``get_params(deep=False)`` of the classifier.
        seed : int or None
            Seed of this fit.
        n_samples : int
            Digits passed to this call.
        recalibrate : bool, default=True
            See the class attributes.

        Returns
        -------
        FitSettings
        """
        architecture = params["architecture"]
        if callable(architecture):
            defaults = CUSTOM_DEFAULTS
        else:
            spec = ARCHITECTURES[architecture]
            defaults = {name: getattr(spec, name) for name in CUSTOM_DEFAULTS}
        resolved = {
            name: default if params[name] is None else params[name]
            for name, default in defaults.items()
        }
        return cls(
            architecture=architecture,
            **resolved,
            early_stopping=params["early_stopping"],
            validation_fraction=params["validation_fraction"],
            n_iter_no_change=params["n_iter_no_change"],
            seed=seed,
            n_samples=n_samples,
            recalibrate=recalibrate,
        )

    @property
    def n_train(self):
        """Digits the network trains on: ``n_samples`` less the validation split."""
        if not self.early_stopping:
            return self.n_samples
        # train_test_split holds back ceil(n * validation_fraction) samples.
        return self.n_samples - math.ceil(self.n_samples * self.validation_fraction)

    @property
    def n_steps(self):
        """Optimizer steps over all epochs of this fit (at least one)."""
        return max(1, math.ceil(self.n_train / self.batch_size)) * self.epochs
