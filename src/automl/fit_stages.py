"""The stages of a fit, in order, and nothing else; :func:`automl.api.fit` is the entry
point and documents each argument."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from automl.api import OVERRUN_FRACTION
from automl.checks import check_training_data
from automl.cleaning import Cleaning, Preparation, fit_cleaning, select_preparation
from automl.data_report import DataReport, ReportEntry
from automl.deployment import build_deployment
from automl.diagnosis import scored
from automl.drift_reference import DriftReference
from automl.errors import ConfigurationError
from automl.explain import background_rows
from automl.final_model import build_final_model
from automl.fit_extra import Continuation
from automl.metrics import Metric, check_weighted, on_labels, resolve_metric
from automl.model_board import kept_models
from automl.pipeline import unprepared_kinds
from automl.plugins import collect, notify
from automl.preparation_notes import (
    calibration_notes,
    chosen_options,
    feature_notes,
    profile_notes,
    scale_notes,
    threshold_notes,
    validation_notes,
)
from automl.profile import Profile, encode_target, profile_frame
from automl.progress import Progress
from automl.reference import Reference
from automl.result import FitResult, make_leaderboard
from automl.scale_choice import PROBE_SHARE, choose_scale, probe_for
from automl.schema import FeatureSchema
from automl.search import SearchSetup, searched, start_search
from automl.search_records import SearchOutcome
from automl.search_settings import SearchSettings
from automl.selection import select_models, select_tuner
from automl.specs import CleanContext, Task
from automl.split import VALIDATION_CHOICES, Split, Validation, make_validation
from automl.split_by import SplitBy, split_by
from automl.target_transform import TargetScale
from automl.tuning_data import check_tuning_options, tuning_rows
from automl.weights import ARRAY_COLUMN, RowWeights, weight_column, weight_notes, weighted


def run_fit(started: float, df: pd.DataFrame, target: str, *, task: str | Task | None,
            metric: str | None, time_budget: float, models: list[str] | str | None, tuner: str,
            seed: int, n_trials: int | None, ensemble: bool, validation: str,
            country: str | None, disable: list[str] | None, enable: list[str] | None,
            verbose: int, storage: str | None, study_name: str | None, resume: bool,
            share: str | None, infer_limit: float | None, groups: str | None = None,
            time_column: str | None = None, tuning_data: pd.DataFrame | None = None,
            decision_metric: object = None, sample_weight: object = None) -> FitResult:
    """:func:`automl.api.fit`, its budget counted from ``started`` (a ``time.monotonic()``
    value taken when the call began)."""
    _check_arguments(time_budget, n_trials, validation, country, infer_limit)
    if tuning_data is not None:
        check_tuning_options(validation, groups, time_column)
    if resume and storage is None:
        raise ConfigurationError("resume=True continues a search kept in a storage: give "
                                 "storage= (and study_name=) as the fit that started it did")
    deadline = started + time_budget
    progress = Progress(verbose, started, budget=time_budget)
    registry = collect()
    chosen = select_preparation(registry.cleaners, registry.preprocessors, disable, enable)
    df, weighted_by = weight_column(df, target, sample_weight)
    _check_weighted(weighted_by, storage, tuning_data)
    df, task = check_training_data(df, target, task)
    by = split_by(df, target, groups, time_column)
    weights = None if weighted_by is None else pd.to_numeric(df[weighted_by]).to_numpy(float)
    chosen_metric = _metric(metric, task, storage)
    if weighted_by is not None:
        check_weighted(chosen_metric)
    decision = _decision(decision_metric, task)
    cleaning, df, report, profile, schema = _prepare(df, target, task, chosen,
                                                     CleanContext(task, target, seed, country),
                                                     by, weighted_by)
    X = schema.validate(df, context="training data")
    row_weights = None
    if weights is not None and weighted_by is not None:
        # the weights find their rows by position: every split keeps the rows' labels
        X, row_weights = X.reset_index(drop=True), RowWeights(weights, weighted_by)
    y = y_target = encode_target(df[target], profile.classes)
    scoring = on_labels(chosen_metric, profile.classes)  # the search scores class indices
    decision = None if decision is None else on_labels(decision, profile.classes)
    tuning = None if tuning_data is None else tuning_rows(tuning_data, target, cleaning, schema,
                                                          profile.classes)
    columns = {kind: profile.names(kind) for kind in _kinds(profile)}
    scale_choice = None if task.is_classification else choose_scale(
        X, y, scoring, probe_for(registry, chosen, columns, seed, country), seed,
        PROBE_SHARE * time_budget, groups=by.values if by and by.kind == "groups" else None)
    target_scale = None if scale_choice is None else scale_choice.scale
    if target_scale is not None:
        y = target_scale.to_fitted(y)
    shared = None
    if storage is not None:
        from automl.distributed.leader import SharedRun, resumed_validation

        shared = SharedRun(storage, study_name, share, resume)
        if resume and validation == "auto":
            # "auto" hangs on the budget, which a resumed search may change: keep the study's
            validation = resumed_validation(shared) or validation
    folds, X_all, y_all = _validation(X, y, task, seed, validation, time_budget, by, tuning,
                                      target_scale)
    settings = SearchSettings(list(select_models(registry, models, task)),
                              select_tuner(registry, tuner).name, chosen_metric.name, task.value,
                              columns, seed,
                              country, disable, enable, n_trials,
                              "cv" if folds.bagged else "holdout", _plain(profile.classes))
    setup = weighted(settings.setup(registry, cleaning, target_scale, chosen, scoring),
                     row_weights)
    report.add(feature_notes(profile, X, setup) + scale_notes(scale_choice, target)
               + validation_notes(folds) + weight_notes(setup))
    progress.say(f"{task.value} task, {chosen_metric.name} "
                 f"({'higher' if chosen_metric.greater_is_better else 'lower'} is better), "
                 f"{folds.describe()}, "
                 f"{len(profile.features)} features, models {sorted(setup.models)}"
                 f"{'' if scale_choice is None else ', ' + scale_choice.describe()}")
    hard_deadline = started + time_budget * (1 + OVERRUN_FRACTION)
    finishing = Finishing(setup, folds, X, y_target, X_all, y_all, profile, schema, cleaning,
                          copy.deepcopy(report), chosen_metric,
                          None if metric is None or isinstance(metric, str) else chosen_metric,
                          ensemble, decision, infer_limit, seed)
    with progress:  # the live bar, in a terminal or a notebook
        if shared is None:
            search = start_search(setup, folds, deadline=deadline, hard_deadline=hard_deadline,
                                  n_trials=n_trials, progress=progress)
            outcome = searched(search)
        else:
            from automl.distributed.leader import package_for, run_shared_search

            search = None  # the study lives in the storage: resume=True continues it
            outcome = run_shared_search(shared, setup,
                                        package_for(settings, cleaning, target_scale, folds),
                                        deadline=deadline, hard_deadline=hard_deadline,
                                        progress=progress)
        result = finish_fit(finishing, outcome, started, deadline, hard_deadline, progress)
    result.continuation = None if search is None else Continuation(search, finishing)
    notify("on_fit_end", result=result)
    return result


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
        scoring, task, outcome.y_valid, final.valid_prediction, outcome.w_valid)
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


def _prepare(df: pd.DataFrame, target: str, task: Task, chosen: Preparation,
             context: CleanContext, by: SplitBy | None = None, weighted_by: str | None = None
             ) -> tuple[Cleaning, pd.DataFrame, DataReport, Profile, FeatureSchema]:
    """Clean the checked frame, profile it and infer its schema: the fitted cleaning, the
    cleaned frame, the report so far, the profile and the schema. A groups column (``by``)
    is set aside first: it names the groups, and a model that learnt from it would learn the
    groups it has seen, not the ones it will meet; so is the weight column (``weighted_by``),
    which says how much a row counts, not what it is."""
    features = [c for c in df.columns if c not in (target, ARRAY_COLUMN)]
    aside = [ReportEntry("validation", "dropped", by.column,
                         "names each row's group (groups=): splits by it, not a feature")
             ] if by is not None and by.kind == "groups" else []
    if weighted_by is not None and weighted_by != ARRAY_COLUMN:
        aside.append(ReportEntry("weights", "dropped", weighted_by,
                                 "each row's weight (sample_weight=): weighs the row in "
                                 "fitting and scoring, not a feature"))
    df = df.drop(columns=[c for c in (by.column if by and by.kind == "groups" else None,
                                      weighted_by) if c is not None])
    cleaning, df, report = fit_cleaning(df, target, chosen.cleaners, context)
    report.add(aside)
    profile = profile_frame(df, target, task)
    profile = profile.without(unprepared_kinds(_kinds(profile), chosen.preprocessors),
                              "a {kind} column, unused: its preprocessor is switched off")
    report.add(profile_notes(profile))
    removed = [str(c) for c in features if c not in df.columns]
    return cleaning, df, report, profile, FeatureSchema.from_profile(profile, df, removed)


def _validation(X: pd.DataFrame, y: np.ndarray, task: Task, seed: int, method: str,
                time_budget: float, by: SplitBy | None,
                tuning: tuple[pd.DataFrame, np.ndarray] | None,
                scale: TargetScale | None) -> tuple[Validation, pd.DataFrame, np.ndarray]:
    """The folds the trials are scored on, and the rows the winner is refitted on: the
    training rows, with the tuning rows (``tuning``: their features and encoded target) where
    the user gave them."""
    if tuning is None:
        return make_validation(X, y, task, seed, method, time_budget, by), X, y
    X_tune, y_tune = tuning
    if scale is not None:
        y_tune = scale.to_fitted(y_tune)
    folds = Validation([Split(X, X_tune, y, y_tune)], tuning=True)
    return folds, pd.concat([X, X_tune], ignore_index=True), np.concatenate([y, y_tune])


def _check_weighted(weighted_by: str | None, storage: str | None,
                    tuning_data: pd.DataFrame | None) -> None:
    if weighted_by is None:
        return
    if storage is not None:
        raise ConfigurationError("sample_weight= with storage=: a shared search's workers do "
                                 "not carry weights yet; fit without storage=, or without "
                                 "weights")
    if tuning_data is not None:
        raise ConfigurationError("sample_weight= with tuning_data=: the tuning rows would need "
                                 "weights of their own, which are not taken yet; let the fit "
                                 "hold out rows itself, or fit without weights")


def _metric(metric: object, task: Task, storage: str | None) -> Metric:
    """The fit's metric (:func:`automl.metrics.resolve_metric`); one given as an object lives
    in this process only, so a shared search, whose workers find the metric by name, refuses
    it."""
    chosen = resolve_metric(metric, task)
    if storage is not None and metric is not None and not isinstance(metric, str):
        raise ConfigurationError(f"metric {chosen.name!r} is a function of this process, which "
                                 f"the workers of a shared search cannot call: register it "
                                 f"from a plugin (the register_metrics hook) and give its name")
    return chosen


def _decision(metric: object, task: Task) -> Metric | None:
    """The metric a binary decision threshold is tuned for (``fit(decision_metric=...)``):
    one of labels, not of probabilities."""
    if metric is None:
        return None
    if task is not Task.BINARY:
        raise ConfigurationError(f"decision_metric= tunes a binary classifier's threshold; "
                                 f"this is a {task} task")
    chosen = resolve_metric(metric, task)
    if chosen.needs_proba:
        raise ConfigurationError(f"decision_metric={chosen.name!r} scores probabilities, which "
                                 f"a threshold does not change: give a metric of labels such "
                                 f"as 'balanced_accuracy' or 'f1_macro'")
    return chosen


def _plain(classes: list | None) -> list | None:
    """Class labels as plain Python values (the settings are stored as JSON)."""
    return None if classes is None else [getattr(c, "item", lambda c=c: c)() for c in classes]


def _check_arguments(time_budget: float, n_trials: int | None, validation: str,
                     country: str | None, infer_limit: float | None = None) -> None:
    if infer_limit is not None and (not isinstance(infer_limit, int | float)
                                    or not infer_limit > 0):
        raise ConfigurationError(f"infer_limit={infer_limit!r}: give a positive number of "
                                 f"seconds per row, or None for no bound")
    if validation not in VALIDATION_CHOICES:
        raise ConfigurationError(f"validation={validation!r}: use one of "
                                 f"{list(VALIDATION_CHOICES)}")
    if not isinstance(time_budget, int | float) or not time_budget > 0:
        raise ConfigurationError(f"time_budget={time_budget!r}: give a positive number of "
                                 f"seconds")
    if n_trials is not None and (not isinstance(n_trials, int) or n_trials < 1):
        raise ConfigurationError(f"n_trials={n_trials!r}: give a positive integer or None")
    if country is not None:
        import holidays

        try:
            holidays.country_holidays(country)
        except (NotImplementedError, KeyError, AttributeError, TypeError):
            raise ConfigurationError(f"country={country!r}: the holidays package does not know "
                                     f"it; give an ISO 3166 code such as 'US' or 'DE'") from None


def _kinds(profile: Profile) -> list[str]:
    return sorted({c.kind for c in profile.columns})


def _refit_words(refitted: bool, bagged: bool) -> str:
    if bagged:
        return "a bag of fold models, which between them saw every row"
    return "refitted on all rows" if refitted else "not refitted: no time left"
