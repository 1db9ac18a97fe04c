"""Everything a plugin author builds against, in one import: ``from automl.plugin import ...``.

A plugin is a package with an entry point in the group ``automl`` whose module implements some
of the hooks below (decorated with :data:`hookimpl`). This module is the plugin contract:

- the hooks, their specs and the records they pass: :data:`hookimpl`, :data:`hookspecs`,
  :class:`ModelSpec`, :class:`PreprocessorSpec`, :class:`CleanerSpec`, :class:`TunerSpec`,
  :class:`SearchChoice`, :class:`Metric`, the contexts :class:`FitContext`,
  :class:`PrepContext`, :class:`CleanContext`, :class:`FeatureLayout`, :class:`Task`, and
  :class:`TrialRecord` (what ``on_trial_end`` receives);
- cleaning steps and what they report: :class:`CleaningStep`, :class:`ReportEntry` and its
  :data:`ACTIONS`;
- metrics by name and your own: :func:`get_metric`, :func:`make_metric`;
- keeping to a deadline: :func:`call_with_time_limit`, :class:`TimeLimitExceeded`;
- what is installed: :func:`plugin_infos`, :class:`PluginInfo`;
- the conformance kit: :func:`plugin_checks` (one pytest case per check, with
  ``expected_failures=`` for the checks a plugin knowingly fails), :func:`check_plugin`,
  :class:`PluginCheck`, :class:`PluginCheckError`, :func:`small_data`, :func:`baseline_score`,
  :func:`budget_run`, :func:`paced_run`, and :func:`make_messy` for cleaning tests.

The names here keep their meaning across minor versions; tests/test_public_api.py fails when one
disappears. Modules whose names start with an underscore are automl's own and may change at any
time. The hooks and records are light to import; the kit and the cleaning step load
pandas, scikit-learn and Optuna on first use.
"""

from typing import TYPE_CHECKING

from automl._contract import hookspecs
from automl._contract.hookspecs import hookimpl
from automl._contract.records import TrialRecord
from automl._contract.specs import (
    CleanContext,
    CleanerSpec,
    FeatureLayout,
    FitContext,
    Metric,
    ModelSpec,
    PrepContext,
    PreprocessorSpec,
    SearchChoice,
    Task,
    TunerSpec,
)
from automl._lazy import lazy_names

if TYPE_CHECKING:
    from automl._cleaning.steps import CleaningStep
    from automl._contract.data_report import ACTIONS, ReportEntry
    from automl._contract.metrics import get_metric, make_metric
    from automl._contract.plugins import PluginInfo, plugin_infos
    from automl._contract.time_limit import TimeLimitExceeded, call_with_time_limit
    from automl._kit.checks import PluginCheck, PluginCheckError, check_plugin, plugin_checks
    from automl._kit.messy import make_messy
    from automl._kit.runs import baseline_score, budget_run, paced_run, small_data

_LAZY = {
    "CleaningStep": "automl._cleaning.steps",
    "ACTIONS": "automl._contract.data_report",
    "ReportEntry": "automl._contract.data_report",
    "get_metric": "automl._contract.metrics",
    "make_metric": "automl._contract.metrics",
    "PluginInfo": "automl._contract.plugins",
    "plugin_infos": "automl._contract.plugins",
    "TimeLimitExceeded": "automl._contract.time_limit",
    "call_with_time_limit": "automl._contract.time_limit",
    "PluginCheck": "automl._kit.checks",
    "PluginCheckError": "automl._kit.checks",
    "baseline_score": "automl._kit.runs",
    "budget_run": "automl._kit.runs",
    "check_plugin": "automl._kit.checks",
    "paced_run": "automl._kit.runs",
    "plugin_checks": "automl._kit.checks",
    "small_data": "automl._kit.runs",
    "make_messy": "automl._kit.messy",
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "ACTIONS",
    "CleanContext",
    "CleanerSpec",
    "CleaningStep",
    "FeatureLayout",
    "FitContext",
    "Metric",
    "ModelSpec",
    "PluginCheck",
    "PluginCheckError",
    "PluginInfo",
    "PrepContext",
    "PreprocessorSpec",
    "ReportEntry",
    "SearchChoice",
    "Task",
    "TimeLimitExceeded",
    "TrialRecord",
    "TunerSpec",
    "baseline_score",
    "budget_run",
    "call_with_time_limit",
    "check_plugin",
    "get_metric",
    "hookimpl",
    "hookspecs",
    "make_messy",
    "make_metric",
    "paced_run",
    "plugin_checks",
    "plugin_infos",
    "small_data",
]
