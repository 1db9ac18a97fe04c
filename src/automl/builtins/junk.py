"""Cleaning steps against columns that cannot help or that help too well: constant, duplicate
and id-like columns are dropped; a feature that alone predicts the target almost perfectly is
flagged as a likely leak (it is kept: the user decides)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from automl.cleaning import CleaningStep
from automl.errors import DataWarning
from automl.profile import column_kind

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
                self.dropped_[c] = "constant (one value or all missing)"
                continue
            if n_unique >= ID_SHARE * s.notna().sum() and column_kind(s) == "id":
                self.dropped_[c] = "id-like (a distinct value on every row)"
                continue
            digest = int(pd.util.hash_pandas_object(s, index=False).sum())
            twin = seen.get(digest)
            if twin is not None and s.equals(df[twin]):
                self.dropped_[c] = f"a duplicate of column {twin!r}"
                continue
            seen.setdefault(digest, c)
        for c, why in self.dropped_.items():
            self.note("dropped", c, why)
        if self.dropped_:
            listed = ", ".join(f"{c!r} ({why})" for c, why in self.dropped_.items())
            warnings.warn(f"dropped {len(self.dropped_)} column(s) that cannot help a model: "
                          f"{listed}", DataWarning, stacklevel=4)
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return df.drop(columns=list(self.dropped_), errors="ignore")


class LeakageCheck(CleaningStep):
    """Warns about each feature that alone predicts the target almost perfectly: scored by a
    per-level (or per-quantile-bin) lookup fitted on one half of the rows and scored on the
    other, so that a high-cardinality column does not look predictive by memorising."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> LeakageCheck:
        rows = df.sample(min(len(df), LEAK_SAMPLE_ROWS), random_state=self.context.seed)
        target = y.loc[rows.index]
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


def _codes(s: pd.Series) -> np.ndarray | None:
    """Integer groups: quantile bins of numbers and dates, one group per category (missing is a
    group of its own); None for free text."""
    if pd.api.types.is_datetime64_any_dtype(s):
        s = s.astype("int64").where(s.notna())
    if pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        ranks = s.astype(float).rank(pct=True, method="min")
        return (ranks * _BINS).fillna(-1).to_numpy(dtype=int)
    values = s.astype(object).where(s.notna(), "__missing__").astype(str)
    if values.str.split().str.len().mean() >= 3:
        return None
    return pd.factorize(values)[0]


def _cross_fitted_score(codes: np.ndarray, y: pd.Series, half: np.ndarray,
                        task: str) -> float | None:
    from sklearn.metrics import r2_score, roc_auc_score

    frame = pd.DataFrame({"g": codes, "y": y.to_numpy()})
    fit, test = frame[half], frame[~half]
    if len(fit) < 10 or len(test) < 10 or test["y"].nunique() < 2:
        return None
    if task == "regression":
        means = fit.groupby("g")["y"].mean()
        guess = test["g"].map(means).fillna(fit["y"].mean())
        return float(r2_score(test["y"].astype(float), guess))
    if task == "binary":
        positive = sorted(frame["y"].dropna().unique(), key=str)[-1]
        rates = (fit["y"] == positive).groupby(fit["g"]).mean()
        guess = test["g"].map(rates).fillna((fit["y"] == positive).mean())
        return float(roc_auc_score(test["y"] == positive, guess))
    modes = fit.groupby("g")["y"].agg(lambda v: v.value_counts().index[0])
    guess = test["g"].map(modes)
    return float((guess == test["y"]).mean())
