"""Opening an Optuna storage from the URL a user gives, and calling it through outages: a
storage that stops answering is retried with backoff, then reported as a
:class:`~automl.errors.StorageError` that says how to go on."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from typing import Any

import optuna
from sqlalchemy import exc as sa

from automl.errors import ConfigurationError, StorageError

#: seconds between a running trial's heartbeats, and without one before it counts as dead
HEARTBEAT_SECONDS, GRACE_SECONDS = 2, 10
#: waits between retries of a storage call that could not reach the storage (31 s in all)
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)
#: what a database says when waiting will not help: a wrong password, database or file
PERMANENT = ("authentication failed", "does not exist", "no password supplied",
             "unable to open database file")
SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "oracle", "mssql")
# the password of user:password@host (up to the last @: a password may hold one), and a
# password given as a query parameter
_USERINFO = re.compile(r"(://[^:/@?#]*:)(.*)@(?=[^@]*$)")
_QUERY_PASSWORD = re.compile(r"([?&](?:password|passwd|pwd)=)[^&#]*", re.IGNORECASE)


def is_database(url: str) -> bool:
    """True for a SQLAlchemy URL (``postgresql://...``, ``sqlite:///...``); anything else is
    the path of an Optuna journal file."""
    return url.split(":", 1)[0].split("+", 1)[0] in SQL_SCHEMES and "://" in url


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages: the password of
    ``user:password@host`` (one holding ``@`` included) and a ``password=`` query
    parameter."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO.sub(r"\1***@", url))


def normalised(url: str) -> str:
    """``url`` as SQLAlchemy takes it: ``postgres://`` (the form many hosts hand out) is
    ``postgresql://``."""
    return re.sub(r"^postgres(?=(\+[A-Za-z0-9_]+)?://)", "postgresql", url)


def open_storage(url: str, create: bool = True) -> optuna.storages.BaseStorage:
    """The Optuna storage at ``url``: an RDB storage with heartbeats for a database URL, else a
    journal file (created if missing, unless ``create`` is False: a command that only reads
    then finds nothing to read, a :class:`~automl.errors.ConfigurationError`, and leaves no
    file behind). A missing database driver is a :class:`~automl.errors.ConfigurationError`;
    a database that does not answer, after the retries, a
    :class:`~automl.errors.StorageError`."""
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"storage={url!r}: give a database URL such as "
                                 f"'postgresql://user:password@host/db' or "
                                 f"'sqlite:///search.db', or the path of a journal file")
    url = normalised(url)
    if not create:
        _must_exist(url)
    try:
        if not is_database(url):
            from optuna.storages.journal import JournalFileBackend, JournalStorage

            return retrying(url, lambda: JournalStorage(JournalFileBackend(url)))
        engine = {} if url.startswith("sqlite") else {"pool_pre_ping": True}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return retrying(url, _rdb_storage, url, engine)
    except ImportError as exc:  # optuna re-raises the driver's ModuleNotFoundError as this
        missing = getattr(exc.__cause__, "name", None) or exc
        raise ConfigurationError(f"storage={redact(url)!r} needs a database driver that is not "
                                 f"installed ({missing}): pip install 'automl[distributed]' "
                                 f"(psycopg for PostgreSQL)") from None
    except (OSError, sa.OperationalError) as exc:  # not transient: see PERMANENT
        raise ConfigurationError(f"cannot open the storage {redact(url)} ({_first_line(exc)}); "
                                 f"check the URL, the user and the database (for a file, that "
                                 f"its folder exists and is writable)") from None


def _must_exist(url: str) -> None:
    from pathlib import Path

    path = url.split(":///", 1)[1] if url.startswith("sqlite:///") else (
        None if is_database(url) else url)
    if path and not Path(path).is_file():
        raise ConfigurationError(f"there is no search at {redact(url)}: no such file (this "
                                 f"command reads a storage and creates none)")


def _rdb_storage(url: str, engine: dict[str, Any]) -> optuna.storages.RDBStorage:
    for wait in (0.2, 0.5, 1.0, 2.0, None):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine,
                                              heartbeat_interval=HEARTBEAT_SECONDS,
                                              grace_period=GRACE_SECONDS)
        except (sa.IntegrityError, sa.ProgrammingError):
            # Processes that start together on an empty database all create Optuna's tables;
            # all but one collide. Once the tables are there, the next try finds them.
            if wait is None:
                raise
            time.sleep(wait)
    raise AssertionError("unreachable")


def retrying(url: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, called again after each of :data:`RETRY_DELAYS` while the
    storage at ``url`` cannot be reached; then a :class:`~automl.errors.StorageError`."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if not _unreachable(exc):
                raise
            if delay is None:
                raise StorageError(
                    f"the study storage {redact(url)} did not answer for "
                    f"{sum(RETRY_DELAYS):.0f} s ({_first_line(exc)}); check that it is up and "
                    f"reachable, then continue the search with resume=True "
                    f"(automl fit ... --resume)") from None
            time.sleep(delay)
    raise AssertionError("unreachable")


def study_summaries(url: str, storage: optuna.storages.BaseStorage
                    ) -> list[optuna.study.StudySummary]:
    """The studies in ``storage`` (opened from ``url``), read through outages."""
    return retrying(url, optuna.get_all_study_summaries, storage, include_best_trial=False)


def _unreachable(exc: BaseException | None) -> bool:
    # A connection that failed or broke, here or as the cause of Optuna's own error; not a
    # wrong query, a constraint, a missing table, nor a file that is not there.
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError) or any(
            words in str(exc) for words in PERMANENT):
        return False
    while exc is not None:
        if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, sa.OperationalError | sa.InterfaceError | OSError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
