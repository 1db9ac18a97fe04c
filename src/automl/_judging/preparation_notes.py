"""Data report entries for what happens after cleaning: columns the profile set aside, the
scale a regression target is fitted on, how the trials were validated, what temperature
scaling did to a classifier's probabilities, the features the preprocessors make from dates,
text and many-level categories, and the per-trial preparation choices the returned model was
fitted with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from automl._contract.data_report import ReportEntry
from automl._data.profile import Profile
from automl._features.ensemble import ENSEMBLE_NAME
from automl._features.pipeline import split_params

if TYPE_CHECKING:
    from automl._contract.records import SearchOutcome
    from automl._data.split import Validation
    from automl._final.calibration import Calibration
    from automl._final.final_model import FinalModel
    from automl._final.threshold import DecisionThreshold
    from automl._search.scale_choice import ScaleChoice
    from automl._search.search import SearchSetup


def scale_notes(choice: ScaleChoice | None, target: str) -> list[ReportEntry]:
    """The scale the regression target is fitted on, with the probe's evidence (none for
    classification)."""
    if choice is None:
        return []
    return [ReportEntry("target_scale", "scaled", target, f"fitted on the {choice.describe()}")]


def validation_notes(validation: Validation) -> list[ReportEntry]:
    """How the search's trials were scored: folds or a held-out split, and the column the rows
    were split by where the fit named one."""
    column = None if validation.by is None else validation.by.column
    return [ReportEntry("validation", "validated", column, validation.describe())]


def threshold_notes(decision: DecisionThreshold | None, target: str) -> list[ReportEntry]:
    """The decision threshold tuned for ``fit(decision_metric=...)``, with the held-out
    evidence (none where there was none to tune)."""
    if decision is None:
        return []
    return [ReportEntry("threshold", "decided", target, decision.describe())]


def calibration_notes(calibration: Calibration | None, target: str) -> list[ReportEntry]:
    """Whether the classifier's probabilities were temperature-scaled, with the held-out
    evidence (none for regression, or too few held-out rows)."""
    if calibration is None:
        return []
    return [ReportEntry("calibration", "calibrated", target, calibration.describe())]


def profile_notes(profile: Profile) -> list[ReportEntry]:
    """The columns the profile dropped (with the junk step off, say), with why."""
    return [ReportEntry("profile", "dropped", c, why) for c, why in profile.dropped.items()]


def feature_notes(profile: Profile, X: pd.DataFrame, setup: SearchSetup) -> list[ReportEntry]:
    """What the default preprocessors make of date, text and many-level categorical columns."""
    from automl._features.transformers import (
        MAX_ONEHOT_LEVELS,
        MAX_TEXT_FEATURES,
        RARE_LEVEL,
        DatetimeFeatures,
    )

    notes = []
    for c in profile.names("datetime"):
        names = DatetimeFeatures(country=setup.country).fit(X[[c]]).get_feature_names_out()
        parts = [str(n)[len(str(c)) + 1:] for n in names]
        notes.append(ReportEntry("datetime_parts", "created", c,
                                 f"{len(parts)} date features: {', '.join(parts)}", len(parts)))
    for c in profile.names("text"):
        notes.append(ReportEntry("tfidf", "created", c, "TF-IDF of its words and word pairs, "
                                 f"reduced to at most {MAX_TEXT_FEATURES} components"))
    for col in profile.columns:
        if col.kind == "categorical" and col.n_unique > MAX_ONEHOT_LEVELS:
            notes.append(ReportEntry(
                "onehot", "created", col.name,
                f"{col.n_unique} levels: target encoding fitted out of fold for the models that "
                f"need numbers; levels seen fewer than {RARE_LEVEL} times are grouped as one"))
    return notes


def chosen_options(final: FinalModel, outcome: SearchOutcome, setup: SearchSetup,
                   X: pd.DataFrame) -> list[ReportEntry]:
    """What the returned model's preparation choices did to the training rows (values clipped,
    classes reweighted), for each choice some member took other than its first option."""
    by_number = {t.number: t for t in outcome.trials}
    members = [by_number[int(m.rsplit("#", 1)[1])] for m in final.params
               ] if final.name == ENSEMBLE_NAME else [None]
    params = [m.params if m is not None else final.params for m in members]
    names = [m.model if m is not None else final.name for m in members]
    notes: list[ReportEntry] = []
    for choice in setup.choices:
        taken: dict[str, list[str]] = {}
        for model, p in zip(names, params, strict=True):
            option = split_params(p)[1].get(choice.name)
            if option is not None and option != choice.options[0]:
                taken.setdefault(option, []).append(model)
        for option, models in taken.items():
            notes += _option_notes(choice, option, sorted(set(models)), X)
    return notes


def _option_notes(choice: Any, option: str, models: list[str],
                  X: pd.DataFrame) -> list[ReportEntry]:
    who = f"for {', '.join(models)}"
    step = choice.step(option) if choice.step is not None else None
    # a step that reports what it clipped (``clipped_``: column -> count, ``fences_``: column
    # -> (low, high)) gets one entry per column; any other choice one line
    if step is not None and hasattr(step.fit(X), "clipped_"):
        fences = getattr(step, "fences_", {})
        return [ReportEntry(choice.name, "clipped", c,
                            f"values outside {_interval(fences.get(c))} clipped {who}", n)
                for c, n in step.clipped_.items() if n]
    action = "balanced" if choice.resample is not None else "created"
    return [ReportEntry(choice.name, action, None, f"the search chose {option!r} {who}")]


def _interval(fences: tuple[float, float] | None) -> str:
    return "the fences" if fences is None else f"[{fences[0]:g}, {fences[1]:g}]"
