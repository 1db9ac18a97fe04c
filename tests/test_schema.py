"""The schema inferred at fit time and enforced at predict time."""

from __future__ import annotations

import pandas as pd
import pytest

import automl
from automl.errors import DataValidationError, DataWarning


@pytest.fixture(scope="module")
def model(credit):
    sample = credit.sample(600, random_state=2).reset_index(drop=True)
    return automl.fit(sample, "Status", models=["linear", "random_forest"], n_trials=2,
                      verbose=0)


def _failures(model, df) -> list[tuple]:
    with pytest.raises(DataValidationError) as info:
        model.predict(df)
    return [(f.column, f.check.split(":")[0]) for f in info.value.failures]


def test_schema_records_names_kinds_and_categories(model):
    columns = {c.name: c for c in model.feature_schema.columns}
    assert columns["Income"].kind == "numeric" and columns["Income"].nullable
    assert columns["Home"].kind == "categorical"
    assert {"rent", "owner"} <= set(columns["Home"].categories)
    assert set(model.schema.columns) == set(columns)  # a pandera DataFrameSchema


def test_target_column_may_be_present_at_predict(model, credit):
    assert len(model.predict(credit.head(3))) == 3
    assert len(model.predict(credit.drop(columns="Status").head(3))) == 3


def test_missing_column_is_named(model, credit):
    assert _failures(model, credit.drop(columns=["Income"]).head()) == [
        ("Income", "missing column")]


def test_extra_column_is_named(model, credit):
    assert _failures(model, credit.head().assign(Colour="red")) == [
        ("Colour", "unexpected column")]


def test_wrong_type_is_named(model, credit):
    df = credit.head().astype({"Age": object})
    df.loc[1, "Age"] = "forty"
    assert ("Age", "wrong type") in _failures(model, df)


def test_all_problems_at_once(model, credit):
    df = credit.head().drop(columns=["Job"]).assign(Colour="red").astype({"Age": object})
    df.loc[0, "Age"] = "old"
    assert set(_failures(model, df)) == {("Job", "missing column"),
                                         ("Colour", "unexpected column"), ("Age", "wrong type")}


def test_unseen_category_is_handled_with_a_warning(model, credit):
    df = credit.head(4).copy()
    df.loc[0, "Home"] = "castle"
    with pytest.warns(DataWarning, match="castle"):
        predicted = model.predict(df)
    assert len(predicted) == 4
    assert model.predict_proba(df).shape == (4, 2)


def test_numbers_as_text_are_coerced(model, credit):
    df = credit.head(3).astype({"Age": str})
    assert list(model.predict(df)) == list(model.predict(credit.head(3)))


def test_not_a_dataframe_is_refused(model):
    with pytest.raises(DataValidationError, match="not a pandas DataFrame"):
        model.predict([{"Age": 3}])


def test_schema_survives_save_and_load(model, credit, tmp_path):
    model.save(tmp_path / "m")
    loaded = automl.load(tmp_path / "m")
    assert loaded.feature_schema == model.feature_schema
    assert (tmp_path / "m" / "schema.yaml").read_text().startswith("schema_type: dataframe")
    with pytest.raises(DataValidationError, match="Income"):
        loaded.predict(credit.drop(columns=["Income"]).head())
    pd.testing.assert_frame_equal(loaded.predict_proba(credit.head()),
                                  model.predict_proba(credit.head()))
