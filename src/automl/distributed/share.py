"""The share of a search: a folder every process of it can read (a local or shared path, or an
fsspec URL such as ``s3://bucket/search``) holding the prepared table with its split and the
settings (``search.joblib``, checksummed in the study) and the candidates for the ensemble that
each process keeps (``candidates/<trial>.joblib``).

Files are written under a temporary name and then renamed, so a process killed while writing
leaves no half file behind under the real name."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.cleaning import Cleaning
from automl.errors import ConfigurationError
from automl.search import Candidate
from automl.search_settings import SearchSettings
from automl.split import Validation
from automl.target_transform import TargetScale

PACKAGE = "search.joblib"
CANDIDATES = "candidates"


@dataclass
class SearchPackage:
    """What every process of a search scores trials on: the settings, the fitted cleaning (it
    offers the per-trial choices), the target's scale (regression) and the validation folds
    with their rows; ``fingerprint`` identifies the table, the split and the settings."""

    settings: SearchSettings
    cleaning: Cleaning
    target_scale: TargetScale | None
    validation: Validation
    fingerprint: str


def fingerprint(validation: Validation, settings: SearchSettings) -> str:
    """A SHA-256 of every fold's rows and target and of the settings but the trial limit: equal
    for the same table, split and settings, whichever process computes it."""
    # n_trials limits a run, like the budget: a resumed search may change it
    chosen = {k: v for k, v in settings.to_dict().items() if k != "n_trials"}
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True, default=str).encode())
    for fold in validation.folds:
        for frame in (fold.X_train, fold.X_valid):
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
            digest.update(",".join(map(str, frame.columns)).encode())
        for target in (fold.y_train, fold.y_valid):
            digest.update(np.ascontiguousarray(target).tobytes())
    return digest.hexdigest()


class Share:
    """The share at ``location``: a path, or a URL any fsspec filesystem understands."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.fs, self.root = _filesystem(location)

    def _path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def _write(self, name: str, payload: bytes) -> None:
        final = self._path(name)
        temporary = f"{final}.{uuid.uuid4().hex}.part"
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        with self.fs.open(temporary, "wb") as f:
            f.write(payload)
        self.fs.mv(temporary, final)

    def write_package(self, package: SearchPackage) -> str:
        """Write the package; returns the SHA-256 of its bytes."""
        payload = _dumps(package)
        self._write(PACKAGE, payload)
        return hashlib.sha256(payload).hexdigest()

    def read_package(self, sha256: str) -> SearchPackage:
        """The package, checked against ``sha256``; a :class:`ConfigurationError` when it
        cannot be read or is not the one the search started with."""
        try:
            with self.fs.open(self._path(PACKAGE), "rb") as f:
                payload = f.read()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the search's table at {self._path(PACKAGE)} ({exc}); every "
                f"worker must reach the share the fit named (share=, --share): mount it at the "
                f"same path or use a URL such as s3://...") from None
        found = hashlib.sha256(payload).hexdigest()
        if found != sha256:
            raise ConfigurationError(
                f"the table at {self._path(PACKAGE)} is not the one this search started with "
                f"(checksum {found[:12]} where the study has {sha256[:12]}); a worker must "
                f"score on the same rows as the others: point it at the search's own share")
        return _loads(payload)

    def write_candidate(self, candidate: Candidate) -> None:
        """Keep a candidate for the ensemble."""
        self._write(f"{CANDIDATES}/{candidate.record.number}.joblib", _dumps(candidate))

    def drop_candidate(self, number: int) -> None:
        """Forget the candidate of trial ``number`` (no error when it is not there)."""
        path = self._path(CANDIDATES, f"{number}.joblib")
        if self.fs.exists(path):
            self.fs.rm(path)

    def candidate_numbers(self) -> set[int]:
        """The trial numbers with a stored candidate."""
        folder = self._path(CANDIDATES)
        if not self.fs.exists(folder):
            return set()
        names = [p.rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False)]
        return {int(n[:-7]) for n in names if n.endswith(".joblib") and n[:-7].isdigit()}

    def read_candidate(self, number: int) -> Candidate:
        """The candidate of trial ``number``."""
        with self.fs.open(self._path(CANDIDATES, f"{number}.joblib"), "rb") as f:
            return _loads(f.read())


def _filesystem(location: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ModuleNotFoundError:
        raise ConfigurationError("a shared search needs fsspec: pip install "
                                 "'automl[distributed]'") from None
    fs, root = fsspec.core.url_to_fs(location)
    return fs, root


def _dumps(obj: Any) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(obj, buffer, compress=3)
    return buffer.getvalue()


def _loads(payload: bytes) -> Any:
    import joblib

    return joblib.load(io.BytesIO(payload))
