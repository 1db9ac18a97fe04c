"""The built-in metrics (:data:`automl._contract.metrics.METRICS`), registered through the core's
``automl`` entry point like any plugin's, so that ``automl plugins`` lists them beside the
metrics plugins add."""

from __future__ import annotations

from typing import Any

from automl._contract.hookspecs import hookimpl


@hookimpl(tryfirst=True)
def register_metrics(register: Any) -> None:
    """Register ROC AUC, log loss, accuracy, balanced accuracy, macro F1, RMSE, MAE and R²."""
    from automl._contract.metrics import METRICS

    for metric in METRICS.values():
        register(metric)
