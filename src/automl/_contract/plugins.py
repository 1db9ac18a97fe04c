"""The plugin manager: finds plugins through the ``automl`` entry-point group and collects what
they register, reporting a broken plugin by name instead of failing.

The built-ins are entry points of the core distribution itself, so they take the same path as
every third-party plugin. ``AUTOML_LOAD_PLUGINS`` controls autoloading of third-party plugins:
unset loads all; an empty value loads none; a comma-separated list loads only those entry-point
names. The core's own plugins are always loaded.

Hooks are called through pluggy's hook callers, in pluggy's order (``tryfirst``/``trylast``,
else the last registered first; the built-ins' ``register_*`` hooks are ``tryfirst``, so a
plugin cannot take a built-in's name), with every wrapper around each call. Each plugin's
implementation is called on its own (:func:`hook_callers`), so that one that raises costs only
its own registrations or observation. ``AUTOML_TRACE_PLUGINS=1`` writes pluggy's trace of every
hook call to standard error.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from automl._contract import hookspecs
from automl._contract.spec_checks import spec_problems
from automl._contract.specs import CleanerSpec, Metric, ModelSpec, PreprocessorSpec, TunerSpec
from automl.errors import PluginError

ENTRY_POINT_GROUP = "automl"
CORE_DISTRIBUTION = "automl"
ENV_VAR = "AUTOML_LOAD_PLUGINS"
#: set (to anything but "" or "0"), pluggy's trace of every hook call goes to standard error
TRACE_VARIABLE = "AUTOML_TRACE_PLUGINS"

_KINDS: dict[str, tuple[str, type]] = {
    "model": ("register_models", ModelSpec),
    "preprocessor": ("register_preprocessors", PreprocessorSpec),
    "cleaner": ("register_cleaners", CleanerSpec),
    "tuner": ("register_tuners", TunerSpec),
    "metric": ("register_metrics", Metric),
}


@dataclass
class PluginInfo:
    """One entry point of the ``automl`` group: where it comes from, whether it loaded, what
    it registered (kind -> names) and the hooks it implements (their names, sorted)."""

    name: str
    distribution: str
    version: str
    builtin: bool
    error: str | None = None
    registered: dict[str, list[str]] = field(default_factory=dict)
    hooks: list[str] = field(default_factory=list)


@dataclass
class Registry:
    """Everything the loaded plugins registered, by kind and name, plus the problems met."""

    models: dict[str, ModelSpec] = field(default_factory=dict)
    preprocessors: dict[str, PreprocessorSpec] = field(default_factory=dict)
    tuners: dict[str, TunerSpec] = field(default_factory=dict)
    cleaners: dict[str, CleanerSpec] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def of_kind(self, kind: str) -> dict[str, Any]:
        """The mapping for ``kind`` ("model", "preprocessor", "cleaner", "tuner" or
        "metric")."""
        kinds: dict[str, dict[str, Any]] = {
            "model": self.models, "preprocessor": self.preprocessors, "cleaner": self.cleaners,
            "tuner": self.tuners, "metric": self.metrics}
        return kinds[kind]


class _Manager:
    """Holds the one pluggy PluginManager of the process and the entry points it loaded."""

    def __init__(self) -> None:
        self.pm: pluggy.PluginManager | None = None
        self.infos: dict[str, PluginInfo] = {}

    def reset(self) -> None:
        self.pm = None
        self.infos = {}


_manager = _Manager()


def _wanted(ep: EntryPoint, builtin: bool) -> bool:
    if builtin:
        return True
    setting = os.environ.get(ENV_VAR)
    if setting is None:
        return True
    return ep.name in {s.strip() for s in setting.split(",") if s.strip()}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, loading the entry points on first use.

    A plugin that fails to import is recorded (see :func:`plugin_infos`) and skipped.
    """
    if _manager.pm is not None:
        return _manager.pm
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        dist_name = dist.name if dist is not None else "?"
        builtin = dist_name == CORE_DISTRIBUTION
        if not _wanted(ep, builtin) or ep.name in infos:
            continue
        info = PluginInfo(ep.name, dist_name, dist.version if dist else "?", builtin)
        infos[ep.name] = info
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must never take automl down
            info.error = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"automl plugin {ep.name!r} ({dist_name}) failed to load and is "
                          f"skipped: {info.error}", stacklevel=2)
    _drop_unknown_hooks(pm, infos)
    pm.check_pending()  # what is left implements only automl's hooks
    if os.environ.get(TRACE_VARIABLE, "") not in ("", "0"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    _manager.pm, _manager.infos = pm, infos
    return pm


def _drop_unknown_hooks(pm: pluggy.PluginManager, infos: dict[str, PluginInfo]) -> None:
    """Unregister each plugin that implements a hook automl does not have (a misspelled
    ``register_model``, say: pluggy's ``check_pending`` case), recording why: its other hooks
    would run without the one it meant."""
    known = sorted(n for n in dir(hookspecs) if n.startswith(("register_", "on_")))
    for hook_name in [n for n in vars(pm.hook) if not n.startswith("_")]:
        caller = getattr(pm.hook, hook_name)
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if impl.optionalhook or pm.get_plugin(impl.plugin_name) is None:
                continue
            pm.unregister(name=impl.plugin_name)
            info = infos.get(impl.plugin_name)
            problem = (f"hook {hook_name!r} is not an automl hook (misspelled?); the hooks "
                       f"are {', '.join(known)}")
            if info is not None:
                info.error = problem
            warnings.warn(f"automl plugin {impl.plugin_name!r} is skipped: {problem}",
                          stacklevel=3)


def register_plugin(plugin: object, name: str) -> None:
    """Register an in-process plugin object (tests, notebooks); it acts like an entry point."""
    pm = get_plugin_manager()
    pm.register(plugin, name=name)
    _manager.infos[name] = PluginInfo(name, "(in process)", "", False)
    _drop_unknown_hooks(pm, _manager.infos)


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` or loaded from an entry point."""
    pm = get_plugin_manager()
    plugin = pm.get_plugin(name)
    if plugin is not None:
        pm.unregister(plugin, name=name)
    _manager.infos.pop(name, None)


def reload_plugins() -> None:
    """Forget loaded plugins so the next use scans entry points again (after an install)."""
    _manager.reset()


def collect() -> Registry:
    """Call every ``register_*`` hook, plugin by plugin, and gather the specs.

    A plugin whose hook raises or registers something invalid or a duplicate name is recorded in
    ``Registry.errors`` and the rest of its registrations are kept; a spec whose fields are
    wrong (:func:`automl._contract.spec_checks.spec_problems`) is skipped, and the plugin's later
    registrations go on.
    """
    pm = get_plugin_manager()
    reg = Registry()
    for kind, (hook_name, spec_type) in _KINDS.items():
        target = reg.of_kind(kind)
        for plugin, call in hook_callers(pm, hook_name):
            _call_register(call, kind, spec_type, plugin, target, reg)
    for name, info in _manager.infos.items():
        if info.error:
            reg.errors.setdefault(name, info.error)
    return reg


def hook_callers(pm: pluggy.PluginManager, hook_name: str
                ) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Each plugin implementing ``hook_name``, in pluggy's call order, with a hook caller that
    holds its implementation and every wrapper of the hook (pluggy's subset hook caller)."""
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    plain = [i for i in impls if not (i.hookwrapper or i.wrapper)]
    for impl in reversed(plain):  # pluggy calls the list from its end
        others = [i.plugin for i in plain if i.plugin is not impl.plugin]
        yield impl.plugin_name, pm.subset_hook_caller(hook_name, remove_plugins=others)


def _call_register(function: Callable, kind: str, spec_type: type[Any], plugin: str,
                   target: dict[str, Any], reg: Registry) -> None:
    def register(spec: Any) -> None:
        if not isinstance(spec, spec_type):
            raise PluginError(f"register() for {kind}s takes a {spec_type.__name__}, "
                              f"got {type(spec).__name__}")
        problems = spec_problems(spec)
        if problems:  # this spec is skipped; the plugin's other registrations go on
            _note(reg, plugin, f"{kind} {spec.name!r} is skipped: {'; '.join(problems)}")
            return
        if spec.name in target:
            owner = reg.owners[(kind, spec.name)]
            raise PluginError(f"{kind} {spec.name!r} is already registered by {owner!r}")
        target[spec.name] = spec
        reg.owners[(kind, spec.name)] = plugin

    try:
        function(register=register)
    except Exception as exc:
        _note(reg, plugin, f"{type(exc).__name__}: {exc}")


def _note(reg: Registry, plugin: str, problem: str) -> None:
    """Add ``problem`` to what ``plugin``'s error says, keeping what it said before."""
    reg.errors[plugin] = f"{reg.errors[plugin]}; {problem}" if plugin in reg.errors else problem


def plugin_infos() -> list[PluginInfo]:
    """Every plugin found, built-ins first, with what each registered and any load error."""
    reg = collect()
    infos = dict(_manager.infos)
    pm = get_plugin_manager()
    for name, info in infos.items():
        plugin = pm.get_plugin(name)
        callers = pm.get_hookcallers(plugin) if plugin is not None else None
        info.hooks = sorted(caller.name for caller in callers or ())
    for (kind, name), owner in reg.owners.items():
        registered = infos.get(owner)
        if registered is not None:
            registered.registered.setdefault(kind, [])
            if name not in registered.registered[kind]:
                registered.registered[kind].append(name)
    for name, err in reg.errors.items():
        if name in infos and infos[name].error is None:
            infos[name].error = err
    return sorted(infos.values(), key=lambda i: (not i.builtin, i.name))


def notify(hook_name: str, **kwargs: Any) -> None:
    """Call an observer hook on every plugin, through its hook caller; an observer that raises
    becomes a warning, and the others are still called."""
    pm = get_plugin_manager()
    for plugin, call in hook_callers(pm, hook_name):
        try:
            call(**kwargs)
        except Exception as exc:
            warnings.warn(f"automl plugin {plugin!r} raised in {hook_name}: "
                          f"{type(exc).__name__}: {exc}", stacklevel=2)
