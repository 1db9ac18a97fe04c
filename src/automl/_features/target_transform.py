"""The scale a regression target is fitted on, and the way back.

Prices, counts and durations are right-skewed: a model fitted to their logarithm learns relative
differences, which a few huge values do not dominate, so a non-negative target may be fitted as
``log1p(y)``; :mod:`automl._search.scale_choice` decides by a probe's held-out score.
Predictions are clipped to a little beyond the range seen in training before they go back to the
target's scale: a linear model or a network extrapolating on the log scale would otherwise answer an
unusual row with an exponentially wrong value. The search scores the predictions on the
target's own scale, so the metric stays the user's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: sample skewness above which a non-negative target is modelled on the log scale where no
#: probe chose the scale
SKEW_THRESHOLD = 1.0
#: predictions may go this fraction of the training range beyond it
RANGE_SLACK = 0.1


def skewness(y: np.ndarray) -> float:
    """The sample skewness of ``y`` (0 for a constant)."""
    return float(column_skewness(np.asarray(y, dtype=float).reshape(-1, 1))[0])


def column_skewness(values: np.ndarray) -> np.ndarray:
    """The sample skewness of each column of a 2-D array (0 for a constant column)."""
    centred = values - values.mean(axis=0)
    spread = np.sqrt(np.mean(centred**2, axis=0))
    with np.errstate(all="ignore"):  # a constant column: 0/0, set to 0 below
        skew = np.mean(centred**3, axis=0) / spread**3
    return np.where(spread == 0, 0.0, skew)


@dataclass(frozen=True)
class TargetScale:
    """How a regression target is fitted: on the log scale or not, the range (on the fitted
    scale) that predictions are clipped to, and (log scale) the smearing factor the way back
    multiplies ``1 + y`` by (1: none; above 1 turns the log model's median-like prediction
    into an estimate of the mean, see :mod:`automl._search.scale_choice`)."""

    log: bool
    low: float
    high: float
    smearing: float = 1.0

    @classmethod
    def for_target(cls, y: np.ndarray, log: bool | None = None,
                   smearing: float = 1.0) -> TargetScale:
        """The scale for target ``y``: the log scale where ``log`` says so, or (``log`` None,
        where no probe chose, see :func:`automl._search.scale_choice.choose_scale`) for a
        non-negative target skewed beyond :data:`SKEW_THRESHOLD`."""
        values = np.asarray(y, dtype=float)
        if log is None:
            log = len(values) >= 3 and values.min() >= 0 and skewness(values) > SKEW_THRESHOLD
        fitted = np.log1p(values) if log else values
        slack = RANGE_SLACK * float(fitted.max() - fitted.min())
        return cls(bool(log), float(fitted.min()) - slack, float(fitted.max()) + slack,
                   float(smearing) if log else 1.0)

    def to_fitted(self, y: np.ndarray) -> np.ndarray:
        """The target on the scale the models are fitted on."""
        values = np.asarray(y, dtype=float)
        return np.log1p(values) if self.log else values

    def to_target(self, predicted: np.ndarray) -> np.ndarray:
        """Fitted-scale predictions, clipped to the range, on the target's own scale."""
        clipped = np.clip(np.asarray(predicted, dtype=float), self.low, self.high)
        if not self.log:
            return clipped
        return np.expm1(clipped) if self.smearing == 1.0 else np.exp(
            clipped) * self.smearing - 1.0


class ScaledTargetModel:
    """A fitted regressor of the fitted-scale target that predicts on the target's scale."""

    def __init__(self, model: Any, scale: TargetScale) -> None:
        self.model, self.scale = model, scale

    def predict(self, X: Any) -> np.ndarray:
        """The wrapped model's prediction, clipped and put back on the target's scale."""
        return self.scale.to_target(self.model.predict(X))

    def __repr__(self) -> str:
        return f"ScaledTargetModel({self.model!r}, log={self.scale.log})"
