"""Turn a run's records into the comparison: per table the score and its normalised value, per
framework the mean normalised score, the mean rank, the worst wall time and the memory; written as
markdown, CSV and a plot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def load_records(folder: Path) -> pd.DataFrame:
    """Every record a run wrote under ``folder/records``."""
    rows = [json.loads(p.read_text()) for p in sorted((folder / "records").glob("*.json"))]
    if not rows:
        raise SystemExit(f"no records under {folder / 'records'}")
    return pd.DataFrame(rows)


def normalise(records: pd.DataFrame) -> pd.DataFrame:
    """Add ``normalised`` ((score - constant) / (best - constant), best being the best framework
    on that table in this run) and ``rank`` (1 is best, ties share the mean rank)."""
    out = []
    for _, group in records.groupby("table", sort=False):
        group = group.copy()
        higher = group["metric"].iloc[0] == "roc_auc"
        best = group["score"].max() if higher else group["score"].min()
        constant = group["constant"].iloc[0]
        group["normalised"] = (group["score"] - constant) / (best - constant)
        group["rank"] = group["score"].rank(ascending=not higher, method="average")
        out.append(group)
    return pd.concat(out)


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Per framework: mean normalised score, mean rank, worst wall, fits over the limit, median
    peak memory."""
    by = records.groupby("framework")
    frame = pd.DataFrame({
        "mean normalised score": by["normalised"].mean(),
        "mean rank": by["rank"].mean(),
        "max fit (s)": by["fit_seconds"].max(),
        "fits over budget x1.05+1s": by["within_limit"].apply(lambda s: int((~s).sum())),
        "median peak memory (MB)": by["peak_memory_mb"].median(),
    })
    return frame.sort_values("mean rank")


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.4f}"


def markdown(records: pd.DataFrame, machine: str) -> str:
    """The run as a markdown page: the score table, then the summary, then the details."""
    frameworks = list(summary(records).index)
    budget = records["budget"].iloc[0]
    lines = [f"# Suite at {budget:g} s, seed {records['seed'].iloc[0]}", "", machine, "",
             "| table | metric | " + " | ".join(frameworks) + " | constant |",
             "|---|---|" + "---|" * (len(frameworks) + 1)]
    for table, group in records.groupby("table", sort=False):
        by = group.set_index("framework")
        cells = []
        for fw in frameworks:
            if fw not in by.index:
                cells.append("—")
                continue
            cell = _fmt(by.loc[fw, "score"])
            cells.append(f"**{cell}**" if by.loc[fw, "rank"] == 1 else cell)
        lines.append(f"| {table} | {group['metric'].iloc[0]} | " + " | ".join(cells)
                     + f" | {_fmt(group['constant'].iloc[0])} |")
    lines += ["", "| framework | " + " | ".join(summary(records).columns) + " |",
              "|---|" + "---|" * len(summary(records).columns)]
    for fw, row in summary(records).iterrows():
        lines.append(f"| {fw} | {row.iloc[0]:.4f} | {row.iloc[1]:.2f} | {row.iloc[2]:.1f} | "
                     f"{int(row.iloc[3])} | {row.iloc[4]:.0f} |")
    lines += ["", "Per run: normalised score, accuracy or R², fit and predict seconds, peak "
              "memory, and what the framework chose.", "",
              "| table | framework | normalised | side | fit s | predict s | MB | chose |",
              "|---|---|---|---|---|---|---|---|"]
    for _, r in records.sort_values(["table", "rank"]).iterrows():
        lines.append(f"| {r['table']} | {r['framework']} | {r['normalised']:.4f} | "
                     f"{r['side_metric']} {r['side_score']:.4f} | {r['fit_seconds']:.1f} | "
                     f"{r['predict_seconds']:.3f} | {r['peak_memory_mb']:.0f} | {r['note']} |")
    return "\n".join(lines) + "\n"


def plot(records: pd.DataFrame, path: Path) -> None:
    """Normalised score per table, one bar per framework."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pivot = records.pivot(index="table", columns="framework", values="normalised")
    pivot = pivot[list(summary(records).index)]
    ax = pivot.plot.bar(figsize=(11, 4.5), width=0.8)
    ax.set_ylabel("normalised score (1 = best in run)")
    ax.set_ylim(max(0.0, float(pivot.min().min()) - 0.05), 1.01)
    ax.set_title(f"Suite at {records['budget'].iloc[0]:g} s")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    plt.xticks(rotation=30, ha="right", fontsize=8)
    plt.tight_layout()
    plt.savefig(path, dpi=110)
    plt.close()


def write(folder: Path, machine: str) -> Path:
    """Write ``results.csv``, ``results.md`` and ``results.png`` for the run in ``folder``."""
    records = normalise(load_records(folder))
    records.to_csv(folder / "results.csv", index=False)
    (folder / "results.md").write_text(markdown(records, machine))
    plot(records, folder / "results.png")
    return folder / "results.md"
