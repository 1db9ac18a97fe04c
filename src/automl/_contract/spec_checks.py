"""What a registered spec must be, checked when a plugin registers it.

A spec whose fields are wrong (``tasks={"classification"}``, ``defaults={...}`` where a tuple
of dicts belongs, a ``build`` that is not callable) would otherwise break every fit that
reaches it, far from the plugin that caused it. :func:`spec_problems` lists what is wrong, in
words that say what to change; :func:`automl._contract.plugins.collect` refuses such a spec,
names its plugin in ``automl plugins`` and goes on without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automl._contract.specs import (
    ALL_MODELS,
    CleanerSpec,
    Metric,
    ModelSpec,
    PreprocessorSpec,
    Task,
    TunerSpec,
)

_TASKS = {t.value for t in Task}
# each kind's fields that must be callable, and those that may also be None
_CALLABLE: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ModelSpec: (("build", "search_space"), ("fit", "compile_predict")),
    PreprocessorSpec: (("build",), ()),
    TunerSpec: (("sampler",), ("plan",)),
    CleanerSpec: (("build",), ()),
    Metric: (("fn",), ()),
}


def spec_problems(spec: Any) -> list[str]:
    """What is wrong with ``spec`` (a :class:`ModelSpec`, :class:`PreprocessorSpec`,
    :class:`TunerSpec`, :class:`CleanerSpec` or :class:`Metric`): an empty list when nothing
    is."""
    problems = []
    name = getattr(spec, "name", None)
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name must be a non-empty string, not {name!r}")
    required, optional = _CALLABLE.get(type(spec), ((), ()))
    for field in required:
        if not callable(getattr(spec, field, None)):
            problems.append(f"{field} must be callable")
    for field in optional:
        value = getattr(spec, field, None)
        if value is not None and not callable(value):
            problems.append(f"{field} must be callable or None")
    if isinstance(spec, ModelSpec):
        problems += _model_problems(spec)
    if isinstance(spec, Metric):
        problems += _task_problems(spec.tasks)
        for flag in ("greater_is_better", "needs_proba", "original_labels"):
            if not isinstance(getattr(spec, flag), bool):
                problems.append(f"{flag} must be True or False, not {getattr(spec, flag)!r}")
    if isinstance(spec, PreprocessorSpec) and not _set_of_strings(spec.kinds):
        problems.append(f"kinds must be a set of column kinds, not {spec.kinds!r}")
    return problems


def _model_problems(spec: ModelSpec) -> list[str]:
    problems = []
    if spec.name == ALL_MODELS:
        problems.append(f"name {ALL_MODELS!r} is taken: fit(models={ALL_MODELS!r}) means every "
                        "model")
    problems += _task_problems(spec.tasks)
    defaults = spec.defaults
    if isinstance(defaults, Mapping) or not isinstance(defaults, tuple | list):
        problems.append(f"defaults must be a tuple of parameter dicts, e.g. ({{...}},), not "
                        f"a {type(defaults).__name__}")
    elif not all(isinstance(d, Mapping) for d in defaults):
        problems.append("defaults must hold parameter dicts only")
    if not isinstance(spec.grid, Mapping) or not all(
            isinstance(v, list | tuple) for v in spec.grid.values()):
        problems.append("grid must map each parameter to a list of values")
    if not isinstance(spec.preprocessing, Mapping):
        problems.append("preprocessing must map column kinds to preprocessor names")
    if not isinstance(spec.cost, int | float) or spec.cost < 0:
        problems.append(f"cost must be a number of at least 0, not {spec.cost!r}")
    if not isinstance(spec.by_default, bool):
        problems.append(f"by_default must be True or False, not {spec.by_default!r}")
    return problems


def _task_problems(tasks: Any) -> list[str]:
    if not isinstance(tasks, set | frozenset) or not tasks:
        return [f"tasks must be a non-empty set of automl.Task, not {tasks!r}"]
    unknown = sorted(str(t) for t in tasks if str(t) not in _TASKS)
    if unknown:
        return [f"tasks {unknown} are not tasks; use automl.Task members "
                f"({', '.join(sorted(_TASKS))})"]
    return []


def _set_of_strings(value: Any) -> bool:
    return isinstance(value, set | frozenset) and all(isinstance(v, str) for v in value)
