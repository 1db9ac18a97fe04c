"""Names a public module gives on first use rather than at import, so that ``import automl``
stays light (scikit-learn, Optuna, pandas and pandera load with the first ``fit``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(module: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name of ``homes`` (name to the module that
    defines it) when it is first asked for, and raises :class:`AttributeError` for any other
    name."""

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(homes[name]), name)

    return __getattr__
