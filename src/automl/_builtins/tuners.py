"""Built-in tuners: Optuna's TPE (the default), random search, and a grid over each model's
small default grid."""

from __future__ import annotations

import warnings
from typing import Any

import optuna

from automl._contract.hookspecs import hookimpl
from automl._contract.specs import TunerSpec
from automl._search.trial_space import grid_plan


def _tpe(seed: int) -> optuna.samplers.BaseSampler:
    # group=True models each model's own parameters together, which suits a search space
    # that branches on the model; Optuna flags it experimental, which a user need not see.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True,
                                          n_startup_trials=8)


def _random(seed: int) -> optuna.samplers.BaseSampler:
    return optuna.samplers.RandomSampler(seed=seed)


TUNERS = [
    TunerSpec("tpe", _tpe, description="Optuna TPE after the models' defaults (default)"),
    TunerSpec("random", _random, description="random search after the models' defaults"),
    TunerSpec("grid", _random, plan=grid_plan,
              description="every combination of each model's grid, then random search"),
]


@hookimpl(tryfirst=True)
def register_tuners(register: Any) -> None:
    """Register the built-in Optuna tuners."""
    for spec in TUNERS:
        register(spec)
