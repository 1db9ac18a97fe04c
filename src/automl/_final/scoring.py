"""Skill: any metric on one scale, where 0 is what a constant prediction scores on the same rows
(the class shares, or the mean) and 1 is a perfect prediction. It is what makes an RMSE gap and
an AUC gap comparable; the final model's held-out scores, the evaluation and the drift checks
all report it beside the metric."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from automl._contract.metrics import Metric, prediction_score
from automl._contract.specs import Task


def constant_prediction(task: Task, y: np.ndarray, n_classes: int | None) -> np.ndarray:
    """What a model that ignores the features predicts for ``y``'s rows, in the form
    :func:`automl._contract.metrics.held_out_prediction` gives: the class shares, or the mean."""
    if not task.is_classification:
        return np.full(len(y), float(np.mean(y)))
    k = n_classes or int(np.max(y)) + 1
    shares = np.bincount(np.asarray(y, dtype=int), minlength=k) / max(len(y), 1)
    return np.tile(shares, (len(y), 1))


def perfect_prediction(task: Task, y: np.ndarray, n_classes: int | None) -> np.ndarray:
    """The prediction that is always right, in the same form."""
    if not task.is_classification:
        return np.asarray(y, dtype=float)
    k = n_classes or int(np.max(y)) + 1
    return np.eye(k)[np.asarray(y, dtype=int)]


def skill(metric: Metric, task: Task, y: np.ndarray, prediction: np.ndarray,
          sample_weight: np.ndarray | None = None, threshold: float | None = None) -> float:
    """Where ``prediction`` scores between a constant prediction (0) and a perfect one (1) on
    the rows of ``y`` (weighted by ``sample_weight``); NaN where the two score the same (one
    class only, a constant target). ``threshold``: the binary decision threshold its labels
    are taken at (None: the most probable class); the constant prediction is scored at its
    most probable class whatever the threshold, as the floor every model must clear."""
    k = prediction.shape[1] if prediction.ndim == 2 else None
    w = sample_weight
    score = prediction_score(metric, task, prediction, y, w, threshold)
    floor = prediction_score(metric, task, constant_prediction(task, y, k), y, w)
    top = prediction_score(metric, task, perfect_prediction(task, y, k), y, w)
    if not math.isfinite(top - floor) or abs(top - floor) < 1e-12:
        return float("nan")
    return float((score - floor) / (top - floor))


@dataclass
class Scored:
    """A metric on one set of rows and its skill (see :func:`skill`)."""

    score: float
    skill: float
    rows: int



def scored(metric: Metric, task: Task, y: np.ndarray, prediction: np.ndarray,
           sample_weight: np.ndarray | None = None, threshold: float | None = None) -> Scored:
    """``metric`` and skill of ``prediction`` (in the form
    :func:`automl._contract.metrics.held_out_prediction` gives) on the rows of ``y``, weighted by
    ``sample_weight`` (None: equally), a metric of labels taking them at the binary decision
    ``threshold`` (None: the most probable class)."""
    return Scored(prediction_score(metric, task, prediction, y, sample_weight, threshold),
                  skill(metric, task, y, prediction, sample_weight, threshold), len(y))
