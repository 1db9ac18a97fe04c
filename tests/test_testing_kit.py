"""automl.testing on the built-ins and on a plugin that breaks the contract."""

from __future__ import annotations

import pytest

import automl
from automl import plugins
from automl.testing import PluginCheckError, check_plugin, plugin_checks


@pytest.mark.parametrize("check", plugin_checks("sklearn_models"), ids=str)
def test_builtin_models_conform(check):
    check()


@pytest.mark.parametrize("name", ["preprocessors", "optuna_tuners", "metrics"])
def test_builtin_preprocessors_tuners_and_metrics_conform(name):
    check_plugin(name)


class _NoProba:
    """A classifier without predict_proba: the kit must say so, naming plugin and check."""

    @automl.hookimpl
    def register_models(self, register):
        from sklearn.svm import LinearSVC

        register(automl.ModelSpec("svc", {"binary"}, lambda p, t: LinearSVC(**p),
                                  lambda trial: {"C": trial.suggest_float("C", 0.1, 10)}))


def test_a_failure_names_the_plugin_model_and_check():
    plugins.reload_plugins()
    plugins.register_plugin(_NoProba(), "no_proba")
    try:
        with pytest.raises(PluginCheckError) as info:
            check_plugin("no_proba")
    finally:
        plugins.unregister_plugin("no_proba")
    message = str(info.value)
    assert "plugin 'no_proba', model 'svc' (binary), check 'builds'" in message
    assert "lacks ['predict_proba']" in message
