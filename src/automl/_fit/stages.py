"""The stages of a fit, in order, and nothing else: :func:`run_fit` calls one function per
stage (those before the search are in :mod:`automl._fit.before_search`), and
:func:`finish_fit` turns the search's outcome into the result; :func:`automl._fit.api.fit` is
the entry point and documents each argument."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from automl._cleaning.steps import Cleaning, select_preparation
from automl._contract.data_report import DataReport
from automl._contract.metrics import Metric
from automl._contract.plugins import collect, notify
from automl._contract.records import SearchOutcome
from automl._data.profile import Profile
from automl._data.schema import FeatureSchema
from automl._data.split import Validation
from automl._data.weights import ARRAY_COLUMN
from automl._final.deployment import build_deployment
from automl._final.final_model import build_final_model
from automl._final.reference import Reference
from automl._final.scoring import scored
from automl._final.threshold import cut_of
from automl._fit.api import OVERRUN_FRACTION
from automl._fit.before_search import (
    Checked,
    Folds,
    Prepared,
    check_stage,
    clean_stage,
    scale_stage,
    search_setup,
    split_stage,
)
from automl._fit.extra import Continuation
from automl._fit.options import FitOptions
from automl._judging.explain import background_rows
from automl._judging.model_board import kept_models
from automl._judging.preparation_notes import (
    calibration_notes,
    chosen_options,
    threshold_notes,
)
from automl._monitoring.drift_reference import DriftReference
from automl._result.leaderboard import make_leaderboard
from automl._result.result import FitResult
from automl._search.progress import Progress
from automl._search.scale_choice import ScaleChoice
from automl._search.search import SearchSetup
from automl._search.searcher import LocalSearcher, Searcher


def run_fit(started: float, df: pd.DataFrame, target: str, options: FitOptions) -> FitResult:
    """:func:`automl._fit.api.fit`, its budget counted from ``started`` (a ``time.monotonic()``
    value taken when the call began): one call per stage, in the order of the README's "what a
    fit does" and docs/architecture.md."""
    options.check()
    progress = Progress(options.verbose, started, budget=options.time_budget)
    registry = collect()
    chosen = select_preparation(registry.cleaners, registry.preprocessors, options.disable,
                                options.enable)
    data = check_stage(df, target, options)
    prepared = clean_stage(data, target, chosen, options)
    scale_choice = scale_stage(prepared, data, registry, options)
    searcher = _searcher(options)
    folds = split_stage(prepared, data, scale_choice, searcher.validation(options.validation),
                        options)
    settings, setup = search_setup(prepared, data, scale_choice, folds, registry, options)
    _announce(progress, data, prepared, folds, setup, scale_choice)
    finishing = _finishing(prepared, data, folds, setup, options)
    deadline = started + options.time_budget
    hard_deadline = started + options.time_budget * (1 + OVERRUN_FRACTION)
    with progress:  # the live bar, in a terminal or a notebook
        search, outcome = searcher.search(setup, settings, prepared.cleaning, folds.scale,
                                          folds.validation, deadline=deadline,
                                          hard_deadline=hard_deadline, progress=progress)
        result = finish_fit(finishing, outcome, started, deadline, hard_deadline, progress)
    result.continuation = None if search is None else Continuation(search, finishing)
    notify("on_fit_end", result=result)
    return result


def _searcher(options: FitOptions) -> Searcher:
    """Where the search runs: in this process, or shared through ``options.storage`` with
    ``automl worker`` processes (:mod:`automl._distributed`, imported only then)."""
    if options.storage is None:
        return LocalSearcher()
    from automl._distributed.leader import SharedRun, SharedSearcher

    return SharedSearcher(SharedRun(options.storage, options.study_name, options.share,
                                    options.resume))


def _announce(progress: Progress, data: Checked, p: Prepared, folds: Folds, setup: SearchSetup,
              scale_choice: ScaleChoice | None) -> None:
    metric = data.metric
    progress.say(f"{data.task.value} task, {metric.name} "
                 f"({'higher' if metric.greater_is_better else 'lower'} is better), "
                 f"{folds.validation.describe()}, "
                 f"{len(p.profile.features)} features, models {sorted(setup.models)}"
                 f"{'' if scale_choice is None else ', ' + scale_choice.describe()}")


def _finishing(p: Prepared, data: Checked, folds: Folds, setup: SearchSetup,
               options: FitOptions) -> Finishing:
    custom = None if options.metric is None or isinstance(options.metric, str) else data.metric
    return Finishing(setup, folds.validation, p.X, p.y_target, folds.X_all, folds.y_all,
                     p.profile, p.schema, p.cleaning, copy.deepcopy(p.report), data.metric,
                     custom, options.ensemble, p.decision, options.infer_limit, options.seed)


@dataclass
class Finishing:
    """What the stages after the search need, kept with the result so that
    ``FitResult.fit_extra`` can finish a longer search the same way: the report is the one
    from before the search's notes."""

    setup: SearchSetup
    folds: Validation
    X: pd.DataFrame
    y_target: np.ndarray
    X_all: pd.DataFrame
    y_all: np.ndarray
    profile: Profile
    schema: FeatureSchema
    cleaning: Cleaning
    report: DataReport
    metric: Metric
    custom_metric: Metric | None
    ensemble: bool
    decision: Metric | None
    infer_limit: float | None
    seed: int


def finish_fit(f: Finishing, outcome: SearchOutcome, started: float, deadline: float,
               hard_deadline: float, progress: Progress) -> FitResult:
    """The model a finished search returns: the final model and the deployed one, scored,
    reported and wrapped in a :class:`FitResult` (its budget counted from ``started``)."""
    setup, task, scoring = f.setup, f.setup.task, f.setup.metric
    if outcome.interrupted:  # the user asked for what there is now
        deadline = hard_deadline = time.monotonic()
    final = build_final_model(setup, outcome, f.X_all, f.y_all, deadline, ensemble=f.ensemble,
                              decision=f.decision)
    if final.ensemble_record is not None:
        final.ensemble_record.ended_seconds = round(time.monotonic() - started, 3)
    # the last step: it may use the overrun the budget allows
    deployed = build_deployment(setup, outcome, final, f.X_all, f.y_all, hard_deadline,
                                f.infer_limit, f.decision)
    rows = outcome.trials + ([final.ensemble_record] if final.ensemble_record else [])
    held_out = None if final.valid_prediction is None else scored(
        scoring, task, outcome.y_valid, final.valid_prediction, outcome.w_valid,
        cut_of(final.decision))
    report = copy.deepcopy(f.report)
    target = f.schema.target
    report.add(chosen_options(final, outcome, setup, f.X)
               + calibration_notes(final.calibration, target)
               + threshold_notes(final.decision, target))
    reference = Reference.sample(f.X, f.y_target, task, final.valid_prediction, f.seed)
    classes = f.profile.classes
    result = FitResult(
        pipeline=final.model, feature_schema=f.schema, task=task, metric=f.metric.name,
        leaderboard=make_leaderboard(rows, f.metric.name, f.metric.greater_is_better,
                                     deployed),
        best=final.name, best_params=final.params, valid_score=final.valid_score,
        classes=classes, refitted=final.refitted, fit_seconds=time.monotonic() - started,
        dropped_columns={**report.reasons("dropped"), **f.profile.dropped},
        cleaning=f.cleaning, data_report=report, held_out=held_out,
        reference=reference, deployed=deployed,
        drift_summary=DriftReference.of(reference, f.schema, task, classes),
        validation=f.folds.describe(), custom_metric=f.custom_metric,
        decision=final.decision, conformal=final.conformal,
        kept_models=kept_models(setup, outcome), background=background_rows(f.X, f.seed),
        weight_column=None if setup.weights is None or setup.weights.column == ARRAY_COLUMN
        else setup.weights.column)
    progress.say(f"best: {result.best} {f.metric.name}={result.valid_score:.5g} "
                 f"({len(outcome.trials)} trials, "
                 f"{_refit_words(final.refitted, outcome.bagged)})"
                 + ("" if final.calibration is None else f"; {final.calibration.describe()}")
                 + ("" if final.decision is None else f"; {final.decision.describe()}"))
    if deployed is not None:
        progress.say(f"deployed: {' + '.join(deployed.params)} "
                     f"{f.metric.name}={deployed.valid_score:.5g}, "
                     f"{deployed.seconds_per_row * 1000:.2f} ms per row")
    return result


def _refit_words(refitted: bool, bagged: bool) -> str:
    if bagged:
        return "a bag of fold models, which between them saw every row"
    return "refitted on all rows" if refitted else "not refitted: no time left"
