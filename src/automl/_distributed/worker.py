"""``automl worker``: a process that joins a running shared search and runs its trials until the
search's budget ends. It reads the table, the split and the settings from the share the study
names, checked against the study's checksum, and rebuilds the search from its own plugins."""

from __future__ import annotations

import time
import zlib

import optuna

from automl._contract.plugins import collect
from automl._distributed.share import Share
from automl._distributed.storage import open_storage, redact, retrying, study_summaries
from automl._distributed.study import (
    DEADLINE,
    FINGERPRINT,
    SETTINGS,
    SHA256,
    SHARE,
    StudySearch,
    monotonic,
    worker_name,
)
from automl._search.progress import Progress
from automl._search.search import run_search
from automl._search.settings import SearchSettings
from automl._search.trial_space import quiet_optuna, study_settings
from automl.errors import ConfigurationError

#: seconds between looks for a study that is not there yet
POLL_SECONDS = 1.0


@quiet_optuna()
def run_worker(storage: str, study_name: str, *, wait: float = 60.0, verbose: int = 1) -> int:
    """Run trials of the study ``study_name`` in ``storage`` until its budget ends; returns how
    many trials this worker finished.

    Waits up to ``wait`` seconds for the study to be started (workers may start before the
    fit). Raises :class:`~automl.errors.ConfigurationError` when the study does not appear, when
    the share cannot be read or holds another table than the study's checksum says, or when
    this process lacks a plugin the search uses; :class:`~automl.errors.StorageError` when the
    storage stays unreachable.
    """
    started = time.monotonic()
    progress = Progress(verbose, started)
    raw = open_storage(storage)
    attrs = _wait_for_study(raw, storage, study_name, started + wait, progress)
    share = Share(attrs[SHARE])
    package = share.read_package(attrs[SHA256])
    if package.fingerprint != attrs[FINGERPRINT]:
        raise ConfigurationError(f"the share {share.location} holds another search than "
                                 f"{study_name!r}")
    # the study's copy: a resumed fit may have changed the trial limit
    settings = SearchSettings(**attrs[SETTINGS])
    setup = settings.setup(collect(), package.cleaning, package.target_scale)
    name = worker_name()
    # each worker samples from its own seed, or all would propose the same parameters
    seed = setup.seed + zlib.crc32(name.encode()) % 100_000
    study = retrying(storage, optuna.load_study, study_name=study_name, storage=raw,
                     **study_settings(setup, seed))
    deadline = monotonic(attrs[DEADLINE])
    progress.say(f"worker {name} joined {study_name!r} in {redact(storage)}: "
                 f"{setup.task.value}, {setup.metric.name}, {package.validation.describe()}, "
                 f"{max(deadline - time.monotonic(), 0):.0f}s left")
    outcome = run_search(setup, package.validation, deadline=deadline, hard_deadline=deadline,
                         n_trials=settings.n_trials, progress=progress, study=study,
                         shared=StudySearch(storage, raw, share, study, name))
    mine = [t for t in outcome.trials if t.status == "complete"]
    progress.say(f"worker {name} done: {len(outcome.trials)} trials, {len(mine)} complete")
    return len(outcome.trials)


def _wait_for_study(raw: optuna.storages.BaseStorage, url: str, name: str, until: float,
                    progress: Progress) -> dict:
    said = False
    while True:
        found = next((s for s in study_summaries(url, raw) if s.study_name == name), None)
        if found is not None and SHA256 in found.user_attrs:
            return found.user_attrs
        if time.monotonic() >= until:
            raise ConfigurationError(
                f"no search {name!r} started in {redact(url)}"
                f"{'' if found is None else ' (the study exists but automl fit did not start it)'}"
                f": start it with automl fit ... --storage URL --study {name}, then the workers")
        if not said:
            progress.say(f"waiting for the search {name!r} to start")
            said = True
        time.sleep(POLL_SECONDS)
