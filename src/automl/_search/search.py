"""The search: an Optuna study over model x parameters, each trial fitted on the training part
and scored on the held-out part, inside a wall-clock deadline, then the winner refitted.

The study is driven with ask/tell so that the deadline, failures and skips are decided here:
a trial that raises is recorded as failed and the search goes on; a model whose earlier fits
say it cannot finish in the time left is skipped; time for the refit is kept in reserve.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from sklearn.pipeline import Pipeline

from automl._contract.metrics import Metric, held_out_prediction, prediction_score
from automl._contract.plugins import notify
from automl._contract.records import Candidate, SearchOutcome, TrialRecord
from automl._contract.specs import (
    FitContext,
    ModelSpec,
    PreprocessorSpec,
    SearchChoice,
    Task,
    TunerSpec,
)
from automl._contract.time_limit import TimeLimitExceeded, call_with_time_limit
from automl._data.split import Validation
from automl._data.weights import RowWeights
from automl._features.ensemble import WeightedEnsemble, select_seconds
from automl._features.pipeline import build_pipeline, split_params
from automl._features.target_transform import TargetScale
from automl._search.fitting import Resample, fit_pipeline, held_out_scorer, training_log
from automl._search.memory import Releaser
from automl._search.progress import Progress
from automl._search.records import (
    EnsemblePicks,
    SharedSearch,
    best_of_each,
    library,
    no_model_message,
)
from automl._search.row_sample import GROW_TOP, SampleLadder
from automl._search.trial_space import (
    ModelTrial,
    choice_param,
    enqueue_given,
    new_study,
    quiet_optuna,
)
from automl.errors import SearchError, StorageError

MAX_CONSECUTIVE_SKIPS = 3
REFIT_SAFETY = 1.3
#: seconds kept back besides the refit's estimate, for the spread of trial times
REFIT_MARGIN = 0.5
#: with cross-validation, the models whose best trial's collapse into one model the search
#: makes room for
COLLAPSE_RESERVED = 3
#: the deployed model's ensemble selections: without and within its latency bound
DEPLOYED_SELECTIONS = 2
#: the ensemble selections after the search: the final model's and the deployed model's
FINISH_SELECTIONS = 1 + DEPLOYED_SELECTIONS
# the least a trial may run past its deadline before it is stopped: a cooperative model stops
# at the end of a round, which on a small table is well under it
TRIAL_GRACE = 0.5


@dataclass
class SearchSetup:
    """What a search needs besides the data: the candidate models, the preprocessors they may
    use, the tuner, the metric, the task, the feature columns by kind, the seed, for
    regression the scale the target is fitted on, the cleaning steps' per-trial choices, the
    country for holiday features, the preprocessors the user switched off and the rows'
    weights (:mod:`automl._data.weights`)."""

    models: dict[str, ModelSpec]
    preprocessors: dict[str, PreprocessorSpec]
    tuner: TunerSpec
    metric: Metric
    task: Task
    columns: dict[str, list[str]]
    seed: int = 0
    target_scale: TargetScale | None = None
    choices: list[SearchChoice] = field(default_factory=list)
    country: str | None = None
    switched_off: frozenset[str] = frozenset()
    weights: RowWeights | None = None

    def weight_of(self, X: Any) -> np.ndarray | None:
        """The weights of the training rows of ``X`` (None: an unweighted fit)."""
        return None if self.weights is None else self.weights.of(X)

    def pipeline(self, model: str, params: dict[str, Any]) -> Pipeline:
        """An unfitted pipeline for ``model`` with ``params``."""
        return build_pipeline(self.models[model], params, self.task, self.columns,
                              self.preprocessors, self.seed, self.choices, self.country,
                              self.switched_off)

    def choices_for(self, spec: ModelSpec) -> list[SearchChoice]:
        """The per-trial choices tuned for ``spec``."""
        return [c for c in self.choices if c.applies(spec)]

    def resampler(self, params: dict[str, Any]) -> Resample | None:
        """The resampling a trial's choices call for, or None."""
        chosen = split_params(params)[1]
        for choice in self.choices:
            option = chosen.get(choice.name)
            if choice.resample is not None and option is not None:
                return functools.partial(choice.resample, option, seed=self.seed)
        return None


class Search:
    """One search's state: the study, the outcome so far, the sample ladder and the models
    that ran out of time. :func:`run_search` runs one to its deadline; :meth:`extend` gives
    it more time (``FitResult.fit_extra``)."""

    def __init__(self, setup: SearchSetup, validation: Validation, deadline: float,
                 hard_deadline: float, n_trials: int | None, progress: Progress,
                 study: optuna.Study | None = None, shared: SharedSearch | None = None) -> None:
        self.setup, self.validation, self.progress = setup, validation, progress
        self.deadline, self.hard_deadline, self.n_trials = deadline, hard_deadline, n_trials
        scale, first = setup.target_scale, validation.folds[0]
        y_valid = validation.y_valid
        self.outcome = SearchOutcome(
            train_rows=len(first.y_train), bagged=validation.bagged,
            y_valid=y_valid if scale is None else scale.to_target(y_valid),
            w_valid=None if setup.weights is None else np.concatenate(
                [setup.weights.of(f.X_valid) for f in validation.folds]))
        self.all_rows = len(first.y_train) + len(first.y_valid)
        self.study = study if study is not None else new_study(setup)
        self.shared = shared
        # a shared search keeps every worker on the whole training part: the workers' samples
        # would otherwise differ
        self.ladder = None if validation.bagged or shared is not None else SampleLadder.for_rows(
            len(first.y_train))
        self.timed_out: dict[str, int] = {}
        self._score_times: list[float] = []
        self.picks = EnsemblePicks(setup.metric, setup.task, self.outcome.y_valid,
                                   self.outcome.w_valid)

    def extend(self, deadline: float, hard_deadline: float, n_trials: int | None,
               progress: Progress) -> None:
        """Set this finished search to go on until ``deadline`` (or ``n_trials`` more
        trials), shown on ``progress``; :func:`searched` then runs it."""
        self.deadline, self.hard_deadline, self.progress = deadline, hard_deadline, progress
        self.n_trials = None if n_trials is None else len(self.outcome.trials) + n_trials
        self.outcome.interrupted = False

    def reserve(self) -> float:
        """Seconds kept back for what follows the search: refitting the current best on all
        rows (for bags of fold models: collapsing the deployed model's members, see
        :mod:`automl._final.deployment`), and the ensemble selections of the final and the
        deployed model (:data:`FINISH_SELECTIONS`)."""
        best = self.outcome.best
        if best is None:
            return 0.0
        selections = FINISH_SELECTIONS * select_seconds(len(self.outcome.candidates),
                                                        self.outcome.score_seconds)
        if self.outcome.bagged:
            # the deployed model collapses the best bags into models refitted on all rows:
            # room for the best trial of the best few models, an ensemble's likely members
            # (its other members fall back to a fold model)
            top = best_of_each([c.record for c in self.outcome.candidates.values()],
                               self.setup.metric)
            folds = len(self.validation.folds)
            seconds = sum(r.refit_seconds(self.all_rows, self.outcome.train_rows, folds)
                          for r in top[:COLLAPSE_RESERVED])
        elif best.rows is not None:
            # a best fitted on a sample keeps no room for a refit: the time goes to trials on
            # growing samples (automl._search.row_sample); it is refitted on all rows only if
            # time is left
            return selections * REFIT_SAFETY
        else:
            seconds = best.refit_seconds(self.all_rows, self.outcome.train_rows)
        return (seconds + selections) * REFIT_SAFETY + REFIT_MARGIN

    def trial_deadline(self) -> float:
        return self.deadline - self.reserve()

    def trial_limit(self) -> float:
        """When a trial starting now is stopped if it is still running: a cooperative model
        stops by itself at :meth:`trial_deadline`; past it by the overrun the budget allows
        (at least half a second), never past the hard deadline. The first model may run
        until the hard deadline: without it the fit has nothing to return."""
        if self.outcome.best is None:
            return self.hard_deadline
        grace = max(self.hard_deadline - self.deadline, TRIAL_GRACE)
        return min(self.trial_deadline() + grace, self.hard_deadline)

    def run(self) -> SearchOutcome:
        """Trials until the budget or ``n_trials`` ends; the outcome may have no best. The
        user's Ctrl-C ends the search with what it has (``interrupted``), unless nothing has
        scored yet: then it is raised."""
        try:
            self._trials()
        except KeyboardInterrupt:
            if self.outcome.best is None:
                raise
            self.outcome.interrupted = True
            self.progress.say(f"interrupted: finishing with the best of "
                              f"{len(self.outcome.trials)} trials")
        return self.outcome

    def _trials(self) -> None:
        skips, release = 0, Releaser()
        while self.n_trials is None or self._done() < self.n_trials:
            if time.monotonic() >= self.trial_deadline() and not self._need_first_model():
                break
            record = self._one_trial()
            release()
            self._grow_sample(record)
            skips = skips + 1 if record.status == "skipped" else 0
            if skips and (skips >= MAX_CONSECUTIVE_SKIPS or not self._one_that_fits()):
                break

    def _grow_sample(self, record: TrialRecord) -> None:
        ladder = self.ladder
        if ladder is None:
            return
        ladder.spend(record.fit_seconds)
        top = best_of_each([t for t in self.outcome.trials if t.status == "complete"],
                           self.setup.metric)
        plan_done = {t.model for t in self.outcome.trials} >= set(self.setup.models)
        left = self.trial_deadline() - time.monotonic()
        for best in top[:GROW_TOP]:
            expected = best.seconds_at(ladder.next_rows(best.model), ladder.full)
            if ladder.grow(best.model, expected, left, plan_done):
                break
        else:
            return
        # the model's best is tried first at its new size, as FLAML does
        enqueue_given(self.study, best.model, *split_params(best.params))
        self.progress.say(f"{best.model} now fits on {ladder.rows(best.model)} of the "
                          f"{ladder.full} training rows")

    def _done(self) -> int:
        return len(self.outcome.trials) if self.shared is None else self.shared.finished()

    def _need_first_model(self) -> bool:
        return self.outcome.best is None and time.monotonic() < self.hard_deadline

    def _one_trial(self) -> TrialRecord:
        trial = self.study.ask() if self.shared is None else self.shared.ask(self.study)
        names = sorted(self.setup.models)
        model = trial.suggest_categorical("model", names)
        spec = self.setup.models[model]
        record = TrialRecord(trial.number, model, {}, None, 0.0, "failed",
                             worker=None if self.shared is None else self.shared.worker)
        heartbeat = contextlib.nullcontext() if self.shared is None else self.shared.heartbeat(
            trial)
        began = time.monotonic()
        with heartbeat:
            try:
                given = trial.user_attrs.get("given", {})
                drawn = spec.search_space(ModelTrial(trial, model, self.setup.task))
                chosen = {choice_param(c.name): trial.suggest_categorical(
                    choice_param(c.name), list(c.options)) for c in self.setup.choices_for(spec)}
                record.params = {**given, **drawn, **chosen}
                if self._too_slow(spec, record):
                    record.status = "skipped"
                    self._tell(trial, record, state=optuna.trial.TrialState.FAIL)
                else:
                    self._fit_and_score(trial, spec, record)
            except StorageError:
                raise
            except KeyboardInterrupt:  # the user's Ctrl-C: this trial is lost, the search ends
                record.status, record.error = "failed", "interrupted"
                self._tell(trial, record, state=optuna.trial.TrialState.FAIL)
                self._finish(record)
                raise
            except TimeLimitExceeded as exc:
                # never tried again in this fit: it would hold the next trial as long
                self.timed_out[model] = trial.number
                record.status, record.error = "failed", f"timeout: {exc}"
                record.fit_seconds = time.monotonic() - began
                self._tell(trial, record, state=optuna.trial.TrialState.FAIL)
            except Exception as exc:  # a plugin's bug must not end the search
                record.status, record.error = "failed", _describe(exc)
                self._tell(trial, record, state=optuna.trial.TrialState.FAIL)
        self._finish(record)
        return record

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.shared is None:
            return fn(*args, **kwargs)
        return self.shared.call(fn, *args, **kwargs)

    def _tell(self, trial: optuna.Trial, record: TrialRecord, value: float | None = None,
              state: optuna.trial.TrialState | None = None) -> None:
        try:
            if self.shared is not None:
                self._call(self.shared.record, trial, record)
            self._call(self.study.tell, trial, value, state=state)
        except optuna.exceptions.UpdateFinishedTrialError:
            # another process failed it as stale: its heartbeat stopped reaching the storage
            record.status, record.score = "lost", None
            record.error = "failed by another worker: no heartbeat reached the storage"

    def _too_slow(self, spec: ModelSpec, record: TrialRecord) -> bool:
        # A trial that would run into the refit's reserve costs the refit, which is worth more
        # than one more trial: judge by what this model took before, and a model not yet seen
        # by what a typical trial took (it must not start in the last moments and overrun).
        if spec.name in self.timed_out:
            record.error = f"stopped at its time limit in trial {self.timed_out[spec.name]}"
            return True
        needed, left = self._needed(spec.name), self.trial_deadline() - time.monotonic()
        if needed > left and self.outcome.best is not None:
            record.error = f"needs about {needed:.1f}s, {max(left, 0):.1f}s left"
            return True
        return False

    def _needed(self, model: str) -> float:
        """The seconds a trial of ``model`` is expected to take now, at its sample size: the
        longest of its last five, else what a typical trial took."""
        done = [t for t in self.outcome.trials if t.status == "complete"]
        rows = self.outcome.train_rows if self.ladder is None else self.ladder.rows(model)
        seen = [t.seconds_at(rows, self.outcome.train_rows)
                for t in done if t.model == model][-5:]
        return max(seen) if seen else float(np.median([t.fit_seconds for t in done] or [0]))

    def _one_that_fits(self) -> bool:
        """After a skipped trial: enqueue a trial of the best model that fits in the time
        left (the sampler draws its parameters), so that a sampler set on a model too slow
        for the time left does not end the search while another model fits. False where none
        fits: nothing useful is left to try."""
        left = self.trial_deadline() - time.monotonic()
        ranked = [r.model for r in best_of_each(
            [t for t in self.outcome.trials if t.status == "complete"], self.setup.metric)]
        for model in ranked + sorted(set(self.setup.models) - set(ranked)):
            if model not in self.timed_out and self._needed(model) <= left:
                self.study.enqueue_trial({"model": model})
                return True
        return False

    def _fit_and_score(self, trial: optuna.Trial, spec: ModelSpec, record: TrialRecord) -> None:
        started = time.monotonic()
        folds = self._fit_folds(trial, spec, record, started)
        if folds is None:  # pruned, and told so
            return
        fitted, parts = folds
        prediction = np.concatenate(parts)
        if self.setup.target_scale is not None:
            prediction = self.setup.target_scale.to_target(prediction)
        scoring = time.monotonic()
        score = prediction_score(self.setup.metric, self.setup.task, prediction,
                                 self.outcome.y_valid, self.outcome.w_valid)
        # the median: a blend scores as slowly as most trials, not as a k-nearest-neighbours
        # trial's few distinct values (a quarter of the time on 90,000 rows), nor as one caught
        # by a collector's pause
        self._score_times.append(time.monotonic() - scoring)
        self.outcome.score_seconds = float(np.median(self._score_times))
        record.fit_seconds = time.monotonic() - started
        if not math.isfinite(score):
            raise ValueError(f"held-out {self.setup.metric.name} is {score}")
        record.score, record.status = score, "complete"
        model = fitted[0] if len(fitted) == 1 else WeightedEnsemble(
            fitted, [1.0] * len(fitted), self.setup.task)
        self._keep(trial, Candidate(record, model, prediction))

    def _fit_folds(self, trial: optuna.Trial, spec: ModelSpec, record: TrialRecord,
                   started: float) -> tuple[list[Pipeline], list[np.ndarray]] | None:
        """The trial's pipeline fitted on each fold's training rows, and its predictions of
        the fold's held-out rows; None where the pruner stopped it (the trial is then told)."""
        pruned: list[int] = []

        def report(step: int, value: float) -> bool:
            trial.report(float(value), step)
            if trial.should_prune():
                pruned.append(step)
                return True
            return False

        fitted: list[Pipeline] = []
        parts: list[np.ndarray] = []
        until, folds = self.trial_limit(), len(self.validation.folds)
        # each fold may run to its share of the time left: a cooperative model that would
        # overrun then stops early in every fold and the trial still scores, where one
        # deadline for all folds let the first folds take it all and the trial time out
        share = max(self.trial_deadline() - started, 0.0) / folds
        if self.ladder is not None and not self.ladder.whole(spec.name):
            record.rows = self.ladder.rows(spec.name)
        for i, fold in enumerate(self.validation.folds):
            if i and time.monotonic() > self.trial_deadline() and self.outcome.best:
                raise TimeoutError(f"out of time after {i} of {folds} folds")
            # the pruner judges the first fold; later folds repeat its steps
            context = FitContext(X_valid=fold.X_valid, y_valid=fold.y_valid,
                                 deadline=started + share * (i + 1),
                                 report=report if i == 0 else _never_prune,
                                 seed=self.setup.seed, log=training_log(spec.name, trial.number))
            context.score = held_out_scorer(self.setup.metric, context, self.setup.target_scale)
            context.better = self.setup.metric.better
            pipeline = self.setup.pipeline(spec.name, record.params)

            def fit_fold(pipeline: Pipeline = pipeline, fold: Any = fold,
                         context: FitContext = context) -> np.ndarray | None:
                X, y = (fold.X_train, fold.y_train) if self.ladder is None else self.ladder.take(
                    spec.name, fold.X_train, fold.y_train)
                began = time.monotonic()
                fit_pipeline(pipeline, spec, X, y, context, self.setup.resampler(record.params),
                             self.setup.weight_of(X))
                record.train_seconds = (record.train_seconds or 0.0) + time.monotonic() - began
                return None if pruned else held_out_prediction(pipeline, fold.X_valid,
                                                               self.setup.task)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                part = call_with_time_limit(fit_fold, until,
                                            f"trial {trial.number} ({spec.name})")
            if pruned:
                record.fit_seconds = time.monotonic() - started
                record.status = "pruned"
                self._tell(trial, record, state=optuna.trial.TrialState.PRUNED)
                return None
            parts.append(part)
            fitted.append(pipeline)
        return fitted, parts

    def _keep(self, trial: optuna.Trial, new: Candidate) -> None:
        """Tell the study the trial's score and keep its candidate for the ensemble, within
        the library's bound (the dropped ones leave the share too)."""
        record, kept = new.record, self.outcome.candidates
        pool = {**kept, record.number: new}
        dropped = library(pool, self.setup.metric, dropped=True, picked=self.picks(pool))
        if self.shared is not None and record.number not in dropped:
            # stored before the trial is told complete: a complete trial always has its file
            self._call(self.shared.keep, new)
        self._tell(trial, record, record.score)
        if record.status != "complete":
            return
        best, score = self.outcome.best, record.score
        if best is None or self.setup.metric.better(score, best.score):  # type: ignore[arg-type]
            self.outcome.best, self.outcome.best_pipeline = record, new.pipeline
        # Bounded so that memory stays flat however many trials run: forests are large.
        kept[record.number] = new
        for number in dropped:
            kept.pop(number, None)
            if self.shared is not None and number != record.number:
                self._call(self.shared.drop, number)

    def _finish(self, record: TrialRecord) -> None:
        record.ended_seconds = round(time.monotonic() - self.progress.started, 3)
        self.outcome.trials.append(record)
        self.progress.trial(record, self.outcome.best, self.setup.metric)
        notify("on_trial_end", trial=record, metric=self.setup.metric.name,
               task=self.setup.task.value)


def run_search(setup: SearchSetup, validation: Validation, *, deadline: float,
               hard_deadline: float, n_trials: int | None, progress: Progress,
               study: optuna.Study | None = None,
               shared: SharedSearch | None = None) -> SearchOutcome:
    """Run trials until ``n_trials`` are done or the time left before ``deadline`` is needed
    for the refit; keeps going past it (up to ``hard_deadline``) only while no model has been
    fitted at all. Raises :class:`SearchError` when no trial completed.

    With a ``study`` and ``shared`` (a search shared with other processes), ``n_trials``
    counts every process's trials and an outcome without a best is returned as it is: the
    others' trials may have one."""
    return searched(start_search(setup, validation, deadline=deadline,
                                 hard_deadline=hard_deadline, n_trials=n_trials,
                                 progress=progress, study=study, shared=shared))


@quiet_optuna()
def start_search(setup: SearchSetup, validation: Validation, *, deadline: float,
                 hard_deadline: float, n_trials: int | None, progress: Progress,
                 study: optuna.Study | None = None,
                 shared: SharedSearch | None = None) -> Search:
    """A search not yet run: :func:`searched` runs it; :func:`run_search` does both."""
    return Search(setup, validation, deadline, hard_deadline, n_trials, progress, study,
                  shared)


@quiet_optuna()
def searched(search: Search) -> SearchOutcome:
    """Run ``search`` (as :func:`run_search` says) and return its outcome."""
    outcome = search.run()
    if outcome.best is None and search.shared is None:
        raise SearchError(no_model_message(outcome.trials))
    return outcome


def _never_prune(step: int, value: float) -> bool:
    return False


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text if len(text) <= 200 else text[:197] + "..."
