"""The leaderboard: a fit's trials as a table, best first."""

from __future__ import annotations

import pandas as pd

from automl._contract.records import TrialRecord
from automl._final.deployed import Deployment

__all__ = ["make_leaderboard"]


def make_leaderboard(trials: list[TrialRecord], metric: str, greater_is_better: bool,
                     deployed: Deployment | None = None) -> pd.DataFrame:
    """Trials as a DataFrame, best first: completed trials by score, then the others;
    ``ended_seconds`` is when each ended, in seconds since the fit started, and ``worker``
    the process that ran it in a shared search (None in a search of one process), ``rows``
    the training rows it was fitted on when a large table's trial took a sample of them (None:
    all of them, see :mod:`automl._search.row_sample`). With the ``deployed`` model,
    ``served`` marks the trials it is made of and ``ms_per_row`` gives each one's measured
    single-row prediction time as deployed (collapsed to one model)."""
    costs = {} if deployed is None else deployed.member_seconds
    served = set() if deployed is None else set(deployed.params)
    rows = []
    for t in trials:
        key = f"{t.model}#{t.number}"
        rows.append({"model": t.model, metric: t.score, "fit_seconds": round(t.fit_seconds, 3),
                     "status": t.status, "params": t.params, "trial": t.number,
                     "error": t.error, "ended_seconds": t.ended_seconds, "worker": t.worker,
                     "rows": t.rows, "served": key in served,
                     "ms_per_row": round(costs[key] * 1000, 3) if key in costs else None})
    board = pd.DataFrame(rows, columns=["model", metric, "fit_seconds", "status", "params",
                                        "trial", "error", "ended_seconds", "worker", "rows",
                                        "served", "ms_per_row"])
    done = board["status"] == "complete"
    ranked = board[done].sort_values([metric, "trial"], ascending=[not greater_is_better, True],
                                     kind="stable")
    return pd.concat([ranked, board[~done]]).reset_index(drop=True)
