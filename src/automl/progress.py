"""The progress display of a fit: a header, one line per trial, a closing line (on stderr).
``verbose=0`` silences it."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from automl.metrics import Metric
    from automl.search_records import TrialRecord


class Progress:
    """Writes progress lines to ``stream`` when ``verbose`` is at least 1."""

    def __init__(self, verbose: int, started: float, stream: TextIO | None = None) -> None:
        self.verbose = verbose
        self.started = started
        self.stream = stream or sys.stderr

    def say(self, message: str) -> None:
        """One line, stamped with the seconds since the fit started."""
        if self.verbose >= 1:
            print(f"[{time.monotonic() - self.started:6.1f}s] {message}", file=self.stream,
                  flush=True)

    def trial(self, record: TrialRecord, best: TrialRecord | None, metric: Metric) -> None:
        """One line for a finished trial, with the best score so far."""
        if record.status == "complete":
            outcome = f"{metric.name}={record.score:.5g}"
        else:
            outcome = record.status + (f": {record.error}" if record.error else "")
        lead = f" best={best.score:.5g} ({best.model})" if best is not None else ""
        self.say(f"trial {record.number:<3d} {record.model:<24s} {outcome:<28s} "
                 f"{record.fit_seconds:5.1f}s{lead}")
