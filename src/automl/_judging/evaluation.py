"""``FitResult.evaluate``: how good the model is on labelled rows it never saw, in figures and
words: the task's metrics, an overfitting verdict, calibration, what the model relies on and,
on request, a fairness audit by one sensitive column."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from automl._contract.metrics import held_out_prediction
from automl._contract.specs import Task
from automl._final.scoring import scored
from automl._final.threshold import cut_of, decided
from automl._judging.diagnosis import Diagnosis, diagnose
from automl._judging.fairness import FairnessAudit, audit
from automl._judging.importance import Importance, native_importance, permutation_importance
from automl._judging.scorecard import (
    Calibration,
    Residuals,
    calibration,
    classification_metrics,
    confusion,
    regression_metrics,
    residuals,
)
from automl.errors import DataValidationError, Failure

if TYPE_CHECKING:
    from automl._result.result import FitResult

#: the most important columns named in the text summary
TOP_FEATURES = 8


@dataclass
class Evaluation:
    """The model judged on ``rows`` labelled rows.

    ``metrics`` holds the task's metrics by name; ``diagnosis`` the train / held-out / test
    scores and the verdict; ``importance`` what the model relies on. Classifiers add
    ``confusion`` (true by predicted counts) and ``calibration``; regressors ``residuals``.
    ``fairness`` is there when a sensitive column was named; ``threshold`` when the labels
    come from a tuned decision threshold rather than the most probable class. ``y`` (class
    indices or values) and ``prediction`` (class probabilities or values) are kept for the
    report's curves.
    """

    task: Task
    metric: str
    rows: int
    metrics: dict[str, float]
    diagnosis: Diagnosis
    importance: Importance | None
    y: np.ndarray
    prediction: np.ndarray
    classes: list | None = None
    confusion: pd.DataFrame | None = None
    calibration: Calibration | None = None
    residuals: Residuals | None = None
    fairness: FairnessAudit | None = None
    #: the decision threshold the labels were predicted at (binary, where one was tuned)
    threshold: float | None = None

    @property
    def verdict(self) -> str:
        """"underfit", "good" or "overfit" ("unknown" when the train score is missing)."""
        return self.diagnosis.verdict

    def to_dict(self) -> dict[str, Any]:
        """Everything but the row-level arrays, JSON-ready."""
        def part(value: Any) -> Any:
            return None if value is None else value.to_dict()

        return {"task": self.task.value, "metric": self.metric, "rows": self.rows,
                "metrics": self.metrics, "diagnosis": self.diagnosis.to_dict(),
                "importance": part(self.importance),
                "confusion": None if self.confusion is None else
                self.confusion.to_dict(orient="index"),
                "calibration": part(self.calibration), "residuals": part(self.residuals),
                "fairness": part(self.fairness), "threshold": self.threshold}

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON to ``path``."""
        out = Path(path)
        out.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return out

    def summary(self) -> str:
        """The evaluation in plain text, for a terminal."""
        lines = [f"Evaluation on {self.rows} labelled rows ({self.task.value}):",
                 "  " + "  ".join(f"{k} {v:.4g}" for k, v in self.metrics.items()),
                 *([] if self.threshold is None else
                   [f"  (labels at the tuned decision threshold {self.threshold:.3g} on the "
                    f"second class's probability)"]),
                 "", f"Verdict: {self.verdict}."]
        lines += [f"  {sentence}" for sentence in self.diagnosis.explanation]
        if self.calibration is not None:
            lines += ["", self.calibration.words()]
        if self.confusion is not None:
            lines += ["", "Confusion matrix (rows: true, columns: predicted):",
                      self.confusion.to_string()]
        if self.residuals is not None:
            r = self.residuals
            lines += ["", f"Residuals (true - predicted): mean {r.bias:.4g}, std {r.std:.4g}, "
                          f"5-95% {r.quantiles['p5']:.4g} to {r.quantiles['p95']:.4g}"]
        if self.importance is not None:
            top = self.importance.permutation.head(TOP_FEATURES)
            lines += ["", f"What it relies on (drop in {self.importance.metric} when a column "
                          f"is shuffled):"]
            lines += [f"  {row.feature:<30s} {row.importance:+.4f} ± {row.std:.4f}"
                      for row in top.itertuples()]
        if self.fairness is not None:
            lines += ["", f"Fairness by {self.fairness.column}:",
                      self.fairness.by_group.to_string(float_format=lambda v: f"{v:.3f}"),
                      self.fairness.words(), *self.fairness.notes]
        return "\n".join(lines)


def evaluate(result: FitResult, df: pd.DataFrame, *, sensitive: str | None = None,
             importance: bool = True, seed: int = 0) -> Evaluation:
    """Judge ``result`` on labelled rows ``df`` (see :meth:`FitResult.evaluate`)."""
    target = result.feature_schema.target
    labelled = result.labelled_rows(df, "evaluation data")
    _check_sensitive(df, target, sensitive)
    features = labelled
    schema = result.feature_schema
    if sensitive is not None and sensitive not in [*schema.names, *schema.ignored]:
        features = labelled.drop(columns=sensitive)
    X = result._features(features, "evaluation data")
    y = result._encode(labelled[target])
    task, metric = result.task, result.scoring_metric
    cut = cut_of(result.decision)
    prediction = held_out_prediction(result.pipeline, X, task)
    train = None
    if result.reference is not None:
        reference = result.reference
        train = scored(metric, task, reference.target,
                       held_out_prediction(result.pipeline, reference.features, task),
                       threshold=cut)
    verdict = diagnose(metric.name, train, result.held_out,
                       scored(metric, task, y, prediction, threshold=cut))
    found = Evaluation(task, metric.name, len(y), {}, verdict, None, y, prediction,
                       result.classes)
    if task.is_classification:
        assert result.classes is not None
        found.threshold = cut
        labels = decided(prediction, found.threshold)
        found.metrics = classification_metrics(y, prediction, labels)
        found.confusion = confusion(y, prediction, result.classes, labels)
        found.calibration = calibration(y, prediction, result.classes)
    else:
        found.metrics = regression_metrics(y, prediction)
        found.residuals = residuals(y, prediction, labelled.index)
        labels = prediction
    if importance:
        native, source = native_importance(result.pipeline)
        found.importance = Importance(metric.name, len(y), permutation_importance(
            result.pipeline, X, y, metric, task, seed), native, source)
    if sensitive is not None:
        found.fairness = audit(sensitive, labelled[sensitive], task, y, labels, result.classes)
    return found


def _check_sensitive(df: pd.DataFrame, target: str, sensitive: str | None) -> None:
    if sensitive is not None and (sensitive not in df.columns or sensitive == target):
        raise DataValidationError([Failure(str(sensitive), "sensitive column missing" if
                                           sensitive != target else
                                           "the sensitive column cannot be the target")],
                                  "evaluation data")
