"""Messy copies of clean tables, for testing cleaning steps (the built-in ones and a plugin's):
:func:`make_messy` writes a real table's values the way real exports do, and says where.

What it plants, each in a column it picks by type (a part is skipped when no column fits):
numbers written as money text ("$1,234.00"), missing numbers written as -999, missing text
written as "N/A", "?" or "", category labels in other cases and with spaces, yes/no written as
Y/N/yes/No, a few typos far outside a numeric column's range, a date column written in five
formats, and a constant, a duplicate and an id column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: the date column make_messy adds, and the formats it is written in, in turn
DATE_COLUMN = "recorded_on"
DATE_FORMATS = ("iso", "slashes", "month names", "epoch seconds", "iso with time")
TEXT_SENTINELS = ("N/A", "?", "")


@dataclass
class Planted:
    """Where :func:`make_messy` planted each problem (None where no column fitted).

    ``dates`` holds the true date of each row; ``typos`` maps a column to the row positions
    given far-out values; ``junk`` maps each added junk column to its kind.
    """

    money: str | None = None
    number_sentinel: str | None = None
    text_sentinel: str | None = None
    spelling: str | None = None
    booleans: str | None = None
    dates: pd.Series | None = None
    typos: dict[str, list[int]] = field(default_factory=dict)
    junk: dict[str, str] = field(default_factory=dict)


def make_messy(df: pd.DataFrame, target: str, seed: int = 0) -> tuple[pd.DataFrame, Planted]:
    """A messy copy of ``df`` (its target untouched) and where each problem was planted.

    The clean values can be read back from the messy ones, so a good cleaner recovers them.
    """
    rng = np.random.default_rng(seed)
    out, planted = df.copy(), Planted()
    features = [c for c in df.columns if c != target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c]) and df[c].nunique() > 10]
    full = [c for c in numeric if df[c].notna().all()]
    text = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
    yes_no = [c for c in text if set(df[c].dropna().astype(str).str.lower()) == {"yes", "no"}]
    levels = [c for c in text if c not in yes_no and 2 < df[c].nunique() <= 10]
    if full:
        planted.money = full[0]
        out[full[0]] = df[full[0]].map(lambda v: f"${v:,.2f}")
    if len(full) > 1:
        column = full[1]
        rows = sorted(rng.choice(len(df), size=2, replace=False).tolist())
        far = float(df[column].max()) * 5 + 100
        out[column] = out[column].astype(float)
        out.loc[out.index[rows], column] = far
        planted.typos[column] = rows
    holed = [c for c in numeric if df[c].isna().any() and (df[c].dropna() >= 0).all()]
    if holed:
        planted.number_sentinel = holed[0]
        out[holed[0]] = df[holed[0]].fillna(-999)
    gappy = [c for c in text if df[c].isna().any() and c not in yes_no]
    if gappy:
        planted.text_sentinel = gappy[0]
        gaps = df[gappy[0]].isna().to_numpy()
        words = np.resize(np.asarray(TEXT_SENTINELS, dtype=object), int(gaps.sum()))
        out[gappy[0]] = out[gappy[0]].astype(object)
        out.loc[gaps, gappy[0]] = words
    levels = [c for c in levels if c != planted.text_sentinel]
    if levels:
        planted.spelling = levels[0]
        out[levels[0]] = [_respell(v, rng) for v in df[levels[0]]]
    if yes_no:
        planted.booleans = yes_no[0]
        spellings = {"yes": ("Y", "yes", "YES", "Yes "), "no": ("N", "no", "No", " NO")}
        out[yes_no[0]] = [v if not isinstance(v, str) else
                          spellings[v.lower()][rng.integers(4)] for v in df[yes_no[0]]]
    planted.dates = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(
        rng.integers(0, 3 * 365, len(df)), unit="D"), index=df.index)
    out[DATE_COLUMN] = [_write_date(d, i) for i, d in enumerate(planted.dates)]
    out["batch"] = "export-7"
    out["row_id"] = [f"R{i:06d}" for i in range(len(df))]
    if features:
        out[f"{features[0]}_copy"] = out[features[0]]
        planted.junk[f"{features[0]}_copy"] = "duplicate"
    planted.junk.update({"batch": "constant", "row_id": "id"})
    return out, planted


def _respell(value: object, rng: np.random.Generator) -> object:
    # half the rows keep the usual spelling, as in a real export where a few hands differ
    if not isinstance(value, str) or rng.random() < 0.5:
        return value
    variants = (value.upper(), f" {value}", value.capitalize(), f"{value}  ")
    return variants[rng.integers(len(variants))]


def _write_date(day: pd.Timestamp, i: int) -> str:
    form = DATE_FORMATS[i % len(DATE_FORMATS)]
    if form == "iso":
        return day.strftime("%Y-%m-%d")
    if form == "slashes":
        return day.strftime("%m/%d/%Y")
    if form == "month names":
        return f"{day.day}-{day.strftime('%b-%Y')}"
    if form == "epoch seconds":
        return str(int(day.timestamp()))
    return day.strftime("%Y-%m-%dT00:00:00")
