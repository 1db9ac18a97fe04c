"""XGBoost for automl: the ``xgboost`` model, registered through the ``automl`` entry point."""

from __future__ import annotations

import functools
import os
import time
import warnings
from importlib.metadata import version
from typing import Any

import automl
from automl.plugin import FeatureLayout, FitContext, ModelSpec, Task

__version__ = version("automl-xgboost")

EARLY_STOPPING_ROUNDS = 50
LOG_EVERY = 10
#: rounds boosted at the given learning rate before the pace is judged (see
#: :meth:`automl.FitContext.paced_rate`)
PACE_ROUNDS = 5
DEVICE_VARIABLE = "AUTOML_XGBOOST_DEVICE"


@functools.cache
def _cuda_works() -> bool:
    import numpy as np
    import xgboost as xgb

    if not xgb.build_info().get("USE_CUDA"):
        return False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            xgb.XGBRegressor(n_estimators=1, device="cuda").fit(np.zeros((4, 1)), np.zeros(4))
    except Exception:  # no driver: the CPU it is
        return False
    # Without a visible GPU XGBoost falls back to the CPU with a warning rather than an error.
    return not any("GPU" in str(w.message) for w in caught)


def default_device() -> str:
    """"cuda" when XGBoost has CUDA and a GPU answers, else "cpu"; the environment variable
    ``AUTOML_XGBOOST_DEVICE`` overrides."""
    return os.environ.get(DEVICE_VARIABLE) or ("cuda" if _cuda_works() else "cpu")


def _build(params: dict[str, Any], task: Task) -> Any:
    import xgboost as xgb

    cls = xgb.XGBClassifier if Task(task).is_classification else xgb.XGBRegressor
    return cls(tree_method="hist", device=default_device(), enable_categorical=True,
               n_jobs=os.cpu_count(), **params)


def _search_space(trial: Any) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 50, 2000, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.005, 0.3, log=True),
        "max_depth": trial.suggest_int("max_depth", 2, 12),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 30.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-8, 10.0, log=True),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-8, 10.0, log=True),
    }


def _callbacks(context: FitContext) -> list[Any]:
    import xgboost as xgb

    class Deadline(xgb.callback.TrainingCallback):
        """Stops boosting at the search's deadline, and logs the curve every few rounds."""

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            if epoch % LOG_EVERY == 0 and evals_log:
                context.log(epoch, **{f"{data}_{name}": float(values[-1])
                                      for data, metrics in evals_log.items()
                                      for name, values in metrics.items()})
            return time.monotonic() > context.deadline

    return [Deadline()]


def _pace(estimator: Any, context: FitContext, paced: float | None) -> Any:
    """A callback that, after :data:`PACE_ROUNDS` rounds, raises the learning rate to the
    paced one, kept as ``paced_learning_rate_`` on ``estimator``. In a trial the pace comes
    from the time the first rounds took and the deadline; at the refit it is the trial's
    (``paced``), so that the refit boosts as the trial did."""
    import xgboost as xgb

    rate = estimator.get_params().get("learning_rate") or 0.3  # XGBoost's own default

    class Pace(xgb.callback.TrainingCallback):
        started = 0.0

        def before_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            if epoch == 0:
                self.started = time.monotonic()
            elif epoch == PACE_ROUNDS:
                new = paced if paced is not None else context.paced_rate(
                    rate, PACE_ROUNDS, time.monotonic() - self.started)
                if new > rate:
                    model.set_param("learning_rate", new)
                    estimator.paced_learning_rate_ = new
            return False

    return Pace()


def _fit(estimator: Any, X: Any, y: Any, context: FitContext) -> Any:
    """Early-stop on the held-out split in a trial, at a learning rate paced to the deadline;
    at the refit, boost as many rounds as the winning trial kept (the mean over its folds
    under cross-validation), at the rate it was paced to."""
    callbacks = _callbacks(context)
    if context.X_valid is not None:
        callbacks.append(_pace(estimator, context, None))
        estimator.set_params(early_stopping_rounds=EARLY_STOPPING_ROUNDS, callbacks=callbacks)
        estimator.fit(X, y, eval_set=[(context.X_valid, context.y_valid)], verbose=False,
                      **context.weight_kwargs())
    else:
        best = context.trial_mean("best_iteration")
        rounds = {} if best is None else {"n_estimators": best + 1}
        paced = context.trial_average("paced_learning_rate_")
        if paced is not None:
            callbacks.append(_pace(estimator, context, paced))
        estimator.set_params(early_stopping_rounds=None, callbacks=callbacks, **rounds)
        estimator.fit(X, y, verbose=False, **context.weight_kwargs())
    # The callbacks hold the search's context: not part of the model. Predict on the CPU so a
    # model trained on a GPU serves anywhere.
    estimator.set_params(callbacks=None, device="cpu")
    return estimator


def compile_predict(estimator: Any, layout: FeatureLayout) -> Any:
    """The fitted model's predictions on a :class:`automl.FeatureLayout` matrix, straight from
    its booster (``inplace_predict``, single-threaded): a pandas frame's conversion costs a
    millisecond a call, the trees a tenth of one. None where the booster was fitted on
    other columns."""
    import numpy as np

    booster = estimator.get_booster()
    names = booster.feature_names  # None where it was fitted on a bare matrix
    if (list(names) != [str(n) for n in layout.names] if names is not None
            else booster.num_features() != len(layout.names)):
        return None
    booster.set_param({"nthread": 1})
    try:
        rounds = (0, int(estimator.best_iteration) + 1)
    except AttributeError:  # no early stopping: every round
        rounds = (0, 0)
    classes = len(getattr(estimator, "classes_", ()))

    def predict(matrix: Any) -> Any:
        out = booster.inplace_predict(matrix, iteration_range=rounds, missing=estimator.missing,
                                      validate_features=False)
        if classes == 2:  # the positive class's probability, as XGBClassifier spreads it
            return np.vstack((1 - out, out)).transpose()
        return out

    return predict


MODEL = ModelSpec(
    name="xgboost",
    tasks=frozenset(Task),
    build=_build,
    search_space=_search_space,
    defaults=(
        {"n_estimators": 1000, "learning_rate": 0.05, "max_depth": 6, "min_child_weight": 1.0,
         "subsample": 0.8, "colsample_bytree": 0.8, "reg_alpha": 1e-8, "reg_lambda": 1.0},
        {"n_estimators": 1000, "learning_rate": 0.03, "max_depth": 3, "min_child_weight": 3.0,
         "subsample": 0.9, "colsample_bytree": 0.6, "reg_alpha": 1e-3, "reg_lambda": 3.0},
    ),
    grid={"learning_rate": [0.03, 0.1], "max_depth": [3, 6, 9]},
    preprocessing={"categorical": "native_categorical"},
    fit=_fit,
    cost=0.6,
    gpu=True,
    description="XGBoost gradient boosted trees (hist; CUDA when present)",
    compile_predict=compile_predict,
)


@automl.hookimpl
def register_models(register: Any) -> None:
    """Register the ``xgboost`` model."""
    register(MODEL)
