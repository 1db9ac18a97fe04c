"""The pyfunc model class MLflow loads: imported only when a model is saved or loaded, since
importing MLflow costs a second or more."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd
from mlflow.models.signature import ModelSignature
from mlflow.types.schema import AnyType, ColSpec, Schema

import automl


class AutoMLPyfunc(mlflow.pyfunc.PythonModel):
    """A saved automl model behind MLflow's pyfunc interface."""

    def load_context(self, context: Any) -> None:
        """Load the automl model from the artifact (its files checked as ``automl.load``
        always checks them)."""
        self.result = automl.load(context.artifacts["automl_model"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
        """``FitResult.predict`` of the rows."""
        return self.result.predict(pd.DataFrame(model_input))


def signature_of(result: Any) -> ModelSignature:
    """The model's signature: each training column by name, optional (automl imputes missing
    values) and of any type, and the prediction. The values are checked by automl's own
    schema, whose cleaning reads what MLflow's strict conversions would refuse (whole numbers
    in a column of fractions, "1,234", "yes"/"no"), and whose errors name each bad column."""
    inputs = Schema([ColSpec(AnyType(), c.name, required=False)
                     for c in result.feature_schema.columns])
    outputs = Schema([ColSpec("string" if result.classes is not None else "double")])
    return ModelSignature(inputs=inputs, outputs=outputs)
