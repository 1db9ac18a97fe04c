"""Two malformed model specs (tasks that are not tasks, defaults as a dict) and a good one."""

from sklearn.tree import DecisionTreeClassifier

import automl


def _build(params, task):
    return DecisionTreeClassifier(max_depth=3, random_state=0)


@automl.hookimpl
def register_models(register):
    register(automl.ModelSpec("bad_tasks", {"classification"}, _build, lambda trial: {}))
    register(automl.ModelSpec("bad_defaults", {automl.Task.BINARY}, _build, lambda trial: {},
                              defaults={"max_depth": 3}))
    register(automl.ModelSpec("good_tree", {automl.Task.BINARY}, _build, lambda trial: {}))
