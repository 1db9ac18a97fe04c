"""LightGBM for automl: the ``lightgbm`` model, registered through the ``automl`` entry point."""

from __future__ import annotations

import os
import time
from importlib.metadata import version
from typing import Any

import automl
from automl.plugin import FeatureLayout, FitContext, ModelSpec, Task

__version__ = version("automl-lightgbm")

EARLY_STOPPING_ROUNDS = 50
LOG_EVERY = 10
#: rounds boosted at the given learning rate before the pace is judged (see
#: :meth:`automl.FitContext.paced_rate`)
PACE_ROUNDS = 5


def threads() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the
    machine has)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _build(params: dict[str, Any], task: Task) -> Any:
    import lightgbm as lgb

    cls = lgb.LGBMClassifier if Task(task).is_classification else lgb.LGBMRegressor
    # subsample only takes effect with a bagging frequency; verbose=-1 silences its log lines
    return cls(subsample_freq=1, n_jobs=threads(), verbose=-1, **params)


def _search_space(trial: Any) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 2000, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.005, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 256, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 2, 100, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-8, 10.0, log=True),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-8, 10.0, log=True),
        "extra_trees": trial.suggest_categorical("extra_trees", [False, True]),
        "cat_smooth": trial.suggest_float("cat_smooth", 1.0, 50.0, log=True),
        "cat_l2": trial.suggest_float("cat_l2", 0.0, 10.0),
    }


def _callbacks(context: FitContext) -> list[Any]:
    import lightgbm as lgb

    def deadline(env: Any) -> None:
        """Stops boosting at the search's deadline, keeping the best round so far, and logs
        the curve every few rounds."""
        if env.iteration % LOG_EVERY == 0 and env.evaluation_result_list:
            context.log(env.iteration, **{f"{data}_{name}": float(value)
                                          for data, name, value, *_ in
                                          env.evaluation_result_list})
        if time.monotonic() > context.deadline:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    return [deadline]


def _pace(estimator: Any, context: FitContext, paced: float | None) -> Any:
    """A callback run before each round: after :data:`PACE_ROUNDS` rounds, it raises the
    learning rate to the paced one, kept as ``paced_learning_rate_`` on ``estimator``. In a
    trial the pace comes from the time the first rounds took and the deadline; at the refit
    it is the trial's (``paced``), so that the refit boosts as the trial did."""
    started: list[float] = []

    def pace(env: Any) -> None:
        if env.iteration == 0:
            started.append(time.monotonic())
        if env.iteration != PACE_ROUNDS:
            return
        rate = float(env.params.get("learning_rate", 0.1))
        new = paced if paced is not None else context.paced_rate(
            rate, PACE_ROUNDS, time.monotonic() - started[0])
        if new > rate:
            env.model.reset_parameter({"learning_rate": new})
            env.params["learning_rate"] = new
            estimator.paced_learning_rate_ = new

    pace.before_iteration = True  # type: ignore[attr-defined]
    return pace


def _fit(estimator: Any, X: Any, y: Any, context: FitContext) -> Any:
    """Early-stop on the held-out split in a trial, at a learning rate paced to the deadline;
    at the refit, boost as many rounds as the winning trial kept (the mean over its folds
    under cross-validation), at the rate it was paced to."""
    import lightgbm as lgb

    callbacks = _callbacks(context)
    if context.X_valid is not None:
        callbacks += [_pace(estimator, context, None),
                      lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)]
        estimator.fit(X, y, eval_X=(context.X_valid,), eval_y=(context.y_valid,),
                      callbacks=callbacks, **context.weight_kwargs())
    else:
        best = context.trial_mean("best_iteration_")
        if best:
            estimator.set_params(n_estimators=best)
        paced = context.trial_average("paced_learning_rate_")
        if paced is not None:
            callbacks.append(_pace(estimator, context, paced))
        estimator.fit(X, y, callbacks=callbacks, **context.weight_kwargs())
    return estimator


def compile_predict(estimator: Any, layout: FeatureLayout) -> Any:
    """The fitted model's predictions on a :class:`automl.FeatureLayout` matrix, straight from
    its booster, single-threaded: the sklearn wrapper's checks and pandas conversion cost more
    than the trees on a small request. None where the booster was fitted on other columns."""
    import numpy as np

    booster = estimator.booster_
    if booster.feature_name() != [str(n) for n in layout.names]:
        return None
    rounds = getattr(estimator, "best_iteration_", None) or None  # None: every round
    classes = len(getattr(estimator, "classes_", ()))

    def predict(matrix: Any) -> Any:
        out = booster.predict(matrix, num_iteration=rounds, num_threads=1)
        if classes == 2:  # the positive class's probability, as LGBMClassifier spreads it
            return np.vstack((1.0 - out, out)).transpose()
        return out

    return predict


# LightGBM's own smoothing of categorical splits (cat_smooth=10, cat_l2=10) is strong for small
# tables: with the first default on all 27 suite tables (one fit each, seed 0, test score),
# cat_smooth=1 and cat_l2=0 scored better on 10 (modeldata/leaf_id_flavia log loss 0.143 ->
# 0.011, modeldata/Sacramento RMSE -5.4%, modeldata/hpc_data -3.4%, modeldata/ames -2.4%,
# modeldata/attrition ROC AUC +2.0%), worse on 3 (ggplot2/txhousing RMSE +0.30%,
# modeldata/wa_churn -0.03%, modeldata/credit_data -0.001%), the same on 14 (no categories)
_LIGHT_CATEGORIES = {"cat_smooth": 1.0, "cat_l2": 0.0}

MODEL = ModelSpec(
    name="lightgbm",
    tasks=frozenset(Task),
    build=_build,
    search_space=_search_space,
    # after AutoGluon's LightGBM portfolio: its default, the extra-trees one, and "GBMLarge"
    defaults=(
        {"n_estimators": 1000, "learning_rate": 0.05, "num_leaves": 31,
         "min_child_samples": 20, "subsample": 1.0, "colsample_bytree": 1.0,
         "reg_alpha": 1e-8, "reg_lambda": 1e-8, "extra_trees": False, **_LIGHT_CATEGORIES},
        {"n_estimators": 1000, "learning_rate": 0.05, "num_leaves": 31,
         "min_child_samples": 20, "subsample": 1.0, "colsample_bytree": 1.0,
         "reg_alpha": 1e-8, "reg_lambda": 1e-8, "extra_trees": True, **_LIGHT_CATEGORIES},
        {"n_estimators": 1000, "learning_rate": 0.03, "num_leaves": 128,
         "min_child_samples": 3, "subsample": 1.0, "colsample_bytree": 0.9,
         "reg_alpha": 1e-8, "reg_lambda": 1e-8, "extra_trees": False, **_LIGHT_CATEGORIES},
    ),
    grid={"learning_rate": [0.03, 0.1], "num_leaves": [15, 31, 127]},
    preprocessing={"categorical": "native_categorical"},
    fit=_fit,
    cost=0.5,
    description="LightGBM gradient boosted trees (leaf-wise, native categoricals)",
    compile_predict=compile_predict,
)


@automl.hookimpl
def register_models(register: Any) -> None:
    """Register the ``lightgbm`` model."""
    register(MODEL)
