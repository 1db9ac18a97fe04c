"""``fit(decision_metric=...)``: a binary classifier's threshold tuned on its held-out
probabilities, used by predict, the deployed model, evaluate and the saved model, and drawn in
the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score

import automl
from automl._contract.metrics import get_metric
from automl._final.threshold import tune_threshold
from automl.errors import ConfigurationError


@pytest.fixture(scope="module")
def tuned(credit) -> tuple[automl.FitResult, pd.DataFrame]:
    frame = credit.sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, test = frame.iloc[:3000], frame.iloc[3000:]
    result = automl.fit(train, "Status", time_budget=8, seed=0,
                        decision_metric="balanced_accuracy", verbose=0)
    return result, test


def _argmax(result: automl.FitResult, rows: pd.DataFrame) -> np.ndarray:
    proba = result.predict_proba(rows)
    return proba.columns.to_numpy()[np.argmax(proba.to_numpy(), axis=1)]


def test_the_threshold_raises_test_balanced_accuracy_over_the_argmax(tuned):
    result, test = tuned
    decision = result.decision
    assert decision is not None and decision.applied and decision.metric == "balanced_accuracy"
    assert decision.score > decision.argmax_score  # held out, cross-fitted
    tuned_score = balanced_accuracy_score(test["Status"], result.predict(test))
    argmax_score = balanced_accuracy_score(test["Status"], _argmax(result, test))
    assert tuned_score > argmax_score + 0.02, (tuned_score, argmax_score)
    # predict is the threshold at work on the second class's probability
    bad = result.predict_proba(test)[result.classes[1]].to_numpy() >= decision.threshold
    assert list(result.predict(test)) == list(np.where(bad, result.classes[1],
                                                       result.classes[0]))


def test_the_served_model_evaluate_and_the_saved_model_use_it(tuned, tmp_path):
    result, test = tuned
    served = result.deployable()
    assert served.decision is not None and served.decision.applied
    assert balanced_accuracy_score(test["Status"], served.predict(test)) > \
        balanced_accuracy_score(test["Status"], _argmax(served, test))
    evaluation = result.evaluate(test, importance=False)
    assert evaluation.threshold == pytest.approx(result.decision.threshold)
    assert evaluation.metrics["balanced_accuracy"] == pytest.approx(
        balanced_accuracy_score(test["Status"], result.predict(test)))
    assert "tuned decision threshold" in evaluation.summary()
    restored = automl.load(result.save(tmp_path / "tuned"))
    assert restored.decision == result.decision
    assert list(restored.predict(test)) == list(result.predict(test))
    notes = result.data_report.to_frame()
    assert notes[notes.action == "decided"].detail.str.contains("balanced_accuracy").any()


def test_the_report_draws_the_threshold_curve(tuned, tmp_path, render_in_chromium):
    result, test = tuned
    path = result.report(tmp_path / "tuned.html", test)
    sizes, _, text = render_in_chromium(path, tmp_path / "tuned.png")
    assert "threshold" in sizes and sizes["threshold"][0] > 200
    assert f"decision threshold {result.decision.threshold:.3g}" in text


def test_a_metric_of_labels_is_scored_at_the_threshold_it_predicts_by(credit):
    """Where the fit's own metric is the decision metric, the held-out score, the evaluation's
    verdict and the drift check score the labels predict gives, not the argmax's."""
    frame = credit.sample(frac=1.0, random_state=1).reset_index(drop=True)
    train, test = frame.iloc[:2000], frame.iloc[2000:2600]
    # a fixed number of trials: whether the threshold helps must not hang on the machine's pace
    result = automl.fit(train, "Status", time_budget=60, n_trials=4, seed=0,
                        metric="balanced_accuracy", decision_metric="balanced_accuracy",
                        verbose=0)
    decision = result.decision
    assert decision is not None and decision.applied
    # the threshold kept is the held-out curve's best; 0.5 (the argmax) is on the curve too
    assert result.held_out.score == pytest.approx(max(score for _, score in decision.curve))
    assert result.held_out.score > decision.argmax_score
    evaluation = result.evaluate(test, importance=False)
    predicted = balanced_accuracy_score(test["Status"], result.predict(test))
    assert evaluation.diagnosis.scores["test"].score == pytest.approx(predicted)
    performance = result.drift(test).performance
    assert performance is not None and performance.recent.score == pytest.approx(predicted)


def test_scored_takes_labels_at_the_threshold():
    from automl._final.scoring import scored

    y = np.array([0, 0, 0, 1, 1, 0, 1, 0])
    positive = np.array([0.1, 0.2, 0.35, 0.4, 0.45, 0.3, 0.8, 0.05])
    proba = np.column_stack([1 - positive, positive])
    metric = get_metric("balanced_accuracy", automl.Task.BINARY)
    at_half = scored(metric, automl.Task.BINARY, y, proba)
    at_cut = scored(metric, automl.Task.BINARY, y, proba, threshold=0.38)
    assert at_half.score == pytest.approx(balanced_accuracy_score(y, positive >= 0.5))
    assert at_cut.score == pytest.approx(1.0) and at_half.score < 1.0
    assert at_cut.skill == pytest.approx(1.0) and at_half.skill < at_cut.skill


def test_a_threshold_that_does_not_help_is_not_applied():
    # probabilities that rank perfectly at 0.5: no other cut does better
    y = np.array([0, 1] * 50)
    proba = np.column_stack([1 - (0.2 + 0.6 * y), 0.2 + 0.6 * y])
    found = tune_threshold(get_metric("balanced_accuracy", automl.Task.BINARY), proba, y, 0)
    assert found is not None and not found.applied and found.score == found.argmax_score == 1.0


def test_decision_metrics_it_cannot_use_are_refused(credit, concrete):
    with pytest.raises(ConfigurationError, match="scores probabilities"):
        automl.fit(credit.head(300), "Status", decision_metric="roc_auc", time_budget=2)
    with pytest.raises(ConfigurationError, match="binary classifier"):
        automl.fit(concrete.head(300), "compressive_strength", decision_metric="mae",
                   time_budget=2)


def test_the_guides_examples_run(capsys):
    """Each Python block of docs/guide/decide.md runs as written (with a shorter budget)."""
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "guide" / "decide.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    assert len(blocks) == 4
    for block in blocks:
        exec(compile(block.replace("time_budget=10", "time_budget=5")
                     .replace('validation="cv", ', ""), "decide.md", "exec"), {})
    out = capsys.readouterr().out
    assert "metric=roc_auc: chose" in out and "metric=cost: chose" in out
    assert "decision threshold" in out and "at the more probable class" in out
    assert "of the test rows inside their 90 % interval" in out
    weighted, plain = (float(line.rsplit(" ", 1)[1]) for line in out.splitlines()
                       if "cost-weighted test accuracy" in line)
    assert weighted > plain
