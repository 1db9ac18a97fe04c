"""The conformance checks of a registered model, each run on every task it handles: it builds,
its search space draws parameters it builds from, it fits and predicts through the search's own
path, it pickles, its refit on all rows works without held-out rows, it keeps to a deadline one
second away, and the same seed gives the same predictions."""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna

from automl._contract.metrics import get_metric
from automl._contract.plugins import Registry
from automl._contract.specs import FitContext, ModelSpec, Task
from automl._contract.time_limit import TimeLimitExceeded, call_with_time_limit
from automl._data.split import Split, train_valid_split
from automl._features.pipeline import build_pipeline
from automl._kit.failure import PluginCheckError
from automl._kit.runs import large_data, small_data
from automl._search.fitting import fit_pipeline, held_out_scorer
from automl._search.trial_space import ModelTrial, study_params

#: parameter sets drawn from a model's search space, beyond its defaults
SEARCH_SAMPLES = 4
#: seconds a fit on the small tables may take before the check gives up on it
FIT_SECONDS = 120
#: rows of the deadline check's table, and the seconds its fit may run past the deadline (a
#: model that stops at its deadline returns within a few rounds; one that ignores it runs on)
DEADLINE_ROWS, DEADLINE_GRACE = 50_000, 5.0


def model_checks(spec: ModelSpec, registry: Registry) -> list[tuple[str, str, Callable[[], None]]]:
    """(subject, check name, check) for each check of ``spec`` on each task it handles; the
    deadline check only where the model fits itself (``spec.fit``), since only such a fit is
    handed the deadline, and on its first task."""
    checks = []
    tasks = sorted({Task(t) for t in spec.tasks})
    for task in tasks:
        subject = f"model {spec.name!r} ({task.value})"
        runs: dict[str, Callable[[ModelSpec, Task, Registry], None]] = {
            "builds": _check_builds, "search space": _check_search_space,
            "fits and predicts": _check_fit_predict, "pickles": _check_pickle,
            "refits without held-out rows": _check_refit, "is deterministic": _check_seeded}
        # the deadline is kept (or not) by the training loop, whatever the task: one suffices
        if spec.fit is not None and task is tasks[0]:
            runs["keeps to its deadline"] = _check_deadline
        checks += [(subject, name, lambda f=fn, t=task: f(spec, t, registry))
                   for name, fn in runs.items()]
    return checks


def _check_builds(spec: ModelSpec, task: Task, registry: Registry) -> None:
    for params in spec.defaults:
        estimator = spec.build(dict(params), task)
        needed = ["fit", "predict", "get_params"] + (
            ["predict_proba"] if task.is_classification else [])
        missing = [m for m in needed if not hasattr(estimator, m)]
        if missing:
            raise PluginCheckError(f"build({params}, {task.value!r}) returned "
                                   f"{type(estimator).__name__}, which lacks {missing}")


def _check_search_space(spec: ModelSpec, task: Task, registry: Registry) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for params in spec.defaults:
        study.enqueue_trial(study_params(spec.name, params))
    for _ in range(len(spec.defaults) + SEARCH_SAMPLES):
        trial = study.ask()
        drawn = spec.search_space(ModelTrial(trial, spec.name, task))
        if not isinstance(drawn, dict):
            raise PluginCheckError(f"search_space returned {type(drawn).__name__}, not a dict")
        spec.build(dict(drawn), task)
        study.tell(trial, 0.0)


def _pipeline(spec: ModelSpec, task: Task, registry: Registry, columns: dict) -> Any:
    return build_pipeline(spec, dict(spec.defaults[0]) if spec.defaults else {}, task,
                          columns, registry.preprocessors)


def _fitted(spec: ModelSpec, task: Task, registry: Registry,
            deadline: float | None = None) -> tuple[Any, Split]:
    """The model's first default fitted as a trial of the search is: on the training part of
    :func:`small_data`, with the held-out part, a deadline and the held-out scorer."""
    X, y, columns = small_data(task)
    split = train_valid_split(X, y, task)
    pipeline = _pipeline(spec, task, registry, columns)
    context = FitContext(X_valid=split.X_valid, y_valid=split.y_valid,
                         deadline=deadline or time.monotonic() + FIT_SECONDS)
    metric = get_metric(None, task)
    context.score, context.better = held_out_scorer(metric, context), metric.better
    fit_pipeline(pipeline, spec, split.X_train, split.y_train, context)
    return pipeline, split


def _check_predictions(pipeline: Any, X: Any, y: np.ndarray, task: Task,
                       labels: set[int]) -> None:
    predicted = np.asarray(pipeline.predict(X))
    if predicted.shape[0] != len(y):
        raise PluginCheckError(f"predict gave {predicted.shape[0]} rows for {len(y)}")
    if not task.is_classification:
        if not np.all(np.isfinite(predicted.astype(float))):
            raise PluginCheckError("predict gave values that are not finite")
        return
    if not set(predicted.astype(int).tolist()) <= labels:
        raise PluginCheckError(f"predict gave labels outside {sorted(labels)}")
    proba = np.asarray(pipeline.predict_proba(X))
    if proba.shape != (len(y), len(labels)):
        raise PluginCheckError(f"predict_proba has shape {proba.shape}, expected "
                               f"{(len(y), len(labels))}")
    if not np.allclose(proba.sum(axis=1), 1.0, atol=1e-4):
        raise PluginCheckError("predict_proba rows do not sum to one")


def _check_fit_predict(spec: ModelSpec, task: Task, registry: Registry) -> None:
    pipeline, split = _fitted(spec, task, registry)
    _check_predictions(pipeline, split.X_valid, split.y_valid, task,
                       set(np.unique(split.y_train).tolist()))


def _check_pickle(spec: ModelSpec, task: Task, registry: Registry) -> None:
    pipeline, split = _fitted(spec, task, registry)
    restored = pickle.loads(pickle.dumps(pipeline))
    before = np.asarray(pipeline.predict(split.X_valid))
    after = np.asarray(restored.predict(split.X_valid))
    if not np.allclose(before.astype(float), after.astype(float)):
        raise PluginCheckError("the unpickled model predicts differently")


def _check_refit(spec: ModelSpec, task: Task, registry: Registry) -> None:
    """The final model's path: after a trial, the same parameters refitted on all rows with no
    held-out rows (``X_valid`` None) and the trial's fitted estimator to learn from (how many
    rounds it stopped at, say)."""
    trial, _ = _fitted(spec, task, registry)
    X, y, columns = small_data(task)
    pipeline = _pipeline(spec, task, registry, columns)
    estimator = trial.named_steps["model"]
    context = FitContext(deadline=time.monotonic() + FIT_SECONDS, trial_estimator=estimator,
                         trial_estimators=(estimator,))
    fit_pipeline(pipeline, spec, X, y, context)
    _check_predictions(pipeline, X, y, task, set(np.unique(y).tolist()))


def _check_deadline(spec: ModelSpec, task: Task, registry: Registry) -> None:
    """A trial whose deadline is one second away, on a table large enough that the model's
    defaults would run far longer, returns within :data:`DEADLINE_GRACE` seconds of it."""
    X, y, columns = large_data(task, DEADLINE_ROWS)
    split = train_valid_split(X, y, task)
    pipeline = _pipeline(spec, task, registry, columns)
    deadline = time.monotonic() + 1.0
    context = FitContext(X_valid=split.X_valid, y_valid=split.y_valid, deadline=deadline)
    try:
        call_with_time_limit(
            lambda: fit_pipeline(pipeline, spec, split.X_train, split.y_train, context),
            deadline + DEADLINE_GRACE, f"{spec.name}'s fit")
    except TimeLimitExceeded:
        raise PluginCheckError(
            f"with FitContext.deadline one second away it was still fitting "
            f"{DEADLINE_GRACE:g} s past it on {DEADLINE_ROWS:,} rows: stop training when "
            f"time.monotonic() reaches context.deadline (or pace it with "
            f"context.paced_rate)") from None


def _check_seeded(spec: ModelSpec, task: Task, registry: Registry) -> None:
    """Two trials with the same seed predict the same: a fit must be reproducible from
    ``fit(seed=...)`` (the search sets ``random_state``; a custom fit has
    ``FitContext.seed``)."""
    first, split = _fitted(spec, task, registry)
    second, _ = _fitted(spec, task, registry)
    method = "predict_proba" if task.is_classification else "predict"
    a, b = (np.asarray(getattr(p, method)(split.X_valid), dtype=float) for p in (first, second))
    if not np.allclose(a, b, rtol=1e-6, atol=1e-8):
        raise PluginCheckError(f"two fits with the same seed differ by up to "
                               f"{np.max(np.abs(a - b)):.3g} in {method}: seed every source "
                               f"of randomness from random_state or FitContext.seed")
