"""Plugin discovery through entry points, isolation of broken plugins, and the hooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import automl
from automl._contract import plugins


@pytest.fixture()
def with_installed(installed_plugins: Path, monkeypatch: pytest.MonkeyPatch):
    """The installed test packages made importable, and plugins rescanned around the test."""
    monkeypatch.syspath_prepend(str(installed_plugins))
    plugins.reload_plugins()
    yield installed_plugins
    plugins.reload_plugins()


def test_builtins_come_through_the_core_entry_points():
    plugins.reload_plugins()
    infos = {i.name: i for i in plugins.plugin_infos()}
    assert {"sklearn_models", "preprocessors", "optuna_tuners"} <= set(infos)
    models = infos["sklearn_models"]
    assert models.builtin and models.distribution == "automl"
    assert set(models.registered["model"]) == {
        "linear", "random_forest", "extra_trees", "hist_gradient_boosting", "kneighbors"}
    assert set(infos["optuna_tuners"].registered["tuner"]) == {"tpe", "random", "grid"}


def test_installed_package_is_discovered_listed_and_used(with_installed, small_credit):
    infos = {i.name: i for i in plugins.plugin_infos()}
    demo = infos["demo"]
    assert (demo.distribution, demo.version, demo.error) == ("automl-demo", "0.3.1", None)
    assert demo.registered == {"model": ["demo_tree"]}
    import automl_demo

    result = automl.fit(small_credit, "Status", models=["demo_tree"], n_trials=4,
                        time_budget=30, ensemble=False, validation="holdout", verbose=0)
    assert set(result.leaderboard["model"]) == {"demo_tree"}
    assert result.best == "demo_tree"
    assert automl_demo.SEEN["trials"] >= 4  # the observer hook saw every trial
    # the custom fit got the held-out rows (already preprocessed) and a finite deadline
    trial_contexts = [c for c in automl_demo.SEEN["contexts"] if c.X_valid is not None]
    assert trial_contexts and all(c.deadline < float("inf") for c in trial_contexts)
    assert trial_contexts[0].X_valid.shape[0] == len(trial_contexts[0].y_valid)
    refit = automl_demo.SEEN["contexts"][-1]
    assert refit.X_valid is None and refit.trial_estimator is not None


def test_plugin_written_from_the_design_card_alone(with_installed, hpc):
    from automl.plugin import check_plugin

    check_plugin("design_example")
    result = automl.fit(hpc.sample(800, random_state=0), "class", models=["knn"], n_trials=3,
                        ensemble=False, verbose=0)
    assert result.best == "knn" and len(result.leaderboard) == 3
    assert result.leaderboard["status"].eq("complete").all()


def test_broken_plugin_is_reported_by_name_and_skipped(with_installed, small_credit):
    with pytest.warns(UserWarning, match="broken"):
        infos = {i.name: i for i in plugins.plugin_infos()}
    assert "a_module_that_does_not_exist" in infos["broken"].error
    result = automl.fit(small_credit, "Status", models=["linear"], n_trials=1, verbose=0)
    assert result.best == "linear"


def test_env_var_turns_off_third_party_autoloading(with_installed, monkeypatch):
    monkeypatch.setenv("AUTOML_LOAD_PLUGINS", "")
    plugins.reload_plugins()
    names = {i.name for i in plugins.plugin_infos()}
    assert "demo" not in names and "broken" not in names
    assert "sklearn_models" in names
    monkeypatch.setenv("AUTOML_LOAD_PLUGINS", "demo")
    plugins.reload_plugins()
    names = {i.name for i in plugins.plugin_infos()}
    assert "demo" in names and "broken" not in names


def test_cli_plugins_lists_name_kind_distribution_version_and_errors(installed_plugins):
    env = {**os.environ, "PYTHONPATH": str(installed_plugins)}
    out = subprocess.run([sys.executable, "-m", "automl", "plugins"], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "demo (automl-demo 0.3.1): models: demo_tree" in out
    assert "sklearn_models (built-in): models:" in out
    assert "broken (automl-broken 0.0.1)" in out and "error: ModuleNotFoundError" in out
    assert "malformed (automl-malformed 0.0.1): models: good_tree" in out
    assert "error: model 'bad_tasks' is skipped" in out
    assert "misspelled (automl-malformed 0.0.1): registers nothing" in out
    assert "error: hook 'register_model' is not an automl hook" in out


class _Faulty:
    """A plugin whose model raises inside every trial."""

    @automl.hookimpl
    def register_models(self, register):
        def build(params, task):
            raise RuntimeError("this model is broken")

        register(automl.ModelSpec("faulty", {"binary"}, build, lambda trial: {}, cost=0.0))


class _BadRegistration:
    @automl.hookimpl
    def register_models(self, register):
        register("not a spec")


def test_model_that_raises_in_a_trial_is_recorded_failed_and_the_search_goes_on(small_credit):
    plugins.reload_plugins()
    plugins.register_plugin(_Faulty(), "faulty_plugin")
    try:
        result = automl.fit(small_credit, "Status", models=["faulty", "linear"], n_trials=4,
                            time_budget=30, ensemble=False, verbose=0)
    finally:
        plugins.unregister_plugin("faulty_plugin")
    board = result.leaderboard
    failed = board[board["model"] == "faulty"]
    assert len(failed) >= 1 and set(failed["status"]) == {"failed"}
    assert failed["error"].str.contains("this model is broken").all()
    assert result.best == "linear"


def test_plugin_that_registers_garbage_is_reported_not_fatal():
    plugins.reload_plugins()
    plugins.register_plugin(_BadRegistration(), "bad_registration")
    try:
        registry = plugins.collect()
    finally:
        plugins.unregister_plugin("bad_registration")
    assert "ModelSpec" in registry.errors["bad_registration"]
    assert "linear" in registry.models


def test_unknown_model_or_tuner_names_the_accepted_values(small_credit):
    with pytest.raises(automl.errors.ConfigurationError, match="registered models are"):
        automl.fit(small_credit, "Status", models=["no_such_model"], verbose=0)
    with pytest.raises(automl.errors.ConfigurationError, match="grid"):
        automl.fit(small_credit, "Status", tuner="annealing", verbose=0)


def test_malformed_specs_and_a_misspelled_hook_are_named_and_skipped(with_installed,
                                                                     small_credit):
    with pytest.warns(UserWarning, match="'register_model' is not an automl hook"):
        infos = {i.name: i for i in plugins.plugin_infos()}
    malformed = infos["malformed"]
    assert "model 'bad_tasks' is skipped: tasks ['classification'] are not tasks" in (
        malformed.error)
    assert "model 'bad_defaults' is skipped: defaults must be a tuple of parameter dicts" in (
        malformed.error)
    assert malformed.registered == {"model": ["good_tree"]}  # its good spec still registers
    assert "misspelled?" in infos["misspelled"].error and not infos["misspelled"].registered
    registry = plugins.collect()
    assert "good_tree" in registry.models
    assert not {"bad_tasks", "bad_defaults", "never_seen"} & set(registry.models)
    # every fit goes on, the good spec of the malformed plugin included
    result = automl.fit(small_credit, "Status", models=["linear", "good_tree"], n_trials=2,
                        verbose=0)
    assert set(result.leaderboard["model"]) >= {"good_tree"}



class _OptIn:
    """A plugin with a model searched only when named, and two that misuse the option."""

    @automl.hookimpl
    def register_models(self, register):
        from sklearn.tree import DecisionTreeClassifier

        def build(params, task):
            return DecisionTreeClassifier(max_depth=3)

        register(automl.ModelSpec("named_tree", {"binary"}, build, lambda trial: {},
                                  by_default=False))
        register(automl.ModelSpec("vague_tree", {"binary"}, build, lambda trial: {},
                                  by_default="yes"))
        register(automl.ModelSpec("all", {"binary"}, build, lambda trial: {}))


def test_model_off_by_default_is_searched_only_when_named_or_with_all(small_credit):
    from automl._search.selection import select_models

    plugins.reload_plugins()
    plugins.register_plugin(_OptIn(), "opt_in")
    try:
        registry = plugins.collect()
        default = select_models(registry, None, automl.Task.BINARY)
        every = select_models(registry, "all", automl.Task.BINARY)
        result = automl.fit(small_credit, "Status", models=["named_tree"], n_trials=1,
                            ensemble=False, verbose=0)
    finally:
        plugins.unregister_plugin("opt_in")
    assert "by_default must be True or False, not 'yes'" in registry.errors["opt_in"]
    assert "name 'all' is taken" in registry.errors["opt_in"]
    assert "named_tree" not in default and "linear" in default
    named_only = {n for n, m in registry.models.items() if not m.by_default}
    assert "named_tree" in named_only and not named_only & set(default)
    assert set(every) == set(default) | named_only
    assert select_models(registry, ["all"], automl.Task.BINARY) == every  # the CLI's list
    assert result.best == "named_tree"


def test_no_default_model_for_the_task_says_which_ones_are_named_only():
    from automl._search.selection import select_models

    registry = plugins.Registry()
    spec = automl.ModelSpec("named_tree", {"binary"}, lambda p, t: None, lambda trial: {},
                            by_default=False)
    registry.models["named_tree"] = spec
    with pytest.raises(automl.errors.PluginError, match=r"by default; \['named_tree'\] do"):
        select_models(registry, None, automl.Task.BINARY)
    assert select_models(registry, ["named_tree"], automl.Task.BINARY) == {"named_tree": spec}


def test_cli_plugins_marks_the_torch_network_as_searched_only_when_named():
    pytest.importorskip("automl_torch")
    out = subprocess.run([sys.executable, "-m", "automl", "plugins"], capture_output=True,
                         text=True, check=True).stdout
    assert "models: torch_mlp (only when named, or --models all)" in out
    assert "models: linear, hist_gradient_boosting," in out  # the defaults carry no mark



def test_cli_plugins_json_gives_each_plugins_kinds_origin_hooks_and_error(installed_plugins):
    import json

    from automl import __version__

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(installed_plugins), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-m", "automl", "plugins", "--json"], env=env,
                         capture_output=True, text=True, check=True).stdout
    plugins = {p["name"]: p for p in json.loads(out)}
    demo = plugins["demo"]
    assert (demo["kinds"], demo["registered"], demo["hooks"]) == (
        ["model"], {"model": ["demo_tree"]}, ["on_trial_end", "register_models"])
    assert (demo["distribution"], demo["version"], demo["builtin"], demo["error"]) == (
        "automl-demo", "0.3.1", False, None)
    models = plugins["sklearn_models"]
    assert (models["distribution"], models["version"], models["builtin"]) == (
        "automl", __version__, True)
    assert "linear" in models["registered"]["model"]
    assert plugins["cleaners"]["hooks"] == ["register_cleaners"]
    assert "ModuleNotFoundError" in plugins["broken"]["error"]
    assert plugins["broken"]["registered"] == {} and plugins["broken"]["hooks"] == []
    version = subprocess.run([sys.executable, "-m", "automl", "--version"], env=env,
                             capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"automl {__version__}"


class _Recorder:
    def __init__(self, name: str, calls: list, fail: bool = False) -> None:
        self.name, self.calls, self.fail = name, calls, fail

    @automl.hookimpl
    def on_fit_end(self, result):
        self.calls.append(self.name)
        if self.fail:
            raise RuntimeError("boom")


class _Wrapper:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    @automl.hookimpl(wrapper=True)
    def on_fit_end(self, result):
        self.calls.append("wrapper in")
        try:
            return (yield)
        finally:
            self.calls.append("wrapper out")


def test_hooks_are_called_through_pluggy_in_its_order_with_wrappers_and_alone():
    calls: list = []
    added = {"early": _Recorder("early", calls), "late": _Recorder("late", calls, fail=True),
             "wrapper": _Wrapper(calls)}
    for name, plugin in added.items():
        plugins.register_plugin(plugin, name)
    try:
        with pytest.warns(UserWarning, match="'late' raised in on_fit_end: RuntimeError"):
            plugins.notify("on_fit_end", result=None)
    finally:
        for name in added:
            plugins.unregister_plugin(name)
    # pluggy's order, the last registered first; the wrapper around each plugin's call (the
    # installed observer plugins' too); the one that raised costs only its own call
    assert [c for c in calls if not c.startswith("wrapper")] == ["late", "early"]
    for name in ("late", "early"):
        at = calls.index(name)
        assert calls[at - 1:at + 2] == ["wrapper in", name, "wrapper out"]
    assert calls.count("wrapper in") == calls.count("wrapper out") >= 2
    registry = plugins.collect()
    assert registry.owners[("model", "linear")] == "sklearn_models"  # built-ins register first


def test_plugin_tracing_writes_pluggys_trace_to_stderr():
    run = subprocess.run([sys.executable, "-m", "automl", "plugins"], capture_output=True,
                         text=True, env={**os.environ, plugins.TRACE_VARIABLE: "1"})
    assert run.returncode == 0, run.stderr
    assert "register_models" in run.stderr and "finish register_models" in run.stderr
