"""automl: plugin-based AutoML for tabular data.

``automl.fit(df, target)`` checks the data, searches models and parameters inside a time budget
and returns a :class:`FitResult` that predicts, scores and saves; ``automl.load`` reads it back.
Plugins register models, preprocessors, cleaning steps, tuners and metrics with the hooks of
:mod:`automl.plugin`, the plugin author's surface; the records a plugin registers (``ModelSpec``
and the rest) are importable from here too. These names, :mod:`automl.plugin`,
:mod:`automl.sklearn` and :mod:`automl.errors` are the public API; a module whose name starts with
an underscore may change in any release.

``import automl`` stays light: scikit-learn, Optuna, pandas and pandera are imported on first use
of ``fit``, ``load`` or ``FitResult``.
"""

from typing import TYPE_CHECKING

from automl._contract.hookspecs import hookimpl
from automl._contract.specs import (
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
from automl._lazy import lazy_names
from automl.errors import AutoMLError, DataValidationError

if TYPE_CHECKING:
    from automl._contract.metrics import make_metric
    from automl._fit.api import fit
    from automl._result.loading import load
    from automl._result.result import FitResult

__version__ = "0.1.0"

_LAZY = {"fit": "automl._fit.api", "load": "automl._result.loading",
         "FitResult": "automl._result.result",
         "make_metric": "automl._contract.metrics"}


__getattr__ = lazy_names(__name__, _LAZY)


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
