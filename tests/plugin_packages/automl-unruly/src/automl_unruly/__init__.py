"""Two model plugins that misbehave inside a trial, as a careless or hostile third party's
might: ``hanging_tree`` ignores the deadline and sleeps far past any budget in every fit,
``exiting_tree`` raises ``SystemExit`` from its fit. Both are costed high so that the fit's
cheap built-in models are tried first, and the exiting one before the hanging one."""

import time

from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import automl

HANG_SECONDS = 600


def _build(params, task):
    return (DecisionTreeRegressor if task == "regression" else DecisionTreeClassifier)(
        max_depth=3, random_state=0)


def _hang(estimator, X, y, context):
    for _ in range(HANG_SECONDS * 10):  # a Python loop that never looks at context.deadline
        time.sleep(0.1)
    return estimator.fit(X, y)


def _exit(estimator, X, y, context):
    raise SystemExit(3)


@automl.hookimpl
def register_models(register):
    tasks = {automl.Task.BINARY, automl.Task.MULTICLASS, automl.Task.REGRESSION}
    register(automl.ModelSpec("hanging_tree", tasks, _build, lambda trial: {}, fit=_hang,
                              cost=50.0))
    register(automl.ModelSpec("exiting_tree", tasks, _build, lambda trial: {}, fit=_exit,
                              cost=40.0))
