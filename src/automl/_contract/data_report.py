"""The data report: what the preparation steps found and did to the training table, so that a
user can see every column converted, parsed, dropped, clipped or created, and why."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

#: the actions a report entry may name, in the order the summary lists them
ACTIONS = ("converted", "parsed", "normalised", "missing", "dropped", "flagged", "outliers",
           "clipped", "created", "balanced", "scaled", "calibrated", "validated",
           "decided")


@dataclass
class ReportEntry:
    """One thing a step did or found.

    - ``step``: the cleaning step (or preprocessor) that did it.
    - ``action``: one of :data:`ACTIONS` (converted: values' type changed; parsed: text read as
      dates; normalised: spellings merged; missing: sentinels or missing values; dropped: a
      column removed; flagged: a warning, nothing changed; outliers: suspicious values found;
      clipped: values limited; created: features made; balanced: classes reweighted; scaled:
      the scale a regression target is fitted on; calibrated: what temperature scaling did to
      a classifier's probabilities; validated: how the search's trials were scored; decided:
      the decision threshold a binary classifier predicts at).
    - ``column``: the column concerned (None for the whole table).
    - ``detail``: what, in words.
    - ``count``: how many values or rows it concerned, where that is known.
    """

    step: str
    action: str
    column: str | None
    detail: str
    count: int | None = None

    def __str__(self) -> str:
        where = f"{self.column}: " if self.column is not None else ""
        return f"[{self.step}] {self.action} {where}{self.detail}"


@dataclass
class DataReport:
    """Every :class:`ReportEntry` of a fit, in the order the steps ran."""

    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, entries: list[ReportEntry]) -> None:
        """Append entries."""
        self.entries.extend(entries)

    def columns(self, action: str, step: str | None = None) -> list[str]:
        """The columns with an entry of ``action`` (and of ``step`` when given)."""
        return [e.column for e in self.entries if e.action == action and e.column is not None
                and (step is None or e.step == step)]

    def reasons(self, action: str) -> dict[str, str]:
        """Column -> detail for the entries of ``action`` (e.g. why each column was dropped)."""
        return {e.column: e.detail for e in self.entries
                if e.action == action and e.column is not None}

    def to_frame(self) -> pd.DataFrame:
        """The entries as a DataFrame with the columns step, action, column, detail, count."""
        return pd.DataFrame([asdict(e) for e in self.entries],
                            columns=["step", "action", "column", "detail", "count"])

    def summary(self) -> str:
        """A few lines for a person: one per entry, grouped by action."""
        if not self.entries:
            return "data report: nothing to clean or flag"
        order = {a: i for i, a in enumerate(ACTIONS)}
        lines = [f"data report ({len(self.entries)} entries):"]
        for e in sorted(self.entries, key=lambda e: order.get(e.action, len(order))):
            lines.append(f"  {e}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def save(self, path: Path) -> None:
        """Write the entries as JSON to ``path``."""
        path.write_text(json.dumps([asdict(e) for e in self.entries], indent=2))

    @classmethod
    def load(cls, path: Path) -> DataReport:
        """Read a report written by :meth:`save` (an empty one when ``path`` is absent)."""
        if not path.is_file():
            return cls()
        return cls([ReportEntry(**e) for e in json.loads(path.read_text())])
