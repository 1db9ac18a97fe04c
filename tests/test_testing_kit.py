"""automl._kit.checks on the built-ins and on a plugin that breaks the contract."""

from __future__ import annotations

import pytest

import automl
from automl._contract import plugins
from automl.plugin import CleanerSpec, CleaningStep, PluginCheckError, check_plugin, plugin_checks


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


def test_builtin_cleaning_steps_conform():
    check_plugin("cleaners")


def _kit_on(plugin: object, name: str, expected_failures: dict | None = None) -> list:
    """The kit's outcomes for ``plugin`` registered under ``name``, as (check key, status)."""
    plugins.reload_plugins()
    plugins.register_plugin(plugin, name)
    try:
        return [(c.key, c.outcome()) for c in plugin_checks(name, expected_failures)]
    finally:
        plugins.unregister_plugin(name)


def _tree(params, task):
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    return (DecisionTreeClassifier if task != "regression" else DecisionTreeRegressor)(**params)


class _Careless:
    """A model with its own fit that breaks three clauses: it reads the held-out rows even
    when a refit has none, it draws its own randomness, and it ignores its deadline on a large
    table."""

    @automl.hookimpl
    def register_models(self, register):
        register(automl.ModelSpec("careless", {"binary"}, _tree, lambda trial: {},
                                  fit=self.fit))

    @staticmethod
    def fit(estimator, X, y, ctx):
        import time

        import numpy as np

        assert ctx.X_valid is not None, "no held-out rows"
        estimator.set_params(random_state=int(np.random.default_rng().integers(1 << 30)),
                             max_features=0.5)
        while len(y) > 10_000 and time.monotonic() < ctx.deadline + 60:
            time.sleep(0.05)
        return estimator.fit(X, y)


def test_the_refit_deadline_and_seed_checks_catch_a_careless_model():
    outcomes = dict(_kit_on(_Careless(), "careless"))
    subject = "model 'careless' (binary)"
    assert outcomes[f"{subject}:fits and predicts"] == ("passed", None)
    status, why = outcomes[f"{subject}:refits without held-out rows"]
    assert status == "failed" and "no held-out rows" in why
    status, why = outcomes[f"{subject}:is deterministic"]
    assert status == "failed" and "same seed differ" in why
    status, why = outcomes[f"{subject}:keeps to its deadline"]
    assert status == "failed" and "still fitting 5 s past it" in why


def test_an_expected_failure_is_reported_as_such_and_must_keep_failing():
    subject = "model 'careless' (binary)"
    outcomes = dict(_kit_on(_Careless(), "careless", {
        f"{subject}:is deterministic": "draws its own seed, knowingly",
        f"{subject}:pickles": "said to fail, but passes"}))
    status, why = outcomes[f"{subject}:is deterministic"]
    assert status == "xfailed" and why.startswith("draws its own seed, knowingly")
    status, why = outcomes[f"{subject}:pickles"]
    assert status == "xpassed" and "take \"model 'careless' (binary):pickles\" out" in why
    with pytest.raises(PluginCheckError, match="names checks that do not exist"):
        _kit_on(_Careless(), "careless", {"model 'careless' (binary):flies": "no such check"})


class _Drop(CleaningStep):
    """Drops rows with missing values and turns what it cannot read into missing values: both
    break the cleaning contract."""

    def transform(self, df):
        return df.apply(lambda c: c.map(
            lambda v: float("nan") if isinstance(v, str) and v.startswith("#") else v)).dropna()


class _RowDropper:
    @automl.hookimpl
    def register_cleaners(self, register):
        register(CleanerSpec("dropper", _Drop))


def test_the_cleaner_checks_catch_a_step_that_drops_rows_and_values():
    outcomes = dict(_kit_on(_RowDropper(), "dropper"))
    assert outcomes["cleaner 'dropper':pickles"] == ("passed", None)
    status, why = outcomes["cleaner 'dropper':keeps every row"]
    assert status == "failed" and "each row to predict needs its answer" in why
    status, why = outcomes["cleaner 'dropper':leaves unreadable values alone"]
    assert status == "failed" and "'#unreadable value#'" in why


class _Watcher:
    """An observer and nothing else: before the kit knew observers, it failed "registers
    nothing"."""

    def __init__(self):
        self.seen = []

    @automl.hookimpl
    def on_trial_end(self, trial, metric, task):
        self.seen.append((trial.model, metric, task))

    @automl.hookimpl
    def on_fit_end(self, result):
        self.seen.append(result.best)


def test_an_observer_only_plugin_is_checked_hook_by_hook():
    watcher = _Watcher()
    outcomes = dict(_kit_on(watcher, "watcher"))
    assert outcomes == {"entry point:registers": ("passed", None),
                        "observer on_trial_end:accepts the spec's arguments": ("passed", None),
                        "observer on_fit_end:accepts the spec's arguments": ("passed", None)}
    assert ("linear", "roc_auc", "binary") in watcher.seen and "linear" in watcher.seen
