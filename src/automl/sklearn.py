"""automl as scikit-learn estimators: :class:`AutoMLClassifier` and :class:`AutoMLRegressor`.

Each is a ``BaseEstimator`` whose constructor parameters are ``automl.fit``'s options, so it
sits in a ``Pipeline``, is cross-validated by ``cross_val_score``, tuned by ``GridSearchCV``
(over ``time_budget``, say), cloned and pickled as any estimator is. ``fit(X, y,
sample_weight=None)`` takes a DataFrame (its columns keep their names and types: text
categories, dates, missing values) or an array (columns ``x0``, ``x1``, ...), runs the whole
fit and keeps its :class:`~automl.result.FitResult` in ``result_``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from automl.api import DEFAULT_INFER_LIMIT
from automl.result import FitResult

__all__ = ["AutoMLClassifier", "AutoMLRegressor"]

#: the name the target goes by in the frame handed to ``automl.fit``
_TARGET = "__automl_target__"


class _AutoML(BaseEstimator):
    """What the two estimators share; ``_task`` is the task ``automl.fit`` is told."""

    _task: str = ""

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
        ``sample_weight`` where given); returns the estimator."""
        import automl

        frame = self._frame(X, fitting=True)
        target = self._target(y, len(frame))
        result = automl.fit(frame.assign(**{_TARGET: target}), _TARGET, task=self._task or None,
                            metric=self.metric, time_budget=self.time_budget,
                            models=self.models, tuner=self.tuner, seed=self.seed,
                            n_trials=self.n_trials, ensemble=self.ensemble,
                            validation=self.validation, infer_limit=self.infer_limit,
                            verbose=self.verbose, sample_weight=sample_weight)
        self.result_: FitResult = result
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The fitted model's predictions for ``X``."""
        return np.asarray(self._result().predict(self._frame(X)))

    def _result(self) -> FitResult:
        check_is_fitted(self, "result_")
        return self.result_

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

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> AutoMLClassifier:
        """As :meth:`_AutoML.fit`; records ``classes_``."""
        super().fit(X, y, sample_weight)
        self.classes_ = np.asarray(self.result_.classes)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted labels, of the type of ``classes_``."""
        return super().predict(X).astype(self.classes_.dtype)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        return self._result().predict_proba(self._frame(X)).to_numpy()


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
