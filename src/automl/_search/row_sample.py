"""Trials on growing row samples, for large tables (FLAML's sample growth): each model's trials
start on a sample of the training part, and its sample grows by :data:`GROWTH` until it is the
whole training part, so that a large table gets many cheap trials before a few full ones, and
a model that is slow on the table stays on a sample while a fast one grows.

The training part is already shuffled by the held-out split, so each sample is its first rows:
a random sample, and each contains the one before. Every trial is scored on the same held-out
rows whatever its sample, so scores compare across sizes. A model's sample grows when

- at the first size, every model has had its first trial (its first default, see
  :func:`automl._search.trial_space.initial_plan`),
- its best trial is among the :data:`GROW_TOP` best models' (cheap, weak models stay small),
- the search has spent, since the model's sample last grew, as long as that best trial is
  expected to take at the next size (:meth:`automl._search.records.TrialRecord.seconds_at`: the
  fit scales with the rows, the scoring not), and that expected time fits in the time left.

On growing, the model's best parameters are tried first at the new size, as FLAML does. While
the best trial is one on a sample, the search keeps no time back for refitting it on all rows
(extrapolated from a small sample, that estimate stopped the search after five trials on the
scale probe): the time goes to trials on the growing samples, and the winner is refitted on all
rows (:mod:`automl._final.final_model`) only where time is left. A winner fitted on the
whole training part keeps its reserve, as on any table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: training parts larger than this start on samples; below it every trial takes all rows
SAMPLE_ABOVE = 100_000
#: FLAML's first sample too; on benchmarks/scale_probe.py a first sample of 25,000 rows scored
#: the same (test ROC AUC 0.8392 against 0.8389) but its first trials took twice as long
FIRST_SAMPLE = 10_000
GROWTH = 4
#: only the models with the best few trials grow
GROW_TOP = 3


@dataclass
class SampleLadder:
    """The rows each model's trials fit on now, of the ``full`` training part: ``sizes`` by
    model name (:data:`FIRST_SAMPLE` for a model not in it), ``spent`` the seconds of every
    trial so far, and ``marks`` the value ``spent`` had when each model's sample last grew."""

    full: int
    sizes: dict[str, int] = field(default_factory=dict)
    spent: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)

    @classmethod
    def for_rows(cls, full: int) -> SampleLadder | None:
        """A ladder for a training part of ``full`` rows, or None where every trial should
        take all of them."""
        return cls(full) if full > SAMPLE_ABOVE else None

    def rows(self, model: str) -> int:
        """The rows ``model``'s trials fit on now."""
        return min(self.sizes.get(model, FIRST_SAMPLE), self.full)

    def whole(self, model: str) -> bool:
        """Whether ``model``'s trials now take the whole training part."""
        return self.rows(model) >= self.full

    def take(self, model: str, X: Any, y: np.ndarray) -> tuple[Any, np.ndarray]:
        """``model``'s current sample of the training rows ``X`` and target ``y``."""
        if self.whole(model):
            return X, y
        rows = self.rows(model)
        return X.iloc[:rows], y[:rows]

    def next_rows(self, model: str) -> int:
        """``model``'s sample size after its next growth."""
        return min(self.rows(model) * GROWTH, self.full)

    def spend(self, seconds: float) -> None:
        """Count the ``seconds`` one more trial took."""
        self.spent += seconds

    def grow(self, model: str, expected: float, left: float, plan_done: bool) -> bool:
        """Grow ``model``'s sample when the rule of the module says so: ``expected`` is what
        its best trial is expected to take at the next size, ``left`` the seconds left for
        trials, ``plan_done`` whether every model has had its first trial. The caller has
        checked that the model is among the best few. Returns whether the sample grew."""
        if self.whole(model) or (self.rows(model) == FIRST_SAMPLE and not plan_done):
            return False
        if self.spent - self.marks.get(model, 0.0) < expected or expected > left:
            return False
        self.sizes[model], self.marks[model] = self.next_rows(model), self.spent
        return True
