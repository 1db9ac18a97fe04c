"""The training input contract: every bad input raises DataValidationError naming the column
and the problem, all problems at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl
from automl.errors import DataValidationError, DataWarning


def _fails(df, target="Status", **kwargs) -> list[tuple]:
    with pytest.raises(DataValidationError) as info:
        automl.fit(df, target, verbose=0, n_trials=1, **kwargs)
    return [(f.column, f.check, f.value) for f in info.value.failures]


def _checks(failures) -> dict:
    return {(column, check.split(":")[0]) for column, check, _ in failures}


def test_not_a_dataframe():
    assert _fails([[1, 2], [3, 4]]) == [(None, "not a pandas DataFrame", "list")]


def test_empty_frame():
    assert (None, "empty frame") in _checks(_fails(pd.DataFrame({"Status": []})))


def test_target_missing_suggests_the_close_name(small_credit):
    failures = _fails(small_credit, target="status")
    assert failures[0][:2] == ("status", "target column missing")
    assert "Status" in failures[0][2]


def test_target_all_missing(small_credit):
    df = small_credit.assign(Status=np.nan)
    assert _fails(df)[0][:2] == ("Status", "target is missing on every row")


def test_target_constant(small_credit):
    assert ("Status", "target is constant") in _checks(_fails(small_credit.assign(Status="good")))


def test_class_with_one_row(small_credit):
    df = small_credit.copy()
    df.loc[0, "Status"] = "unknown"
    failures = _fails(df)
    assert ("Status", "class with fewer than 2 rows", "unknown") in failures


def test_duplicate_column_names(small_credit):
    df = small_credit.copy()
    df.columns = ["Status", "Seniority", "Home", "Time", "Age", "Age", *df.columns[6:]]
    assert ("Age", "duplicate column name") in _checks(_fails(df))


def test_infinite_values_name_the_column(small_credit):
    df = small_credit.copy()
    df.loc[[3, 7], "Income"] = np.inf
    assert ("Income", "infinite values") in _checks(_fails(df))


def test_too_few_rows(small_credit):
    failures = _fails(small_credit.head(12))
    assert any(check.startswith("too few rows") for _, check, _ in failures)


def test_every_problem_at_once(small_credit):
    df = small_credit.head(15).copy()
    df.loc[2, "Income"] = -np.inf
    df.loc[3, "Status"] = "rare"
    checks = _checks(_fails(df))
    assert ("Income", "infinite values") in checks
    assert ("Status", "class with fewer than 2 rows") in checks
    assert (None, "too few rows") in checks


def test_regression_on_a_text_target_is_refused(small_credit):
    failures = _fails(small_credit, task="regression")
    assert ("Status", "task='regression' needs a numeric target") in _checks(failures)


def test_message_lists_each_failure(small_credit):
    df = small_credit.copy()
    df.loc[1, "Assets"] = np.inf
    with pytest.raises(DataValidationError, match=r"column 'Assets': infinite values"):
        automl.fit(df, "Status", verbose=0)


def test_rows_with_missing_target_are_dropped_with_a_warning(small_credit):
    df = small_credit.copy()
    df.loc[:4, "Status"] = None
    with pytest.warns(DataWarning, match=r"dropped 5 row\(s\) whose target 'Status' is missing"):
        result = automl.fit(df, "Status", models=["linear"], n_trials=1, verbose=0)
    assert result.classes == ["bad", "good"]


def test_bad_arguments_say_what_to_give(small_credit):
    with pytest.raises(automl.errors.ConfigurationError, match="time_budget"):
        automl.fit(small_credit, "Status", time_budget=0)
    with pytest.raises(automl.errors.ConfigurationError, match="roc_auc"):
        automl.fit(small_credit, "Status", metric="rmse", verbose=0)
    with pytest.raises(automl.errors.ConfigurationError, match="task="):
        automl.fit(small_credit, "Status", task="ranking", verbose=0)
