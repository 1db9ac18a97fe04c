"""An automl plugin: registers one model, ``decision_tree``, through the ``automl`` entry point."""

from __future__ import annotations

from typing import Any

import automl


def build(params: dict[str, Any], task: automl.Task) -> Any:
    """An unfitted estimator for ``task`` with ``params`` (labels arrive as 0..k-1)."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if task == automl.Task.REGRESSION:
        return DecisionTreeRegressor(**params)
    return DecisionTreeClassifier(**params)


def search_space(trial: Any) -> dict[str, Any]:
    """The parameters the search tunes, drawn with Optuna's ``trial.suggest_*``."""
    return {
        "max_depth": trial.suggest_int("max_depth", 2, 16),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True),
        # scikit-learn 1.9 folds "friedman_mse" into "squared_error": the regression tree has
        # one criterion worth tuning over no more
        "criterion": trial.suggest_categorical(
            "criterion", ["squared_error"] if trial.task == "regression"
            else ["gini", "entropy"]),
    }


@automl.hookimpl
def register_models(register: Any) -> None:
    """Register this plugin's models with automl."""
    register(automl.ModelSpec(
        name="decision_tree",
        tasks={"binary", "multiclass", "regression"},
        build=build,
        search_space=search_space,
        defaults=({"max_depth": 6, "min_samples_leaf": 5},),
        description="a single CART decision tree",
    ))
