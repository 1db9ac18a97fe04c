"""What a search was asked for, as plain data: enough to rebuild the same
:class:`~automl._search.search.SearchSetup` in another process from that process's own plugins (a
worker of a shared search), since the setup itself holds the plugins' functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from automl._cleaning.steps import Cleaning, Preparation, select_preparation
from automl._contract.metrics import Metric, get_metric, on_labels
from automl._contract.plugins import Registry
from automl._contract.specs import Task
from automl._features.target_transform import TargetScale
from automl._search.search import SearchSetup
from automl.errors import ConfigurationError


@dataclass
class SearchSettings:
    """The resolved choices of a fit: the model names searched, the tuner, the metric, the
    task, the feature columns by kind, the seed, the holiday country, the cleaning steps and
    preprocessors switched off and on, the trial limit, the validation ("holdout" or
    "cv", as resolved from "auto") and the classes in index order (for a metric that scores
    the original labels)."""

    models: list[str]
    tuner: str
    metric: str
    task: str
    columns: dict[str, list[str]]
    seed: int = 0
    country: str | None = None
    disable: list[str] | None = None
    enable: list[str] | None = None
    n_trials: int | None = None
    validation: str = "holdout"
    classes: list | None = None

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data (the study records them)."""
        return asdict(self)

    def setup(self, registry: Registry, cleaning: Cleaning,
              target_scale: TargetScale | None,
              preparation: Preparation | None = None,
              metric: Metric | None = None) -> SearchSetup:
        """The search setup from ``registry``'s plugins (the names were checked by the fit that
        resolved them); ``cleaning`` (fitted) offers the per-trial choices; ``metric``: the
        fit's own metric object, where no name finds it (else the metric by name). A model or tuner
        this process lacks is a :class:`~automl.errors.ConfigurationError` that names the
        plugins to install."""
        task = Task(self.task)
        missing = sorted(set(self.models) - set(registry.models))
        if missing or self.tuner not in registry.tuners:
            raise ConfigurationError(
                f"this process lacks the plugins of the search: models {missing}"
                f"{'' if self.tuner in registry.tuners else f', tuner {self.tuner!r}'}; "
                f"install the same automl plugins as the fit that started it "
                f"(see `automl plugins`)")
        chosen = preparation or select_preparation(registry.cleaners, registry.preprocessors,
                                                   self.disable, self.enable)
        return SearchSetup({n: registry.models[n] for n in self.models}, chosen.preprocessors,
                           registry.tuners[self.tuner],
                           metric or on_labels(get_metric(self.metric, task), self.classes),
                           task, self.columns, self.seed, target_scale,
                           cleaning.search_choices(), self.country, chosen.switched_off)
