"""The contract every stage and every plugin builds on: the records of
:mod:`~automl._contract.specs` and :mod:`~automl._contract.records`, the hooks of
:mod:`~automl._contract.hookspecs` and their checks, the plugin manager
(:mod:`~automl._contract.plugins`), metrics, data-report entries and deadlines.

It imports no other part of automl (only :mod:`automl.errors`); every stage may import it.
Plugin authors reach it through :mod:`automl.plugin`.
"""
