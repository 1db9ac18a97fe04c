"""The share of a search: a folder every process of it can read (a local or shared path, or an
fsspec URL such as ``s3://bucket/search``) holding the prepared table with its split and the
settings (``search.joblib``, checksummed in the study) and the candidates for the ensemble that
each process keeps (``candidates/<trial>.joblib``).

Files are written under a temporary name and then renamed, so a process killed while writing
leaves no half file behind under the real name.

Anyone who can write the share (every worker can, by design) could otherwise swap what the
leader unpickles. So every file's digest is recorded in the study, and checked before the file
is unpickled: the package's in the study's attributes, each candidate's in its trial's record.
With a share key (the environment variable ``AUTOML_SHARE_KEY``, given to the fit and to every
worker, never stored in the database or the share) the digest is an HMAC-SHA256, which whoever
can rewrite the study but lacks the key cannot forge; without one it is a plain SHA-256, which
catches damage (a truncated or changed file) but not a forger who can also write the study."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl._cleaning.steps import Cleaning
from automl._contract.records import Candidate
from automl._data.split import Validation
from automl._features.target_transform import TargetScale
from automl._search.settings import SearchSettings
from automl.errors import ConfigurationError

PACKAGE = "search.joblib"
CANDIDATES = "candidates"
#: the environment variable holding the share key (see the module's text)
SHARE_KEY_VARIABLE = "AUTOML_SHARE_KEY"
_SIGNED, _PLAIN = "hmac-sha256:", "sha256:"


class ShareFileError(Exception):
    """A file of the share that is not what the study recorded: damaged, replaced, unsigned
    where a share key is set, or signed with a key this process lacks."""


def file_digest(payload: bytes) -> str:
    """The recorded digest of ``payload``: ``hmac-sha256:HEX`` under the share key, else
    ``sha256:HEX``."""
    key = os.environ.get(SHARE_KEY_VARIABLE)
    if key:
        return _SIGNED + hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()
    return _PLAIN + hashlib.sha256(payload).hexdigest()


def check_digest(payload: bytes, recorded: str | None, what: str) -> None:
    """Raise :class:`ShareFileError` unless ``payload`` has the ``recorded`` digest (a bare
    hex digest, as studies before signing recorded, is a plain SHA-256)."""
    if not recorded:
        raise ShareFileError(f"{what} has no digest in the study")
    if ":" not in recorded:
        recorded = _PLAIN + recorded
    key = os.environ.get(SHARE_KEY_VARIABLE)
    if key and not recorded.startswith(_SIGNED):
        raise ShareFileError(f"{what} is not signed, and {SHARE_KEY_VARIABLE} is set")
    if not key and recorded.startswith(_SIGNED):
        raise ShareFileError(f"{what} is signed with a share key, and {SHARE_KEY_VARIABLE} "
                             f"is not set here: give this process the search's key")
    if not hmac.compare_digest(file_digest(payload), recorded):
        raise ShareFileError(f"{what} is not the file the study recorded (damaged or replaced"
                             f"{', or signed with another key' if key else ''})")


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
        """Write the package; returns its digest (:func:`file_digest`) for the study."""
        payload = _dumps(package)
        self._write(PACKAGE, payload)
        return file_digest(payload)

    def read_package(self, recorded: str) -> SearchPackage:
        """The package, checked against the study's ``recorded`` digest; a
        :class:`ConfigurationError` when it cannot be read or is not the one the search
        started with."""
        try:
            with self.fs.open(self._path(PACKAGE), "rb") as f:
                payload = f.read()
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the search's table at {self._path(PACKAGE)} ({exc}); every "
                f"worker must reach the share the fit named (share=, --share): mount it at the "
                f"same path or use a URL such as s3://...") from None
        try:
            check_digest(payload, recorded, f"the table at {self._path(PACKAGE)}")
        except ShareFileError as exc:
            raise ConfigurationError(
                f"{exc}: it is not the one this search started with, and a worker must score "
                f"on the same rows as the others; point it at the search's own share") from None
        return _loads(payload)

    def write_candidate(self, candidate: Candidate) -> str:
        """Keep a candidate for the ensemble; returns its digest for the trial's record."""
        payload = _dumps(candidate)
        self._write(f"{CANDIDATES}/{candidate.record.number}.joblib", payload)
        return file_digest(payload)

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

    def read_candidate(self, number: int, recorded: str | None) -> Candidate:
        """The candidate of trial ``number``, checked against its trial's ``recorded`` digest
        before it is unpickled: a :class:`ShareFileError` when it does not match, or when it
        will not unpickle as a candidate (FileNotFoundError when it is not there)."""
        path = self._path(CANDIDATES, f"{number}.joblib")
        with self.fs.open(path, "rb") as f:
            payload = f.read()
        check_digest(payload, recorded, f"the candidate {path}")
        try:
            candidate = _loads(payload)
        except Exception as exc:  # a file the study vouches for, yet not a candidate
            raise ShareFileError(f"the candidate {path} cannot be read ({exc})") from None
        if not isinstance(candidate, Candidate):
            raise ShareFileError(f"the candidate {path} holds a {type(candidate).__name__}")
        return candidate


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
