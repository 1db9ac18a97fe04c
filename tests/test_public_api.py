"""The two declared surfaces, `automl` for users and `automl.plugin` for plugin authors: a name
that disappears from either breaks somebody's code, so removing one must be a decision made here.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib

import pytest

import automl
import automl.plugin

USER_NAMES = {
    "AutoMLError", "CleanContext", "CleanerSpec", "DataValidationError", "FeatureLayout",
    "FitContext", "FitResult", "Metric", "ModelSpec", "PrepContext", "PreprocessorSpec",
    "SearchChoice", "Task", "TunerSpec", "__version__", "fit", "hookimpl", "load", "make_metric",
}
PLUGIN_NAMES = {
    "ACTIONS", "CleanContext", "CleanerSpec", "CleaningStep", "FeatureLayout", "FitContext",
    "Metric", "ModelSpec", "PluginCheck", "PluginCheckError", "PluginInfo", "PrepContext",
    "PreprocessorSpec", "ReportEntry", "SearchChoice", "Task", "TimeLimitExceeded",
    "TrialRecord", "TunerSpec", "baseline_score", "budget_run", "call_with_time_limit",
    "check_plugin", "get_metric", "hookimpl", "hookspecs", "make_messy", "make_metric", "paced_run",
    "plugin_checks", "plugin_infos", "small_data",
}
#: the hooks a plugin may implement, with their arguments (pluggy matches them by name)
HOOKS = {
    "register_models": ["register"], "register_preprocessors": ["register"],
    "register_cleaners": ["register"], "register_tuners": ["register"],
    "register_metrics": ["register"], "on_trial_end": ["trial", "metric", "task"],
    "on_training_step": ["model", "trial", "step", "values"], "on_fit_end": ["result"],
}
#: public modules besides the two surfaces: the errors users catch, the scikit-learn estimators
PUBLIC_MODULES = {"errors", "plugin", "sklearn"}
#: the paths plugin authors were sent to before automl.plugin, kept with a warning until 0.3
MOVED = {"testing": "plugin_checks", "cleaning": "CleaningStep", "data_report": "ReportEntry",
         "messy": "make_messy", "metrics": "get_metric"}


@pytest.mark.parametrize(("module", "names"), [(automl, USER_NAMES),
                                               (automl.plugin, PLUGIN_NAMES)])
def test_each_surface_keeps_its_names(module, names):
    assert names <= set(module.__all__), names - set(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize("module", [automl, automl.plugin])
def test_every_public_callable_and_class_says_its_contract(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{module.__name__}.{name} has no docstring"


def test_the_hooks_keep_their_names_and_arguments():
    specs = {name: list(inspect.signature(fn).parameters)
             for name, fn in inspect.getmembers(automl.plugin.hookspecs, inspect.isfunction)
             if hasattr(fn, "automl_spec")}
    assert specs == HOOKS


def test_the_errors_and_estimators_stay_importable():
    errors = importlib.import_module("automl.errors")
    assert issubclass(errors.DataValidationError, errors.AutoMLError)
    estimators = importlib.import_module("automl.sklearn")
    assert {"AutoMLClassifier", "AutoMLRegressor"} <= set(dir(estimators))


def test_everything_else_is_private_by_name():
    package = pathlib.Path(automl.__file__).parent
    modules = [p for p in package.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()]
    public = {p.stem for p in modules if not p.name.startswith("_")}
    assert public <= PUBLIC_MODULES | set(MOVED), public - PUBLIC_MODULES - set(MOVED)
    assert (package / "py.typed").is_file()


@pytest.mark.parametrize(("module", "name"), sorted(MOVED.items()))
def test_an_old_path_still_gives_its_name_and_says_where_it_moved(module, name):
    old = importlib.import_module(f"automl.{module}")
    with pytest.warns(DeprecationWarning, match=f"from automl.plugin import {name}"):
        found = getattr(old, name)
    assert found is getattr(automl.plugin, name)
    with pytest.raises(AttributeError):
        old.no_such_name  # noqa: B018 - the lookup is what is tested
