"""Every model a fit kept, scored on labelled rows it never saw (``FitResult.leaderboard_on``),
as AutoGluon's ``leaderboard(test_data)`` does: the held-out score ranked the trials, and new
rows say whether that ranking holds.

The kept models are the search's candidates for the ensemble (the best trials of each model and
those the ensemble selection picked, fitted on the training part or as bags of fold models),
the model the fit returned and the deployed one. The candidates stay in memory with the result
and are not saved: a loaded model compares the two it carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from automl._contract.metrics import score_model
from automl._features.target_transform import ScaledTargetModel

if TYPE_CHECKING:
    from automl._contract.records import SearchOutcome
    from automl._result.result import FitResult
    from automl._search.search import SearchSetup

__all__ = ["board_on", "kept_models"]


def kept_models(setup: SearchSetup, outcome: SearchOutcome) -> dict[str, tuple[Any, float]]:
    """The search's candidates by "model#trial": each model, predicting on the target's own
    scale, with its held-out score."""
    scale = setup.target_scale
    return {f"{c.record.model}#{n}": (c.pipeline if scale is None
                                      else ScaledTargetModel(c.pipeline, scale),
                                      float(c.record.score))  # type: ignore[arg-type]
            for n, c in sorted(outcome.candidates.items())}


def board_on(result: FitResult, df: pd.DataFrame, metric: Any = None) -> pd.DataFrame:
    """One row per kept model: ``model`` ("model#trial", or the returned model's and the
    deployed model's names), ``kept`` ("candidate", "returned" or "deployed"), its
    ``held_out`` score and its score on ``df`` under the column named for the metric, best
    first on ``df``."""
    m = result.scoring_metric if metric is None else result.resolved(metric)
    labelled = result.labelled_rows(df)
    X = result._features(labelled, "scoring data")
    y = result._encode(labelled[result.feature_schema.target])
    entries = [(name, "candidate", model, held)
               for name, (model, held) in result.kept_models.items()]
    entries.append((result.best, "returned", result.pipeline, result.valid_score))
    if result.deployed is not None and result.deployed.model is not None:
        entries.append(("deployed", "deployed", result.deployed.model,
                        result.deployed.valid_score))
    rows = []
    for name, kept, model, held in entries:
        rows.append({"model": name, "kept": kept, f"held_out_{result.metric}": held,
                     m.name: float(score_model(m, model, X, y))})
    board = pd.DataFrame(rows)
    return board.sort_values(m.name, ascending=not m.greater_is_better, kind="stable",
                             na_position="last").reset_index(drop=True)
