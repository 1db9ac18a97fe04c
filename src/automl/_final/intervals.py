"""Prediction intervals for regression by split conformal prediction on the held-out residuals.

Every fit already has honest residuals: each held-out row (every row, out of fold, under
cross-validation) was predicted by a model that never saw it. The interval for a new row is the
prediction plus or minus the residuals' ``coverage`` quantile, with the finite-sample correction
(the ``ceil((n + 1) * coverage) / n`` quantile), which gives at least ``coverage`` of new rows
inside, on average, where rows are exchangeable (Vovk et al., 2005; Angelopoulos and Bates,
2021). The returned model is the fold models' average or is refitted on all rows, a little
better than the models the residuals come from, so the intervals err wide.

A target fitted on the log scale gets its intervals there (``log1p``): a residual of 10 % is
then 10 % of a small prediction and of a large one, as prices and counts vary. MAPIE does the
same for scikit-learn estimators; it refits them itself, which a bag of fold models found
under a time budget does not allow, so this takes the residuals the search already has.

The absolute residuals are kept sorted, up to 2,000 of them (beyond that, 2,000 evenly spaced
order statistics) with their count: exact for small tables, close for large ones, small enough
for a saved model's metadata.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

__all__ = ["KEPT", "Conformal", "conformal_from"]

#: the most sorted absolute residuals kept
KEPT = 2000
#: fewer held-out rows than this give intervals too coarse to offer
MIN_ROWS = 20


@dataclass(frozen=True)
class Conformal:
    """The held-out absolute residuals of ``rows`` rows, sorted (all of them, or
    :data:`KEPT` evenly spaced order statistics), on the log1p scale where ``log``."""

    residuals: tuple[float, ...]
    rows: int
    log: bool = False

    def half_width(self, coverage: float) -> float:
        """The residual quantile the intervals at ``coverage`` add on either side (infinite
        where the rows are too few for that coverage)."""
        if not 0 < coverage < 1:
            raise ValueError(f"coverage={coverage!r}: give a number between 0 and 1")
        rank = math.ceil((self.rows + 1) * coverage)  # of the sorted residuals, from 1
        if rank > self.rows:
            return math.inf
        kept = len(self.residuals)
        return self.residuals[max(math.ceil(rank * kept / self.rows), 1) - 1]

    def bounds(self, predicted: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray]:
        """The lower and upper ends of the interval around each of ``predicted``."""
        values, width = np.asarray(predicted, dtype=float), self.half_width(coverage)
        if not self.log:
            return values - width, values + width
        centre = np.log1p(np.maximum(values, 0.0))
        return np.expm1(centre - width), np.expm1(centre + width)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for a saved model's metadata."""
        return {"residuals": list(self.residuals), "rows": self.rows, "log": self.log}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conformal:
        """The record :meth:`to_dict` wrote, checked (it comes from disk)."""
        residuals = tuple(float(r) for r in data["residuals"])
        rows = int(data["rows"])
        if not 0 < len(residuals) <= min(rows, KEPT) or any(
                b < a for a, b in pairwise(residuals)):
            raise ValueError("the conformal residuals are not sorted, or not as many as said")
        return cls(residuals, rows, bool(data.get("log", False)))


def conformal_from(y: np.ndarray, predicted: np.ndarray, log: bool) -> Conformal | None:
    """The residuals of held-out predictions ``predicted`` of ``y`` (both on the target's
    scale), on the log1p scale where ``log``; None where there are fewer than
    :data:`MIN_ROWS` finite ones."""
    y, predicted = np.asarray(y, dtype=float), np.asarray(predicted, dtype=float)
    if log:
        y, predicted = np.log1p(np.maximum(y, 0.0)), np.log1p(np.maximum(predicted, 0.0))
    residuals = np.abs(y - predicted)
    residuals = residuals[np.isfinite(residuals)]
    if len(residuals) < MIN_ROWS:
        return None
    ordered = np.sort(residuals)
    if len(ordered) > KEPT:
        ordered = ordered[np.round(np.linspace(0, len(ordered) - 1, KEPT)).astype(int)]
    return Conformal(tuple(float(r) for r in ordered), len(residuals), log)
