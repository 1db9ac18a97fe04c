"""The progress display: lines on stderr, the same lines through logging, and a live bar over
the budget where the stream is a terminal."""

from __future__ import annotations

import io
import logging
import time

import automl
from automl._contract.records import TrialRecord
from automl._search.progress import Progress


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a shell's stderr does."""

    def isatty(self) -> bool:
        return True


def test_the_lines_go_through_the_automl_logger_even_when_silenced(concrete, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="automl"):
        automl.fit(concrete, "compressive_strength", n_trials=2, verbose=0)
    lines = [r.getMessage() for r in caplog.records if r.name == "automl"]
    assert sum(" trial " in line for line in lines) == 2
    assert any("best:" in line for line in lines)
    assert capsys.readouterr().err == ""  # verbose=0: nothing on stderr


def test_a_terminal_gets_a_live_bar_over_the_budget_and_the_lines_above_it():
    from automl._contract.metrics import get_metric
    from automl._contract.specs import Task

    stream = _Terminal()
    rmse = get_metric("rmse", Task.REGRESSION)
    progress = Progress(1, time.monotonic(), stream, budget=2.0)
    with progress:
        best = TrialRecord(0, "lightgbm", {}, 4.5, 0.1, "complete")
        progress.trial(best, best, rmse)
        progress.trial(TrialRecord(1, "catboost", {}, None, 0.1, "failed", "boom"), best, rmse)
        time.sleep(1.2)  # the bar redraws twice a second
    out = stream.getvalue()
    assert "searching" in out and "/2s" in out
    assert "2 trials (1 failed), best rmse=4.5 (lightgbm)" in out
    assert "trial 0   lightgbm" in out and "failed: boom" in out
    assert progress.describe() == "2 trials (1 failed), best rmse=4.5 (lightgbm)"


def test_without_a_terminal_there_are_lines_and_no_bar():
    stream = io.StringIO()
    with Progress(1, time.monotonic(), stream, budget=2.0) as progress:
        progress.say("hello")
        time.sleep(0.6)
    assert stream.getvalue().endswith("] hello\n") and "searching" not in stream.getvalue()
