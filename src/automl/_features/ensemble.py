"""Greedy ensemble selection (Caruana et al., 2004) over the trials' held-out predictions, and
the weighted ensemble it yields (:class:`WeightedEnsemble`, also the bag of a cross-validated
trial's fold models).

Every completed trial leaves its held-out prediction (class probabilities, or values for
regression). Selection starts from nothing and, for a fixed number of rounds, adds with
replacement the member whose addition scores best on the held-out rows; the weights are how often
each member was picked, at the round that scored best. Picking with replacement and stopping at
the best round keep it from over-fitting the held-out split the way free weights would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from automl._contract.metrics import Metric, prediction_score
from automl._contract.specs import Task

#: rounds of greedy selection
ROUNDS = 25
#: the name an ensemble goes by in the leaderboard and ``FitResult.best``
ENSEMBLE_NAME = "ensemble"


@dataclass
class Selection:
    """The chosen members (trial numbers) with their weights, and the held-out score of the
    weighted average."""

    weights: dict[int, float]
    score: float


def select_seconds(members: int, score_seconds: float, rounds: int = ROUNDS) -> float:
    """About how long :func:`select` takes over ``members`` predictions when scoring one
    takes ``score_seconds``: it scores every member at every round. On tables of many rows
    this is seconds (90,000 held-out rows, 5 members: 2.5 s), which the end of a fit must
    leave room for."""
    return rounds * members * score_seconds


def select(predictions: dict[int, np.ndarray], y: np.ndarray, metric: Metric, task: Task,
           rounds: int = ROUNDS, costs: dict[int, float] | None = None,
           limit: float | None = None, sample_weight: np.ndarray | None = None) -> Selection:
    """Greedy selection with replacement over ``predictions`` (trial number to held-out
    prediction). Ties go to the earlier trial, so the result does not depend on dict order.

    With ``costs`` (trial number to seconds per row) and ``limit``, a member is added only
    while the chosen members' summed cost stays within ``limit`` (a member chosen once costs
    nothing more when chosen again); at least one member must fit alone. ``sample_weight``
    weighs the held-out rows (:mod:`automl._data.weights`)."""
    if not predictions:
        raise ValueError("ensemble selection needs at least one prediction")
    keys = sorted(predictions)
    if costs is not None and limit is not None:
        keys = [k for k in keys if costs[k] <= limit]
        if not keys:
            raise ValueError("no member's cost fits within the limit")
    total = np.zeros_like(predictions[keys[0]], dtype=float)
    counts: dict[int, int] = {}
    best: Selection | None = None
    for size in range(1, rounds + 1):
        round_best: tuple[float, int] | None = None
        spent = sum(costs[k] for k in counts) if costs is not None else 0.0
        for key in keys:
            if (costs is not None and limit is not None and key not in counts
                    and spent + costs[key] > limit):
                continue
            candidate = prediction_score(metric, task, (total + predictions[key]) / size, y,
                                         sample_weight)
            if round_best is None or metric.better(candidate, round_best[0]):
                round_best = (candidate, key)
        assert round_best is not None
        score, key = round_best
        total += predictions[key]
        counts[key] = counts.get(key, 0) + 1
        if best is None or metric.better(score, best.score):
            best = Selection({k: c / size for k, c in counts.items()}, score)
    assert best is not None
    return best


class WeightedEnsemble:
    """A weighted average of fitted pipelines, each taking the raw feature frame.

    Classification averages the class probabilities and predicts the most probable class;
    regression averages the predicted values.
    """

    def __init__(self, members: list[Any], weights: list[float], task: Task) -> None:
        if len(members) != len(weights) or not members:
            raise ValueError("an ensemble needs one weight per member and at least one member")
        self.members, self.weights, self.task = members, [float(w) for w in weights], task

    def _average(self, method: str, X: Any) -> np.ndarray:
        total = None
        for member, weight in zip(self.members, self.weights, strict=True):
            part = weight * np.asarray(getattr(member, method)(X), dtype=float)
            total = part if total is None else total + part
        assert total is not None
        return total / sum(self.weights)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The weighted mean of the members' class probabilities."""
        if not self.task.is_classification:
            raise AttributeError("predict_proba is for classification")
        return self._average("predict_proba", X)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (classification) or the weighted mean value (regression)."""
        if self.task.is_classification:
            return np.argmax(self.predict_proba(X), axis=1)
        return self._average("predict", X)

    def __repr__(self) -> str:
        return f"WeightedEnsemble({len(self.members)} members, weights={self.weights})"
