"""The cleaning step for skewed classes: reports the imbalance and offers the search a
per-trial choice ("prep.balance") of no change, class weights, or random oversampling of the
smaller classes (imbalanced-learn). The search keeps whichever scores best on the held-out
rows, in the fit's own metric: the rows it is scored on are never resampled."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl._cleaning.steps import CleaningStep
from automl._contract.specs import SearchChoice

#: classes are imbalanced when the largest has at least this many times the rows of the smallest
IMBALANCE_RATIO = 4.0


class Imbalance(CleaningStep):
    """See the module docstring; does nothing for regression or balanced classes."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> Imbalance:
        self.ratio_ = 1.0
        if self.context.task.is_classification:
            counts = y.value_counts()
            self.ratio_ = float(counts.iloc[0] / counts.iloc[-1])
            if self.ratio_ >= IMBALANCE_RATIO:
                self.note("flagged", self.context.target,
                          f"imbalanced classes: {counts.index[0]!r} has {self.ratio_:.1f} "
                          f"times the rows of {counts.index[-1]!r}; the search tries class "
                          f"weights and oversampling", int(counts.iloc[-1]))
        return self

    def search_choices(self) -> list[SearchChoice]:
        if self.ratio_ < IMBALANCE_RATIO:
            return []
        return [SearchChoice("balance", ("none", "weights", "oversample"), resample=rebalance)]


def rebalance(option: str, estimator: Any, X: Any, y: Any, seed: int) -> tuple[Any, Any]:
    """Training rows for ``option``: "none" as they are; "weights" sets
    ``class_weight="balanced"`` on an estimator that has it (others are oversampled instead);
    "oversample" repeats rows of the smaller classes at random until every class has as many
    rows as the largest."""
    if option == "none":
        return X, y
    if option == "weights" and "class_weight" in estimator.get_params():
        estimator.set_params(class_weight="balanced")
        return X, y
    from imblearn.over_sampling import RandomOverSampler

    rows = np.arange(len(y)).reshape(-1, 1)
    picked, y_new = RandomOverSampler(random_state=seed).fit_resample(rows, np.asarray(y))
    picked = picked.ravel()
    X_new = X.iloc[picked] if hasattr(X, "iloc") else np.asarray(X)[picked]
    return X_new, y_new
