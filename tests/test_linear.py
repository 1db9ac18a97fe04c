"""The built-in ridge regression's choice of view: long-tailed inputs as given or through their
quantiles, by leave-one-out error alone and, in a search, by the held-out score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

import automl
from automl._builtins.linear import TailAwareRidge, fit_linear
from automl._contract.metrics import get_metric
from automl._contract.specs import FitContext, Task
from automl._search.fitting import held_out_scorer


def _tailed(seed: int = 0, rows: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """Three long-tailed columns (lognormal), a normal one and an indicator."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.lognormal(sigma=1.0, size=(rows, 3)), rng.normal(size=rows),
                         rng.random(rows) < 0.1])
    return X, rng.normal(scale=0.3, size=rows)


def test_only_long_tailed_columns_with_a_spread_are_mapped():
    X, noise = _tailed()
    model = TailAwareRidge(tails="quantiles").fit(X, X[:, 3] + noise)
    assert model.skewed_.tolist() == [True, True, True, False, False]
    seen = model.view(X)
    np.testing.assert_array_equal(seen[:, 3:], X[:, 3:])
    # a far value is seen as the top of its column, not as many deviations out
    far = X[:1].copy()
    far[0, 0] = X[:, 0].max() * 50
    assert model.view(far)[0, 0] == pytest.approx(seen[:, 0].max(), abs=1e-6)
    np.testing.assert_allclose(model.predict(X), model.intercept_ + seen @ model.coef_)


@pytest.mark.parametrize(("shape", "expected"), [("log", "quantiles"), ("raw", "given")])
def test_auto_keeps_the_view_with_the_smaller_leave_one_out_error(shape, expected):
    X, noise = _tailed()
    signal = np.log(X[:, :3]) if shape == "log" else X[:, :3]
    y = signal @ np.array([1.0, -2.0, 0.5]) + noise
    model = TailAwareRidge(tails="auto").fit(X, y)
    assert set(model.loo_mse_) == {"given", "quantiles"}
    assert model.view_ == expected
    assert model.loo_mse_[expected] < model.loo_mse_[
        "given" if expected == "quantiles" else "quantiles"]
    # and the choice holds on new rows: the chosen view predicts them better
    X_new, noise_new = _tailed(seed=1)
    new = np.log(X_new[:, :3]) if shape == "log" else X_new[:, :3]
    y_new = new @ np.array([1.0, -2.0, 0.5]) + noise_new
    errors = {v: np.mean((TailAwareRidge(tails=v).fit(X, y).predict(X_new) - y_new) ** 2)
              for v in ("given", "quantiles")}
    assert errors[expected] < min(errors.values()) + 1e-12


def test_without_a_long_tail_there_is_one_view():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    model = TailAwareRidge().fit(X, X @ np.ones(4))
    assert not model.skewed_.any() and model.view_ == "given" and model.tails_ is None
    with pytest.raises(ValueError, match="tails must be one of"):
        TailAwareRidge(tails="log").fit(X, X[:, 0])


def test_in_a_search_the_held_out_score_chooses_and_the_refit_follows_the_trials():
    X, noise = _tailed()
    y = np.log(X[:, :3]) @ np.array([1.0, -2.0, 0.5]) + noise
    train, valid = slice(0, 1000), slice(1000, None)
    metric = get_metric("mae", Task.REGRESSION)
    context = FitContext(X_valid=X[valid], y_valid=y[valid])
    context.score, context.better = held_out_scorer(metric, context), metric.better
    chosen = fit_linear(TailAwareRidge(), X[train], y[train], context)
    scores = {v: context.score(TailAwareRidge(tails=v).fit(X[train], y[train]))
              for v in ("given", "quantiles")}
    assert chosen.view_ == min(scores, key=scores.get) == "quantiles"

    refit = FitContext(trial_estimators=(chosen, chosen, TailAwareRidge(tails="given").fit(
        X[train], y[train])))
    assert fit_linear(TailAwareRidge(), X, y, refit).view_ == "quantiles"
    # with no held-out rows and no trial to follow, the leave-one-out error decides
    alone = fit_linear(TailAwareRidge(), X, y, FitContext())
    assert alone.loo_mse_ and alone.view_ == "quantiles"


def test_on_college_applications_the_held_out_rows_choose_as_the_test_rows_would(
        college, split):
    """ISLR/College: applications against acceptances, enrolment and the like, all long-
    tailed. Which view predicts better depends on the rows and on the scale the target is
    modelled on (on the benchmark suite's split the quantiles cut the test RMSE from 1,857 to
    1,137; on this one, on the raw scale, they nearly double it): the fit's choice, made on its
    held-out rows, is the one the test rows prefer."""
    train, test = split(college)
    result = automl.fit(train, "Apps", models=["linear"], n_trials=1, seed=0, verbose=0,
                        validation="holdout")
    # the model, off the target's scale where the fit chose to model a log of it
    pipeline = getattr(result.pipeline, "model", result.pipeline)
    scale = getattr(result.pipeline, "scale", None)
    chosen = pipeline.named_steps["model"].view_
    y = train["Apps"].to_numpy(dtype=float)
    rmse = {}
    for view in ("given", "quantiles"):
        refitted = clone(pipeline).set_params(model__tails=view).fit(
            result._features(train, "training"), y if scale is None else scale.to_fitted(y))
        predicted = refitted.predict(result._features(test, "test"))
        if scale is not None:
            predicted = scale.to_target(predicted)
        rmse[view] = float(np.sqrt(np.mean((predicted - test["Apps"].to_numpy()) ** 2)))
    assert chosen == min(rmse, key=rmse.get)
    assert max(rmse.values()) > 1.2 * min(rmse.values())  # a choice that matters
    assert result.score(test) == pytest.approx(rmse[chosen], rel=1e-6)
