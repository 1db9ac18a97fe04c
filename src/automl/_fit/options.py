"""The arguments of one fit, gathered in one record (:class:`FitOptions`) and checked before
any data is read; :func:`automl._fit.api.fit` documents each of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from automl._cleaning.tuning_data import check_tuning_options
from automl._contract.specs import Task
from automl._data.split import VALIDATION_CHOICES
from automl.errors import ConfigurationError


@dataclass(frozen=True)
class FitOptions:
    """Every argument of :func:`automl.fit` but the frame and the target, as given."""

    task: str | Task | None
    metric: Any
    time_budget: float
    models: list[str] | str | None
    tuner: str
    seed: int
    n_trials: int | None
    ensemble: bool
    validation: str
    groups: str | None
    time_column: str | None
    tuning_data: pd.DataFrame | None
    decision_metric: Any
    country: str | None
    sample_weight: Any
    disable: list[str] | None
    enable: list[str] | None
    verbose: int
    storage: str | None
    study_name: str | None
    resume: bool
    share: str | None
    infer_limit: float | None

    def check(self) -> None:
        """Raise :class:`ConfigurationError` for an argument no fit can use, alone or with
        another, before any data is read."""
        _check_arguments(self.time_budget, self.n_trials, self.validation, self.country,
                         self.infer_limit)
        if self.tuning_data is not None:
            check_tuning_options(self.validation, self.groups, self.time_column)
        if self.resume and self.storage is None:
            raise ConfigurationError("resume=True continues a search kept in a storage: give "
                                     "storage= (and study_name=) as the fit that started it did")


def _check_arguments(time_budget: float, n_trials: int | None, validation: str,
                     country: str | None, infer_limit: float | None = None) -> None:
    if infer_limit is not None and (not isinstance(infer_limit, int | float)
                                    or not infer_limit > 0):
        raise ConfigurationError(f"infer_limit={infer_limit!r}: give a positive number of "
                                 f"seconds per row, or None for no bound")
    if validation not in VALIDATION_CHOICES:
        raise ConfigurationError(f"validation={validation!r}: use one of "
                                 f"{list(VALIDATION_CHOICES)}")
    if not isinstance(time_budget, int | float) or not time_budget > 0:
        raise ConfigurationError(f"time_budget={time_budget!r}: give a positive number of "
                                 f"seconds")
    if n_trials is not None and (not isinstance(n_trials, int) or n_trials < 1):
        raise ConfigurationError(f"n_trials={n_trials!r}: give a positive integer or None")
    if country is not None:
        import holidays

        try:
            holidays.country_holidays(country)
        except (NotImplementedError, KeyError, AttributeError, TypeError):
            raise ConfigurationError(f"country={country!r}: the holidays package does not know "
                                     f"it; give an ISO 3166 code such as 'US' or 'DE'") from None
