"""What the model relies on: permutation importance of each input column on labelled rows the
model did not see, and the model's own (native) importances where it has them.

Permutation importance shuffles one input column at a time and measures how much the metric
drops: it speaks of the columns a person gave, works for every model (ensembles included) and,
on held-out rows, shows what generalises rather than what was memorised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl._contract.metrics import Metric, held_out_prediction, prediction_score
from automl._contract.specs import Task
from automl._features.ensemble import WeightedEnsemble
from automl._final.calibration import unwrapped

#: rows scored per shuffle; more cost time and change little
MAX_ROWS = 2000
REPEATS = 5
#: rows predicted in one call: shuffled copies of several columns go together
STACKED_ROWS = 200_000


@dataclass
class Importance:
    """``permutation``: one row per input column, most important first: ``importance`` is the
    mean drop in ``metric`` when the column is shuffled (in the metric's units, positive when
    the column helps) and ``std`` its spread over the repeats. ``native``: the model's own
    importances by model feature (gain, impurity or absolute coefficient), from ``source``;
    None when the model has none."""

    metric: str
    rows: int
    permutation: pd.DataFrame
    native: pd.DataFrame | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"metric": self.metric, "rows": self.rows, "source": self.source,
                "permutation": self.permutation.to_dict(orient="records"),
                "native": None if self.native is None else self.native.to_dict(orient="records")}


def permutation_importance(model: Any, X: pd.DataFrame, y: np.ndarray, metric: Metric,
                           task: Task, seed: int = 0) -> pd.DataFrame:
    """Shuffle each column of ``X`` (the model's input frame) ``REPEATS`` times on up to
    ``MAX_ROWS`` rows and measure the drop in ``metric``."""
    if len(X) > MAX_ROWS:
        rows = np.random.default_rng(seed).choice(len(X), MAX_ROWS, replace=False)
        X, y = X.iloc[np.sort(rows)], np.asarray(y)[np.sort(rows)]
    sign = 1.0 if metric.greater_is_better else -1.0
    n = len(X)

    def scores(frame: pd.DataFrame) -> np.ndarray:
        prediction = held_out_prediction(model, frame, task)
        return np.array([sign * prediction_score(metric, task, prediction[i:i + n], y)
                         for i in range(0, len(frame), n)])

    # Written out rather than sklearn's permutation_importance, which asks for an estimator
    # with ``fit``: the ensembles and scaled-target wrappers here only predict. Shuffled
    # copies are stacked into frames of up to STACKED_ROWS and predicted in one call each: a
    # bagged ensemble costs about as much per call as per thousand rows.
    base, rng = scores(X)[0], np.random.default_rng(seed)
    columns = list(X.columns)
    per_call = max(1, STACKED_ROWS // (n * REPEATS))
    drops = np.zeros((len(columns), REPEATS))
    for start in range(0, len(columns), per_call):
        group = columns[start:start + per_call]
        copies = []
        for column in group:
            for _ in range(REPEATS):
                copy = X.copy()
                copy[column] = X[column].to_numpy()[rng.permutation(n)]
                copies.append(copy)
        found = scores(pd.concat(copies, ignore_index=True)).reshape(len(group), REPEATS)
        drops[start:start + len(group)] = base - found
    table = pd.DataFrame({"feature": [str(c) for c in X.columns],
                          "importance": drops.mean(axis=1), "std": drops.std(axis=1)})
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def native_importance(model: Any) -> tuple[pd.DataFrame | None, str | None]:
    """The fitted model's own importances by model feature and the model they come from (the
    heaviest member of an ensemble); (None, None) when it has none."""
    model = unwrapped(model)
    if isinstance(model, WeightedEnsemble):
        heaviest = int(np.argmax(model.weights))
        table, _ = native_importance(model.members[heaviest])
        return table, None if table is None else f"the ensemble's heaviest member #{heaviest}"
    steps = getattr(model, "named_steps", None)
    if steps is None or "model" not in steps:
        return None, None
    estimator = steps["model"]
    values = getattr(estimator, "feature_importances_", None)
    if values is None and getattr(estimator, "coef_", None) is not None:
        coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))
        values = np.abs(coef).mean(axis=0)
    if values is None:
        return None, None
    names = _model_features(steps, len(values))
    table = pd.DataFrame({"feature": names, "importance": np.asarray(values, dtype=float)})
    table = table.sort_values("importance", ascending=False, kind="stable")
    return table.reset_index(drop=True), type(estimator).__name__


def _model_features(steps: Any, count: int) -> list[str]:
    prep = steps.get("prep")
    try:
        names = [str(n) for n in prep.get_feature_names_out()] if prep is not None else []
    except (AttributeError, ValueError):
        names = []
    return names if len(names) == count else [f"feature {i}" for i in range(count)]
