"""CatBoost for automl: the ``catboost`` model, registered through the ``automl`` entry point.

CatBoost takes categorical columns by name, as text or whole numbers, and refuses a missing
value in them; the search's native-categorical preprocessing hands it pandas ``category``
columns with NaN for a missing value. The estimators here bridge the two: each category
column becomes text, a missing value the level :data:`MISSING`, on the way into every fit and
prediction alike.
"""

from __future__ import annotations

import os
import time
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

import automl
from automl.plugin import FitContext, ModelSpec, Task

__version__ = version("automl-catboost")

EARLY_STOPPING_ROUNDS = 50
#: the deepest trees the search tries: after deeper ones CatBoost keeps tens of megabytes
#: resident once the model is freed (its own, not glibc's free pages: 51 MB after depth 10 on
#: 400 rows, 22 MB after depth 8), and AutoGluon's portfolio (TabRepo) stops at 8 for the same
#: reason
MAX_DEPTH = 8
LOG_EVERY = 10
#: the level a missing category becomes
MISSING = "__missing__"


def threads() -> int:
    """The cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _as_catboost(X: Any) -> tuple[Any, list[str]]:
    """``X`` with its category columns as text (a missing value as :data:`MISSING`), and
    their names."""
    if not isinstance(X, pd.DataFrame):
        return X, []
    cats = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return X, []
    out = X.copy()
    for c in cats:
        out[c] = X[c].astype(object).where(X[c].notna(), MISSING).astype(str)
    return out, [str(c) for c in cats]


class _CatBoost(BaseEstimator):
    """A CatBoost model behind the scikit-learn contract the search expects (see the module
    docstring). ``fit_params`` of :meth:`fit` (``eval_set``, ``callbacks``,
    ``early_stopping_rounds``) go to CatBoost's own ``fit``."""

    def __init__(self, iterations: int = 1000, learning_rate: float = 0.05, depth: int = 6,
                 l2_leaf_reg: float = 3.0, random_strength: float = 1.0,
                 bagging_temperature: float = 1.0, random_state: int = 0) -> None:
        self.iterations, self.learning_rate, self.depth = iterations, learning_rate, depth
        self.l2_leaf_reg, self.random_strength = l2_leaf_reg, random_strength
        self.bagging_temperature, self.random_state = bagging_temperature, random_state

    def _model(self) -> Any:
        raise NotImplementedError

    def fit(self, X: Any, y: Any, eval_set: tuple | None = None,
            sample_weight: Any = None, **fit_params: Any) -> Any:
        """Fit on ``X``, ``y`` (early-stopping on ``eval_set`` when given; each row weighted
        by ``sample_weight`` when given)."""
        self.model_ = self._model()
        data, cats = _as_catboost(X)
        if eval_set is not None:
            eval_set = (_as_catboost(eval_set[0])[0], eval_set[1])
        self.model_.fit(data, y, cat_features=cats, eval_set=eval_set, verbose=False,
                        sample_weight=sample_weight, **fit_params)
        self.n_features_in_ = data.shape[1]
        return self

    @property
    def best_iteration_(self) -> int | None:
        """The best round on the held-out split, 0-based (None without one)."""
        return self.model_.get_best_iteration()

    def predict(self, X: Any) -> np.ndarray:
        """The predictions of the fitted model."""
        return np.asarray(self.model_.predict(_as_catboost(X)[0])).ravel()

    def _params(self) -> dict[str, Any]:
        return {"iterations": self.iterations, "learning_rate": self.learning_rate,
                "depth": self.depth, "l2_leaf_reg": self.l2_leaf_reg,
                "random_strength": self.random_strength,
                "bagging_temperature": self.bagging_temperature,
                "random_seed": self.random_state, "thread_count": threads(),
                "allow_writing_files": False}


class CatBoostClassifierModel(ClassifierMixin, _CatBoost):
    """CatBoost for classification (labels 0..k-1)."""

    def _model(self) -> Any:
        from catboost import CatBoostClassifier

        return CatBoostClassifier(**self._params())

    def fit(self, X: Any, y: Any, eval_set: tuple | None = None,
            sample_weight: Any = None, **fit_params: Any) -> Any:
        """As :meth:`_CatBoost.fit`; records ``classes_``."""
        super().fit(X, y, eval_set, sample_weight, **fit_params)
        self.classes_ = np.asarray(self.model_.classes_)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        """One column per class, in ``classes_`` order."""
        return np.asarray(self.model_.predict_proba(_as_catboost(X)[0]))


class CatBoostRegressorModel(RegressorMixin, _CatBoost):
    """CatBoost for regression (RMSE)."""

    def _model(self) -> Any:
        from catboost import CatBoostRegressor

        return CatBoostRegressor(**self._params())


def _build(params: dict[str, Any], task: Task) -> Any:
    cls = CatBoostClassifierModel if Task(task).is_classification else CatBoostRegressorModel
    return cls(**params)


def _search_space(trial: Any) -> dict[str, Any]:
    return {
        "iterations": trial.suggest_int("iterations", 100, 3000, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "depth": trial.suggest_int("depth", 3, MAX_DEPTH),
        "l2_leaf_reg": trial.suggest_float("l2_leaf_reg", 0.5, 30.0, log=True),
        "random_strength": trial.suggest_float("random_strength", 0.1, 10.0, log=True),
        "bagging_temperature": trial.suggest_float("bagging_temperature", 0.0, 2.0),
    }


class _Deadline:
    """Stops boosting at the search's deadline and logs the curve every few rounds (CatBoost's
    callback protocol: ``after_iteration`` returns False to stop)."""

    def __init__(self, context: FitContext) -> None:
        self.context = context

    def after_iteration(self, info: Any) -> bool:
        if info.iteration % LOG_EVERY == 0:
            self.context.log(info.iteration, **{
                f"{data}_{name}": float(values[-1])
                for data, metrics in info.metrics.items() for name, values in metrics.items()
                if values})
        return time.monotonic() <= self.context.deadline


def _fit(estimator: Any, X: Any, y: Any, context: FitContext) -> Any:
    """Early-stop on the held-out split in a trial; at the refit, boost as many rounds as the
    winning trial kept (the mean over its folds under cross-validation)."""
    callbacks = [_Deadline(context)]
    if context.X_valid is not None:
        return estimator.fit(X, y, eval_set=(context.X_valid, context.y_valid),
                             early_stopping_rounds=EARLY_STOPPING_ROUNDS, callbacks=callbacks,
                             **context.weight_kwargs())
    best = context.trial_mean("best_iteration_")
    if best is not None:
        estimator.set_params(iterations=best + 1)
    return estimator.fit(X, y, callbacks=callbacks, **context.weight_kwargs())


MODEL = ModelSpec(
    name="catboost",
    tasks=frozenset(Task),
    build=_build,
    search_space=_search_space,
    # after AutoGluon's CatBoost default (depth 6, learning rate 0.05), then a shallower,
    # more regularised one for small noisy tables
    defaults=(
        {"iterations": 1000, "learning_rate": 0.05, "depth": 6, "l2_leaf_reg": 3.0,
         "random_strength": 1.0, "bagging_temperature": 1.0},
        {"iterations": 1000, "learning_rate": 0.03, "depth": 4, "l2_leaf_reg": 10.0,
         "random_strength": 1.0, "bagging_temperature": 1.0},
    ),
    grid={"learning_rate": [0.03, 0.1], "depth": [4, 6, 8]},
    preprocessing={"categorical": "native_categorical"},
    fit=_fit,
    cost=1.5,
    description="CatBoost gradient boosted trees (ordered target statistics for categories)",
)


@automl.hookimpl
def register_models(register: Any) -> None:
    """Register the ``catboost`` model."""
    register(MODEL)
