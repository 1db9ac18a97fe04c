"""What the deployed model costs and buys, on every table of the accuracy suite, in one run.

For each table of `benchmarks/suite.py` (same seeded 75/25 split, same metric): one
`automl.fit` at the budget with `infer_limit` (default 4 ms), then on the test rows the score of
the full model (`FitResult.predict_proba`) and of the deployed one (`FitResult.deployable()`,
what a Bento serves), and each one's single-row in-process latency (p50 over the first test
rows, one at a time) and 1,000-row throughput.

    .venv/bin/python -m benchmarks.deployed --out benchmarks/results/deployed.md
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np

from benchmarks.suite import TABLES, classes_of, load, score, split


def _latency(result, X, repeats: int) -> tuple[float, float]:
    """Single-row p50 in ms (each of the first ``repeats`` rows once, after a warm-up) and
    1,000-row rows/s."""
    call = result.predict if result.classes is None else result.predict_proba
    call(X.iloc[:1])
    times = []
    for i in range(repeats):
        row = X.iloc[i % len(X):i % len(X) + 1]
        started = time.perf_counter()
        call(row)
        times.append(time.perf_counter() - started)
    batch = X.sample(1000, replace=True, random_state=0)
    started = time.perf_counter()
    call(batch)
    return float(np.median(times) * 1000), 1000 / (time.perf_counter() - started)


def _prediction(result, X, classes):
    if classes is None:
        return np.asarray(result.predict(X), dtype=float)
    frame = result.predict_proba(X)
    by_text = {str(c): c for c in frame.columns}
    return frame[[by_text[str(c)] for c in classes]].to_numpy(dtype=float)


def measure(name: str, budget: float, infer_limit: float | None, seed: int,
            repeats: int) -> dict:
    """One table: the full and the deployed model's test score and latency."""
    import automl

    table = TABLES[name]
    train, test = split(table, load(table), seed)
    classes = classes_of(table, train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = automl.fit(train, table.target, time_budget=budget, seed=seed, verbose=0,
                            infer_limit=infer_limit)
        deployed = result.deployable()
        X, y = test.drop(columns=[table.target]), test[table.target]
        row = {"table": table.key, "metric": table.metric, "full_model": result.best,
               "deployed_members": " + ".join(result.deployed.params) if result.deployed
               else "(none)"}
        for label, model in [("full", result), ("deployed", deployed)]:
            row[f"{label}_score"] = score(table, y, _prediction(model, X, classes), classes)
            row[f"{label}_ms"], row[f"{label}_rows_s"] = _latency(model, X, repeats)
    better = 1 if table.greater_is_better else -1
    row["change"] = better * (row["deployed_score"] - row["full_score"])
    return row


def report(rows: list[dict], budget: float, infer_limit: float | None) -> str:
    """The run as a Markdown table, with the machine and the mean change."""
    lines = [f"# The deployed model against the full one: the accuracy suite at {budget:g} s\n",
             f"{platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; `infer_limit` "
             f"{'none' if infer_limit is None else f'{infer_limit * 1000:g} ms'}; one fit per "
             f"table, scored on its 25 % test split; latency in process "
             f"(`FitResult.predict_proba`, or `predict` for regression), schema check "
             f"included.\n",
             "| table | metric | full | deployed | change (+ better) | full ms/row | "
             "deployed ms/row | full rows/s (1,000) | deployed rows/s (1,000) | deployed "
             "members |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['table']} | {r['metric']} | {r['full_score']:.4f} | "
                     f"{r['deployed_score']:.4f} | {r['change']:+.4f} | {r['full_ms']:.1f} | "
                     f"{r['deployed_ms']:.2f} | {r['full_rows_s']:,.0f} | "
                     f"{r['deployed_rows_s']:,.0f} | {r['deployed_members']} |")
    worst = min(rows, key=lambda r: r["change"])
    lines.append(f"\nSingle-row latency, median over tables: full "
                 f"{np.median([r['full_ms'] for r in rows]):.1f} ms, deployed "
                 f"{np.median([r['deployed_ms'] for r in rows]):.2f} ms. Largest loss: "
                 f"{worst['table']} ({worst['change']:+.4f} {worst['metric']}).")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30)
    parser.add_argument("--infer-limit-ms", type=float, default=4.0,
                        help="0: no bound")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--tables", nargs="+", default=list(TABLES))
    parser.add_argument("--out")
    args = parser.parse_args()
    limit = args.infer_limit_ms / 1000 or None
    rows = []
    for name in args.tables:
        rows.append(measure(name, args.budget, limit, args.seed, args.repeats))
        print(rows[-1], flush=True)
    text = report(rows, args.budget, limit)
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)


if __name__ == "__main__":
    main()
