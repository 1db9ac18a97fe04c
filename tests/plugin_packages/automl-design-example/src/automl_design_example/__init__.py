"""The design card's plugin example, as written there, with ``make_estimator`` filled in."""

from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

import automl


def make_estimator(params, task):
    if task == "regression":
        return KNeighborsRegressor(**params)
    return KNeighborsClassifier(**params)


@automl.hookimpl
def register_models(register):
    register(automl.ModelSpec(
        name="knn",
        tasks={"binary", "multiclass", "regression"},
        build=lambda params, task: make_estimator(params, task),   # unfitted, sklearn-compatible
        search_space=lambda trial: {"n_neighbors": trial.suggest_int("n_neighbors", 1, 50)},
    ))
