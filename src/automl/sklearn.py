"""automl as scikit-learn estimators: :class:`AutoMLClassifier` and :class:`AutoMLRegressor`.

Each is a ``BaseEstimator`` whose constructor parameters are ``automl.fit``'s options, so it
sits in a ``Pipeline``, is cross-validated by ``cross_val_score``, tuned by ``GridSearchCV``
(over ``time_budget``, say), cloned and pickled as any estimator is. ``fit(X, y,
sample_weight=None)`` takes a DataFrame (its columns keep their names and types: text
categories, dates, missing values) or an array (columns ``x0``, ``x1``, ...), runs the whole
fit and keeps its :class:`~automl._result.result.FitResult` in ``result_``.

A table too small for automl's search (fewer than 20 labelled rows, or a class with a single
row: nothing is left to validate on) is what scikit-learn's own tooling and checks meet often,
so there the estimators fit one regularised linear model (logistic regression or ridge, on the
numeric columns imputed and the others one-hot encoded) without a search, warn, and leave
``result_`` None.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from automl._data.checks import MIN_ROWS
from automl._fit.api import DEFAULT_INFER_LIMIT
from automl._result.result import FitResult
from automl.errors import DataWarning

__all__ = ["AutoMLClassifier", "AutoMLRegressor"]

#: the name the target goes by in the frame handed to ``automl.fit``
_TARGET = "__automl_target__"


class _AutoML(BaseEstimator):
    """What the two estimators share; ``_task`` is the task ``automl.fit`` is told."""

    _task: str = ""
    #: the fit, set by ``fit`` (None where too few rows fitted one linear model without it)
    result_: FitResult | None

    def __init__(self, time_budget: float = 60, *, metric: Any = None,
                 models: list[str] | str | None = None, tuner: str = "tpe", seed: int = 0,
                 n_trials: int | None = None, ensemble: bool = True,
                 validation: str = "auto", infer_limit: float | None = DEFAULT_INFER_LIMIT,
                 verbose: int = 0) -> None:
        self.time_budget, self.metric, self.models, self.tuner = time_budget, metric, models, tuner
        self.seed, self.n_trials, self.ensemble = seed, n_trials, ensemble
        self.validation, self.infer_limit, self.verbose = validation, infer_limit, verbose

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _AutoML:
        """Run ``automl.fit`` on features ``X`` and target ``y`` (rows weighted by
        ``sample_weight`` where given); returns the estimator. A table too small for the
        search gets one linear model (see the module's text)."""
        import automl

        frame = self._frame(X, fitting=True)
        target = self._target(y, len(frame))
        sample_weight = _weights(sample_weight, len(frame))
        if frame.shape[1] == 0:
            raise ValueError(f"0 feature(s) (shape=({len(frame)}, 0)) while a minimum of 1 is "
                             f"required.")
        if self._too_small(target, sample_weight):
            warnings.warn(f"{len(frame)} sample(s) with {frame.shape[1]} feature(s): too few "
                          f"for automl's search and validation (at least {MIN_ROWS} rows, two "
                          f"of each class); one linear model is fitted without a search",
                          DataWarning, stacklevel=2)
            self.result_ = None
            self.small_model_ = _small_model(frame, self._task).fit(
                frame, target, model__sample_weight=sample_weight)
            return self
        result = automl.fit(frame.assign(**{_TARGET: target}), _TARGET, task=self._task or None,
                            metric=self.metric, time_budget=self.time_budget,
                            models=self.models, tuner=self.tuner, seed=self.seed,
                            n_trials=self.n_trials, ensemble=self.ensemble,
                            validation=self.validation, infer_limit=self.infer_limit,
                            verbose=self.verbose, sample_weight=sample_weight)
        self.result_ = result
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The fitted model's predictions for ``X``."""
        check_is_fitted(self, "result_")
        if self.result_ is None:
            return np.asarray(self.small_model_.predict(self._frame(X)))
        return np.asarray(self.result_.predict(self._frame(X)))

    def _too_small(self, target: np.ndarray, sample_weight: Any) -> bool:
        counted = target if sample_weight is None else target[np.asarray(sample_weight) > 0]
        return len(counted) < MIN_ROWS

    def _frame(self, X: Any, fitting: bool = False) -> pd.DataFrame:
        """``X`` as the frame the fit takes: a DataFrame's own columns, an array's as x0..."""
        if sparse.issparse(X):
            raise TypeError("Sparse data was passed, but dense data is required: automl "
                            "takes a DataFrame or a dense array (X.toarray())")
        if isinstance(X, pd.DataFrame):
            frame = X.copy()
            frame.columns = [str(c) for c in frame.columns]
            names = np.asarray(frame.columns, dtype=object)
        else:
            values = np.asarray(X)
            if values.ndim != 2:
                raise ValueError(f"Expected 2D array, got {values.ndim}D array instead. "
                                 f"Reshape your data either using array.reshape(-1, 1) if your "
                                 f"data has a single feature or array.reshape(1, -1) if it "
                                 f"contains a single sample.")
            if np.iscomplexobj(values):
                raise ValueError("Complex data not supported: give real numbers")
            frame = pd.DataFrame(values, columns=[f"x{i}" for i in range(values.shape[1])])
            names = None
        if fitting:
            self.n_features_in_ = frame.shape[1]
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif frame.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {frame.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        return frame.reset_index(drop=True)

    def _target(self, y: Any, rows: int) -> np.ndarray:
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             f"is None")
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected: it is "
                          "raveled", DataConversionWarning, stacklevel=3)
            values = values.ravel()
        if values.ndim != 1 or len(values) != rows:
            raise ValueError(f"y must be one value per row of X ({rows}), got shape "
                             f"{values.shape}")
        if np.iscomplexobj(values):
            raise ValueError("Complex data not supported: give real numbers")
        return values

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are imputed by the cleaning steps
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.non_deterministic = True  # a time budget: how far the search gets varies
        return tags


def _weights(sample_weight: Any, rows: int) -> np.ndarray | None:
    """``sample_weight`` checked: one finite non-negative number per row, not all zero."""
    if sample_weight is None:
        return None
    values = np.asarray(sample_weight, dtype=float)
    if values.ndim == 0:
        values = np.full(rows, float(values))
    if values.ndim != 1 or len(values) != rows:
        raise ValueError(f"sample_weight.shape == {values.shape}, expected ({rows},): one "
                         f"weight per row")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("sample_weight must be finite non-negative numbers")
    if not values.sum() > 0:
        raise ValueError("Sample weights must contain at least one non-zero number: every "
                         "weight is zero")
    return values


def _small_model(frame: pd.DataFrame, task: str) -> Pipeline:
    """One regularised linear model for a table too small to search on."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.preprocessing import OneHotEncoder

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    other = [c for c in frame.columns if c not in numeric]
    prep = ColumnTransformer([
        ("numeric", SimpleImputer(keep_empty_features=True), numeric),
        ("other", OneHotEncoder(handle_unknown="ignore"), other)])
    model = Ridge() if task == "regression" else LogisticRegression(max_iter=1000)
    return Pipeline([("prep", prep), ("model", model)])


class AutoMLClassifier(ClassifierMixin, _AutoML):
    """``automl.fit`` for a classification target, as a scikit-learn classifier: ``classes_``
    are the labels, ``predict_proba`` has one column per class in that order."""

    def _target(self, y: Any, rows: int) -> np.ndarray:
        values = super()._target(y, rows)
        check_classification_targets(values)
        if len(pd.unique(values)) < 2:
            raise ValueError("y has 1 class only: a classifier needs rows of at least 2 "
                             "classes")
        return values

    def _too_small(self, target: np.ndarray, sample_weight: Any) -> bool:
        counted = target if sample_weight is None else target[np.asarray(sample_weight) > 0]
        if len(pd.unique(counted)) < 2:
            raise ValueError("only 1 class has rows of a positive weight: a classifier needs "
                             "rows of at least 2 classes")
        return super()._too_small(target, sample_weight) or (
            pd.Series(counted).value_counts().min() < 2)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> AutoMLClassifier:
        """As :meth:`_AutoML.fit`; records ``classes_``."""
        super().fit(X, y, sample_weight)
        self.classes_ = (np.asarray(self.small_model_.classes_) if self.result_ is None
                         else np.asarray(self.result_.classes))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted labels, of the type of ``classes_``."""
        return super().predict(X).astype(self.classes_.dtype)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        check_is_fitted(self, "result_")
        if self.result_ is None:
            return self.small_model_.predict_proba(self._frame(X))
        return self.result_.predict_proba(self._frame(X)).to_numpy()


class AutoMLRegressor(RegressorMixin, _AutoML):
    """``automl.fit`` for a numeric target, as a scikit-learn regressor."""

    _task = "regression"

    def _target(self, y: Any, rows: int) -> np.ndarray:
        values = super()._target(y, rows)
        try:
            return values.astype(float)
        except (TypeError, ValueError):
            raise ValueError("Unknown label type: a regressor's y must be numbers") from None

    def predict(self, X: Any) -> np.ndarray:
        """The predicted values."""
        return super().predict(X).astype(float)
