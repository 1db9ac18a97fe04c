"""The schema's fast path gives exactly pandera's verdicts, frames and failures: over random
valid and invalid rows, whenever the fast path passes a frame, pandera passes it too and returns
the same frame; whenever it refuses one, pandera refuses it with the same failures; whatever the
fast path declines, pandera decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandera.errors import SchemaErrors

from automl._data.schema import ColumnSchema, FeatureSchema, _failures
from automl.errors import DataValidationError

SCHEMA = FeatureSchema("y", [
    ColumnSchema("amount", "numeric", "float64", True),
    ColumnSchema("age", "numeric", "float64", False),
    ColumnSchema("owner", "boolean", "float64", True),
    ColumnSchema("home", "categorical", "str", True, ["rent", "owner", "other"]),
    ColumnSchema("note", "text", "str", True),
    ColumnSchema("opened", "datetime", "datetime64[ns]", True),
], ignored=["id"])

_POOLS = {
    "numeric": [1, 2.5, -3, 0, np.nan, None, "4.5", "forty", True, 10**6, "", "1e3"],
    "boolean": [0, 1, 0.0, 1.0, True, False, np.nan, None, 2, "yes", "1", -1],
    "categorical": ["rent", "owner", "castle", "", None, np.nan, 3, 2.5, True, "RENT"],
    "text": ["a long note", "", None, np.nan, 7, "x" * 300, False],
    "datetime": ["2021-03-04", "2020-01-01 10:00", None, np.nan, "not a date",
                 pd.Timestamp("2022-05-06"), "2021-13-45", 1_600_000_000],
}


def _frame(rng: np.random.Generator, rows: int, clean: bool) -> pd.DataFrame:
    data = {}
    for column in SCHEMA.columns:
        pool = _POOLS[column.kind]
        # a clean frame keeps to the values every kind accepts
        values = pool[:4] if clean else pool
        picks = rng.integers(0, len(values), rows)
        data[column.name] = [values[i] for i in picks]
    frame = pd.DataFrame(data)
    if not clean:
        roll = rng.random()
        if roll < 0.1:
            frame = frame.drop(columns=[SCHEMA.columns[int(rng.integers(0, 6))].name])
        elif roll < 0.2:
            frame["extra"] = 1
        elif roll < 0.3:
            frame["id"] = range(rows)  # set aside, not refused
    if rng.random() < 0.5:  # columns in another order
        frame = frame[list(rng.permutation(frame.columns))]
    return frame


def _pandera(frame: pd.DataFrame) -> pd.DataFrame | list:
    """pandera's verdict: the checked frame, or the failures it lists."""
    frame = frame.drop(columns=[c for c in ("y", "id") if c in frame.columns])
    try:
        return SCHEMA.to_pandera().validate(frame.copy(), lazy=True)[SCHEMA.names]
    except SchemaErrors as exc:
        return _failures(exc.failure_cases, SCHEMA)


@pytest.mark.parametrize("clean", [True, False])
def test_the_fast_path_agrees_with_pandera_on_random_rows(clean):
    rng = np.random.default_rng(7 if clean else 8)
    passed = refused = declined = valid = 0
    for _ in range(300):
        frame = _frame(rng, int(rng.integers(1, 6)), clean)
        expected = _pandera(frame)
        valid += not isinstance(expected, list)
        kept = frame.drop(columns=[c for c in ("y", "id") if c in frame.columns])
        fast = SCHEMA._fast_check(kept)
        if fast is None:
            declined += 1
        elif isinstance(fast, list):  # the fast path refuses only what pandera refuses, alike
            assert fast == expected, frame
            refused += 1
        else:
            assert not isinstance(expected, list), frame  # never passes what pandera fails
            pd.testing.assert_frame_equal(fast[SCHEMA.names], expected)
            passed += 1
        # and the schema's own verdict is pandera's, whichever path it took
        try:
            checked = SCHEMA.validate(frame)
        except DataValidationError as exc:
            checked = exc.failures
        if isinstance(expected, list):
            assert checked == expected, frame
        elif not np.isinf(expected[["amount", "age"]].to_numpy(float)).any():
            pd.testing.assert_frame_equal(checked, expected)
    # and it is the path taken: it declines hardly any frame that pandera passes, and refuses
    # on its own a good share of the frames whose only fault is a number that is not one
    assert passed >= (0.95 if clean else 0.5) * valid and passed, (passed, declined, valid)
    assert clean or refused >= 10, (refused, declined)


def test_a_request_with_a_word_for_a_number_is_refused_on_the_fast_path():
    row = pd.DataFrame({"amount": ["a lot"], "age": [40], "owner": [1], "home": ["rent"],
                        "note": ["n"], "opened": ["2021-03-04"]})
    assert SCHEMA._fast_check(row) == _pandera(row)
    with pytest.raises(DataValidationError, match="column 'amount': wrong type: expected "
                                                  "numeric \\('a lot'\\)"):
        SCHEMA.validate(row)
