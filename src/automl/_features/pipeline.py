"""Assembling a trial's pipeline: the preprocessors a model asks for, per column kind, then the
model itself. The preprocessed data is a numeric matrix, or a pandas DataFrame when a chosen
preprocessor yields typed columns (``frame_output``: category columns for models with native
categorical support).

A model names a preprocessor per column kind in ``ModelSpec.preprocessing``; kinds it does not
name get the preprocessor registered as ``default_for`` that kind.

A trial's parameters may also hold the cleaning steps' per-trial choices (``"prep.<name>"``,
see :class:`~automl._contract.specs.SearchChoice`): those never reach the model's ``build``;
a choice with a ``step`` puts it first in the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from automl._contract.specs import ModelSpec, PrepContext, PreprocessorSpec, SearchChoice, Task
from automl._data.profile import USED_KINDS
from automl.errors import PluginError

#: the prefix of a trial parameter that is a cleaning step's choice, not the model's
CHOICE_PREFIX = "prep."


def choose_preprocessor(kind: str, spec: ModelSpec,
                        preprocessors: dict[str, PreprocessorSpec],
                        switched_off: frozenset[str] = frozenset()) -> PreprocessorSpec:
    """The preprocessor ``spec`` uses for columns of ``kind``: the one it names, or the kind's
    default when it names none or the user switched the named one off."""
    name = spec.preprocessing.get(kind)
    if name in switched_off:
        name = None
    if name is None:
        defaults = [p for p in preprocessors.values() if kind in p.default_for]
        if not defaults:
            raise PluginError(f"no preprocessor is registered as the default for {kind} columns")
        return defaults[0]
    chosen = preprocessors.get(name)
    if chosen is None or kind not in chosen.kinds:
        raise PluginError(f"model {spec.name!r} asks for preprocessor {name!r} for {kind} "
                          f"columns, but no such preprocessor is registered for that kind")
    return chosen


def split_params(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A trial's parameters as (the model's, the choices' by choice name)."""
    model = {k: v for k, v in params.items() if not k.startswith(CHOICE_PREFIX)}
    chosen = {k[len(CHOICE_PREFIX):]: v for k, v in params.items() if k.startswith(CHOICE_PREFIX)}
    return model, chosen


def build_pipeline(spec: ModelSpec, params: dict[str, Any], task: Task,
                   columns: dict[str, list[str]], preprocessors: dict[str, PreprocessorSpec],
                   seed: int = 0, choices: Sequence[SearchChoice] = (),
                   country: str | None = None,
                   switched_off: frozenset[str] = frozenset()) -> Pipeline:
    """An unfitted pipeline for one trial: the steps its choices call for, ``prep`` (unless the
    model takes the raw frame) and ``model``, built with ``params``; ``columns`` maps each
    column kind to its names."""
    params, chosen = split_params(params)
    steps: list[tuple[str, Any]] = []
    for choice in choices:
        option = chosen.get(choice.name)
        step = choice.step(option) if choice.step is not None and option is not None else None
        if step is not None:
            steps.append((choice.name, step))
    if not spec.raw_input:
        ctx = PrepContext(task=task, scale=spec.needs_scaling, seed=seed, country=country)
        chosen = [(kind, choose_preprocessor(kind, spec, preprocessors, switched_off), cols)
                  for kind in USED_KINDS if (cols := columns.get(kind))]
        prep = ColumnTransformer([(kind, p.build(cols, ctx), cols) for kind, p, cols in chosen],
                                 sparse_threshold=0.0)
        if any(p.frame_output for _, p, _ in chosen):
            # a DataFrame only where typed columns need it: it costs about a millisecond a
            # call, which a served single-row prediction feels
            prep.set_output(transform="pandas")
        steps.append(("prep", prep))
    estimator = spec.build(dict(params), task)
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    steps.append(("model", estimator))
    return Pipeline(steps)


def unprepared_kinds(kinds: list[str], preprocessors: dict[str, PreprocessorSpec]) -> list[str]:
    """The column kinds no preprocessor is the default for (its own was switched off): their
    columns are left out of the search."""
    return [k for k in kinds if not any(k in p.default_for for p in preprocessors.values())]
