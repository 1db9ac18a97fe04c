"""Where a fit's search runs (:class:`Searcher`): in this process (:class:`LocalSearcher`,
the default), or shared with ``automl worker`` processes through an Optuna storage
(:class:`automl._distributed.leader.SharedSearcher`, with ``fit(storage=...)``). The fit calls
the one it was given the same way, so the shared search's branch lives whole in
:mod:`automl._distributed`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from automl._search.search import Search, searched, start_search

if TYPE_CHECKING:
    from automl._cleaning.steps import Cleaning
    from automl._contract.records import SearchOutcome
    from automl._data.split import Validation
    from automl._features.target_transform import TargetScale
    from automl._search.progress import Progress
    from automl._search.search import SearchSetup
    from automl._search.settings import SearchSettings


class Searcher(Protocol):
    """Runs a fit's search until its deadline."""

    def validation(self, requested: str) -> str:
        """The validation the search will use for ``fit(validation=requested)`` ("auto",
        "holdout" or "cv"): a resumed shared search keeps its study's."""

    def search(self, setup: SearchSetup, settings: SearchSettings, cleaning: Cleaning,
               scale: TargetScale | None, folds: Validation, *, deadline: float,
               hard_deadline: float, progress: Progress) -> tuple[Search | None, SearchOutcome]:
        """Search until ``deadline``; returns the search kept in memory for
        ``FitResult.fit_extra`` (None: it lives elsewhere) and its outcome."""


class LocalSearcher:
    """The search in this process, in memory, kept with the result so that
    ``FitResult.fit_extra`` can go on with it."""

    def validation(self, requested: str) -> str:
        """As requested."""
        return requested

    def search(self, setup: SearchSetup, settings: SearchSettings, cleaning: Cleaning,
               scale: TargetScale | None, folds: Validation, *, deadline: float,
               hard_deadline: float, progress: Progress) -> tuple[Search | None, SearchOutcome]:
        """:func:`start_search`, then its outcome."""
        search = start_search(setup, folds, deadline=deadline, hard_deadline=hard_deadline,
                              n_trials=settings.n_trials, progress=progress)
        return search, searched(search)
