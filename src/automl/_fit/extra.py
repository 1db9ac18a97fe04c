"""More time for a finished fit: ``FitResult.fit_extra`` goes on with the search kept in memory
(the Optuna study, every finished trial and its fitted candidate, the sample sizes reached),
then chooses, refits and deploys the model again as the fit did.

Nothing is tried twice that was tried: the study asks its sampler for new trials knowing all the
finished ones, and the trial numbers go on from the last. The trials' clock goes on too, so
the leaderboard and the progress plot read as one search. A search shared through an Optuna
storage lives in the storage, not here: ``fit(storage=..., resume=True)`` continues it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from automl.errors import ConfigurationError

if TYPE_CHECKING:
    from automl._fit.stages import Finishing
    from automl._result.result import FitResult
    from automl._search.search import Search


@dataclass
class Continuation:
    """A fit's search as it ended, and what the stages after it need."""

    search: Search
    finishing: Finishing

    def extend(self, time_budget: float, n_trials: int | None, verbose: int,
               spent: float) -> FitResult:
        """Search for ``time_budget`` more seconds (or ``n_trials`` more trials) and finish;
        ``spent``: the seconds the fit so far took, where the trials' clock goes on from."""
        from automl._contract.plugins import notify
        from automl._fit.api import OVERRUN_FRACTION
        from automl._fit.stages import finish_fit
        from automl._search.progress import Progress
        from automl._search.search import searched

        _check(time_budget, n_trials)
        now = time.monotonic()
        started = now - spent
        deadline, hard_deadline = now + time_budget, now + time_budget * (1 + OVERRUN_FRACTION)
        progress = Progress(verbose, started, budget=spent + time_budget)
        outcome = self.search.outcome
        progress.say(f"going on with the search: {len(outcome.trials)} trials so far, "
                     f"{time_budget:g} s more")
        self.search.extend(deadline, hard_deadline, n_trials, progress)
        with progress:
            outcome = searched(self.search)
            result = finish_fit(self.finishing, outcome, started, deadline, hard_deadline,
                                progress)
        result.continuation = self
        notify("on_fit_end", result=result)
        return result


def _check(time_budget: object, n_trials: object) -> None:
    if isinstance(time_budget, bool) or not isinstance(time_budget, int | float) or not (
            time_budget > 0):
        raise ConfigurationError(f"time_budget={time_budget!r}: give a positive number of "
                                 f"seconds to search for")
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                 or n_trials < 1):
        raise ConfigurationError(f"n_trials={n_trials!r}: give a positive integer or None")
