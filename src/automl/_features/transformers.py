"""Small scikit-learn transformers the built-in preprocessors are made of.

They are module-level classes and functions so that fitted pipelines pickle and load anywhere
automl is installed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

#: categorical columns with at most this many levels are one-hot encoded by "onehot"
MAX_ONEHOT_LEVELS = 15
#: TF-IDF features of a text column are reduced by SVD to at most this many components
MAX_TEXT_FEATURES = 100
#: categories seen fewer times than this in training are grouped as one level
RARE_LEVEL = 5
MISSING = "__missing__"


def as_category_strings(X: pd.DataFrame | pd.Series | np.ndarray) -> np.ndarray:
    """Categorical values as an object array of strings, missing values as ``"__missing__"``,
    so that encoders see one consistent type."""
    frame = pd.DataFrame(X)
    out = frame.astype(object).where(frame.notna(), MISSING).astype(str)
    return out.to_numpy(dtype=object)


def as_text(X: pd.DataFrame | pd.Series) -> np.ndarray:
    """A one-column text input as a 1-D array of strings (missing values as empty text)."""
    s = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else pd.Series(X)
    return s.astype(object).where(s.notna(), "").astype(str).to_numpy()


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Expands each datetime column into numbers a model can use: year, month, day, day of
    week, day of year, weekend, days since the earliest training date, and the month and day
    of week as points on a circle (sine and cosine, so December sits next to January); the
    hour and minute (and the hour on a circle) when the training data has times of day; and
    whether the day is a public holiday in ``country`` (an ISO code, from the ``holidays``
    package) when one is given. Missing dates give missing values, imputed downstream."""

    PARTS = ("year", "month", "day", "day_of_week", "day_of_year", "is_weekend",
             "days_since_start", "month_sin", "month_cos", "day_of_week_sin",
             "day_of_week_cos")
    TIME_PARTS = ("hour", "minute", "hour_sin", "hour_cos")
    #: holidays are known for the training years and this many years after them
    HOLIDAY_YEARS_AHEAD = 10

    def __init__(self, country: str | None = None) -> None:
        self.country = country

    def fit(self, X: pd.DataFrame, y: object = None) -> DatetimeFeatures:
        frame = self._frame(X)
        self.columns_ = list(frame.columns)
        self.with_time_ = {c: bool((frame[c].dt.hour.fillna(0) != 0).any()
                                   or (frame[c].dt.minute.fillna(0) != 0).any())
                           for c in self.columns_}
        self.start_ = {c: frame[c].min() if frame[c].notna().any() else pd.Timestamp(0)
                       for c in self.columns_}
        self.holidays_ = self._holidays(frame) if self.country else None
        return self

    def _holidays(self, frame: pd.DataFrame) -> np.ndarray:
        import holidays

        years = pd.concat([frame[c].dt.year for c in frame.columns]).dropna()
        first, last = (int(years.min()), int(years.max())) if len(years) else (2000, 2000)
        known = holidays.country_holidays(
            self.country, years=range(first - 1, last + self.HOLIDAY_YEARS_AHEAD + 1))
        return np.asarray(sorted(known), dtype="datetime64[D]")

    def _parts(self, c: str) -> tuple[str, ...]:
        parts = self.PARTS + (self.TIME_PARTS if self.with_time_[c] else ())
        return parts + (("is_holiday",) if self.holidays_ is not None else ())

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        frame = self._frame(X)
        out = []
        for c in self.columns_:
            values = self._values(frame[c], c)
            out += [values[p] for p in self._parts(c)]
        return np.column_stack(out) if out else np.empty((len(frame), 0))

    def _values(self, s: pd.Series, c: str) -> dict[str, np.ndarray]:
        dt = s.dt
        month, weekday = dt.month.astype(float), dt.day_of_week.astype(float)
        hour = dt.hour.astype(float)
        values = {"year": dt.year, "month": month, "day": dt.day, "day_of_week": weekday,
                  "day_of_year": dt.day_of_year, "is_weekend": (weekday >= 5).where(s.notna()),
                  "days_since_start": (s - self.start_[c]).dt.total_seconds() / 86_400,
                  "month_sin": np.sin(2 * np.pi * (month - 1) / 12),
                  "month_cos": np.cos(2 * np.pi * (month - 1) / 12),
                  "day_of_week_sin": np.sin(2 * np.pi * weekday / 7),
                  "day_of_week_cos": np.cos(2 * np.pi * weekday / 7),
                  "hour": hour, "minute": dt.minute, "hour_sin": np.sin(2 * np.pi * hour / 24),
                  "hour_cos": np.cos(2 * np.pi * hour / 24)}
        if self.holidays_ is not None:
            days = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            values["is_holiday"] = pd.Series(np.isin(days, self.holidays_),
                                             index=s.index).where(s.notna())
        return {k: pd.Series(v, index=s.index).astype(float).to_numpy()
                for k, v in values.items()}

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"{c}_{p}" for c in self.columns_ for p in self._parts(c)],
                          dtype=object)

    @staticmethod
    def _frame(X: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(X)
        return frame.apply(lambda s: pd.to_datetime(s, errors="coerce", format="mixed"))


class CardinalitySplit(TransformerMixin, BaseEstimator):
    """Sends the columns with at most ``max_levels`` distinct values to ``low`` and the rest to
    ``high``, deciding at fit time from the training data."""

    def __init__(self, low: object, high: object, max_levels: int = 15) -> None:
        self.low = low
        self.high = high
        self.max_levels = max_levels

    def fit_transform(self, X: pd.DataFrame, y: object = None, **params: object) -> np.ndarray:
        from sklearn.base import clone
        from sklearn.compose import ColumnTransformer

        frame = pd.DataFrame(X)
        low = [c for c in frame.columns if frame[c].nunique() <= self.max_levels]
        high = [c for c in frame.columns if c not in low]
        parts = [("low", clone(self.low), low), ("high", clone(self.high), high)]
        self.transformer_ = ColumnTransformer([p for p in parts if p[2]], sparse_threshold=0.0)
        return self.transformer_.fit_transform(frame, y)

    def fit(self, X: pd.DataFrame, y: object = None) -> CardinalitySplit:
        self.fit_transform(X, y)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        return self.transformer_.transform(pd.DataFrame(X))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.transformer_.get_feature_names_out()


class TextTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF of one text column's words and word pairs (missing text is empty), reduced to at
    most ``max_features`` dense components by a truncated SVD (latent semantic analysis) when
    the vocabulary is larger than that."""

    #: words and word pairs kept before the reduction, the most frequent first
    VOCABULARY = 20_000

    def __init__(self, max_features: int = 100) -> None:
        self.max_features = max_features

    def fit(self, X: pd.DataFrame, y: object = None) -> TextTfidf:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        frame = pd.DataFrame(X)
        self.column_ = str(frame.columns[0])
        self.vectorizer_ = TfidfVectorizer(max_features=self.VOCABULARY, ngram_range=(1, 2),
                                           sublinear_tf=True)
        matrix = self.vectorizer_.fit_transform(as_text(frame))
        self.svd_ = None
        if matrix.shape[1] > self.max_features:
            self.svd_ = TruncatedSVD(self.max_features, random_state=0).fit(matrix)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        matrix = self.vectorizer_.transform(as_text(pd.DataFrame(X)))
        return self.svd_.transform(matrix) if self.svd_ is not None else matrix.toarray()

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        if self.svd_ is not None:
            names = [f"{self.column_}_topic{i}" for i in range(self.svd_.n_components)]
        else:
            names = [f"{self.column_}_{w}" for w in self.vectorizer_.get_feature_names_out()]
        return np.asarray(names, dtype=object)


class CategoryDtype(TransformerMixin, BaseEstimator):
    """Categorical columns as pandas ``category`` dtype with the categories fixed at fit time
    (the ``max_levels`` most frequent), for models with native categorical support such as
    histogram gradient boosting. Unseen and rare categories become missing values."""

    def __init__(self, max_levels: int = 250) -> None:
        self.max_levels = max_levels

    def fit(self, X: pd.DataFrame, y: object = None) -> CategoryDtype:
        frame = pd.DataFrame(X)
        self.columns_ = [str(c) for c in frame.columns]
        self.categories_ = {
            str(c): frame[c].dropna().astype(str).value_counts().index[:self.max_levels].tolist()
            for c in frame.columns}
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(X)
        out = {}
        for c in frame.columns:
            known = self.categories_[str(c)]
            values = frame[c]
            if not pd.api.types.is_string_dtype(values):
                values = values.astype(object).where(values.isna(), values.astype(str))
            # unseen and missing values find no index: code -1, a missing category
            codes = pd.Index(known, dtype=object).get_indexer(values.astype(object))
            out[str(c)] = pd.Categorical.from_codes(codes, categories=known)
        return pd.DataFrame(out, index=frame.index)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self.columns_, dtype=object)


class ClipToTrainingRange(TransformerMixin, BaseEstimator):
    """Clips each column to the range it had in training.

    Models that extrapolate (linear models, networks) answer a value far outside the training
    range with a prediction as far outside; trees cannot. Clipping keeps an unusual row's
    prediction within what the training data supports.
    """

    def fit(self, X: np.ndarray, y: object = None) -> ClipToTrainingRange:
        values = np.asarray(X, dtype=float)
        self.n_features_in_ = values.shape[1]
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.low_ = np.nanmin(values, axis=0) if len(values) else np.zeros(values.shape[1])
        self.high_ = np.nanmax(values, axis=0) if len(values) else np.zeros(values.shape[1])
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(X, dtype=float), self.low_, self.high_)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        if input_features is None:
            return getattr(self, "feature_names_in_", np.asarray(
                [f"x{i}" for i in range(self.n_features_in_)], dtype=object))
        return np.asarray(input_features, dtype=object)
