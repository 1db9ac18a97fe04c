"""The conformance kit for plugin authors (reached through :mod:`automl.plugin`): the checks
every plugin kind must pass, and :func:`make_messy` for cleaning tests."""
