"""Serving a fitted model with BentoML: the model store entry, the service that checks every
request against the training schema, and the Bento build.

- :mod:`automl._serving.requests`: parsing request bodies and shaping the JSON answers and errors
  (no BentoML needed, so it is tested directly).
- :mod:`automl._serving.service`: the BentoML service module that ``bentoml serve`` loads.
- :mod:`automl._serving.bento`: storing a saved model and building the Bento.
"""
