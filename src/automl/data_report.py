"""Deprecated: import these names from :mod:`automl.plugin` (see :mod:`automl._moved`)."""

from automl._moved import moved_names

__getattr__ = moved_names(__name__, frozenset({"ACTIONS", "ReportEntry"}))
