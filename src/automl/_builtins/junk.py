"""Cleaning steps against columns that cannot help or that help too well: constant, duplicate
and id-like columns are dropped; a feature that alone predicts the target almost perfectly is
flagged as a likely leak (it is kept: the user decides)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from automl._cleaning.steps import CleaningStep
from automl._data.profile import DROP_REASONS, column_kind, warn_dropped
from automl.errors import DataWarning

#: a single feature scoring at least this (ROC AUC, accuracy or R², cross-fitted) is flagged
LEAK_SCORE = 0.99
LEAK_SAMPLE_ROWS = 5_000
#: only columns with a distinct value on at least this share of rows can be ids
ID_SHARE = 0.95
_BINS = 50


class JunkColumns(CleaningStep):
    """Drops constant columns (one value, or all missing), exact duplicates of an earlier
    column, and id-like columns (a distinct value on nearly every row)."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> JunkColumns:
        self.dropped_: dict[str, str] = {}
        seen: dict[int, str] = {}
        for c in df.columns:
            s = df[c]
            n_unique = s.nunique()
            if n_unique <= 1:
                self.dropped_[c] = DROP_REASONS["constant"]
                continue
            if n_unique >= ID_SHARE * s.notna().sum() and column_kind(s) == "id":
                self.dropped_[c] = DROP_REASONS["id"]
                continue
            digest = int(pd.util.hash_pandas_object(s, index=False).sum())
            twin = seen.get(digest)
            if twin is not None and s.equals(df[twin]):
                self.dropped_[c] = f"a duplicate of column {twin!r}"
                continue
            seen.setdefault(digest, c)
        for c, why in self.dropped_.items():
            self.note("dropped", c, why)
        warn_dropped(self.dropped_, stacklevel=4)
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        present = [c for c in self.dropped_ if c in df.columns]
        return df.drop(columns=present) if present else df


class LeakageCheck(CleaningStep):
    """Warns about each feature that alone predicts the target almost perfectly: scored by a
    per-level (or per-quantile-bin) lookup fitted on one half of the rows and scored on the
    other, so that a high-cardinality column does not look predictive by memorising."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> LeakageCheck:
        rows = df.sample(min(len(df), LEAK_SAMPLE_ROWS), random_state=self.context.seed)
        target = _target_values(y.loc[rows.index], self.context.task.value)
        half = np.random.default_rng(self.context.seed).random(len(rows)) < 0.5
        self.flagged_: dict[str, float] = {}
        for c in rows.columns:
            codes = _codes(rows[c])
            if codes is None:
                continue
            score = _cross_fitted_score(codes, target, half, self.context.task.value)
            if score is not None and score >= LEAK_SCORE:
                self.flagged_[c] = score
        for c, score in self.flagged_.items():
            message = (f"alone predicts the target almost perfectly (score {score:.3f} on rows "
                       f"it was not fitted on): check that it is not derived from the target "
                       f"or recorded after it")
            self.note("flagged", c, message)
            warnings.warn(f"column {c!r} {message}", DataWarning, stacklevel=4)
        return self


def _target_values(y: pd.Series, task: str) -> np.ndarray:
    """The target as numbers: floats (regression), 0/1 for the last class (binary), class
    indices (multiclass)."""
    if task == "regression":
        return y.to_numpy(dtype=float)
    codes, classes = pd.factorize(y, sort=True)
    if task == "binary":
        return (codes == len(classes) - 1).astype(float)
    return codes


def _codes(s: pd.Series) -> np.ndarray | None:
    """Groups numbered from 0: quantile bins of numbers and dates, one group per category
    (missing is a group of its own); None for free text."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.astype("int64").where(s.notna())
    if pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        ranks = s.astype(float).rank(pct=True, method="min")
        return (ranks * _BINS).fillna(_BINS + 1).to_numpy(dtype=int)
    codes, levels = pd.factorize(s.astype(object).where(s.notna(), "__missing__").astype(str))
    if len(levels) > 0.5 * len(s) and np.mean([len(v.split()) for v in levels]) >= 3:
        return None  # free text: a level per row says nothing here
    return codes


def _cross_fitted_score(codes: np.ndarray, y: np.ndarray, half: np.ndarray,
                        task: str) -> float | None:
    """The score of predicting each held-back row by its group's target on the other rows:
    R² (regression), ROC AUC (binary) or accuracy (multiclass)."""
    fit, test = codes[half], codes[~half]
    y_fit, y_test = y[half], y[~half]
    if len(fit) < 10 or len(test) < 10 or len(np.unique(y_test)) < 2:
        return None
    groups = int(codes.max()) + 1
    counts = np.bincount(fit, minlength=groups)
    if task == "multiclass":
        table = np.zeros((groups, int(y.max()) + 1))
        np.add.at(table, (fit, y_fit), 1)
        modes = np.where(counts > 0, table.argmax(axis=1), np.bincount(y_fit).argmax())
        return float((modes[test] == y_test).mean())
    sums = np.bincount(fit, weights=y_fit, minlength=groups)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), y_fit.mean())
    guess = means[test]
    if task == "regression":
        spread = np.sum((y_test - y_test.mean()) ** 2)
        return float(1 - np.sum((y_test - guess) ** 2) / spread) if spread else None
    from scipy.stats import rankdata

    ranks = rankdata(guess)
    positives = y_test == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
