"""A conformance kit for plugin authors, used from their own pytest suite the way scikit-learn's
``parametrize_with_checks`` is::

    import pytest
    from automl.plugin import plugin_checks

    @pytest.mark.parametrize("check", plugin_checks("myplugin"), ids=str)
    def test_conformance(check):
        check()

or all at once with ``check_plugin("myplugin")``. ``"myplugin"`` is the name of the plugin's
entry point in the ``automl`` group. Every kind of thing a plugin registers has its checks, each
independent of the others:

- models (on each task they handle): builds, search space, fits and predicts, pickles, refits
  without held-out rows, is deterministic, and, for a model with its own ``fit``, keeps to its
  deadline (:mod:`automl._kit.model_checks`);
- preprocessors, tuners, metrics, cleaning steps (a one-row frame, every row kept, unreadable
  values left alone, pickling) and observer hooks (called with the arguments their specs name)
  (:mod:`automl._kit.component_checks`).

The checks fit on small real data (scikit-learn's bundled breast cancer, wine and diabetes
tables, with a categorical column and missing values added) through the same pipeline and
custom ``fit`` path the search uses. A failure raises :class:`PluginCheckError` naming the
plugin, the component and the check. A check the plugin knowingly fails is declared with
``expected_failures={"model 'mine' (binary):is deterministic": "why"}``: it is then reported
as an expected failure (pytest's xfail), and as an error once it passes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import optuna

from automl._contract.plugins import Registry, collect, get_plugin_manager, plugin_infos
from automl._kit.component_checks import (
    OBSERVER_HOOKS,
    check_metric,
    check_preprocessor,
    check_tuner,
    cleaner_checks,
    observer_checks,
)
from automl._kit.failure import PluginCheckError
from automl._kit.model_checks import model_checks


@dataclass(frozen=True)
class PluginCheck:
    """One named check of a plugin; call it to run it. ``expected``: the reason it is declared
    an expected failure (None: it must pass)."""

    plugin: str
    subject: str
    name: str
    run: Callable[[], None]
    expected: str | None = None

    @property
    def key(self) -> str:
        """How ``expected_failures`` names this check: ``"<subject>:<check>"``."""
        return f"{self.subject}:{self.name}"

    def __str__(self) -> str:
        return f"{self.plugin}:{self.key}"

    def outcome(self) -> tuple[str, str | None]:
        """Run the check: ("passed", None), ("failed", why), ("xfailed", why): failed as
        declared, or ("xpassed", why): passed though declared to fail."""
        try:
            self.run()
        except Exception as exc:
            detail = str(exc) if isinstance(exc, AssertionError) and str(exc) \
                else f"{type(exc).__name__}: {exc}"
            return ("failed", detail) if self.expected is None else (
                "xfailed", f"{self.expected} ({detail})")
        if self.expected is None:
            return "passed", None
        return "xpassed", (f"declared an expected failure ({self.expected}) but it passes: take "
                           f"{self.key!r} out of expected_failures")

    def __call__(self) -> None:
        status, why = self.outcome()
        if status in ("failed", "xpassed"):
            raise PluginCheckError(f"{self._where()}: {why}")
        if status == "xfailed" and "pytest" in sys.modules:
            import pytest

            pytest.xfail(why)

    def _where(self) -> str:
        return f"plugin {self.plugin!r}, {self.subject}, check {self.name!r} failed"


def plugin_checks(name: str, expected_failures: Mapping[str, str] | None = None
                  ) -> list[PluginCheck]:
    """Every check for the plugin registered under entry-point name ``name``.
    ``expected_failures`` maps a check's :attr:`PluginCheck.key` to the reason it fails; a key
    that names no check is refused, so that a renamed check is not silently skipped."""
    get_plugin_manager()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    registry = collect()
    checks = [PluginCheck(name, "entry point", "registers", lambda: _check_entry_point(name))]
    for kind, spec_name in sorted(k for k, owner in registry.owners.items() if owner == name):
        checks += [PluginCheck(name, subject, check, run)
                   for subject, check, run in _kind_checks(kind, spec_name, registry)]
    checks += [PluginCheck(name, f"observer {hook}", "accepts the spec's arguments", run)
               for hook, run in observer_checks(name)]
    return _declare(checks, dict(expected_failures or {}))


def check_plugin(name: str, expected_failures: Mapping[str, str] | None = None) -> None:
    """Run every check of plugin ``name``; raises :class:`PluginCheckError` listing each failure
    (and each declared failure that passes)."""
    failures = []
    for check in plugin_checks(name, expected_failures):
        status, why = check.outcome()
        if status in ("failed", "xpassed"):
            failures.append(f"{check._where()}: {why}")
    if failures:
        raise PluginCheckError("\n".join(failures))


def _kind_checks(kind: str, spec_name: str, registry: Registry
                 ) -> list[tuple[str, str, Callable[[], None]]]:
    if kind == "model":
        return model_checks(registry.models[spec_name], registry)
    if kind == "preprocessor":
        spec = registry.preprocessors[spec_name]
        return [(f"preprocessor {spec_name!r}", "transforms", lambda: check_preprocessor(spec))]
    if kind == "tuner":
        tuner = registry.tuners[spec_name]
        return [(f"tuner {spec_name!r}", "samples", lambda: check_tuner(tuner, registry))]
    if kind == "cleaner":
        cleaner = registry.cleaners[spec_name]
        return [(f"cleaner {spec_name!r}", check, run) for check, run in cleaner_checks(cleaner)]
    metric = registry.metrics[spec_name]
    return [(f"metric {spec_name!r} ({task.value})", "ranks a perfect prediction first",
             lambda t=task: check_metric(metric, t)) for task in sorted(metric.tasks)]


def _declare(checks: list[PluginCheck], expected: dict[str, str]) -> list[PluginCheck]:
    keys = {c.key for c in checks}
    unknown = sorted(set(expected) - keys)
    if unknown:
        raise PluginCheckError(f"expected_failures names checks that do not exist: {unknown}; "
                               f"the checks are {sorted(keys)}")
    return [PluginCheck(c.plugin, c.subject, c.name, c.run, expected.get(c.key))
            for c in checks]


def _check_entry_point(name: str) -> None:
    info = {i.name: i for i in plugin_infos()}.get(name)
    if info is None:
        raise PluginCheckError(f"no entry point {name!r} in the 'automl' group; declare it in "
                               f"[project.entry-points.automl] and install the package")
    if info.error:
        raise PluginCheckError(f"it failed to load: {info.error}")
    if not any(info.registered.values()) and not set(info.hooks) & set(OBSERVER_HOOKS):
        raise PluginCheckError("it registers nothing and observes nothing: implement "
                               "register_models, register_preprocessors, register_tuners, "
                               "register_cleaners, register_metrics or an observer hook "
                               f"({', '.join(OBSERVER_HOOKS)})")
