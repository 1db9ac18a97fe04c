"""The held-out split the search scores on: seeded, stratified for classification."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from automl.specs import Task

VALID_FRACTION = 0.2
MAX_VALID_ROWS = 20_000


@dataclass
class Split:
    """Training and held-out parts of the features and the (encoded) target."""

    X_train: pd.DataFrame
    X_valid: pd.DataFrame
    y_train: np.ndarray
    y_valid: np.ndarray


def train_valid_split(X: pd.DataFrame, y: np.ndarray, task: Task, seed: int = 0) -> Split:
    """Hold out 20% of the rows (at most 20,000), stratified by class for classification.

    The same frame, target, task and seed always give the same split.
    """
    n_valid = min(max(round(len(X) * VALID_FRACTION), 1), MAX_VALID_ROWS)
    if task.is_classification:
        n_valid = max(n_valid, len(np.unique(y)))
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=n_valid, random_state=seed,
        stratify=y if task.is_classification else None)
    return Split(X_train, X_valid, np.asarray(y_train), np.asarray(y_valid))
