"""Errors a user can cause, each with a message that says what to change.

Every exception raised at the public API for bad input is a subclass of :class:`AutoMLError`;
the CLI turns them into a one-line message and exit code 2, and the service into a 4xx.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


class AutoMLError(Exception):
    """Base class of every error a user can cause and fix."""


@dataclass(frozen=True)
class Failure:
    """One failed check: the column it concerns (None for the whole frame), the check's name and
    the offending value or a short description of it."""

    column: str | None
    check: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The failure as a JSON-ready dict with the keys column, check and value."""
        d = asdict(self)
        d["value"] = _jsonable(d["value"])
        return d

    def __str__(self) -> str:
        where = f"column {self.column!r}" if self.column is not None else "data"
        return f"{where}: {self.check}" + ("" if self.value is None else f" ({self.value!r})")


class DataValidationError(AutoMLError, ValueError):
    """The data failed one or more checks. ``failures`` lists every one of them, not only the
    first, so that a user can fix them all in one go."""

    def __init__(self, failures: list[Failure], context: str = "data") -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {f}" for f in self.failures)
        n = len(self.failures)
        super().__init__(f"{context} failed {n} check{'s' if n != 1 else ''}:\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        """The error as the HTTP contract's body: ``{"error": ..., "failures": [...]}``."""
        return {"error": str(self), "failures": [f.to_dict() for f in self.failures]}


class ConfigurationError(AutoMLError, ValueError):
    """An argument has a value automl cannot use; the message names the argument and the
    accepted values."""


class PluginError(AutoMLError):
    """A plugin is missing, failed to load, or registered something invalid."""


class ModelLoadError(AutoMLError):
    """A saved model directory is missing, incomplete, damaged, changed since it was saved,
    unsigned where a signature is required, or from an incompatible version; the message
    names the file."""


class SearchError(AutoMLError):
    """The search ended with no usable model, e.g. every trial failed or the budget was too
    small to fit even one."""


class StorageError(AutoMLError):
    """The storage of a shared search (``storage=``) cannot be reached or does not hold what the
    search needs: the message names the storage, what failed and how to go on."""


class ModelVersionWarning(UserWarning):
    """A saved model was written with other library versions than are installed; the message
    names each one."""


class DataWarning(UserWarning):
    """Something in the data was changed or ignored (dropped rows, dropped columns, unseen
    categories); the message says what and how much."""


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf or NaN
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)
