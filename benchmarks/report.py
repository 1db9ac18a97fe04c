"""Turn a run's records into the comparison: per table the score and its normalised value, per
framework the mean normalised score, the mean rank (each with its spread across seeds, when the
run has several), the worst wall time and the memory, and every table where automl fell below
the default HistGradientBoosting; written as markdown, CSV and a plot."""

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
    on that table and seed in this run) and ``rank`` (1 is best, ties share the mean rank)."""
    out = []
    for _, group in records.groupby(["table", "seed"], sort=False):
        group = group.copy()
        higher = group["metric"].iloc[0] == "roc_auc"
        best = group["score"].max() if higher else group["score"].min()
        constant = group["constant"].iloc[0]
        group["normalised"] = (group["score"] - constant) / (best - constant)
        group["rank"] = group["score"].rank(ascending=not higher, method="average")
        out.append(group)
    return pd.concat(out)


def summary(records: pd.DataFrame) -> pd.DataFrame:
    """Per framework: mean normalised score and mean rank over every (table, seed), their
    standard deviations across seeds (of each seed's mean; 0 with one seed), worst wall, fits
    over the limit, median peak memory."""
    by = records.groupby("framework")
    per_seed = records.groupby(["framework", "seed"])[["normalised", "rank"]].mean()
    spread = per_seed.groupby("framework").std(ddof=1).fillna(0.0)
    frame = pd.DataFrame({
        "mean normalised score": by["normalised"].mean(),
        "sd across seeds": spread["normalised"],
        "mean rank": by["rank"].mean(),
        "rank sd across seeds": spread["rank"],
        "max fit (s)": by["fit_seconds"].max(),
        "fits over budget x1.05+1s": by["within_limit"].apply(lambda s: int((~s).sum())),
        "median peak memory (MB)": by["peak_memory_mb"].median(),
    })
    return frame.sort_values("mean rank")


def shortfalls(records: pd.DataFrame, framework: str = "automl", floor: str = "hgb"
               ) -> pd.DataFrame:
    """Every (table, seed) where ``framework`` scored below ``floor``, by how much of the gap
    between the constant predictor and the best framework (the difference of their normalised
    scores), worst first."""
    wide = records.pivot_table(index=["table", "seed"], columns="framework",
                               values="normalised")
    if framework not in wide or floor not in wide:
        return pd.DataFrame(columns=["table", "seed", "shortfall"])
    gap = (wide[floor] - wide[framework]).dropna()
    lost = gap[gap > 0].sort_values(ascending=False)
    return lost.rename("shortfall").reset_index()


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.4f}"


def markdown(records: pd.DataFrame, machine: str) -> str:
    """The run as a markdown page: the score table (the mean over seeds, ± their standard
    deviation), the summary, automl's shortfalls against the default HistGradientBoosting,
    then the details."""
    table_ = summary(records)
    frameworks = list(table_.index)
    budget = records["budget"].iloc[0]
    seeds = sorted(records["seed"].unique())
    several = len(seeds) > 1
    lines = [f"# Suite at {budget:g} s, seed{'s' if several else ''} "
             f"{', '.join(str(s) for s in seeds)}", "", machine, "",
             "| table | metric | " + " | ".join(frameworks) + " | constant |",
             "|---|---|" + "---|" * (len(frameworks) + 1)]
    for table, group in records.groupby("table", sort=False):
        score = group.groupby("framework")["score"].agg(["mean", "std"])
        rank = group.groupby("framework")["rank"].mean()
        cells = []
        for fw in frameworks:
            if fw not in score.index:
                cells.append("—")
                continue
            cell = _fmt(score.loc[fw, "mean"])
            if several and pd.notna(score.loc[fw, "std"]):
                cell += f" ± {_fmt(score.loc[fw, 'std'])}"
            cells.append(f"**{cell}**" if rank[fw] == rank.min() else cell)
        lines.append(f"| {table} | {group['metric'].iloc[0]} | " + " | ".join(cells)
                     + f" | {_fmt(group['constant'].mean())} |")
    lines += ["", "| framework | " + " | ".join(table_.columns) + " |",
              "|---|" + "---|" * len(table_.columns)]
    for fw, row in table_.iterrows():
        lines.append(f"| {fw} | {row.iloc[0]:.4f} | {row.iloc[1]:.4f} | {row.iloc[2]:.2f} | "
                     f"{row.iloc[3]:.2f} | {row.iloc[4]:.1f} | {int(row.iloc[5])} | "
                     f"{row.iloc[6]:.0f} |")
    lost = shortfalls(records)
    lines += ["", f"automl below the default HistGradientBoosting on {len(lost)} of "
              f"{records.groupby(['table', 'seed']).ngroups} (table, seed) pairs"
              + (", by this share of the gap between the constant predictor and the best "
                 "framework:" if len(lost) else "."), ""]
    lines += [f"- {r.table}, seed {r.seed}: {r.shortfall:.4f}" for r in lost.itertuples()]
    lines += ["", "Per run: normalised score, accuracy or R², fit and predict seconds, peak "
              "memory, and what the framework chose.", "",
              "| table | seed | framework | normalised | side | fit s | predict s | MB | chose |",
              "|---|---|---|---|---|---|---|---|---|"]
    for _, r in records.sort_values(["table", "seed", "rank"]).iterrows():
        lines.append(f"| {r['table']} | {r['seed']} | {r['framework']} | {r['normalised']:.4f} | "
                     f"{r['side_metric']} {r['side_score']:.4f} | {r['fit_seconds']:.1f} | "
                     f"{r['predict_seconds']:.3f} | {r['peak_memory_mb']:.0f} | {r['note']} |")
    return "\n".join(lines) + "\n"


def plot(records: pd.DataFrame, path: Path) -> None:
    """Normalised score per table, one bar per framework."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pivot = records.pivot_table(index="table", columns="framework", values="normalised")
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
