"""The fit that starts (or resumes) a shared search: it writes the share, creates the study (or
checks that a resumed one was started on the same table), runs trials like any worker until
its budget ends, then gathers every worker's trials and candidates into one outcome."""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna

from automl._cleaning.steps import Cleaning
from automl._contract.records import Candidate, SearchOutcome
from automl._data.split import Validation
from automl._distributed.share import SearchPackage, Share, ShareFileError, fingerprint
from automl._distributed.storage import open_storage, redact, study_summaries
from automl._distributed.study import (
    DEADLINE,
    FINGERPRINT,
    SETTINGS,
    SHA256,
    SHARE,
    STARTED,
    StudySearch,
    candidate_digests,
    epoch,
    fail_stale,
    records,
)
from automl._features.target_transform import TargetScale
from automl._search.progress import Progress
from automl._search.records import library, no_model_message
from automl._search.search import SearchSetup, run_search
from automl._search.settings import SearchSettings
from automl._search.trial_space import new_study, quiet_optuna, study_settings
from automl.errors import ConfigurationError, SearchError, StorageError


@dataclass
class SharedRun:
    """Where a shared search lives: the storage URL, the study's name, the share's location
    (None: ``automl-share/<study>`` under the working directory) and whether to resume."""

    storage: str
    study_name: str | None = None
    share: str | None = None
    resume: bool = False

    @functools.cached_property
    def backend(self) -> optuna.storages.BaseStorage:
        """The Optuna storage at :attr:`storage`, opened once (it takes about a second)."""
        return open_storage(self.storage)

    def summaries(self) -> list[optuna.study.StudySummary]:
        """The studies in the storage."""
        return study_summaries(self.storage, self.backend)


@quiet_optuna()
def run_shared_search(run: SharedRun, setup: SearchSetup, package: SearchPackage, *,
                      deadline: float, hard_deadline: float, progress: Progress
                      ) -> SearchOutcome:
    """Start or resume the study, search until ``deadline`` (as :func:`run_search`), then
    gather all workers' trials. Raises :class:`SearchError` when no process completed a
    trial."""
    name = run.study_name or _default_name(run)
    started = epoch(progress.started)
    shared = (_resume(run, name, setup, package) if run.resume
              else _start(run, name, setup, package, started))
    study = shared.study
    shared.call(study.set_user_attr, DEADLINE, epoch(deadline))
    progress.say(f"study {name!r} in {redact(run.storage)}; workers join with: automl worker "
                 f"--storage '{redact(run.storage)}' --study {name}")
    local = run_search(setup, package.validation, deadline=deadline,
                       hard_deadline=hard_deadline, n_trials=package.settings.n_trials,
                       progress=progress, study=study, shared=shared)
    return gather(shared, setup, local, started)


def resumed_validation(run: SharedRun) -> str | None:
    """The validation ("holdout" or "cv") the study to be resumed was scored with; None when
    there is no such study (the resume then fails with its own message)."""
    summaries = run.summaries()
    found = [s for s in summaries if s.study_name == run.study_name or (
        run.study_name is None and len(summaries) == 1)]
    return found[0].user_attrs.get(SETTINGS, {}).get("validation") if found else None


def _default_name(run: SharedRun) -> str:
    if not run.resume:
        return time.strftime("automl-%Y%m%d-%H%M%S")
    names = [s.study_name for s in run.summaries()]
    if len(names) != 1:
        raise ConfigurationError(f"resume=True needs study_name= (--study): the storage holds "
                                 f"{len(names)} studies {sorted(names)[:10]}")
    return names[0]


def _start(run: SharedRun, name: str, setup: SearchSetup, package: SearchPackage,
           started: float) -> StudySearch:
    if name in {s.study_name for s in run.summaries()}:
        raise ConfigurationError(f"the study {name!r} already exists in {redact(run.storage)}: "
                                 f"continue it with resume=True (--resume) or give another "
                                 f"study_name (--study)")
    share = Share(run.share or str(Path("automl-share", name).absolute()))
    sha256 = share.write_package(package)
    study = new_study(setup, run.backend, name)
    shared = StudySearch(run.storage, run.backend, share, study)
    # written last: a worker that sees the checksum finds the package in place
    for key, value in ((SETTINGS, package.settings.to_dict()), (SHARE, share.location),
                       (FINGERPRINT, package.fingerprint), (STARTED, started),
                       (SHA256, sha256)):
        shared.call(study.set_user_attr, key, value)
    return shared


def _resume(run: SharedRun, name: str, setup: SearchSetup,
            package: SearchPackage) -> StudySearch:
    if name not in {s.study_name for s in run.summaries()}:
        raise ConfigurationError(f"there is no study {name!r} in {redact(run.storage)} to "
                                 f"resume: start it without resume=True (--resume)")
    study = optuna.load_study(study_name=name, storage=run.backend, **study_settings(setup))
    attrs = study.user_attrs
    if SHA256 not in attrs:
        raise StorageError(f"the study {name!r} was not started by automl fit (or its start "
                           f"was cut off before it was written): start a new study")
    if attrs[FINGERPRINT] != package.fingerprint:
        raise ConfigurationError(
            f"the study {name!r} was started on another table, split or settings: resume it "
            f"with the same data and the same arguments (task, metric, models, tuner, seed, "
            f"validation, ...) as the fit that started it, or start a new study")
    share = Share(attrs[SHARE])
    share.read_package(attrs[SHA256])  # the share must still hold the search's table
    shared = StudySearch(run.storage, run.backend, share, study)
    shared.call(study.set_user_attr, SETTINGS, package.settings.to_dict())  # its trial limit
    return shared


def gather(shared: StudySearch, setup: SearchSetup, local: SearchOutcome,
           started: float) -> SearchOutcome:
    """The outcome of every process's trials: all the study's trials as records (their end
    times counted from ``started``, a Unix time), the ensemble candidates worth keeping (this
    process's from memory, the others' read from the share) and the best of them."""
    study = shared.study
    shared.call(fail_stale, study)
    trials = shared.call(records, study, started)
    done = {t.number: t for t in trials if t.status == "complete"}
    stored = shared.share.candidate_numbers() | set(local.candidates)
    scores = {n: Candidate(done[n], None, None) for n in stored if n in done}  # type: ignore
    digests = shared.call(candidate_digests, study)
    candidates = {}
    for number in library(scores, setup.metric):
        try:
            held = local.candidates.get(number) or shared.share.read_candidate(
                number, digests.get(number))
        except FileNotFoundError:  # its worker, still running, has just dropped it
            continue
        except ShareFileError as exc:  # never unpickled: the search goes on without it
            warnings.warn(f"trial {number}'s candidate is left out: {exc}", stacklevel=2)
            continue
        candidates[number] = Candidate(done[number], held.pipeline, held.prediction)
    if not candidates:
        raise SearchError(no_model_message(trials))
    best = max(candidates.values(), key=lambda c: (
        c.record.score if setup.metric.greater_is_better else -c.record.score))  # type: ignore
    return SearchOutcome(trials=trials, best=best.record, best_pipeline=best.pipeline,
                         train_rows=local.train_rows, candidates=candidates,
                         y_valid=local.y_valid, bagged=local.bagged)


def package_for(settings: SearchSettings, cleaning: Cleaning, target_scale: TargetScale | None,
                validation: Validation) -> SearchPackage:
    """The package of a search, with its fingerprint."""
    return SearchPackage(settings, cleaning, target_scale, validation,
                         fingerprint(validation, settings))


class SharedSearcher:
    """A fit's search shared through an Optuna storage (``fit(storage=...)``): the study
    lives there, so nothing is kept in memory for ``FitResult.fit_extra``; ``resume=True``
    continues it (:class:`automl._search.searcher.Searcher`)."""

    def __init__(self, run: SharedRun) -> None:
        self.run = run

    def validation(self, requested: str) -> str:
        """A resumed search asked for "auto" keeps its study's validation: "auto" hangs on the
        budget, which a resumed search may change."""
        if self.run.resume and requested == "auto":
            return resumed_validation(self.run) or requested
        return requested

    def search(self, setup: SearchSetup, settings: SearchSettings, cleaning: Cleaning,
               scale: TargetScale | None, folds: Validation, *, deadline: float,
               hard_deadline: float, progress: Progress) -> tuple[None, SearchOutcome]:
        """:func:`run_shared_search` with the search's package written to the share."""
        return None, run_shared_search(self.run, setup,
                                       package_for(settings, cleaning, scale, folds),
                                       deadline=deadline, hard_deadline=hard_deadline,
                                       progress=progress)
