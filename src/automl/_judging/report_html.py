"""The model report: one self-contained HTML file (inline SVG plots, inline CSS, no scripts, no
links out) that opens offline in any browser and can be mailed as it is.

It shows the fit (leaderboard, search progress, the data report) and, given labelled rows the
model never saw, the evaluation (metrics and verdict, ROC and precision-recall curves or
residuals, confusion matrix, calibration, feature importance, fairness table).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from automl._judging import report_plots as plots

if TYPE_CHECKING:
    from automl._judging.evaluation import Evaluation
    from automl._judging.explain import Explanation
    from automl._result.result import FitResult

#: leaderboard rows shown as a table
TABLE_ROWS = 20

#: the style every automl HTML page shares (the model report, the drift report)
PAGE_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222;
       padding: 0 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.facts { color: #555; } .verdict { font-size: 1.2em; font-weight: bold; }
.verdict.overfit, .verdict.underfit, .flag { color: #b00; }
.verdict.good, .verdict.ok { color: #070; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
figure.plot { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; }
"""


def _escape(value: Any) -> str:
    return html.escape(str(value))


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, border=0, float_format=lambda v: f"{v:.4g}",
                         na_rep="", escape=True)


def _figure(svg: str | None, name: str, caption: str) -> str:
    if svg is None:
        return ""
    return (f'<figure class="plot" data-plot="{name}">{svg}'
            f"<figcaption>{_escape(caption)}</figcaption></figure>")


def _header(result: FitResult, title: str) -> str:
    facts = (f"{result.task.value} task · {result.metric} · best: {result.best} · held-out "
             f"{result.metric} {result.valid_score:.5g} · {len(result.leaderboard)} rows in the "
             f"leaderboard · fitted in {result.fit_seconds:.1f} s · automl "
             f"{result.versions.get('automl', '?')}")
    return f"<h1>{_escape(title)}</h1><p class='facts'>{_escape(facts)}</p>"


def _fit_section(result: FitResult) -> str:
    metric = result.scoring_metric
    board = result.leaderboard
    shown = board.drop(columns=[c for c in ("params", "error") if c in board]).head(TABLE_ROWS)
    return ("<section id='search'><h2>Search</h2>"
            + _figure(plots.leaderboard(board, result.metric), "leaderboard",
                      "the best trials by held-out score")
            + _figure(plots.search_progress(board, result.metric, metric.greater_is_better),
                      "progress", "every trial's score as the search went on")
            + _figure(plots.threshold_curve(result.decision), "threshold",
                      "" if result.decision is None else result.decision.describe())
            + _table(shown) + "</section>")


def _verdict(evaluation: Evaluation) -> str:
    d = evaluation.diagnosis
    scores = pd.DataFrame({name: {"rows": s.rows, evaluation.metric: s.score, "skill": s.skill}
                           for name, s in d.scores.items()}).T
    words = "".join(f"<p>{_escape(s)}</p>" for s in d.explanation)
    metrics = pd.DataFrame([evaluation.metrics])
    return (f"<section id='evaluation'><h2>Evaluation on {evaluation.rows} new rows</h2>"
            f"<p class='verdict {d.verdict}'>Verdict: {_escape(d.verdict)}</p>{words}"
            + _table(scores, index=True) + _table(metrics)
            + _figure(plots.roc_and_pr(evaluation), "roc", "ROC and precision-recall curves")
            + _figure(plots.residuals(evaluation), "residuals", "residuals")
            + _figure(plots.confusion(evaluation), "confusion", "confusion matrix")
            + _figure(plots.calibration(evaluation), "calibration",
                      evaluation.calibration.words() if evaluation.calibration else "")
            + "</section>")


def _importance(result: FitResult, evaluation: Evaluation | None) -> str:
    from automl._judging.importance import native_importance

    parts = []
    if evaluation is not None and evaluation.importance is not None:
        imp = evaluation.importance
        parts.append(_figure(plots.importance(imp.permutation, f"drop in {imp.metric} when "
                                              f"shuffled", "permutation"), "importance",
                             f"permutation importance on {imp.rows} new rows"))
    native, source = native_importance(result.pipeline)
    if native is not None:
        parts.append(_figure(plots.importance(native, f"importance in {source}", "native"),
                             "native-importance", f"the model's own importances ({source})"))
    if not parts:
        return ""
    return "<section id='importance'><h2>What the model relies on</h2>" + "".join(parts) + \
        "</section>"


def _explanations(explanation: Explanation | None) -> str:
    if explanation is None or explanation.contributions.empty:
        return ""
    rows = len(explanation.contributions)
    summary = plots.importance(explanation.summary(), f"mean |contribution| to "
                                                      f"{explanation.output}", "explanation")
    how = ", ".join(f"{method} for {share:.0%} of the weight"
                    for method, share in explanation.methods.items())
    return ("<section id='explanations'><h2>Why each prediction</h2>"
            + _figure(summary, "explanation-summary",
                      f"mean absolute contribution of each column over {rows} rows ({how})")
            + _figure(plots.row_contributions(explanation), "explanation-row",
                      "the first row's prediction, column by column")
            + "</section>")


def _fairness(evaluation: Evaluation | None) -> str:
    if evaluation is None or evaluation.fairness is None:
        return ""
    f = evaluation.fairness
    differences = pd.DataFrame({"measure": list(f.differences), "value": list(
        f.differences.values()), "flagged": ["yes" if n in f.flagged else "" for n in
                                             f.differences]})
    notes = "".join(f"<p>{_escape(n)}</p>" for n in f.notes)
    css = "flag" if f.flagged else ""
    return (f"<section id='fairness'><h2>Fairness by {_escape(f.column)}</h2>"
            f"<p class='{css}'>{_escape(f.words())}</p>" + _table(f.by_group, index=True)
            + _table(differences) + notes + "</section>")


def _data_report(result: FitResult) -> str:
    frame = result.data_report.to_frame()
    if frame.empty:
        return ""
    return ("<section id='data'><h2>What was done to the data</h2>" + _table(frame)
            + "</section>")


def render(result: FitResult, evaluation: Evaluation | None = None,
           title: str | None = None, explanation: Explanation | None = None) -> str:
    """The report of ``result`` (and of ``evaluation`` and ``explanation``, when given) as one
    HTML page."""
    title = title or f"automl model report: {result.feature_schema.target}"
    body = (_header(result, title)
            + (_verdict(evaluation) if evaluation is not None else
               "<p class='facts'>No labelled test rows were given: the evaluation, curves and "
               "fairness sections need them (automl report MODEL DATA.csv).</p>")
            + _fit_section(result) + _importance(result, evaluation) + _explanations(explanation)
            + _fairness(evaluation)
            + _data_report(result))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_escape(title)}</title><style>{PAGE_CSS}</style></head>"
            f"<body>{body}</body></html>")


def write_report(result: FitResult, path: str | Path, evaluation: Evaluation | None = None,
                 title: str | None = None, explanation: Explanation | None = None) -> Path:
    """Write :func:`render`'s page to ``path`` (parents created); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(result, evaluation, title, explanation), encoding="utf-8")
    return out
