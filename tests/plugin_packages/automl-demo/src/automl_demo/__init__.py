"""A third-party plugin: a decision tree whose custom fit uses the FitContext (held-out split,
deadline, pruning reports), and an observer that counts trials."""

from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import automl

SEEN = {"trials": 0, "fits": 0, "contexts": []}


def _build(params, task):
    cls = DecisionTreeClassifier if task != "regression" else DecisionTreeRegressor
    return cls(**params)


def _fit(estimator, X, y, context):
    SEEN["contexts"].append(context)
    estimator.fit(X, y)
    if context.X_valid is not None:
        context.report(0, float(estimator.score(context.X_valid, context.y_valid)))
    return estimator


@automl.hookimpl
def register_models(register):
    register(automl.ModelSpec(
        name="demo_tree",
        tasks={"binary", "multiclass", "regression"},
        build=_build,
        search_space=lambda trial: {"max_depth": trial.suggest_int("max_depth", 1, 12)},
        defaults=({"max_depth": 5},),
        fit=_fit,
        cost=0.05,
    ))


@automl.hookimpl
def on_trial_end(trial, metric):
    SEEN["trials"] += 1
