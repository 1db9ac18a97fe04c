"""The drift report: per column and for the predictions, whether recent rows moved away from the
training reference, with a recommendation, in text (a terminal, cron mail), JSON (a pipeline)
and HTML (a person). :mod:`automl._monitoring.drift` computes it."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from automl._final.scoring import Scored

#: the columns of :meth:`DriftReport.to_frame`
TABLE_COLUMNS = ("column", "kind", "test", "statistic", "p_value", "psi", "drifted", "detail")


@dataclass
class ColumnDrift:
    """One column (or "prediction") compared: its kind, the test ("ks" or "chi2") with its
    statistic and p-value, the PSI, whether it drifted and what moved, in words; ``bins`` names
    the bins (or levels) the PSI was taken over and ``reference`` and ``recent`` hold each
    one's share of the rows."""

    column: str
    kind: str
    test: str
    statistic: float
    p_value: float
    psi: float
    drifted: bool
    detail: str
    bins: list[str] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    recent: list[float] = field(default_factory=list)


@dataclass
class Performance:
    """On labelled recent rows: the metric then (held out at fit time) and now, the range the
    recent skill would take by chance (``skill_range``: the bootstrap's 1st and 99th
    percentiles over the recent rows), and whether the skill dropped: by more than the limit,
    and the held-out skill above that whole range."""

    metric: str
    held_out: Scored
    recent: Scored
    dropped: bool
    skill_range: tuple[float, float] | None = None


@dataclass
class DriftReport:
    """Recent rows against the training reference.

    ``columns``: one :class:`ColumnDrift` per compared feature; ``prediction``: the same for
    the model's predictions (None for a model without held-out predictions); ``skipped``:
    columns not compared, with why; ``performance``: set when the recent rows carry the target.
    ``recommendation`` is "retrain", "investigate" or "none" and ``advice`` says why.
    """

    reference_rows: int
    recent_rows: int
    columns: list[ColumnDrift]
    prediction: ColumnDrift | None
    skipped: dict[str, str] = field(default_factory=dict)
    performance: Performance | None = None
    psi_threshold: float = 0.2
    alpha: float = 0.01
    recommendation: str = "none"
    advice: str = ""

    @property
    def drifted_columns(self) -> list[str]:
        """The features that drifted, largest PSI first."""
        return [c.column for c in sorted(self.columns, key=lambda c: -c.psi) if c.drifted]

    @property
    def drifted(self) -> bool:
        """True when any feature or the predictions drifted, or labelled rows show the model
        doing worse: what ``automl drift`` exits 1 on."""
        return bool(self.drifted_columns or (self.prediction and self.prediction.drifted)
                    or (self.performance and self.performance.dropped))

    def recommend(self, retrain_share: float) -> None:
        """Set ``recommendation`` and ``advice`` from what drifted."""
        share = len(self.drifted_columns) / max(len(self.columns), 1)
        reasons = []
        if self.performance is not None and self.performance.dropped:
            p = self.performance
            reasons.append(f"on labelled recent rows {p.metric} is {p.recent.score:.4g} against "
                           f"{p.held_out.score:.4g} held out at fit time")
        if self.prediction is not None and self.prediction.drifted:
            reasons.append(f"the predictions have drifted (PSI {self.prediction.psi:.2f}: "
                           f"{self.prediction.detail})")
        if share >= retrain_share:
            reasons.append(f"{len(self.drifted_columns)} of {len(self.columns)} columns drifted")
        if reasons:
            self.recommendation = "retrain"
            named = (f" Drifted columns: {', '.join(self.drifted_columns)}."
                     if self.drifted_columns else "")
            self.advice = ("Retrain: " + "; ".join(reasons) + "." + named + " The model now meets "
                           "data unlike what it was trained on: fit it again on recent labelled "
                           "rows and compare it with this one (automl evaluate) before replacing "
                           "it.")
        elif self.drifted_columns:
            self.recommendation = "investigate"
            self.advice = (f"Investigate: {', '.join(self.drifted_columns)} drifted, but the "
                           f"predictions have not moved. Check where those columns come from; "
                           f"retrain if the change is real and lasting.")
        else:
            self.recommendation = "none"
            self.advice = "No drift: the recent rows look like the training data."

    def to_frame(self) -> pd.DataFrame:
        """One row per compared column, and the predictions last."""
        rows = [*self.columns, *([self.prediction] if self.prediction else [])]
        return pd.DataFrame([asdict(c) for c in rows], columns=list(TABLE_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"drifted": self.drifted, "recommendation": self.recommendation,
                "advice": self.advice, "drifted_columns": self.drifted_columns,
                "reference_rows": self.reference_rows, "recent_rows": self.recent_rows,
                "psi_threshold": self.psi_threshold, "alpha": self.alpha,
                "columns": [asdict(c) for c in self.columns],
                "prediction": None if self.prediction is None else asdict(self.prediction),
                "performance": None if self.performance is None else asdict(self.performance),
                "skipped": self.skipped}

    def save_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` to ``path``."""
        out = Path(path)
        out.write_text(json.dumps(self.to_dict(), indent=2, default=str))
        return out

    def summary(self) -> str:
        """The report in plain text."""
        head = (f"Drift of {self.recent_rows} recent rows against {self.reference_rows} "
                f"training rows (drifted: PSI >= {self.psi_threshold} and p < "
                f"{self.alpha} / columns compared):")
        table = self.to_frame().assign(drifted=lambda f: f["drifted"].map({True: "DRIFT",
                                                                           False: ""}))
        lines = [head, table.to_string(index=False, float_format=lambda v: f"{v:.3g}")]
        lines += [f"not compared: {name} ({why})" for name, why in self.skipped.items()]
        lines += ["", f"{'DRIFT' if self.drifted else 'OK'}: {self.advice}"]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The report as one self-contained HTML page."""
        from automl._judging.report_html import PAGE_CSS
        from automl._judging.report_plots import shares

        verdict = "flag" if self.drifted else "ok"
        table = self.to_frame().to_html(index=False, border=0, float_format=lambda v: f"{v:.3g}")
        skipped = "".join(f"<li>{html.escape(n)}: {html.escape(w)}</li>"
                          for n, w in self.skipped.items())
        moved = [c for c in [*self.columns, *([self.prediction] if self.prediction else [])]
                 if c.drifted]
        plots = "".join(f'<figure class="plot" data-plot="drift-{html.escape(c.column)}">'
                        f"{shares(c.column, c.bins, c.reference, c.recent)}<figcaption>"
                        f"{html.escape(c.column)}: {html.escape(c.detail)}</figcaption></figure>"
                        for c in moved)
        return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>automl drift "
                f"report</title><style>{PAGE_CSS}</style></head><body><h1>Drift report</h1>"
                f"<p class='facts'>{self.recent_rows} recent rows against {self.reference_rows} "
                f"training rows</p><p class='verdict {verdict}'>{html.escape(self.advice)}</p>"
                f"{plots}{table}<ul>{skipped}</ul></body></html>")

    def save_html(self, path: str | Path) -> Path:
        """Write :meth:`to_html` to ``path``."""
        out = Path(path)
        out.write_text(self.to_html(), encoding="utf-8")
        return out
