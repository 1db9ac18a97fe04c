"""One (framework, table) run in a process of its own, as the AutoML Benchmark does it:
``python -m benchmarks.worker FRAMEWORK TABLE --budget S --seed N --out FILE.json``.

Writes one JSON record: the score, accuracy or R², fit and predict seconds, the budget overrun
and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings

from benchmarks.frameworks import RUNNERS
from benchmarks.suite import TABLES, classes_of, constant_score, load, score, side_score, split


def peak_memory_mb() -> float:
    """The largest resident set of this process or any child it waited for, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # Linux reports kilobytes


def run(framework: str, table_name: str, budget: float, seed: int) -> dict:
    """Run one framework on one table and return the record."""
    table = TABLES[table_name]
    train, test = split(table, load(table), seed)
    classes = classes_of(table, train)
    with tempfile.TemporaryDirectory() as workdir, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        outcome = RUNNERS[framework](table, train, test, classes, budget, seed, workdir)
        wall = time.perf_counter() - started
    y_test = test[table.target]
    return {
        "framework": framework, "table": table.key, "task": table.task, "metric": table.metric,
        "budget": budget, "seed": seed,
        "score": score(table, y_test, outcome.pred, classes),
        "side_score": side_score(table, y_test, outcome.pred, classes),
        "side_metric": "R2" if table.task == "regression" else "accuracy",
        "constant": constant_score(table, train, test),
        "fit_seconds": outcome.fit_seconds, "wall_seconds": wall,
        "overrun_seconds": outcome.fit_seconds - budget,
        "within_limit": outcome.fit_seconds <= budget * 1.05 + 1.0,
        "predict_seconds": outcome.predict_seconds, "peak_memory_mb": peak_memory_mb(),
        "train_rows": len(train), "test_rows": len(test), "note": outcome.note,
        "searched": list(outcome.searched),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run, then write the record to ``--out`` (or print it)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("framework", choices=sorted(RUNNERS))
    parser.add_argument("table", choices=sorted(TABLES))
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    record = run(args.framework, args.table, args.budget, args.seed)
    text = json.dumps(record, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    sys.stdout.flush()
    os._exit(0)  # some frameworks leave non-daemon threads behind; the record is written


if __name__ == "__main__":
    sys.exit(main())
