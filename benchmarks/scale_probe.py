"""The scale probe: ``automl.fit`` on a synthetic table of a million rows, against a default
HistGradientBoosting on the same split.

    python -m benchmarks.scale_probe --out benchmarks/results/scale_probe.md

The table (:func:`make_table`, seeded) has 20 numeric columns (four with 5% missing) and four
text columns of 10, 50, 300 and 1,000 levels with skewed frequencies, and a binary target
drawn from a logistic model with thresholds, interactions and per-level effects. It is split
75/25 as the accuracy suite does. Each contender runs in a process of its own, so that its
imports count in its time and its peak memory is its own: the figures are the test ROC AUC,
the wall seconds of the fit measured around the call (``automl.fit`` from its first line,
imports included), the prediction's seconds and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd

TARGET = "y"
LEVELS = (10, 50, 300, 1000)


def make_table(rows: int = 1_000_000, seed: int = 0) -> pd.DataFrame:
    """The probe's table: ``rows`` rows, 20 numeric and 4 text columns and the 0/1 target
    ``y`` (about a third positive); the same ``rows`` and ``seed`` give the same table."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 20)).astype(np.float32)
    x[:, 10:15] += 0.6 * x[:, :5]  # correlated pairs, as real tables have
    logit = (0.7 * x[:, 0] + 0.6 * np.sin(2 * x[:, 1]) + 0.5 * x[:, 2] * x[:, 3]
             + 0.8 * (x[:, 4] > 0.7) - 0.35 * x[:, 5] ** 2 + 0.3 * x[:, 6]
             + 0.4 * np.abs(x[:, 7]) * (x[:, 8] > 0) - 0.25 * x[:, 9])
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(20)])
    for j, levels in enumerate(LEVELS):
        frequency = 1.0 / np.arange(1, levels + 1) ** 0.8
        codes = rng.choice(levels, size=rows, p=frequency / frequency.sum())
        effect = rng.normal(0.0, 0.6, levels)
        logit += effect[codes] * (1.0 if j % 2 == 0 else np.tanh(x[:, j]))
        frame[f"c{j}"] = pd.Categorical.from_codes(codes, [f"L{k}" for k in range(levels)]
                                                   ).astype(str)
    for i in (11, 13, 16, 18):
        frame.loc[rng.random(rows) < 0.05, f"x{i}"] = np.nan
    logit += rng.logistic(0.0, 1.0, rows) * 0.8 - 0.9
    frame[TARGET] = (logit > 0).astype(int)
    return frame


def _split(rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    frame = make_table(rows, seed)
    train, test = train_test_split(frame, test_size=0.25, random_state=seed,
                                   stratify=frame[TARGET])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _contender(name: str, rows: int, seed: int, budget: float) -> dict:
    """Run one contender in this process and return its record."""
    from sklearn.metrics import roc_auc_score

    train, test = _split(rows, seed)
    X_test, y_test = test.drop(columns=TARGET), test[TARGET].to_numpy()
    note = ""
    started = time.perf_counter()
    if name == "automl":
        import automl

        result = automl.fit(train, TARGET, time_budget=budget, seed=seed, verbose=1)
        fit_seconds = time.perf_counter() - started
        board = result.leaderboard
        note = (f"{result.best}, {len(board)} trials "
                f"({int((board['status'] == 'complete').sum())} complete)")
        began = time.perf_counter()
        proba = result.predict_proba(X_test).to_numpy()[:, 1]
    else:
        from sklearn.ensemble import HistGradientBoostingClassifier

        X = train.drop(columns=TARGET)
        texts = list(X.select_dtypes(exclude="number").columns)
        X[texts] = X[texts].astype("category")
        model = HistGradientBoostingClassifier(random_state=seed, categorical_features="from_dtype")
        # more than 255 levels: the level's number, as the accuracy suite's floor does
        wide = [c for c in texts if X[c].cat.categories.size > 255]
        categories = {c: X[c].cat.categories for c in texts}
        X[wide] = X[wide].apply(lambda s: s.cat.codes.astype(float))
        model.fit(X, train[TARGET])
        fit_seconds = time.perf_counter() - started
        began = time.perf_counter()
        Xt = X_test.copy()
        for c in texts:
            Xt[c] = pd.Categorical(Xt[c], categories=categories[c])
            if c in wide:
                Xt[c] = Xt[c].cat.codes.astype(float)
        proba = model.predict_proba(Xt)[:, 1]
        note = f"{model.n_iter_} iterations"
    predict_seconds = time.perf_counter() - began
    return {"contender": name, "rows": rows, "seed": seed, "budget": budget,
            "roc_auc": float(roc_auc_score(y_test, proba)), "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds, "peak_memory_mb": _peak_mb(), "note": note}


def _run_in_process(name: str, rows: int, seed: int, budget: float) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.scale_probe", "--one", name,
                          "--rows", str(rows), "--seed", str(seed), "--budget", str(budget)],
                         stdout=subprocess.PIPE, text=True, check=False)
    # the contender's log (the fit's progress, trial by trial) goes straight to our stderr,
    # whole and as it happens
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed with exit code {out.returncode}: its log is above")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(records: list[dict], budget: float) -> str:
    """The markdown page for the records."""
    limit = budget * 1.05 + 1.0
    lines = ["# The scale probe", "",
             f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
             f"{platform.python_version()}. `python -m benchmarks.scale_probe` "
             f"(benchmarks/scale_probe.py): {records[0]['rows']:,} synthetic rows, 75/25 split, "
             f"`automl.fit(time_budget={budget:g})`, limit {limit:g} s from the call.", "",
             "| contender | seed | test ROC AUC | fit (s) | predict (s) | peak memory (MB) | "
             "what it chose |", "|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['contender']} | {r['seed']} | {r['roc_auc']:.4f} | "
                     f"{r['fit_seconds']:.1f} | {r['predict_seconds']:.1f} | "
                     f"{r['peak_memory_mb']:.0f} | {r['note']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--one", choices=["automl", "hgb"], help=argparse.SUPPRESS)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_contender(args.one, args.rows, args.seed, args.budget)))
        sys.stdout.flush()
        os._exit(0)
    records = [_run_in_process(name, args.rows, seed, args.budget)
               for seed in args.seeds for name in ("hgb", "automl")]
    text = report(records, args.budget)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
