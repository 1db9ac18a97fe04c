"""The base of the wrappers a final model wears (calibrated probabilities, a decision
threshold): what they do not change is the wrapped model's."""

from __future__ import annotations

from typing import Any


class ModelWrapper:
    """A fitted model around ``model``: attributes it does not define (named_steps, members,
    feature importances) are the wrapped model's, as a user inspecting
    ``FitResult.pipeline`` expects."""

    model: Any

    def __getattr__(self, name: str) -> Any:
        # never while unpickling, before ``model`` is set
        if name == "model" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.model, name)
