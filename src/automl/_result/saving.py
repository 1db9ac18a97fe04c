"""A fitted result written to its directory: the files, and the metadata that lists them."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl._contract.specs import Metric
from automl._final.model_files import (
    BACKGROUND_FILE,
    BOARD_FILE,
    CLEANING_FILE,
    DEPLOYED_FILE,
    META_FILE,
    METRIC_FILE,
    PIPELINE_FILE,
    REPORT_FILE,
    manifest,
    signed,
)

if TYPE_CHECKING:
    from automl._result.result import FitResult

__all__ = ["FORMAT_VERSION", "library_versions", "write_result"]

#: bumped whenever the saved layout changes; load refuses other formats (3: the manifest;
#: 4: the modules pickled objects come from moved into the stage packages)
FORMAT_VERSION = 4


def library_versions() -> dict[str, str]:
    """The versions of Python and the libraries a saved model depends on."""
    names = ["automl", "scikit-learn", "pandas", "numpy", "optuna", "pandera"]
    return {"python": platform.python_version(), **{n: version(n) for n in names}}


def write_result(result: FitResult, out: Path) -> None:
    """Write every file of a saved model into the new directory ``out`` (see
    :meth:`FitResult.save`), ``metadata.json`` last, with the manifest of the others."""
    import joblib

    joblib.dump(result.pipeline, out / PIPELINE_FILE)
    joblib.dump(result.cleaning, out / CLEANING_FILE)
    if result.custom_metric is not None:
        _save_metric(result.custom_metric, out / METRIC_FILE)
    result.data_report.save(out / REPORT_FILE)
    if result.reference is not None:
        result.reference.save(out)
    summary = result.drift_reference()
    if summary is not None:
        summary.save(out)
    if result.deployed is not None:
        joblib.dump(result.deployed, out / DEPLOYED_FILE)
    if result.background is not None:
        joblib.dump(result.background, out / BACKGROUND_FILE)
    result.feature_schema.save(out)
    result.leaderboard.to_json(out / BOARD_FILE, orient="records", indent=2)
    meta = {"format_version": FORMAT_VERSION, "task": result.task.value, "metric": result.metric,
            "best": result.best, "best_params": result.best_params,
            "valid_score": result.valid_score, "classes": result.classes,
            "refitted": result.refitted, "fit_seconds": result.fit_seconds,
            "dropped_columns": result.dropped_columns, "versions": result.versions,
            "held_out": None if result.held_out is None else asdict(result.held_out),
            "deployed": None if result.deployed is None else result.deployed.describe(),
            "validation": result.validation,
            "decision": None if result.decision is None else result.decision.to_dict(),
            "conformal": None if result.conformal is None else result.conformal.to_dict(),
            "weight_column": result.weight_column,
            "manifest": manifest(out)}
    # signed as it will read back: plain JSON values
    meta = signed(json.loads(json.dumps(meta, default=_json_default)))
    (out / META_FILE).write_text(json.dumps(meta, indent=2))


def _save_metric(metric: Metric, path: Path) -> None:
    """Save the fit's own metric where its function pickles (one defined at a module's top
    level does; a lambda or a nested function does not): a model without it still loads and
    predicts, and :attr:`FitResult.scoring_metric` says what to do."""
    import pickle
    import warnings

    import joblib

    try:
        joblib.dump(metric, path)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        path.unlink(missing_ok=True)
        warnings.warn(f"the metric {metric.name!r} is not saved with the model ({exc}): define "
                      f"its function at a module's top level to keep it", stacklevel=4)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)
