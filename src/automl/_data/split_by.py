"""What the user says the rows must be split by: ``fit(groups=...)`` or
``fit(time_column=...)``.

Random splits let repeated customers, patients or stores sit on both sides of a fold, and let
rows with a time order be validated on their own past: the held-out score then flatters the
model. A group column keeps every group on one side of every split (it is an identifier, not a
feature, and is removed from the features, as AutoGluon's ``groups`` is); a time column puts the
held-out rows after every training row (it stays a feature: its date parts are per-row values
that never look ahead). :func:`automl._data.split.make_validation` makes the folds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from automl.errors import ConfigurationError

__all__ = ["SplitBy", "split_by"]


@dataclass(frozen=True)
class SplitBy:
    """The column the rows are split by and its value on each row: ``kind`` "groups" (any
    hashable labels) or "time" (values that sort in time order: numbers or datetimes)."""

    kind: str
    column: str
    values: np.ndarray

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        if self.kind == "groups":
            return f"grouped by {self.column!r} ({len(pd.unique(self.values))} groups)"
        return f"in time order of {self.column!r}, validated on later rows only"


def split_by(df: pd.DataFrame, target: str, groups: str | None,
             time_column: str | None) -> SplitBy | None:
    """The split column the fit names, checked against the checked training frame ``df``:
    None where it names none. Raises :class:`~automl.errors.ConfigurationError` for a column
    that is missing, is the target, has missing values, has a single value, or (time) does not
    read as numbers or dates; naming both is refused too (groups and time order together
    would need a split that is both, which no peer offers either)."""
    if groups is not None and time_column is not None:
        raise ConfigurationError("groups= and time_column= cannot be combined: give one")
    named = groups if groups is not None else time_column
    if named is None:
        return None
    argument = "groups" if groups is not None else "time_column"
    if not isinstance(named, str) or named not in df.columns or named == target:
        raise ConfigurationError(f"{argument}={named!r}: give the name of a column of the "
                                 f"training data other than the target")
    column = df[named]
    if column.isna().any():
        raise ConfigurationError(f"{argument}={named!r}: {int(column.isna().sum())} row(s) have "
                                 f"no value; every row needs one to be placed in a split")
    if column.nunique() < 2:
        raise ConfigurationError(f"{argument}={named!r}: the column has a single value, so "
                                 f"nothing can be held out")
    if groups is not None:
        return SplitBy("groups", named, column.astype(str).to_numpy())
    return SplitBy("time", named, _times(column, named))


def _times(column: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=float)
    try:  # dates with and without zones compare as UTC
        parsed = pd.to_datetime(column, format="mixed", utc=True).dt.tz_localize(None)
    except (ValueError, TypeError):
        raise ConfigurationError(f"time_column={name!r}: its values do not read as dates or "
                                 f"numbers (e.g. {column.iloc[0]!r})") from None
    return parsed.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
