"""The service's served-rows log: bounded, schema columns only, and shared by the worker
processes of one server through a folder, whose files are read as untrusted."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from automl._serving.monitor import MAX_TEXT, ServedLog

COLUMNS = ["Age", "Home"]


# another worker of the same server: logs three rows, says so, and lives until its stdin closes
_WORKER = """
import sys
from pathlib import Path
import pandas as pd
from automl._serving.monitor import ServedLog
log = ServedLog(capacity=100, columns=["Age", "Home"], share=Path(sys.argv[1]))
log.record(pd.DataFrame({"Age": [30, 31, 32], "Home": ["rent", "own", "rent"],
                         "Status": ["good"] * 3}), ["good", "bad", "good"])
print("ready", flush=True)
sys.stdin.read()
"""


def test_workers_share_the_log_and_what_they_read_is_checked(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ready"
        mine = ServedLog(capacity=100, columns=COLUMNS, share=tmp_path)
        mine.record(pd.DataFrame({"Age": [40, 41], "Home": ["own", "rent"]}), ["bad", "good"])
        assert len(mine) == 5
        assert sorted(mine.frame()["Age"]) == [30, 31, 32, 40, 41]
        assert mine.describe()["served"] == 5 and mine.describe()["shared"]
        assert "Status" not in mine.frame().columns  # a column not in the schema stays out
        # hostile lines in the other worker's file: garbage, a nested value, a column the
        # schema lacks, a long string, a non-finite time
        with open(tmp_path / f"{other.pid}.jsonl", "a") as out:
            out.write("not json\n")
            out.write(json.dumps([1.0, 9, {"Age": [1, 2], "Home": "own"}, "good"]) + "\n")
            out.write(json.dumps([2.0, 9, {"Label": "x", "Home": "y" * 10_000}, "bad"]) + "\n")
            out.write('[NaN, 9, {"Age": 50}, "good"]\n')
            out.write(json.dumps({"rows": "nope"}) + "\n")
        frame = mine.frame()
        assert len(frame) == 7  # the two well-formed lines kept, as they would be logged
        assert "Label" not in frame.columns
        assert frame["Home"].str.len().max() == MAX_TEXT
        assert frame["Age"].apply(lambda v: not isinstance(v, list)).all()
    finally:
        other.stdin.close()
        other.wait(60)
    # a worker no longer alive is not read: its rows left with it
    assert sorted(mine.frame()["Age"]) == [40, 41]


def test_the_log_keeps_the_latest_rows_within_its_bounds(tmp_path):
    log = ServedLog(capacity=10, columns=COLUMNS, share=tmp_path)
    for start in range(0, 50, 5):
        ages = list(range(start, start + 5))
        log.record(pd.DataFrame({"Age": ages, "Home": ["rent"] * 5}), ["good"] * 5)
    assert list(log.frame()["Age"]) == list(range(40, 50))
    assert log.describe()["served"] == 50
    # the worker's own file is rewritten from its window, so it stays about that size
    lines = (tmp_path / next(p.name for p in tmp_path.glob("*.jsonl"))).read_text()
    assert len(lines.splitlines()) <= 20
    log.close()
    assert not list(tmp_path.glob("*.jsonl"))
