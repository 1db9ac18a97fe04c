"""Adaptive batching for the service: while the model is busy, requests that arrive queue up
and are predicted together as one frame when it is free.

An idle service predicts a lone request at once (no waiting window, so single-request latency
does not grow); under concurrent load, many small requests share one model call. Each request is
cleaned and checked against the schema on its own *before* it joins the queue, so a bad request
is refused alone and never reaches a batch; only checked frames with the same columns are
joined. Should a joined model call still fail, its requests are retried one by one, so every
request gets exactly its own answer or its own error. A request whose client has gone away is
dropped from the queue, and a full queue refuses new requests with a 503 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from automl._serving.requests import RequestError, refuse

#: requests that may wait for the model at once (AUTOML_MAX_QUEUE changes it in the service)
MAX_QUEUE = 256


class AdaptiveBatcher:
    """Runs ``predict(frame)`` (the model alone: frames are checked before they come) on the
    joined frames of queued requests, at most ``max_rows`` rows at a time, and hands each
    request its own slice of the result (an array or a DataFrame with one row per input row)
    or its own exception.

    Predictions run on ``executor``: give every batcher of a model the same one-thread
    executor, so that the model's OpenMP threads form one team (two teams spinning on two
    cores slow each other several-fold). At most ``max_queue`` requests wait; past that a
    request is refused with :class:`RequestError` 503."""

    def __init__(self, predict: Callable[[pd.DataFrame], Any], max_rows: int,
                 executor: ThreadPoolExecutor, max_queue: int = MAX_QUEUE) -> None:
        self.predict = predict
        self.max_rows = max_rows
        self.executor = executor
        self.max_queue = max_queue
        self.pending: deque[tuple[pd.DataFrame, asyncio.Future]] = deque()
        self.running = False
        self.requests = 0
        self.batches = 0
        self.refused = 0
        self.abandoned = 0

    async def __call__(self, frame: pd.DataFrame) -> Any:
        if len(self.pending) >= self.max_queue:
            self.refused += 1
            error: RequestError = refuse(503, f"the service is at capacity ({self.max_queue} "
                                         f"requests waiting): retry shortly")
            error.headers["Retry-After"] = "1"
            raise error
        future = asyncio.get_running_loop().create_future()
        self.requests += 1
        self.pending.append((frame, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    def describe(self) -> dict[str, int]:
        """Requests taken, model calls made, requests refused (queue full) and abandoned
        (their client left before their turn)."""
        return {"requests": self.requests, "batches": self.batches, "refused": self.refused,
                "abandoned": self.abandoned, "max_queue": self.max_queue}

    async def _run(self, frame: pd.DataFrame) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.predict,
                                                                frame)

    def _take(self) -> list[tuple[pd.DataFrame, asyncio.Future]]:
        batch: list[tuple[pd.DataFrame, asyncio.Future]] = []
        rows = 0
        while self.pending and (not batch or rows + len(self.pending[0][0]) <= self.max_rows):
            item = self.pending.popleft()
            if item[1].done():  # cancelled: the client went away while it waited
                self.abandoned += 1
                continue
            if batch and list(item[0].columns) != list(batch[0][0].columns):
                self.pending.appendleft(item)
                break
            batch.append(item)
            rows += len(item[0])
        return batch

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch = self._take()
                if not batch:
                    continue
                self.batches += 1
                if len(batch) == 1 or not await self._joined(batch):
                    for frame, future in batch:
                        await self._single(frame, future)
        finally:
            self.running = False

    async def _joined(self, batch: list[tuple[pd.DataFrame, asyncio.Future]]) -> bool:
        """Predict the batch as one frame; False when it must go request by request."""
        frames = [frame for frame, _ in batch]
        try:
            result = await self._run(pd.concat(frames, ignore_index=True))
        except Exception:
            return False  # find out whose rows fail: one request at a time
        for (_, future), part in zip(batch, _split(result, frames), strict=True):
            _settle(future, result=part)
        return True

    async def _single(self, frame: pd.DataFrame, future: asyncio.Future) -> None:
        if future.done():
            return
        try:
            _settle(future, result=await self._run(frame))
        except Exception as exc:
            _settle(future, exception=exc)


def _settle(future: asyncio.Future, result: Any = None,
            exception: BaseException | None = None) -> None:
    if future.done():  # the client went away
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)


def _split(result: Any, frames: list[pd.DataFrame]) -> list[Any]:
    bounds = np.cumsum([0, *(len(f) for f in frames)])
    if isinstance(result, pd.DataFrame):
        return [result.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    values = np.asarray(result)
    return [values[a:b] for a, b in itertools.pairwise(bounds)]
