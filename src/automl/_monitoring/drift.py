"""Drift: do recent rows, and the model's predictions for them, still look like the training
data? Each feature is compared with the training reference's summaries
(:mod:`automl._monitoring.drift_reference`) by the
population stability index (PSI) and a test: Kolmogorov-Smirnov for numbers, chi-square for
categories and booleans.

A column has drifted when both say so: its PSI reaches ``PSI_THRESHOLD`` (a shift large enough
to matter) and its test's p-value is below ``ALPHA`` divided by the number of columns compared
(Bonferroni: with dozens of columns, some small p-value is to be expected by chance alone).
Requiring both keeps a large, harmless sample from flagging tiny shifts and a small one from
flagging noise.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from automl._contract.metrics import Metric, held_out_prediction
from automl._contract.specs import Task
from automl._final.reference import prediction_signal
from automl._final.scoring import scored, skill
from automl._final.threshold import cut_of
from automl._monitoring.drift_reference import DriftReference, Levels, Numeric, bin_counts
from automl._monitoring.drift_report import ColumnDrift, DriftReport, Performance
from automl.errors import ConfigurationError, DataValidationError, Failure

if TYPE_CHECKING:
    from automl._result.result import FitResult

#: PSI at which a shift counts (the usual rule: below 0.1 stable, 0.1-0.2 moderate, above major)
PSI_THRESHOLD = 0.2
#: family-wise significance level of the tests, shared out over the columns compared
ALPHA = 0.01
#: fewer recent rows than this cannot say anything
MIN_ROWS = 30
#: a drop in skill on labelled recent rows past this, and past chance, is a performance drop
PERFORMANCE_DROP = 0.1
#: bootstrap resamples of the recent rows that give the skill's range by chance
BOOTSTRAPS = 200
#: recent rows the bootstrap resamples at most (the range narrows little past this)
BOOTSTRAP_ROWS = 2_000
#: retrain when at least this share of the compared columns drifted
RETRAIN_SHARE = 0.25
_EPS = 1e-4


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count (or share) vectors over the same bins."""
    e = np.clip(expected / max(expected.sum(), 1), _EPS, None)
    a = np.clip(actual / max(actual.sum(), 1), _EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass
class Thresholds:
    """The PSI a column must reach and the p-value it must fall under to count as drifted."""

    psi: float = PSI_THRESHOLD
    p_value: float = ALPHA


def numeric_drift(name: str, reference: Numeric, recent: pd.Series,
                  limits: Thresholds, kind: str = "numeric") -> ColumnDrift:
    """PSI over the reference's quantile bins (missing values a bin of their own) and the
    two-sample Kolmogorov-Smirnov test of the values present, from the reference's summary."""
    new = recent.dropna().to_numpy(float)
    edges = np.asarray(reference.edges)
    ref_counts = np.append(np.asarray(reference.counts, dtype=float), reference.missing)
    new_counts = np.append(bin_counts(edges, new), recent.isna().sum()).astype(float)
    index = psi(ref_counts, new_counts)
    statistic, p = ks_test(reference, new) if reference.present and len(new) else (0.0, 1.0)
    detail = (f"mean {reference.mean:.4g} -> {np.mean(new):.4g}, median {reference.median:.4g}"
              f" -> {np.median(new):.4g}" if reference.present and len(new)
              else "no values to compare")
    missing = (reference.missing / max(reference.present + reference.missing, 1),
               float(recent.isna().mean()))
    if missing[0] != missing[1]:
        detail += f", missing {missing[0]:.0%} -> {missing[1]:.0%}"
    labels = [f"<= {e:.4g}" for e in edges] + [f"> {edges[-1]:.4g}" if len(edges) else "all",
                                                "(missing)"]
    return ColumnDrift(name, kind, "ks", statistic, p, index,
                       bool(index >= limits.psi and p < limits.p_value), detail,
                       *_shares(labels, ref_counts, new_counts))


def ks_test(reference: Numeric, values: np.ndarray) -> tuple[float, float]:
    """The two-sample Kolmogorov-Smirnov statistic of ``values`` against the reference's
    distribution sketch, and its asymptotic p-value (scipy's ``kstwo`` at the effective sample
    size, as :func:`scipy.stats.ks_2samp` computes it for large samples)."""
    values = np.sort(values)
    grid = np.union1d(np.asarray(reference.points), values)
    ours, ours_left = reference.distribution(grid)
    theirs = np.searchsorted(values, grid, side="right") / len(values)
    theirs_left = np.searchsorted(values, grid, side="left") / len(values)
    # both distributions are steps or straight between grid points: the largest gap is at one
    # of them, on one side or the other
    statistic = float(max(np.max(np.abs(theirs - ours)),
                          np.max(np.abs(theirs_left - ours_left))))
    n, m = reference.present, len(values)
    return statistic, float(stats.kstwo.sf(statistic, max(round(n * m / (n + m)), 1)))


def categorical_drift(name: str, reference: Levels, recent: pd.Series,
                      limits: Thresholds, kind: str = "categorical") -> ColumnDrift:
    """PSI over the reference's levels (a level it does not name and missing values are levels
    of their own) and the chi-square test of the two count rows."""
    if kind == "boolean":  # stored as 0.0 / 1.0: shown as words
        recent = recent.map({0.0: "false", 1.0: "true"})
    new_levels = reference.level_of(recent)
    ref = pd.Series({**reference.counts, "(missing)": reference.missing}, dtype=float)
    ref = ref[(ref > 0) | (ref.index != "(missing)")]
    names = sorted(set(ref.index) | set(new_levels))
    ref_counts = ref.reindex(names, fill_value=0).to_numpy(float)
    new_counts = new_levels.value_counts().reindex(names, fill_value=0).to_numpy(float)
    index = psi(ref_counts, new_counts)
    if len(names) > 1:
        chi2, p, _, _ = stats.chi2_contingency(np.vstack([ref_counts, new_counts]))
    else:
        chi2, p = 0.0, 1.0
    shares = (ref_counts / ref_counts.sum(), new_counts / max(new_counts.sum(), 1))
    moved = int(np.argmax(np.abs(shares[1] - shares[0])))
    detail = f"share of {names[moved]!r} {shares[0][moved]:.0%} -> {shares[1][moved]:.0%}"
    return ColumnDrift(name, kind, "chi2", float(chi2), float(p), index,
                       bool(index >= limits.psi and p < limits.p_value), detail,
                       *_shares(names, ref_counts, new_counts))


def _shares(labels: list[str], reference: np.ndarray, recent: np.ndarray
            ) -> tuple[list[str], list[float], list[float]]:
    """The bins' labels and shares, the empty missing-values bin left out."""
    keep = [i for i, label in enumerate(labels)
            if label != "(missing)" or reference[i] or recent[i]]
    return ([labels[i] for i in keep],
            [round(float(reference[i] / max(reference.sum(), 1)), 4) for i in keep],
            [round(float(recent[i] / max(recent.sum(), 1)), 4) for i in keep])


def compare(result: FitResult, recent: pd.DataFrame, *, psi_threshold: float = PSI_THRESHOLD,
            alpha: float = ALPHA) -> DriftReport:
    """Compare ``recent`` rows (the training feature columns; the target too, if known) with
    the training reference of ``result`` by the rule in this module's notes. Raises
    :class:`DataValidationError` for too few rows or rows the schema refuses and
    :class:`ConfigurationError` for a model saved without a reference."""
    reference = result.drift_reference()
    if reference is None:
        raise ConfigurationError("this model was saved without a training reference (by an "
                                 "earlier automl): fit it again to monitor drift")
    if not isinstance(recent, pd.DataFrame) or len(recent) < MIN_ROWS:
        rows = len(recent) if isinstance(recent, pd.DataFrame) else 0
        raise DataValidationError([Failure(None, f"drift needs at least {MIN_ROWS} rows",
                                           rows)], "drift data")
    schema = result.feature_schema
    X = result._features(recent, "drift data")
    compared = [c for c in schema.columns if c.name in reference.columns]
    limits = Thresholds(psi_threshold, alpha / (len(compared) + 1))
    columns = [_column_drift(c.name, reference.columns[c.name], X[c.name], limits, c.kind)
               for c in compared]
    skipped = {c.name: f"{c.kind} columns are not compared (dates move on by nature)"
               if c.kind == "datetime" else f"{c.kind} columns are not compared"
               for c in schema.columns if c not in compared}
    found = DriftReport(reference.rows, len(X), columns, _prediction_drift(
        result, reference, X, limits), skipped, _performance(result, recent), psi_threshold,
        alpha)
    found.recommend(RETRAIN_SHARE)
    return found


def _column_drift(name: str, summary: Numeric | Levels, recent: pd.Series, limits: Thresholds,
                  kind: str) -> ColumnDrift:
    if isinstance(summary, Numeric):
        return numeric_drift(name, summary, recent, limits, kind)
    return categorical_drift(name, summary, recent, limits, kind)


def _prediction_drift(result: FitResult, reference: DriftReference, X: pd.DataFrame,
                      limits: Thresholds) -> ColumnDrift | None:
    if reference.prediction is None:
        return None
    task = result.task
    now = prediction_signal(task, held_out_prediction(result.pipeline, X, task))
    if task == Task.MULTICLASS:
        assert result.classes is not None
        labels = np.asarray([str(c) for c in result.classes], dtype=object)
        now = labels[now.astype(int)]
    return _column_drift("prediction", reference.prediction, pd.Series(now), limits,
                         "prediction")


def _performance(result: FitResult, recent: pd.DataFrame) -> Performance | None:
    target = result.feature_schema.target
    if target not in recent.columns or result.held_out is None:
        return None
    labelled = recent[recent[target].notna()]
    if len(labelled) < MIN_ROWS:
        return None
    metric, task = result.scoring_metric, result.task
    y = result._encode(labelled[target])
    prediction = held_out_prediction(result.pipeline, result._features(labelled, "drift data"),
                                     task)
    cut = cut_of(result.decision)
    now = scored(metric, task, y, prediction, threshold=cut)
    low, high = skill_range(metric, task, y, prediction, threshold=cut)
    gap = result.held_out.skill - now.skill
    # A fixed drop alone cries wolf on a few dozen rows, whose skill swings widely by chance:
    # the held-out skill must also lie above every skill the recent rows reach by resampling.
    dropped = bool(np.isfinite(gap) and gap > PERFORMANCE_DROP
                   and np.isfinite(high) and result.held_out.skill > high)
    return Performance(metric.name, result.held_out, now, dropped,
                       None if not np.isfinite(low) else (round(low, 4), round(high, 4)))


def skill_range(metric: Metric, task: Task, y: np.ndarray, prediction: np.ndarray,
                seed: int = 0, threshold: float | None = None) -> tuple[float, float]:
    """The 1st and 99th percentiles of the skill over bootstrap resamples of the rows (at most
    ``BOOTSTRAP_ROWS`` of them, ``BOOTSTRAPS`` times): how far the skill moves by chance on
    this many rows, labels taken at the binary decision ``threshold`` (None: the most probable
    class). NaN where no resample has a defined skill (rows of one class)."""
    rng = np.random.default_rng(seed)
    n = len(y)
    if n > BOOTSTRAP_ROWS:
        keep = rng.choice(n, BOOTSTRAP_ROWS, replace=False)
        y, prediction, n = y[keep], prediction[keep], BOOTSTRAP_ROWS
    skills = []
    # a resample of few rows often holds one class: sklearn warns each time, and a served
    # model's log is no place for two hundred warnings per report
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(BOOTSTRAPS):
            rows = rng.integers(0, n, n)
            try:
                skills.append(skill(metric, task, y[rows], prediction[rows], threshold=threshold))
            except ValueError:  # a resample holding one class only
                continue
    finite = np.asarray([s for s in skills if np.isfinite(s)])
    if not len(finite):
        return float("nan"), float("nan")
    return float(np.percentile(finite, 1)), float(np.percentile(finite, 99))
