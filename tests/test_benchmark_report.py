"""The accuracy report's arithmetic, on records written as the benchmark writes them: scores
normalised per table and seed, the spread across seeds, and automl's shortfalls against the
default HistGradientBoosting."""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import main
from benchmarks.report import load_records, markdown, normalise, shortfalls, summary


def _record(table: str, framework: str, seed: int, score: float, metric: str = "roc_auc",
            constant: float = 0.5) -> dict:
    return {"table": table, "framework": framework, "seed": seed, "score": score,
            "metric": metric, "constant": constant, "budget": 30.0, "fit_seconds": 30.0,
            "within_limit": True, "peak_memory_mb": 300.0, "side_metric": "accuracy",
            "side_score": 0.8, "predict_seconds": 0.01, "note": ""}


@pytest.fixture
def run(tmp_path):
    rows = [_record("a", "automl", 0, 0.90), _record("a", "hgb", 0, 0.80),
            _record("a", "automl", 1, 0.85), _record("a", "hgb", 1, 0.86),
            # regression: lower is better; the constant is the worst
            _record("r", "automl", 0, 2.0, "rmse", 10.0), _record("r", "hgb", 0, 3.0, "rmse", 10.0),
            _record("r", "automl", 1, 2.0, "rmse", 10.0), _record("r", "hgb", 1, 2.0, "rmse", 10.0)]
    (tmp_path / "records").mkdir()
    for i, row in enumerate(rows):
        (tmp_path / "records" / f"{i}.json").write_text(json.dumps(row))
    return normalise(load_records(tmp_path))


def test_scores_are_normalised_per_table_and_seed(run):
    by = run.set_index(["table", "seed", "framework"])["normalised"]
    assert by["a", 0, "automl"] == 1.0 and by["a", 0, "hgb"] == pytest.approx(0.75)
    assert by["a", 1, "hgb"] == 1.0 and by["a", 1, "automl"] == pytest.approx(0.35 / 0.36)
    assert by["r", 0, "hgb"] == pytest.approx(7 / 8) and by["r", 1, "hgb"] == 1.0


def test_the_summary_gives_the_spread_across_seeds(run):
    table = summary(run)
    # automl's mean normalised score per seed: (1 + 1) / 2 and (0.35 / 0.36 + 1) / 2
    per_seed = [1.0, (0.35 / 0.36 + 1) / 2]
    assert table.loc["automl", "mean normalised score"] == pytest.approx(sum(per_seed) / 2)
    assert table.loc["automl", "sd across seeds"] == pytest.approx(
        abs(per_seed[0] - per_seed[1]) / 2 ** 0.5)


def test_every_shortfall_against_the_floor_is_listed(run):
    lost = shortfalls(run)
    assert list(zip(lost["table"], lost["seed"], strict=True)) == [("a", 1)]
    assert lost["shortfall"].iloc[0] == pytest.approx(1 - 0.35 / 0.36)
    page = markdown(run, "machine")
    assert "seeds 0, 1" in page
    assert "automl below the default HistGradientBoosting on 1 of 4" in page


def test_setup_takes_no_peer_names_or_known_ones_only():
    with pytest.raises(SystemExit) as exc:
        main(["setup", "nonsense"])
    assert exc.value.code == 2
