"""The compiled prediction path predicts exactly as the fitted pipelines do, for every built-in
preprocessing (numbers, booleans, one-hot and target encodings, ordinal codes, pandas
categories, dates, text) and for frames with missing and never-seen values."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import automl
from automl._contract.plugins import collect
from automl._final.calibration import unwrapped
from automl._final.compiled import SMALL_FRAME, CompiledPipeline, compile_pipeline

#: the models whose plugin compiles the model itself, not only its preprocessing
_MODEL_COMPILED = {"xgboost", "torch_mlp"}


def _with_dates_and_text(credit: pd.DataFrame) -> pd.DataFrame:
    frame = credit.sample(900, random_state=11).reset_index(drop=True)
    opened = pd.Timestamp("2015-01-01") + pd.to_timedelta(frame["Seniority"] * 30, unit="D")
    words = frame["Job"].fillna("none") + " job, lives " + frame["Home"].fillna("somewhere")
    return frame.assign(opened=opened.dt.strftime("%Y-%m-%d"), note=words + " and more words")


@pytest.fixture(scope="module")
def table(credit) -> pd.DataFrame:
    return _with_dates_and_text(credit)


def _members(result: automl.FitResult) -> list:
    model = unwrapped(result.pipeline)
    return list(getattr(model, "members", [model]))


@pytest.mark.parametrize("model", ["linear", "hist_gradient_boosting", "xgboost", "kneighbors",
                                   "random_forest", "torch_mlp"])
def test_compiled_predictions_equal_the_fitted_pipelines(table, model):
    result = automl.fit(table, "Status", models=[model], n_trials=1, validation="holdout",
                        verbose=0)
    (pipeline,) = _members(result)
    checked = result.prepare(table)
    compiler = collect().models[model].compile_predict
    assert (compiler is not None) == (model in _MODEL_COMPILED)
    compiled = compile_pipeline(pipeline, checked.sample(SMALL_FRAME, random_state=0), compiler)
    assert isinstance(compiled, CompiledPipeline), model
    assert (compiled.fast is not None) == (model in _MODEL_COMPILED), model
    rng = np.random.default_rng(0)
    rows = result.prepare(table.sample(200, random_state=3).assign(
        Home=lambda d: d["Home"].where(rng.random(len(d)) > 0.2, "castle"),
        Income=lambda d: d["Income"].where(rng.random(len(d)) > 0.2)))
    for size in (1, 2, 7, SMALL_FRAME, SMALL_FRAME + 1):
        for start in (0, 50, 120):
            part = rows.iloc[start:start + size]
            np.testing.assert_array_equal(compiled.predict_proba(part),
                                          pipeline.predict_proba(part))
            np.testing.assert_array_equal(compiled.predict(part), pipeline.predict(part))
    again = pickle.loads(pickle.dumps(compiled))  # the memo is not saved, the kernels are
    assert (again.fast is not None) == (compiled.fast is not None)
    np.testing.assert_array_equal(again.predict_proba(rows.iloc[:3]),
                                  pipeline.predict_proba(rows.iloc[:3]))


@pytest.mark.parametrize("model", sorted(_MODEL_COMPILED))
def test_compiled_regressors_equal_the_fitted_pipelines(concrete, model):
    result = automl.fit(concrete, "compressive_strength", models=[model], n_trials=1,
                        validation="holdout", verbose=0)
    (pipeline,) = _members(result)
    inner = getattr(pipeline, "model", pipeline)  # inside the target's scaling
    checked = result.prepare(concrete)
    compiled = compile_pipeline(inner, checked.head(SMALL_FRAME),
                                collect().models[model].compile_predict)
    assert compiled.fast is not None
    rows = checked.sample(40, random_state=1).mask(
        np.random.default_rng(1).random((40, checked.shape[1])) < 0.2)
    for part in (rows.iloc[:1], rows):
        np.testing.assert_array_equal(compiled.predict(part), inner.predict(part))


def _off_by_a_little(estimator, layout):
    return lambda matrix: estimator.predict_proba(pd.DataFrame(matrix)) * (1 + 1e-12)


def test_a_compiled_model_that_does_not_match_is_not_served(credit):
    result = automl.fit(credit.head(600), "Status", models=["linear"], n_trials=1,
                        validation="holdout", verbose=0)
    (pipeline,) = _members(result)
    checked = result.prepare(credit.head(600))
    compiled = compile_pipeline(pipeline, checked.head(SMALL_FRAME), _off_by_a_little)
    assert isinstance(compiled, CompiledPipeline) and compiled.fast is None
    unpicklable = compile_pipeline(pipeline, checked.head(SMALL_FRAME),
                                   lambda estimator, layout: estimator.predict_proba)
    assert unpicklable.fast is None  # a lambda cannot be made again when the model is loaded
    np.testing.assert_array_equal(compiled.predict_proba(checked.iloc[:4]),
                                  pipeline.predict_proba(checked.iloc[:4]))


def test_a_regressor_and_a_shape_it_does_not_know(concrete):
    result = automl.fit(concrete, "compressive_strength", models=["linear"], n_trials=1,
                        validation="holdout", verbose=0)
    (pipeline,) = _members(result)
    inner = getattr(pipeline, "model", pipeline)
    checked = result.prepare(concrete)
    compiled = compile_pipeline(inner, checked.head(SMALL_FRAME))
    assert isinstance(compiled, CompiledPipeline)
    np.testing.assert_array_equal(compiled.predict(checked.iloc[:5]),
                                  inner.predict(checked.iloc[:5]))
    from sklearn.pipeline import Pipeline

    unusual = Pipeline([("scale", inner.named_steps["prep"]), ("model", inner[-1])])
    assert compile_pipeline(unusual, checked.head(5)) is unusual  # left as fitted
