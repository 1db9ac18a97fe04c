"""Trials on growing row samples: the ladder's rule, and a real fit whose early trials take
samples while the winner is refitted on all rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import automl
from automl._contract.records import TrialRecord
from automl._search import row_sample
from automl._search.row_sample import FIRST_SAMPLE, GROWTH, SAMPLE_ABOVE, SampleLadder


def test_small_training_parts_take_every_row():
    assert SampleLadder.for_rows(SAMPLE_ABOVE) is None
    ladder = SampleLadder.for_rows(SAMPLE_ABOVE + 1)
    assert ladder is not None and ladder.rows("lightgbm") == FIRST_SAMPLE
    assert not ladder.whole("lightgbm")


def test_take_gives_the_first_rows_of_the_models_sample():
    ladder = SampleLadder(full=10, sizes={"linear": 4})
    X, y = pd.DataFrame({"a": range(10)}), np.arange(10) * 2
    Xs, ys = ladder.take("linear", X, y)
    assert list(Xs["a"]) == [0, 1, 2, 3] and list(ys) == [0, 2, 4, 6]
    ladder.sizes["linear"] = 10
    assert ladder.take("linear", X, y)[0] is X


@pytest.mark.parametrize(("left", "plan_done"), [
    (1000.0, False),  # at the first size, every model has its first trial first
    (7.0, True),  # 8 s expected at the next size do not fit in the 7 s left
])
def test_no_growth_before_the_plan_or_past_the_time_left(left, plan_done):
    ladder = SampleLadder(full=1_000_000)
    ladder.spend(100.0)
    assert not ladder.grow("lightgbm", 8.0, left=left, plan_done=plan_done)
    assert ladder.rows("lightgbm") == FIRST_SAMPLE


def test_a_model_grows_once_the_search_spent_what_it_needs_at_the_next_size():
    ladder = SampleLadder(full=1_000_000)
    ladder.spend(5.0)
    # lightgbm's best is expected to take 8 s at the next size
    assert not ladder.grow("lightgbm", 8.0, left=100.0, plan_done=True)
    ladder.spend(3.0)
    assert ladder.grow("lightgbm", 8.0, left=100.0, plan_done=True)
    assert ladder.rows("lightgbm") == FIRST_SAMPLE * GROWTH
    assert ladder.rows("catboost") == FIRST_SAMPLE  # the others stay where they were
    # the next growth counts from this one: 32 s more at 400,000 rows
    ladder.spend(31.0)
    assert not ladder.grow("lightgbm", 32.0, left=100.0, plan_done=True)
    ladder.spend(1.0)
    assert ladder.grow("lightgbm", 32.0, left=100.0, plan_done=True)


def test_the_last_growth_stops_at_the_whole_training_part():
    ladder = SampleLadder(full=150_000, sizes={"xgboost": 100_000})
    assert ladder.next_rows("xgboost") == 150_000
    ladder.spend(10.0)
    assert ladder.grow("xgboost", 1.5, left=100.0, plan_done=True)
    assert ladder.whole("xgboost")
    ladder.spend(100.0)
    assert not ladder.grow("xgboost", 1.5, left=1000.0, plan_done=True)


def test_a_trials_fit_scales_with_its_rows_and_its_scoring_does_not():
    sampled = TrialRecord(0, "lightgbm", {}, 0.8, 3.0, "complete", rows=25_000,
                          train_seconds=1.0)
    assert sampled.seconds_at(100_000, 750_000) == 3.0 + 1.0 * 3
    whole = TrialRecord(1, "lightgbm", {}, 0.8, 3.0, "complete")
    assert whole.seconds_at(1_000, 750) == 4.0  # every second counted as fitting


def test_a_refit_is_expected_to_take_the_training_alone():
    # k-nearest neighbours: a moment to fit, seconds to score the held-out rows
    knn = TrialRecord(0, "kneighbors", {}, 0.8, 2.0, "complete", train_seconds=0.1)
    assert knn.refit_seconds(1_000, 800) == pytest.approx(0.125)
    # a cross-validated trial trained five fold models: one refit is a fifth, on more rows
    bagged = TrialRecord(1, "lightgbm", {}, 0.8, 6.0, "complete", train_seconds=5.0)
    assert bagged.refit_seconds(1_000, 800, folds=5) == pytest.approx(1.25)
    # unmeasured (a record from an older shared search): every second counted as training
    assert TrialRecord(2, "linear", {}, 0.8, 2.0, "complete").refit_seconds(
        1_000, 800) == pytest.approx(2.5)


@pytest.mark.slow
def test_a_large_table_starts_on_samples_and_the_winner_takes_all_rows(credit, monkeypatch):
    # credit_data's 4,454 rows stand for a large table: samples of 1,000 rows, growing by 2
    monkeypatch.setattr(row_sample, "SAMPLE_ABOVE", 1_000)
    monkeypatch.setattr(row_sample, "FIRST_SAMPLE", 1_000)
    monkeypatch.setattr(row_sample, "GROWTH", 2)
    # n_trials ends the search: with time to spare, the ladder's rule alone decides the sizes
    result = automl.fit(credit, "Status", time_budget=120, n_trials=20, validation="holdout",
                        seed=0, verbose=0)
    board = result.leaderboard
    sampled = board[board["rows"].notna()]
    assert len(sampled) >= 5  # the initial plan ran on the first sample
    assert set(sampled["rows"].astype(int)) <= {1_000, 2_000}
    # each model's completed trials in order of their numbers: its sample never shrinks
    done = board[board["status"] == "complete"].sort_values("trial")
    for model, trials in done.groupby("model"):
        sizes = trials["rows"].fillna(len(credit)).to_numpy()
        assert (np.diff(sizes) >= 0).all(), model
    trials = done[done["model"] != "ensemble"]  # the ensemble is no trial of its own
    assert trials["rows"].isna().any(), "no sample grew to the whole training part"
    assert result.refitted
    assert result.score(credit) > 0.8
