"""Metrics by name, with their direction and the prediction they score.

Defaults follow the AutoML Benchmark: ROC AUC for binary, log loss for multiclass, RMSE for
regression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

from automl.errors import ConfigurationError
from automl.specs import Task


@dataclass(frozen=True)
class Metric:
    """A scoring function ``fn(y_true, y_pred)``: ``y_pred`` is the probability matrix when
    ``needs_proba``, else the predicted labels (or values). ``greater_is_better`` sets the
    direction of the search."""

    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    greater_is_better: bool
    needs_proba: bool
    tasks: frozenset[Task]

    @property
    def direction(self) -> str:
        """Optuna's study direction for this metric."""
        return "maximize" if self.greater_is_better else "minimize"

    def better(self, a: float, b: float) -> bool:
        """True when score ``a`` is strictly better than ``b``."""
        return a > b if self.greater_is_better else a < b


def _roc_auc(y: np.ndarray, proba: np.ndarray) -> float:
    if proba.shape[1] == 2:
        return float(skm.roc_auc_score(y, proba[:, 1]))
    return float(skm.roc_auc_score(y, proba, multi_class="ovr", labels=range(proba.shape[1])))


def _log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    return float(skm.log_loss(y, proba, labels=range(proba.shape[1])))


_C = frozenset({Task.BINARY, Task.MULTICLASS})
_R = frozenset({Task.REGRESSION})

METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("roc_auc", _roc_auc, True, True, _C),
    Metric("log_loss", _log_loss, False, True, _C),
    Metric("accuracy", lambda y, p: float(skm.accuracy_score(y, p)), True, False, _C),
    Metric("balanced_accuracy", lambda y, p: float(skm.balanced_accuracy_score(y, p)),
           True, False, _C),
    Metric("f1_macro", lambda y, p: float(skm.f1_score(y, p, average="macro")), True, False, _C),
    Metric("rmse", lambda y, p: float(skm.root_mean_squared_error(y, p)), False, False, _R),
    Metric("mae", lambda y, p: float(skm.mean_absolute_error(y, p)), False, False, _R),
    Metric("r2", lambda y, p: float(skm.r2_score(y, p)), True, False, _R),
]}

DEFAULT_METRIC = {Task.BINARY: "roc_auc", Task.MULTICLASS: "log_loss", Task.REGRESSION: "rmse"}


def get_metric(name: str | None, task: Task) -> Metric:
    """The metric called ``name`` (or the task's default), checked against the task."""
    name = DEFAULT_METRIC[task] if name is None else str(name).lower()
    metric = METRICS.get(name)
    if metric is None or task not in metric.tasks:
        allowed = sorted(n for n, m in METRICS.items() if task in m.tasks)
        raise ConfigurationError(f"metric={name!r} is not available for a {task} task; "
                                 f"use one of {allowed}")
    return metric


def score_model(metric: Metric, model: object, X: object, y: np.ndarray) -> float:
    """Score a fitted estimator on (X, y) with ``metric``."""
    if metric.needs_proba:
        return metric.fn(y, np.asarray(model.predict_proba(X)))  # type: ignore[attr-defined]
    return metric.fn(y, np.asarray(model.predict(X)))  # type: ignore[attr-defined]
