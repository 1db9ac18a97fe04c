"""Test scores of fits whose search is fixed by a trial count rather than the clock, so that two
commits can be compared exactly: a change that should alter no behaviour (a refactor) must
leave every figure the same.

    python -m benchmarks.fixed_trials --trials 6 --out before.json
    python -m benchmarks.fixed_trials --trials 6 --out after.json
    python -m benchmarks.fixed_trials --compare before.json after.json

Each table of :mod:`benchmarks.suite` is split as the accuracy suite splits it (seed 0) and
fitted with ``n_trials`` and a budget no fit reaches, so that no decision hangs on the time
(the timed suite, ``python -m benchmarks run``, cannot be compared this way: how many trials fit
in 30 s varies from run to run). Only ``automl.fit`` and the result's public methods are used, so
the script runs unchanged on older commits.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np

from benchmarks.suite import TABLES, classes_of, load, score, split

#: a budget no fit of a few trials reaches on the suite's tables
UNREACHED_BUDGET = 3600.0
#: relative difference below which two scores are the same figure computed in another order
TOLERANCE = 1e-12


def table_scores(name: str, trials: int) -> dict:
    """The test score, the winner and every trial's held-out score of one table's fit."""
    import automl

    table = TABLES[name]
    train, test = split(table, load(table), 0)
    classes = classes_of(table, train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = automl.fit(train, table.target, time_budget=UNREACHED_BUDGET, n_trials=trials,
                            seed=0, verbose=0)
        X = test.drop(columns=[table.target])
        if classes is None:
            pred = np.asarray(result.predict(X), dtype=float)
        else:
            frame = result.predict_proba(X)
            by_text = {str(c): c for c in frame.columns}
            pred = frame[[by_text[str(c)] for c in classes]].to_numpy(dtype=float)
    return {"test": score(table, test[table.target], pred, classes), "best": result.best,
            "trials": [[str(m), None if s != s else float(s)] for m, s in
                       zip(result.leaderboard["model"], result.leaderboard[result.metric],
                           strict=True)]}


def compare(before: dict, after: dict) -> int:
    """Print each table's test scores side by side and whether everything recorded is the same:
    exactly, or to :data:`TOLERANCE` (the noise of multithreaded tree building: a rerun of the
    same commit differs as much); 1 when any table differs more."""
    differ = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        verdict = "same" if a == b else f"same to {TOLERANCE:g}" if _close(a, b) else "DIFFERENT"
        differ += verdict == "DIFFERENT"
        test_a = "-" if a is None else f"{a['test']:.10g}"
        test_b = "-" if b is None else f"{b['test']:.10g}"
        shown = TABLES[name].key if name in TABLES else name
        print(f"{shown:26} {test_a:>16} {test_b:>16}  {verdict}")
    print(f"{len(set(before) | set(after)) - differ} tables the same, {differ} different")
    return 1 if differ else 0


def _close(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None or a["best"] != b["best"] or len(a["trials"]) != len(b["trials"]):
        return False
    pairs = [(a["test"], b["test"])] + [
        (x[1], y[1]) for x, y in zip(a["trials"], b["trials"], strict=True) if x[0] == y[0]]
    return len(pairs) == len(a["trials"]) + 1 and all(
        x == y or (x is not None and y is not None and math.isclose(x, y, rel_tol=TOLERANCE))
        for x, y in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*(json.loads(p.read_text()) for p in args.compare))
    if args.out is None:
        parser.error("--out FILE is needed to record the scores")
    scores = {}
    for name in args.tables:
        scores[name] = table_scores(name, args.trials)
        print(f"{name:16} {scores[name]['test']:.6g} {scores[name]['best']}", flush=True)
        args.out.write_text(json.dumps(scores, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
