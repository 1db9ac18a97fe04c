"""``fit(tuning_data=...)``: the user's own held-out rows.

Where the user knows which rows the model will be judged like (next quarter's customers, another
site's patients), those rows score every trial, pick the ensemble and calibrate it, in place of a
split the fit draws itself. They go through the cleaning and the schema fitted on the training
rows, as any frame to predict does, so that nothing learnt from them reaches the preparation.
As under a held-out split, the winner is then refitted on all rows, the tuning rows included
(AutoGluon's ``refit_full`` does the same).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from automl._cleaning.steps import Cleaning
from automl._data.profile import encode_target
from automl._data.schema import FeatureSchema
from automl.errors import ConfigurationError, DataValidationError, DataWarning, Failure

__all__ = ["MIN_TUNING_ROWS", "check_tuning_options", "tuning_rows"]

#: fewer held-out rows than this rank trials by noise
MIN_TUNING_ROWS = 10
_CONTEXT = "tuning data"


def check_tuning_options(validation: str, groups: str | None,
                         time_column: str | None) -> None:
    """Refuse the options that would split the training rows although ``tuning_data`` is
    given: ``validation="cv"``, ``groups`` and ``time_column``."""
    clashing = [name for name, given in (("validation='cv'", validation == "cv"),
                                         ("groups", groups is not None),
                                         ("time_column", time_column is not None)) if given]
    if clashing:
        raise ConfigurationError(f"tuning_data= is the held-out split itself: drop "
                                 f"{' and '.join(clashing)} (they say how to split the "
                                 f"training rows)")


def tuning_rows(tuning: object, target: str, cleaning: Cleaning, schema: FeatureSchema,
                classes: list | None) -> tuple[pd.DataFrame, np.ndarray]:
    """The features (cleaned and checked as the training rows were) and the encoded target of
    the tuning rows. Rows whose target is missing are dropped with a
    :class:`~automl.errors.DataWarning`. Raises :class:`~automl.errors.DataValidationError` for
    a frame that is not one, lacks the target, has fewer than :data:`MIN_TUNING_ROWS` labelled
    rows, a class the training rows never had, or (classification) a single class, and for
    feature columns the schema refuses."""
    if not isinstance(tuning, pd.DataFrame):
        raise DataValidationError([Failure(None, "not a pandas DataFrame",
                                           type(tuning).__name__)], _CONTEXT)
    if target not in tuning.columns:
        raise DataValidationError([Failure(target, "target column missing")], _CONTEXT)
    labelled = tuning[tuning[target].notna()].reset_index(drop=True)
    if len(labelled) < len(tuning):
        warnings.warn(f"tuning data: dropped {len(tuning) - len(labelled)} row(s) whose target "
                      f"{target!r} is missing", DataWarning, stacklevel=3)
    failures = []
    if len(labelled) < MIN_TUNING_ROWS:
        failures.append(Failure(None, f"at least {MIN_TUNING_ROWS} rows with a target needed",
                                len(labelled)))
    if classes is None and not pd.api.types.is_numeric_dtype(labelled[target]):
        failures.append(Failure(target, "the regression target must be numeric",
                                str(labelled[target].dtype)))
    y = encode_target(labelled[target], classes) if not failures else np.empty(0)
    if classes is not None and not failures:
        unseen = labelled[target][y == -1].unique().tolist()
        if unseen:
            failures.append(Failure(target, "labels the training data does not have",
                                    sorted(map(str, unseen))[:10]))
        elif len(np.unique(y)) < 2:
            failures.append(Failure(target, "a single class: held-out rows need two or more to "
                                            "score the trials"))
    if failures:
        raise DataValidationError(failures, _CONTEXT)
    features = cleaning.transform(labelled.drop(columns=[target]), _CONTEXT)
    return schema.validate(features, context=_CONTEXT), y
