"""``automl status``: the trials of a shared search so far, best first, read from its study."""

from __future__ import annotations

import time
from dataclasses import dataclass

import optuna
import pandas as pd

from automl._contract.metrics import get_metric
from automl._contract.specs import Task
from automl._distributed.storage import open_storage, redact, retrying, study_summaries
from automl._distributed.study import DEADLINE, SETTINGS, STARTED, records
from automl._result.leaderboard import make_leaderboard
from automl.errors import ConfigurationError


@dataclass
class StudyStatus:
    """A shared search as its study holds it now: its name, task and metric, the leaderboard
    of every trial so far (best first, with the worker that ran each), and the seconds left of
    its budget (negative once it has ended)."""

    study: str
    task: str
    metric: str
    leaderboard: pd.DataFrame
    seconds_left: float

    def summary(self) -> str:
        """A few lines: the counts by status and by worker, and the time left."""
        board = self.leaderboard
        counts = ", ".join(f"{n} {s}" for s, n in board["status"].value_counts().items())
        workers = board.groupby("worker", dropna=False).size()
        left = (f"{self.seconds_left:.0f}s of its budget left" if self.seconds_left > 0
                else "its budget has ended")
        lines = [f"study {self.study!r}: {self.task}, {self.metric}; {len(board)} trials "
                 f"({counts or 'none yet'}); {left}"]
        lines += [f"  {worker}: {n} trials" for worker, n in workers.items()]
        return "\n".join(lines)


def study_status(storage: str, study_name: str | None = None) -> StudyStatus | list[str]:
    """The status of ``study_name`` in ``storage``; without a name, the names of the studies
    there. A study that automl did not start, or that is not there, is a
    :class:`~automl.errors.ConfigurationError`."""
    raw = open_storage(storage, create=False)
    summaries = study_summaries(storage, raw)
    if study_name is None:
        return sorted(s.study_name for s in summaries)
    found = next((s for s in summaries if s.study_name == study_name), None)
    if found is None or SETTINGS not in found.user_attrs:
        raise ConfigurationError(f"no search {study_name!r} in {redact(storage)}; the studies "
                                 f"there are {sorted(s.study_name for s in summaries)[:10]}")
    attrs = found.user_attrs
    study = retrying(storage, optuna.load_study, study_name=study_name, storage=raw)
    settings = attrs[SETTINGS]
    metric = get_metric(settings["metric"], Task(settings["task"]))
    board = make_leaderboard(retrying(storage, records, study, attrs[STARTED]), metric.name,
                             metric.greater_is_better)
    return StudyStatus(study_name, settings["task"], metric.name, board,
                       attrs.get(DEADLINE, 0.0) - time.time())
