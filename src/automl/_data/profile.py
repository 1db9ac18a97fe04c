"""Profile: what the task is, and what kind each feature column is.

Kinds: numeric, boolean, categorical, datetime, text are used; constant and id-like columns are
dropped and reported (an id predicts nothing and memorises everything).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from automl._contract.specs import Task
from automl.errors import ConfigurationError, DataWarning

USED_KINDS = ("numeric", "boolean", "categorical", "datetime", "text")
MAX_CLASSES_FOR_INT_TARGET = 10
_DATE_RE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
                      r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$")
_BOOL_VALUES = {True, False}
#: why a column of each dropped kind cannot help a model
DROP_REASONS = {"constant": "constant (one value or all missing)",
                "id": "id-like (a distinct value on every row)"}


@dataclass
class ColumnProfile:
    """One feature column: its kind, missing count, distinct count and, for categorical
    columns, the categories seen (most frequent first)."""

    name: str
    kind: str
    dtype: str
    n_missing: int
    n_unique: int
    categories: list[str] | None = None


@dataclass
class Profile:
    """The task, the target, the feature columns by kind and the columns dropped (name ->
    reason)."""

    task: Task
    target: str
    n_rows: int
    columns: list[ColumnProfile]
    dropped: dict[str, str] = field(default_factory=dict)
    classes: list | None = None

    def names(self, kind: str) -> list[str]:
        """Names of the used columns of ``kind``."""
        return [c.name for c in self.columns if c.kind == kind]

    def without(self, kinds: list[str], reason: str) -> Profile:
        """This profile with the columns of ``kinds`` moved to ``dropped`` (``reason`` is
        formatted with ``{kind}``)."""
        kept = [c for c in self.columns if c.kind not in kinds]
        dropped = {**self.dropped, **{c.name: reason.format(kind=c.kind)
                                      for c in self.columns if c.kind in kinds}}
        return Profile(self.task, self.target, self.n_rows, kept, dropped, self.classes)

    @property
    def features(self) -> list[str]:
        """Names of every used feature column, in the frame's order."""
        return [c.name for c in self.columns]


def encode_target(y: pd.Series, classes: list | None) -> np.ndarray:
    """The target as the search sees it: indices into ``classes`` (classification), or floats
    (``classes`` None). Labels outside ``classes`` become -1; callers check for them first."""
    if classes is None:
        return y.to_numpy(dtype=float)
    index = {c: i for i, c in enumerate(classes)}
    return y.map(index).fillna(-1).to_numpy(dtype=int)


def infer_task(y: pd.Series) -> Task:
    """Binary for two distinct values, multiclass for labels (or a few integer values),
    regression for other numbers."""
    y = y.dropna()
    n_unique = y.nunique()
    if n_unique == 2:
        return Task.BINARY
    if pd.api.types.is_bool_dtype(y) or not pd.api.types.is_numeric_dtype(y):
        return Task.MULTICLASS
    values = y.to_numpy(dtype=float)
    if np.all(np.mod(values, 1) == 0) and n_unique <= MAX_CLASSES_FOR_INT_TARGET:
        return Task.MULTICLASS
    return Task.REGRESSION


def resolve_task(y: pd.Series, task: str | Task | None) -> Task:
    """The task named by the user (checked), or the inferred one."""
    if task is None:
        return infer_task(y)
    try:
        return Task(str(task).lower())
    except ValueError:
        raise ConfigurationError(f"task={task!r} is not a task; use one of "
                                 f"{[t.value for t in Task]} or None to infer it") from None


def _as_numbers(s: pd.Series) -> pd.Series | None:
    values = s.dropna()
    # a first few rows that are not all numbers settle it without converting every row
    if pd.to_numeric(values.head(1000), errors="coerce").isna().any():
        return None
    converted = pd.to_numeric(values, errors="coerce")
    return converted if converted.notna().all() and len(values) else None


def _looks_like_dates(s: pd.Series) -> bool:
    sample = s.dropna().astype(str).head(500)
    if sample.empty or not sample.map(lambda v: bool(_DATE_RE.match(v))).mean() >= 0.95:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.95)


def column_kind(s: pd.Series) -> str:
    """The kind of one feature column (see the module docstring)."""
    non_null = s.dropna()
    uniques = non_null.unique()
    n_unique = len(uniques)
    if n_unique <= 1:
        return "constant"
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s):
        if (pd.api.types.is_integer_dtype(s) and n_unique == len(s) and len(s) >= 20
                and (s.is_monotonic_increasing or s.is_monotonic_decreasing)):
            return "id"
        return "numeric"
    if set(uniques) <= _BOOL_VALUES:
        return "boolean"
    if _as_numbers(s) is not None:
        return "numeric"
    if _looks_like_dates(s):
        return "datetime"
    ratio = n_unique / max(len(non_null), 1)
    # words counted only where the levels are many: splitting every row costs seconds on a
    # large table
    if ratio > 0.5 and non_null.astype(str).str.split().str.len().mean() >= 3:
        return "text"
    if ratio > 0.95 and len(non_null) >= 20:
        return "id"
    return "categorical"


def warn_dropped(dropped: dict[str, str], stacklevel: int) -> None:
    """One :class:`DataWarning` naming the dropped columns (name -> why), if there are any."""
    if dropped:
        listed = ", ".join(f"{n!r} ({why})" for n, why in dropped.items())
        warnings.warn(f"dropped {len(dropped)} column(s) that cannot help a model: {listed}",
                      DataWarning, stacklevel=stacklevel + 1)


def profile_frame(df: pd.DataFrame, target: str, task: Task) -> Profile:
    """Profile the features of a checked training frame and report dropped columns."""
    columns, dropped = [], {}
    for name in df.columns:
        if name == target:
            continue
        s = df[name]
        kind = column_kind(s)
        if kind in DROP_REASONS:
            dropped[name] = DROP_REASONS[kind]
            continue
        categories = None
        if kind == "categorical":
            categories = [str(v) for v in s.dropna().astype(str).value_counts().index]
        columns.append(ColumnProfile(name, kind, str(s.dtype), int(s.isna().sum()),
                                     int(s.nunique()), categories))
    warn_dropped(dropped, stacklevel=3)
    classes = None
    if task.is_classification:
        classes = sorted(df[target].dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    return Profile(task, target, len(df), columns, dropped, classes)
