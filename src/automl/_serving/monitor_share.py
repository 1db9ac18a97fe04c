"""The served-rows log of one service shared by its worker processes, so that ``GET /drift``
and ``/metadata`` see what every worker served, whichever worker answers.

Each worker appends the rows it logs to a file of its own in a folder all the workers of one
server share (one JSON line per row: the time, the worker's count of rows served, the row and
its answer) and rewrites the file from its window now and then, so that it stays about as
large as the window. A worker reads the other workers' files when asked for the log. What it
reads is untrusted: a line that is not such a record, a value that is not flat, a column the
schema does not have, a long string, a file past its byte cap or of a worker no longer alive
is skipped or cut, as the worker's own log would.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

#: the folder the workers of one server share (set by the service for many workers)
DIR_VARIABLE = "AUTOML_MONITOR_DIR"
_FLAT = (str, int, float, bool, type(None))


class SharedLog:
    """This worker's file in ``folder`` and the reading of the others'. ``columns``: the
    names a row may keep (all, when None); ``max_text``: the characters a string keeps;
    ``max_bytes``: the most a file may take before it is read (larger files are skipped)."""

    def __init__(self, folder: Path, columns: list[str] | None, max_text: int,
                 max_bytes: int) -> None:
        self.folder = Path(folder)
        self.columns = None if columns is None else set(columns)
        self.max_text, self.max_bytes = max_text, max_bytes
        self.path = self.folder / f"{os.getpid()}.jsonl"
        self._appended = 0

    def append(self, records: list[tuple[float, int, dict[str, Any], Any]]) -> None:
        """Add the rows one request logged, as (time, rows served, row, answer), to this
        worker's file: written through at once, so that the other workers see them."""
        if not records:
            return
        with open(self.path, "a", encoding="utf-8") as out:
            out.write("".join(_line(r) for r in records))
        self._appended += len(records)

    def due(self, window: int) -> bool:
        """Whether the file has grown by a window's worth since it was last rewritten."""
        return self._appended >= max(window, 1)

    def rewrite(self, records: Iterable[tuple[float, int, dict[str, Any], Any]]) -> None:
        """Replace this worker's file with ``records`` (its window), atomically."""
        partial = self.path.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8") as out:
            out.writelines(_line(r) for r in records)
        os.replace(partial, self.path)
        self._appended = 0

    def others(self) -> tuple[list[tuple[float, dict[str, Any], Any]], int]:
        """The rows the other live workers logged, as (time, row, answer), and the rows
        they served between them."""
        rows: list[tuple[float, dict[str, Any], Any]] = []
        served = 0
        for path in sorted(self.folder.glob("*.jsonl")):
            if path == self.path or not _alive(path.stem):
                continue
            try:
                if path.stat().st_size > self.max_bytes:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue  # rewritten or gone meanwhile: its rows come next time
            most = 0
            for stamp, count, row, answer in self._records(text.splitlines()):
                rows.append((stamp, row, answer))
                most = max(most, count)
            served += most
        return rows, served

    def _records(self, lines: list[str]) -> Iterator[tuple[float, int, dict[str, Any], Any]]:
        for line in lines:
            try:
                stamp, count, row, answer = json.loads(line)
            except (ValueError, TypeError):
                continue
            if not (isinstance(stamp, float | int) and isinstance(count, int)
                    and isinstance(row, dict) and math.isfinite(stamp)):
                continue
            kept = {str(k)[:self.max_text]: _cut(v, self.max_text) for k, v in row.items()
                    if isinstance(v, _FLAT) and (self.columns is None or k in self.columns)}
            yield float(stamp), count, kept, _answer(answer, self.max_text)

    def close(self) -> None:
        """Remove this worker's file."""
        self.path.unlink(missing_ok=True)


def _line(record: tuple) -> str:
    return json.dumps([*record], allow_nan=True, default=str) + "\n"


def _cut(value: Any, limit: int) -> Any:
    return value[:limit] if isinstance(value, str) else value


def _answer(value: Any, limit: int) -> Any:
    if isinstance(value, list):  # probabilities
        return [v for v in value[:limit] if isinstance(v, float | int)]
    return _cut(value, limit) if isinstance(value, _FLAT) else None


def _alive(stem: str) -> bool:
    if not stem.isdigit():
        return False
    try:
        os.kill(int(stem), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True
