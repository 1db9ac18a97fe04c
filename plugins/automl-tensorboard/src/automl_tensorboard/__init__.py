"""TensorBoard for automl: an observer plugin that writes a search and the models' training
curves to TensorBoard event files (with tensorboardX's writer), for ``tensorboard --logdir``.

Off by default: installed, it writes nothing until a log directory is named, with the
environment variable ``AUTOML_TENSORBOARD_LOGDIR`` or ``automl fit --tensorboard DIR``. Each fit
then writes one run, a subdirectory named by its start time and process id:

- ``search/<metric>``: each trial's held-out score, by trial number; ``search/best_<metric>``:
  the best so far; ``search/fit_seconds``; ``models/<model>/<metric>``: one curve per model;
- ``trial_<n>/<model>/<value>``: what a model logs while it trains (the PyTorch network's
  train and held-out loss by epoch, boosting rounds); ``refit/<model>/<value>`` for the refit;
- ``result/<metric>`` and a text summary of the winner and the leaderboard at the end.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import automl
from automl.plugin import get_metric

LOGDIR_VARIABLE = "AUTOML_TENSORBOARD_LOGDIR"


class TensorBoardObserver:
    """The observer hooks; one writer per fit, opened at the fit's first event and closed at
    its end."""

    def __init__(self) -> None:
        self.writer: Any = None
        self.best: float | None = None

    def _writer(self) -> Any:
        if self.writer is None:
            logdir = os.environ.get(LOGDIR_VARIABLE)
            if not logdir:
                return None
            from tensorboardX import SummaryWriter

            run = Path(logdir) / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
            self.writer, self.best = SummaryWriter(str(run)), None
        return self.writer

    @automl.hookimpl
    def on_trial_end(self, trial: Any, metric: str, task: str) -> None:
        """Each trial's score and duration; the best score so far."""
        writer = self._writer()
        if writer is None:
            return
        writer.add_scalar("search/fit_seconds", trial.fit_seconds, trial.number)
        if trial.status != "complete" or trial.score is None:
            return
        writer.add_scalar(f"search/{metric}", trial.score, trial.number)
        writer.add_scalar(f"models/{trial.model}/{metric}", trial.score, trial.number)
        better = get_metric(metric, automl.Task(task)).better
        if self.best is None or better(trial.score, self.best):
            self.best = trial.score
        writer.add_scalar(f"search/best_{metric}", self.best, trial.number)

    @automl.hookimpl
    def on_training_step(self, model: str, trial: int, step: int,
                         values: dict[str, float]) -> None:
        """A model's training curve: every value it logs, by step."""
        writer = self._writer()
        if writer is None:
            return
        group = "refit" if trial < 0 else f"trial_{trial:03d}"
        for name, value in values.items():
            writer.add_scalar(f"{group}/{model}/{name}", float(value), step)

    @automl.hookimpl
    def on_fit_end(self, result: Any) -> None:
        """The winner's score and the leaderboard as text; closes the run."""
        writer = self._writer()
        if writer is None:
            return
        trials = len(result.leaderboard)
        writer.add_scalar(f"result/{result.metric}", result.valid_score, trials)
        board = result.leaderboard[["model", result.metric, "fit_seconds", "status"]].head(20)
        # indented four spaces: TensorBoard renders text as Markdown, this as a code block
        table = "\n".join(f"    {line}" for line in board.to_string(index=False).splitlines())
        writer.add_text("result/leaderboard", f"best: {result.best}\n\n{table}", trials)
        writer.close()
        self.writer = None


#: the plugin object the entry point names
observer = TensorBoardObserver()
