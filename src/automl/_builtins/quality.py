"""Cleaning steps that look at the values themselves: missing values (how many, where missing
carries signal, rows missing most fields) and outliers (reported, possible typos named, and
clipping offered to the search as a per-trial choice)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from automl._cleaning.steps import CleaningStep
from automl._contract.specs import ModelSpec, SearchChoice

#: a row missing more than this share of its fields is reported
MOSTLY_MISSING = 0.5
#: missingness "carries signal" when the target differs between rows with and without a value
#: at this significance
SIGNAL_P_VALUE = 0.001
#: Tukey's far-out fences: values beyond Q1 - k * IQR or Q3 + k * IQR
FENCE_IQR = 3.0
#: this many far-out values at most (3, or this share of rows when more) look like typos, not a
#: long tail
TYPO_MAX_VALUES, TYPO_MAX_SHARE = 10, 0.001


class MissingValues(CleaningStep):
    """Reports the missing values per column and the rows missing most fields, and adds a
    missing-indicator column (``<column>_missing``, true where the value is missing) for each
    numeric column whose missingness carries signal about the target. Imputation is the
    preprocessors' part (the median for numbers; categories keep "missing" as a level of their
    own, which carries the signal by itself)."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> MissingValues:
        missing = df.isna()
        self.indicators_: dict[str, str] = {}
        for c in df.columns[missing.any().to_numpy()]:
            n = int(missing[c].sum())
            signal = _missingness_signal(missing[c], y, self.context.task.is_classification)
            numeric = pd.api.types.is_numeric_dtype(df[c])
            if signal and numeric:
                self.indicators_[c] = _free_name(f"{c}_missing", df.columns)
                how = (f"missing carries signal about the target (p < {SIGNAL_P_VALUE}): "
                       f"indicator column {self.indicators_[c]!r} added, values imputed")
            else:
                how = "imputed" if numeric else "kept as a level of its own"
            self.note("missing", c, f"{n} missing value(s) ({n / len(df):.1%}); {how}", n)
        for c, name in self.indicators_.items():
            self.note("created", name, f"true where {c!r} is missing")
        mostly = int((missing.mean(axis=1) > MOSTLY_MISSING).sum())
        if mostly:
            self.note("flagged", None, f"{mostly} row(s) miss more than "
                      f"{MOSTLY_MISSING:.0%} of their fields; check how they were collected",
                      mostly)
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        if not self.indicators_:
            return df
        out = df.copy(deep=False)
        for c, name in self.indicators_.items():
            if c in out.columns:
                out[name] = out[c].isna()
        return out


def _free_name(name: str, taken: pd.Index) -> str:
    while name in taken:
        name += "_"
    return name


def _missingness_signal(is_missing: pd.Series, y: pd.Series, classification: bool) -> bool:
    from scipy import stats

    if is_missing.mean() < 0.01 or is_missing.mean() > 0.99:
        return False
    if classification:
        table = pd.crosstab(is_missing, y)
        if table.shape[1] < 2:
            return False
        return bool(stats.chi2_contingency(table)[1] < SIGNAL_P_VALUE)
    values = y.astype(float)
    return bool(stats.mannwhitneyu(values[is_missing], values[~is_missing])[1]
                < SIGNAL_P_VALUE)


def far_out_fences(s: pd.Series) -> tuple[float, float]:
    """Tukey's far-out fences of a numeric column: Q1 - 3 IQR and Q3 + 3 IQR. Where half the
    values are one number (IQR 0, as in a mostly-zero debt) the 10-90 % range stands in for
    the IQR, and infinite fences where that too is 0: nothing is an outlier of a constant."""
    p10, q1, q3, p90 = np.nanpercentile(s.astype(float), [10, 25, 75, 90])
    spread = (q3 - q1) or (p90 - p10)
    if spread == 0:
        return -np.inf, np.inf
    return float(q1 - FENCE_IQR * spread), float(q3 + FENCE_IQR * spread)


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns of numbers (not booleans) with more than a handful of distinct values."""
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c]) and df[c].nunique() > 10]


class Outliers(CleaningStep):
    """Finds values beyond the far-out fences in each numeric column and names the possible
    typos among them (an age of 200): all of them when there are only a few, else those that
    stand alone at the extreme, at least twice as far from the median as every other value.
    The rest of the far values are reported as a long tail. For columns with possible typos,
    clipping them to the range of the other values is offered to the search ("prep.outliers":
    keep or clip) for the models whose inputs are standardised: trees split on ranks and are
    not moved by a far value. A long tail is information, not a mistake, and is never clipped
    (on the benchmark tables, offering that cost accuracy)."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> Outliers:
        self.bounds_: dict[str, tuple[float, float]] = {}
        for c in numeric_columns(df):
            low, high = far_out_fences(df[c])
            values = df[c].astype(float)
            far = values[(values < low) | (values > high)]
            if far.empty:
                continue
            typos = far if len(far) <= min(TYPO_MAX_VALUES, max(3, TYPO_MAX_SHARE * len(df))) \
                else _isolated(values, far)
            tail = len(far) - len(typos)
            if len(typos):
                rest = values.drop(typos.index)
                self.bounds_[c] = (float(rest.min()), float(rest.max()))
                shown = ", ".join(f"{v:g}" for v in sorted(typos.unique())[:5])
                self.note("flagged", c, f"possible typo(s): {shown}, far outside the usual "
                          f"range [{low:g}, {high:g}]", len(typos))
            if tail:
                self.note("outliers", c, f"{tail} value(s) beyond [{low:g}, {high:g}] "
                          f"(a long tail)", tail)
        return self

    def search_choices(self) -> list[SearchChoice]:
        if not self.bounds_:
            return []
        return [SearchChoice("outliers", ("keep", "clip"), applies=_standardised,
                             step=self._clip_step)]

    def _clip_step(self, option: str) -> FenceClip | None:
        return FenceClip(dict(self.bounds_)) if option == "clip" else None


def _isolated(values: pd.Series, far: pd.Series) -> pd.Series:
    """The far values that stand alone at the extreme: the most distant few (at most
    TYPO_MAX_VALUES), each at least twice as far from the median as the next one in."""
    distance = (values - values.median()).abs()
    ranked = distance.sort_values(ascending=False)
    top = ranked.to_numpy()[:TYPO_MAX_VALUES + 1]
    for i in range(min(TYPO_MAX_VALUES, len(top) - 1)):
        if top[i + 1] > 0 and top[i] >= 2 * top[i + 1]:
            return far.loc[far.index.intersection(ranked.index[:i + 1])]
    return far.iloc[:0]


def _standardised(spec: ModelSpec) -> bool:
    return spec.needs_scaling and not spec.raw_input


class FenceClip(TransformerMixin, BaseEstimator):
    """Clips numeric columns of a DataFrame to fixed bounds (column -> (low, high)), those the
    outliers step learnt from the training table; ``clipped_`` counts the values clipped in the
    rows it is fitted on, and ``fences_`` holds the bounds."""

    def __init__(self, bounds: dict[str, tuple[float, float]]) -> None:
        self.bounds = bounds

    def fit(self, X: pd.DataFrame, y: object = None) -> FenceClip:
        self.fences_ = {c: b for c, b in self.bounds.items() if c in X.columns}
        self.clipped_ = {c: int(((X[c] < low) | (X[c] > high)).sum())
                         for c, (low, high) in self.fences_.items()}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy(deep=False)
        for c, (low, high) in self.fences_.items():
            if c in out.columns:
                out[c] = out[c].clip(low, high)
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(input_features if input_features is not None else [], dtype=object)
