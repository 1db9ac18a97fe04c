"""Cleaning steps for values in the wrong format: sentinel missing values, numbers and
booleans stored as text, and one category spelled several ways. Each learns from the training
features which columns need it and applies the same conversion to every frame it is given.
Dates are in :mod:`automl._builtins.dates`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from automl._cleaning.steps import CleaningStep

#: text that means "no value", compared stripped and case-folded
TEXT_SENTINELS = frozenset({"", "na", "n/a", "n.a.", "nan", "none", "null", "nil", "?", "-",
                            "--", "missing", "#n/a", "unknown?"})
#: numbers data-entry systems use for "no value"; replaced only where they stand out
NUMERIC_SENTINELS = (-1, -9, -99, -999, -9999, -99999, 99, 999, 9999, 99999, 999999, 9999999)
#: a column is converted when at least this share of its non-missing values can be read
READABLE_SHARE = 0.95
#: categorical columns with more levels than this are left to the text and id checks
MAX_LEVELS = 1000
_TRUE = frozenset({"yes", "y", "true", "t"})
_FALSE = frozenset({"no", "n", "false", "f"})
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_CURRENCY = re.compile(r"[\s$€£¥]")


def text_columns(df: pd.DataFrame) -> list[str]:
    """The columns holding text (object or string dtype)."""
    return [c for c, dtype in df.dtypes.items()
            if dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype)]


def _folded(s: pd.Series) -> pd.Series:
    """Text values stripped and case-folded (other values as they are)."""
    return s.map(lambda v: v.strip().casefold() if isinstance(v, str) else v)


def is_sentinel(value: object) -> bool:
    """True for text that means "no value" (see :data:`TEXT_SENTINELS`)."""
    return isinstance(value, str) and value.strip().casefold() in TEXT_SENTINELS


def replaced(df: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """``df`` with the given columns replaced (a shallow copy; ``df`` itself is untouched)."""
    if not columns:
        return df
    out = df.copy(deep=False)
    for c, values in columns.items():
        out[c] = values
    return out


class MissingSentinels(CleaningStep):
    """Text sentinels ("NA", "?", "-", "null", ...) become missing in every text column, and
    numeric sentinels (-999, 9999, ...) in the numeric columns where they stand out: repeated,
    and far outside the range of the column's other values."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> MissingSentinels:
        for c in text_columns(df):
            hits = _sentinels_in(df[c])
            if hits:
                found = df[c].isin(hits)
                shown = sorted(repr(v) for v in hits)[:4]
                self.note("missing", c, f"{int(found.sum())} sentinel value(s) "
                          f"{', '.join(shown)} read as missing", int(found.sum()))
        self.numeric_ = {}
        for c in df.columns:
            s = df[c]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                found = [v for v in NUMERIC_SENTINELS if _stands_out(s, v)]
                if found:
                    self.numeric_[c] = found
                    n = int(s.isin(found).sum())
                    self.note("missing", c, f"{n} value(s) equal to {found} stand far outside "
                              f"the other values and are read as missing", n)
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        changed = {}
        for c in text_columns(df):
            hits = _sentinels_in(df[c])
            if hits:
                changed[c] = df[c].where(~df[c].isin(hits), np.nan)
        for c, values in self.numeric_.items():
            if c in df.columns and pd.api.types.is_numeric_dtype(df[c]) \
                    and df[c].isin(values).any():
                changed[c] = df[c].where(~df[c].isin(values), np.nan)
        return replaced(df, changed)


def _sentinels_in(s: pd.Series) -> list:
    """The distinct values of ``s`` that are text sentinels."""
    # distinct values only: a column has few, and a served request one
    return [v for v in pd.unique(s.to_numpy(dtype=object)) if is_sentinel(v)]


def _stands_out(s: pd.Series, value: float) -> bool:
    """``value`` is repeated, lies outside the range of the column's other values, and far
    from their middle: more than ten interquartile ranges beyond the quartiles, or below zero
    in a column of otherwise non-negative numbers (-99 and beyond)."""
    hits = int((s == value).sum())
    if hits < max(2, 0.001 * len(s)):
        return False
    rest = s[(s != value) & s.notna()].astype(float)
    if len(rest) < 10 or rest.min() <= value <= rest.max():
        return False
    p10, q1, q3, p90 = np.percentile(rest, [10, 25, 75, 90])
    spread = (q3 - q1) or (p90 - p10) or (rest.max() - rest.min())
    far = value < q1 - 10 * spread or value > q3 + 10 * spread
    return bool(far or (value <= -99 and rest.min() >= 0))


def read_numbers(s: pd.Series) -> pd.Series:
    """Text such as "1,234", "$5.00", "12%" and " 7 " as floats ("12%" is 0.12); other values
    as NaN. Numbers pass through."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    text = s.map(lambda v: v if isinstance(v, str) else (str(v) if isinstance(
        v, int | float | np.number) and not isinstance(v, bool) else None))
    stripped = text.str.replace(_CURRENCY, "", regex=True)
    grouped = stripped.str.match(_THOUSANDS, na=False)
    stripped = stripped.where(~grouped, stripped.str.replace(",", "", regex=False))
    percent = stripped.str.endswith("%", na=False)
    stripped = stripped.where(~percent, stripped.str.rstrip("%"))
    numbers = pd.to_numeric(stripped, errors="coerce").astype(float)
    return numbers.where(~percent, numbers / 100)


class TextNumbers(CleaningStep):
    """Text columns whose values are nearly all numbers written as text ("1,234", "$5.00",
    "12%", " 7 ") become numeric; the few values that cannot be read become missing."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> TextNumbers:
        self.columns_ = []
        for c in text_columns(df):
            present = df[c].notna()
            counts = df[c][present].value_counts()
            if counts.empty or read_numbers(pd.Series(counts.index[:50])).isna().mean() > 0.5:
                continue  # most common values are not numbers: not a numeric column
            numbers = read_numbers(df[c][present])
            readable = numbers.notna().mean()
            if readable >= READABLE_SHARE:
                self.columns_.append(c)
                first = numbers.first_valid_index()
                bad = int(numbers.isna().sum())
                self.note("converted", c, f"numbers stored as text made numeric (e.g. "
                          f"{df[c][first]!r} -> {numbers[first]:g})"
                          + (f"; {bad} unreadable value(s) made missing" if bad else ""),
                          int(present.sum()))
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return replaced(df, {c: read_numbers(df[c]) for c in self.columns_ if c in df.columns})


def read_booleans(s: pd.Series) -> pd.Series:
    """yes/no, y/n, true/false, t/f (any case, any spaces) as True/False; anything else
    (missing included) as NaN, in an object column."""
    def read(v: object) -> object:
        if isinstance(v, str):
            v = v.strip().casefold()
            return True if v in _TRUE else False if v in _FALSE else np.nan
        return bool(v) if isinstance(v, bool | np.bool_) else np.nan

    values = [read(v) for v in s.to_numpy(dtype=object)]
    return pd.Series(np.asarray(values, dtype=object), index=s.index, dtype=object)


class TextBooleans(CleaningStep):
    """Text columns holding only yes/no, Y/N, true/false (in any case) become booleans."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> TextBooleans:
        self.columns_ = []
        for c in text_columns(df):
            values = df[c].dropna()
            folded = set(_folded(pd.Series(values.unique(), dtype=object)))
            if values.empty or not folded <= (_TRUE | _FALSE) or not folded & _TRUE \
                    or not folded & _FALSE:
                continue
            self.columns_.append(c)
            spellings = sorted({str(v) for v in values.unique()})
            shown = ", ".join(repr(v) for v in spellings[:8])
            self.note("converted", c, f"yes/no text made boolean ({shown})", len(values))
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return replaced(df, {c: read_booleans(df[c]) for c in self.columns_
                             if c in df.columns and not pd.api.types.is_bool_dtype(df[c])})


def spelling_key(value: object) -> object:
    """The form two spellings of one category share: inner spaces collapsed, case-folded."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


class CategorySpelling(CleaningStep):
    """Category labels that differ only by case or spaces ("Yes", "yes ", " YES") are merged
    into the most frequent spelling, and a new spelling of a known category met at predict time
    is read as that category."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> CategorySpelling:
        self.canonical_: dict[str, dict] = {}
        self.known_: dict[str, frozenset] = {}
        for c in text_columns(df):
            counts = df[c].dropna().value_counts()
            if counts.empty or len(counts) > MAX_LEVELS:
                continue
            canonical: dict = {}
            for value in counts.index:  # most frequent first: it names the category
                canonical.setdefault(spelling_key(value), value)
            self.canonical_[c] = canonical
            self.known_[c] = frozenset(canonical.values())
            merged = [v for v in counts.index if canonical[spelling_key(v)] != v]
            if merged:
                n = int(counts[merged].sum())
                groups = len({spelling_key(v) for v in merged})
                self.note("normalised", c, f"{len(merged)} spelling variant(s) of {groups} "
                          f"categor{'y' if groups == 1 else 'ies'} merged (e.g. "
                          f"{merged[0]!r} -> {canonical[spelling_key(merged[0])]!r})", n)
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        changed = {}
        for c, canonical in self.canonical_.items():
            if c not in df.columns:
                continue
            known = self.known_[c]
            renames = {v: canonical[k] for v in pd.unique(df[c].to_numpy(dtype=object))
                       if v not in known and isinstance(v, str)
                       and (k := spelling_key(v)) in canonical}
            if renames:
                changed[c] = df[c].replace(renames)
        return replaced(df, changed)
