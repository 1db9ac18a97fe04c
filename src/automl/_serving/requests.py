"""The HTTP contract, independent of the server: a request body becomes a DataFrame or a
:class:`RequestError` listing every failure; results become JSON-ready dicts.

Bodies: ``{"rows": [{"column": value, ...}, ...]}`` as ``application/json``, or a CSV file with a
header row as ``text/csv``. Errors answer ``{"error": "...", "failures": [{"column", "check",
"value"}, ...]}`` with a 4xx status.

Every limit is applied before the work it guards is spent: the byte cap before the body is read
whole (:class:`Limits`, enforced by the service as it streams the body), the column cap of a CSV
before pandas parses it, the row and column caps of JSON before a DataFrame is built. Values
must be flat (numbers, strings, booleans or null); the schema refuses infinite numbers, as
training does.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import AutoMLError, DataValidationError, Failure

#: the most rows one request may carry
MAX_ROWS = 10_000
#: the most bytes one request body may carry (AUTOML_MAX_BODY_BYTES changes it)
MAX_BODY_BYTES = 16 * 1024 * 1024
#: the most distinct columns one request may name (AUTOML_MAX_COLUMNS changes it)
MAX_COLUMNS = 1_000
_SHAPE = 'expected {"rows": [{"column": value, ...}, ...]}'
_FLAT = (str, int, float, bool, type(None))
# a \\uD800-\\uDFFF escape: only then can a parsed string hold a lone surrogate
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Limits:
    """What one request may carry: rows, body bytes and distinct columns."""

    rows: int = MAX_ROWS
    body_bytes: int = MAX_BODY_BYTES
    columns: int = MAX_COLUMNS

    @classmethod
    def from_environment(cls) -> Limits:
        """Limits from ``AUTOML_MAX_BODY_BYTES`` and ``AUTOML_MAX_COLUMNS`` (rows stay fixed:
        the batcher's frames are sized by them)."""
        return cls(MAX_ROWS, int(os.environ.get("AUTOML_MAX_BODY_BYTES", MAX_BODY_BYTES)),
                   int(os.environ.get("AUTOML_MAX_COLUMNS", MAX_COLUMNS)))


class RequestError(AutoMLError):
    """A request the service refuses: the HTTP ``status`` (4xx, or 503 for a full queue), the
    failures, and headers to send with the answer (``Retry-After`` for a 503)."""

    def __init__(self, status: int, failures: list[Failure], message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.failures = failures
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        """The error body of the HTTP contract."""
        return {"error": str(self), "failures": [f.to_dict() for f in self.failures]}


def refuse(status: int, check: str, value: Any = None, column: str | None = None
           ) -> RequestError:
    """A :class:`RequestError` of one failure whose message is the check (and the value)."""
    return RequestError(status, [Failure(column, check, value)], f"{check}" +
                        ("" if value is None else f": {value}"))


def body_too_large(limits: Limits) -> RequestError:
    """The 413 for a body past the byte cap."""
    return refuse(413, f"request body too large: at most {limits.body_bytes} bytes")


def parse_rows(body: bytes, content_type: str, limits: Limits | None = None) -> pd.DataFrame:
    """The rows of a request body as a DataFrame (columns as sent; the schema checks them)."""
    limits = limits or Limits()
    if len(body) > limits.body_bytes:
        raise body_too_large(limits)
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if not body.strip():
        raise refuse(400, "empty request body", _SHAPE)
    # Anything but CSV is read as JSON: clients often send JSON under another content type
    # (curl -d says form-urlencoded), and a body that is not JSON gets a clear 400 anyway.
    csv_body = media in ("text/csv", "application/csv")
    frame = _csv(body, limits) if csv_body else _json(body, limits)
    if frame.empty:
        raise refuse(400, "no rows in the request")
    if len(frame) > limits.rows:
        raise refuse(413, f"too many rows: at most {limits.rows} per request", len(frame))
    return frame


def _json(body: bytes, limits: Limits) -> pd.DataFrame:
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise refuse(400, "malformed JSON", str(exc)) from None
    except RecursionError:
        raise refuse(400, "JSON nested too deep", _SHAPE) from None
    rows = payload.get("rows") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise refuse(400, "no 'rows' list in the body", _SHAPE)
    if len(rows) > limits.rows:
        raise refuse(413, f"too many rows: at most {limits.rows} per request", len(rows))
    bad = [i for i, row in enumerate(rows) if not isinstance(row, dict)]
    if bad:
        raise refuse(400, "each row must be an object of column: value", f"rows {bad[:5]}")
    names: set[str] = set()
    for i, row in enumerate(rows):
        names.update(row)
        if len(names) > limits.columns:
            raise refuse(400, f"too many columns: at most {limits.columns} per request")
        nested = [k for k, v in row.items() if not isinstance(v, _FLAT)]
        if nested:
            raise refuse(400, "values must be numbers, strings, booleans or null, not lists "
                         "or objects", f"row {i}", column=_printable(nested[0]))
    if _LONE_SURROGATE.search(text):
        _refuse_surrogates(rows)
    return pd.DataFrame.from_records(rows)


def _printable(text: str) -> str:
    """``text`` with any lone surrogate (valid in a JSON escape, not in UTF-8) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _refuse_surrogates(rows: list[dict]) -> None:
    """A name or value holding a lone surrogate cannot be encoded again (in an answer, a log):
    refused here, where it is still the client's to fix."""
    for row in rows:
        for name, value in row.items():
            for text, what in ((name, "column names"), (value, "values")):
                if isinstance(text, str) and _printable(text) != text:
                    raise refuse(400, f"{what} must be valid UTF-8 text (a lone surrogate "
                                 f"escape)", _printable(text))


def _csv(body: bytes, limits: Limits) -> pd.DataFrame:
    header = body.split(b"\n", 1)[0].decode("utf-8", "replace")
    width = len(next(csv.reader([header]), []))
    if width > limits.columns:
        raise refuse(400, f"too many columns: at most {limits.columns} per request", width)
    try:
        frame = pd.read_csv(io.BytesIO(body))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise refuse(400, "malformed CSV", str(exc).strip()) from None
    return frame


def as_request_error(exc: DataValidationError) -> RequestError:
    """A schema failure as a 422 answer with the same message and failures."""
    return RequestError(422, exc.failures, str(exc))


def jsonable(values: Any) -> list:
    """Predictions or labels as plain JSON values."""
    return [v.item() if isinstance(v, np.generic) else v for v in np.asarray(values).tolist()]


def finite_json(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None, so that it renders as strict
    JSON (a score on rows of one class is NaN, say)."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


#: categories of a column that /metadata lists at most
LISTED_CATEGORIES = 20


def listed_column(column: Any) -> dict[str, Any]:
    """A feature column as /metadata lists it: its categories cut to the
    :data:`LISTED_CATEGORIES` most frequent in training (the schema keeps them in that
    order), with their number, so that the route does not hand out every training value."""
    listed = dict(vars(column))
    categories = listed.get("categories")
    if categories is not None:
        listed["categories"] = categories[:LISTED_CATEGORIES]
        listed["categories_total"] = len(categories)
    return listed
