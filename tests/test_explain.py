"""Per-row explanations (``FitResult.explain``): each column's contribution to each prediction,
on real tables: they add up to the prediction, agree with the global importance, survive a
save, and each member kind takes its explainer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import automl
from automl._contract.specs import Task
from automl._judging.explain import background_rows, explain_model
from automl.errors import ConfigurationError


def test_contributions_add_up_to_the_probability_and_agree_with_the_importance(
        credit_fitted, tmp_path):
    result, saved, _, test = credit_fitted
    rows = test.head(30)
    found = result.explain(rows)
    assert list(found.contributions.columns) == [c.name for c in result.feature_schema.columns]
    assert found.contributions.index.equals(rows.index)
    assert found.explained_class == [result.classes[1]] * len(rows)
    probability = result.predict_proba(rows)[result.classes[1]].to_numpy()
    np.testing.assert_allclose(found.value, probability, atol=1e-9)
    np.testing.assert_allclose(found.base + found.contributions.sum(axis=1), found.value,
                               atol=1e-9)
    assert sum(found.methods.values()) == pytest.approx(1.0)

    # the columns the permutation importance ranks first carry the largest contributions,
    # and each pushes the prediction the way the column's values move it
    importance = result.evaluate(test, seed=0).importance.permutation
    top = [f for f in importance["feature"].head(3)]
    largest = set(found.summary()["feature"].head(6))
    assert set(top) <= largest, (top, largest)
    X = result.prepare(rows)
    for column in top:
        if not pd.api.types.is_numeric_dtype(X[column]) or X[column].nunique() < 3:
            continue
        with_contribution = np.corrcoef(X[column].fillna(X[column].median()),
                                        found.contributions[column])[0, 1]
        with_prediction = np.corrcoef(X[column].fillna(X[column].median()), probability)[0, 1]
        if abs(with_prediction) > 0.2:
            assert np.sign(with_contribution) == np.sign(with_prediction), column

    restored = automl.load(saved).explain(rows.head(3))
    np.testing.assert_allclose(restored.contributions.to_numpy(),
                               found.contributions.head(3).to_numpy(), atol=1e-9)
    bad = result.explain(rows.head(2), of_class=result.classes[0])
    np.testing.assert_allclose(bad.value, 1 - probability[:2], atol=1e-9)
    with pytest.raises(ConfigurationError, match="not one of the classes"):
        result.explain(rows.head(2), of_class="maybe")


def test_linear_and_tree_members_are_explained_exactly(concrete, split):
    train, test = split(concrete)
    result = automl.fit(train, "compressive_strength", models=["linear"], time_budget=3,
                        seed=0, verbose=0)
    found = result.explain(test.head(15))
    assert found.methods == {"linear (exact terms)": 1.0}
    predicted = result.predict(test.head(15))
    on_scale = np.log1p(predicted) if "log1p" in found.output else predicted
    np.testing.assert_allclose(found.value, on_scale, rtol=1e-6)
    np.testing.assert_allclose(found.base + found.contributions.sum(axis=1), found.value,
                               rtol=1e-6)
    # cement makes concrete strong: more of it, more strength
    cement = test.head(15)["cement"].to_numpy()
    assert np.corrcoef(cement, found.contributions["cement"])[0, 1] > 0.9

    # a forest behind a one-hot encoder: shap's tree explainer, levels summed into columns
    X = train.drop(columns="compressive_strength").assign(
        mix=np.where(train["water"] > train["water"].median(), "wet", "dry"))
    forest = Pipeline([("prep", ColumnTransformer([
        ("numeric", "passthrough", list(X.columns[:-1])),
        ("categorical", OneHotEncoder(sparse_output=False), ["mix"])])),
        ("model", RandomForestRegressor(n_estimators=30, random_state=0))])
    forest.fit(X, train["compressive_strength"])
    found = explain_model(forest, X.head(10), background_rows(X), Task.REGRESSION, None)
    assert found.methods == {"tree (shap TreeExplainer)": 1.0}
    assert list(found.contributions.columns) == list(X.columns)
    np.testing.assert_allclose(found.value, forest.predict(X.head(10)), rtol=1e-6)


def test_a_multiclass_row_is_explained_for_its_predicted_class(hpc, split):
    train, test = split(hpc, "class")
    result = automl.fit(train, "class", models=["random_forest"], time_budget=3, seed=0,
                        verbose=0)
    rows = test.head(8)
    found = result.explain(rows)
    assert found.explained_class == list(result.predict(rows))
    proba = result.predict_proba(rows).max(axis=1).to_numpy()
    np.testing.assert_allclose(found.value, proba, atol=1e-6)
    assert found.to_records()[0]["class"] == found.explained_class[0]


def test_the_background_shuffles_each_column_on_its_own(credit):
    background = background_rows(credit, seed=0, rows=50)
    assert list(background.columns) == list(credit.columns) and len(background) == 50
    for column in ("Income", "Home"):
        assert set(background[column].dropna()) <= set(credit[column].dropna())
    # no row is a training record: columns are not kept together
    joined = background.merge(credit.drop_duplicates(), how="inner")
    assert len(joined) < 5


def test_the_guides_example_runs(capsys):
    """The Python block of docs/guide/explain.md runs as written (with a shorter budget)."""
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "guide" / "explain.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    assert len(blocks) == 1
    exec(compile(blocks[0].replace("time_budget=10", "time_budget=4"), "explain.md", "exec"),
         {})
    out = capsys.readouterr().out
    assert "the probability of class 'good'" in out and "row 0: base" in out
