"""Built-in preprocessors: imputation, scaling, categorical encodings, datetime parts, text.

Each output is dense, numeric and free of missing values, as the plugin contract promises models.
"""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
    TargetEncoder,
)

from automl._contract.hookspecs import hookimpl
from automl._contract.specs import PrepContext, PreprocessorSpec
from automl._features.transformers import (
    MAX_ONEHOT_LEVELS,
    MAX_TEXT_FEATURES,
    RARE_LEVEL,
    CardinalitySplit,
    CategoryDtype,
    ClipToTrainingRange,
    DatetimeFeatures,
    TextTfidf,
    as_category_strings,
)


def _numeric(columns: list[str], ctx: PrepContext) -> Pipeline:
    # missing-value indicators come from the missing_values cleaning step, for the columns
    # where missingness carries signal
    steps: list[Any] = [SimpleImputer(strategy="median")]
    if ctx.scale:
        # the models that want scaling are the ones that extrapolate: keep inputs in range
        steps += [ClipToTrainingRange(), StandardScaler()]
    return make_pipeline(*steps)


def _datetime(columns: list[str], ctx: PrepContext) -> Pipeline:
    return make_pipeline(DatetimeFeatures(country=ctx.country), _numeric(columns, ctx))


def _strings() -> FunctionTransformer:
    return FunctionTransformer(as_category_strings, feature_names_out="one-to-one")


def _ordinal(columns: list[str], ctx: PrepContext) -> Pipeline:
    # levels seen fewer than RARE_LEVEL times share one code: too few rows to learn from alone
    return make_pipeline(_strings(), OrdinalEncoder(handle_unknown="use_encoded_value",
                                                    unknown_value=-1, dtype=float,
                                                    min_frequency=RARE_LEVEL))


def _onehot(columns: list[str], ctx: PrepContext) -> Pipeline:
    # Few levels: one column per level (rare ones pooled). Many levels: a cross-fitted target
    # encoding, which keeps the width down without leaking the target.
    low = make_pipeline(_strings(), OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                  min_frequency=RARE_LEVEL, sparse_output=False,
                                                  max_categories=MAX_ONEHOT_LEVELS))
    target_type = "continuous" if not ctx.task.is_classification else "auto"
    high_steps: list[Any] = [_strings(), TargetEncoder(target_type=target_type,
                                                       random_state=ctx.seed)]
    if ctx.scale:
        high_steps.append(StandardScaler())
    return make_pipeline(CardinalitySplit(low, make_pipeline(*high_steps), MAX_ONEHOT_LEVELS))


def _native(columns: list[str], ctx: PrepContext) -> CategoryDtype:
    return CategoryDtype()


def _text(columns: list[str], ctx: PrepContext) -> ColumnTransformer:
    per_column = [(f"text{i}", TextTfidf(MAX_TEXT_FEATURES), [c]) for i, c in enumerate(columns)]
    return ColumnTransformer(per_column, sparse_threshold=0.0)


PREPROCESSORS = [
    PreprocessorSpec("impute", {"numeric", "boolean"}, _numeric, {"numeric", "boolean"},
                     "median imputation; standardised for models that need scaling"),
    PreprocessorSpec("datetime_parts", {"datetime"}, _datetime, {"datetime"},
                     "year, month, day, weekday, weekend, days since start, cyclical month "
                     "and weekday (and hour), public holidays with fit(country=...)"),
    PreprocessorSpec("ordinal", {"categorical"}, _ordinal, {"categorical"},
                     "one integer per category, rare ones grouped; unseen categories get -1 "
                     "(for trees)"),
    PreprocessorSpec("onehot", {"categorical"}, _onehot, set(),
                     f"one-hot for up to {MAX_ONEHOT_LEVELS} levels, target encoding above "
                     f"(for linear and distance-based models)"),
    PreprocessorSpec("native_categorical", {"categorical"}, _native, set(),
                     "pandas category dtype, for models with native categorical support",
                     frame_output=True),
    PreprocessorSpec("tfidf", {"text"}, _text, {"text"},
                     f"TF-IDF of words and word pairs, reduced to {MAX_TEXT_FEATURES} "
                     f"components per text column"),
]


@hookimpl(tryfirst=True)
def register_preprocessors(register: Any) -> None:
    """Register the built-in preprocessors."""
    for spec in PREPROCESSORS:
        register(spec)
