"""The service's log of what it served, for drift monitoring: a bounded window of the most recent
request rows (a sampled share of them under heavy traffic) with the answer each got.

Bounded so that memory stays flat however long the service runs; the most recent rows because
drift is about what the model meets now. Rows are kept as the client sent them: the drift check
cleans and checks them as a prediction does.
"""

from __future__ import annotations

import os
import random
import threading
from collections import deque
from typing import Any

import pandas as pd

#: rows kept (the environment variable AUTOML_MONITOR_ROWS changes it; 0 switches logging off)
DEFAULT_ROWS = 5_000
#: share of served rows logged (AUTOML_MONITOR_SAMPLE)
DEFAULT_SAMPLE = 1.0
ROWS_VARIABLE, SAMPLE_VARIABLE = "AUTOML_MONITOR_ROWS", "AUTOML_MONITOR_SAMPLE"


class ServedLog:
    """The last ``capacity`` sampled rows served and their answers. Thread-safe."""

    def __init__(self, capacity: int = DEFAULT_ROWS, sample: float = DEFAULT_SAMPLE,
                 seed: int = 0) -> None:
        self.capacity, self.sample = max(int(capacity), 0), min(max(float(sample), 0.0), 1.0)
        self._rows: deque[tuple[dict[str, Any], Any]] = deque(maxlen=self.capacity or 1)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.served = 0

    @classmethod
    def from_environment(cls) -> ServedLog:
        """A log sized by ``AUTOML_MONITOR_ROWS`` and ``AUTOML_MONITOR_SAMPLE``."""
        return cls(int(os.environ.get(ROWS_VARIABLE, DEFAULT_ROWS)),
                   float(os.environ.get(SAMPLE_VARIABLE, DEFAULT_SAMPLE)))

    def record(self, frame: pd.DataFrame, answers: list[Any]) -> None:
        """Log the sampled rows of one answered request with their answers."""
        if not self.capacity:
            return
        records = frame.to_dict(orient="records")
        with self._lock:
            self.served += len(records)
            for row, answer in zip(records, answers, strict=True):
                if self.sample >= 1.0 or self._random.random() < self.sample:
                    self._rows.append((row, answer))

    def __len__(self) -> int:
        return len(self._rows) if self.capacity else 0

    def frame(self) -> pd.DataFrame:
        """The logged rows as a DataFrame (columns as the clients sent them)."""
        with self._lock:
            return pd.DataFrame([row for row, _ in self._rows])

    def answers(self) -> list[Any]:
        """The answers the logged rows got, in the same order."""
        with self._lock:
            return [answer for _, answer in self._rows]

    def describe(self) -> dict[str, Any]:
        """Rows logged, capacity, sample share and rows served since the start."""
        return {"logged": len(self), "capacity": self.capacity, "sample": self.sample,
                "served": self.served}
