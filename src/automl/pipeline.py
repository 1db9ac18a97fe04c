"""Assembling a trial's pipeline: the preprocessors a model asks for, per column kind, then the
model itself. The preprocessed data is a numeric matrix, or a pandas DataFrame when a chosen
preprocessor yields typed columns (``frame_output``: category columns for models with native
categorical support).

A model names a preprocessor per column kind in ``ModelSpec.preprocessing``; kinds it does not
name get the preprocessor registered as ``default_for`` that kind.
"""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from automl.errors import PluginError
from automl.profile import USED_KINDS
from automl.specs import ModelSpec, PrepContext, PreprocessorSpec, Task


def choose_preprocessor(kind: str, spec: ModelSpec,
                        preprocessors: dict[str, PreprocessorSpec]) -> PreprocessorSpec:
    """The preprocessor ``spec`` uses for columns of ``kind``."""
    name = spec.preprocessing.get(kind)
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


def build_pipeline(spec: ModelSpec, params: dict[str, Any], task: Task,
                   columns: dict[str, list[str]], preprocessors: dict[str, PreprocessorSpec],
                   seed: int = 0) -> Pipeline:
    """An unfitted pipeline for one trial: ``prep`` (unless the model takes the raw frame) and
    ``model``, built with ``params``; ``columns`` maps each column kind to its names."""
    steps: list[tuple[str, Any]] = []
    if not spec.raw_input:
        ctx = PrepContext(task=task, scale=spec.needs_scaling, seed=seed)
        chosen = [(kind, choose_preprocessor(kind, spec, preprocessors), cols)
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
