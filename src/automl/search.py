"""The search: an Optuna study over model x parameters, each trial fitted on the training part
and scored on the held-out part, inside a wall-clock deadline, then the winner refitted.

The study is driven with ask/tell so that the deadline, failures and skips are decided here:
a trial that raises is recorded as failed and the search goes on; a model whose earlier fits
say it cannot finish in the time left is skipped; time for the refit is kept in reserve.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from sklearn.pipeline import Pipeline

from automl.ensemble import WeightedEnsemble, held_out_prediction, prediction_score
from automl.errors import SearchError
from automl.fitting import Resample, fit_pipeline
from automl.memory import release_freed_memory
from automl.metrics import Metric, score_model
from automl.pipeline import CHOICE_PREFIX, build_pipeline, split_params
from automl.plugins import notify
from automl.progress import Progress
from automl.specs import FitContext, ModelSpec, PreprocessorSpec, SearchChoice, Task, TunerSpec
from automl.split import Validation
from automl.target_transform import TargetScale

MAX_CONSECUTIVE_SKIPS = 3
#: fitted pipelines kept for the ensemble: the best of each model and this many best overall
LIBRARY_BEST = 5
REFIT_SAFETY = 1.3
#: seconds kept back besides the refit's estimate, for the spread of trial times
REFIT_MARGIN = 0.5


@dataclass
class TrialRecord:
    """One trial: its number, model, parameters, held-out score, seconds to fit and score it,
    status ("complete", "failed", "pruned" or "skipped"), the error of a failed trial and
    when it ended, in seconds since the fit started."""

    number: int
    model: str
    params: dict[str, Any]
    score: float | None
    fit_seconds: float
    status: str
    error: str | None = None
    ended_seconds: float | None = None


@dataclass
class SearchSetup:
    """What a search needs besides the data: the candidate models, the preprocessors they may
    use, the tuner, the metric, the task, the feature columns by kind, the seed, for
    regression the scale the target is fitted on, the cleaning steps' per-trial choices, the
    country for holiday features and the preprocessors the user switched off."""

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
    number), the held-out target they were scored on and whether the models are fold bags."""

    trials: list[TrialRecord] = field(default_factory=list)
    best: TrialRecord | None = None
    best_pipeline: Any = None
    train_rows: int = 0
    candidates: dict[int, Candidate] = field(default_factory=dict)
    y_valid: np.ndarray | None = None
    bagged: bool = False


def param_name(model: str, name: str) -> str:
    """The name the study keeps a model's parameter by, so that models' spaces stay apart."""
    return f"{model}:{name}"


def choice_param(name: str) -> str:
    """The name a cleaning step's choice is kept by, in the study and in a trial's params."""
    return f"{CHOICE_PREFIX}{name}"


def study_params(model: str, params: dict[str, Any]) -> dict[str, Any]:
    """A model's parameters under their study names, as ``enqueue_trial`` must give them."""
    return {param_name(model, k): v for k, v in params.items()}


class ModelTrial:
    """What a model's ``search_space`` receives: Optuna's ``suggest_*`` methods, with each
    model's parameter names kept apart in the study, and the ``task`` being searched."""

    def __init__(self, trial: optuna.Trial, model: str, task: Task) -> None:
        self._trial, self._model, self.task = trial, model, task

    def _name(self, name: str) -> str:
        return param_name(self._model, name)

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        """As ``optuna.Trial.suggest_float``."""
        return self._trial.suggest_float(self._name(name), low, high, step=step, log=log)

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        """As ``optuna.Trial.suggest_int``."""
        return self._trial.suggest_int(self._name(name), low, high, step=step, log=log)

    def suggest_categorical(self, name: str, choices: list[Any]) -> Any:
        """As ``optuna.Trial.suggest_categorical``."""
        return self._trial.suggest_categorical(self._name(name), choices)


def initial_plan(models: list[ModelSpec], tuner: TunerSpec) -> list[dict[str, Any]]:
    """The parameter sets tried before the sampler's own: the tuner's plan when it has one,
    else every model's first default (cheapest model first), then their other defaults."""
    if tuner.plan is not None:
        return tuner.plan(models)
    ordered = sorted(models, key=lambda m: m.cost)
    firsts = [{"model": m.name, **m.defaults[0]} for m in ordered if m.defaults]
    rest = [{"model": m.name, **d} for m in ordered for d in m.defaults[1:]]
    return firsts + rest


def grid_plan(models: list[ModelSpec]) -> list[dict[str, Any]]:
    """Every combination of each model's ``grid``, over its first default."""
    plan = []
    for m in sorted(models, key=lambda m: m.cost):
        base = dict(m.defaults[0]) if m.defaults else {}
        keys = list(m.grid)
        for values in itertools.product(*(m.grid[k] for k in keys)):
            plan.append({"model": m.name, **base, **dict(zip(keys, values, strict=True))})
    return plan


class _Search:
    def __init__(self, setup: SearchSetup, validation: Validation, deadline: float,
                 hard_deadline: float, n_trials: int | None, progress: Progress) -> None:
        self.setup, self.validation, self.progress = setup, validation, progress
        self.deadline, self.hard_deadline, self.n_trials = deadline, hard_deadline, n_trials
        scale, first = setup.target_scale, validation.folds[0]
        y_valid = validation.y_valid
        self.outcome = SearchOutcome(
            train_rows=len(first.y_train), bagged=validation.bagged,
            y_valid=y_valid if scale is None else scale.to_target(y_valid))
        self.refit_scale = REFIT_SAFETY * (len(first.y_train) + len(first.y_valid)) / max(
            len(first.y_train), 1)
        sampler = setup.tuner.sampler(setup.seed)
        self.study = optuna.create_study(
            direction=setup.metric.direction, sampler=sampler,
            pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1))
        for point in initial_plan(list(setup.models.values()), setup.tuner):
            model = point.pop("model")
            if model in setup.models:
                # the given trials take each choice's first option: no change to the data
                firsts = {choice_param(c.name): c.options[0]
                          for c in setup.choices_for(setup.models[model])}
                self.study.enqueue_trial({"model": model, **study_params(model, point),
                                          **firsts}, user_attrs={"given": point})

    def reserve(self) -> float:
        """Seconds kept back for refitting the current best on all rows (none for a bag of
        fold models, which is not refitted)."""
        best = self.outcome.best
        if best is None or self.outcome.bagged:
            return 0.0
        return best.fit_seconds * self.refit_scale + REFIT_MARGIN

    def trial_deadline(self) -> float:
        return self.deadline - self.reserve()

    def run(self) -> SearchOutcome:
        skips = 0
        while self.n_trials is None or len(self.outcome.trials) < self.n_trials:
            if time.monotonic() >= self.trial_deadline() and not self._need_first_model():
                break
            record = self._one_trial()
            release_freed_memory()
            skips = skips + 1 if record.status == "skipped" else 0
            if skips >= MAX_CONSECUTIVE_SKIPS:
                break
        if self.outcome.best is None:
            raise SearchError(_no_model_message(self.outcome.trials))
        return self.outcome

    def _need_first_model(self) -> bool:
        return self.outcome.best is None and time.monotonic() < self.hard_deadline

    def _one_trial(self) -> TrialRecord:
        trial = self.study.ask()
        names = sorted(self.setup.models)
        model = trial.suggest_categorical("model", names)
        spec = self.setup.models[model]
        record = TrialRecord(trial.number, model, {}, None, 0.0, "failed")
        try:
            given = trial.user_attrs.get("given", {})
            drawn = spec.search_space(ModelTrial(trial, model, self.setup.task))
            chosen = {choice_param(c.name): trial.suggest_categorical(choice_param(c.name),
                                                                      list(c.options))
                      for c in self.setup.choices_for(spec)}
            record.params = {**given, **drawn, **chosen}
            if self._too_slow(spec, record):
                record.status = "skipped"
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                self._fit_and_score(trial, spec, record)
        except Exception as exc:  # a plugin's bug must not end the search
            record.status, record.error = "failed", _describe(exc)
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
        self._finish(record)
        return record

    def _too_slow(self, spec: ModelSpec, record: TrialRecord) -> bool:
        # A trial that would run into the refit's reserve costs the refit, which is worth more
        # than one more trial: judge by what this model took before, and a model not yet seen
        # by what a typical trial took (it must not start in the last moments and overrun).
        done = [t for t in self.outcome.trials if t.status == "complete"]
        seen = [t.fit_seconds for t in done if t.model == spec.name][-5:]
        left = self.trial_deadline() - time.monotonic()
        needed = max(seen) if seen else float(np.median([t.fit_seconds for t in done] or [0]))
        if needed > left and self.outcome.best is not None:
            record.error = f"needs about {needed:.1f}s, {max(left, 0):.1f}s left"
            return True
        return False

    def _fit_and_score(self, trial: optuna.Trial, spec: ModelSpec, record: TrialRecord) -> None:
        pruned: list[int] = []

        def report(step: int, value: float) -> bool:
            trial.report(float(value), step)
            if trial.should_prune():
                pruned.append(step)
                return True
            return False

        started, fitted, parts = time.monotonic(), [], []
        for i, fold in enumerate(self.validation.folds):
            if i and time.monotonic() > self.trial_deadline() and self.outcome.best:
                raise TimeoutError(f"out of time after {i} of {len(self.validation.folds)} "
                                   f"folds")
            # the pruner judges the first fold; later folds repeat its steps
            context = FitContext(X_valid=fold.X_valid, y_valid=fold.y_valid,
                                 deadline=self.trial_deadline(),
                                 report=report if i == 0 else _never_prune,
                                 seed=self.setup.seed, log=training_log(spec.name, trial.number))
            context.score = held_out_scorer(self.setup.metric, context)
            pipeline = self.setup.pipeline(spec.name, record.params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit_pipeline(pipeline, spec, fold.X_train, fold.y_train, context,
                             self.setup.resampler(record.params))
                if pruned:
                    record.fit_seconds = time.monotonic() - started
                    record.status = "pruned"
                    self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    return
                parts.append(held_out_prediction(pipeline, fold.X_valid, self.setup.task))
            fitted.append(pipeline)
        prediction = np.concatenate(parts)
        if self.setup.target_scale is not None:
            prediction = self.setup.target_scale.to_target(prediction)
        score = prediction_score(self.setup.metric, self.setup.task, prediction,
                                 self.outcome.y_valid)
        record.fit_seconds = time.monotonic() - started
        if not math.isfinite(score):
            raise ValueError(f"held-out {self.setup.metric.name} is {score}")
        record.score, record.status = score, "complete"
        self.study.tell(trial, score)
        model = fitted[0] if len(fitted) == 1 else WeightedEnsemble(
            fitted, [1.0] * len(fitted), self.setup.task)
        best = self.outcome.best
        if best is None or self.setup.metric.better(score, best.score):  # type: ignore[arg-type]
            self.outcome.best, self.outcome.best_pipeline = record, model
        self._keep_candidate(Candidate(record, model, prediction))

    def _keep_candidate(self, new: Candidate) -> None:
        # Bounded so that memory stays flat however many trials run: forests are large.
        kept = self.outcome.candidates
        kept[new.record.number] = new
        metric = self.setup.metric
        ranked = sorted(kept.values(), key=lambda c: (c.record.score if metric.greater_is_better
                                                      else -c.record.score),  # type: ignore
                        reverse=True)
        keep = {c.record.number for c in ranked[:LIBRARY_BEST]}
        seen: set[str] = set()
        for c in ranked:
            if c.record.model not in seen:
                seen.add(c.record.model)
                keep.add(c.record.number)
        for number in [n for n in kept if n not in keep]:
            del kept[number]

    def _finish(self, record: TrialRecord) -> None:
        record.ended_seconds = round(time.monotonic() - self.progress.started, 3)
        self.outcome.trials.append(record)
        self.progress.trial(record, self.outcome.best, self.setup.metric)
        notify("on_trial_end", trial=record, metric=self.setup.metric.name,
               task=self.setup.task.value)


def run_search(setup: SearchSetup, validation: Validation, *, deadline: float,
               hard_deadline: float, n_trials: int | None, progress: Progress) -> SearchOutcome:
    """Run trials until ``n_trials`` are done or the time left before ``deadline`` is needed
    for the refit; keeps going past it (up to ``hard_deadline``) only while no model has been
    fitted at all. Raises :class:`SearchError` when no trial completed."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return _Search(setup, validation, deadline, hard_deadline, n_trials, progress).run()


def _never_prune(step: int, value: float) -> bool:
    return False


def held_out_scorer(metric: Metric, context: FitContext) -> Any:
    """A ``FitContext.score``: ``metric`` of an estimator on the context's held-out rows, read
    when called, since ``fit_pipeline`` swaps in the preprocessed rows."""
    return functools.partial(_context_score, metric, context)


def _context_score(metric: Metric, context: FitContext, estimator: Any) -> float:
    return score_model(metric, estimator, context.X_valid, context.y_valid)


def training_log(model: str, trial: int) -> Any:
    """A ``FitContext.log`` that passes a model's training curve to the observers."""

    def log(step: int, **values: float) -> None:
        notify("on_training_step", model=model, trial=trial, step=step, values=values)

    return log


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text if len(text) <= 200 else text[:197] + "..."


def _no_model_message(trials: list[TrialRecord]) -> str:
    if not trials:
        return "no trial ran: give a larger time_budget"
    errors = sorted({f"{t.model}: {t.error}" for t in trials if t.error})[:5]
    return (f"none of {len(trials)} trial(s) produced a model; give a larger time_budget or "
            f"other models. Errors: {errors}")
