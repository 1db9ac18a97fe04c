"""The ``automl`` command: fit, predict, evaluate, report, drift, plugins, build, serve.

Exit codes: 0 done; 1 ``automl drift`` found drift (for cron or CI to act on); 2 a mistake the
user can fix (a bad file, column, option or storage), said in one line; 3 an unexpected error,
said in one line (``automl --debug ...`` shows its traceback); 130 interrupted (Ctrl-C). No
traceback reaches the user without ``--debug``.

``--storage`` may be left out where the environment variable ``AUTOML_STORAGE`` holds the URL,
so that a database password need not appear on a command line (where ``ps`` shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from automl import __version__
from automl.errors import AutoMLError

USER_ERROR = 2
#: ``automl drift`` found drift: for cron or CI to act on
DRIFTED = 1
#: an error no check foresaw (a bug, a full disk): not the user's data, not drift
UNEXPECTED = 3
INTERRUPTED = 130
#: where ``--storage`` comes from when it is not given
STORAGE_VARIABLE = "AUTOML_STORAGE"


def _storage(args: argparse.Namespace, required: bool) -> str | None:
    url = args.storage or os.environ.get(STORAGE_VARIABLE) or None
    if url is None and required:
        raise AutoMLError(f"automl {args.command} needs the search's storage: give --storage "
                          f"URL or set {STORAGE_VARIABLE}")
    return url


def _read_table(path: str) -> Any:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise AutoMLError(f"{path}: no such file")
    try:
        if p.suffix.lower() == ".parquet":
            return pd.read_parquet(p)
        return pd.read_csv(p)
    except Exception as exc:
        raise AutoMLError(f"{path}: cannot read it as a table ({type(exc).__name__}: "
                          f"{exc})") from None


def _writable(*paths: str | None) -> None:
    """Refuse, before any work, an output file whose folder is not there (or that is one)."""
    for path in paths:
        if path is None:
            continue
        p = Path(path)
        if p.is_dir():
            raise AutoMLError(f"{path}: is a folder; give the file to write")
        if not p.parent.is_dir():
            raise AutoMLError(f"{path}: the folder {p.parent} does not exist; create it first")


def _cmd_fit(args: argparse.Namespace) -> int:

    import automl

    df = _read_table(args.data)
    _switch_on_observers(args)
    models = args.models.split(",") if args.models else None
    disable = args.disable.split(",") if args.disable else None
    result = automl.fit(df, args.target, task=args.task, metric=args.metric,
                        time_budget=args.time_budget, models=models, tuner=args.tuner,
                        seed=args.seed, n_trials=args.n_trials, country=args.country,
                        validation=args.validation, groups=args.groups,
                        sample_weight=args.sample_weight,
                        time_column=args.time_column, decision_metric=args.decision_metric,
                        tuning_data=_read_table(args.tuning_data) if args.tuning_data else None,
                        disable=disable, verbose=0 if args.quiet else 1,
                        storage=_storage(args, required=False), study_name=args.study,
                        resume=args.resume,
                        share=args.share,
                        infer_limit=args.infer_limit / 1000 or None)
    print(result.data_report.summary(), end="\n\n")
    _print_board(result.leaderboard.head(args.top))
    print(f"\nbest: {result.best}  held-out {result.metric}: {result.valid_score:.5g}")
    if result.deployed is not None:
        d = result.deployed
        print(f"deployed (served by `automl build`): {' + '.join(d.params)}  held-out "
              f"{result.metric}: {d.valid_score:.5g}, {d.seconds_per_row * 1000:.2f} ms per row")
    if args.out:
        print(f"saved to {result.save(args.out)}")
    return 0


def _print_board(board: Any) -> None:
    import pandas as pd

    hidden = ["error"] + (["worker"] if "worker" in board and board["worker"].isna().all() else [])
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(board.drop(columns=hidden).to_string())


def _cmd_worker(args: argparse.Namespace) -> int:
    from automl._distributed import run_worker

    run_worker(_storage(args, required=True), args.study, wait=args.wait,
               verbose=0 if args.quiet else 1)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from automl._distributed import study_status

    status = study_status(_storage(args, required=True), args.study)
    if isinstance(status, list):
        print("\n".join(status) if status else "no studies")
        return 0
    print(status.summary(), end="\n\n")
    _print_board(status.leaderboard.head(args.top))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    import automl

    _writable(args.out)
    result = automl.load(args.model)
    df = _read_table(args.data)
    out = pd.DataFrame({"prediction": result.predict(df)}, index=df.index)
    if args.proba and result.classes is not None:
        out = out.join(result.predict_proba(df).add_prefix("proba_"))
    if args.out:
        out.to_csv(args.out, index=False)
        print(f"wrote {len(out)} predictions to {args.out}")
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import automl

    _writable(args.json)
    result = automl.load(args.model)
    evaluation = result.evaluate(_read_table(args.data), sensitive=args.sensitive,
                                 importance=not args.no_importance)
    print(evaluation.summary())
    if args.json:
        print(f"\nwrote {evaluation.save(args.json)}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    import automl

    _writable(args.output)
    result = automl.load(args.model)
    data = _read_table(args.data) if args.data else None
    if data is None and args.sensitive:
        raise AutoMLError("--sensitive needs labelled DATA to audit: automl report MODEL "
                          "DATA.csv --sensitive COLUMN")
    path = result.report(args.output, data, sensitive=args.sensitive)
    print(f"wrote {path}")
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    import automl

    _writable(args.json, args.html)
    result = automl.load(args.model)
    report = result.drift(_read_table(args.data), psi_threshold=args.psi, alpha=args.alpha)
    print(report.summary())
    for path, write in [(args.json, report.save_json), (args.html, report.save_html)]:
        if path:
            print(f"wrote {write(path)}")
    return DRIFTED if report.drifted else 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from automl._contract.plugins import collect, plugin_infos

    infos = plugin_infos()
    if args.json:
        print(json.dumps([{"name": i.name, "kinds": sorted(i.registered),
                           "registered": i.registered, "distribution": i.distribution,
                           "version": i.version, "builtin": i.builtin, "hooks": i.hooks,
                           "error": i.error} for i in infos], indent=2))
        return 0
    models = collect().models
    for info in infos:
        # a model searched only when named says so, so that no one wonders why fit skips it
        what = "; ".join(f"{kind}s: {', '.join(_listed(kind, n, models) for n in names)}"
                         for kind, names in sorted(info.registered.items())) or "registers nothing"
        origin = "built-in" if info.builtin else f"{info.distribution} {info.version}"
        print(f"{info.name} ({origin}): {what}")
        if info.error:
            print(f"  error: {info.error}")
    return 0


def _listed(kind: str, name: str, models: dict[str, Any]) -> str:
    spec = models.get(name) if kind == "model" else None
    return f"{name} (only when named, or --models all)" if spec and not spec.by_default else name


def _cmd_build(args: argparse.Namespace) -> int:
    from automl._serving.bento import build_bento

    tag = build_bento(args.model, args.name, full=args.full, base_image=args.base_image,
                      reference_rows=args.reference_rows)
    print(f"built Bento {tag}\nserve it with: bentoml serve {tag}  (or: automl serve {tag})")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import subprocess

    target = args.model
    if Path(target).is_dir():
        from automl._serving.bento import build_bento

        target = build_bento(target, args.name)
        print(f"built Bento {target}", flush=True)
    command = [sys.executable, "-m", "bentoml", "serve", target, "--host", args.host,
               "--port", str(args.port)]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``automl`` command."""
    parser = argparse.ArgumentParser(
        prog="automl", description="AutoML for tabular data.",
        epilog="exit codes: 0 done, 1 drift found (automl drift), 2 a mistake to fix (said in "
               "one line), 3 an unexpected error, 130 interrupted")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an unexpected error")
    parser.add_argument("--version", action="version", version=f"automl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_fit, _add_shared_search, _add_predict, _add_judging,
                _add_plugins_and_serving):
        add(sub)
    return parser


def _add_fit(sub: Any) -> None:
    f = sub.add_parser("fit", help="search for the best model for a CSV file's target column")
    f.add_argument("data", help="a CSV (or .parquet) file with a header row")
    f.add_argument("--target", required=True, help="the column to predict")
    f.add_argument("--time-budget", type=float, default=60, help="seconds (default 60)")
    f.add_argument("--infer-limit", type=float, default=4.0,
                   help="milliseconds a single-row prediction of the deployed (served) model "
                        "may take, unless that costs held-out accuracy (default 4; 0: none)")
    f.add_argument("--out", help="directory to save the model in")
    f.add_argument("--task", choices=["binary", "multiclass", "regression"])
    f.add_argument("--metric", help="roc_auc, log_loss, accuracy, rmse, mae, r2, ... or a "
                   "metric a plugin registers (see `automl plugins`)")
    f.add_argument("--models", help="comma-separated model names (see `automl plugins`), or "
                   "all: every model, those searched only when named too")
    f.add_argument("--tuner", default="tpe", help="tpe (default), random or grid")
    f.add_argument("--country", help="ISO country code for public-holiday date features")
    f.add_argument("--disable", help="comma-separated cleaning steps or preprocessors to "
                                     "switch off (see `automl plugins`)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--n-trials", type=int)
    f.add_argument("--validation", choices=["auto", "holdout", "cv"], default="auto",
                   help="how trials are scored: a held-out fifth, 5-fold cross-validation, or "
                        "auto (default: cv up to 10,000 rows, or 100,000 while a class "
                        "has fewer than 1,000 rows)")
    f.add_argument("--groups", metavar="COLUMN",
                   help="a column naming each row's group (customer, patient, store): no group "
                        "is on both sides of a split; the column is not a feature")
    f.add_argument("--time-column", metavar="COLUMN",
                   help="a column of dates or numbers: the latest fifth of the rows is held "
                        "out, every one later than every training row")
    f.add_argument("--sample-weight", metavar="COLUMN",
                   help="a column of row weights (non-negative numbers): models that take "
                        "weights are fitted with them and the trials are scored with them; "
                        "the column is not a feature")
    f.add_argument("--decision-metric", metavar="METRIC",
                   help="binary: tune the decision threshold for this metric of labels (e.g. "
                        "balanced_accuracy) instead of predicting the more probable class")
    f.add_argument("--tuning-data", metavar="FILE",
                   help="your own held-out rows (CSV or Parquet, with the target): they score "
                        "the trials in place of a split of DATA")
    f.add_argument("--top", type=int, default=20, help="leaderboard rows to print")
    f.add_argument("--quiet", action="store_true", help="no progress lines")
    f.add_argument("--tensorboard", metavar="DIR",
                   help="write the search to TensorBoard event files in DIR (needs the "
                        "automl-tensorboard plugin)")
    f.add_argument("--mlflow", metavar="URI",
                   help="log the fit and its trials to this MLflow tracking URI (needs the "
                        "automl-mlflow plugin)")
    f.add_argument("--storage", help="share the search through this Optuna storage: "
                                     "postgresql://user:password@host/db, sqlite:///search.db "
                                     "or a journal file's path (see docs/distributed.md; "
                                     f"default: ${STORAGE_VARIABLE}, where it is set)")
    f.add_argument("--study", help="the study's name in --storage (default: automl-<time>)")
    f.add_argument("--resume", action="store_true",
                   help="continue the study --study: its finished trials are kept")
    f.add_argument("--share", help="where workers read the table and split from: a path they "
                                   "all reach or an fsspec URL (default: automl-share/<study>)")
    f.set_defaults(run=_cmd_fit)


#: the observer plugins a flag of `automl fit` switches on: flag -> (plugin, distribution, the
#: environment variable the plugin reads, which it writes nothing without)
_OBSERVER_FLAGS = {"tensorboard": ("tensorboard", "automl-tensorboard",
                                   "AUTOML_TENSORBOARD_LOGDIR"),
                   "mlflow": ("mlflow", "automl-mlflow", "MLFLOW_TRACKING_URI")}


def _switch_on_observers(args: argparse.Namespace) -> None:
    for flag, (plugin, distribution, variable) in _OBSERVER_FLAGS.items():
        value = getattr(args, flag)
        if not value:
            continue
        from automl._contract.plugins import plugin_infos

        if not any(i.name == plugin and not i.error for i in plugin_infos()):
            raise AutoMLError(f"--{flag} needs the {distribution} plugin: pip install "
                              f"{distribution} (here: pip install -e plugins/{distribution})")
        os.environ[variable] = value


def _add_shared_search(sub: Any) -> None:
    w = sub.add_parser("worker", help="join a search started with fit --storage and run its "
                                      "trials until its budget ends")
    w.add_argument("--storage", help="the storage URL the fit was given (default: "
                                     f"${STORAGE_VARIABLE})")
    w.add_argument("--study", required=True, help="the study's name")
    w.add_argument("--wait", type=float, default=60.0,
                   help="seconds to wait for the search to start (default 60)")
    w.add_argument("--quiet", action="store_true", help="no progress lines")
    w.set_defaults(run=_cmd_worker)
    s = sub.add_parser("status", help="the trials of a shared search so far, best first")
    s.add_argument("--storage", help="the storage URL the fit was given (default: "
                                     f"${STORAGE_VARIABLE})")
    s.add_argument("--study", help="the study's name (default: list the studies)")
    s.add_argument("--top", type=int, default=20, help="trials to show (default 20)")
    s.set_defaults(run=_cmd_status)


def _add_predict(sub: Any) -> None:
    p = sub.add_parser("predict", help="predict a CSV file with a saved model")
    p.add_argument("model", help="a directory written by `automl fit --out`")
    p.add_argument("data", help="a CSV (or .parquet) file with the training feature columns")
    p.add_argument("--out", help="CSV file to write (default: standard output)")
    p.add_argument("--proba", action="store_true", help="add class probabilities")
    p.set_defaults(run=_cmd_predict)


def _add_judging(sub: Any) -> None:
    e = sub.add_parser("evaluate", help="judge a saved model on a labelled CSV file it never "
                                        "saw: metrics, overfitting verdict, importance")
    e.add_argument("model", help="a directory written by `automl fit --out`")
    e.add_argument("data", help="a CSV (or .parquet) file with the features and the target")
    e.add_argument("--sensitive", help="a column to audit fairness by (per-group figures)")
    e.add_argument("--json", help="also write the evaluation to this JSON file")
    e.add_argument("--no-importance", action="store_true",
                   help="skip permutation importance (the slowest part)")
    e.set_defaults(run=_cmd_evaluate)
    r = sub.add_parser("report", help="write a self-contained HTML report of a saved model "
                                      "(evaluated on DATA when given)")
    r.add_argument("model", help="a directory written by `automl fit --out`")
    r.add_argument("data", nargs="?", help="labelled rows the model never saw (CSV/parquet)")
    r.add_argument("-o", "--output", default="report.html", help="default report.html")
    r.add_argument("--sensitive", help="a column to audit fairness by")
    r.set_defaults(run=_cmd_report)
    d = sub.add_parser("drift", help="compare recent rows with a saved model's training data; "
                                     "exit code 1 when they drifted")
    d.add_argument("model", help="a directory written by `automl fit --out`")
    d.add_argument("data", help="recent rows (CSV/parquet): the features, and the target if "
                                "known")
    d.add_argument("--json", help="also write the report to this JSON file")
    d.add_argument("--html", help="also write the report to this HTML file")
    d.add_argument("--psi", type=float, default=0.2,
                   help="PSI from which a column counts as drifted (default 0.2)")
    d.add_argument("--alpha", type=float, default=0.01,
                   help="significance level of the tests over all columns (default 0.01)")
    d.set_defaults(run=_cmd_drift)


def _add_plugins_and_serving(sub: Any) -> None:
    p = sub.add_parser("plugins", help="list the plugins found")
    p.add_argument("--json", action="store_true",
                   help="as JSON: each plugin's name, kinds, registered names, distribution, "
                        "version, hooks and load error")
    p.set_defaults(run=_cmd_plugins)
    b = sub.add_parser("build", help="build a BentoML Bento serving a saved model")
    b.add_argument("model", help="a directory written by `automl fit --out`")
    b.add_argument("--name", help="Bento and model-store name (default: the directory's name)")
    b.add_argument("--full", action="store_true",
                   help="serve the full model, not the deployed one (fold bags collapsed, "
                        "members within --infer-limit)")
    b.add_argument("--base-image", help="the container image to build on (default: "
                                        "BentoML's python slim image)")
    b.add_argument("--reference-rows", action="store_true",
                   help="carry the sample of training rows into the Bento (default: only "
                        "their summaries, which drift monitoring needs)")
    b.set_defaults(run=_cmd_build)
    s = sub.add_parser("serve", help="serve a saved model or a built Bento over HTTP")
    s.add_argument("model", help="a model directory (built into a Bento first) or a Bento tag")
    s.add_argument("--name", help="Bento name when building from a directory")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=3000)
    s.set_defaults(run=_cmd_serve)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except AutoMLError as exc:
        print(f"automl: error: {_one_line(exc)}", file=sys.stderr)
        return USER_ERROR
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early: not an error
        sys.stderr.close()
        return 0
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        # a path given on the command line that cannot be read or written: the user's to fix
        print(f"automl: error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("automl: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        print(f"automl: unexpected error: {type(exc).__name__}: {_one_line(exc)} (run "
              f"`automl --debug {args.command} ...` for the traceback)", file=sys.stderr)
        return UNEXPECTED


def _one_line(exc: BaseException) -> str:
    return str(exc).replace(":\n  - ", ": ").replace("\n  - ", "; ").replace("\n", " ")


if __name__ == "__main__":
    sys.exit(main())
