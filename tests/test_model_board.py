"""``FitResult.leaderboard_on(df)``: every kept model scored on labelled rows it never saw."""

from __future__ import annotations

import numpy as np
import pytest

import automl


def test_every_kept_model_is_scored_on_new_rows(credit, tmp_path):
    frame = credit.sample(frac=1.0, random_state=2).reset_index(drop=True)
    train, test = frame.iloc[:2500], frame.iloc[2500:]
    result = automl.fit(train, "Status", time_budget=8, seed=0, verbose=0)
    board = result.leaderboard_on(test)
    assert list(board.columns) == ["model", "kept", "held_out_roc_auc", "roc_auc"]
    assert board["roc_auc"].is_monotonic_decreasing  # best first
    assert np.isfinite(board["roc_auc"]).all()
    candidates = board[board.kept == "candidate"]
    assert len(candidates) >= 2 and candidates.model.str.contains("#").all()
    returned = board[board.kept == "returned"].iloc[0]
    assert returned.model == result.best
    assert returned.roc_auc == pytest.approx(result.score(test))
    # each candidate's held-out score is the one the search ranked it by
    trials = result.leaderboard.set_index("trial")
    for row in candidates.itertuples():
        assert row.held_out_roc_auc == pytest.approx(trials.loc[int(row.model.split("#")[1]),
                                                                "roc_auc"])
    # another metric, and a loaded model: the two models it carries
    by_accuracy = result.leaderboard_on(test, metric="accuracy")
    assert by_accuracy["accuracy"].between(0.5, 1).all()
    loaded = automl.load(result.save(tmp_path / "credit"))
    assert set(loaded.leaderboard_on(test).kept) <= {"returned", "deployed"}
