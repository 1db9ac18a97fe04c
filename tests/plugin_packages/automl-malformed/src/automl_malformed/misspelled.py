"""A plugin whose hook name is misspelled: register_model for register_models."""

from sklearn.tree import DecisionTreeClassifier

import automl


@automl.hookimpl
def register_model(register):
    register(automl.ModelSpec("never_seen", {automl.Task.BINARY},
                              lambda params, task: DecisionTreeClassifier(), lambda trial: {}))
