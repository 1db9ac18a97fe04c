"""A binary classifier's decision threshold, tuned for a metric of labels on the held-out
probabilities (``fit(decision_metric=...)``).

Predicting the more probable class (a threshold of 0.5) maximises accuracy for calibrated
probabilities, but not balanced accuracy, F1 or a cost: where one class is rare, or one error
dearer, the best cut lies elsewhere (AutoGluon's ``calibrate_decision_threshold`` does the
same). The threshold is chosen on the held-out probabilities (out of fold under
cross-validation) among their quantiles, and is honest about it the way the temperature is
(:mod:`automl._final.calibration`): chosen on one half of the rows and scored on the other, and the
other way round. It is applied only where that cross-fitted score beats the argmax's; the
threshold kept is then the one chosen on all rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from automl._contract.metrics import decided
from automl._contract.model_wrapper import ModelWrapper
from automl._contract.specs import Metric

__all__ = ["DecisionThreshold", "ThresholdModel", "cut_of", "decided", "tune_threshold"]

#: fewer held-out rows than this are too few to choose and check a threshold on
MIN_ROWS = 40
#: thresholds tried: this many quantiles of the held-out probabilities, and 0.5
CANDIDATES = 99


@dataclass(frozen=True)
class DecisionThreshold:
    """The threshold on the second class's probability above which (or at which) it is
    predicted, the ``metric`` it was tuned for, that metric's held-out score at 0.5 (the
    argmax) and cross-fitted at the tuned threshold, whether it is ``applied``, and the
    ``curve`` of (threshold, held-out score) pairs the report draws."""

    metric: str
    threshold: float
    argmax_score: float
    score: float
    applied: bool
    curve: tuple[tuple[float, float], ...] = ()

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        if not self.applied:
            return (f"decision threshold left at 0.5: a tuned one did not raise held-out "
                    f"{self.metric} ({self.argmax_score:.4g}, cross-fitted {self.score:.4g})")
        return (f"decision threshold {self.threshold:.3g} for {self.metric}: held-out "
                f"{self.argmax_score:.4g} at 0.5, {self.score:.4g} at the threshold "
                f"(cross-fitted)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (saved in the model's metadata, answered by /metadata)."""
        return {**asdict(self), "curve": [list(point) for point in self.curve]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionThreshold:
        """The threshold :meth:`to_dict` wrote."""
        return cls(str(data["metric"]), float(data["threshold"]), float(data["argmax_score"]),
                   float(data["score"]), bool(data["applied"]),
                   tuple((float(t), float(s)) for t, s in data.get("curve", ())))


def cut_of(decision: DecisionThreshold | None) -> float | None:
    """The threshold a model's labels are taken at: the tuned one where ``decision`` applied
    it, None (the most probable class) where there is none or it was not applied."""
    return decision.threshold if decision is not None and decision.applied else None


def tune_threshold(metric: Metric, proba: np.ndarray, y: np.ndarray,
                   seed: int) -> DecisionThreshold | None:
    """Choose the threshold for ``metric`` (scoring class indices) from held-out binary
    probabilities ``proba`` and class indices ``y`` (see the module's text); None where
    there are too few rows or not two classes."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y, dtype=int)
    if proba.ndim != 2 or proba.shape[1] != 2 or len(y) < MIN_ROWS or len(np.unique(y)) < 2:
        return None
    halves = np.random.default_rng(seed).permutation(len(y)) % 2 == 0
    crossed = np.empty(len(y), dtype=int)
    for half in (halves, ~halves):
        chosen, _ = _best(metric, proba[~half], y[~half])
        crossed[half] = decided(proba[half], chosen)
    argmax = float(metric.fn(y, decided(proba, None)))
    score = float(metric.fn(y, crossed))
    threshold, curve = _best(metric, proba, y)
    return DecisionThreshold(metric.name, threshold, argmax, score,
                             metric.better(score, argmax), curve)


def _best(metric: Metric, proba: np.ndarray, y: np.ndarray
          ) -> tuple[float, tuple[tuple[float, float], ...]]:
    """The best threshold for ``metric`` on these rows (the one nearest 0.5 among equals) and
    the score at each candidate."""
    positive = proba[:, 1]
    candidates = np.unique(np.append(np.quantile(positive, np.linspace(0.01, 0.99, CANDIDATES)),
                                     0.5))
    curve = tuple((float(t), float(metric.fn(y, (positive >= t).astype(int))))
                  for t in candidates)
    best = curve[0]
    for point in curve[1:]:
        if metric.better(point[1], best[1]) or (
                point[1] == best[1] and abs(point[0] - 0.5) < abs(best[0] - 0.5)):
            best = point
    return best[0], curve


class ThresholdModel(ModelWrapper):
    """A fitted binary classifier that predicts the second class where its probability
    reaches ``threshold``; its probabilities are the wrapped model's own."""

    def __init__(self, model: Any, threshold: float) -> None:
        self.model, self.threshold = model, float(threshold)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The wrapped model's class probabilities."""
        return self.model.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """Class indices at :attr:`threshold`."""
        return decided(self.predict_proba(X), self.threshold)

    def __repr__(self) -> str:
        return f"ThresholdModel({self.model!r}, threshold={self.threshold:.3g})"
