"""``FitResult.fit_extra``: the in-memory search goes on, keeping every finished trial."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

import automl
from automl.errors import ConfigurationError


def _trials(board):
    done = board[board["model"] != "ensemble"]
    return {int(row.trial): (row.model, repr(row.params), row.status)
            for row in done.itertuples()}


def test_fit_extra_adds_trials_and_keeps_every_finished_one(credit, split, tmp_path):
    train, test = split(credit, "Status")
    result = automl.fit(train, "Status", time_budget=3, seed=0, verbose=0)
    before = _trials(result.leaderboard)
    best_before = result.leaderboard.loc[result.leaderboard["model"] != "ensemble",
                                         "roc_auc"].max()
    assert result.fit_extra(time_budget=4, verbose=0) is result
    after = _trials(result.leaderboard)
    added = set(after) - set(before)
    assert added and min(added) > max(before)  # the numbering goes on
    assert {n: after[n] for n in before} == before  # every earlier trial kept as it was
    assert len(result.leaderboard["trial"]) == len(set(result.leaderboard["trial"]))
    best_after = result.leaderboard.loc[result.leaderboard["model"] != "ensemble",
                                        "roc_auc"].max()
    assert best_after >= best_before
    assert 0.75 < result.score(test) < 1.0
    ended = result.leaderboard.set_index("trial")["ended_seconds"]
    assert ended[min(added)] >= ended[max(before)]  # one clock for the whole search

    result.fit_extra(time_budget=30, n_trials=2, verbose=0)
    assert len(_trials(result.leaderboard)) == len(after) + 2
    restored = automl.load(result.save(tmp_path / "longer"))
    with pytest.raises(ConfigurationError, match="keeps its search"):
        restored.fit_extra(time_budget=1)
    unpickled = pickle.loads(pickle.dumps(result))  # the search stays in this process
    assert unpickled.continuation is None and result.continuation is not None
    np.testing.assert_array_equal(unpickled.predict(test), result.predict(test))
    with pytest.raises(ConfigurationError, match="time_budget=0"):
        result.fit_extra(time_budget=0)


def test_the_guides_example_runs(capsys):
    """The fit_extra block of docs/guide/search.md runs as written (with shorter budgets)."""
    guide = (Path(__file__).parents[1] / "docs" / "guide" / "search.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    assert len(blocks) == 1
    exec(compile(blocks[0].replace("time_budget=5", "time_budget=3")
                 .replace("time_budget=10", "time_budget=3"), "search.md", "exec"), {})
    first, second = capsys.readouterr().out.strip().splitlines()
    assert int(second.split()[0]) > int(first.split()[0])
