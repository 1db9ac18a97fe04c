"""Frames as users hand them over: pandas extension dtypes, boolean and integer targets,
time-zone-aware dates, object columns holding booleans, all through fit, save and load."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import automl


def _variants(df: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, str, set]]:
    flags = pd.Series(np.where(df.index % 3 == 0, True, False), dtype=object)
    flags[5] = None
    return {
        "bool target": (df.assign(Status=df["Status"].eq("good")), "Status", {True, False}),
        "int target": (df.assign(Status=df["Status"].eq("good").astype(int)), "Status", {0, 1}),
        "category and Int64": (df.astype({"Home": "category", "Seniority": "Int64",
                                          "Job": "string"}), "Status", {"good", "bad"}),
        "tz-aware dates": (df.assign(when=pd.date_range("2020-01-01", periods=len(df),
                                                        freq="h", tz="UTC")),
                           "Status", {"good", "bad"}),
        "object booleans": (df.assign(flag=flags), "Status", {"good", "bad"}),
    }


@pytest.mark.parametrize("case", ["bool target", "int target", "category and Int64",
                                  "tz-aware dates", "object booleans"])
def test_fit_save_load_predict(small_credit, tmp_path, case):
    df, target, labels = _variants(small_credit)[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = automl.fit(df, target, models=["linear", "hist_gradient_boosting"],
                            n_trials=3, validation="holdout", verbose=0)
    predicted = result.predict(df.head(20))
    assert set(predicted) <= labels
    loaded = automl.load(result.save(tmp_path / "m"))
    assert list(loaded.predict(df.head(20))) == list(predicted)
    assert list(loaded.predict_proba(df.head(2)).columns) == result.classes
