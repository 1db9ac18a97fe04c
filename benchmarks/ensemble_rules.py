"""Ensemble-selection rules weighed offline, on every table of the suite at once.

    python -m benchmarks.ensemble_rules dump --budget 30 --seed 0 --out /tmp/ensemble-dumps
    python -m benchmarks.ensemble_rules compare /tmp/ensemble-dumps \\
        --records benchmarks/results/suite-30s-one-machine

``dump`` fits each table of :mod:`benchmarks.suite` on the suite's split, as ``fit`` does by
default, and keeps what the ensemble selection saw: each candidate's held-out predictions (out
of fold where the fit bagged) and its predictions of the test rows, one pickle per table.
``compare`` replays the selection on those predictions under each rule of :data:`RULES` and
prints, per table, what the rule would have changed in the test score, in % of the gap between
the constant predictor and the best framework of ``--records`` (positive is better), with the
count of tables better, worse and within 0.05 %. The README's "none was taken" paragraph on
ensemble selection was measured this way. The pickles are this script's own output, read back
on the machine that wrote them; do not point ``compare`` at files from elsewhere.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from automl._contract.metrics import get_metric, prediction_score
from automl._features.ensemble import select

Weights = dict[int, float]


def dump(tables: list[str], budget: float, seed: int, out: Path) -> None:
    """Fit each table and pickle what its ensemble selection saw (see the module's text)."""
    import automl
    import automl._fit.stages as stages
    from automl._contract.metrics import held_out_prediction
    from benchmarks.suite import TABLES, load, split

    seen: dict = {}
    build = stages.build_final_model

    def spy(setup, outcome, *args, **kwargs):  # the stage's inputs are what selection saw
        seen["setup"], seen["outcome"] = setup, outcome
        return build(setup, outcome, *args, **kwargs)

    stages.build_final_model = spy
    out.mkdir(parents=True, exist_ok=True)
    for name in tables:
        table = TABLES[name]
        train, test = split(table, load(table), seed)
        result = automl.fit(train, table.target, time_budget=budget, seed=seed, verbose=0)
        setup, outcome = seen["setup"], seen["outcome"]
        X = result._features(test.drop(columns=[table.target]), "test")
        tests = {}
        for number, candidate in outcome.candidates.items():
            p = held_out_prediction(candidate.pipeline, X, setup.task)
            tests[number] = p if setup.target_scale is None else setup.target_scale.to_target(p)
        record = dict(table=table.key, task=setup.task, metric=setup.metric.name,
                      valid={n: c.prediction for n, c in outcome.candidates.items()},
                      models={n: c.record.model for n, c in outcome.candidates.items()},
                      y_valid=outcome.y_valid, w_valid=outcome.w_valid, test=tests,
                      y_test=result._encode(test[table.target]))
        (out / f"{name}.pkl").write_bytes(pickle.dumps(record))
        print(f"{name}: {len(tests)} candidates", flush=True)


def _blend(weights: Weights, predictions: dict) -> np.ndarray:
    return sum(w * predictions[k] for k, w in weights.items()) / sum(weights.values())


def _select(d: dict, predictions: dict, rows: np.ndarray | None = None) -> Weights:
    y, w = d["y_valid"], d["w_valid"]
    if rows is not None:
        predictions = {k: v[rows] for k, v in predictions.items()}
        y, w = y[rows], None if w is None else w[rows]
    return select(predictions, y, d["metric"], d["task"], sample_weight=w).weights


def as_is(d: dict) -> tuple[Weights, dict]:
    """The selection as ``fit`` makes it."""
    return _select(d, d["valid"]), d["test"]


def no_linear(d: dict) -> tuple[Weights, dict]:
    """The linear model (ridge or logistic regression) left out of the candidates."""
    rest = {k: v for k, v in d["valid"].items() if d["models"][k] != "linear"}
    return (_select(d, rest) if rest else _select(d, d["valid"])), d["test"]


def linear_clipped(d: dict) -> tuple[Weights, dict]:
    """Regression: each linear member's prediction clipped, row by row, to the range of the
    other members' predictions, on the held-out and the test rows alike."""
    def clip(predictions: dict) -> dict:
        linear = [k for k in predictions if d["models"][k] == "linear"]
        rest = [k for k in predictions if d["models"][k] != "linear"]
        if d["task"].is_classification or not linear or not rest:
            return predictions
        low = np.min([predictions[k] for k in rest], axis=0)
        high = np.max([predictions[k] for k in rest], axis=0)
        return {k: np.clip(v, low, high) if k in linear else v for k, v in predictions.items()}
    return _select(d, clip(d["valid"])), clip(d["test"])


def bagged_rows(d: dict, bags: int = 20) -> tuple[Weights, dict]:
    """The selection averaged over bootstrap resamples of the held-out rows."""
    rng, n, total = np.random.default_rng(0), len(d["y_valid"]), {}
    for _ in range(bags):
        try:
            weights = _select(d, d["valid"], rng.integers(0, n, n))
        except ValueError:  # a resample with one class: its metric is undefined
            continue
        for k, w in weights.items():
            total[k] = total.get(k, 0.0) + w
    return (total or _select(d, d["valid"])), d["test"]


def single_unless_sure(d: dict, share: float = 0.9, resamples: int = 200) -> tuple[Weights, dict]:
    """The best single candidate on the held-out rows, unless the ensemble scores better
    than it in at least ``share`` of ``resamples`` bootstrap resamples of those rows."""
    metric, task, y, w = d["metric"], d["task"], d["y_valid"], d["w_valid"]
    weights = _select(d, d["valid"])
    if len(weights) < 2:
        return weights, d["test"]
    ensemble = _blend(weights, d["valid"])

    def score(prediction: np.ndarray, rows: np.ndarray | slice = slice(None)) -> float:
        # weighted as the selection itself is (automl._data.weights)
        return prediction_score(metric, task, prediction[rows], y[rows],
                                None if w is None else w[rows])

    scores = {k: score(v) for k, v in d["valid"].items()}
    best = max(scores, key=lambda k: scores[k] if metric.greater_is_better else -scores[k])
    rng, n, wins = np.random.default_rng(0), len(y), 0
    for _ in range(resamples):
        rows = rng.integers(0, n, n)
        try:
            wins += metric.better(score(ensemble, rows), score(d["valid"][best], rows))
        except ValueError:
            continue
    return (weights if wins >= share * resamples else {best: 1.0}), d["test"]


RULES: dict[str, Callable[[dict], tuple[Weights, dict]]] = {
    "no_linear": no_linear, "linear_clipped": linear_clipped, "bagged_rows": bagged_rows,
    "single_unless_sure": single_unless_sure}


def _test_score(d: dict, rule: Callable[[dict], tuple[Weights, dict]]) -> float:
    weights, tests = rule(d)
    return prediction_score(d["metric"], d["task"], _blend(weights, tests), d["y_test"])


def compare(folder: Path, records: Path) -> pd.DataFrame:
    """Each rule's change to the test score against :func:`as_is`, in % of the gap between
    the constant predictor and the best framework in ``records/results.csv``, per table."""
    run = pd.read_csv(records / "results.csv")
    rows = []
    for path in sorted(folder.glob("*.pkl")):
        d = pickle.loads(path.read_bytes())
        d["metric"] = metric = get_metric(d["metric"], d["task"])  # resolved once per table
        mine = run[run.table == d["table"]]
        best = mine.score.max() if metric.greater_is_better else mine.score.min()
        gap = best - mine.constant.iloc[0]  # signed, as the normalised score's: better is up
        base = _test_score(d, as_is)
        row = {"table": d["table"], "task": d["task"].value}
        row.update({name: (_test_score(d, rule) - base) / gap * 100
                    for name, rule in RULES.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    from benchmarks.suite import TABLES

    parser = argparse.ArgumentParser(prog="python -m benchmarks.ensemble_rules")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("dump", help="fit each table and keep what selection saw")
    run.add_argument("--budget", type=float, default=30.0)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--tables", nargs="+", choices=list(TABLES), default=list(TABLES))
    run.add_argument("--out", type=Path, required=True)
    weigh = commands.add_parser("compare", help="replay the selection under each rule")
    weigh.add_argument("folder", type=Path)
    weigh.add_argument("--records", type=Path, required=True,
                       help="a run of python -m benchmarks with these tables, budget and seed")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.command == "dump":
        dump(args.tables, args.budget, args.seed, args.out)
        return
    if not any(args.folder.glob("*.pkl")):
        parser.error(f"{args.folder} holds no dump: run 'dump --out {args.folder}' first")
    if not (args.records / "results.csv").is_file():
        parser.error(f"{args.records} has no results.csv: name a run of python -m benchmarks")
    table = compare(args.folder, args.records)
    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    for name in RULES:
        change = table[name]
        print(f"{name}: mean {change.mean():+.3f} %, better on {(change > 0.05).sum()}, "
              f"worse on {(change < -0.05).sum()}, within 0.05 % on "
              f"{change.abs().le(0.05).sum()} of {len(change)}")


if __name__ == "__main__":
    sys.exit(main())
