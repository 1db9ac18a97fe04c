"""The figures a person reads to judge a model on labelled rows: the task's usual metrics, the
confusion matrix or the residuals, and, for classifiers, how well the probabilities are
calibrated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

#: probability bins of the calibration table
CALIBRATION_BINS = 10
#: rows of the largest residuals kept for the report
WORST_ROWS = 10


def classification_metrics(y: np.ndarray, proba: np.ndarray,
                           labels: np.ndarray | None = None) -> dict[str, float]:
    """Accuracy, balanced accuracy, precision, recall and F1 (of the second class for a binary
    task, macro-averaged otherwise), ROC AUC (one-vs-rest for several classes) and log loss.
    ``y`` holds class indices, ``proba`` one column per class; ``labels`` the predicted
    class indices (default: the most probable class; a tuned decision threshold gives
    others)."""
    k = proba.shape[1]
    proba = proba / proba.sum(axis=1, keepdims=True)  # float error in averaged ensembles
    labels = np.argmax(proba, axis=1) if labels is None else labels
    average = "binary" if k == 2 else "macro"
    out = {"accuracy": skm.accuracy_score(y, labels),
           "balanced_accuracy": skm.balanced_accuracy_score(y, labels),
           "precision": skm.precision_score(y, labels, average=average, zero_division=0),
           "recall": skm.recall_score(y, labels, average=average, zero_division=0),
           "f1": skm.f1_score(y, labels, average=average, zero_division=0),
           "log_loss": skm.log_loss(y, proba, labels=range(k))}
    if len(np.unique(y)) == k:  # AUC needs every class present
        out["roc_auc"] = (skm.roc_auc_score(y, proba[:, 1]) if k == 2 else
                          skm.roc_auc_score(y, proba, multi_class="ovr", labels=range(k)))
    return {name: float(v) for name, v in out.items()}


def confusion(y: np.ndarray, proba: np.ndarray, classes: list,
              labels: np.ndarray | None = None) -> pd.DataFrame:
    """Counts of rows by true class (index) and predicted class (columns: ``labels``, by
    default the most probable class)."""
    names = [str(c) for c in classes]
    predicted = np.argmax(proba, axis=1) if labels is None else labels
    matrix = skm.confusion_matrix(y, predicted, labels=range(len(classes)))
    return pd.DataFrame(matrix, index=pd.Index(names, name="true"),
                        columns=pd.Index(names, name="predicted"))


def regression_metrics(y: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE, MAE, R², the median absolute error, and MAPE where no true value is zero."""
    out = {"rmse": skm.root_mean_squared_error(y, predicted),
           "mae": skm.mean_absolute_error(y, predicted),
           "r2": skm.r2_score(y, predicted),
           "median_absolute_error": skm.median_absolute_error(y, predicted)}
    if np.all(np.abs(y) > 0):
        out["mape"] = skm.mean_absolute_percentage_error(y, predicted)
    return {name: float(v) for name, v in out.items()}


@dataclass
class Residuals:
    """Residuals (true minus predicted): their mean (the bias), spread and quantiles, and the
    rows the model missed most (``worst``: index, true, predicted, residual)."""

    bias: float
    std: float
    quantiles: dict[str, float]
    worst: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"bias": self.bias, "std": self.std, "quantiles": self.quantiles,
                "worst": self.worst.to_dict(orient="records")}


def residuals(y: np.ndarray, predicted: np.ndarray, index: pd.Index) -> Residuals:
    """Summarise ``y - predicted`` for rows labelled by ``index``."""
    r = np.asarray(y, dtype=float) - np.asarray(predicted, dtype=float)
    qs = {f"p{int(q * 100)}": float(np.quantile(r, q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95)}
    order = np.argsort(-np.abs(r))[:WORST_ROWS]
    worst = pd.DataFrame({"row": [_plain(v) for v in index[order]], "true": y[order],
                          "predicted": predicted[order], "residual": r[order]})
    return Residuals(float(r.mean()), float(r.std()), qs, worst)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


@dataclass
class Calibration:
    """How far predicted probabilities are from observed frequencies.

    ``table`` has one row per probability bin (quantile bins): the mean predicted probability,
    the observed fraction and the row count. For a binary task it is about the second class;
    for several classes about the top-ranked class (its confidence against being right).
    ``brier`` is the Brier score of that probability and ``ece`` the expected calibration
    error (the row-weighted mean gap between the two columns).
    """

    about: str
    table: pd.DataFrame
    brier: float
    ece: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"about": self.about, "brier": self.brier, "ece": self.ece,
                "table": self.table.to_dict(orient="records")}

    def words(self) -> str:
        """One sentence on how far the probabilities can be taken at face value."""
        quality = ("well calibrated" if self.ece < 0.03 else
                   "roughly calibrated" if self.ece < 0.08 else "poorly calibrated")
        return (f"Probabilities are {quality}: predicted and observed frequencies differ by "
                f"{self.ece:.3f} on average (Brier score {self.brier:.4f}).")


def calibration(y: np.ndarray, proba: np.ndarray, classes: list) -> Calibration:
    """The calibration of ``proba`` against the true class indices ``y``."""
    if proba.shape[1] == 2:
        about = f"probability of {classes[1]!s}"
        prob, hit = proba[:, 1], (y == 1).astype(float)
    else:
        about = "confidence of the predicted class"
        prob, hit = proba.max(axis=1), (np.argmax(proba, axis=1) == y).astype(float)
    groups = (pd.qcut(pd.Series(prob), CALIBRATION_BINS, duplicates="drop")
              if len(np.unique(prob)) > 1 else pd.Series(np.zeros(len(prob))))
    table = (pd.DataFrame({"predicted": prob, "observed": hit, "rows": 1})
             .groupby(groups.to_numpy(), observed=True)
             .agg({"predicted": "mean", "observed": "mean", "rows": "sum"})
             .reset_index(drop=True))
    ece = float(np.sum(np.abs(table["predicted"] - table["observed"]) * table["rows"])
                / max(int(table["rows"].sum()), 1))
    brier = float(np.mean((prob - hit) ** 2))
    return Calibration(about, table, brier, ece)
