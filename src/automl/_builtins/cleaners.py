"""The built-in cleaning steps, registered through the core's ``automl`` entry point like any
third party's: formats first (sentinels, numbers, booleans, dates, spellings), then junk
columns, missing values, outliers, leakage and imbalance."""

from __future__ import annotations

from typing import Any

from automl._builtins.dates import MixedDates
from automl._builtins.formats import CategorySpelling, MissingSentinels, TextBooleans, TextNumbers
from automl._builtins.imbalance import Imbalance
from automl._builtins.junk import JunkColumns, LeakageCheck
from automl._builtins.quality import MissingValues, Outliers
from automl._contract.hookspecs import hookimpl
from automl._contract.specs import CleanerSpec

CLEANERS = [
    CleanerSpec("missing_sentinels", MissingSentinels, 10,
                description='"NA", "?", "-", "null", ... and standing-out -999-like numbers '
                            'read as missing'),
    CleanerSpec("text_numbers", TextNumbers, 20,
                description='numbers stored as text ("1,234", "$5.00", "12%") made numeric'),
    CleanerSpec("text_booleans", TextBooleans, 30,
                description="yes/no, Y/N, true/false text made boolean"),
    CleanerSpec("mixed_dates", MixedDates, 40,
                description="dates in mixed formats (ISO, slashes, month names, epoch "
                            "seconds) parsed"),
    CleanerSpec("category_spelling", CategorySpelling, 50,
                description="category labels differing by case or spaces merged"),
    CleanerSpec("junk_columns", JunkColumns, 60,
                description="constant, duplicate and id-like columns dropped"),
    CleanerSpec("missing_values", MissingValues, 70,
                description="missing values reported, with their signal and mostly-empty rows"),
    CleanerSpec("outliers", Outliers, 80,
                description="far-out values reported (possible typos named); clipping tuned "
                            "by the search"),
    CleanerSpec("leakage", LeakageCheck, 90,
                description="a feature that alone predicts the target is flagged"),
    CleanerSpec("imbalance", Imbalance, 100,
                description="skewed classes: class weights or oversampling tuned by the "
                            "search"),
]


@hookimpl(tryfirst=True)
def register_cleaners(register: Any) -> None:
    """Register the built-in cleaning steps."""
    for spec in CLEANERS:
        register(spec)
