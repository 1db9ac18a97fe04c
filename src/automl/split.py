"""How the search scores a trial: a held-out split or k folds, seeded, stratified for
classification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


#: tables with at most this many rows are validated by k-fold cross-validation under "auto"
CV_MAX_ROWS = 10_000
CV_FOLDS = 5
#: under "auto", budgets shorter than this use the held-out split: five fits a trial would leave
#: too few trials
CV_MIN_BUDGET = 20.0
VALIDATION_CHOICES = ("auto", "holdout", "cv")


@dataclass
class Validation:
    """How trials are scored: one held-out split, or k folds whose held-out parts together
    cover every row once (each trial then yields an out-of-fold prediction for every row and
    one model per fold, averaged as a bag)."""

    folds: list[Split]

    @property
    def bagged(self) -> bool:
        """True for k-fold cross-validation."""
        return len(self.folds) > 1

    @property
    def y_valid(self) -> np.ndarray:
        """The held-out target of every fold, in fold order (the order of the predictions)."""
        return np.concatenate([f.y_valid for f in self.folds])

    def describe(self) -> str:
        """A few words for the progress display."""
        if self.bagged:
            return f"{len(self.folds)}-fold cross-validation on {len(self.y_valid)} rows"
        fold = self.folds[0]
        return f"{len(fold.y_train)} training / {len(fold.y_valid)} held-out rows"


def make_validation(X: pd.DataFrame, y: np.ndarray, task: Task, seed: int = 0,
                    method: str = "auto", time_budget: float = float("inf")) -> Validation:
    """``"holdout"``: :func:`train_valid_split`. ``"cv"``: :data:`CV_FOLDS` folds, stratified
    for classification. ``"auto"``: cross-validation up to :data:`CV_MAX_ROWS` rows, where a
    single held-out split is small enough to mislead, when the budget is at least
    :data:`CV_MIN_BUDGET` seconds; else the held-out split."""
    # every fold must see every class in training, or the folds' probabilities would not align
    rare = task.is_classification and np.min(np.unique(y, return_counts=True)[1]) < CV_FOLDS
    too_big = len(X) > CV_MAX_ROWS or time_budget < CV_MIN_BUDGET
    if method == "holdout" or rare or (method == "auto" and too_big):
        return Validation([train_valid_split(X, y, task, seed)])
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter: Any = (StratifiedKFold if task.is_classification else KFold)(
        CV_FOLDS, shuffle=True, random_state=seed)
    y = np.asarray(y)
    return Validation([Split(X.iloc[a], X.iloc[b], y[a], y[b]) for a, b in splitter.split(X, y)])
