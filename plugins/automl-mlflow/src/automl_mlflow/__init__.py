"""MLflow for automl: an observer plugin that logs each fit as an MLflow run with a nested run
per trial, and :func:`save_model` / :func:`log_model`, which write the fitted model as an
MLflow pyfunc model.

Off by default: installed, it logs nothing until a tracking URI is set, with MLflow's own
environment variable ``MLFLOW_TRACKING_URI`` or ``automl fit --mlflow URI``. It writes through
``MlflowClient``, never MLflow's active-run state, so the user's own ``mlflow.start_run()``
blocks are left alone. MLflow is imported at the first event, not when automl loads the plugin.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import automl

__all__ = ["EXPERIMENT", "URI_VARIABLE", "log_model", "observer", "save_model"]

#: MLflow's own variable: set, the plugin logs every fit
URI_VARIABLE = "MLFLOW_TRACKING_URI"
#: the experiment runs go to unless ``MLFLOW_EXPERIMENT_NAME`` names another
EXPERIMENT = "automl"
#: MLflow's limit on a parameter's value
_PARAM_CHARS = 6000


class MLflowObserver:
    """The observer hooks: the fit's run is created at its first trial and ended with it;
    ``last_run_id`` is the run of the last fit logged."""

    def __init__(self) -> None:
        self.run_id: str | None = None
        self.last_run_id: str | None = None
        self._client: Any = None
        self._experiment: str | None = None

    def _parent(self) -> str | None:
        if self.run_id is None:
            if not os.environ.get(URI_VARIABLE):
                return None
            from mlflow.tracking import MlflowClient

            self._client = MlflowClient()
            name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
            found = self._client.get_experiment_by_name(name)
            self._experiment = (found.experiment_id if found is not None
                                else self._client.create_experiment(name))
            run = self._client.create_run(self._experiment, tags={
                "mlflow.runName": f"automl fit {time.strftime('%Y-%m-%d %H:%M:%S')}"})
            self.run_id = run.info.run_id
        return self.run_id

    @automl.hookimpl
    def on_trial_end(self, trial: Any, metric: str, task: str) -> None:
        """A nested run per trial: its model and parameters, score, seconds and status."""
        parent = self._parent()
        if parent is None:  # before importing MLflow: a fit that logs nothing pays nothing
            return
        from mlflow.entities import Metric, Param, RunTag

        client, now = self._client, int(time.time() * 1000)
        tags = {"mlflow.parentRunId": parent, "mlflow.runName": f"trial {trial.number} "
                f"{trial.model}", "status": trial.status, "trial": str(trial.number)}
        if trial.error:
            tags["error"] = str(trial.error)[:_PARAM_CHARS]
        child = client.create_run(self._experiment, tags=tags).info.run_id
        params = [Param("model", str(trial.model))] + [
            Param(str(k), str(v)[:_PARAM_CHARS]) for k, v in sorted(trial.params.items())]
        metrics = [Metric("fit_seconds", float(trial.fit_seconds), now, trial.number)]
        if trial.score is not None:
            metrics.append(Metric(metric, float(trial.score), now, trial.number))
        client.log_batch(child, metrics=metrics, params=params,
                         tags=[RunTag("task", task)])
        client.set_terminated(child, "FINISHED" if trial.status == "complete" else "FAILED")

    @automl.hookimpl
    def on_fit_end(self, result: Any) -> None:
        """The fit's run: task, metric, winner, held-out score, and the leaderboard, the data
        report and the held-out evaluation as artifacts; then it is ended."""
        parent = self._parent()
        if parent is None:
            return
        from mlflow.entities import Metric, Param

        client, now = self._client, int(time.time() * 1000)
        params = [Param("task", result.task.value), Param("metric", result.metric),
                  Param("best", result.best), Param("validation", result.validation[:500])]
        metrics = [Metric(f"held_out_{result.metric}", float(result.valid_score), now, 0),
                   Metric("fit_seconds", float(result.fit_seconds), now, 0),
                   Metric("trials", float(len(result.leaderboard)), now, 0)]
        client.log_batch(parent, metrics=metrics, params=params)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            result.leaderboard.to_json(folder / "leaderboard.json", orient="records",
                                       indent=2, default_handler=str)
            (folder / "data_report.json").write_text(result.data_report.to_frame().to_json(
                orient="records", indent=2))
            held = None if result.held_out is None else vars(result.held_out)
            (folder / "held_out.json").write_text(json.dumps(held, indent=2, default=str))
            for name in ("leaderboard.json", "data_report.json", "held_out.json"):
                client.log_artifact(parent, str(folder / name))
        client.set_terminated(parent, "FINISHED")
        self.last_run_id, self.run_id = parent, None


def save_model(result: Any, path: str | Path) -> Path:
    """Write ``result`` (a :class:`automl.FitResult`) as an MLflow pyfunc model in directory
    ``path``: the saved automl model as its artifact, a signature from the training schema.
    ``mlflow.pyfunc.load_model(path).predict(frame)`` answers as ``result.predict`` does."""
    import mlflow

    from automl_mlflow.pyfunc import AutoMLPyfunc, signature_of

    with tempfile.TemporaryDirectory() as tmp:
        saved = result.save(Path(tmp) / "automl_model")
        mlflow.pyfunc.save_model(str(path), python_model=AutoMLPyfunc(),
                                 artifacts={"automl_model": str(saved)},
                                 signature=signature_of(result),
                                 pip_requirements=["automl", "automl-mlflow"])
    return Path(path)


def log_model(result: Any, name: str = "model", run_id: str | None = None) -> str:
    """Log ``result`` as an MLflow pyfunc model (see :func:`save_model`) in run ``run_id``
    (default: the last fit this plugin logged, else a new run); returns the model's URI."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    if run_id is None:
        run_id = observer.last_run_id
    if run_id is None:
        name_ = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT
        found = client.get_experiment_by_name(name_)
        experiment = found.experiment_id if found else client.create_experiment(name_)
        run_id = client.create_run(experiment).info.run_id
    with tempfile.TemporaryDirectory() as tmp:
        local = save_model(result, Path(tmp) / name)
        client.log_artifacts(run_id, str(local), artifact_path=name)
    return f"runs:/{run_id}/{name}"


#: the plugin object the entry point names
observer = MLflowObserver()
