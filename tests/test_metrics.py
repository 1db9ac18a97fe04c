"""The metrics written out for speed agree with scikit-learn's."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from automl._contract.metrics import get_metric
from automl._contract.specs import Task


@pytest.mark.parametrize("seed", range(5))
def test_binary_roc_auc_and_log_loss_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 700)
    score = np.round(rng.random(700), 2)  # rounded: many ties
    proba = np.c_[1 - score, score]
    auc = get_metric("roc_auc", Task.BINARY).fn(y, proba)
    assert auc == pytest.approx(skm.roc_auc_score(y, score), abs=1e-12)
    loss = get_metric("log_loss", Task.BINARY).fn(y, proba)
    assert loss == pytest.approx(skm.log_loss(y, y_proba=proba), abs=1e-12)


def test_multiclass_log_loss_agrees_with_scikit_learn_with_a_class_absent():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), 300)
    proba[:5] = np.eye(4)[[0, 1, 2, 3, 0]]  # certain rows: clipped the same way
    y = rng.integers(0, 3, 300)  # class 3 never occurs
    loss = get_metric("log_loss", Task.MULTICLASS).fn(y, proba)
    assert loss == pytest.approx(skm.log_loss(y, y_proba=proba, labels=range(4)), abs=1e-12)


def test_roc_auc_of_one_class_is_undefined_as_in_scikit_learn():
    from sklearn.exceptions import UndefinedMetricWarning

    y, proba = np.ones(10, dtype=int), np.full((10, 2), 0.5)
    with pytest.warns(UndefinedMetricWarning):
        ours = get_metric("roc_auc", Task.BINARY).fn(y, proba)
    with pytest.warns(UndefinedMetricWarning):
        theirs = skm.roc_auc_score(y, proba[:, 1])
    assert np.isnan(ours) and np.isnan(theirs)


@pytest.mark.parametrize("seed", range(3))
def test_regression_metrics_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = rng.lognormal(size=400)
    predicted = y + rng.normal(size=400)
    theirs = {"rmse": skm.root_mean_squared_error, "mae": skm.mean_absolute_error,
              "r2": skm.r2_score}
    for name, fn in theirs.items():
        ours = get_metric(name, Task.REGRESSION).fn(y, predicted)
        assert ours == pytest.approx(fn(y, predicted), rel=1e-12), name
    # a constant target: scikit-learn's R² is 1 for a perfect fit and 0 otherwise
    constant = np.full(10, 3.0)
    for predicted in (constant, constant + 1):
        assert get_metric("r2", Task.REGRESSION).fn(constant, predicted) == skm.r2_score(
            constant, predicted)
