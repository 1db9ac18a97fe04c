"""Fitting one pipeline: preprocessing, then the model by its spec's own ``fit`` when it has one,
so that a model can early-stop on the held-out split and stop at the deadline."""

from __future__ import annotations

import time
from typing import Any

from sklearn.pipeline import Pipeline

from automl.specs import FitContext, ModelSpec


def fit_pipeline(pipeline: Pipeline, spec: ModelSpec, X: Any, y: Any,
                 context: FitContext) -> Pipeline:
    """Fit ``pipeline`` (steps ``prep`` if any, then ``model``) on (X, y).

    With a custom ``spec.fit`` the preprocessing is fitted first and the context's held-out rows
    are passed through it, so the model sees them as it sees its training rows.
    """
    if spec.fit is None:
        return pipeline.fit(X, y)
    model = pipeline.named_steps["model"]
    if "prep" in pipeline.named_steps:
        prep = pipeline.named_steps["prep"]
        X = prep.fit_transform(X, y)
        if context.X_valid is not None:
            context.X_valid = prep.transform(context.X_valid)
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
        estimator.fit(X, y)
        per_unit = (time.monotonic() - started) / (upto - done)
        done = upto
    estimator.set_params(warm_start=False, **{param: done})
    estimator.truncated_ = done < total
    return estimator
