"""The module paths plugin authors were sent to before :mod:`automl.plugin` existed
(``automl.testing``, ``automl.cleaning``, ``automl.data_report``, ``automl.messy``,
``automl.metrics``): each still gives its names, from :mod:`automl.plugin`, with a
:class:`DeprecationWarning` that says where to import them from. They go in automl 0.3."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


def moved_names(module: str, names: frozenset[str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that gives each of ``names`` from :mod:`automl.plugin` with a
    warning, and raises :class:`AttributeError` for any other name."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(f"{module}.{name} is deprecated and goes in automl 0.3: import it from "
                      f"automl.plugin (from automl.plugin import {name})", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module("automl.plugin"), name)

    return __getattr__
