"""The conformance checks of what a plugin registers besides models (preprocessors, tuners,
metrics, cleaning steps) and of the observer hooks it implements."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pandas as pd

from automl._contract.metrics import on_labels
from automl._contract.plugins import Registry, get_plugin_manager, hook_callers
from automl._contract.records import TrialRecord
from automl._contract.specs import (
    CleanContext,
    CleanerSpec,
    Metric,
    PrepContext,
    PreprocessorSpec,
    Task,
    TunerSpec,
)
from automl._kit.failure import PluginCheckError
from automl._kit.runs import small_data

#: a value no cleaning step can read as a number, a date or a sentinel: it must reach the
#: schema check as it was, so that the check names it
UNREADABLE = "#unreadable value#"
#: the observer hooks, with the arguments their specs name
OBSERVER_HOOKS = ("on_trial_end", "on_training_step", "on_fit_end")
#: seconds of the small fit whose result on_fit_end is handed
OBSERVED_FIT_SECONDS = 3


def check_preprocessor(spec: PreprocessorSpec) -> None:
    """Each column kind it handles comes out with as many rows as went in."""
    X, y, columns = small_data(Task.BINARY)
    for kind in spec.kinds:
        cols = columns.get(kind)
        if not cols:
            continue
        out = spec.build(cols, PrepContext(Task.BINARY)).fit_transform(X[cols], y)
        values = np.asarray(pd.DataFrame(out).apply(pd.to_numeric, errors="coerce"),
                            dtype=float)
        if values.shape[0] != len(X):
            raise PluginCheckError(f"{kind} columns: {values.shape[0]} rows out for "
                                   f"{len(X)}")


def check_tuner(spec: TunerSpec, registry: Registry) -> None:
    """It gives an Optuna sampler, and its plan names registered models only."""
    sampler = spec.sampler(0)
    if not isinstance(sampler, optuna.samplers.BaseSampler):
        raise PluginCheckError(f"sampler(0) returned {type(sampler).__name__}, not an "
                               f"Optuna sampler")
    if spec.plan is not None:
        plan = spec.plan(list(registry.models.values()))
        unknown = {p.get("model") for p in plan} - set(registry.models)
        if unknown:
            raise PluginCheckError(f"plan names models that are not registered: {unknown}")


def check_metric(metric: Metric, task: Task) -> None:
    """The metric gives a finite number for a perfect and for a reversed prediction of a small
    target, called as the search calls it, and does not rank the reversed one better."""
    classes = {Task.BINARY: ["no", "yes"], Task.MULTICLASS: ["a", "b", "c"]}.get(task)
    y = np.arange(30) % (3 if classes is None else len(classes))
    if classes is None:
        perfect, reversed_ = y.astype(float), y[::-1].astype(float)
    elif metric.needs_proba:
        perfect = np.eye(len(classes))[y] * 0.9 + 0.1 / len(classes)
        reversed_ = perfect[:, ::-1]
    else:
        perfect, reversed_ = y, (y + 1) % len(classes)
    scoring = on_labels(metric, classes)
    try:
        good, bad = (float(scoring.fn(y, p)) for p in (perfect, reversed_))
    except Exception as exc:
        raise PluginCheckError(f"it raises on a {task.value} target: "
                               f"{type(exc).__name__}: {exc}") from exc
    if not (np.isfinite(good) and np.isfinite(bad)):
        raise PluginCheckError(f"it gives {good} for a perfect and {bad} for a reversed "
                               f"prediction: a finite number is needed")
    if metric.better(bad, good):
        raise PluginCheckError(f"it ranks a reversed prediction ({bad:.4g}) above a "
                               f"perfect one ({good:.4g}): is greater_is_better right?")


def cleaner_checks(spec: CleanerSpec) -> list[tuple[str, Callable[[], None]]]:
    """(check name, check) for a cleaning step: fitted on :func:`small_data`'s binary table, as
    the fit does, it must take a one-row frame, keep every row, leave unreadable values alone
    and pickle."""
    return [("takes a one-row frame", lambda: _check_one_row(spec)),
            ("keeps every row", lambda: _check_rows_kept(spec)),
            ("leaves unreadable values alone", lambda: _check_unreadable(spec)),
            ("pickles", lambda: _check_cleaner_pickle(spec))]


def _fitted_step(spec: CleanerSpec) -> tuple[Any, pd.DataFrame]:
    X, y, _ = small_data(Task.BINARY)
    step = spec.build(CleanContext(Task.BINARY, "target", 0))
    fitted = step.fit(X, pd.Series(y, name="target"))
    return (step if fitted is None else fitted), X


def _transformed(step: Any, frame: pd.DataFrame) -> pd.DataFrame:
    out = step.transform(frame.copy())
    if not isinstance(out, pd.DataFrame):
        raise PluginCheckError(f"transform returned {type(out).__name__}, not a DataFrame")
    return out


def _check_one_row(spec: CleanerSpec) -> None:
    step, X = _fitted_step(spec)
    out = _transformed(step, X.head(1))
    if len(out) != 1:
        raise PluginCheckError(f"transform of a one-row frame gave {len(out)} rows: the "
                               f"service predicts one row at a time")


def _check_rows_kept(spec: CleanerSpec) -> None:
    step, X = _fitted_step(spec)
    out = _transformed(step, X)
    if len(out) != len(X) or not out.index.equals(X.index):
        raise PluginCheckError(f"transform gave {len(out)} rows for {len(X)} (or another "
                               f"index): each row to predict needs its answer")


def _check_unreadable(spec: CleanerSpec) -> None:
    step, X = _fitted_step(spec)
    column = X.columns[0]
    frame = X.head(20).copy()
    frame[column] = frame[column].astype(object)
    frame.iloc[3, 0] = UNREADABLE
    out = _transformed(step, frame)
    if column in out.columns and out[column].iloc[3] != UNREADABLE:
        raise PluginCheckError(f"an unreadable value {UNREADABLE!r} in column {column!r} "
                               f"came out as {out[column].iloc[3]!r}: leave what the step "
                               f"cannot read as it is, so that the schema check names it")


def _check_cleaner_pickle(spec: CleanerSpec) -> None:
    step, X = _fitted_step(spec)
    restored = pickle.loads(pickle.dumps(step))
    pd.testing.assert_frame_equal(_transformed(step, X), _transformed(restored, X))


def observer_checks(plugin: str) -> list[tuple[str, Callable[[], None]]]:
    """(hook name, check) for each observer hook ``plugin`` implements: called through its
    hook caller (wrappers included) with the arguments the hook's spec names, as a fit calls
    it, it must not raise."""
    pm = get_plugin_manager()
    checks = []
    for hook in OBSERVER_HOOKS:
        for name, call in hook_callers(pm, hook):
            if name == plugin:
                checks.append((hook, lambda h=hook, c=call: c(**_hook_arguments(h))))
    return checks


def _hook_arguments(hook: str) -> dict[str, Any]:
    if hook == "on_trial_end":
        record = TrialRecord(0, "linear", {"C": 1.0}, 0.9, 0.5, "complete", ended_seconds=1.0)
        return {"trial": record, "metric": "roc_auc", "task": Task.BINARY.value}
    if hook == "on_training_step":
        return {"model": "linear", "trial": 0, "step": 1, "values": {"valid_loss": 0.5}}
    return {"result": _small_result()}


def _small_result() -> Any:
    """A real FitResult, from a short fit of the linear model on :func:`small_data`."""
    from automl._fit.api import fit

    X, y, _ = small_data(Task.BINARY)
    return fit(X.assign(target=y), "target", time_budget=OBSERVED_FIT_SECONDS,
               models=["linear"], verbose=0)
