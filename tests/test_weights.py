"""Row weights (``fit(sample_weight=...)``): the models that take weights are fitted with them,
the trials and the ensemble are scored with them, and the weighted fit does better where the
weights say the rows count."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

import automl
from automl.errors import ConfigurationError


@pytest.fixture(scope="module")
def costly(credit, split):
    """modeldata/credit_data with a lender's cost per row: granting a bad credit costs five
    times what refusing a good one does."""
    frame = credit.assign(cost=np.where(credit["Status"] == "bad", 5.0, 1.0))
    return split(frame, "Status")


def test_a_weighted_fit_beats_the_unweighted_one_on_the_weighted_metric(costly, tmp_path):
    train, test = costly
    weighted = automl.fit(train, "Status", metric="accuracy", sample_weight="cost",
                          time_budget=6, seed=0, verbose=0)
    plain = automl.fit(train.drop(columns="cost"), "Status", metric="accuracy",
                       time_budget=6, seed=0, verbose=0)
    cost = test["cost"].to_numpy()
    by_weighted = accuracy_score(test["Status"], weighted.predict(test), sample_weight=cost)
    by_plain = accuracy_score(test["Status"], plain.predict(test.drop(columns="cost")),
                              sample_weight=cost)
    assert by_weighted > by_plain + 0.05, (by_weighted, by_plain)
    # score() weighs the rows by the column where the test rows have it
    assert weighted.score(test) == pytest.approx(by_weighted)
    unweighted_score = weighted.score(test.drop(columns="cost"))
    assert unweighted_score == pytest.approx(
        accuracy_score(test["Status"], weighted.predict(test)))
    # the held-out estimate is weighted too: it agrees with the weighted test score
    assert abs(weighted.valid_score - by_weighted) < 0.05
    assert "cost" not in [c.name for c in weighted.feature_schema.columns]
    notes = {(e.action, e.column): e.detail for e in weighted.data_report.entries
             if e.step == "weights"}
    assert ("dropped", "cost") in notes and "rows weighted by 'cost'" in notes[
        ("validated", "cost")]
    assert "kneighbors" in notes[("flagged", "cost")]  # KNN's fit takes no weights
    restored = automl.load(weighted.save(tmp_path / "weighted"))
    assert restored.weight_column == "cost"
    assert restored.score(test) == pytest.approx(weighted.score(test))


def test_weights_given_as_an_array(concrete):
    y = concrete["compressive_strength"]
    # the strong mixes count ten times: the fit's held-out RMSE is weighted the same way
    weights = np.where(y > y.median(), 10.0, 1.0)
    result = automl.fit(concrete, "compressive_strength", models=["linear", "random_forest"],
                        sample_weight=weights, n_trials=3, time_budget=20, seed=0, verbose=0)
    assert result.weight_column is None
    assert any("rows weighted by an array" in e.detail for e in result.data_report.entries)
    assert [c.name for c in result.feature_schema.columns] == [
        c for c in concrete.columns if c != "compressive_strength"]


@pytest.mark.parametrize(("weights", "words"), [
    ("nope", "give the name of a column"),
    ("Status", "other than the target"),
    (np.ones(3), "has 3 values for"),
    (-1.0, "negative"),
    (0.0, "add up to zero"),
])
def test_bad_weights_are_refused_with_what_to_change(small_credit, weights, words):
    if isinstance(weights, float):
        weights = np.full(len(small_credit), weights)
    with pytest.raises(ConfigurationError, match=words):
        automl.fit(small_credit, "Status", sample_weight=weights, time_budget=2, verbose=0)


def test_a_metric_that_cannot_weigh_rows_is_refused(small_credit):
    costs = automl.make_metric(lambda y, p: float(np.mean(y != p)), greater_is_better=False)
    with pytest.raises(ConfigurationError, match="takes no sample_weight"):
        automl.fit(small_credit.assign(w=1.0), "Status", metric=costs, sample_weight="w",
                   time_budget=2, verbose=0)
    weighed = automl.make_metric(
        lambda y, p, sample_weight=None: float(np.average(y != p, weights=sample_weight)),
        greater_is_better=False, name="weighted_error")
    result = automl.fit(small_credit.assign(w=1.0), "Status", metric=weighed,
                        sample_weight="w", models=["linear"], n_trials=1, time_budget=10,
                        verbose=0)
    assert result.metric == "weighted_error"


def test_the_cli_takes_a_weight_column(costly, tmp_path, cli):
    train, _ = costly
    data = tmp_path / "credit.csv"
    train.head(600).to_csv(data, index=False)
    run = cli("fit", str(data), "--target", "Status", "--sample-weight", "cost",
              "--models", "linear", "--n-trials", "1", "--time-budget", "10", "--quiet",
              "--out", str(tmp_path / "model"))
    assert run.returncode == 0, run.stderr
    assert automl.load(tmp_path / "model").weight_column == "cost"
    refused = cli("fit", str(data), "--target", "Status", "--sample-weight", "Nope",
                  "--time-budget", "2", check=False)
    assert refused.returncode == 2 and "sample_weight='Nope'" in refused.stderr
