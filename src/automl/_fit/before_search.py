"""The stages before the search, each one call from :func:`automl._fit.stages.run_fit`: check
the data (:func:`check_stage`), clean and profile it (:func:`clean_stage`), choose the target's
scale (:func:`scale_stage`), split it (:func:`split_stage`) and set the search up
(:func:`search_setup`). Each returns a record the next ones read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from automl._cleaning.steps import Cleaning, Preparation, fit_cleaning
from automl._cleaning.tuning_data import tuning_rows
from automl._contract.data_report import DataReport, ReportEntry
from automl._contract.metrics import Metric, check_weighted, on_labels, resolve_metric
from automl._contract.plugins import Registry
from automl._contract.specs import CleanContext, Task
from automl._data.checks import check_training_data
from automl._data.profile import Profile, encode_target, profile_frame
from automl._data.schema import FeatureSchema
from automl._data.split import Split, Validation, make_validation
from automl._data.split_by import SplitBy, split_by
from automl._data.weights import ARRAY_COLUMN, RowWeights, weight_column, weight_notes, weighted
from automl._features.pipeline import unprepared_kinds
from automl._features.target_transform import TargetScale
from automl._fit.options import FitOptions
from automl._judging.preparation_notes import (
    feature_notes,
    profile_notes,
    scale_notes,
    validation_notes,
)
from automl._search.scale_choice import PROBE_SHARE, ScaleChoice, choose_scale, probe_for
from automl._search.search import SearchSetup
from automl._search.selection import select_models, select_tuner
from automl._search.settings import SearchSettings
from automl.errors import ConfigurationError


@dataclass
class Checked:
    """The check stage's output: the checked frame, its task, how it splits (groups or time),
    the weight column and weights (None: unweighted), the fit's metric and the decision
    metric."""

    df: pd.DataFrame
    task: Task
    by: SplitBy | None
    weighted_by: str | None
    weights: np.ndarray | None
    metric: Metric
    decision: Metric | None


def check_stage(df: pd.DataFrame, target: str, options: FitOptions) -> Checked:
    """The training input checked (pandera, every failure at once), its task and metric."""
    df, weighted_by = weight_column(df, target, options.sample_weight)
    _check_weighted(weighted_by, options.storage, options.tuning_data)
    df, task = check_training_data(df, target, options.task)
    by = split_by(df, target, options.groups, options.time_column)
    weights = None if weighted_by is None else pd.to_numeric(df[weighted_by]).to_numpy(float)
    metric = _metric(options.metric, task, options.storage)
    if weighted_by is not None:
        check_weighted(metric)
    return Checked(df, task, by, weighted_by, weights, metric,
                   _decision(options.decision_metric, task))


@dataclass
class Prepared:
    """The clean stage's output: the preparation chosen, the fitted cleaning, the data report
    so far, the profile and schema, the features and encoded target, the rows' weights, the
    metrics as the search scores them (on class indices) and the tuning rows."""

    chosen: Preparation
    cleaning: Cleaning
    report: DataReport
    profile: Profile
    schema: FeatureSchema
    X: pd.DataFrame
    y_target: np.ndarray
    row_weights: RowWeights | None
    scoring: Metric
    decision: Metric | None
    tuning: tuple[pd.DataFrame, np.ndarray] | None

    @property
    def columns(self) -> dict[str, list[str]]:
        """The feature columns by kind."""
        return {kind: self.profile.names(kind) for kind in _kinds(self.profile)}


def clean_stage(data: Checked, target: str, chosen: Preparation,
                options: FitOptions) -> Prepared:
    """The cleaning steps fitted and run, the columns profiled, the schema inferred and
    enforced on the training rows, the target encoded."""
    cleaning, df, report, profile, schema = _prepare(
        data.df, target, data.task, chosen,
        CleanContext(data.task, target, options.seed, options.country), data.by,
        data.weighted_by)
    X = schema.validate(df, context="training data")
    row_weights = None
    if data.weights is not None and data.weighted_by is not None:
        # the weights find their rows by position: every split keeps the rows' labels
        X, row_weights = X.reset_index(drop=True), RowWeights(data.weights, data.weighted_by)
    classes = profile.classes
    tuning = None if options.tuning_data is None else tuning_rows(
        options.tuning_data, target, cleaning, schema, classes)
    return Prepared(chosen, cleaning, report, profile, schema, X,
                    encode_target(df[target], classes),
                    row_weights, on_labels(data.metric, classes),  # the search scores indices
                    None if data.decision is None else on_labels(data.decision, classes), tuning)


def scale_stage(p: Prepared, data: Checked, registry: Registry,
                options: FitOptions) -> ScaleChoice | None:
    """Regression: the target's scale, chosen by a probe's held-out score in the fit's
    metric; None for classification."""
    if data.task.is_classification:
        return None
    by = data.by
    return choose_scale(p.X, p.y_target, p.scoring,
                        probe_for(registry, p.chosen, p.columns, options.seed, options.country),
                        options.seed, PROBE_SHARE * options.time_budget,
                        groups=by.values if by and by.kind == "groups" else None)


@dataclass
class Folds:
    """The split stage's output: the folds the trials are scored on, the rows the winner is
    refitted on (target on the fitted scale), and that scale (None: raw)."""

    validation: Validation
    X_all: pd.DataFrame
    y_all: np.ndarray
    scale: TargetScale | None


def split_stage(p: Prepared, data: Checked, scale_choice: ScaleChoice | None, method: str,
                options: FitOptions) -> Folds:
    """5-fold CV or one held-out split (by groups, by time, or the user's tuning rows)."""
    scale = None if scale_choice is None else scale_choice.scale
    y = p.y_target if scale is None else scale.to_fitted(p.y_target)
    folds, X_all, y_all = _validation(p.X, y, data.task, options.seed, method,
                                      options.time_budget, data.by, p.tuning, scale)
    return Folds(folds, X_all, y_all, scale)


def search_setup(p: Prepared, data: Checked, scale_choice: ScaleChoice | None, folds: Folds,
                 registry: Registry, options: FitOptions
                 ) -> tuple[SearchSettings, SearchSetup]:
    """What the search runs (models, tuner, metric, columns, seed; the settings a shared
    search stores by name), with what the preparation will do noted in the data report."""
    settings = SearchSettings(list(select_models(registry, options.models, data.task)),
                              select_tuner(registry, options.tuner).name, data.metric.name,
                              data.task.value, p.columns, options.seed, options.country,
                              options.disable, options.enable, options.n_trials,
                              "cv" if folds.validation.bagged else "holdout",
                              _plain(p.profile.classes))
    setup = weighted(settings.setup(registry, p.cleaning, folds.scale, p.chosen, p.scoring),
                     p.row_weights)
    p.report.add(feature_notes(p.profile, p.X, setup) + scale_notes(scale_choice, p.schema.target)
                 + validation_notes(folds.validation) + weight_notes(setup))
    return settings, setup


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
    """The fit's metric (:func:`automl._contract.metrics.resolve_metric`); one given as an
    object lives in this process only, so a shared search, whose workers find the metric by name,
    refuses it."""
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


def _kinds(profile: Profile) -> list[str]:
    return sorted({c.kind for c in profile.columns})


