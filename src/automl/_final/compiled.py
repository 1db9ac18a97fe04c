"""A compiled prediction path for small frames: a fitted pipeline's preprocessing without
scikit-learn's and pandas' per-call overhead, which for one row costs several milliseconds
(a ColumnTransformer's dispatch, every step's input validation and output wrapping) against
microseconds of arithmetic.

:func:`compile_pipeline` turns a fitted ``Pipeline([("prep", ColumnTransformer), ("model",
estimator)])`` into a :class:`CompiledPipeline` that, for frames of at most
:data:`SMALL_FRAME` rows, runs each of the ColumnTransformer's parts as:

- **numpy kernels** for the numeric parts (median imputation, clipping to the training range,
  standard scaling): the same arithmetic in the same order, so the same bits;
- **category codes** for pandas ``category`` columns (native categorical models): a dict from
  level to code in place of an index lookup per call;
- **a row memo** for every other part (one-hot and target encodings, ordinal codes, dates,
  text): its output for a row depends only on that row, so each distinct row's output is
  computed once by the fitted transformer itself and looked up after (bounded, least recently
  used first out).

Where the model's plugin gives a ``ModelSpec.compile_predict``, the model too is called on
the compiled preprocessing's output as one float64 matrix (:class:`automl.FeatureLayout`),
which skips a DataFrame's construction and the model's own input conversion (XGBoost's
pandas path alone costs a millisecond a row). Larger frames, and any pipeline of another
shape, go through scikit-learn as fitted.
Compilation checks itself: on sample rows (and copies with missing and never-seen values) the
compiled output must equal the fitted pipeline's exactly, or the pipeline is left as it was;
a compiled model must likewise give exactly the model's own predictions, or it is not used.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from automl._contract.specs import FeatureLayout
from automl._features.transformers import CategoryDtype, ClipToTrainingRange

#: frames up to this many rows take the compiled path; larger ones are vectorised by
#: scikit-learn well enough that its overhead no longer counts
SMALL_FRAME = 64
#: distinct rows a memo keeps per part
MEMO_ROWS = 4096
_UNSEEN = "\x00unseen level\x00"


class _NumericKernel:
    """Imputation, clipping and scaling on a float matrix, step by step as fitted."""

    def __init__(self, steps: list[Any]) -> None:
        self.ops: list[tuple[str, Any, Any]] = []
        for step in steps:
            if isinstance(step, SimpleImputer):
                self.ops.append(("impute", np.asarray(step.statistics_, dtype=float), None))
            elif isinstance(step, ClipToTrainingRange):
                self.ops.append(("clip", step.low_, step.high_))
            elif isinstance(step, StandardScaler):
                self.ops.append(("scale", step.mean_ if step.with_mean else None,
                                 step.scale_ if step.with_std else None))

    @classmethod
    def build(cls, transformer: Any) -> _NumericKernel | None:
        """A kernel for ``transformer`` (a step or a Pipeline of steps), or None when one of
        its steps is not one this kernel reproduces exactly."""
        steps = [s for _, s in transformer.steps] if isinstance(transformer, Pipeline) else [
            transformer]
        for step in steps:
            if isinstance(step, SimpleImputer):
                stats = np.asarray(step.statistics_, dtype=float)
                if step.add_indicator or np.isnan(stats).any() or not (
                        isinstance(step.missing_values, float) and np.isnan(step.missing_values)):
                    return None  # indicators, dropped empty columns, other missing markers
            elif not isinstance(step, ClipToTrainingRange | StandardScaler):
                return None
        return cls(steps)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        X = values.astype(float)
        for op, a, b in self.ops:
            if op == "impute":
                missing = np.isnan(X)
                if missing.any():
                    X[missing] = np.broadcast_to(a, X.shape)[missing]
            elif op == "clip":
                X = np.clip(X, a, b)
            else:
                if a is not None:
                    X -= a
                if b is not None:
                    X /= b
        return X


class _CategoryCodes:
    """:class:`CategoryDtype`'s output by a dict lookup per value."""

    def __init__(self, transformer: CategoryDtype) -> None:
        self.dtypes = {c: pd.CategoricalDtype(transformer.categories_[c])
                       for c in transformer.columns_}
        self.codes = {c: {level: i for i, level in enumerate(transformer.categories_[c])}
                      for c in transformer.columns_}

    def _codes(self, values: np.ndarray) -> list[list[int]]:
        return [[codes.get(v if isinstance(v, str) else (None if _missing(v) else str(v)), -1)
                 for v in values[:, j]] for j, codes in enumerate(self.codes.values())]

    def __call__(self, values: np.ndarray) -> dict[str, pd.Categorical]:
        return {c: pd.Categorical.from_codes(found, dtype=self.dtypes[c])
                for c, found in zip(self.codes, self._codes(values), strict=True)}

    def matrix(self, values: np.ndarray) -> np.ndarray:
        """The codes as floats, NaN for missing and never-seen values (a FeatureLayout's)."""
        codes = np.array(self._codes(values), dtype=float).T.reshape(len(values), -1)
        codes[codes < 0] = np.nan
        return codes


class _RowMemo:
    """A fitted transformer's output row for each distinct input row, computed on a miss by
    the transformer itself. Thread-safe; the memo is not pickled."""

    def __init__(self, transformer: Any, columns: list[str]) -> None:
        self.transformer, self.columns = transformer, columns
        self.memo: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"transformer": self.transformer, "columns": self.columns}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["transformer"], state["columns"])

    def __call__(self, values: np.ndarray) -> np.ndarray:
        keys = [tuple(None if _missing(v) else v for v in row) for row in values.tolist()]
        with self.lock:
            found = [self.memo.get(k) for k in keys]
        misses = [i for i, f in enumerate(found) if f is None]
        if misses:
            rows = pd.DataFrame(values[misses], columns=self.columns)
            computed = np.asarray(self.transformer.transform(rows), dtype=float)
            with self.lock:
                for i, row in zip(misses, computed, strict=True):
                    found[i] = row
                    self.memo[keys[i]] = row
                while len(self.memo) > MEMO_ROWS:
                    self.memo.popitem(last=False)
        return np.vstack(found)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


class CompiledPrep:
    """A fitted ColumnTransformer's ``transform`` for small frames (see the module's notes)."""

    def __init__(self, transformer: Any) -> None:
        self.frame_output = _frame_output(transformer)
        self.names = list(transformer.get_feature_names_out()) if self.frame_output else None
        self.parts: list[tuple[list[str], Any]] = []
        for _, part, columns in transformer.transformers_:
            if isinstance(part, str) or not len(columns):
                if part != "drop" and len(columns):
                    raise ValueError(f"remainder {part!r} is not compiled")
                continue
            columns = list(columns)
            kernel = _NumericKernel.build(part)
            if kernel is None:
                kernel = _CategoryCodes(part) if isinstance(part, CategoryDtype) else _RowMemo(
                    part, columns)
            self.parts.append((columns, kernel))

    def _columns(self, frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, int]]:
        # one conversion of the whole frame, then columns by position: selecting columns from
        # a DataFrame costs a tenth of a millisecond each time
        return frame.to_numpy(dtype=object), {c: i for i, c in enumerate(frame.columns)}

    def transform(self, frame: pd.DataFrame) -> np.ndarray | pd.DataFrame:
        """The ColumnTransformer's output for ``frame``: a float matrix, or a DataFrame with
        its column names and dtypes where it was set to give pandas output."""
        values, where = self._columns(frame)
        outputs = [kernel(values[:, [where[c] for c in columns]])
                   for columns, kernel in self.parts]
        if not self.frame_output:
            return np.hstack(outputs) if len(outputs) > 1 else outputs[0]
        assert self.names is not None
        data: dict[str, Any] = {}
        names = iter(self.names)
        for out in outputs:
            if isinstance(out, dict):
                data.update({next(names): values for values in out.values()})
            else:
                data.update({next(names): out[:, j] for j in range(out.shape[1])})
        return pd.DataFrame(data, index=frame.index)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The output for ``frame`` as one float64 matrix in the order of :meth:`transform`'s
        columns, category columns as codes (see :class:`automl.FeatureLayout`)."""
        values, where = self._columns(frame)
        outputs = [(kernel.matrix if isinstance(kernel, _CategoryCodes) else kernel)(
            values[:, [where[c] for c in columns]]) for columns, kernel in self.parts]
        return np.hstack(outputs) if len(outputs) > 1 else np.asarray(outputs[0], dtype=float)


def layout_of(output: Any) -> FeatureLayout:
    """The :class:`FeatureLayout` of a fitted preprocessing's ``output`` (a DataFrame, whose
    names and category levels it takes, or a matrix, whose columns are its positions)."""
    if isinstance(output, pd.DataFrame):
        return FeatureLayout(tuple(output.columns), {
            c: tuple(output[c].cat.categories) for c in output.columns
            if isinstance(output[c].dtype, pd.CategoricalDtype)})
    return FeatureLayout(tuple(range(np.shape(output)[1])))


def _frame_output(transformer: Any) -> bool:
    config = getattr(transformer, "_sklearn_output_config", {})
    return config.get("transform") == "pandas"


class CompiledPipeline:
    """A fitted ``prep`` + ``model`` pipeline whose small frames take the compiled path; it
    predicts exactly as ``pipeline`` does (which larger frames still go through). With a
    model's ``compile_predict`` (``compiler``) the model too is called on the compiled
    preprocessing's matrix, through the function it returns for ``layout``."""

    def __init__(self, pipeline: Pipeline, prep: CompiledPrep,
                 compiler: Callable[[Any, FeatureLayout], Any] | None = None,
                 layout: FeatureLayout | None = None) -> None:
        self.pipeline, self.prep = pipeline, prep
        self.model = pipeline.named_steps["model"]
        self.classifier = is_classifier(self.model)
        self.compiler, self.layout = compiler, layout
        self.fast = None if compiler is None or layout is None else compiler(self.model, layout)

    def __getstate__(self) -> dict[str, Any]:
        # the compiled function is made again from its compiler (pickled by reference)
        return {"pipeline": self.pipeline, "prep": self.prep, "compiler": self.compiler,
                "layout": self.layout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["pipeline"], state["prep"], state.get("compiler"), state.get("layout"))

    def _input(self, X: pd.DataFrame) -> Any:
        return self.prep.transform(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The model's predictions (through scikit-learn for frames past SMALL_FRAME rows);
        a compiled classifier predicts the class of highest probability."""
        if len(X) > SMALL_FRAME:
            return self.pipeline.predict(X)
        if self.fast is None:
            return self.model.predict(self._input(X))
        out = self.fast(self.prep.matrix(X))
        return self.model.classes_[np.argmax(out, axis=1)] if self.classifier else out

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The model's class probabilities (as for :meth:`predict`)."""
        if len(X) > SMALL_FRAME:
            return self.pipeline.predict_proba(X)
        if self.fast is None:
            return self.model.predict_proba(self._input(X))
        return self.fast(self.prep.matrix(X))

    def __getattr__(self, name: str) -> Any:
        # everything else (named_steps, steps, feature importances) is the pipeline's
        if name in ("pipeline", "prep", "model", "compiler", "layout", "fast"):
            raise AttributeError(name)
        return getattr(self.pipeline, name)

    def __repr__(self) -> str:
        return f"CompiledPipeline({self.pipeline!r}, model compiled: {self.fast is not None})"


def compile_pipeline(pipeline: Any, sample: pd.DataFrame,
                     compiler: Callable[[Any, FeatureLayout], Any] | None = None) -> Any:
    """``pipeline`` with its small frames on the compiled path, when it has the shape this
    module compiles and the compiled preprocessing gives exactly the fitted one's output on
    ``sample`` (checked rows as the model takes them) and on copies of it with missing and
    never-seen values; else ``pipeline`` itself. ``compiler`` is the model's
    ``ModelSpec.compile_predict``; its function serves only where, on the same rows, it gives
    exactly the model's own predictions (and can be pickled by reference)."""
    if not isinstance(pipeline, Pipeline) or [n for n, _ in pipeline.steps] != ["prep", "model"]:
        return pipeline
    fitted = pipeline.named_steps["prep"]
    try:
        prep = CompiledPrep(fitted)
        for rows in _probes(sample):
            _same(prep.transform(rows), fitted.transform(rows))
            _same(prep.transform(rows.iloc[:1]), fitted.transform(rows.iloc[:1]))
    except (AssertionError, ValueError, TypeError, KeyError, AttributeError):
        return pipeline
    with_model = None if compiler is None else _with_model(pipeline, prep, compiler, sample)
    return with_model or CompiledPipeline(pipeline, prep)


def _with_model(pipeline: Pipeline, prep: CompiledPrep, compiler: Callable[..., Any],
                sample: pd.DataFrame) -> CompiledPipeline | None:
    """The compiled pipeline with its model compiled too, or None where that does not
    reproduce the model exactly (or fails, or would not survive pickling)."""
    model = pipeline.named_steps["model"]
    method = "predict_proba" if is_classifier(model) else "predict"
    try:
        pickle.dumps(compiler)
        layout = layout_of(pipeline.named_steps["prep"].transform(sample.head(1)))
        compiled = CompiledPipeline(pipeline, prep, compiler, layout)
        if compiled.fast is None:
            return None
        for rows in _probes(sample):
            for part in (rows, rows.iloc[:1]):
                np.testing.assert_array_equal(
                    np.asarray(getattr(compiled, method)(part)),
                    np.asarray(getattr(model, method)(prep.transform(part))))
                np.testing.assert_array_equal(compiled.predict(part),
                                              model.predict(prep.transform(part)))
    except Exception:  # a plugin's compiler may fail in any way: the model itself serves
        return None
    return compiled


def _probes(sample: pd.DataFrame) -> list[pd.DataFrame]:
    """The sample, and copies with every value missing and with every text value unseen."""
    rows = sample.head(SMALL_FRAME)
    missing = rows.copy()
    for c in missing.columns:
        missing[c] = missing[c].where(pd.Series(False, index=missing.index))
    unseen = rows.copy()
    for c in unseen.columns:
        if pd.api.types.is_string_dtype(unseen[c]):
            unseen[c] = unseen[c].where(unseen[c].isna(), _UNSEEN)
    return [rows, missing, unseen]


def _same(compiled: Any, fitted: Any) -> None:
    if isinstance(fitted, pd.DataFrame):
        if not isinstance(compiled, pd.DataFrame):
            raise AssertionError("the fitted preprocessing gives a DataFrame")
        pd.testing.assert_frame_equal(compiled, fitted, check_exact=True)
        return
    np.testing.assert_array_equal(np.asarray(compiled, dtype=float),
                                  np.asarray(fitted, dtype=float))
