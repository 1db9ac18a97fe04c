"""The training reference a fitted model keeps: a seeded sample of its training rows as the model
saw them (cleaned and schema-checked features, the encoded target) and its held-out
predictions.

Evaluation scores the model on the sample to tell overfitting (the train score costs the fit
nothing: it is computed when asked), and drift monitoring compares new rows and new predictions
with it. It is saved with the model, so a Bento carries it: a served model can check itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from automl._contract.specs import Task

#: training rows kept; enough for KS and chi-square tests, small beside any model
REFERENCE_ROWS = 5_000
_FILE = "reference.joblib"


def prediction_signal(task: Task, prediction: np.ndarray) -> np.ndarray:
    """The one column of a prediction that drift is measured on: the second class's
    probability (binary), the predicted class index (multiclass) or the value (regression)."""
    prediction = np.asarray(prediction, dtype=float)
    if task == Task.BINARY:
        return prediction[:, 1]
    if task == Task.MULTICLASS:
        return np.argmax(prediction, axis=1).astype(float)
    return prediction


@dataclass
class Reference:
    """``features``: up to ``REFERENCE_ROWS`` training rows (cleaned, in the schema's types);
    ``target``: their encoded target (class indices or values); ``predictions``: the model's
    held-out predictions as :func:`prediction_signal` gives them (the model's predictions on
    rows it did not see, as it will meet in service)."""

    features: pd.DataFrame
    target: np.ndarray
    predictions: np.ndarray

    @classmethod
    def sample(cls, X: pd.DataFrame, y: np.ndarray, task: Task,
               held_out_prediction: np.ndarray | None, seed: int = 0) -> Reference:
        """A seeded sample of the training rows ``X, y`` with the held-out predictions."""
        rows = np.arange(len(X))
        if len(rows) > REFERENCE_ROWS:
            rows = np.sort(np.random.default_rng(seed).choice(rows, REFERENCE_ROWS,
                                                              replace=False))
        predictions = (np.empty(0) if held_out_prediction is None
                       else prediction_signal(task, held_out_prediction))
        return cls(X.iloc[rows].reset_index(drop=True), np.asarray(y)[rows], predictions)

    def save(self, directory: Path) -> None:
        """Write the reference into a saved model's ``directory``."""
        import joblib

        joblib.dump(self, directory / _FILE)

    @classmethod
    def load(cls, directory: Path) -> Reference | None:
        """The reference saved in ``directory``; None for a model saved without one."""
        import joblib

        path = directory / _FILE
        return joblib.load(path) if path.is_file() else None
