"""fit on real data for the three tasks: leaderboard, predictions, save/load, the budget,
reproducibility, tuners."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pandas as pd
import pytest

import automl
from automl.errors import DataValidationError, ModelLoadError

FAMILIES = {"linear", "random_forest", "extra_trees", "hist_gradient_boosting", "kneighbors"}


def test_binary_on_credit_data(credit, tmp_path):
    result = automl.fit(credit, "Status", time_budget=8, verbose=0)
    board = result.leaderboard
    assert result.task == "binary" and result.metric == "roc_auc"
    assert list(board.columns[:4]) == ["model", "roc_auc", "fit_seconds", "status"]
    assert set(board["model"]) >= FAMILIES  # every model's default is tried first
    complete = board[board["status"] == "complete"]
    assert complete["roc_auc"].is_monotonic_decreasing
    assert result.best == board.loc[0, "model"] and result.valid_score == board.loc[0, "roc_auc"]
    assert result.valid_score > 0.8
    assert set(result.predict(credit.head(50))) <= {"good", "bad"}
    proba = result.predict_proba(credit.head(5))
    assert list(proba.columns) == ["bad", "good"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert result.score(credit) > 0.8
    out = result.save(tmp_path / "credit_model")
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["versions"]["automl"] == automl.__version__ and "scikit-learn" in meta["versions"]
    loaded = automl.load(out)
    assert list(loaded.predict(credit.head(20))) == list(result.predict(credit.head(20)))
    assert loaded.leaderboard[["model", "status"]].equals(board[["model", "status"]])


def test_multiclass_on_hpc_data(hpc):
    result = automl.fit(hpc, "class", n_trials=5, time_budget=120, validation="holdout",
                        verbose=0)
    assert result.task == "multiclass" and result.metric == "log_loss"
    assert set(result.classes) == {"VF", "F", "M", "L"}
    complete = result.leaderboard[result.leaderboard["status"] == "complete"]
    assert complete["log_loss"].is_monotonic_increasing
    assert list(result.predict_proba(hpc.head(3)).columns) == result.classes
    assert result.score(hpc, metric="accuracy") > 0.6


def test_regression_on_concrete(concrete):
    result = automl.fit(concrete, "compressive_strength", time_budget=6, verbose=0)
    assert result.task == "regression" and result.metric == "rmse" and result.classes is None
    assert result.valid_score < 7.0  # the target's standard deviation is 16.7
    predicted = result.predict(concrete.head(10))
    assert predicted.dtype == float and len(predicted) == 10
    with pytest.raises(automl.errors.ConfigurationError, match="predict_proba"):
        result.predict_proba(concrete.head())


def test_same_seed_and_n_trials_give_the_same_leaderboard(concrete):
    def board(seed):
        r = automl.fit(concrete, "compressive_strength", n_trials=6, time_budget=120,
                       validation="holdout",
                       seed=seed, verbose=0)
        return r.leaderboard[["model", "rmse", "params", "status"]]

    first = board(0)
    pd.testing.assert_frame_equal(first, board(0))
    assert len(first[first["model"] != "ensemble"]) == 6
    assert not first.equals(board(1))


def test_budget_is_wall_clock_with_refit(credit):
    started = time.monotonic()
    result = automl.fit(credit, "Status", time_budget=5, verbose=0)
    elapsed = time.monotonic() - started
    # the contract: at most 5% + 1 s over the budget
    assert elapsed <= 5 * 1.05 + 1, elapsed
    assert len(result.leaderboard) >= 5


def test_progress_lines_and_verbose_zero(concrete, capsys):
    automl.fit(concrete, "compressive_strength", n_trials=3, verbose=1)
    err = capsys.readouterr().err
    assert "regression task, rmse (lower is better)" in err
    assert err.count("trial ") == 3 and "best:" in err
    automl.fit(concrete, "compressive_strength", n_trials=3, verbose=0)
    assert capsys.readouterr().err == ""


def test_optunas_own_logging_is_quiet_during_the_fit_and_restored_after(concrete, capsys):
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        automl.fit(concrete, "compressive_strength", n_trials=2, verbose=0)
        # Optuna's INFO line per trial would repeat the progress display's
        assert "finished with value" not in capsys.readouterr().err
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)


@pytest.mark.parametrize("tuner", ["random", "grid"])
def test_other_tuners(concrete, tuner):
    result = automl.fit(concrete, "compressive_strength", n_trials=10, tuner=tuner,
                        validation="holdout", verbose=0)
    assert result.leaderboard["status"].eq("complete").sum() >= 8


def test_grid_tuner_walks_each_models_grid(concrete):
    result = automl.fit(concrete, "compressive_strength", n_trials=5, tuner="grid",
                        models=["linear"], ensemble=False, verbose=0)
    assert sorted(p["C"] for p in result.leaderboard["params"]) == [0.01, 0.1, 1.0, 10.0, 100.0]


def test_metric_can_be_named(credit):
    result = automl.fit(credit, "Status", metric="accuracy", n_trials=2, models=["linear"],
                        verbose=0)
    assert result.metric == "accuracy" and 0.7 < result.valid_score <= 1


def test_load_refuses_an_incompatible_format(credit, tmp_path):
    result = automl.fit(credit, "Status", n_trials=1, models=["linear"], verbose=0)
    out = result.save(tmp_path / "m")
    meta = json.loads((out / "metadata.json").read_text())
    meta["format_version"] = 999
    (out / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="format 999"):
        automl.load(out)
    with pytest.raises(ModelLoadError, match="not a saved automl model"):
        automl.load(tmp_path / "nowhere")


def test_csv_round_trip_predicts_like_the_frame(credit):
    result = automl.fit(credit, "Status", n_trials=2, models=["random_forest"], verbose=0)
    buffer = io.StringIO()
    credit.head(30).to_csv(buffer, index=False)
    buffer.seek(0)
    from_csv = pd.read_csv(buffer)
    assert list(result.predict(from_csv)) == list(result.predict(credit.head(30)))


@pytest.mark.parametrize("table,target", [("credit", "Status"), ("concrete",
                                                                  "compressive_strength")])
def test_a_frame_without_rows_predicts_nothing_of_the_right_type(table, target, request):
    df = request.getfixturevalue(table).sample(400, random_state=0)
    result = automl.fit(df, target, models=["linear"], n_trials=1, time_budget=10,
                        validation="holdout", verbose=0)
    empty = df.drop(columns=target).head(0)
    for model in (result, result.deployable()):
        predicted = model.predict(empty)
        assert isinstance(predicted, np.ndarray) and predicted.shape == (0,)
        assert predicted.dtype == (object if result.classes is not None else float)
    if result.classes is not None:
        proba = result.predict_proba(empty)
        assert proba.shape == (0, 2) and list(proba.columns) == list(result.classes)
    # a frame without rows still needs the right columns
    with pytest.raises(DataValidationError, match="missing"):
        result.predict(empty.drop(columns=empty.columns[0]))
    # nothing to score on is the data's fault, said so
    with pytest.raises(DataValidationError, match="no rows with a target value"):
        result.score(df.head(0))
