"""Task inference, column kinds, dropped columns, and dates and text turned into features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl
from automl._data.profile import column_kind, infer_task
from automl.errors import DataWarning


def test_task_inference():
    assert infer_task(pd.Series(["a", "b", "a"])) == "binary"
    assert infer_task(pd.Series([0, 1, 1, 0])) == "binary"
    assert infer_task(pd.Series(["a", "b", "c"])) == "multiclass"
    assert infer_task(pd.Series([1, 2, 3, 4, 5] * 4)) == "multiclass"
    assert infer_task(pd.Series(np.linspace(0, 1, 50))) == "regression"
    assert infer_task(pd.Series(range(100))) == "regression"


def test_column_kinds():
    n = 100
    assert column_kind(pd.Series(np.arange(n))) == "id"
    assert column_kind(pd.Series(np.random.default_rng(0).normal(size=n))) == "numeric"
    assert column_kind(pd.Series([1.5] * n)) == "constant"
    assert column_kind(pd.Series([True, False] * 50)) == "boolean"
    assert column_kind(pd.Series(["x", "y", None] * 33 + ["x"])) == "categorical"
    assert column_kind(pd.Series([f"user{i:04d}" for i in range(n)])) == "id"
    assert column_kind(pd.Series(pd.date_range("2020-01-01", periods=n))) == "datetime"
    assert column_kind(pd.Series([f"2021-03-{d % 28 + 1:02d} 10:{d % 60:02d}"
                                  for d in range(n)])) == "datetime"
    assert column_kind(pd.Series(["12", "7.5", None] * 33 + ["1"])) == "numeric"
    assert column_kind(pd.Series([f"the quick fox number {i} jumps" for i in range(n)])) == "text"


def test_dates_and_text_become_features_and_ids_are_dropped(credit):
    df = credit.sample(800, random_state=0).reset_index(drop=True)
    rng = np.random.default_rng(0)
    # a date whose month carries the signal, given as ISO text as a CSV would give it
    good = df["Status"].eq("good").to_numpy()
    months = np.where(good, rng.integers(1, 7, len(df)), rng.integers(7, 13, len(df)))
    df["applied"] = [f"2022-{m:02d}-{d:02d}" for m, d in zip(months, rng.integers(1, 28, len(df)),
                                                             strict=True)]
    df["note"] = np.where(good, "steady income and long history", "missed several payments lately")
    df["note"] = df["note"] + " case " + pd.Series(range(len(df))).astype(str)
    df["customer_id"] = np.arange(len(df))
    with pytest.warns(DataWarning, match="customer_id"):
        result = automl.fit(df, "Status", models=["linear"], n_trials=2, ensemble=False,
                            validation="holdout", verbose=0)
    kinds = {c.name: c.kind for c in result.feature_schema.columns}
    assert kinds["applied"] == "datetime" and kinds["note"] == "text"
    assert "customer_id" in result.dropped_columns and "customer_id" not in kinds
    assert result.valid_score > 0.99  # only reachable through the date's month or the text
    prep = result.pipeline.named_steps["prep"]
    names = list(prep.get_feature_names_out())
    assert "datetime__applied_month" in names
    assert any(n.startswith("text__") for n in names)
    assert len(result.predict(df.head())) == 5
