"""Fitting one pipeline: preprocessing, then the model by its spec's own ``fit`` when it has one,
so that a model can early-stop on the held-out split and stop at the deadline; and the
``FitContext`` callbacks such a fit is given (its held-out score, its training log)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from automl._contract.metrics import Metric, score_model
from automl._contract.plugins import notify
from automl._contract.specs import FitContext, ModelSpec
from automl._data.weights import takes_weights
from automl._features.target_transform import ScaledTargetModel, TargetScale

#: ``(estimator, X, y) -> (X, y)``: the training rows the model is fitted on (a resampling)
Resample = Callable[[Any, Any, Any], tuple[Any, Any]]


def fit_pipeline(pipeline: Pipeline, spec: ModelSpec, X: Any, y: Any,
                 context: FitContext, resample: Resample | None = None,
                 sample_weight: Any = None) -> Pipeline:
    """Fit ``pipeline`` (its preparation steps, then ``model``) on (X, y).

    With a custom ``spec.fit`` or a ``resample`` the preparation is fitted first and the
    context's held-out rows are passed through it, so the model sees them as it sees its
    training rows; ``resample`` then gives the rows the model is fitted on.
    ``sample_weight``: the rows' weights, passed to a model whose ``fit`` takes them (a custom
    ``spec.fit`` finds them in ``context.sample_weight``); a weighted fit never resamples.
    """
    model = pipeline.named_steps["model"]
    weights = {}
    if sample_weight is not None:
        context.sample_weight = sample_weight
        if takes_weights(model):
            weights = {"sample_weight": sample_weight}
    if spec.fit is None and resample is None:
        return pipeline.fit(X, y, **{f"model__{k}": v for k, v in weights.items()})
    if len(pipeline.steps) > 1:
        prep = pipeline[:-1]
        X = prep.fit_transform(X, y)
        if context.X_valid is not None:
            context.X_valid = prep.transform(context.X_valid)
    if resample is not None:
        X, y = resample(model, X, y)
    if spec.fit is None:
        model.fit(X, y, **weights)
        return pipeline
    fitted = spec.fit(model, X, y, context)
    pipeline.steps[-1] = ("model", fitted if fitted is not None else model)
    return pipeline


def fit_in_rounds(estimator: Any, X: Any, y: Any, context: FitContext, *,
                  param: str = "n_estimators", rounds: int = 4) -> Any:
    """Fit an estimator that grows with ``warm_start`` (forests, boosting) in a few rounds,
    stopping before a round that would pass ``context.deadline``.

    The estimator keeps what it grew; ``truncated_`` on it tells whether it stopped short.
    """
    total = int(estimator.get_params()[param])
    step = max(-(-total // rounds), 1)
    done, per_unit = 0, None
    estimator.set_params(warm_start=True)
    while done < total:
        upto = min(total, done + step)
        if per_unit is not None and context.remaining() < per_unit * (upto - done):
            break
        started = time.monotonic()
        estimator.set_params(**{param: upto})
        estimator.fit(X, y, **context.weight_kwargs())
        per_unit = (time.monotonic() - started) / (upto - done)
        done = upto
    estimator.set_params(warm_start=False, **{param: done})
    estimator.truncated_ = done < total
    return estimator


def held_out_scorer(metric: Metric, context: FitContext, scale: TargetScale | None = None
                    ) -> Any:
    """A ``FitContext.score``: ``metric`` of an estimator on the context's held-out rows, read
    when called, since ``fit_pipeline`` swaps in the preprocessed rows; with a target
    ``scale``, on the target's own scale, as the trial is scored."""
    return functools.partial(_context_score, metric, context, scale)


def _context_score(metric: Metric, context: FitContext, scale: TargetScale | None,
                   estimator: Any) -> float:
    if scale is None:
        return score_model(metric, estimator, context.X_valid, context.y_valid)
    return score_model(metric, ScaledTargetModel(estimator, scale), context.X_valid,
                       scale.to_target(np.asarray(context.y_valid)))


def training_log(model: str, trial: int) -> Any:
    """A ``FitContext.log`` that passes a model's training curve to the observers."""

    def log(step: int, **values: float) -> None:
        notify("on_training_step", model=model, trial=trial, step=step, values=values)

    return log
