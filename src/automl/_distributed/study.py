"""One process's part in a shared study: the :class:`~automl._search.records.SharedSearch` the
search loop calls, and the study's trials read back as leaderboard records."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import optuna
from optuna.trial import TrialState

from automl._contract.records import Candidate, TrialRecord
from automl._distributed.share import Share
from automl._distributed.storage import retrying

#: the study's user attributes that describe the search, written by the fit that starts it
SETTINGS, SHARE, SHA256, FINGERPRINT, DEADLINE, STARTED = (
    "automl.settings", "automl.share", "automl.sha256", "automl.fingerprint",
    "automl.deadline", "automl.started")
#: a trial's user attributes: the worker running it (from the start), and its
#: :class:`TrialRecord` fields (once it has ended)
WORKER, RECORD = "automl.worker", "automl.record"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
#: the state a trial is told with, by the status in its record
STATES = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED,
          "failed": TrialState.FAIL, "skipped": TrialState.FAIL, "lost": TrialState.FAIL}


def worker_name() -> str:
    """This process as the leaderboard names it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class StudySearch:
    """The shared-search side of the loop for one process: ``storage`` (the URL, for retries
    and messages), the raw Optuna storage (for heartbeats), the share and this worker's name."""

    def __init__(self, url: str, storage: optuna.storages.BaseStorage, share: Share,
                 study: optuna.Study, worker: str | None = None) -> None:
        self.url, self.storage, self.share, self.study = url, storage, share, study
        self.worker = worker or worker_name()
        # digests of the candidates written, by trial, until the trial's record carries them
        self._digests: dict[int, str] = {}

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` retried while the storage is unreachable."""
        return retrying(self.url, fn, *args, **kwargs)

    def ask(self, study: optuna.Study) -> optuna.Trial:
        """Fail the trials whose worker stopped sending heartbeats, then ask for a trial."""
        self.call(fail_stale, study)
        with warnings.catch_warnings():
            # the heartbeat is kept by :meth:`heartbeat` here, not by Study.optimize
            warnings.filterwarnings("ignore", "Heartbeat of storage")
            trial = self.call(study.ask)
        # written at once, so that a trial whose worker dies is known to have been its
        self.call(trial.set_user_attr, WORKER, self.worker)
        return trial

    @contextlib.contextmanager
    def heartbeat(self, trial: optuna.Trial) -> Iterator[None]:
        """Optuna's heartbeat for ``trial`` while the block runs: a thread records it every
        few seconds; a missed beat (the storage away for a moment) is tried again next time."""
        interval = getattr(self.storage, "get_heartbeat_interval", lambda: None)()
        if not interval:
            yield
            return
        stop = threading.Event()

        def beat() -> None:
            while True:
                with contextlib.suppress(Exception):
                    self.storage.record_heartbeat(trial._trial_id)  # type: ignore[attr-defined]
                if stop.wait(interval):
                    return

        thread = threading.Thread(target=beat, name=f"heartbeat-{trial.number}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def record(self, trial: optuna.Trial, record: TrialRecord) -> None:
        """Write ``record`` to the trial's user attributes, with the digest of the candidate
        it kept in the share (``candidate``: none when it kept none)."""
        trial.set_user_attr(RECORD, {
            "model": record.model, "params": _jsonable(record.params),
            "fit_seconds": round(record.fit_seconds, 4), "status": record.status,
            "error": record.error, "worker": self.worker,
            "candidate": self._digests.pop(record.number, None)})

    def keep(self, candidate: Candidate) -> None:
        """Write the candidate to the share (its digest goes into the trial's record)."""
        self._digests[candidate.record.number] = self.share.write_candidate(candidate)

    def drop(self, number: int) -> None:
        """Remove trial ``number``'s candidate from the share."""
        self.share.drop_candidate(number)

    def finished(self) -> int:
        """Finished trials of the study, by every worker."""
        return len(self.call(self.study.get_trials, deepcopy=False, states=FINISHED))


def fail_stale(study: optuna.Study) -> None:
    """Fail ``study``'s running trials whose heartbeat stopped (Optuna's own handling)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def records(study: optuna.Study, started: float) -> list[TrialRecord]:
    """Every trial of ``study`` that was started, as records in trial order; ``ended_seconds``
    counts from ``started`` (a Unix time). A trial whose state its record does not explain
    (failed as stale) lost its worker ("lost"); one still open is "running"."""
    out = []
    for t in study.get_trials(deepcopy=False):
        if t.state == TrialState.WAITING:
            continue
        attrs = t.user_attrs.get(RECORD, {})
        status, error = attrs.get("status"), attrs.get("error")
        if t.state == TrialState.RUNNING:
            status = "running"
        elif STATES.get(status) != t.state:
            # no record, or one the state contradicts: its worker died before telling
            status, error = "lost", "its worker stopped: no heartbeat reached the storage"
        ended = None if t.datetime_complete is None else round(
            t.datetime_complete.timestamp() - started, 3)
        out.append(TrialRecord(
            t.number, attrs.get("model") or str(t.params.get("model", "?")),
            attrs.get("params", {}), t.value if t.state == TrialState.COMPLETE else None,
            float(attrs.get("fit_seconds", 0.0)), status, error, ended,
            attrs.get("worker") or t.user_attrs.get(WORKER)))
    return out


def candidate_digests(study: optuna.Study) -> dict[int, str | None]:
    """Each finished trial's recorded candidate digest (None where it recorded none)."""
    return {t.number: t.user_attrs.get(RECORD, {}).get("candidate")
            for t in study.get_trials(deepcopy=False, states=FINISHED)}


def epoch(monotonic: float) -> float:
    """The Unix time of a ``time.monotonic()`` reading of this process."""
    return time.time() + (monotonic - time.monotonic())


def monotonic(unix: float) -> float:
    """This process's ``time.monotonic()`` reading at Unix time ``unix``."""
    return time.monotonic() + (unix - time.time())


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=lambda v: getattr(v, "item", lambda: str(v))()))
