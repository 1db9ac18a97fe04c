"""The report's plots, each drawn with matplotlib and returned as an inline SVG string, so that
the HTML file needs nothing beside it and opens offline.

Figures are made with ``matplotlib.figure.Figure`` directly, never pyplot: no global figure
state, no GUI backend, safe in a server or a thread.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn import metrics as skm

if TYPE_CHECKING:
    from automl._final.threshold import DecisionThreshold
    from automl._judging.evaluation import Evaluation
    from automl._judging.explain import Explanation

#: figure size in inches (at 96 px an inch in a browser)
WIDE, SQUARE = (7.5, 3.6), (4.6, 4.0)
#: trials named in the leaderboard plot
BOARD_ROWS = 15


def to_svg(fig: Figure, name: str) -> str:
    """``fig`` as an ``<svg>`` element; ``name`` salts its internal ids, which would otherwise
    clash between figures inlined in one page."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def leaderboard(board: pd.DataFrame, metric: str) -> str | None:
    """The best trials' held-out scores, one bar each, labelled by model and trial."""
    done = board[board["status"] == "complete"].head(BOARD_ROWS)
    if done.empty:
        return None
    fig = Figure(figsize=(WIDE[0], 0.5 + 0.28 * len(done)))
    ax = fig.add_subplot()
    labels = [f"{m} #{t}" if pd.notna(t) else str(m) for m, t in zip(done["model"], done["trial"],
                                                                      strict=True)]
    ax.barh(range(len(done)), done[metric], color="#4472c4")
    ax.set_yticks(range(len(done)), labels)
    ax.invert_yaxis()
    low, high = float(done[metric].min()), float(done[metric].max())
    pad = (high - low) * 0.2 or abs(high) * 0.01 or 0.01
    ax.set_xlim(low - pad, high + pad)
    ax.set_xlabel(f"held-out {metric}")
    return to_svg(fig, "leaderboard")


def search_progress(board: pd.DataFrame, metric: str, greater_is_better: bool) -> str | None:
    """Each trial's held-out score against the time it ended, coloured by model, with the best
    score so far as a step line."""
    trials = board[board["model"] != "ensemble"].sort_values("trial")
    if "ended_seconds" in trials and trials["ended_seconds"].notna().all():
        ended = trials["ended_seconds"].to_numpy(dtype=float)
    else:  # saved before trial end times were kept: the trials' own durations, summed
        ended = trials["fit_seconds"].cumsum().to_numpy(dtype=float)
    scores = trials[metric].to_numpy(dtype=float)
    done = (trials["status"] == "complete").to_numpy() & np.isfinite(scores)
    if not done.any():
        return None
    fig = Figure(figsize=WIDE)
    ax = fig.add_subplot()
    for model in sorted(trials.loc[done, "model"].unique()):
        mine = done & (trials["model"] == model).to_numpy()
        ax.scatter(ended[mine], scores[mine], s=18, label=model)
    best = (np.fmax if greater_is_better else np.fmin).accumulate(
        np.where(done, scores, np.nan))
    ax.step(ended, best, where="post", color="black", linewidth=1.2, label="best so far")
    ax.set_xlabel("seconds since the fit started")
    ax.set_ylabel(f"held-out {metric}")
    ax.legend(fontsize=7, loc="best")
    return to_svg(fig, "progress")


def threshold_curve(decision: DecisionThreshold | None) -> str | None:
    """The decision metric's held-out score against the threshold on the second class's
    probability, with 0.5 (the argmax) and the tuned threshold marked."""
    if decision is None or not decision.curve:
        return None
    points = np.asarray(decision.curve, dtype=float)
    fig = Figure(figsize=WIDE)
    ax = fig.add_subplot()
    ax.plot(points[:, 0], points[:, 1], color="tab:blue")
    ax.axvline(0.5, color="grey", linestyle=":", label="0.5 (the more probable class)")
    if decision.applied:
        ax.axvline(decision.threshold, color="tab:red", linestyle="--",
                   label=f"tuned: {decision.threshold:.3g}")
    ax.set_xlabel("threshold on the second class's probability")
    ax.set_ylabel(f"held-out {decision.metric}")
    ax.legend(fontsize=7, loc="best")
    return to_svg(fig, "threshold")


def roc_and_pr(evaluation: Evaluation) -> str | None:
    """ROC and precision-recall curves (one per class, one against the rest, for several)."""
    if evaluation.classes is None:
        return None
    fig = Figure(figsize=WIDE)
    roc, pr = fig.subplots(1, 2)
    proba, y, classes = evaluation.prediction, evaluation.y, evaluation.classes
    shown = [1] if len(classes) == 2 else range(len(classes))
    for k in shown:
        hit = (y == k).astype(int)
        if hit.min() == hit.max():
            continue
        fpr, tpr, _ = skm.roc_curve(hit, proba[:, k])
        precision, recall, _ = skm.precision_recall_curve(hit, proba[:, k])
        auc = skm.auc(fpr, tpr)
        roc.plot(fpr, tpr, label=f"{classes[k]} (AUC {auc:.3f})")
        pr.plot(recall, precision, label=f"{classes[k]} (AP "
                f"{skm.average_precision_score(hit, proba[:, k]):.3f})")
    roc.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    pr.set(xlabel="recall", ylabel="precision", title="precision-recall")
    roc.legend(fontsize=7)
    pr.legend(fontsize=7)
    return to_svg(fig, "roc")


def confusion(evaluation: Evaluation) -> str | None:
    """The confusion matrix as a heat map with the counts written in."""
    matrix = evaluation.confusion
    if matrix is None:
        return None
    fig = Figure(figsize=SQUARE)
    ax = fig.add_subplot()
    values = matrix.to_numpy()
    ax.imshow(values, cmap="Blues")
    for (i, j), count in np.ndenumerate(values):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > values.max() / 2 else "black")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns)
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set(xlabel="predicted", ylabel="true")
    return to_svg(fig, "confusion")


def calibration(evaluation: Evaluation) -> str | None:
    """The reliability diagram: observed frequency against predicted probability."""
    found = evaluation.calibration
    if found is None:
        return None
    fig = Figure(figsize=SQUARE)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    ax.plot(found.table["predicted"], found.table["observed"], marker="o")
    ax.set(xlabel=f"predicted {found.about}", ylabel="observed frequency",
           title=f"calibration (ECE {found.ece:.3f})")
    return to_svg(fig, "calibration")


def residuals(evaluation: Evaluation) -> str | None:
    """Predicted against true values, and the residuals against the predictions."""
    if evaluation.classes is not None:
        return None
    y, predicted = evaluation.y, evaluation.prediction
    fig = Figure(figsize=WIDE)
    fit, spread = fig.subplots(1, 2)
    fit.scatter(y, predicted, s=8, alpha=0.6)
    lims = [float(min(y.min(), predicted.min())), float(max(y.max(), predicted.max()))]
    fit.plot(lims, lims, linestyle="--", color="grey", linewidth=0.8)
    fit.set(xlabel="true", ylabel="predicted", title="predicted against true")
    spread.scatter(predicted, y - predicted, s=8, alpha=0.6)
    spread.axhline(0, linestyle="--", color="grey", linewidth=0.8)
    spread.set(xlabel="predicted", ylabel="true - predicted", title="residuals")
    return to_svg(fig, "residuals")


def row_contributions(explanation: Explanation, top: int = 12) -> str | None:
    """The first explained row's largest contributions as bars (positive ones push the output
    up), from the base to the value explained."""
    if explanation is None or explanation.contributions.empty:
        return None
    row = explanation.contributions.iloc[0]
    shown = row.reindex(row.abs().sort_values(ascending=False).index[:top])
    fig = Figure(figsize=(WIDE[0], 0.9 + 0.28 * len(shown)))
    ax = fig.add_subplot()
    colours = ["#c00000" if v < 0 else "#2e75b6" for v in shown]
    ax.barh(range(len(shown)), shown.to_numpy(float), color=colours)
    ax.set_yticks(range(len(shown)), [str(c) for c in shown.index])
    ax.invert_yaxis()
    ax.axvline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"contribution to {explanation.output}")
    ax.set_title(f"base {explanation.base[0]:.4g} + contributions = {explanation.value[0]:.4g}",
                 fontsize=8)
    return to_svg(fig, "explanation-row")


def importance(table: pd.DataFrame, label: str, name: str, top: int = 15) -> str | None:
    """The ``top`` features of an importance table (feature, importance[, std]) as bars."""
    if table is None or table.empty:
        return None
    shown = table.head(top)
    fig = Figure(figsize=(WIDE[0], 0.6 + 0.28 * len(shown)))
    ax = fig.add_subplot()
    errors = shown.get("std")
    ax.barh(range(len(shown)), shown["importance"], xerr=errors, color="#ed7d31")
    ax.set_yticks(range(len(shown)), shown["feature"])
    ax.invert_yaxis()
    ax.set_xlabel(label)
    return to_svg(fig, name)


def shares(name: str, bins: list[str], reference: list[float], recent: list[float]) -> str:
    """Two bar series of shares by bin: the training reference and the recent rows."""
    fig = Figure(figsize=(WIDE[0], 3.0))
    ax = fig.add_subplot()
    at = np.arange(len(bins))
    ax.bar(at - 0.2, reference, width=0.4, label="training", color="#4472c4")
    ax.bar(at + 0.2, recent, width=0.4, label="recent", color="#ed7d31")
    ax.set_xticks(at, bins, rotation=30, ha="right", fontsize=7)
    ax.set(ylabel="share of rows", title=name)
    ax.legend(fontsize=7)
    return to_svg(fig, f"drift-{name}")
