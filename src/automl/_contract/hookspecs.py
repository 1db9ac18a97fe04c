"""The plugin contract: every hook automl calls, each documented where it is declared.

A plugin is a module (or object) with functions decorated by ``automl.hookimpl`` and named like
the hooks below, published under the entry-point group ``automl``. Hooks are called with
keyword arguments, so a plugin may accept only the arguments it needs, and new arguments can be
added without breaking old plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    from automl._contract.records import TrialRecord
    from automl._contract.specs import CleanerSpec, Metric, ModelSpec, PreprocessorSpec, TunerSpec
    from automl._result.result import FitResult

hookspec = pluggy.HookspecMarker("automl")
hookimpl = pluggy.HookimplMarker("automl")


@hookspec
def register_models(register: Callable[[ModelSpec], None]) -> None:
    """Register model families: call ``register(automl.ModelSpec(...))`` once per model.

    A name registered twice is an error reported against the second plugin; the first wins.
    """


@hookspec
def register_preprocessors(register: Callable[[PreprocessorSpec], None]) -> None:
    """Register column preprocessors: call ``register(automl.PreprocessorSpec(...))`` once each."""


@hookspec
def register_cleaners(register: Callable[[CleanerSpec], None]) -> None:
    """Register table preparation steps: call ``register(automl.CleanerSpec(...))`` once each.

    A cleaning step is fitted once on the whole training table, before its columns are
    profiled, and applied to every frame the model predicts, in the service too (formats,
    sentinels, junk columns, ...). Users switch one off with ``fit(disable=[name])``.
    """


@hookspec
def register_tuners(register: Callable[[TunerSpec], None]) -> None:
    """Register search strategies: call ``register(automl.TunerSpec(...))`` once each."""


@hookspec
def register_metrics(register: Callable[[Metric], None]) -> None:
    """Register named metrics: call ``register(automl.Metric(...))`` once each (see
    :class:`automl.Metric` for what its function is given). Users then choose one by name,
    ``fit(metric="name")`` or ``--metric name``, and ``automl plugins`` lists it. A name
    already taken (the built-ins' included) is an error reported against the second plugin.
    """


@hookspec
def on_trial_end(trial: TrialRecord, metric: str, task: str) -> None:
    """Observe a finished trial (complete, failed, pruned or skipped) as it happens.

    For trackers such as MLflow or TensorBoard. An exception raised here is reported as a
    warning and never stops the search.
    """


@hookspec
def on_training_step(model: str, trial: int, step: int, values: dict[str, float]) -> None:
    """Observe a model's training curve: called each time a model logs a step (an epoch, a
    boosting round) with ``FitContext.log``; ``values`` holds what it logged (e.g. train and
    held-out loss). ``trial`` is -1 for the final refit. An exception raised here is reported
    as a warning and never stops the fit.
    """


@hookspec
def on_fit_end(result: FitResult) -> None:
    """Observe the finished fit: the winner, the leaderboard, the timings.

    An exception raised here is reported as a warning and never fails the fit.
    """


__all__: list[Any] = [
    "hookimpl",
    "hookspec",
    "on_fit_end",
    "on_training_step",
    "on_trial_end",
    "register_cleaners",
    "register_models",
    "register_preprocessors",
    "register_tuners",
]
