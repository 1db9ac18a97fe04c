"""automl: plugin-based AutoML for tabular data.

``automl.fit(df, target)`` checks the data, searches models and parameters inside a time budget
and returns a :class:`FitResult` that predicts, scores and saves; ``automl.load`` reads it back.
Plugins register models, preprocessors, cleaning steps, tuners and metrics with the hooks in
:mod:`automl.hookspecs`.

``import automl`` stays light: scikit-learn, Optuna, pandas and pandera are imported on first use
of ``fit``, ``load`` or ``FitResult``.
"""

from typing import TYPE_CHECKING, Any

from automl.errors import AutoMLError, DataValidationError
from automl.hookspecs import hookimpl
from automl.specs import (
    CleanContext,
    CleanerSpec,
    FeatureLayout,
    FitContext,
    Metric,
    ModelSpec,
    PrepContext,
    PreprocessorSpec,
    SearchChoice,
    Task,
    TunerSpec,
)

if TYPE_CHECKING:
    from automl.api import fit
    from automl.loading import load
    from automl.metrics import make_metric
    from automl.result import FitResult

__version__ = "0.1.0"

_LAZY = {"fit": "automl.api", "load": "automl.loading", "FitResult": "automl.result",
         "make_metric": "automl.metrics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'automl' has no attribute {name!r}")


__all__ = [
    "AutoMLError",
    "CleanContext",
    "CleanerSpec",
    "DataValidationError",
    "FeatureLayout",
    "FitContext",
    "FitResult",
    "Metric",
    "ModelSpec",
    "PrepContext",
    "PreprocessorSpec",
    "SearchChoice",
    "Task",
    "TunerSpec",
    "__version__",
    "fit",
    "hookimpl",
    "load",
    "make_metric",
]
