"""Cleaning: the registered table steps, fitted once on the training features in order, and the
fitted sequence that every frame to predict goes through before the schema check.

A step that raises while it is fitted is reported by name and skipped; it never takes the fit
down. At predict time a step that cannot read its input raises a
:class:`~automl.errors.DataValidationError` naming the step, which the service answers with a
4xx.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from automl._contract.data_report import DataReport, ReportEntry
from automl._contract.specs import CleanContext, CleanerSpec, PreprocessorSpec, SearchChoice
from automl.errors import ConfigurationError, DataValidationError, DataWarning, Failure


class CleaningStep:
    """A convenient base for a :class:`~automl._contract.specs.CleanerSpec`'s step: ``fit``
    learns from the training features, ``transform`` applies what it learnt, ``note`` records what
    it did for the data report, ``search_choices`` offers the search per-trial options (none here).

    The base ``fit`` learns nothing and ``transform`` returns the frame unchanged.
    """

    def __init__(self, context: CleanContext) -> None:
        self.context = context
        self.notes: list[ReportEntry] = []

    def fit(self, df: pd.DataFrame, y: pd.Series) -> CleaningStep:
        """Learn from the training features ``df`` and target ``y``; returns self."""
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Apply what ``fit`` learnt to a frame with the training columns."""
        return df

    def search_choices(self) -> list[SearchChoice]:
        """Options the search tunes per trial (see
        :class:`~automl._contract.specs.SearchChoice`)."""
        return []

    def note(self, action: str, column: str | None, detail: str,
             count: int | None = None) -> None:
        """Record one entry for the data report (the step's name is filled in by the fit)."""
        self.notes.append(ReportEntry("", action, column, detail,
                                      None if count is None else int(count)))


@dataclass
class Cleaning:
    """The fitted steps, by name, in the order they run."""

    steps: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The names of the steps that ran."""
        return [name for name, _ in self.steps]

    def transform(self, df: pd.DataFrame, context: str = "prediction input") -> pd.DataFrame:
        """``df`` through every step. Raises :class:`DataValidationError` naming the step that
        cannot read it."""
        for name, step in self.steps:
            try:
                df = step.transform(df)
            except Exception as exc:
                raise DataValidationError([Failure(None, f"cleaning step {name!r} cannot read "
                                                         f"this input",
                                                   f"{type(exc).__name__}: {exc}")],
                                          context) from None
        return df

    def search_choices(self) -> list[SearchChoice]:
        """Every step's per-trial options."""
        choices: list[SearchChoice] = []
        for _, step in self.steps:
            offer = getattr(step, "search_choices", None)
            choices += list(offer()) if offer is not None else []
        return choices


@dataclass
class Preparation:
    """The user's choice of preparation steps: the cleaning steps to run, in order, the
    preprocessors left on and the names of those switched off."""

    cleaners: list[CleanerSpec]
    preprocessors: dict[str, PreprocessorSpec]
    switched_off: frozenset[str]


def select_preparation(cleaners: dict[str, CleanerSpec],
                       preprocessors: dict[str, PreprocessorSpec], disable: list[str] | None,
                       enable: list[str] | None) -> Preparation:
    """Resolve ``fit(disable=..., enable=...)``: ``disable`` may name cleaning steps and
    preprocessors, ``enable`` cleaning steps that are off by default. Unknown names are a
    :class:`~automl.errors.ConfigurationError`."""
    off, on = set(_names(disable, "disable")), set(_names(enable, "enable"))
    unknown = sorted((off - set(cleaners) - set(preprocessors)) | (on - set(cleaners)))
    if unknown:
        raise ConfigurationError(f"{unknown}: no such cleaning step or preprocessor; the "
                                 f"cleaning steps are {sorted(cleaners)} and the preprocessors "
                                 f"{sorted(preprocessors)} (see `automl plugins`)")
    chosen = [s for s in cleaners.values() if s.name not in off and (s.default or s.name in on)]
    return Preparation(sorted(chosen, key=lambda s: (s.order, s.name)),
                       {n: p for n, p in preprocessors.items() if n not in off},
                       frozenset(off & set(preprocessors)))


def _names(value: list[str] | str | None, argument: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"{argument}={value!r}: give a list of step names")
    return list(value)


def fit_cleaning(df: pd.DataFrame, target: str, specs: list[CleanerSpec],
                 context: CleanContext) -> tuple[Cleaning, pd.DataFrame, DataReport]:
    """Fit ``specs`` in order on the features of the checked training frame ``df``; returns
    the fitted steps, the cleaned frame (target included) and the report of what they did."""
    X, y = df.drop(columns=[target]), df[target]
    cleaning, report = Cleaning(), DataReport()
    for spec in specs:
        try:
            step = spec.build(context)
            step.fit(X, y)
            cleaned = step.transform(X)
            if not isinstance(cleaned, pd.DataFrame) or len(cleaned) != len(X):
                raise TypeError("transform must return a DataFrame with the same rows")
        except Exception as exc:  # a plugin's bug must not end the fit
            warnings.warn(f"cleaning step {spec.name!r} failed and is skipped: "
                          f"{type(exc).__name__}: {exc}", DataWarning, stacklevel=3)
            continue
        X = cleaned
        cleaning.steps.append((spec.name, step))
        notes = list(getattr(step, "notes", []))
        for entry in notes:
            entry.step = entry.step or spec.name
        report.add(notes)
    X = X.copy()
    X[target] = y.to_numpy()
    return cleaning, X, report
