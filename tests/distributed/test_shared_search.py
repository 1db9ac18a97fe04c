"""A search shared through a real PostgreSQL: a fit and two workers on one study, a worker
killed mid-search, a fit killed and resumed, and an outage of the database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter

import optuna
import pytest
from optuna.trial import TrialState

import automl
from automl._distributed.study import WORKER, records

pytestmark = pytest.mark.slow

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
#: cheap models and the random tuner: many short trials, so that kills land mid-search
SEARCH = ["--target", "Status", "--models", "linear,decision_tree,kneighbors,extra_trees",
          "--tuner", "random", "--seed", "0", "--validation", "holdout", "--quiet"]


def automl_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "automl", *args]


def trials(url: str, study: str) -> list[optuna.trial.FrozenTrial]:
    try:
        return optuna.load_study(study_name=study, storage=url).get_trials(deepcopy=False)
    except KeyError:  # not created yet
        return []


def worker_of(trial: optuna.trial.FrozenTrial) -> str | None:
    return trial.user_attrs.get(WORKER)


def finished_by(url: str, study: str) -> Counter:
    """Trials each process finished itself (not those failed as stale: "lost")."""
    try:
        study_ = optuna.load_study(study_name=study, storage=url)
    except KeyError:  # not created yet
        return Counter()
    return Counter(r.worker for r in records(study_, 0.0)
                   if r.status not in ("running", "lost") and r.worker)


def name_of(url: str, study: str, pid: int) -> str | None:
    return next((n for n in finished_by(url, study) if n.endswith(f":{pid}")), None)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_a_fit_and_two_workers_share_one_study_and_survive_a_killed_worker(
        postgres, credit_csv, tmp_path):
    url = postgres.create_database("workers")
    fit = subprocess.Popen(automl_cli("fit", str(credit_csv), *SEARCH, "--time-budget", "30",
                                      "--storage", url, "--study", "w", "--share",
                                      str(tmp_path / "share"), "--out", str(tmp_path / "m")),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    workers = [subprocess.Popen(automl_cli("worker", "--storage", url, "--study", "w"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    # each worker names itself host:pid in the trials it runs
    wait_until(lambda: all(name_of(url, "w", w.pid) for w in workers), 60,
               "both workers to finish a trial")
    victim, survivor = workers
    time.sleep(3)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    victim_name, survivor_name = (name_of(url, "w", w.pid) for w in workers)
    at_kill = finished_by(url, "w")
    out, _ = fit.communicate(timeout=120)
    assert fit.returncode == 0, out
    survivor_out, _ = survivor.communicate(timeout=60)
    assert survivor.returncode == 0, survivor_out

    end = finished_by(url, "w")
    # the trial the victim was running, failed as stale once its heartbeat stopped
    lost = [r for r in records(optuna.load_study(study_name="w", storage=url), 0.0)
            if r.worker == victim_name and r.status in ("running", "lost")]
    print(f"\nfinished trials by worker: {dict(end)}; at the kill: {dict(at_kill)}; "
          f"lost to the SIGKILL: {len(lost)}")
    assert len(end) == 3, end  # the fit and both workers ran trials
    assert end[victim_name] == at_kill[victim_name]  # the killed worker did nothing more
    assert end[survivor_name] > at_kill[survivor_name]  # the other went on
    assert len(lost) <= 1  # at most the trial it was running
    # the fit ranked every process's trials and refitted the winner
    board = automl.load(tmp_path / "m").leaderboard
    assert {victim_name, survivor_name} <= set(board["worker"].dropna())
    status = subprocess.run(automl_cli("status", "--storage", url, "--study", "w"),
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert f"{survivor_name}: {end[survivor_name]}" in status.stdout.replace(" trials", "")


def test_a_killed_fit_resumes_keeping_every_finished_trial(postgres, credit_csv, tmp_path):
    url = postgres.create_database("resume")
    share = str(tmp_path / "share")
    fit = subprocess.Popen(automl_cli("fit", str(credit_csv), *SEARCH, "--time-budget", "60",
                                      "--storage", url, "--study", "r", "--share", share),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: sum(finished_by(url, "r").values()) >= 8, 60, "eight trials")
    fit.send_signal(signal.SIGKILL)
    fit.wait()
    before = {t.number: (t.params, t.value) for t in trials(url, "r") if t.state in FINISHED}

    import pandas as pd

    result = automl.fit(pd.read_csv(credit_csv), "Status", models=["linear", "decision_tree",
                        "kneighbors", "extra_trees"], tuner="random", seed=0, time_budget=15,
                        storage=url, study_name="r", share=share, resume=True, verbose=0)
    after = {t.number: (t.params, t.value) for t in trials(url, "r") if t.state in FINISHED}
    print(f"\nfinished before the SIGKILL: {len(before)}, after --resume: {len(after)}")
    assert all(after[n] == before[n] for n in before)  # every finished trial kept as it was
    assert len(after) > len(before)
    # none run twice: each of the models' default trials was run once
    given = Counter(repr(sorted(t.user_attrs["given"].items())) for t in trials(url, "r")
                    if "given" in t.user_attrs and t.state in FINISHED)
    assert given and max(given.values()) == 1
    assert set(before) <= set(result.leaderboard["trial"])


def test_a_worker_refuses_a_share_holding_another_table(credit_csv, tmp_path):
    url = f"sqlite:///{tmp_path / 'search.db'}"
    share = tmp_path / "share"
    result = subprocess.run(automl_cli("fit", str(credit_csv), *SEARCH, "--time-budget", "6",
                                       "--storage", url, "--study", "t", "--share", str(share)),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    package = share / "search.joblib"
    package.write_bytes(package.read_bytes() + b"another table")
    worker = subprocess.run(automl_cli("worker", "--storage", url, "--study", "t"),
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode == 2
    assert "is not the one this search started with" in worker.stderr


def test_resuming_on_other_data_is_refused_and_names_the_way_out(credit_csv, tmp_path):
    import pandas as pd

    df = pd.read_csv(credit_csv)
    url = f"sqlite:///{tmp_path / 'search.db'}"
    common = dict(models=["linear"], time_budget=4, storage=url, study_name="d",
                  share=str(tmp_path / "share"), verbose=0)
    automl.fit(df, "Status", **common)
    with pytest.raises(automl.errors.ConfigurationError, match="already exists"):
        automl.fit(df, "Status", **common)
    with pytest.raises(automl.errors.ConfigurationError, match="another table"):
        automl.fit(df.head(3000), "Status", resume=True, **common)
    with pytest.raises(automl.errors.ConfigurationError, match="there is no study"):
        automl.fit(df, "Status", **{**common, "study_name": "nope"}, resume=True)


def test_the_search_rides_out_a_database_outage(postgres, credit_csv, tmp_path):
    import pandas as pd

    url = postgres.create_database("outage")
    df = pd.read_csv(credit_csv)

    import threading

    def outage() -> None:
        time.sleep(6)
        postgres.stop()
        time.sleep(4)
        postgres.start()

    cut = threading.Thread(target=outage)
    cut.start()
    result = automl.fit(df, "Status", models=["linear", "decision_tree"], tuner="random",
                        time_budget=20, storage=url, study_name="o",
                        share=str(tmp_path / "share"), verbose=0)
    cut.join()
    done = [t for t in trials(url, "o") if t.state == TrialState.COMPLETE]
    assert result.valid_score > 0.7
    # trials finished after the database came back
    assert max(t.datetime_complete for t in done).timestamp() > time.time() - 12


def test_a_database_that_stays_away_is_reported_with_the_way_on(monkeypatch, credit_csv):
    import socket

    import pandas as pd

    from automl._distributed import storage

    monkeypatch.setattr(storage, "RETRY_DELAYS", (0.1, 0.2))
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://automl:secret@127.0.0.1:{port}/automl"
    with pytest.raises(automl.errors.StorageError) as caught:
        automl.fit(pd.read_csv(credit_csv), "Status", models=["linear"], time_budget=5,
                   storage=url, study_name="away", verbose=0)
    message = str(caught.value)
    assert "did not answer" in message and "--resume" in message
    assert "secret" not in message and "automl:***@" in message


def test_a_journal_file_keeps_a_search_on_one_machine(credit_csv, tmp_path):
    import pandas as pd

    df = pd.read_csv(credit_csv)
    common = dict(models=["linear", "decision_tree"], tuner="random", validation="holdout",
                  storage=str(tmp_path / "search.log"), study_name="j",
                  share=str(tmp_path / "share"), verbose=0)
    first = automl.fit(df, "Status", n_trials=4, **common)
    again = automl.fit(df, "Status", n_trials=7, resume=True, **common)
    kept = first.leaderboard.query("model != 'ensemble'").set_index("trial")["roc_auc"]
    board = again.leaderboard.query("model != 'ensemble'").set_index("trial")["roc_auc"]
    assert len(kept) == 4 and len(board) == 7  # n_trials counts the study's trials
    pd.testing.assert_series_equal(board.loc[kept.index], kept)


def test_a_wrong_database_is_a_configuration_error_at_once(postgres, tmp_path):
    from automl._distributed.storage import open_storage

    # a ConfigurationError, not the StorageError that ends the retries for a server away
    with pytest.raises(automl.errors.ConfigurationError, match="does not exist"):
        open_storage(f"postgresql://postgres@127.0.0.1:{postgres.port}/no_such_database")
    with pytest.raises(automl.errors.ConfigurationError, match="folder exists"):
        open_storage(f"sqlite:///{tmp_path}/missing/search.db")


def test_a_damaged_or_planted_candidate_is_left_out_and_the_fit_completes(
        postgres, credit_csv, tmp_path):
    import pandas as pd

    from tests.conftest import planted_pickle

    url = postgres.create_database("damaged")
    df = pd.read_csv(credit_csv)
    share = tmp_path / "share"
    common = dict(models=["linear", "decision_tree"], tuner="random", validation="holdout",
                  storage=url, study_name="d", share=str(share), verbose=0)
    automl.fit(df, "Status", n_trials=4, **common)
    stored = sorted((share / "candidates").glob("*.joblib"))
    assert len(stored) >= 2, stored
    damaged, planted = stored[:2]
    payload = bytearray(damaged.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    damaged.write_bytes(bytes(payload))
    marker = tmp_path / "created-by-a-planted-candidate"
    planted.write_bytes(planted_pickle(marker))
    # the resumed fit reads the first fit's candidates back from the share
    with pytest.warns(UserWarning, match="candidate is left out") as caught:
        result = automl.fit(df, "Status", n_trials=6, resume=True, **common)
    left_out = {int(p.stem) for p in (damaged, planted)}
    warned = " ".join(str(w.message) for w in caught)
    assert all(f"trial {n}'s candidate is left out" in warned for n in left_out), warned
    assert not marker.exists()
    members = {int(k.rsplit("#", 1)[1]) for k in result.best_params} if (
        result.best == "ensemble") else set()
    assert not members & left_out
    assert result.predict(df.head(5)).shape == (5,)

