"""Resolving the user's choice of models and tuner against what the plugins registered."""

from __future__ import annotations

import warnings

from automl._contract.plugins import Registry
from automl._contract.specs import ALL_MODELS, ModelSpec, Task, TunerSpec
from automl.errors import ConfigurationError, PluginError


def select_models(registry: Registry, names: list[str] | str | None,
                  task: Task) -> dict[str, ModelSpec]:
    """The models to search: those named (each must exist and handle ``task``); with None,
    every registered model that handles it and is searched by default
    (``ModelSpec.by_default``); with "all", every registered model that handles it."""
    _warn_plugin_errors(registry)
    if isinstance(names, str):
        names = [names]
    every = names is not None and list(names) == [ALL_MODELS]
    if names is None or every:
        chosen = {n: m for n, m in registry.models.items()
                  if m.supports(task) and (every or m.by_default)}
        if not chosen:
            named_only = sorted(n for n, m in registry.models.items() if m.supports(task))
            hint = (f" by default; {named_only} do when named in models=" if named_only
                    else "; see `automl plugins`")
            raise PluginError(f"no registered model handles a {task} task{hint}")
        return chosen
    unknown = [n for n in names if n not in registry.models]
    if unknown:
        raise ConfigurationError(f"models={unknown} are not registered; registered models are "
                                 f"{sorted(registry.models)} (see `automl plugins`)")
    unfit = [n for n in names if not registry.models[n].supports(task)]
    if unfit:
        raise ConfigurationError(f"models={unfit} do not handle a {task} task")
    return {n: registry.models[n] for n in dict.fromkeys(names)}


def select_tuner(registry: Registry, name: str) -> TunerSpec:
    """The tuner called ``name``."""
    if name not in registry.tuners:
        raise ConfigurationError(f"tuner={name!r} is not registered; use one of "
                                 f"{sorted(registry.tuners)}")
    return registry.tuners[name]


def _warn_plugin_errors(registry: Registry) -> None:
    for plugin, error in registry.errors.items():
        # the error says what was left out: the whole plugin (it failed to load), or the specs
        # it registered after its hook raised, or one malformed spec
        warnings.warn(f"automl plugin {plugin!r}: {error}", stacklevel=4)
