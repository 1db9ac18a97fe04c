"""One runner per framework: fit on the training part within the budget, predict the test part.

Each runner imports its framework only when called, so this module loads in any framework's
environment. A runner returns the predictions (probabilities in ``classes`` order for
classification, values for regression), the fit's and the prediction's wall seconds, and a short
note on what the framework chose.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.suite import Table


@dataclass
class Run:
    """What one framework produced on one table."""

    pred: np.ndarray
    fit_seconds: float
    predict_seconds: float
    note: str = ""
    searched: tuple[str, ...] = ()  # the models a search tried, so a record shows which plugins ran


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def _proba_frame(frame: pd.DataFrame, classes: list) -> np.ndarray:
    # frameworks may type the labels differently (str vs category): match by text
    by_text = {str(c): c for c in frame.columns}
    return frame[[by_text[str(c)] for c in classes]].to_numpy(dtype=float)


def run_automl(table: Table, train: pd.DataFrame, test: pd.DataFrame, classes: list | None,
               budget: float, seed: int, workdir: str, **options: Any) -> Run:
    """automl.fit with its defaults and all installed plugins; ``options`` go on to ``fit``,
    for the ablations (what a default is worth against its alternative)."""
    import automl
    from automl._features.ensemble import ENSEMBLE_NAME

    result, fit_s = _timed(lambda: automl.fit(train, table.target, time_budget=budget,
                                              seed=seed, verbose=0, **options))
    X = test.drop(columns=[table.target])
    if classes is None:
        pred, pred_s = _timed(lambda: result.predict(X))
    else:
        frame, pred_s = _timed(lambda: result.predict_proba(X))
        pred = _proba_frame(frame, classes)
    trials = len(result.leaderboard)
    made_of = "+".join(result.model_names)
    searched = tuple(sorted(set(result.leaderboard["model"]) - {ENSEMBLE_NAME}))
    return Run(np.asarray(pred, dtype=float), fit_s, pred_s,
               f"{result.best} of {made_of}, {trials} trials", searched)


def run_flaml(table: Table, train: pd.DataFrame, test: pd.DataFrame, classes: list | None,
              budget: float, seed: int, workdir: str) -> Run:
    """FLAML's AutoML with the benchmark's metric, both cores and its default estimators."""
    from flaml import AutoML

    model = AutoML()
    X, y = train.drop(columns=[table.target]), train[table.target]
    task = "regression" if table.task == "regression" else "classification"
    _, fit_s = _timed(lambda: model.fit(X_train=X, y_train=y, task=task, metric=table.metric,
                                        time_budget=budget, seed=seed, n_jobs=2, verbose=0,
                                        log_file_name=f"{workdir}/flaml.log"))
    X_test = test.drop(columns=[table.target])
    if classes is None:
        pred, pred_s = _timed(lambda: model.predict(X_test))
    else:
        raw, pred_s = _timed(lambda: model.predict_proba(X_test))
        pred = _proba_frame(pd.DataFrame(raw, columns=list(model.classes_)), classes)
    return Run(np.asarray(pred, dtype=float), fit_s, pred_s, str(model.best_estimator))


_AG_METRIC = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}


def run_autogluon(table: Table, train: pd.DataFrame, test: pd.DataFrame, classes: list | None,
                  budget: float, seed: int, workdir: str, presets: str = "medium_quality"
                  ) -> Run:
    """AutoGluon-Tabular with ``presets`` (``medium_quality`` unless named: ``autogluon-best``
    runs ``best_quality``, its bagged and stacked setting) and both cores."""
    from autogluon.tabular import TabularPredictor

    predictor = TabularPredictor(label=table.target, problem_type=table.task,
                                 eval_metric=_AG_METRIC[table.metric], path=f"{workdir}/ag",
                                 verbosity=0)
    _, fit_s = _timed(lambda: predictor.fit(train, time_limit=budget, presets=presets,
                                            num_cpus=2, num_gpus=0))
    X_test = test.drop(columns=[table.target])
    if classes is None:
        pred, pred_s = _timed(lambda: predictor.predict(X_test).to_numpy(dtype=float))
    else:
        frame, pred_s = _timed(lambda: predictor.predict_proba(X_test))
        pred = _proba_frame(frame, classes)
    return Run(np.asarray(pred, dtype=float), fit_s, pred_s, str(predictor.model_best))


def run_hgb(table: Table, train: pd.DataFrame, test: pd.DataFrame, classes: list | None,
            budget: float, seed: int, workdir: str) -> Run:
    """The floor: a default scikit-learn HistGradientBoosting, text columns as categories."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, X_test = _as_categories(train.drop(columns=[table.target]),
                               test.drop(columns=[table.target]))
    y = train[table.target]
    if classes is None:
        model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
        _, fit_s = _timed(lambda: model.fit(X, y.astype(float)))
        pred, pred_s = _timed(lambda: model.predict(X_test))
    else:
        model = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                               random_state=seed)
        codes = y.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=int)
        _, fit_s = _timed(lambda: model.fit(X, codes))
        pred, pred_s = _timed(lambda: model.predict_proba(X_test))
    return Run(np.asarray(pred, dtype=float), fit_s, pred_s, "default")


#: the most levels HistGradientBoosting takes in a categorical column (its max_bins)
_MAX_LEVELS = 255


def _as_categories(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text columns as categories; one with more levels than HistGradientBoosting takes (an
    id-like column) as the level's number instead, unseen levels missing."""
    train, test = train.copy(), test.copy()
    for column in train.columns:
        if not pd.api.types.is_numeric_dtype(train[column]):
            levels = pd.Index(train[column].dropna().astype(str).unique())
            train[column] = pd.Categorical(train[column].astype(str), categories=levels)
            test[column] = pd.Categorical(test[column].astype(str), categories=levels)
            if len(levels) > _MAX_LEVELS:
                for frame in (train, test):
                    codes = frame[column].cat.codes.astype(float)
                    frame[column] = codes.where(codes >= 0)
    return train, test


RUNNERS: dict[str, Callable[..., Run]] = {
    "automl": run_automl, "flaml": run_flaml, "autogluon": run_autogluon, "hgb": run_hgb,
    "autogluon-best": functools.partial(run_autogluon, presets="best_quality"),
    "automl-all": functools.partial(run_automl, models="all"),
    "automl-holdout": functools.partial(run_automl, validation="holdout"),
    "automl-cv": functools.partial(run_automl, validation="cv"),
}
