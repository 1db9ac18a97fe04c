"""The record of the deployed model (:class:`Deployment`): what a fit saves of it and what
``automl.load`` reads back. How it is chosen is :mod:`automl._final.deployment`'s concern; this
module needs none of the search, so that loading a model needs none either."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from automl._final.calibration import Calibration
from automl._final.intervals import Conformal
from automl._final.scoring import Scored
from automl._final.threshold import DecisionThreshold

#: the name the deployed model goes by in the leaderboard
DEPLOYED_NAME = "deployed"


@dataclass
class Deployment:
    """The deployed model and what it is: its members ("model#trial" to weight), whether
    fold bags were collapsed (``collapsed``) and every member refitted on all rows
    (``refitted``), its held-out score (out of fold with cross-validation) with its skill,
    its seconds per single-row prediction (the sum of its members' measured ones: timing the
    ensemble again cost up to half a second of a 5 s fit) and the bound it was chosen under,
    each member's own measured seconds per row, and its held-out predictions as drift monitoring
    compares them (:func:`automl._final.reference.prediction_signal`), and whether it keeps to the
    bound (``within_limit``: False where keeping to it would have cost more than
    ``SKILL_TOLERANCE`` of held-out skill), and for a classifier what temperature scaling did
    (:mod:`automl._final.calibration`; ``valid_score`` is before it, ``held_out`` and
    ``valid_signal`` after, cross-fitted), and the decision threshold tuned for it
    (``decision``, :mod:`automl._final.threshold`); for a regressor its held-out residuals
    (``conformal``, :mod:`automl._final.intervals`). ``model`` is None in the record a served result
    keeps of it (the model itself is then the result's pipeline)."""

    model: Any
    params: dict[str, float]
    valid_score: float
    seconds_per_row: float
    infer_limit: float | None
    collapsed: bool
    refitted: bool
    member_seconds: dict[str, float] = field(default_factory=dict)
    held_out: Scored | None = None
    valid_signal: np.ndarray | None = None
    within_limit: bool = True
    calibration: Calibration | None = None
    decision: DecisionThreshold | None = None
    conformal: Conformal | None = None

    @property
    def model_names(self) -> list[str]:
        """The registered models the deployed model is made of."""
        return sorted({member.rsplit("#", 1)[0] for member in self.params})

    def describe(self) -> dict[str, Any]:
        """A JSON-ready record (saved in the metadata, answered by the service's /metadata)."""
        return {"members": self.params, "valid_score": self.valid_score,
                "ms_per_row": round(self.seconds_per_row * 1000, 3),
                "infer_limit_ms": None if self.infer_limit is None
                else round(self.infer_limit * 1000, 3),
                "within_limit": self.within_limit,
                "collapsed": self.collapsed, "refitted": self.refitted,
                "temperature": None if self.calibration is None
                else self.calibration.temperature,
                "calibration": None if self.calibration is None or not self.calibration.applied
                else self.calibration.method,
                "threshold": None if self.decision is None or not self.decision.applied
                else self.decision.threshold,
                "member_ms_per_row": {k: round(v * 1000, 3)
                                      for k, v in self.member_seconds.items()}}
