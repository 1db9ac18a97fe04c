"""What drift monitoring compares recent rows with: summaries of the training reference, not
its rows. A numeric column keeps its quantile bins with their counts (for the PSI), a sketch
of its distribution function at up to :data:`CDF_POINTS` quantiles (for the Kolmogorov-Smirnov
test), its mean, median and missing count; a categorical or boolean one its levels' counts, the
:data:`MAX_LEVELS` most frequent named and the rest pooled; the model's held-out predictions are
summarised the same way.

This is what a Bento carries by default (``drift_reference.json``, plain JSON: nothing in it
is unpickled), so a served model checks itself without holding training rows; a saved model
directory keeps its row sample as well, for :meth:`automl.FitResult.evaluate` and the report.
Drift is computed from these summaries wherever it runs, so a saved model and its Bento give
the same verdict.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from automl._contract.specs import Task
from automl.errors import ModelLoadError

if TYPE_CHECKING:
    from automl._data.schema import FeatureSchema
    from automl._final.reference import Reference

__all__ = ["BINS", "CDF_POINTS", "MAX_LEVELS", "OTHER", "DriftReference", "Levels", "Numeric"]

#: quantile bins of a numeric column for the PSI
BINS = 10
#: quantiles kept of a numeric column's distribution function: the KS statistic from them is
#: within 1/CDF_POINTS of the one from the rows
CDF_POINTS = 200
#: levels of a categorical column named in the summary; the rest are pooled as :data:`OTHER`
MAX_LEVELS = 100
#: the pooled level: rarer levels than those named, and levels never seen in training
OTHER = "(other)"
FILE = "drift_reference.json"


@dataclass
class Numeric:
    """A numeric column (or prediction): ``present`` values and ``missing`` ones; ``edges``
    the inner quantile bin edges and ``counts`` the values per bin (one more than edges);
    ``points`` with ``cdf`` and ``below``, the share of values at or below and strictly below
    each point (a point may hold many tied values); ``exact``: the points are every distinct
    value (the distribution is a step at them), else it is taken as linear between them."""

    present: int
    missing: int
    mean: float | None
    median: float | None
    edges: list[float]
    counts: list[int]
    points: list[float]
    cdf: list[float]
    below: list[float]
    exact: bool

    @classmethod
    def of(cls, values: pd.Series) -> Numeric:
        """The summary of ``values`` (missing ones counted apart)."""
        present = values.dropna().to_numpy(float)
        present = present[np.isfinite(present)]
        missing = int(len(values) - len(present))
        if not len(present):
            return cls(0, missing, None, None, [], [0], [], [], [], True)
        edges = np.unique(np.quantile(present, np.linspace(0, 1, BINS + 1)[1:-1]))
        counts = bin_counts(edges, present)
        distinct = np.unique(present)
        exact = len(distinct) <= CDF_POINTS
        points = distinct if exact else np.unique(np.quantile(
            present, np.linspace(0, 1, CDF_POINTS + 1)))
        ordered = np.sort(present)
        cdf = np.searchsorted(ordered, points, side="right") / len(present)
        below = np.searchsorted(ordered, points, side="left") / len(present)
        return cls(len(present), missing, float(np.mean(present)), float(np.median(present)),
                   edges.tolist(), counts.tolist(), points.tolist(), cdf.tolist(),
                   below.tolist(), exact)

    def distribution(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The share of the reference's values at or below each of ``at``, and strictly below
        it (the distribution's value and its left limit there)."""
        points, cdf, below = (np.asarray(v, dtype=float)
                              for v in (self.points, self.cdf, self.below))
        at = np.asarray(at, dtype=float)
        i = np.searchsorted(points, at, side="right") - 1  # the last point at or below
        inside = i >= 0
        j = np.clip(i, 0, len(points) - 1)
        on_point = inside & (points[j] == at)
        if self.exact:
            flat = np.where(inside, cdf[j], 0.0)
        else:  # linear from a point's value to the next point's left limit
            k = np.minimum(j + 1, len(points) - 1)
            span = np.where(k > j, points[k] - points[j], 1.0)
            share = np.clip((at - points[j]) / span, 0.0, 1.0)
            flat = np.where(inside & (k > j), cdf[j] + share * (below[k] - cdf[j]),
                            np.where(inside, cdf[j], 0.0))
        value = np.where(on_point, cdf[j], flat)
        left = np.where(on_point, below[j], flat)
        return value, left


@dataclass
class Levels:
    """A categorical or boolean column (or a multiclass prediction): the count of each named
    level (:data:`OTHER` pools the rest) and of missing values."""

    counts: dict[str, int]
    missing: int
    pooled: bool = False

    @classmethod
    def of(cls, values: pd.Series) -> Levels:
        """The summary of ``values`` as text levels, the most frequent :data:`MAX_LEVELS`
        named."""
        present = values.dropna().astype(str)
        counts = present.value_counts()
        named = counts.iloc[:MAX_LEVELS]
        rest = int(counts.iloc[MAX_LEVELS:].sum())
        record = {str(k): int(v) for k, v in named.items()}
        if rest:
            record[OTHER] = rest
        return cls(record, int(values.isna().sum()), bool(rest))

    def level_of(self, values: pd.Series) -> pd.Series:
        """Each of ``values`` as the level it is counted under: its own when named, else
        :data:`OTHER` (or ``(unseen)`` when nothing was pooled), ``(missing)`` when missing."""
        text = values.astype(object).where(values.notna(), "(missing)").astype(str)
        known = set(self.counts) | {"(missing)"}
        return text.where(text.isin(known), OTHER if self.pooled else "(unseen)")


def bin_counts(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How many of ``values`` fall in each bin the inner ``edges`` make."""
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)


@dataclass
class DriftReference:
    """The summaries drift is measured against: ``rows`` training rows summarised, each
    compared column's :class:`Numeric` or :class:`Levels`, and the held-out predictions'
    (None when the model kept none)."""

    rows: int
    columns: dict[str, Numeric | Levels] = field(default_factory=dict)
    prediction: Numeric | Levels | None = None

    @classmethod
    def build(cls, features: pd.DataFrame, kinds: dict[str, str], predictions: np.ndarray,
              task: Task, classes: list | None) -> DriftReference:
        """Summarise the columns of ``features`` named in ``kinds`` (numeric ones as
        :class:`Numeric`, categorical and boolean as :class:`Levels`) and the held-out
        ``predictions`` (:func:`automl._final.reference.prediction_signal`)."""
        columns: dict[str, Numeric | Levels] = {}
        for name, kind in kinds.items():
            if kind == "numeric":
                columns[name] = Numeric.of(features[name])
            elif kind in ("categorical", "boolean"):
                values = features[name]
                if kind == "boolean":  # stored as 0.0 / 1.0: shown as words
                    values = values.map({0.0: "false", 1.0: "true"})
                columns[name] = Levels.of(values)
        reference = cls(len(features), columns)
        return reference.with_predictions(predictions, task, classes)

    @classmethod
    def of(cls, reference: Reference, schema: FeatureSchema, task: Task,
           classes: list | None) -> DriftReference:
        """The summaries of a training ``reference``, its columns' kinds from ``schema``."""
        return cls.build(reference.features, {c.name: c.kind for c in schema.columns},
                         reference.predictions, task, classes)

    def with_predictions(self, predictions: np.ndarray | None, task: Task,
                         classes: list | None) -> DriftReference:
        """This reference with the summary of other held-out ``predictions`` (those of the
        deployed model, for its Bento)."""
        if predictions is None or not len(predictions):
            return DriftReference(self.rows, self.columns, None)
        if task == Task.MULTICLASS and classes is not None:
            labels = np.asarray([str(c) for c in classes], dtype=object)
            summary: Numeric | Levels = Levels.of(pd.Series(labels[np.asarray(
                predictions).astype(int)]))
        else:
            summary = Numeric.of(pd.Series(np.asarray(predictions, dtype=float)))
        return DriftReference(self.rows, self.columns, summary)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; each summary tagged with its kind."""
        def tagged(s: Numeric | Levels) -> dict[str, Any]:
            return {"kind": "numeric" if isinstance(s, Numeric) else "levels", **asdict(s)}

        return {"rows": self.rows, "columns": {n: tagged(s) for n, s in self.columns.items()},
                "prediction": None if self.prediction is None else tagged(self.prediction)}

    @classmethod
    def from_dict(cls, record: Any) -> DriftReference:
        """The reference :meth:`to_dict` wrote; ``ValueError`` for anything else."""
        if not isinstance(record, dict) or not isinstance(record.get("columns"), dict):
            raise ValueError("not a drift reference")
        columns = {str(n): _summary(s) for n, s in record["columns"].items()}
        prediction = record.get("prediction")
        return cls(_count(record.get("rows")), columns,
                   None if prediction is None else _summary(prediction))

    def save(self, directory: Path) -> None:
        """Write ``drift_reference.json`` into a saved model's ``directory``."""
        (directory / FILE).write_text(json.dumps(self.to_dict(), allow_nan=False))

    @classmethod
    def load(cls, directory: Path) -> DriftReference | None:
        """The reference saved in ``directory``, None where there is none; a damaged one is a
        :class:`ModelLoadError` naming the file."""
        path = directory / FILE
        if not path.is_file():
            return None
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelLoadError(f"{path} is not a drift reference automl wrote ({exc}): "
                                 f"save the model again") from None


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count must be a whole number >= 0, not {value!r}")
    return value


def _numbers(values: Any) -> list[float]:
    if not isinstance(values, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in values):
        raise ValueError("expected a list of finite numbers")
    return [float(v) for v in values]


def _summary(record: Any) -> Numeric | Levels:
    if not isinstance(record, dict):
        raise ValueError("a column summary must be an object")
    if record.get("kind") == "levels":
        counts = record.get("counts")
        if not isinstance(counts, dict):
            raise ValueError("levels need their counts")
        return Levels({str(k): _count(v) for k, v in counts.items()},
                      _count(record.get("missing")), bool(record.get("pooled", False)))
    if record.get("kind") != "numeric":
        raise ValueError(f"unknown summary kind {record.get('kind')!r}")
    edges, points, cdf, below = (_numbers(record.get(k))
                                 for k in ("edges", "points", "cdf", "below"))
    counts = [_count(c) for c in record.get("counts") or []]
    if len(counts) != len(edges) + 1 or not len(points) == len(cdf) == len(below):
        raise ValueError("a numeric summary's bins or points do not line up")
    centre = [record.get(k) for k in ("mean", "median")]
    if not all(v is None or (isinstance(v, int | float) and math.isfinite(v)) for v in centre):
        raise ValueError("mean and median must be finite numbers or null")
    return Numeric(_count(record.get("present")), _count(record.get("missing")),
                   *(None if v is None else float(v) for v in centre), edges, counts, points,
                   cdf, below, bool(record.get("exact", False)))
