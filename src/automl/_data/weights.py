"""Row weights: ``fit(sample_weight=COLUMN or array)``.

A weight says how much a row counts: survey weights, exposure, the cost of getting a row
wrong. A weighted fit passes the training rows' weights to every model whose ``fit`` takes
``sample_weight`` (a model's own ``fit`` plugin gets them in ``FitContext.sample_weight``), and
scores the held-out rows with them: the trials, the ensemble selection and the held-out score
are all weighted. The models that cannot take weights are fitted unweighted and named in the
data report. The weight column is not a feature; ``FitResult.score`` weighs test rows by it
where they have it.

The calibration of a classifier's probabilities is fitted and scored with the weights too:
fitted unweighted, it would undo them. What stays unweighted: the pruner's per-fold scores
(they only stop a trial early), the probe that picks a regression target's scale, the decision
threshold and the prediction intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from automl.errors import ConfigurationError

if TYPE_CHECKING:
    from automl._contract.data_report import ReportEntry
    from automl._contract.specs import ModelSpec
    from automl._search.search import SearchSetup

__all__ = ["ARRAY_COLUMN", "RowWeights", "takes_weights", "weight_column", "weight_notes",
           "weighted"]

#: the column an array of weights travels in through the checks and cleaning
ARRAY_COLUMN = "__automl_sample_weight__"


@dataclass(frozen=True)
class RowWeights:
    """The weight of each row of the training frame, by position: the frame has a
    ``RangeIndex``, and every split keeps its rows' labels, so :meth:`of` finds the weights
    of any part of it."""

    values: np.ndarray
    column: str

    def of(self, frame: Any) -> np.ndarray:
        """The weights of the rows of ``frame``, a part of the training frame."""
        return self.values[np.asarray(frame.index, dtype=int)]

    def describe(self) -> str:
        """A few words for the progress display and the data report."""
        named = "an array" if self.column == ARRAY_COLUMN else repr(self.column)
        return (f"rows weighted by {named} (from {self.values.min():.4g} to "
                f"{self.values.max():.4g}, mean {self.values.mean():.4g})")


def weight_column(df: pd.DataFrame, target: str, sample_weight: object
                  ) -> tuple[pd.DataFrame, str | None]:
    """``df`` with the weights in a column, and that column's name (None: no weights).
    ``sample_weight`` names a column of ``df`` or is an array of one weight per row. Raises
    :class:`ConfigurationError` for a missing column, the target, a wrong length, or weights
    that are not finite non-negative numbers with a positive sum."""
    if sample_weight is None:
        return df, None
    if isinstance(sample_weight, str):
        if sample_weight not in df.columns or sample_weight == target:
            raise ConfigurationError(f"sample_weight={sample_weight!r}: give the name of a "
                                     f"column of the training data other than the target, or "
                                     f"an array of one weight per row")
        name, values = sample_weight, df[sample_weight]
    else:
        array = np.asarray(sample_weight).ravel()
        if len(array) != len(df):
            raise ConfigurationError(f"sample_weight has {len(array)} values for "
                                     f"{len(df)} rows: give one weight per row")
        values = pd.Series(array, index=df.index)
        name, df = ARRAY_COLUMN, df.assign(**{ARRAY_COLUMN: values.to_numpy()})
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if bad.any() or not numbers.sum() > 0:
        raise ConfigurationError(
            f"sample_weight: {int(bad.sum())} row(s) have a weight that is missing, not a "
            f"number, infinite or negative" if bad.any() else
            "sample_weight: the weights add up to zero; give positive weights")
    return df, name


def takes_weights(estimator: Any) -> bool:
    """Whether ``estimator.fit`` takes ``sample_weight``."""
    from sklearn.utils.validation import has_fit_parameter

    try:
        return has_fit_parameter(estimator, "sample_weight")
    except (TypeError, ValueError):
        return False


def weighted(setup: SearchSetup, weights: RowWeights | None) -> SearchSetup:
    """``setup`` fitting and scoring with ``weights``. The per-trial choices that resample
    the training rows (oversampling a rare class) are left out: the weights already say how
    much each row counts, and resampled rows would lose theirs."""
    if weights is None:
        return setup
    from dataclasses import replace

    return replace(setup, weights=weights,
                   choices=[c for c in setup.choices if c.resample is None])


def weight_notes(setup: SearchSetup) -> list[ReportEntry]:
    """The data report's lines on the weights: how the rows are weighted and which models
    cannot take weights (they are fitted unweighted, their scores still weighted)."""
    from automl._contract.data_report import ReportEntry

    if setup.weights is None:
        return []
    column = None if setup.weights.column == ARRAY_COLUMN else setup.weights.column
    notes = [ReportEntry("weights", "validated", column, setup.weights.describe())]
    unweighted = sorted(name for name, spec in setup.models.items()
                        if not takes_weights(_sample_estimator(spec, setup)))
    if unweighted:
        notes.append(ReportEntry("weights", "flagged", column,
                                 f"fitted without the weights (their fit takes none; their "
                                 f"held-out scores are weighted): {', '.join(unweighted)}"))
    return notes


def _sample_estimator(spec: ModelSpec, setup: SearchSetup) -> Any:
    try:
        return spec.build(dict(spec.defaults[0]) if spec.defaults else {}, setup.task)
    except Exception:  # a plugin's build that needs drawn parameters: asked no further
        return None
