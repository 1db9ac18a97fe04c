"""Why the model said what it said: each input column's contribution to each row's prediction.

Contributions are SHAP values (Lundberg and Lee, 2017) against a background of training rows:
for each row they add up, with the background's mean output (``base``), to the output explained.
That output is the probability of a class for a classifier and the predicted value for a
regressor (on the log1p scale where the target is fitted there, before the clipping to the
training range that prediction applies).

Each model a fit can return is a weighted average of fitted pipelines (an ensemble, a bag of
fold models, or one pipeline), and SHAP values are linear in the model, so the members are
explained one by one and their contributions added with the members' weights:

- a tree model that shap's ``TreeExplainer`` reads (random forests, extra trees, XGBoost,
  LightGBM, CatBoost) is explained exactly in its own features, and the features a column was
  encoded into (one-hot levels, say) are summed back into that column;
- a linear regressor's contribution is exact: each coefficient times the feature's distance
  from the background's mean;
- every other member (scikit-learn's histogram gradient boosting, whose trees shap reads only
  approximately; neighbours; networks; a logistic regression, whose probability is not a sum of
  its terms) is explained by shap's model-agnostic permutation explainer on the input columns.
  Its contributions are estimates, but they too add up exactly.

A member is taken as exact only after its contributions are checked to add up to its own output
on the rows explained; one that does not goes to the permutation explainer. A classifier whose
probabilities are recalibrated is not a weighted sum of its members: it is explained whole
by the permutation explainer.

The background is :data:`BACKGROUND_ROWS` training rows with each column shuffled on its own
(:func:`background_rows`): the interventional SHAP values assume the columns independent anyway,
and shuffled rows are no training record, so a Bento can carry them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from automl._contract.model_wrapper import ModelWrapper
from automl._contract.specs import Task
from automl._features.ensemble import WeightedEnsemble
from automl._features.target_transform import ScaledTargetModel
from automl._final.calibration import CalibratedModel, unwrapped
from automl._final.compiled import CompiledPipeline

__all__ = ["BACKGROUND_ROWS", "Explanation", "background_rows", "explain_model"]

#: training rows the contributions are measured against
BACKGROUND_ROWS = 50
#: orderings of the columns the permutation explainer walks (forward and back) for each row
PERMUTATIONS = 4
#: how far an exact explainer's contributions may miss the member's own output
_TOLERANCE = 1e-6


@dataclass
class Explanation:
    """Per-row contributions: ``contributions`` has one row per explained row (the input's
    index) and one column per input column; ``base`` is the background's mean output and
    ``value`` the output explained, so that ``base + contributions.sum(axis=1) == value`` for
    each row. ``output`` says what ``value`` is, ``explained_class`` (classification) the class
    each row's probability is of, and ``methods`` how each member was explained with its
    share of the model's weight."""

    contributions: pd.DataFrame
    base: np.ndarray
    value: np.ndarray
    output: str
    explained_class: list | None = None
    methods: dict[str, float] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """The mean absolute contribution of each column over the rows, largest first."""
        mean = self.contributions.abs().mean(axis=0)
        table = pd.DataFrame({"feature": [str(c) for c in mean.index],
                              "importance": mean.to_numpy(float)})
        return table.sort_values("importance", ascending=False, kind="stable").reset_index(
            drop=True)

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready record per row: what is explained, the base, the value and each
        column's contribution."""
        records = []
        for i, (_, row) in enumerate(self.contributions.iterrows()):
            record: dict[str, Any] = {"base": float(self.base[i]), "value": float(self.value[i]),
                                      "contributions": {str(k): float(v) for k, v in
                                                        row.items()}}
            if self.explained_class is not None:
                record["class"] = _plain(self.explained_class[i])
            records.append(record)
        return records


def background_rows(X: pd.DataFrame, seed: int = 0, rows: int = BACKGROUND_ROWS
                    ) -> pd.DataFrame:
    """Up to ``rows`` rows of the cleaned training frame ``X``, each column shuffled on its own:
    the background contributions are measured against."""
    rng = np.random.default_rng(seed)
    picked = X.iloc[np.sort(rng.choice(len(X), min(rows, len(X)), replace=False))]
    picked = picked.reset_index(drop=True)
    return pd.DataFrame({c: picked[c].iloc[rng.permutation(len(picked))].reset_index(drop=True)
                         for c in picked.columns})[list(X.columns)]


def explain_model(model: Any, X: pd.DataFrame, background: pd.DataFrame, task: Task,
                  classes: list | None, *, of_class: Any = None, seed: int = 0) -> Explanation:
    """Explain fitted final model ``model`` (a :class:`~automl._result.result.FitResult`'s pipeline)
    on the prepared rows ``X``, against ``background`` (see the module's text). A
    classifier's rows are explained for ``of_class`` (an original label) where given, else
    binary: the second class; multiclass: each row's most probable class."""
    outputs = len(classes) if classes is not None else 1
    whole = _calibrated(model)
    parts = [(1.0, model)] if whole else _members(unwrapped(model), 1.0)
    values = np.zeros((len(X), X.shape[1], outputs))
    base = np.zeros(outputs)
    methods: dict[str, float] = {}
    agnostic: list[tuple[float, Any]] = []
    for weight, member in parts:
        exact = None if whole else _exact(member, X, background, task, outputs)
        if exact is None:
            agnostic.append((weight, member))
            continue
        method, member_values, member_base = exact
        values += weight * member_values
        base += weight * member_base
        methods[method] = methods.get(method, 0.0) + weight
    if agnostic:
        member_values, member_base = _permutation(agnostic, X, background, outputs, seed)
        values += member_values
        base += member_base
        methods["permutation (shap PermutationExplainer)"] = sum(w for w, _ in agnostic)
    return _explanation(values, base, X, task, classes, of_class, methods, model)


def _explanation(values: np.ndarray, base: np.ndarray, X: pd.DataFrame, task: Task,
                 classes: list | None, of_class: Any, methods: dict[str, float],
                 model: Any) -> Explanation:
    rows = np.arange(len(X))
    totals = base[None, :] + values.sum(axis=1)
    if classes is None:
        column = np.zeros(len(X), dtype=int)
        log = _log_scale(model)
        output = "the predicted value" + (" on the log1p scale" if log else "")
        explained = None
    else:
        if of_class is not None:
            column = np.full(len(X), _class_index(of_class, classes))
        elif len(classes) == 2:
            column = np.ones(len(X), dtype=int)
        else:
            column = np.argmax(totals, axis=1)
        explained = [classes[k] for k in column]
        output = ("the probability of each row's most probable class"
                  if of_class is None and len(classes) > 2 else
                  f"the probability of class {explained[0]!r}" if len(X) else "a probability")
    contributions = pd.DataFrame(values[rows, :, column], index=X.index, columns=X.columns)
    return Explanation(contributions, base[column], totals[rows, column], output, explained,
                       {k: round(v, 4) for k, v in methods.items()})


def _class_index(label: Any, classes: list) -> int:
    from automl.errors import ConfigurationError

    for i, known in enumerate(classes):
        if known == label or str(known) == str(label):
            return i
    raise ConfigurationError(f"of_class={label!r} is not one of the classes {list(classes)}")


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _calibrated(model: Any) -> bool:
    while isinstance(model, ModelWrapper | ScaledTargetModel):
        if isinstance(model, CalibratedModel) and model.changes_probabilities:
            return True
        model = model.model
    return False


def _log_scale(model: Any) -> bool:
    while isinstance(model, ModelWrapper | ScaledTargetModel):
        if isinstance(model, ScaledTargetModel):
            return model.scale.log
        model = model.model
    return False


def _members(model: Any, weight: float) -> list[tuple[float, Any]]:
    """The fitted pipelines a model averages, each with its share of the weight."""
    if isinstance(model, WeightedEnsemble):
        total = sum(model.weights)
        return [part for member, w in zip(model.members, model.weights, strict=True)
                for part in _members(member, weight * w / total)]
    if isinstance(model, CompiledPipeline):
        model = model.pipeline
    return [(weight, model)]


def _output(model: Any, X: Any, outputs: int, classifier: bool) -> np.ndarray:
    """What is explained of ``model`` on ``X``: probabilities, or values as one column."""
    if classifier:
        return np.asarray(model.predict_proba(X), dtype=float).reshape(len(X), outputs)
    return np.asarray(model.predict(X), dtype=float).reshape(len(X), 1)


def _exact(member: Any, X: pd.DataFrame, background: pd.DataFrame, task: Task, outputs: int
           ) -> tuple[str, np.ndarray, np.ndarray] | None:
    """A member's exact contributions by input column: (method, values, base), or None where
    it has no exact explainer (or its contributions do not add up to its output)."""
    steps = getattr(member, "named_steps", None)
    if steps is None or list(steps) != ["prep", "model"]:
        return None
    prep, estimator = steps["prep"], steps["model"]
    owners = _owners(prep, list(X.columns))
    if owners is None:
        return None
    Z, Z_background = prep.transform(X), prep.transform(background)
    classifier = task.is_classification
    found = _linear(estimator, Z, Z_background, classifier)
    if found is None:
        found = _tree(estimator, Z, Z_background, classifier, outputs)
    if found is None:
        return None
    method, values, base = found
    expected = _output(estimator, Z, outputs, classifier)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    if not np.allclose(values.sum(axis=1) + base, expected, atol=_TOLERANCE * scale,
                       rtol=0.0):
        return None
    by_column = np.zeros((len(X), X.shape[1], outputs))
    np.add.at(by_column, (slice(None), owners), values)
    return method, by_column, base


def _linear(estimator: Any, Z: Any, Z_background: Any, classifier: bool
            ) -> tuple[str, np.ndarray, np.ndarray] | None:
    """A linear regressor's terms, measured from the background's mean; on the columns as the
    model sees them where it maps them first (``view``, the built-in ridge's long tails)."""
    coef = getattr(estimator, "coef_", None)
    intercept = getattr(estimator, "intercept_", None)
    if classifier or coef is None or intercept is None or np.ndim(coef) != 1:
        return None
    try:
        Z, Z_background = np.asarray(Z, dtype=float), np.asarray(Z_background, dtype=float)
    except (TypeError, ValueError):
        return None
    view = getattr(estimator, "view", None)
    if callable(view):
        Z, Z_background = view(Z), view(Z_background)
    mean = Z_background.mean(axis=0)
    values = ((Z - mean) * np.asarray(coef, dtype=float))[:, :, None]
    base = np.array([float(np.asarray(intercept).ravel()[0]) + float(mean @ coef)])
    return "linear (exact terms)", values, base


def _tree(estimator: Any, Z: Any, Z_background: Any, classifier: bool, outputs: int
          ) -> tuple[str, np.ndarray, np.ndarray] | None:
    """shap's TreeExplainer on the member's own features, interventional on the background."""
    import shap

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            explainer = shap.TreeExplainer(
                estimator, data=Z_background, feature_perturbation="interventional",
                model_output="probability" if classifier else "raw")
            raw = explainer.shap_values(Z, check_additivity=False)
    # shap reads only some tree models and says so in exceptions of several types: any
    # failure here means "not exactly", and the permutation explainer takes the member
    except Exception:
        return None
    values = np.asarray(raw, dtype=float)
    expected = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float))
    if isinstance(raw, list):  # one matrix per class, from older explainers
        values = np.moveaxis(values, 0, -1)
    if values.ndim == 2:
        values = values[:, :, None]
    if values.shape[2] == 1 and outputs == 2:  # the positive class only: the other mirrors it
        values = np.concatenate([-values, values], axis=2)
        expected = np.array([1.0 - expected[-1], expected[-1]])
    if values.shape[2] != outputs or len(expected) != outputs:
        return None
    return "tree (shap TreeExplainer)", values, expected


def _owners(prep: Any, columns: list[str]) -> np.ndarray | None:
    """For each feature a fitted ColumnTransformer makes, the input column it comes from; None
    where that cannot be told."""
    index = {c: i for i, c in enumerate(columns)}
    slices = getattr(prep, "output_indices_", None)
    if slices is None:
        return None
    width = max((s.stop for s in slices.values()), default=0)
    owners = np.full(width, -1)
    for name, transformer, cols in prep.transformers_:
        part = slices[name]
        if part.stop == part.start:
            continue
        if name == "remainder" or not all(c in index for c in cols):
            return None
        cols = list(cols)
        if part.stop - part.start == len(cols):
            owners[part] = [index[c] for c in cols]
        elif len(cols) == 1:
            owners[part] = index[cols[0]]
        else:
            named = _by_prefix(transformer, cols, part.stop - part.start)
            if named is None:
                return None
            owners[part] = [index[c] for c in named]
    return None if (owners < 0).any() else owners


def _by_prefix(transformer: Any, cols: list[str], width: int) -> list[str] | None:
    """The input column of each feature ``transformer`` makes, by the longest column name its
    feature name (or the part after a nested transformer's ``name__``) starts with: one-hot
    levels are named ``column_level``."""
    try:
        names = [str(n) for n in transformer.get_feature_names_out(cols)]
    except (AttributeError, ValueError, TypeError):
        return None
    if len(names) != width:
        return None
    owners = []
    for full in names:
        # a nested transformer prefixes its own name: "low__colour_red"
        tails = [full] + [full[i + 2:] for i in range(len(full)) if full.startswith("__", i)]
        matches = [c for c in cols for name in tails
                   if name == str(c) or name.startswith(f"{c}_")]
        if not matches:
            return None
        owners.append(max(matches, key=lambda c: len(str(c))))
    return owners


def _permutation(parts: list[tuple[float, Any]], X: pd.DataFrame, background: pd.DataFrame,
                 outputs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """shap's permutation explainer on the weighted sum of ``parts`` over the input columns.

    shap's maskers take numbers: columns of other types travel as codes into a table of their
    values and are decoded before the model sees them."""
    import shap

    classifier = outputs > 1 or _is_classifier(parts[0][1])
    coded = _Codes(X, background)

    def output(codes: np.ndarray) -> np.ndarray:
        frame = coded.decode(codes)
        return sum(w * _output(m, frame, outputs, classifier) for w, m in parts)

    width = X.shape[1]
    explainer = shap.PermutationExplainer(
        output, shap.maskers.Independent(coded.background, max_samples=len(background)),
        seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = explainer(coded.rows, max_evals=PERMUTATIONS * (2 * width + 1), silent=True)
    values = np.asarray(found.values, dtype=float).reshape(len(X), width, outputs)
    base = np.asarray(found.base_values, dtype=float).reshape(len(X), outputs)
    return values, base[0] if len(X) else np.zeros(outputs)


def _is_classifier(model: Any) -> bool:
    return hasattr(model, "predict_proba")


class _Codes:
    """Rows and background as one number per cell: numbers as they are, anything else as its
    position in the column's table of values."""

    def __init__(self, X: pd.DataFrame, background: pd.DataFrame) -> None:
        self.columns, self.dtypes = list(X.columns), X.dtypes
        self.tables: dict[str, np.ndarray] = {}
        for c in self.columns:
            if not _numeric(X[c].dtype):
                self.tables[c] = pd.unique(np.concatenate(
                    [background[c].to_numpy(object), X[c].to_numpy(object)]))
        self.rows, self.background = self.encode(X), self.encode(background)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """``frame`` as a float matrix."""
        out = np.empty(frame.shape, dtype=float)
        for j, c in enumerate(self.columns):
            if c in self.tables:
                out[:, j] = pd.Index(self.tables[c]).get_indexer(frame[c].to_numpy(object))
            else:
                out[:, j] = frame[c].to_numpy(float, na_value=np.nan)
        return out

    def decode(self, codes: np.ndarray) -> pd.DataFrame:
        """A frame of the input's columns and types from coded rows."""
        data = {}
        for j, c in enumerate(self.columns):
            if c in self.tables:
                data[c] = pd.Series(self.tables[c][codes[:, j].astype(int)], dtype=object)
            else:
                data[c] = pd.Series(codes[:, j])
        return pd.DataFrame(data).astype(self.dtypes.to_dict())


def _numeric(dtype: Any) -> bool:
    return (pd.api.types.is_numeric_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype))
