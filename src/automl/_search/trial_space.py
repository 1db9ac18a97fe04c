"""How the study proposes trials: each model's parameter names kept apart in the study, what a
model's ``search_space`` receives, the trials tried before the sampler's own (the models'
defaults, or a grid), and the sampler and pruner a study is made with."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import optuna

from automl._contract.specs import ModelSpec, Task, TunerSpec
from automl._features.pipeline import CHOICE_PREFIX

if TYPE_CHECKING:
    from automl._search.search import SearchSetup


def param_name(model: str, name: str) -> str:
    """The name the study keeps a model's parameter by, so that models' spaces stay apart."""
    return f"{model}:{name}"


def choice_param(name: str) -> str:
    """The name a cleaning step's choice is kept by, in the study and in a trial's params."""
    return f"{CHOICE_PREFIX}{name}"


def study_params(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """A model's parameters under their study names, as ``enqueue_trial`` must give them."""
    return {param_name(model, k): v for k, v in params.items()}


class ModelTrial:
    """What a model's ``search_space`` receives: Optuna's ``suggest_*`` methods, with each
    model's parameter names kept apart in the study, and the ``task`` being searched."""

    def __init__(self, trial: optuna.Trial, model: str, task: Task) -> None:
        self._trial, self._model, self.task = trial, model, task

    def _name(self, name: str) -> str:
        return param_name(self._model, name)

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        """As ``optuna.Trial.suggest_float``."""
        return self._trial.suggest_float(self._name(name), low, high, step=step, log=log)

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        """As ``optuna.Trial.suggest_int``."""
        return self._trial.suggest_int(self._name(name), low, high, step=step, log=log)

    def suggest_categorical(self, name: str, choices: list[Any]) -> Any:
        """As ``optuna.Trial.suggest_categorical``."""
        return self._trial.suggest_categorical(self._name(name), choices)


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's own log at WARNING while the block (or the decorated function) runs, then
    back to what it was: its line per trial would repeat the progress display's, and the
    user's own Optuna logging stays the user's."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def initial_plan(models: list[ModelSpec], tuner: TunerSpec) -> list[dict[str, Any]]:
    """The parameter sets tried before the sampler's own: the tuner's plan when it has one,
    else every model's first default (cheapest model first), then their other defaults."""
    if tuner.plan is not None:
        return tuner.plan(models)
    ordered = sorted(models, key=lambda m: m.cost)
    firsts = [{"model": m.name, **m.defaults[0]} for m in ordered if m.defaults]
    rest = [{"model": m.name, **d} for m in ordered for d in m.defaults[1:]]
    return firsts + rest


def grid_plan(models: list[ModelSpec]) -> list[dict[str, Any]]:
    """Every combination of each model's ``grid``, over its first default."""
    plan = []
    for m in sorted(models, key=lambda m: m.cost):
        base = dict(m.defaults[0]) if m.defaults else {}
        keys = list(m.grid)
        for values in itertools.product(*(m.grid[k] for k in keys)):
            plan.append({"model": m.name, **base, **dict(zip(keys, values, strict=True))})
    return plan


def new_study(setup: SearchSetup, storage: Any = None,
              study_name: str | None = None) -> optuna.Study:
    """A study with the tuner's sampler and the pruner, its first trials the models' defaults
    (see :func:`initial_plan`); in ``storage`` under ``study_name`` when given."""
    study = optuna.create_study(direction=setup.metric.direction, storage=storage,
                                study_name=study_name, **study_settings(setup))
    for point in initial_plan(list(setup.models.values()), setup.tuner):
        model = point.pop("model")
        if model in setup.models:
            # the given trials take each choice's first option: no change to the data
            firsts = {c.name: c.options[0] for c in setup.choices_for(setup.models[model])}
            enqueue_given(study, model, point, firsts)
    return study


def enqueue_given(study: optuna.Study, model: str, params: dict[str, Any],
                  chosen: dict[str, Any]) -> None:
    """Queue a trial of ``model`` with the given ``params`` and ``chosen`` options (by choice
    name); the trial keeps ``params`` as its ``given`` ones, which its parameters start from."""
    study.enqueue_trial({"model": model, **study_params(model, params),
                         **{choice_param(name): option for name, option in chosen.items()}},
                        user_attrs={"given": params})


def study_settings(setup: SearchSetup, seed: int | None = None) -> dict[str, Any]:
    """The sampler (seeded with ``seed``, by default the setup's) and pruner a study of this
    search is created or loaded with."""
    return {"sampler": setup.tuner.sampler(setup.seed if seed is None else seed),
            "pruner": optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)}
