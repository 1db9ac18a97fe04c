"""Metrics of one's own: ``fit(metric=make_metric(...))``, scikit-learn scorers, and metrics a
plugin registers by name."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import fbeta_score, make_scorer

import automl
from automl._contract.plugins import plugin_infos, register_plugin, unregister_plugin
from automl.errors import ConfigurationError


def missed_bad_cost(y_true, y_pred) -> float:
    """A lender's cost per applicant: a bad credit granted costs 5, a good one refused 1."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    missed = np.sum((y_true == "bad") & (y_pred == "good"))
    refused = np.sum((y_true == "good") & (y_pred == "bad"))
    return float(5 * missed + refused) / len(y_true)


COST = automl.make_metric(missed_bad_cost, greater_is_better=False, name="cost")


@pytest.fixture(scope="module")
def credit_parts(credit) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = credit.sample(frac=1.0, random_state=0).reset_index(drop=True)
    return frame.iloc[:3000], frame.iloc[3000:]


def _fit(train: pd.DataFrame, metric) -> automl.FitResult:
    # the random tuner draws the same trials whatever the metric: only the ranking differs
    return automl.fit(train, "Status", metric=metric, tuner="random", n_trials=3, seed=0,
                      ensemble=False, time_budget=120, verbose=0,
                      models=["linear", "hist_gradient_boosting"])


def test_a_cost_metric_changes_the_chosen_model(credit_parts):
    train, test = credit_parts
    by_auc, by_cost = _fit(train, None), _fit(train, COST)
    assert by_cost.metric == "cost" and "cost" in by_cost.leaderboard.columns
    ranked = by_cost.leaderboard[by_cost.leaderboard.status == "complete"]["cost"]
    assert ranked.is_monotonic_increasing  # lower is better
    assert (by_cost.best, by_cost.best_params) != (by_auc.best, by_auc.best_params)
    # the model it chose costs less on rows it never saw than the ROC AUC winner
    assert by_cost.score(test) < by_auc.score(test, metric=COST)
    assert by_cost.score(test) == pytest.approx(missed_bad_cost(
        test["Status"].to_numpy(), by_cost.predict(test)))


def test_a_scikit_learn_scorer_is_taken(credit_parts):
    train, test = credit_parts
    scorer = make_scorer(fbeta_score, beta=2, pos_label="bad")
    result = automl.fit(train, "Status", metric=scorer, models=["linear"], n_trials=2,
                        verbose=0)
    assert result.metric == "fbeta_score"
    expected = fbeta_score(test["Status"], result.predict(test), beta=2, pos_label="bad")
    assert result.score(test) == pytest.approx(expected)


def test_a_bare_function_is_refused_with_what_to_do(credit_parts):
    with pytest.raises(ConfigurationError, match="make_metric"):
        automl.fit(credit_parts[0], "Status", metric=missed_bad_cost, time_budget=2)
    with pytest.raises(ConfigurationError, match="cannot score a regression task"):
        automl.fit(credit_parts[0], "Amount", time_budget=2,
                   metric=automl.make_metric(lambda y, p: 0.0, greater_is_better=True,
                                             needs_proba=True))
    with pytest.raises(ConfigurationError, match="register it from a plugin"):
        automl.fit(credit_parts[0], "Status", metric=COST, storage="sqlite:///never.db")


def test_the_own_metric_is_saved_with_the_model(credit_parts, tmp_path):
    train, test = credit_parts
    result = automl.fit(train, "Status", metric=COST, models=["linear"], n_trials=2,
                        verbose=0)
    restored = automl.load(result.save(tmp_path / "costed"))
    assert restored.score(test) == pytest.approx(result.score(test))
    # a lambda does not pickle: the model saves and predicts, and scoring says what to do
    odd = automl.fit(train, "Status", models=["linear"], n_trials=2, verbose=0,
                     metric=automl.make_metric(lambda y, p: float(np.mean(y == p)),
                                               greater_is_better=True, name="hits"))
    with pytest.warns(UserWarning, match="'hits' is not saved"):
        path = odd.save(tmp_path / "odd")
    loaded = automl.load(path)
    assert list(loaded.predict(test.head(5))) == list(odd.predict(test.head(5)))
    with pytest.raises(ConfigurationError, match="pass metric="):
        loaded.score(test)
    assert loaded.score(test, metric="accuracy") == pytest.approx(odd.score(test, "accuracy"))


class _LenderMetrics:
    """An in-process plugin that registers the cost by name."""

    @automl.hookimpl
    def register_metrics(self, register):
        register(COST)


@pytest.fixture()
def lender_plugin():
    register_plugin(_LenderMetrics(), "lender-metrics")
    yield
    unregister_plugin("lender-metrics")


def test_a_plugin_registers_a_metric_by_name(lender_plugin, credit_parts):
    train, test = credit_parts
    infos = {i.name: i for i in plugin_infos()}
    assert infos["lender-metrics"].registered == {"metric": ["cost"]}
    assert "roc_auc" in infos["metrics"].registered["metric"]  # the built-ins, likewise
    result = automl.fit(train, "Status", metric="cost", models=["linear"], n_trials=2,
                        verbose=0)
    assert result.metric == "cost" and result.custom_metric is None
    assert result.score(test) == pytest.approx(missed_bad_cost(
        test["Status"].to_numpy(), result.predict(test)))


def test_a_plugin_metric_of_the_wrong_shape_is_skipped_and_named():
    class Broken:
        @automl.hookimpl
        def register_metrics(self, register):
            register(automl.Metric("odd", "not a function", "yes", False, {"clustering"}))

    register_plugin(Broken(), "broken-metrics")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            error = {i.name: i for i in plugin_infos()}["broken-metrics"].error
    finally:
        unregister_plugin("broken-metrics")
    assert "fn must be callable" in error and "greater_is_better must be True or False" in error
    assert "'clustering'" in error
