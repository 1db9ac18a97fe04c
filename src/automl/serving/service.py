"""The BentoML service of a fitted automl model: ``bentoml serve`` loads this module.

The model is named by the Bento argument ``model`` (a model-store tag, fixed when the Bento is
built) or, for ``bentoml serve automl.serving.service:AutoMLService`` on a development machine,
by ``--arg model=TAG`` or the environment variable ``AUTOML_MODEL``.

Routes (the HTTP contract): ``POST /predict``, ``POST /predict_proba`` (classifiers),
``GET|POST /metadata``, and ``GET /drift`` (the rows served lately against the training data;
``?format=text`` or ``html`` for those forms) or ``POST /drift`` (the rows in the body); BentoML
adds ``/healthz``, ``/readyz``, ``/livez`` and ``/metrics``.
Every request is checked against the training schema before it reaches the model; bad input
answers 4xx with ``{"error", "failures"}``, never 5xx.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bentoml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import automl
from automl.drift import compare
from automl.drift_report import DriftReport
from automl.errors import AutoMLError, ConfigurationError, DataValidationError
from automl.serving.batching import AdaptiveBatcher
from automl.serving.monitor import ServedLog
from automl.serving.requests import (
    MAX_ROWS,
    RequestError,
    as_request_error,
    jsonable,
    parse_rows,
)

MODEL_VARIABLE = "AUTOML_MODEL"


def _model_tag() -> str:
    tag = getattr(bentoml.use_arguments(), "model", None) or os.environ.get(MODEL_VARIABLE)
    if not tag:
        raise AutoMLError(f"no model to serve: build a Bento with `automl build MODEL_DIR`, or "
                          f"pass --arg model=TAG (or set {MODEL_VARIABLE})")
    return str(tag)


class Predictor:
    """A loaded FitResult behind the HTTP contract; requests are checked against the schema
    and predicted in adaptive batches (see :mod:`automl.serving.batching`); the rows answered
    are logged for drift monitoring (see :mod:`automl.serving.monitor`)."""

    def __init__(self, path: str, tag: str) -> None:
        self.result = automl.load(path)
        self.tag = tag
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="automl-predict")
        self.labels = AdaptiveBatcher(self.result.predict, MAX_ROWS, worker)
        self.probabilities = AdaptiveBatcher(self.result.predict_proba, MAX_ROWS, worker)
        self.log = ServedLog.from_environment()

    async def predict(self, frame: Any) -> dict[str, Any]:
        """``{"predictions": [...]}`` in the original labels."""
        predictions = jsonable(await self.labels(frame))
        self.log.record(frame, predictions)
        return {"predictions": predictions}

    async def predict_proba(self, frame: Any) -> dict[str, Any]:
        """``{"classes": [...], "probabilities": [[...], ...]}``."""
        if self.result.classes is None:
            raise RequestError(404, [], f"predict_proba is for classifiers; this model does "
                                        f"{self.result.task}: use /predict")
        proba = await self.probabilities(frame)
        probabilities = proba.to_numpy().tolist()
        self.log.record(frame, probabilities)
        return {"classes": jsonable(proba.columns), "probabilities": probabilities}

    async def drift(self, frame: Any = None) -> DriftReport:
        """``frame`` (default: the rows served lately) against the training reference."""
        rows = self.log.frame() if frame is None else frame
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, compare, self.result, rows)
        except ConfigurationError as exc:
            raise RequestError(409, [], str(exc)) from None

    def metadata(self) -> dict[str, Any]:
        """Task, metric, model, held-out score, feature schema and versions."""
        r = self.result
        return {"model_tag": self.tag, "task": r.task.value, "metric": r.metric, "model": r.best,
                "valid_score": r.valid_score, "classes": r.classes, "refitted": r.refitted,
                "features": [vars(c) for c in r.feature_schema.columns],
                "ignored_columns": [r.feature_schema.target, *r.feature_schema.ignored],
                "max_rows": MAX_ROWS, "versions": r.versions, "monitor": self.log.describe(),
                "batching": {name: {"requests": b.requests, "batches": b.batches}
                             for name, b in [("predict", self.labels),
                                             ("predict_proba", self.probabilities)]}}


async def _answer(request: Request, method: str) -> Response:
    """Call ``method`` of the predictor on the request's rows (none for a GET) and answer its
    result, or a 4xx for what the request got wrong."""
    predictor: Predictor = bentoml.get_current_service().predictor
    try:
        frame = None
        if request.method == "POST":
            frame = parse_rows(await request.body(), request.headers.get("content-type", ""))
        body = await getattr(predictor, method)(frame)
    except RequestError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.status)
    except DataValidationError as exc:
        error = as_request_error(exc)
        return JSONResponse(error.to_dict(), status_code=error.status)
    if isinstance(body, DriftReport):
        form = request.query_params.get("format", "json")
        if form == "html":
            return HTMLResponse(body.to_html())
        if form == "text":
            return PlainTextResponse(body.summary())
        body = body.to_dict()
    return JSONResponse(body)


async def predict(request: Request) -> Response:
    """POST /predict."""
    return await _answer(request, "predict")


async def predict_proba(request: Request) -> Response:
    """POST /predict_proba."""
    return await _answer(request, "predict_proba")


async def drift(request: Request) -> Response:
    """GET /drift: the rows served lately against the training data; POST /drift: the rows
    in the body. ``?format=json`` (default), ``text`` or ``html``."""
    return await _answer(request, "drift")


async def metadata(request: Request) -> JSONResponse:
    """GET or POST /metadata."""
    return JSONResponse(bentoml.get_current_service().predictor.metadata())


app = Starlette(routes=[
    Route("/predict", predict, methods=["POST"]),
    Route("/predict_proba", predict_proba, methods=["POST"]),
    Route("/metadata", metadata, methods=["GET", "POST"]),
    Route("/drift", drift, methods=["GET", "POST"]),
])

_TAG = _model_tag()


@bentoml.service(name="automl", traffic={"timeout": 60})
@bentoml.asgi_app(app, path="/")
class AutoMLService:
    """Serves one fitted automl model from the BentoML model store."""

    model_ref = bentoml.models.BentoModel(_TAG)

    def __init__(self) -> None:
        self.predictor = Predictor(self.model_ref.path, _TAG)
