"""The one exception the conformance kit raises (:mod:`automl._kit.checks` names the plugin and
the check around a failure the model and component checks report)."""

from __future__ import annotations


class PluginCheckError(AssertionError):
    """A plugin failed a conformance check; the message names the plugin, what it registered
    and the check."""
