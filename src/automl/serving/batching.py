"""Adaptive batching for the service: while the model is busy, requests that arrive queue up
and are checked and predicted together as one frame when it is free.

An idle service predicts a lone request at once (no waiting window, so single-request latency
does not grow); under concurrent load, many small requests share one schema check and one model
call. Requests are joined only when they carry the same columns, and when a joined batch fails
the schema check its requests are retried one by one, so every request gets exactly its own
answer or its own failures, and one bad request never fails another.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import DataValidationError


class AdaptiveBatcher:
    """Runs ``predict(frame)`` (schema check and model) on the joined frames of queued
    requests, at most ``max_rows`` rows at a time, and hands each request its own slice of the
    result (an array or a DataFrame with one row per input row) or its own exception.

    Predictions run on ``executor``: give every batcher of a model the same one-thread
    executor, so that the model's OpenMP threads form one team (two teams spinning on two
    cores slow each other several-fold)."""

    def __init__(self, predict: Callable[[pd.DataFrame], Any], max_rows: int,
                 executor: ThreadPoolExecutor) -> None:
        self.predict = predict
        self.max_rows = max_rows
        self.executor = executor
        self.pending: list[tuple[pd.DataFrame, asyncio.Future]] = []
        self.running = False
        self.requests = 0
        self.batches = 0

    async def __call__(self, frame: pd.DataFrame) -> Any:
        future = asyncio.get_running_loop().create_future()
        self.requests += 1
        self.pending.append((frame, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _run(self, frame: pd.DataFrame) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.predict,
                                                                frame)

    def _take(self) -> list[tuple[pd.DataFrame, asyncio.Future]]:
        batch, rows = [], 0
        while self.pending and (not batch or rows + len(self.pending[0][0]) <= self.max_rows):
            item = self.pending.pop(0)
            batch.append(item)
            rows += len(item[0])
        return batch

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch = self._take()
                self.batches += 1
                if not await self._joined(batch):
                    for frame, future in batch:
                        await self._single(frame, future)
        finally:
            self.running = False

    async def _joined(self, batch: list[tuple[pd.DataFrame, asyncio.Future]]) -> bool:
        """Predict the batch as one frame; False when it must go request by request."""
        frames = [frame for frame, _ in batch]
        if len(frames) == 1 or any(list(f.columns) != list(frames[0].columns)
                                   for f in frames):
            return False
        try:
            result = await self._run(pd.concat(frames, ignore_index=True))
        except DataValidationError:
            return False  # find out whose rows fail: one request at a time
        except Exception as exc:
            for _, future in batch:
                _settle(future, exception=exc)
            return True
        for (_, future), part in zip(batch, _split(result, frames), strict=True):
            _settle(future, result=part)
        return True

    async def _single(self, frame: pd.DataFrame, future: asyncio.Future) -> None:
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
