"""The plugin passes automl's conformance kit and joins a real search."""

import pytest
from sklearn.datasets import load_breast_cancer

import automl
from automl.plugin import plugin_checks


@pytest.mark.parametrize("check", plugin_checks("template"), ids=str)
def test_conformance(check):
    check()


def test_joins_a_search():
    df = load_breast_cancer(as_frame=True).frame
    result = automl.fit(df, "target", models=["decision_tree"], n_trials=5,
                         ensemble=False, verbose=0)
    assert result.best == "decision_tree" and result.valid_score > 0.85
