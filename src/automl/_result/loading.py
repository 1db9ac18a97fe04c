"""``load``: a saved model read back, every file checked against its manifest (and signature)
before anything is unpickled, the versions it was saved with compared with those installed."""

from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from automl._contract.data_report import DataReport
from automl._contract.specs import Metric, Task
from automl._data.schema import FeatureSchema
from automl._final.deployed import Deployment
from automl._final.intervals import Conformal
from automl._final.model_files import (
    BACKGROUND_FILE,
    BOARD_FILE,
    CLEANING_FILE,
    DEPLOYED_FILE,
    META_FILE,
    METRIC_FILE,
    PIPELINE_FILE,
    REPORT_FILE,
    read_json,
    recover,
    verify,
)
from automl._final.reference import Reference
from automl._final.scoring import Scored
from automl._final.threshold import DecisionThreshold
from automl._monitoring.drift_reference import DriftReference
from automl._result.result import FitResult
from automl._result.saving import FORMAT_VERSION, library_versions
from automl.errors import ModelLoadError, ModelVersionWarning

__all__ = ["load"]


def load(path: str | Path) -> FitResult:
    """Read a model written by :meth:`FitResult.save`, checking every file against the saved
    manifest (and its signature, with ``AUTOML_SIGNING_KEY``) before anything is unpickled.

    Raises :class:`ModelLoadError`, naming the file, when the directory is not a saved model,
    was written in a format this automl does not read, or has a file missing, added, changed
    or unreadable; warns (:class:`ModelVersionWarning`) when the libraries it was saved with
    differ from those installed.
    """
    import joblib

    src = Path(path)
    recover(src)
    if not (src / META_FILE).is_file():
        raise ModelLoadError(f"{src} is not a saved automl model: {META_FILE} is missing")
    meta = read_json(src, META_FILE)
    saved = meta.get("format_version") if isinstance(meta, dict) else None
    if saved != FORMAT_VERSION:
        by = meta.get("versions", {}).get("automl", "an unknown version") \
            if isinstance(meta, dict) else "an unknown version"
        raise ModelLoadError(
            f"{src} was saved by automl {by} in format {saved}; this automl "
            f"({version('automl')}) reads format {FORMAT_VERSION}. Load it with automl {by} "
            f"or fit the model again.")
    verify(src, meta)
    _warn_versions(src, meta.get("versions"))
    try:
        pipeline = joblib.load(src / PIPELINE_FILE)
        cleaning = joblib.load(src / CLEANING_FILE)
        reference = Reference.load(src)
        summary = DriftReference.load(src)
        deployed = _load_deployed(src / DEPLOYED_FILE)
        schema = FeatureSchema.load(src)
        board = pd.read_json(src / BOARD_FILE, orient="records")
        result = FitResult(
            pipeline=pipeline, feature_schema=schema,
            task=Task(meta["task"]), metric=meta["metric"], leaderboard=board,
            best=meta["best"], best_params=meta["best_params"],
            valid_score=meta["valid_score"], classes=meta["classes"],
            refitted=meta["refitted"], fit_seconds=meta["fit_seconds"],
            dropped_columns=meta["dropped_columns"], versions=meta["versions"],
            cleaning=cleaning, data_report=DataReport.load(src / REPORT_FILE),
            held_out=Scored(**meta["held_out"]) if meta.get("held_out") else None,
            reference=reference, deployed=deployed, drift_summary=summary,
            validation=str(meta.get("validation") or ""),
            custom_metric=_load_metric(src / METRIC_FILE),
            decision=DecisionThreshold.from_dict(meta["decision"]) if meta.get("decision")
            else None,
            conformal=Conformal.from_dict(meta["conformal"]) if meta.get("conformal")
            else None,
            background=_load_background(src / BACKGROUND_FILE, schema),
            weight_column=_text(meta.get("weight_column")))
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot read the model in {src} ({type(exc).__name__}: "
                             f"{exc}); it was saved with {meta.get('versions')}") from None
    _check_predicts(src, result.pipeline, result.classes is not None, PIPELINE_FILE)
    if deployed is not None and deployed.model is not None:
        _check_predicts(src, deployed.model, result.classes is not None, DEPLOYED_FILE)
    return result


def _warn_versions(src: Path, saved: Any) -> None:
    """Warn, naming them, of the libraries whose installed version differs from the saved."""
    if not isinstance(saved, dict):
        return
    now = library_versions()
    moved = [f"{name} {saved[name]} -> {now[name]}" for name in sorted(now)
             if name in saved and str(saved[name]) != now[name]]
    if moved:
        warnings.warn(f"{src} was saved with other versions than are installed "
                      f"({', '.join(moved)}); its predictions may differ", ModelVersionWarning,
                      stacklevel=3)


def _check_predicts(src: Path, model: Any, classifier: bool, name: str) -> None:
    needed = ["predict", "predict_proba"] if classifier else ["predict"]
    missing = [m for m in needed if not callable(getattr(model, m, None))]
    if missing:
        raise ModelLoadError(f"{src}: {name} holds a {type(model).__name__}, which has no "
                             f"{' or '.join(missing)}")


def _load_metric(path: Path) -> Metric | None:
    """The fit's own metric saved with the model; None where there is none, or where this
    process cannot import its function (the model still predicts; scoring it then needs
    ``metric=``, as :attr:`FitResult.scoring_metric` says)."""
    import joblib

    if not path.is_file():
        return None
    try:
        metric = joblib.load(path)
    except (AttributeError, ImportError, ModuleNotFoundError) as exc:
        warnings.warn(f"the model's own metric cannot be read here ({type(exc).__name__}: "
                      f"{exc}); score it with metric=", ModelVersionWarning, stacklevel=3)
        return None
    if not isinstance(metric, Metric):
        raise TypeError(f"{path.name} holds a {type(metric).__name__}, not a Metric")
    return metric


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"a saved column name is a {type(value).__name__}, not text")
    return value


def _load_background(path: Path, schema: FeatureSchema) -> pd.DataFrame | None:
    """The explanations' background saved with the model, checked to be a frame of the
    schema's columns; None for a model saved without one."""
    import joblib

    if not path.is_file():
        return None
    background = joblib.load(path)
    expected = [c.name for c in schema.columns]
    if not isinstance(background, pd.DataFrame) or list(background.columns) != expected:
        raise TypeError(f"{path.name} is not a frame of the model's columns {expected}")
    return background


def _load_deployed(path: Path) -> Deployment | None:
    """The deployed model saved beside the full one; None for a model saved without one."""
    import joblib

    if not path.is_file():
        return None
    deployed = joblib.load(path)
    if not isinstance(deployed, Deployment):
        raise TypeError(f"{path.name} holds a {type(deployed).__name__}, not a Deployment")
    return deployed
