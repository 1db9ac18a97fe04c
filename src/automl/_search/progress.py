"""The progress display of a fit: a header, one line per trial, a closing line, and in a terminal
or a notebook a live bar over the time budget (time left, trials done and failed, the best score
and its model). ``verbose=0`` silences the display.

Every line also goes to ``logging.getLogger("automl")`` at INFO, whatever ``verbose`` says, so
that an application's own logging can keep it (with ``verbose=0``, only there). The bar is
tqdm's (``tqdm.auto``: a widget in a notebook that has ipywidgets, text elsewhere), drawn by a
thread twice a second; without a terminal or a notebook there is no bar, only the lines.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from automl._contract.metrics import Metric
    from automl._contract.records import TrialRecord

LOGGER = logging.getLogger("automl")
#: seconds between two redraws of the bar
REDRAW_SECONDS = 0.5


class Progress:
    """Writes progress lines to ``stream`` (stderr by default) when ``verbose`` is at least 1,
    and logs them to :data:`LOGGER` always. With a ``budget`` (seconds), :meth:`start_bar`
    shows the live bar where ``stream`` is a terminal or the fit runs in a notebook."""

    def __init__(self, verbose: int, started: float, stream: TextIO | None = None,
                 budget: float | None = None) -> None:
        self.verbose = verbose
        self.started = started
        self.stream = stream or sys.stderr
        self.budget = budget
        self.done = self.failed = 0
        self.best = ""
        self._bar: Any = None
        self._stop = threading.Event()
        self._drawer: threading.Thread | None = None

    def say(self, message: str) -> None:
        """One line, stamped with the seconds since the fit started."""
        line = f"[{time.monotonic() - self.started:6.1f}s] {message}"
        LOGGER.info(line)
        if self.verbose < 1:
            return
        if self._bar is not None:
            self._bar.write(line, file=self.stream)  # above the bar, which stays at the bottom
        else:
            print(line, file=self.stream, flush=True)

    def trial(self, record: TrialRecord, best: TrialRecord | None, metric: Metric) -> None:
        """One line for a finished trial, with the best score so far."""
        if record.status == "complete":
            outcome = f"{metric.name}={record.score:.5g}"
        else:
            outcome = record.status + (f": {record.error}" if record.error else "")
        self.done += 1
        self.failed += record.status == "failed"
        lead = f" best={best.score:.5g} ({best.model})" if best is not None else ""
        if best is not None:
            self.best = f"{metric.name}={best.score:.5g} ({best.model})"
        self.say(f"trial {record.number:<3d} {record.model:<24s} {outcome:<28s} "
                 f"{record.fit_seconds:5.1f}s{lead}")

    def start_bar(self) -> None:
        """Show the live bar, where there is a budget, ``verbose`` is at least 1 and
        ``stream`` is a terminal or the fit runs in a notebook."""
        if self._bar is not None or self.verbose < 1 or not self.budget or not _interactive(
                self.stream):
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(total=round(self.budget, 1), file=self.stream, unit="s", leave=False,
                         bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f}s{postfix}",
                         desc="searching", dynamic_ncols=True)
        self._stop.clear()
        self._drawer = threading.Thread(target=self._draw, name="automl-progress",
                                        daemon=True)
        self._drawer.start()

    def describe(self) -> str:
        """What the bar shows after its time: trials done and failed, the best so far."""
        failed = f" ({self.failed} failed)" if self.failed else ""
        best = f", best {self.best}" if self.best else ""
        return f"{self.done} trials{failed}{best}"

    def stop_bar(self) -> None:
        """Take the bar away (the lines stay)."""
        if self._bar is None:
            return
        self._stop.set()
        if self._drawer is not None:
            self._drawer.join()
        self._bar.close()
        self._bar = self._drawer = None

    def _draw(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            bar = self._bar
            if bar is None:
                return
            bar.n = min(time.monotonic() - self.started, bar.total)
            bar.set_postfix_str(self.describe(), refresh=False)
            bar.refresh()

    def __enter__(self) -> Progress:
        self.start_bar()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_bar()


def _interactive(stream: TextIO) -> bool:
    if "ipykernel" in sys.modules:  # a notebook: tqdm.auto draws a widget
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
