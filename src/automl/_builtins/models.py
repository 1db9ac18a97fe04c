"""Built-in scikit-learn models: linear, random forest, extra trees, histogram gradient
boosting, k-nearest neighbours. Each has a search space and a strong default tried first."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from automl._builtins.linear import TailAwareRidge, fit_linear
from automl._contract.hookspecs import hookimpl
from automl._contract.specs import FitContext, ModelSpec, Task
from automl._search.fitting import fit_in_rounds

ALL_TASKS = frozenset(Task)
_ONEHOT = {"categorical": "onehot"}


def _pick(task: Task, classifier: type, regressor: type, **params: Any) -> Any:
    return (classifier if task.is_classification else regressor)(**params)


def _linear(params: dict[str, Any], task: Task) -> Any:
    # One inverse-strength parameter for both tasks keeps one search space: alpha = 1 / C.
    c = params.get("C", 1.0)
    if task.is_classification:
        return LogisticRegression(C=c, max_iter=1000)
    return TailAwareRidge(1.0 / c)


def _linear_space(trial: Any) -> dict[str, Any]:
    return {"C": trial.suggest_float("C", 1e-3, 1e3, log=True)}


def _forest_space(trial: Any) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 500, log=True),
        "max_features": trial.suggest_categorical("max_features",
                                                  ["sqrt", "log2", 0.3, 0.5, 0.8, 1.0]),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 32, log=True),
    }


def _forest(classifier: type, regressor: type, params: dict[str, Any], task: Task) -> Any:
    return _pick(task, classifier, regressor, n_jobs=-1, **params)


#: leaves a whole forest may grow: fully grown trees on a large table take gigabytes
FOREST_LEAVES = 60_000


def _fit_forest(estimator: Any, X: Any, y: Any, context: Any) -> Any:
    """Grow the forest in rounds (see ``fit_in_rounds``), each tree's leaves capped so that the
    forest stays within :data:`FOREST_LEAVES` however many rows the table has."""
    trees = int(estimator.get_params()["n_estimators"])
    estimator.set_params(max_leaf_nodes=max(FOREST_LEAVES // max(trees, 1), 16))
    return fit_in_rounds(estimator, X, y, context)


def _hgb_space(trial: Any) -> dict[str, Any]:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_iter": trial.suggest_int("max_iter", 50, 1000, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 128, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 2, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-6, 10.0, log=True),
        "max_features": trial.suggest_float("max_features", 0.3, 1.0),
    }


def _hgb(params: dict[str, Any], task: Task) -> Any:
    return _pick(task, HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                 early_stopping=False, categorical_features="from_dtype", **params)


def _knn(params: dict[str, Any], task: Task) -> Any:
    return _pick(task, KNeighborsClassifier, KNeighborsRegressor, n_jobs=-1, **params)


#: the rows a k-nearest-neighbours model keeps to look its neighbours up in: its prediction
#: time grows with them, and on the 1,000,000-row table of benchmarks/scale_probe.py one that
#: kept all 730,000 training rows took 422 s to predict 250,000 rows
KNN_MAX_ROWS = 25_000


def _fit_knn(estimator: Any, X: Any, y: Any, context: FitContext) -> Any:
    """Fit on a seeded random sample of at most :data:`KNN_MAX_ROWS` rows."""
    if X.shape[0] > KNN_MAX_ROWS:
        rows = np.sort(np.random.default_rng(context.seed).choice(
            X.shape[0], KNN_MAX_ROWS, replace=False))
        X, y = (X.iloc[rows] if hasattr(X, "iloc") else X[rows]), np.asarray(y)[rows]
    return estimator.fit(X, y)


def _knn_space(trial: Any) -> dict[str, Any]:
    return {"n_neighbors": trial.suggest_int("n_neighbors", 1, 100, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"])}


_FOREST_DEFAULT = {"n_estimators": 300, "max_features": "sqrt", "min_samples_leaf": 1}
_FOREST_GRID = {"max_features": ["sqrt", 0.5, 1.0], "min_samples_leaf": [1, 4]}

MODELS = [
    ModelSpec("linear", ALL_TASKS, _linear, _linear_space,
              defaults=({"C": 1.0},), grid={"C": [0.01, 0.1, 1.0, 10.0, 100.0]},
              preprocessing=_ONEHOT, needs_scaling=True, cost=0.1, fit=fit_linear,
              description="logistic regression (classification) or ridge (regression; long-"
                          "tailed inputs seen through their quantiles where that scores better "
                          "on the held-out rows)"),
    ModelSpec("hist_gradient_boosting", ALL_TASKS, _hgb, _hgb_space,
              defaults=({"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31,
                         "min_samples_leaf": 20, "l2_regularization": 1e-6, "max_features": 1.0},
                        {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15,
                         "min_samples_leaf": 20, "l2_regularization": 1.0,
                         "max_features": 0.5}),
              grid={"learning_rate": [0.03, 0.1], "max_leaf_nodes": [15, 31, 63]},
              preprocessing={"categorical": "native_categorical"},
              fit=partial(fit_in_rounds, param="max_iter"), cost=0.5,
              description="scikit-learn histogram gradient boosting"),
    ModelSpec("random_forest", ALL_TASKS, partial(_forest, RandomForestClassifier,
                                                  RandomForestRegressor), _forest_space,
              defaults=(_FOREST_DEFAULT,), grid=_FOREST_GRID, fit=_fit_forest, cost=1.0,
              description="scikit-learn random forest"),
    ModelSpec("extra_trees", ALL_TASKS, partial(_forest, ExtraTreesClassifier,
                                                ExtraTreesRegressor), _forest_space,
              defaults=(_FOREST_DEFAULT,), grid=_FOREST_GRID, fit=_fit_forest, cost=0.8,
              description="scikit-learn extremely randomised trees"),
    ModelSpec("kneighbors", ALL_TASKS, _knn, _knn_space,
              defaults=({"n_neighbors": 15, "weights": "distance"},),
              grid={"n_neighbors": [5, 15, 50], "weights": ["uniform", "distance"]},
              preprocessing=_ONEHOT, needs_scaling=True, cost=0.3, fit=_fit_knn,
              description="k-nearest neighbours (on at most 25,000 rows)"),
]


@hookimpl(tryfirst=True)
def register_models(register: Any) -> None:
    """Register the built-in scikit-learn models."""
    for spec in MODELS:
        register(spec)
