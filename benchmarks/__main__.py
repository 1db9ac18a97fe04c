"""The accuracy benchmark: automl beside FLAML, AutoGluon and a default HistGradientBoosting.

    python -m benchmarks setup                       # the peers' own environments
    python -m benchmarks run --budget 30 --out benchmarks/results/suite-30s
    python -m benchmarks run --budget 30 --seeds 0 1 2 --suite first --out results/seeds-30s
    python -m benchmarks report benchmarks/results/suite-30s

``--suite`` picks the tables: ``all`` (default; the first eight and nineteen more), ``first``
(the eight the search was first developed on) or ``broader`` (the nineteen); ``--tables`` names
them one by one. ``--seeds`` runs each pair once per seed (a different split and fit seed each);
the report gives the spread across seeds.

Each (framework, table) runs in its own process, with the interpreter of the framework's
environment: ours for automl and the floor, ``.bench-envs/<name>`` for a peer (see
``benchmarks/requirements-<name>.txt``). A peer whose environment is missing is left out with a
message, never silently.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.frameworks import RUNNERS
from benchmarks.report import write
from benchmarks.suite import SUITES, TABLES

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / ".bench-envs"
PEERS = ("flaml", "autogluon")
#: the peers' frameworks and the environment each runs in
PEER_ENVS = {"flaml": "flaml", "autogluon": "autogluon", "autogluon-best": "autogluon"}


def interpreter(framework: str) -> Path | None:
    """The Python that runs ``framework``: this one, or the peer's environment if it exists."""
    if framework not in PEER_ENVS:
        return Path(sys.executable)
    python = ENVS / PEER_ENVS[framework] / "bin" / "python"
    return python if python.exists() else None


def machine() -> str:
    """One line describing this machine, for the results page."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}.")


def setup(names: list[str]) -> None:
    """Create ``.bench-envs/<peer>`` with the pinned requirements of each named peer."""
    for name in names:
        env = ENVS / name
        requirements = ROOT / "benchmarks" / f"requirements-{name}.txt"
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        pip = [str(env / "bin" / "pip"), "install", "-q"]
        # the CPU build of torch must come first, or a dependency pulls a CUDA build
        subprocess.run([*pip, "torch==2.13.0"], check=True)
        subprocess.run([*pip, "-r", str(requirements)], check=True)
        print(f"{name}: {env}")


def run(args: argparse.Namespace) -> None:
    """Run every (table, framework) pair, one process each, then write the report."""
    out = Path(args.out)
    (out / "records").mkdir(parents=True, exist_ok=True)
    frameworks = [f for f in args.frameworks if _available(f)]
    tables = args.tables or SUITES[args.suite]
    for seed in args.seeds:
        for table in tables:
            for framework in frameworks:
                _run_pair(out, framework, table, seed, args)
    print(f"report: {write(out, machine())}")


def _run_pair(out: Path, framework: str, table: str, seed: int, args: argparse.Namespace
              ) -> None:
    """One (framework, table, seed) in its own process, unless its record exists."""
    # seed 0 keeps the name records had before runs took several seeds
    suffix = "" if seed == 0 else f"__seed{seed}"
    record = out / "records" / f"{table}__{framework}{suffix}.json"
    if record.exists() and not args.again:
        return
    command = [str(interpreter(framework)), "-m", "benchmarks.worker", framework, table,
               "--budget", str(args.budget), "--seed", str(seed), "--out", str(record)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          timeout=args.budget * 4 + 300)
    took = time.perf_counter() - started
    if done.returncode != 0 or not record.exists():
        print(f"{table:15} {framework:10} seed {seed} FAILED ({done.returncode}): "
              f"{done.stderr.strip().splitlines()[-1:]}", flush=True)
        return
    print(f"{table:15} {framework:10} seed {seed} done in {took:.0f}s", flush=True)


def _available(framework: str) -> bool:
    if interpreter(framework) is None:
        env = PEER_ENVS[framework]
        print(f"{framework}: left out, no environment at {ENVS / env} "
              f"(create it with `python -m benchmarks setup {env}`)")
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="create the peers' environments")
    # no choices= here: argparse checks a nargs="*" default list against them as one value
    p_setup.add_argument("peers", nargs="*", help=f"any of {', '.join(PEERS)} (default: all)")
    p_run = sub.add_parser("run", help="run the suite and write the report")
    p_run.add_argument("--budget", type=float, default=30.0)
    p_run.add_argument("--seeds", type=int, nargs="+", default=[0])
    p_run.add_argument("--suite", choices=list(SUITES), default="all")
    p_run.add_argument("--tables", nargs="+", choices=list(TABLES), metavar="TABLE",
                       help="these tables instead of --suite's")
    p_run.add_argument("--frameworks", nargs="+", default=["automl", *PEERS, "hgb"],
                       choices=list(RUNNERS))
    p_run.add_argument("--out", required=True, help="folder for records and the report")
    p_run.add_argument("--again", action="store_true",
                       help="rerun pairs that already have a record in --out")
    p_report = sub.add_parser("report", help="rewrite the report of a finished run")
    p_report.add_argument("folder")
    args = parser.parse_args(argv)
    if args.command == "setup":
        unknown = sorted(set(args.peers) - set(PEERS))
        if unknown:
            parser.error(f"setup: unknown peer(s) {', '.join(unknown)}; the peers are "
                         f"{', '.join(PEERS)}")
        setup(args.peers or list(PEERS))
    elif args.command == "run":
        run(args)
    else:
        print(write(Path(args.folder), machine()))


if __name__ == "__main__":
    main()
