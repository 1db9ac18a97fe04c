"""The BentoML service of a fitted automl model: ``bentoml serve`` loads this module.

The model is named by the Bento argument ``model`` (a model-store tag, fixed when the Bento is
built) or, for ``bentoml serve automl._serving.service:AutoMLService`` on a development machine,
by ``--arg model=TAG`` or the environment variable ``AUTOML_MODEL``.

Routes (the HTTP contract): ``POST /predict`` (a regressor's ``?coverage=0.9`` adds prediction
intervals), ``POST /predict_proba`` (classifiers), ``POST /explain`` (each column's contribution
to each prediction, at most :data:`EXPLAIN_ROWS` rows a request; ``?class=LABEL`` picks a
classifier's class),
``GET|POST /metadata``, and ``GET /drift`` (the rows served lately against the training data;
``?format=text`` or ``html`` for those forms) or ``POST /drift`` (the rows in the body); BentoML
adds ``/healthz``, ``/readyz``, ``/livez`` and ``/metrics``.
Every request is checked against the training schema before it reaches the model; bad input
answers 4xx with ``{"error", "failures"}``, never 5xx; so do unknown routes (404) and methods
(405). A body past ``AUTOML_MAX_BODY_BYTES`` (16 MiB) answers 413 before it is read whole; a
full queue (``AUTOML_MAX_QUEUE`` requests waiting) answers 503 with ``Retry-After``.
``AUTOML_WORKERS`` processes (default: one per core, up to four) answer, sharing one log of
the rows served.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import bentoml
import numpy as np
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Match, Route

import automl
from automl._monitoring.drift import compare
from automl._monitoring.drift_report import DriftReport
from automl._serving.auth import BearerToken
from automl._serving.batching import MAX_QUEUE, AdaptiveBatcher
from automl._serving.bento import STORE_FOLDER
from automl._serving.monitor import ServedLog
from automl._serving.monitor_share import DIR_VARIABLE
from automl._serving.requests import (
    MAX_ROWS,
    Limits,
    RequestError,
    as_request_error,
    body_too_large,
    finite_json,
    jsonable,
    listed_column,
    parse_rows,
)
from automl.errors import AutoMLError, ConfigurationError, DataValidationError, Failure

MODEL_VARIABLE = "AUTOML_MODEL"
#: requests that may wait for the model at once
QUEUE_VARIABLE = "AUTOML_MAX_QUEUE"
#: worker processes (see :func:`workers`)
WORKERS_VARIABLE = "AUTOML_WORKERS"
#: bodies up to this many bytes are parsed and checked on the event loop (a single-row request
#: takes a few hundred); larger ones in a worker thread
INLINE_BYTES = 16 * 1024
#: rows one /explain request may ask about: each costs up to a few hundred model calls
EXPLAIN_ROWS = 20
_LOG = logging.getLogger("automl.serving")


def workers() -> int:
    """The service's worker processes: ``AUTOML_WORKERS``, else one per core up to four.
    Each worker loads the model and answers requests on a core of its own (Python runs one
    thread at a time, so one process cannot use two cores); they share one log of what they
    served, so the drift check sees every worker's rows."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if not value:
        return min(os.cpu_count() or 1, 4)
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"{WORKERS_VARIABLE}={value!r}: give a whole number of "
                                 f"worker processes, 1 or more")
    return int(value)


def _share_the_log(count: int) -> None:
    """Give the workers one folder to share their served-rows logs in: made by the process
    that starts them (BentoML copies its environment into every worker) and removed when it
    exits."""
    if count > 1 and not os.environ.get(DIR_VARIABLE):
        folder = tempfile.mkdtemp(prefix="automl-monitor-")
        os.environ[DIR_VARIABLE] = folder
        atexit.register(shutil.rmtree, folder, True)


def _model_tag() -> str:
    tag = getattr(bentoml.use_arguments(), "model", None) or os.environ.get(MODEL_VARIABLE)
    if not tag:
        raise AutoMLError(f"no model to serve: build a Bento with `automl build MODEL_DIR`, or "
                          f"pass --arg model=TAG (or set {MODEL_VARIABLE})")
    return str(tag)


class Predictor:
    """A loaded FitResult behind the HTTP contract. Each request is parsed, cleaned and checked
    against the schema on its own (on the event loop when small, else in a worker thread);
    checked requests are predicted in adaptive batches (see :mod:`automl._serving.batching`) on
    one model thread, which drift reports share so that they run one at a time; the rows
    answered are logged for drift monitoring (see :mod:`automl._serving.monitor`)."""

    def __init__(self, path: str, tag: str) -> None:
        self.result = automl.load(path)
        self.tag = tag
        self.limits = Limits.from_environment()
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="automl-model")
        queue = int(os.environ.get(QUEUE_VARIABLE, MAX_QUEUE))
        self.labels = AdaptiveBatcher(partial(self.result.predict, prepared=True), MAX_ROWS,
                                      self.model_thread, queue)
        self.probabilities = AdaptiveBatcher(partial(self.result.predict_proba, prepared=True),
                                             MAX_ROWS, self.model_thread, queue)
        self.log = ServedLog.from_environment(self.result.feature_schema.names)

    def rows(self, body: bytes, content_type: str) -> Any:
        """The request's rows, parsed (:func:`parse_rows`); raises :class:`RequestError`."""
        return parse_rows(body, content_type, self.limits)

    def prepared(self, body: bytes, content_type: str) -> tuple[Any, Any]:
        """The rows as sent and as the model takes them (cleaned and checked); raises
        :class:`RequestError` or :class:`DataValidationError`."""
        frame = self.rows(body, content_type)
        return frame, self.result.prepare(frame)

    async def predict(self, frame: Any, checked: Any,
                      coverage: float | None = None) -> dict[str, Any]:
        """``{"predictions": [...]}`` in the original labels; with a ``coverage`` (a
        regressor's ``?coverage=0.9``) also ``"intervals": [[lower, upper], ...]`` (see
        :meth:`automl._result.result.FitResult.predict_interval`)."""
        values = await self.labels(checked)
        predictions = jsonable(values)
        self.log.record(frame, predictions)
        answer: dict[str, Any] = {"predictions": predictions}
        if coverage is not None:
            lower, upper = self.result.interval_bounds(np.asarray(values, dtype=float),
                                                       coverage)
            answer.update(coverage=coverage,
                          intervals=np.column_stack([lower, upper]).tolist())
        return answer

    def coverage(self, raw: str | None) -> float | None:
        """The ``coverage`` query parameter of /predict, checked; None where there is none.
        Raises the 400 :class:`RequestError` that says what is wrong."""
        if raw is None:
            return None
        try:
            return self.result.check_coverage(float(raw))
        except ValueError as exc:  # ConfigurationError is one, and so is float("x")'s
            message = str(exc) if isinstance(exc, ConfigurationError) else (
                f"coverage={raw!r}: give the share of rows the intervals should hold, a "
                f"number between 0 and 1 such as 0.9")
            raise RequestError(400, [Failure("coverage", "query parameter", raw)],
                               message) from None

    async def explain(self, frame: Any, checked: Any, of_class: str | None = None
                      ) -> dict[str, Any]:
        """``{"output", "methods", "explanations": [{"base", "value", "contributions"[,
        "class"]}, ...]}`` (see :meth:`automl._result.result.FitResult.explain`), on the model's
        thread; refuses more than :data:`EXPLAIN_ROWS` rows (413), an unknown class (400) and
        a model without a background (409)."""
        if len(checked) > EXPLAIN_ROWS:
            raise RequestError(413, [], f"/explain takes at most {EXPLAIN_ROWS} rows a request "
                                        f"(this one has {len(checked)}): send them in parts")
        if of_class is not None and self.result.classes is None:
            raise RequestError(400, [Failure("class", "query parameter", of_class)],
                               f"class= is for classifiers; this model does {self.result.task}")
        if self.result.background is None:
            raise RequestError(409, [], "this model keeps no background rows to explain "
                                        "against (saved by an earlier automl): fit it again")
        work = partial(self.result.explain, checked, prepared=True, of_class=of_class)
        try:
            found = await asyncio.get_running_loop().run_in_executor(self.model_thread, work)
        except ConfigurationError as exc:
            raise RequestError(400, [Failure("class", "query parameter", of_class)],
                               str(exc)) from None
        return {"output": found.output, "methods": found.methods,
                "explanations": found.to_records()}

    async def predict_proba(self, frame: Any, checked: Any) -> dict[str, Any]:
        """``{"classes": [...], "probabilities": [[...], ...]}``."""
        proba = await self.probabilities(checked)
        probabilities = proba.to_numpy().tolist()
        self.log.record(frame, probabilities)
        return {"classes": jsonable(proba.columns), "probabilities": probabilities}

    def refuse_proba(self) -> None:
        """Raise the 404 a regressor answers to /predict_proba."""
        if self.result.classes is None:
            raise RequestError(404, [], f"predict_proba is for classifiers; this model does "
                                        f"{self.result.task}: use /predict")

    async def drift(self, frame: Any = None) -> DriftReport:
        """``frame`` (default: the rows served lately) against the training reference, on the
        model's thread (one report at a time, never beside a prediction)."""
        rows = self.log.frame() if frame is None else frame
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.model_thread, compare, self.result, rows)
        except ConfigurationError as exc:
            raise RequestError(409, [], str(exc)) from None

    def metadata(self) -> dict[str, Any]:
        """Task, metric, model, held-out score, how it was validated, feature schema,
        versions, the worker processes and the one answering (its process id), the
        served-rows log and this worker's batching counts."""
        r = self.result
        return {"model_tag": self.tag, "task": r.task.value, "metric": r.metric, "model": r.best,
                "valid_score": r.valid_score, "classes": r.classes, "refitted": r.refitted,
                "validation": r.validation,
                "decision": None if r.decision is None else r.decision.to_dict(),
                "features": [listed_column(c) for c in r.feature_schema.columns],
                "ignored_columns": [r.feature_schema.target, *r.feature_schema.ignored],
                "served": "deployed" if r.deployed is not None and r.deployed.model is None
                else "full",
                "deployed": None if r.deployed is None else r.deployed.describe(),
                "max_rows": MAX_ROWS, "limits": vars(self.limits), "versions": r.versions,
                "workers": workers(), "worker": os.getpid(), "monitor": self.log.describe(),
                "batching": {"predict": self.labels.describe(),
                             "predict_proba": self.probabilities.describe()}}


async def _body(request: Request, limits: Limits) -> bytes:
    """The request body, refused with a 413 as soon as it passes the byte cap (by its declared
    length, else while it streams in), before it is held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.body_bytes:
        raise body_too_large(limits)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.body_bytes:
            raise body_too_large(limits)
        chunks.append(chunk)
    return b"".join(chunks)


async def _unless_gone(request: Request, work: Any) -> Any:
    """The result of ``work`` (a coroutine), or None when the client goes away first: the
    work is then cancelled, so that its request leaves the batcher's queue unpredicted."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if task.done():
        return task.result()
    task.cancel()
    return None


async def _disconnected(request: Request) -> None:
    """Returns when the client disconnects; never, where the server cannot tell."""
    try:
        # the body has been read: what the server hands on next is the client's disconnect
        while (await request.receive())["type"] != "http.disconnect":
            pass
    except Exception:
        await asyncio.Future()  # no word of a disconnect to be had: wait for the work


async def _off_loop_if_large(work: Any, body: bytes, content_type: str) -> Any:
    """``work(body, content_type)``: on the event loop for a body of at most
    :data:`INLINE_BYTES`, in a worker thread for a larger one. A few rows are parsed and
    checked in well under a millisecond, less than the hop to a thread and back costs; and
    under load, many threads preparing small requests at once contend for the GIL with the
    event loop and the model thread, which halves throughput. A large body could hold the loop
    for long, so it goes to a thread, where it cannot stall the other requests."""
    if len(body) <= INLINE_BYTES:
        return work(body, content_type)
    return await asyncio.to_thread(work, body, content_type)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(finite_json(body), status_code=status, headers=headers)


async def _answer(request: Request, method: str) -> Response:
    """Call ``method`` of the predictor on the request's rows (none for a GET) and answer its
    result, or a 4xx for what the request got wrong."""
    predictor: Predictor = bentoml.get_current_service().predictor
    try:
        content_type = request.headers.get("content-type", "")
        if method == "drift":
            frame = None
            if request.method == "POST":
                body = await _body(request, predictor.limits)
                frame = await _off_loop_if_large(predictor.rows, body, content_type)
            report = await predictor.drift(frame)
            form = request.query_params.get("format", "json")
            if form == "html":
                return HTMLResponse(report.to_html())
            if form == "text":
                return PlainTextResponse(report.summary())
            return _json(report.to_dict())
        call = getattr(predictor, method)
        if method == "predict_proba":
            predictor.refuse_proba()
        elif method == "explain":
            call = partial(call, of_class=request.query_params.get("class"))
        else:  # refused before the body is read, like a regressor's /predict_proba
            call = partial(call, coverage=predictor.coverage(
                request.query_params.get("coverage")))
        body = await _body(request, predictor.limits)
        frame, checked = await _off_loop_if_large(predictor.prepared, body, content_type)
        answer = await _unless_gone(request, call(frame, checked))
        return _json(answer) if answer is not None else Response(status_code=499)
    except RequestError as exc:
        return _json(exc.to_dict(), exc.status, exc.headers)
    except DataValidationError as exc:
        error = as_request_error(exc)
        return _json(error.to_dict(), error.status)


async def predict(request: Request) -> Response:
    """POST /predict."""
    return await _answer(request, "predict")


async def predict_proba(request: Request) -> Response:
    """POST /predict_proba."""
    return await _answer(request, "predict_proba")


async def explain(request: Request) -> Response:
    """POST /explain."""
    return await _answer(request, "explain")


async def drift(request: Request) -> Response:
    """GET /drift: the rows served lately against the training data; POST /drift: the rows
    in the body. ``?format=json`` (default), ``text`` or ``html``."""
    return await _answer(request, "drift")


async def metadata(request: Request) -> Response:
    """GET or POST /metadata."""
    return _json(bentoml.get_current_service().predictor.metadata())


async def _http_error(request: Request, exc: Exception) -> Response:
    """404, 405 and the other HTTP errors in the JSON contract."""
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None) or "error"
    if status == 404:
        detail = (f"no route {request.url.path}: the routes are POST /predict, "
                  f"POST /predict_proba, GET /metadata and GET|POST /drift")
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return _json({"error": detail, "failures": [{"column": None, "check": detail,
                                                 "value": None}]}, status,
                 getattr(exc, "headers", None))


async def _server_error(request: Request, exc: Exception) -> Response:
    """The catch-all: a JSON 500 that names the kind of error, never a traceback."""
    _LOG.exception("unexpected error on %s", request.url.path)
    message = f"internal error ({type(exc).__name__}); the request was not answered"
    return _json({"error": message, "failures": []}, 500)


_ROUTES = {"/predict": ["POST"], "/predict_proba": ["POST"], "/explain": ["POST"],
           "/metadata": ["GET", "POST"],
           "/drift": ["GET", "POST"]}


async def _no_route(request: Request) -> Response:
    allowed = _ROUTES.get(request.url.path)
    if allowed:  # the catch-all matched a known path under another method
        raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
    raise HTTPException(404)


class _Unknown(Route):
    """Every path no route has, so that it answers 404 in the JSON contract rather than
    BentoML's plain text; BentoML's own pages (its index, assets and API docs) stay its own."""

    _BENTOML = ("/assets", "/static_content", "/docs.json", "/schema.json")

    def __init__(self) -> None:
        super().__init__("/{path:path}", _no_route)

    def matches(self, scope: Any) -> tuple[Match, Any]:
        path = scope.get("path", "")
        if path == "/" or path.startswith(self._BENTOML):
            return Match.NONE, {}
        return super().matches(scope)


_HANDLERS = {"/predict": predict, "/predict_proba": predict_proba, "/metadata": metadata,
             "/drift": drift, "/explain": explain}
app = Starlette(routes=[
    *(Route(path, handler, methods=_ROUTES[path]) for path, handler in _HANDLERS.items()),
    _Unknown(),
], exception_handlers={HTTPException: _http_error, Exception: _server_error})

def image_from(spec: dict[str, Any] | None) -> Any:
    """The Bento's container image by BentoML's image API, from the ``image`` argument that
    :func:`automl._serving.bento.build_bento` passes (None outside a build): its base image, the
    wheels folder copied in before the requirements are installed, and the requirement lines,
    unlocked (they are pinned already)."""
    if not spec:
        return None
    image = bentoml.images.Image(base_image=spec.get("base_image") or "",
                                 python_version=spec["python_version"],
                                 lock_python_packages=False)
    return image.build_include(spec["include"]).python_packages(*spec["packages"])


_TAG = _model_tag()
_WORKERS = workers()
_share_the_log(_WORKERS)


@bentoml.service(name="automl", traffic={"timeout": 60}, workers=_WORKERS,
                 image=image_from(getattr(bentoml.use_arguments(), "image", None)))
@bentoml.asgi_app(app, path="/")
class AutoMLService:
    """Serves one fitted automl model from the BentoML model store."""

    model_ref = bentoml.models.BentoModel(_TAG)

    def __init__(self) -> None:
        self.predictor = Predictor(str(Path(self.model_ref.path) / STORE_FOLDER), _TAG)


AutoMLService.add_asgi_middleware(BearerToken)
