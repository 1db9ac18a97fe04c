"""The cleaning step for dates and timestamps stored as text in mixed formats within one
column: ISO ("2021-03-04", "2021-03-04T10:00"), slashes ("03/04/2021", the day-month order
learnt from the training data), month names ("4-Mar-2021", "Mar 4, 2021"), dots
("04.03.2021") and epoch seconds ("1614816000")."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from automl._builtins.formats import READABLE_SHARE, replaced, text_columns
from automl._cleaning.steps import CleaningStep

_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_NAMED = ("%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%b %d, %Y", "%b %d %Y", "%d %B %Y",
          "%B %d, %Y", "%d.%m.%Y", "%d.%m.%Y %H:%M")
_EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$")
_SLASH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/\d{2,4}")
#: at least this share of a date column's values must be written as dates, not epoch numbers
MIN_WRITTEN_SHARE = 0.5


def _as_text(s: pd.Series) -> pd.Series:
    return s.map(lambda v: v.strip() if isinstance(v, str) else (
        f"{v:.0f}" if isinstance(v, int | float | np.number) and not isinstance(v, bool)
        and np.isfinite(v) else None))


def parse_dates(s: pd.Series, day_first: bool = False) -> pd.Series:
    """Each value read by the first format that fits (ISO, slashes, month names, dots, epoch
    seconds); others as NaT. Returns ``datetime64[ns]``."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    text = _as_text(s.astype(object))
    epoch = text.str.fullmatch(_EPOCH, na=False)
    written = text.where(~epoch)
    out = pd.to_datetime(written, format="ISO8601", errors="coerce").astype("datetime64[ns]")
    for fmt in (*(_DAY_FIRST if day_first else _MONTH_FIRST), *_NAMED):
        todo = out.isna() & written.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(written[todo], format=fmt, errors="coerce")
    if epoch.any():
        seconds = pd.to_numeric(text.where(epoch), errors="coerce")
        out[epoch] = pd.to_datetime(seconds[epoch], unit="s")
    return out


def slash_order(s: pd.Series) -> bool:
    """True when the column's slashed dates are day first ("31/01/2021"): some first field
    is above 12 and no second one is."""
    parts = s.dropna().astype(str).str.extract(_SLASH).dropna().astype(int)
    if parts.empty:
        return False
    return bool((parts[0] > 12).any() and not (parts[1] > 12).any())


class MixedDates(CleaningStep):
    """Text columns whose values are nearly all dates, in any mix of the formats above, become
    datetime columns (for the date features); unreadable values become missing."""

    def fit(self, df: pd.DataFrame, y: pd.Series) -> MixedDates:
        self.columns_: dict[str, bool] = {}
        for c in text_columns(df):
            values = df[c].dropna()
            common = pd.Series(values.value_counts().index[:50], dtype=object)
            if common.empty or common.astype(str).str.contains(r"\d").mean() < 0.5 \
                    or parse_dates(common, slash_order(common)).isna().mean() > 0.5:
                continue  # most common values are not dates: not a date column
            text = _as_text(values.astype(object))
            written = 1 - text.str.fullmatch(_EPOCH, na=False).mean()
            day_first = slash_order(values)
            parsed = parse_dates(values, day_first)
            if parsed.notna().mean() < READABLE_SHARE or written < MIN_WRITTEN_SHARE:
                continue
            self.columns_[c] = day_first
            formats = _formats_seen(text)
            bad = int(parsed.isna().sum())
            self.note("parsed", c, f"dates in {len(formats)} format(s) ({', '.join(formats)})"
                      f"{', day first' if day_first else ''} read as datetimes"
                      + (f"; {bad} unreadable value(s) made missing" if bad else ""),
                      len(values))
        return self

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        return replaced(df, {c: parse_dates(df[c], day_first)
                             for c, day_first in self.columns_.items() if c in df.columns})


def _formats_seen(text: pd.Series) -> list[str]:
    shapes = {"ISO": r"^\d{4}-\d{1,2}-\d{1,2}", "slashes": r"^\d{1,2}/\d{1,2}/\d{2,4}",
              "month names": r"[A-Za-z]{3}", "dots": r"^\d{1,2}\.\d{1,2}\.\d{4}",
              "epoch seconds": _EPOCH.pattern}
    return [name for name, pattern in shapes.items()
            if text.str.contains(pattern, regex=True, na=False).any()]
