"""Is the model overfitting? Scores on the training rows, the held-out rows and new test rows,
put on one scale (skill) and read into a verdict in plain words.

Skill puts any metric on one scale: 0 is what a constant prediction scores on the same rows
(the class shares, or the mean), 1 is a perfect prediction. It is what makes an RMSE gap and an
AUC gap comparable, and "how much better than guessing" is what a person wants to know.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from automl._final.scoring import Scored

#: below this skill on its own training rows, the model has learnt little: underfit
UNDERFIT_SKILL = 0.1
#: a train-to-test drop in skill past this is overfitting
OVERFIT_GAP = 0.2
#: the held-out score was optimistic when test skill falls this far below it
OPTIMISM_GAP = 0.05


@dataclass
class Diagnosis:
    """The verdict ("underfit", "good" or "overfit"), the sentences that explain it, and the
    scores it was read from, by set ("train", "held_out", "test")."""

    verdict: str
    explanation: list[str]
    scores: dict[str, Scored]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"verdict": self.verdict, "explanation": self.explanation,
                "scores": {k: asdict(v) for k, v in self.scores.items()}}


def diagnose(metric: str, train: Scored | None, held_out: Scored | None,
             test: Scored) -> Diagnosis:
    """Read the train, held-out and test scores into a verdict.

    - underfit: skill below ``UNDERFIT_SKILL`` even on the training rows;
    - overfit: skill drops by more than ``OVERFIT_GAP`` from the training rows to the test rows;
    - good otherwise. A held-out score well above the test score is reported too: the search
      chose the model by it, so it was optimistic.
    """
    scores = {"train": train, "held_out": held_out, "test": test}
    scores = {k: v for k, v in scores.items() if v is not None}
    words = [f"{metric} on new rows: {test.score:.4g}, skill {test.skill:.2f} (0 is a constant "
             f"guess, 1 is perfect)."]
    if train is None or not math.isfinite(train.skill) or not math.isfinite(test.skill):
        words.append("Not enough to judge overfitting: the train score is not known.")
        return Diagnosis("unknown", words, scores)
    gap = train.skill - test.skill
    if train.skill < UNDERFIT_SKILL:
        verdict = "underfit"
        words.append(f"Underfit: even on its training rows it scores {train.score:.4g} (skill "
                     f"{train.skill:.2f}), barely better than a constant guess. Add informative "
                     f"features or give the search more time for more flexible models.")
    elif gap > OVERFIT_GAP:
        verdict = "overfit"
        words.append(f"Overfit: {train.score:.4g} on its training rows (skill {train.skill:.2f}) "
                     f"but {test.score:.4g} on new rows: it memorises much of what it was shown. "
                     f"More rows, fewer features or a longer search (which favours regularised "
                     f"models) should help.")
    else:
        verdict = "good"
        words.append(f"Good: {train.score:.4g} on its training rows and {test.score:.4g} on new "
                     f"rows, a gap of {gap:.2f} in skill.")
    held = held_out
    if held is not None and math.isfinite(held.skill) and held.skill - test.skill > OPTIMISM_GAP:
        words.append(f"The held-out score the search chose it by ({held.score:.4g}) was "
                     f"optimistic: expect about {test.score:.4g} on new data.")
    elif held is not None:
        words.append(f"The held-out score ({held.score:.4g}) agrees with the test score: it was "
                     f"an honest estimate.")
    return Diagnosis(verdict, words, scores)
