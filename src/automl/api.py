"""``fit``: the stages of a fit, in order, and nothing else."""

from __future__ import annotations

import time

import pandas as pd

from automl.checks import check_training_data
from automl.errors import ConfigurationError
from automl.metrics import get_metric
from automl.plugins import collect, notify
from automl.profile import Profile, encode_target, profile_frame
from automl.progress import Progress
from automl.result import FitResult, make_leaderboard
from automl.schema import FeatureSchema
from automl.search import SearchSetup, refit_winner, run_search
from automl.selection import select_models, select_tuner
from automl.specs import Task
from automl.split import train_valid_split

#: the budget may be overrun by this fraction plus one second at most
OVERRUN_FRACTION, OVERRUN_SECONDS = 0.05, 1.0


def fit(df: pd.DataFrame, target: str, *, task: str | Task | None = None,
        metric: str | None = None, time_budget: float = 60, models: list[str] | None = None,
        tuner: str = "tpe", seed: int = 0, n_trials: int | None = None,
        verbose: int = 1) -> FitResult:
    """Check ``df``, search models and parameters for predicting ``target`` and return the
    refitted winner.

    - ``task``: "binary", "multiclass" or "regression"; inferred from the target when None.
    - ``metric``: defaults to ROC AUC (binary), log loss (multiclass), RMSE (regression).
    - ``time_budget``: seconds of wall clock from this call to its return, refit included.
    - ``models``: names of registered models to search (default: all that handle the task).
    - ``tuner``: "tpe" (default), "random", "grid" or a plugin's tuner.
    - ``seed``: fixes the split, the sampler and the models' randomness.
    - ``n_trials``: stop after this many trials even if time is left.
    - ``verbose``: 0 is silent; 1 shows a line per trial on stderr.

    Raises :class:`automl.errors.DataValidationError` listing every problem with the data and
    :class:`automl.errors.ConfigurationError` for an argument it cannot use.
    """
    started = time.monotonic()
    _check_arguments(time_budget, n_trials)
    deadline = started + time_budget
    progress = Progress(verbose, started)
    df, task = check_training_data(df, target, task)
    chosen_metric = get_metric(metric, task)
    profile = profile_frame(df, target, task)
    schema = FeatureSchema.from_profile(profile, df)
    X = schema.validate(df, context="training data")
    y = encode_target(df[target], profile.classes)
    registry = collect()
    setup = SearchSetup(select_models(registry, models, task), registry.preprocessors,
                        select_tuner(registry, tuner), chosen_metric, task,
                        {kind: profile.names(kind) for kind in _kinds(profile)}, seed)
    split = train_valid_split(X, y, task, seed)
    progress.say(f"{task.value} task, {chosen_metric.name} "
                 f"({'higher' if chosen_metric.greater_is_better else 'lower'} is better), "
                 f"{len(split.y_train)} training / {len(split.y_valid)} held-out rows, "
                 f"{len(profile.features)} features, models {sorted(setup.models)}")
    outcome = run_search(setup, split, deadline=deadline,
                         hard_deadline=started + time_budget * (1 + OVERRUN_FRACTION),
                         n_trials=n_trials, progress=progress)
    pipeline, refitted = refit_winner(setup, outcome, X, y, deadline)
    assert outcome.best is not None and outcome.best.score is not None
    result = FitResult(
        pipeline=pipeline, feature_schema=schema, task=task, metric=chosen_metric.name,
        leaderboard=make_leaderboard(outcome.trials, chosen_metric.name,
                                     chosen_metric.greater_is_better),
        best=outcome.best.model, best_params=outcome.best.params,
        valid_score=outcome.best.score, classes=profile.classes, refitted=refitted,
        fit_seconds=time.monotonic() - started, dropped_columns=profile.dropped)
    progress.say(f"best: {result.best} {chosen_metric.name}={result.valid_score:.5g} "
                 f"({len(outcome.trials)} trials, "
                 f"{'refitted on all rows' if refitted else 'not refitted: no time left'})")
    notify("on_fit_end", result=result)
    return result


def _check_arguments(time_budget: float, n_trials: int | None) -> None:
    if not isinstance(time_budget, int | float) or not time_budget > 0:
        raise ConfigurationError(f"time_budget={time_budget!r}: give a positive number of "
                                 f"seconds")
    if n_trials is not None and (not isinstance(n_trials, int) or n_trials < 1):
        raise ConfigurationError(f"n_trials={n_trials!r}: give a positive integer or None")


def _kinds(profile: Profile) -> list[str]:
    return sorted({c.kind for c in profile.columns})


