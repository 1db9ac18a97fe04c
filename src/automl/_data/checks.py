"""The training input contract: every problem with a training frame, found at once.

Structural problems (not a DataFrame, duplicate names, no target) are found first; the
column-level checks then run as one lazy pandera schema so all failures are reported together.
"""

from __future__ import annotations

import difflib
import warnings

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from automl._contract.specs import Task
from automl._data.profile import resolve_task
from automl.errors import DataValidationError, DataWarning, Failure

MIN_ROWS = 20
MIN_ROWS_PER_CLASS = 2
_CONTEXT = "training data"


def check_training_data(df: object, target: str, task: str | Task | None) -> tuple[
        pd.DataFrame, Task]:
    """Check a training frame and return it without the rows whose target is missing (with a
    warning that says how many), and the task. Raises :class:`DataValidationError` with every
    failed check."""
    failures = _structure(df, target)
    if failures:
        raise DataValidationError(failures, _CONTEXT)
    assert isinstance(df, pd.DataFrame)
    y = df[target]
    if y.isna().all():
        raise DataValidationError([Failure(target, "target is missing on every row")], _CONTEXT)
    task = resolve_task(y, task)
    try:
        _contract(df, target, task).validate(df, lazy=True)
    except SchemaErrors as exc:
        failures = _failures(exc.failure_cases)
    if task is Task.REGRESSION and not pd.api.types.is_numeric_dtype(y):
        failures.append(Failure(target, "task='regression' needs a numeric target",
                                str(y.dtype)))
    if failures:
        raise DataValidationError(failures, _CONTEXT)
    n_missing = int(y.isna().sum())
    if n_missing:
        warnings.warn(f"dropped {n_missing} row(s) whose target {target!r} is missing "
                      f"({len(df) - n_missing} rows left)", DataWarning, stacklevel=3)
        df = df[y.notna()]
    return df.reset_index(drop=True), task


def _structure(df: object, target: str) -> list[Failure]:
    if not isinstance(df, pd.DataFrame):
        return [Failure(None, "not a pandas DataFrame", type(df).__name__)]
    failures = []
    dupes = df.columns[df.columns.duplicated()]
    failures += [Failure(str(c), "duplicate column name") for c in dict.fromkeys(dupes)]
    if df.shape[0] == 0 or df.shape[1] == 0:
        failures.append(Failure(None, "empty frame", f"{df.shape[0]} rows x {df.shape[1]} columns"))
    if target not in df.columns:
        close = difflib.get_close_matches(str(target), [str(c) for c in df.columns], n=3)
        hint = f"did you mean {close}?" if close else f"columns are {list(df.columns)[:10]}"
        failures.append(Failure(str(target), "target column missing", hint))
    elif df.shape[1] == 1:
        failures.append(Failure(None, "no feature columns besides the target"))
    return failures


def _contract(df: pd.DataFrame, target: str, task: Task) -> pa.DataFrameSchema:
    """The column-level checks as one pandera schema, built for this frame's columns."""
    target_checks = [
        pa.Check(lambda s: s.dropna().nunique() > 1, element_wise=False,
                 name="target is constant: it has one distinct value"),
    ]
    if task.is_classification:
        target_checks.append(pa.Check(
            lambda s: ~s.isin(_rare_classes(s)), element_wise=False,
            name=f"class with fewer than {MIN_ROWS_PER_CLASS} rows"))
    columns = {target: pa.Column(checks=target_checks, nullable=True)}
    for name in df.columns:
        if name != target and pd.api.types.is_numeric_dtype(df[name]) \
                and not pd.api.types.is_bool_dtype(df[name]):
            columns[name] = pa.Column(checks=[pa.Check(
                lambda s: ~np.isinf(s.astype(float)), element_wise=False,
                name="infinite values")], nullable=True)
    rows_check = pa.Check(lambda d: d[target].notna().sum() >= MIN_ROWS, element_wise=False,
                          name=f"too few rows: at least {MIN_ROWS} with a target are needed")
    return pa.DataFrameSchema(columns, checks=[rows_check])


def _rare_classes(s: pd.Series) -> list:
    counts = s.value_counts()
    return counts[counts < MIN_ROWS_PER_CLASS].index.tolist()


def _failures(cases: pd.DataFrame) -> list[Failure]:
    grouped: dict[tuple, list] = {}
    for row in cases.itertuples(index=False):
        column = None if row.column is None or pd.isna(row.column) else str(row.column)
        grouped.setdefault((column, str(row.check)), []).append(row.failure_case)
    failures = []
    for (column, check), values in grouped.items():
        values = [v for v in values if v is not None and not isinstance(v, bool | np.bool_)
                  and not (isinstance(v, float) and np.isnan(v))]
        if check.startswith("too few rows"):
            values = []
        shown = values[0] if len(values) == 1 else (f"{len(values)} values, e.g. {values[:3]}"
                                                     if values else None)
        failures.append(Failure(column, check, shown))
    return failures
