"""The feature schema: inferred from the training features, saved with the model, enforced on
every frame that is predicted. Checking is done by pandera.

Enforced: every training column present, no extra column, each value of the column's type.
Recorded but not enforced: nullability and the categories seen (an unseen category is encoded
as unknown and reported with a warning, not refused).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from automl._data.profile import Profile
from automl.errors import DataValidationError, DataWarning, Failure

_DTYPES = {"numeric": "float64", "boolean": "float64", "categorical": str, "text": str,
           "datetime": "datetime64[ns]"}


@dataclass
class ColumnSchema:
    """A feature column as trained: name, kind, dtype it is coerced to, whether it had missing
    values, and the categories seen (categorical columns)."""

    name: str
    kind: str
    dtype: str
    nullable: bool
    categories: list[str] | None = None


@dataclass
class FeatureSchema:
    """The input contract of a fitted model: its columns, and the names a frame may carry at
    predict time that are set aside, not refused: the target and the columns dropped at fit
    time (constant, id-like)."""

    target: str
    columns: list[ColumnSchema]
    ignored: list[str] = field(default_factory=list)
    _pandera: pa.DataFrameSchema | None = field(default=None, init=False, repr=False,
                                                compare=False)
    _category_sets: dict[str, frozenset] = field(default_factory=dict, init=False, repr=False,
                                                 compare=False)
    _coerced_dtypes: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)

    @classmethod
    def from_profile(cls, profile: Profile, df: pd.DataFrame,
                     removed: list[str] | None = None) -> FeatureSchema:
        """The schema of the used feature columns of a (cleaned) training frame; ``removed``
        names the columns cleaning dropped, which a frame to predict may still carry."""
        cols = [ColumnSchema(c.name, c.kind, str(_DTYPES[c.kind]), bool(df[c.name].isna().any()),
                             c.categories) for c in profile.columns]
        ignored = [*(removed or []), *(str(c) for c in profile.dropped)]
        return cls(profile.target, cols, list(dict.fromkeys(ignored)))

    @property
    def names(self) -> list[str]:
        """Column names in training order."""
        return [c.name for c in self.columns]

    def to_pandera(self) -> pa.DataFrameSchema:
        """The pandera schema that :meth:`validate` enforces (built once; predictions on a
        served model check every request with it)."""
        if self._pandera is None:
            self._pandera = self._build_pandera()
        return self._pandera

    def _build_pandera(self) -> pa.DataFrameSchema:
        columns = {}
        for c in self.columns:
            checks = [pa.Check.isin([0.0, 1.0], name="boolean (true/false or 0/1)")] \
                if c.kind == "boolean" else []
            columns[c.name] = pa.Column(_DTYPES[c.kind], checks=checks, coerce=True,
                                        nullable=True, title=c.kind)
        return pa.DataFrameSchema(columns, strict=True, name="features")

    def validate(self, df: Any, *, context: str = "prediction input") -> pd.DataFrame:
        """Check ``df`` against the schema and return it coerced to the trained types, in the
        trained column order. Raises :class:`DataValidationError` listing every failure."""
        if not isinstance(df, pd.DataFrame):
            raise DataValidationError([Failure(None, "not a pandas DataFrame",
                                               type(df).__name__)], context)
        if df.columns.duplicated().any():
            dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
            raise DataValidationError([Failure(c, "duplicate column name") for c in dupes],
                                      context)
        present = [c for c in (self.target, *self.ignored) if c in df.columns]
        if present:  # a drop costs half a millisecond even when it finds nothing
            df = df.drop(columns=present)
        checked = self._fast_check(df)
        if isinstance(checked, list):  # refused on the fast path, with pandera's failures
            raise DataValidationError(checked, context)
        if checked is None:  # something fails, or may: pandera decides and lists it all
            try:
                checked = self.to_pandera().validate(df, lazy=True)
            except SchemaErrors as exc:
                raise DataValidationError(_failures(exc.failure_cases, self), context) from None
            self._refuse_infinite(checked, context)
        self._warn_unseen(checked)
        return checked if list(checked.columns) == self.names else checked[self.names]

    def _fast_check(self, df: pd.DataFrame) -> pd.DataFrame | list[Failure] | None:
        """What pandera's validation would give, where it can be told cheaply: the frame it
        would return, when it would pass and hold no infinite number; or the failures it would
        list, when the only faults are numeric columns holding values that are not numbers (the
        commonest bad request); None when anything else might be wrong.

        A numpy number column becomes float64 as pandera's coercion makes it (an ``astype``);
        any other column is coerced by its pandera column's own ``coerce_dtype``, whose
        failure cases are the ones pandera's lazy validation reports; so the values and the
        failures are exactly pandera's, without the validation machinery around them, which
        costs milliseconds a call (ten and more for a refusal): what a served single-row
        request feels. Anything else unusual (a missing or extra column, a non-numeric column
        that does not coerce, a boolean that is not 0 or 1, an infinite number) goes to pandera
        and the infinity check, which find and name every failure."""
        if len(df.columns) != len(self.columns) or set(df.columns) != set(self.names):
            return None
        columns = self.to_pandera().columns
        coerced: dict[str, Any] = {}
        failures: list[Failure] = []
        for c in self.columns:
            values = df[c.name]
            numeric = c.kind in ("numeric", "boolean")
            if numeric and values.dtype.kind in "biuf":
                values = values.to_numpy(dtype="float64")
            # coercing a column already of the type coercion yields changes nothing: skipped
            elif values.dtype != self._coerced_dtypes.get(c.name):
                try:
                    values = columns[c.name].coerce_dtype(values)
                except SchemaError as exc:
                    if c.kind != "numeric" or exc.failure_cases is None:
                        return None
                    failures += [_failure("coerce_dtype", c.name, value, c.kind)
                                 for value in exc.failure_cases["failure_case"]]
                    continue
                except Exception:
                    return None
                self._coerced_dtypes.setdefault(c.name, values.dtype)
            if numeric:
                array = np.asarray(values, dtype="float64")
                if np.isinf(array).any() or (c.kind == "boolean" and not np.isin(
                        array[~np.isnan(array)], (0.0, 1.0)).all()):
                    return None
            coerced[c.name] = values
        if failures:
            return _distinct(failures)
        return pd.DataFrame(coerced, index=df.index)

    def _refuse_infinite(self, df: pd.DataFrame, context: str) -> None:
        # training refuses infinite values (automl._data.checks), so a model never learnt what one
        # means: refused by name here too, whether it came as inf, "Infinity" or 1e400
        numbers = [c.name for c in self.columns if c.kind == "numeric"]
        if not numbers:
            return
        infinite = np.isinf(df[numbers].to_numpy(dtype=float)).any(axis=0)
        if infinite.any():
            raise DataValidationError(
                [Failure(name, "infinite values", float(df[name][np.isinf(df[name])].iloc[0]))
                 for name, bad in zip(numbers, infinite, strict=True) if bad], context)

    def _warn_unseen(self, df: pd.DataFrame) -> None:
        # Look up the distinct values only: cheap for the one row of a served request and
        # for a million training rows alike; rows are counted only when something is unseen.
        for c in self.columns:
            if c.kind != "categorical" or not c.categories:
                continue
            known = self._category_sets.setdefault(c.name, frozenset(c.categories))
            values = df[c.name]
            unseen = [v for v in values.unique() if v not in known and not pd.isna(v)]
            if unseen:
                rows = int(values.isin(unseen).sum())
                warnings.warn(f"column {c.name!r}: {rows} row(s) with categories never "
                              f"seen in training (e.g. {unseen[0]!r}); they are encoded as "
                              f"unknown", DataWarning, stacklevel=4)

    def save(self, path: Path) -> None:
        """Write ``schema.json`` (this record) and ``schema.yaml`` (pandera's form) in ``path``."""
        record = {"target": self.target, "columns": [asdict(c) for c in self.columns],
                  "ignored": self.ignored}
        (path / "schema.json").write_text(json.dumps(record, indent=2))
        (path / "schema.yaml").write_text(self.to_pandera().to_yaml())

    @classmethod
    def load(cls, path: Path) -> FeatureSchema:
        """Read the schema written by :meth:`save`."""
        data = json.loads((path / "schema.json").read_text())
        return cls(data["target"], [ColumnSchema(**c) for c in data["columns"]],
                   data.get("ignored", []))


def _failures(cases: pd.DataFrame, schema: FeatureSchema) -> list[Failure]:
    """pandera's failure cases as automl's failures, each (column, check, value) once."""
    kinds = {c.name: c.kind for c in schema.columns}
    return _distinct([_failure(str(row.check), row.column, row.failure_case,
                               kinds.get(row.column))
                      for row in cases.itertuples(index=False)])


def _failure(check: str, column: Any, value: Any, kind: str | None) -> Failure:
    """One pandera failure case (its check's name, column and failing value, and the
    column's kind in the schema, None when it has none) in automl's words."""
    if check == "column_in_dataframe":
        return Failure(str(value), "missing column: the model was trained with it")
    if check == "column_in_schema":
        return Failure(str(value), "unexpected column: the model was not trained with it")
    if check.startswith(("coerce_dtype", "dtype")):
        return Failure(column, f"wrong type: expected {kind or check}", value)
    return Failure(column, check, value)


def _distinct(failures: list[Failure]) -> list[Failure]:
    kept: dict[tuple, Failure] = {}
    for f in failures:
        kept.setdefault((f.column, f.check, str(f.value)), f)
    return list(kept.values())
