"""`import automl` stays light: the heavy libraries load when first used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["sklearn", "optuna", "pandas", "pandera", "numpy", "scipy"]


def test_import_automl_loads_no_heavy_library():
    code = ("import sys, automl; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == ""


def test_fit_is_there_when_asked_for():
    code = "import automl; print(automl.fit.__module__, automl.load.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["automl._fit.api", "automl._result.loading"]
