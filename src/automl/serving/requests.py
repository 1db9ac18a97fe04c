"""The HTTP contract, independent of the server: a request body becomes a DataFrame or a
:class:`RequestError` listing every failure; results become JSON-ready dicts.

Bodies: ``{"rows": [{"column": value, ...}, ...]}`` as ``application/json``, or a CSV file with a
header row as ``text/csv``. Errors answer ``{"error": "...", "failures": [{"column", "check",
"value"}, ...]}`` with a 4xx status.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import AutoMLError, DataValidationError, Failure

#: the most rows one request may carry
MAX_ROWS = 10_000
_SHAPE = 'expected {"rows": [{"column": value, ...}, ...]}'


class RequestError(AutoMLError):
    """A request the service refuses: the HTTP ``status`` (4xx) and the failures."""

    def __init__(self, status: int, failures: list[Failure], message: str) -> None:
        super().__init__(message)
        self.status = status
        self.failures = failures

    def to_dict(self) -> dict[str, Any]:
        """The error body of the HTTP contract."""
        return {"error": str(self), "failures": [f.to_dict() for f in self.failures]}


def _refuse(status: int, check: str, value: Any = None, column: str | None = None) -> RequestError:
    return RequestError(status, [Failure(column, check, value)], f"{check}" +
                        ("" if value is None else f": {value}"))


def parse_rows(body: bytes, content_type: str, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """The rows of a request body as a DataFrame (columns as sent; the schema checks them)."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if not body.strip():
        raise _refuse(400, "empty request body", _SHAPE)
    # Anything but CSV is read as JSON: clients often send JSON under another content type
    # (curl -d says form-urlencoded), and a body that is not JSON gets a clear 400 anyway.
    frame = _csv(body) if media in ("text/csv", "application/csv") else _json(body)
    if frame.empty:
        raise _refuse(400, "no rows in the request")
    if len(frame) > max_rows:
        raise _refuse(413, f"too many rows: at most {max_rows} per request", len(frame))
    return frame


def _json(body: bytes) -> pd.DataFrame:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _refuse(400, "malformed JSON", str(exc)) from None
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise _refuse(400, "no 'rows' list in the body", _SHAPE)
    bad = [i for i, row in enumerate(rows) if not isinstance(row, dict)]
    if bad:
        raise _refuse(400, "each row must be an object of column: value", f"rows {bad[:5]}")
    return pd.DataFrame.from_records(rows)


def _csv(body: bytes) -> pd.DataFrame:
    try:
        return pd.read_csv(io.BytesIO(body))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _refuse(400, "malformed CSV", str(exc).strip()) from None


def as_request_error(exc: DataValidationError) -> RequestError:
    """A schema failure as a 422 answer with the same message and failures."""
    return RequestError(422, exc.failures, str(exc))


def jsonable(values: Any) -> list:
    """Predictions or labels as plain JSON values."""
    return [v.item() if isinstance(v, np.generic) else v for v in np.asarray(values).tolist()]
