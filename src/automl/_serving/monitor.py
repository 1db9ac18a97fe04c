"""The service's log of what it served, for drift monitoring: a bounded window of the most recent
request rows (a sampled share of them under heavy traffic) with the answer each got.

Bounded so that memory stays flat however long the service runs, in rows and in bytes; the most
recent rows because drift is about what the model meets now. Only the schema's feature columns
are kept (a target or any other column a client sends is set aside, so labels the model never
saw cannot break the drift check later), and long strings are cut. Rows are kept otherwise as
the client sent them: the drift check cleans and checks them as a prediction does. The worker
processes of one server share their logs through a folder (:mod:`automl._serving.monitor_share`),
so that the window is the server's, whichever worker reads it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import pandas as pd

from automl._serving.monitor_share import DIR_VARIABLE, SharedLog

#: rows kept (the environment variable AUTOML_MONITOR_ROWS changes it; 0 switches logging off)
DEFAULT_ROWS = 5_000
#: share of served rows logged (AUTOML_MONITOR_SAMPLE)
DEFAULT_SAMPLE = 1.0
#: bytes the logged rows may take, roughly (AUTOML_MONITOR_BYTES)
DEFAULT_BYTES = 8 * 1024 * 1024
#: characters of a string value kept
MAX_TEXT = 200
ROWS_VARIABLE, SAMPLE_VARIABLE = "AUTOML_MONITOR_ROWS", "AUTOML_MONITOR_SAMPLE"
BYTES_VARIABLE = "AUTOML_MONITOR_BYTES"
_OVERHEAD = 64  # bytes a kept value costs beyond its text, roughly


def _cut(value: Any) -> Any:
    return value[:MAX_TEXT] if isinstance(value, str) else value


def _size(row: dict[str, Any], answer: Any) -> int:
    sizes = [len(v) if isinstance(v, str) else 8 for v in row.values()]
    return sum(sizes) + _OVERHEAD * (len(row) + 1) + len(str(answer))


class ServedLog:
    """The last ``capacity`` sampled rows served and their answers, at most ``max_bytes``
    of them (roughly), of the ``columns`` named (all, when None). Thread-safe. With ``share``
    (a folder the workers of one server share, see :mod:`automl._serving.monitor_share`), the
    log is every worker's: each writes the rows it logs there and reads the others'."""

    def __init__(self, capacity: int = DEFAULT_ROWS, sample: float = DEFAULT_SAMPLE,
                 seed: int = 0, columns: list[str] | None = None,
                 max_bytes: int = DEFAULT_BYTES, share: Path | None = None) -> None:
        self.capacity, self.sample = max(int(capacity), 0), min(max(float(sample), 0.0), 1.0)
        self.columns, self.max_bytes = columns, max(int(max_bytes), 0)
        self._rows: deque[tuple[float, dict[str, Any], Any, int]] = deque()
        self._bytes = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._share = None if share is None or not self.capacity else \
            SharedLog(share, columns, MAX_TEXT, 4 * self.max_bytes)
        self.served = 0

    @classmethod
    def from_environment(cls, columns: list[str] | None = None) -> ServedLog:
        """A log of ``columns`` sized by ``AUTOML_MONITOR_ROWS``, ``AUTOML_MONITOR_SAMPLE`` and
        ``AUTOML_MONITOR_BYTES``, shared in ``AUTOML_MONITOR_DIR`` when that is set."""
        share = os.environ.get(DIR_VARIABLE)
        return cls(int(os.environ.get(ROWS_VARIABLE, DEFAULT_ROWS)),
                   float(os.environ.get(SAMPLE_VARIABLE, DEFAULT_SAMPLE)), columns=columns,
                   max_bytes=int(os.environ.get(BYTES_VARIABLE, DEFAULT_BYTES)),
                   share=Path(share) if share else None)

    def record(self, frame: pd.DataFrame, answers: list[Any]) -> None:
        """Log the sampled rows of one answered request with their answers."""
        if not self.capacity or not self.max_bytes:
            return
        names = list(frame.columns) if self.columns is None else \
            [c for c in self.columns if c in frame.columns]
        # column by column: a tenth of what DataFrame.to_dict costs on a served request's row
        records = [dict(zip(names, values, strict=True))
                   for values in zip(*(frame[c].tolist() for c in names), strict=True)
                   ] if names else [{} for _ in range(len(frame))]
        stamp = time.time()
        with self._lock:
            self.served += len(records)
            kept = []
            for row, answer in zip(records, answers, strict=True):
                if self.sample >= 1.0 or self._random.random() < self.sample:
                    kept.append((stamp, {k: _cut(v) for k, v in row.items()},
                                 _cut(answer) if isinstance(answer, str) else answer))
            for entry in kept:
                self._keep(*entry)
            if self._share is not None:
                self._publish(kept)

    def _keep(self, stamp: float, row: dict[str, Any], answer: Any) -> None:
        size = _size(row, answer)
        self._rows.append((stamp, row, answer, size))
        self._bytes += size
        while len(self._rows) > self.capacity or (self._bytes > self.max_bytes
                                                  and len(self._rows) > 1):
            self._bytes -= self._rows.popleft()[3]

    def _publish(self, kept: list[tuple[float, dict[str, Any], Any]]) -> None:
        try:
            if self._share.due(self.capacity):
                self._share.rewrite((s, self.served, r, a) for s, r, a, _ in self._rows)
            else:
                self._share.append([(s, self.served, r, a) for s, r, a in kept])
        except OSError:
            pass  # the share is gone (its server stopping): this worker's window still holds

    def _window(self) -> tuple[list[tuple[float, dict[str, Any], Any]], int]:
        """Every worker's logged rows, oldest first, bounded as one log is; and the rows
        served between them."""
        with self._lock:
            rows = [(s, r, a) for s, r, a, _ in self._rows]
            served = self.served
        if self._share is None:
            return rows, served
        others, their_served = self._share.others()
        merged = sorted(rows + others, key=lambda entry: entry[0])[-self.capacity:]
        kept, size = [], 0
        for entry in reversed(merged):
            size += _size(entry[1], entry[2])
            if kept and size > self.max_bytes:
                break
            kept.append(entry)
        return kept[::-1], served + their_served

    def __len__(self) -> int:
        return len(self._window()[0]) if self.capacity else 0

    def frame(self) -> pd.DataFrame:
        """The logged rows as a DataFrame (columns as the clients sent them)."""
        return pd.DataFrame([row for _, row, _ in self._window()[0]])

    def answers(self) -> list[Any]:
        """The answers the logged rows got, in the same order."""
        return [answer for _, _, answer in self._window()[0]]

    def describe(self) -> dict[str, Any]:
        """Rows logged, capacity, sample share, rows served since the start, the bytes the
        log takes and may take, and whether the workers share it."""
        rows, served = self._window() if self.capacity else ([], self.served)
        return {"logged": len(rows), "capacity": self.capacity, "sample": self.sample,
                "served": served, "bytes": sum(_size(r, a) for _, r, a in rows),
                "max_bytes": self.max_bytes, "shared": self._share is not None}

    def close(self) -> None:
        """Remove this worker's file from the share."""
        if self._share is not None:
            self._share.close()
