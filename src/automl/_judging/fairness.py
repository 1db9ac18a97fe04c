"""A fairness audit: does the model treat the groups of one sensitive column differently?

Per-group figures and the between-group differences come from fairlearn's ``MetricFrame`` and
its demographic-parity and equalized-odds measures, so the definitions are the ones the
literature and other tools use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from fairlearn import metrics as fm
from sklearn import metrics as skm

from automl._contract.specs import Task
from automl.errors import ConfigurationError

#: a difference in rates (demographic parity, equalized odds, accuracy) past this is flagged
DIFFERENCE_THRESHOLD = 0.1
#: a ratio of group errors (smallest over largest) below this is flagged (the four-fifths rule)
RATIO_THRESHOLD = 0.8
#: groups with fewer rows are shown but left out of the differences: too few to judge
MIN_GROUP_ROWS = 30
#: a numeric column with more distinct values is cut into quartiles
MAX_GROUPS = 10


@dataclass
class FairnessAudit:
    """Per-group figures for ``column`` (``by_group``: one row per group, with its row count),
    the between-group ``differences`` (named as in fairlearn), which of them pass their
    threshold (``flagged``), and notes on how the groups were formed.

    Flagged: for classifiers a demographic-parity, equalized-odds or accuracy difference above
    ``DIFFERENCE_THRESHOLD``; for regression a ratio of group RMSE or MAE (smallest over
    largest) below ``RATIO_THRESHOLD``. The mean predictions are shown, not flagged: groups
    may truly differ.
    """

    column: str
    by_group: pd.DataFrame
    differences: dict[str, float]
    flagged: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"column": self.column, "differences": self.differences, "flagged": self.flagged,
                "notes": self.notes,
                "by_group": self.by_group.reset_index().to_dict(orient="records")}

    def words(self) -> str:
        """One sentence: what was flagged, or that nothing was."""
        if not self.flagged:
            return (f"No difference between the groups of {self.column} passes the thresholds "
                    f"({DIFFERENCE_THRESHOLD} for rates, {RATIO_THRESHOLD} for error ratios).")
        parts = ", ".join(f"{n} = {self.differences[n]:.3f}" for n in self.flagged)
        return f"The model treats the groups of {self.column} differently: {parts}."


def groups_of(values: pd.Series) -> tuple[pd.Series, list[str]]:
    """The group of each row: the column's values as text (missing as "missing"), or its
    quartiles for a numeric column with many distinct values."""
    notes = []
    if pd.api.types.is_numeric_dtype(values) and values.nunique() > MAX_GROUPS:
        values = pd.qcut(values, 4, duplicates="drop").astype(str)
        notes.append(f"{values.name} is numeric: grouped into quartiles")
    groups = values.astype(object).where(values.notna(), "missing").astype(str)
    return groups, notes


def audit(column: str, sensitive: pd.Series, task: Task, y: np.ndarray,
          prediction: np.ndarray, classes: list | None) -> FairnessAudit:
    """Audit predictions (class indices or values) against true ``y`` by ``sensitive``."""
    groups, notes = groups_of(sensitive.reset_index(drop=True))
    counts = groups.value_counts()
    small = sorted(counts[counts < MIN_GROUP_ROWS].index)
    if small:
        notes.append(f"groups with fewer than {MIN_GROUP_ROWS} rows are shown but not compared: "
                     f"{small}")
    keep = ~groups.isin(small).to_numpy()
    if len(counts) - len(small) < 2:
        raise ConfigurationError(f"sensitive={column!r}: at least two groups of "
                                 f"{MIN_GROUP_ROWS} rows or more are needed to compare; "
                                 f"found {counts.to_dict()}")
    metrics = _group_metrics(task, classes)
    shown = fm.MetricFrame(metrics=metrics, y_true=y, y_pred=prediction,
                           sensitive_features=groups.to_numpy()).by_group
    compared = fm.MetricFrame(metrics=metrics, y_true=y[keep], y_pred=prediction[keep],
                              sensitive_features=groups.to_numpy()[keep])
    differences, limits = _differences(task, compared, y[keep], prediction[keep],
                                       groups.to_numpy()[keep])
    flagged = [n for n, limit in limits.items()
               if (differences[n] < limit if n.endswith("ratio") else differences[n] > limit)]
    by_group = shown.assign(rows=counts.reindex(shown.index).to_numpy())
    by_group.index.name = column
    return FairnessAudit(column, by_group, differences, flagged, notes)


def _group_metrics(task: Task, classes: list | None) -> dict[str, Any]:
    if task == Task.BINARY:
        return {"accuracy": skm.accuracy_score, "selection_rate": fm.selection_rate,
                "true_positive_rate": fm.true_positive_rate,
                "false_positive_rate": fm.false_positive_rate}
    if task == Task.MULTICLASS:
        assert classes is not None
        return {"accuracy": skm.accuracy_score,
                **{f"share predicted {c}": partial(fm.selection_rate, pos_label=i)
                   for i, c in enumerate(classes)}}
    return {"rmse": skm.root_mean_squared_error, "mae": skm.mean_absolute_error,
            "mean_prediction": fm.mean_prediction,
            "mean_true": lambda y_true, y_pred: float(np.mean(y_true))}


def _differences(task: Task, frame: fm.MetricFrame, y: np.ndarray, prediction: np.ndarray,
                 groups: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
    gaps = frame.difference()
    if task == Task.BINARY:
        found = {"demographic_parity_difference": fm.demographic_parity_difference(
                     y, prediction, sensitive_features=groups),
                 "equalized_odds_difference": fm.equalized_odds_difference(
                     y, prediction, sensitive_features=groups),
                 "accuracy_difference": gaps["accuracy"]}
    elif task == Task.MULTICLASS:
        shares = gaps.drop("accuracy")
        found = {"demographic_parity_difference": shares.max(),
                 "accuracy_difference": gaps["accuracy"]}
    else:
        ratios = frame.ratio()
        found = {"rmse_ratio": ratios["rmse"], "mae_ratio": ratios["mae"],
                 "mean_prediction_difference": gaps["mean_prediction"]}
        # groups may differ in their true means: only the errors are held against the model
        return ({k: float(v) for k, v in found.items()},
                {"rmse_ratio": RATIO_THRESHOLD, "mae_ratio": RATIO_THRESHOLD})
    return ({k: float(v) for k, v in found.items()},
            dict.fromkeys(found, DIFFERENCE_THRESHOLD))
