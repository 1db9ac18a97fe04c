"""The service's batcher without a server: each request's own answer or error, a failing batch
retried one request at a time, abandoned requests skipped and a full queue refused (503)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import automl
from automl._serving.batching import AdaptiveBatcher
from automl._serving.requests import RequestError
from automl.errors import DataValidationError


@pytest.fixture(scope="module")
def fitted(credit):
    frame = credit.sample(800, random_state=3).reset_index(drop=True)
    return automl.fit(frame, "Status", models=["linear"], n_trials=1, verbose=0), frame


def _requests(frame: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    features = frame.drop(columns="Status")
    return [features.iloc[i:i + 1 + i % 3] for i in range(0, 3 * n, 3)]


def _recorded(result: automl.FitResult, calls: list[int]):
    """The model call the service makes, noting the rows of each call in ``calls``."""
    def predict(checked: pd.DataFrame) -> np.ndarray:
        calls.append(len(checked))
        return result.predict(checked, prepared=True)
    return predict


def test_a_bad_request_batched_with_good_ones_fails_alone(fitted):
    result, frame = fitted
    calls: list[int] = []

    async def run() -> list:
        batcher = AdaptiveBatcher(_recorded(result, calls), 10_000, ThreadPoolExecutor(1))
        requests = _requests(frame, 12)
        requests[5] = requests[5].assign(Age="forty")

        async def one(rows: pd.DataFrame):
            try:
                return await batcher(result.prepare(rows))  # the check comes before the queue
            except DataValidationError as exc:
                return exc

        answers = await asyncio.gather(*(one(r) for r in requests))
        return requests, answers, batcher

    requests, answers, batcher = asyncio.run(run())
    assert isinstance(answers[5], DataValidationError)
    assert answers[5].failures[0].column == "Age"
    for i, (rows, answer) in enumerate(zip(requests, answers, strict=True)):
        if i != 5:
            assert list(answer) == list(result.predict(rows)), i
    assert batcher.batches < 11 and max(calls) > 3  # good requests were still joined


def test_a_failing_joined_call_is_retried_request_by_request(fitted):
    result, frame = fitted

    def predict(checked: pd.DataFrame) -> np.ndarray:
        if (checked["Amount"] == 123456.0).any():
            raise ValueError("the model refuses this row")
        return result.predict(checked, prepared=True)

    async def run() -> list:
        batcher = AdaptiveBatcher(predict, 10_000, ThreadPoolExecutor(1))
        requests = [result.prepare(r) for r in _requests(frame, 8)]
        requests[3] = requests[3].assign(Amount=123456.0)
        return requests, await asyncio.gather(*(batcher(r) for r in requests),
                                              return_exceptions=True)

    requests, answers = asyncio.run(run())
    assert isinstance(answers[3], ValueError)
    assert all(len(a) == len(r) for i, (r, a) in enumerate(zip(requests, answers, strict=True))
               if i != 3)


def test_abandoned_requests_are_skipped_and_a_full_queue_answers_503(fitted):
    result, frame = fitted
    seen: list[int] = []

    async def run() -> tuple:
        batcher = AdaptiveBatcher(_recorded(result, seen), 10_000, ThreadPoolExecutor(1),
                                  max_queue=4)
        requests = [result.prepare(r) for r in _requests(frame, 6)]
        tasks = [asyncio.ensure_future(batcher(r)) for r in requests[:4]]
        await asyncio.sleep(0)  # all four queued; the first is with the model
        with pytest.raises(RequestError) as refused:
            await batcher(requests[4])
        tasks[2].cancel()  # its client went away
        done = await asyncio.gather(*tasks, return_exceptions=True)
        return refused.value, done, batcher

    refused, done, batcher = asyncio.run(run())
    assert refused.status == 503 and refused.headers["Retry-After"] == "1"
    assert isinstance(done[2], asyncio.CancelledError)
    assert batcher.abandoned == 1 and batcher.refused == 1
    assert sum(seen) == sum(len(d) for i, d in enumerate(done) if i != 2)
