"""The files of a saved model: written atomically, listed with their SHA-256 in a manifest, and
checked against it before anything in them is read.

A model directory is untrusted until checked: its pickles run code when they are loaded. The
manifest (in ``metadata.json``) names every file the save wrote with its SHA-256, so that a
damaged, truncated, swapped, missing or added file is refused by name before any unpickling.
On its own the manifest guards against accidents (a disk that filled, a copy cut short), not
against someone who can rewrite the directory, manifest included. With a key in the
environment variable ``AUTOML_SIGNING_KEY`` (never stored with the model) the whole metadata,
manifest included, is signed with HMAC-SHA256: ``load`` then refuses a directory that is
unsigned, signed with another key, or changed since.

A save writes into a temporary sibling directory, flushes it to disk and renames it into place,
so that a save that fails or is killed leaves the old model whole, or nothing, never a mix.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automl.errors import ModelLoadError

#: the environment variable holding the signing key
SIGNING_VARIABLE = "AUTOML_SIGNING_KEY"
#: the file that holds the metadata and the manifest (not itself listed)
META_FILE = "metadata.json"
#: the other files of a saved model directory (the training reference's are its own modules')
PIPELINE_FILE = "pipeline.joblib"
CLEANING_FILE = "cleaning.joblib"
REPORT_FILE = "data_report.json"
BOARD_FILE = "leaderboard.json"
DEPLOYED_FILE = "deployed.joblib"
#: the fit's own metric (``fit(metric=make_metric(...))``), where it pickles
METRIC_FILE = "metric.joblib"
#: the background per-row explanations are measured against (:mod:`automl._judging.explain`)
BACKGROUND_FILE = "background.joblib"
_CHUNK = 1 << 20


def digest(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    sha = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _key() -> bytes | None:
    key = os.environ.get(SIGNING_VARIABLE)
    return key.encode() if key else None


def _signature(meta: dict[str, Any], key: bytes) -> str:
    """The HMAC-SHA256 of the whole metadata (its manifest of files included), the signature
    itself left out."""
    unsigned = {**meta, "manifest": {**meta["manifest"], "signature": None}}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def _listing(folder: Path) -> dict[str, Path]:
    """Every entry under ``folder`` but the metadata file, by its path relative to it; a
    link is refused (it could point anywhere)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise ModelLoadError(f"{folder}: {name} is a symbolic link; a saved model holds "
                                 f"plain files only")
        if path.is_file() and name != META_FILE:
            found[name] = path
    return found


def manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the files in ``folder``: their SHA-256 (signed by :func:`signed`)."""
    return {"files": {name: digest(path) for name, path in _listing(folder).items()},
            "signature": None}


def signed(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` (plain JSON, its ``manifest`` made by :func:`manifest`) signed with the key
    of ``AUTOML_SIGNING_KEY``; as it is without a key."""
    key = _key()
    if key is None:
        return meta
    return {**meta, "manifest": {**meta["manifest"], "signature": _signature(meta, key)}}


def verify(folder: Path, meta: dict[str, Any]) -> None:
    """Check the files of ``folder`` against the manifest in its metadata ``meta`` and, with
    a signing key, the signature of the whole metadata; raises :class:`ModelLoadError` naming
    the first file that is missing, added, changed or unsigned."""
    record = meta.get("manifest")
    if not isinstance(record, dict) or not isinstance(record.get("files"), dict):
        raise ModelLoadError(f"{folder}: {META_FILE} has no manifest of the model's files; "
                             f"save the model again with this automl")
    files: dict[str, Any] = record["files"]
    key, signature = _key(), record.get("signature")
    if key is not None:
        if not isinstance(signature, str):
            raise ModelLoadError(f"{folder} is not signed, and {SIGNING_VARIABLE} is set: "
                                 f"only models signed with that key are loaded")
        if not hmac.compare_digest(signature, _signature(meta, key)):
            raise ModelLoadError(f"{folder}: {META_FILE} is signed with another key than "
                                 f"{SIGNING_VARIABLE}'s, or was changed after it was signed")
    elif signature:
        warnings.warn(f"{folder} is signed, but {SIGNING_VARIABLE} is not set: its signature "
                      f"was not checked", UserWarning, stacklevel=3)
    present = _listing(folder)
    added = sorted(set(present) - set(files))
    if added:
        raise ModelLoadError(f"{folder}: {added[0]} is not in the model's manifest (added "
                             f"after the save?)")
    for name, expected in files.items():
        if name not in present:
            raise ModelLoadError(f"{folder}: {name} is missing")
        if not hmac.compare_digest(digest(present[name]), str(expected)):
            raise ModelLoadError(f"{folder}: {name} was changed or damaged since the model "
                                 f"was saved (its SHA-256 differs from the manifest's)")


def read_json(folder: Path, name: str) -> Any:
    """A JSON file of the model, parsed; :class:`ModelLoadError` naming it when it cannot be."""
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{folder}: {name} is missing") from None
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{folder}: {name} cannot be read ({exc})") from None


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(folder)`` on a fresh temporary sibling of ``target``, flush what it wrote,
    then put it in ``target``'s place (the old directory, if any, is removed only once the new
    one is there)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    stamp = uuid.uuid4().hex[:8]
    fresh = target.parent / f".{target.name}.saving-{stamp}"
    old = target.parent / f".{target.name}.old-{stamp}"
    fresh.mkdir()
    try:
        write(fresh)
        _flush(fresh)
        if target.exists():
            os.replace(target, old)
        os.replace(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        if old.exists() and not target.exists():
            os.replace(old, target)  # the new one never arrived: the old one stays
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


def recover(target: Path) -> None:
    """Put back the model a save killed between its two renames had moved aside (the moment
    ``target`` is missing and its ``.old-`` sibling holds the earlier model whole)."""
    target = Path(target)
    if target.exists() or not target.parent.is_dir():
        return
    moved = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if moved and (moved[-1] / META_FILE).is_file():
        os.replace(moved[-1], target)


def _flush(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as written:
                os.fsync(written.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
