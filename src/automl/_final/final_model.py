"""The model a fit returns: a greedy ensemble of the search's candidates when it beats the best
single model on the held-out rows, else that model; refitted on all rows where the time left
allows, and (regression) put back on the target's own scale."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from automl._contract.records import SearchOutcome, TrialRecord
from automl._contract.specs import FitContext, Metric
from automl._contract.time_limit import TimeLimitExceeded, call_with_time_limit
from automl._features.ensemble import ENSEMBLE_NAME, WeightedEnsemble, select
from automl._features.target_transform import ScaledTargetModel
from automl._final.calibration import Calibration, calibrate
from automl._final.intervals import Conformal, conformal_from
from automl._final.threshold import DecisionThreshold, ThresholdModel, tune_threshold
from automl._search.fitting import fit_pipeline, training_log
from automl._search.search import REFIT_MARGIN, REFIT_SAFETY, SearchSetup


@dataclass
class FinalModel:
    """The returned model, its name and parameters for the leaderboard, its held-out score,
    whether every part of it was refitted on all rows (never, for bags of fold models: between
    them they have seen every row), the ensemble's own leaderboard row (None when a single
    model won) and its prediction for the held-out rows (out of fold with cross-validation),
    on the target's own scale; for a classifier, what temperature scaling did
    (:mod:`automl._final.calibration`). ``valid_score`` is the score the model was chosen by, before
    any scaling; where scaling was applied, ``valid_prediction`` is the cross-fitted scaled
    one."""

    model: Any
    name: str
    params: dict[str, Any]
    valid_score: float
    refitted: bool
    ensemble_record: TrialRecord | None = None
    valid_prediction: np.ndarray | None = None
    calibration: Calibration | None = None
    decision: DecisionThreshold | None = None
    conformal: Conformal | None = None


def build_final_model(setup: SearchSetup, outcome: SearchOutcome, X: Any, y: np.ndarray,
                      deadline: float, *, ensemble: bool = True,
                      decision: Metric | None = None) -> FinalModel:
    """Choose between the ensemble and the best single model, refit it on (X, y) as time
    allows, and wrap it for the target's scale, the calibration of its probabilities and
    (binary, ``decision`` given) the decision threshold tuned for that metric."""
    best = outcome.best
    assert best is not None and best.score is not None and outcome.best_pipeline is not None
    candidates = outcome.candidates
    selection = select({n: c.prediction for n, c in candidates.items()}, outcome.y_valid,
                       setup.metric, setup.task, sample_weight=outcome.w_valid
                       ) if ensemble and candidates else None
    if (selection is not None and len(selection.weights) > 1
            and setup.metric.better(selection.score, best.score)):
        numbers = sorted(selection.weights, key=lambda n: -selection.weights[n])
        members = [candidates[n] for n in numbers]
        # Heaviest members first: where time runs short, the ones that count most are refitted
        # and the rest keep their fit on the training part.
        fitted, refitted = [], not outcome.bagged
        for m in members:
            pipeline, done = (m.pipeline, False) if outcome.bagged else refit(
                setup, m.record, m.pipeline, outcome.train_rows, X, y, deadline)
            fitted.append(pipeline)
            refitted = refitted and done
        needed = sum(m.record.fit_seconds for m in members)
        model: Any = WeightedEnsemble(fitted, [selection.weights[n] for n in numbers],
                                      setup.task)
        params = {f"{m.record.model}#{m.record.number}": round(selection.weights[n], 4)
                  for m, n in zip(members, numbers, strict=True)}
        record = TrialRecord(len(outcome.trials), ENSEMBLE_NAME, params, selection.score,
                             needed, "complete")
        blend = sum(selection.weights[n] * candidates[n].prediction for n in numbers)
        final = FinalModel(model, ENSEMBLE_NAME, params, selection.score, refitted, record,
                           np.asarray(blend) / sum(selection.weights.values()))
    else:
        pipeline, refitted = (outcome.best_pipeline, False) if outcome.bagged else refit(
            setup, best, outcome.best_pipeline, outcome.train_rows, X, y, deadline)
        final = FinalModel(pipeline, best.model, best.params, best.score, refitted,
                           valid_prediction=getattr(candidates.get(best.number),
                                                    "prediction", None))
    if setup.target_scale is not None:
        final.model = ScaledTargetModel(final.model, setup.target_scale)
        if final.valid_prediction is not None:
            final.conformal = conformal_from(outcome.y_valid, final.valid_prediction,
                                             setup.target_scale.log)
    if setup.task.is_classification and final.valid_prediction is not None:
        assert outcome.y_valid is not None
        final.calibration, final.valid_prediction = calibrate(
            final.valid_prediction, outcome.y_valid, setup.seed, outcome.w_valid)
        if final.calibration is not None:
            final.model = final.calibration.wrap(final.model)
        final.model, final.decision = thresholded(final.model, decision,
                                                  final.valid_prediction, outcome.y_valid,
                                                  setup.seed)
    return final


def thresholded(model: Any, decision: Metric | None, proba: np.ndarray, y: np.ndarray,
                seed: int) -> tuple[Any, DecisionThreshold | None]:
    """``model`` behind the decision threshold tuned for ``decision`` on the held-out
    probabilities (:mod:`automl._final.threshold`) where it raises that metric, and the evidence;
    the model as it is where there is no ``decision`` metric or no threshold to tune."""
    if decision is None:
        return model, None
    found = tune_threshold(decision, proba, y, seed)
    if found is None or not found.applied:
        return model, found
    return ThresholdModel(model, found.threshold), found


def refit(setup: SearchSetup, record: TrialRecord, trained: Pipeline, train_rows: int, X: Any,
          y: np.ndarray, deadline: float, folds: Sequence[Pipeline] = ()
          ) -> tuple[Pipeline, bool]:
    """Refit one trial's pipeline on all rows when the time left allows, else keep
    ``trained``, the one fitted on the training part. Returns the pipeline and whether it was
    refitted. ``folds``: under cross-validation, the trial's fold pipelines (``trained`` one
    of them): its ``fit_seconds`` covers them all, and the refit's stopping point is their
    mean (:meth:`FitContext.trial_mean`)."""
    needed = record.refit_seconds(len(y), train_rows, len(folds)) * REFIT_SAFETY
    if time.monotonic() + needed > deadline:
        return trained, False
    spec = setup.models[record.model]
    pipeline = setup.pipeline(record.model, record.params)
    estimator = trained.named_steps["model"]
    context = FitContext(deadline=deadline, seed=setup.seed, trial_estimator=estimator,
                         trial_estimators=tuple(f.named_steps["model"] for f in folds)
                         or (estimator,), log=training_log(record.model, -1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # a model that ignores the deadline cannot hold the fit: keep the trial's fit
            call_with_time_limit(
                lambda: fit_pipeline(pipeline, spec, X, y, context,
                                     setup.resampler(record.params), setup.weight_of(X)),
                deadline + REFIT_MARGIN, f"the refit of {record.model}")
        except (TimeLimitExceeded, KeyboardInterrupt):  # the user's Ctrl-C: finish with it
            return trained, False
    if getattr(pipeline.named_steps["model"], "truncated_", False) and not getattr(
            estimator, "truncated_", False):
        return trained, False
    return pipeline, True
