"""The deployed model: fold bags collapsed into models refitted on all rows, members chosen
within a latency bound, saved and served beside the full model, which stays available."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

import automl
from automl._contract.metrics import get_metric
from automl._contract.specs import Task
from automl._features.ensemble import WeightedEnsemble, select
from automl._final.calibration import unwrapped
from automl._final.compiled import CompiledPipeline
from automl.errors import ConfigurationError


@pytest.fixture(scope="module")
def bagged(credit):
    from tests.conftest import halves

    train, test = halves(credit.sample(2000, random_state=2), "Status")
    result = automl.fit(train, "Status", models=["linear", "xgboost", "random_forest"],
                        validation="cv", n_trials=5, time_budget=60, verbose=0)
    return result, test




def test_fold_bags_are_collapsed_into_single_models(bagged):
    result, test = bagged
    d = result.deployed
    assert d is not None and d.collapsed and d.refitted
    served = result.deployable()
    model = unwrapped(served.pipeline)
    parts = model.members if isinstance(model, WeightedEnsemble) else [model]
    # one model per member, not five, on the compiled prediction path
    assert all(isinstance(p, CompiledPipeline) and isinstance(p.pipeline, Pipeline)
               for p in parts)
    full = unwrapped(result.pipeline)
    full = full.members if isinstance(full, WeightedEnsemble) else []
    assert all(isinstance(m, WeightedEnsemble) for m in full)  # the full model keeps its bags
    y = (test["Status"] == "good").to_numpy()
    auc_full = roc_auc_score(y, result.predict_proba(test)["good"])
    auc_deployed = roc_auc_score(y, served.predict_proba(test)["good"])
    assert auc_deployed > auc_full - 0.01, (auc_full, auc_deployed)
    assert 0 < d.seconds_per_row < 1 and set(d.member_seconds) >= set(d.params)
    board = result.leaderboard
    assert board["served"].sum() == len(d.params)
    assert board.loc[board["served"], "ms_per_row"].notna().all()


def test_a_collapsed_bag_boosts_as_many_rounds_as_its_folds_did_on_average(bagged):
    result, _ = bagged
    full = unwrapped(result.pipeline)
    bags = dict(zip(result.best_params, full.members, strict=True)) if isinstance(
        full, WeightedEnsemble) else {f"{result.best}#0": full}
    served = unwrapped(result.deployable().pipeline)
    singles = dict(zip(result.deployed.params, served.members if isinstance(
        served, WeightedEnsemble) else [served], strict=True))
    boosted = [key for key in singles if key.startswith("xgboost#") and key in bags]
    assert boosted, (list(singles), list(bags))
    for key in boosted:
        stopped = [fold.named_steps["model"].best_iteration for fold in bags[key].members]
        assert len(stopped) == 5
        refitted = singles[key].pipeline.named_steps["model"]
        assert refitted.get_params()["n_estimators"] == round(np.mean(stopped)) + 1, stopped


def test_the_trial_mean_averages_a_stopping_point_over_the_trials_estimators():
    from types import SimpleNamespace

    from automl._contract.specs import FitContext

    folds = tuple(SimpleNamespace(best_iteration_=n) for n in (74, 144, 210, 65, 124))
    assert FitContext(trial_estimators=folds).trial_mean("best_iteration_") == 123
    # the held-out split's refit: one trial estimator, no folds
    assert FitContext(trial_estimator=folds[2]).trial_mean("best_iteration_") == 210
    # a trial that did not early-stop (or no refit at all) leaves the model's own setting
    assert FitContext(trial_estimators=(SimpleNamespace(),)).trial_mean("best_epoch_") is None
    assert FitContext().trial_mean("best_iteration_") is None
    rates = tuple(SimpleNamespace(paced_learning_rate_=r) for r in (0.1, 0.2))
    assert FitContext(trial_estimators=rates).trial_average("paced_learning_rate_") == (
        pytest.approx(0.15))


def test_the_paced_rate_spreads_the_learning_budget_over_the_rounds_that_fit():
    import time

    from automl._contract.specs import LEARNING_BUDGET, MAX_PACED_RATE, FitContext

    context = FitContext(deadline=time.monotonic() + 10.0)
    # 5 rounds a second: about 55 rounds fit, 10 / 55 above the default's 0.05
    assert context.paced_rate(0.05, 5, 1.0) == pytest.approx(LEARNING_BUDGET / 55, rel=0.01)
    # a round a second: the rate would be 10 / 15; it stops at the cap
    assert context.paced_rate(0.05, 5, 5.0) == MAX_PACED_RATE
    # 500 rounds a second leave room for 5,000: the given rate stays, and is never lowered
    assert context.paced_rate(0.05, 5, 0.01) == 0.05
    assert context.paced_rate(0.5, 5, 5.0) == 0.5
    assert FitContext().paced_rate(0.05, 5, 1.0) == 0.05  # no deadline


def test_the_deployed_model_is_saved_and_the_full_one_stays(bagged, tmp_path):
    result, test = bagged
    loaded = automl.load(result.save(tmp_path / "m"))
    assert loaded.deployed is not None and loaded.deployed.params == result.deployed.params
    np.testing.assert_allclose(loaded.deployable().predict_proba(test).to_numpy(),
                               result.deployable().predict_proba(test).to_numpy())
    np.testing.assert_allclose(loaded.predict_proba(test).to_numpy(),
                               result.predict_proba(test).to_numpy())
    served = automl.load(result.deployable().save(tmp_path / "served"))
    assert served.deployed.model is None and served.deployable() is served
    assert served.best == result.deployable().best


def test_infer_limit_bounds_the_members(credit):
    frame = credit.sample(1200, random_state=6)
    tight = automl.fit(frame, "Status", models=["linear", "random_forest", "kneighbors"],
                       n_trials=6, time_budget=30, verbose=0, infer_limit=1e-9)
    d = tight.deployed
    assert d is not None
    if d.within_limit:  # none fits: the fastest serves alone
        (only,) = d.params
        assert d.member_seconds[only] == min(d.member_seconds.values())
    else:  # unless the held-out evidence says that costs too much: then no bound
        free = automl.fit(frame, "Status", models=["linear", "random_forest", "kneighbors"],
                          n_trials=6, time_budget=30, verbose=0, infer_limit=None).deployed
        assert set(d.params) == set(free.params)
    with pytest.raises(ConfigurationError, match="infer_limit"):
        automl.fit(frame, "Status", n_trials=1, infer_limit=-1.0, verbose=0)


def test_selection_keeps_the_summed_cost_within_the_limit():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    signal = np.clip(y + rng.normal(0, 0.8, (3, 400)), 0.01, 0.99)
    predictions = {i: np.column_stack([1 - s, s]) for i, s in enumerate(signal)}
    metric = get_metric("roc_auc", Task.BINARY)
    free = select(predictions, y, metric, Task.BINARY)
    assert len(free.weights) == 3
    costs = {0: 0.002, 1: 0.002, 2: 0.003}
    bounded = select(predictions, y, metric, Task.BINARY, costs=costs, limit=0.0045)
    assert sum(costs[k] for k in bounded.weights) <= 0.0045 and len(bounded.weights) == 2


def test_members_are_compiled_only_while_the_fit_has_time(credit):
    # compiling checks itself on sample rows, a quarter second a member on a wide table: past
    # the fit's deadline a member serves as fitted
    import math
    import time
    from types import SimpleNamespace

    from automl._contract.plugins import collect
    from automl._final.deployment import _compiled

    result = automl.fit(credit.sample(1500, random_state=3), "Status", models=["linear"],
                        n_trials=1, ensemble=False, time_budget=20, verbose=0)
    served = unwrapped(result.deployable().pipeline)
    assert isinstance(served, CompiledPipeline)
    plain, sample = served.pipeline, result.reference.features.head(64)
    setup = SimpleNamespace(models=collect().models)
    outcome = SimpleNamespace(candidates={0: SimpleNamespace(record=SimpleNamespace(
        model="linear"))})
    assert isinstance(_compiled({0: plain}, sample, setup, outcome, math.inf)[0],
                      CompiledPipeline)
    assert _compiled({0: plain}, sample, setup, outcome, time.monotonic() - 1)[0] is plain
