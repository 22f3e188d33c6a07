"""The forms' grids as the rules see them: printed column labels, and every declared total's figures.

Totals (三公经费 = its three parts, 年度资金总额 = its 其中 rows …) are declared in the form layouts;
here they become one frame per total for a chunk, built at once for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS, FormLayout, Grid, Total
from xltool.forms.terms import resolve
from xltool.rules.engine import Context, Row


def column_name(ctx: Context, sid: int, grid: Grid, column: str) -> str:
    """A grid column's printed label, with the sheet's year filled in (2022年预算数)."""
    year = ctx.sheet(sid)["year"]
    return resolve(grid.column(column).term.text, None if year < 0 else int(year)).strip()


def column_label(ctx: Context, grid: Grid, column: str | None = None) -> Callable[[Row], str]:
    """The printed label of a flagged row's column (or of one column) of a grid, for messages."""
    return lambda row: column_name(ctx, int(row["sid"]), grid, column or row["column"])


# Every declared total of the three forms; its position is its ``tid`` in the chunk's total frames.
TOTALS: tuple[tuple[FormLayout, Grid, Total], ...] = tuple(
    (layout, grid, total) for layout in FORMS.values() for grid in layout.grids for total in grid.totals
)
_EXTRA = re.compile(r"_extra_\d+$")  # rows a department added under a total: <total>_extra_<n>


def _total_links() -> pd.DataFrame:
    """Which (form, grid, row, column) figure is the head or a part of which declared total (``tid``)."""
    links = [
        (layout.kind, grid.key, row, column, tid, role)
        for tid, (layout, grid, total) in enumerate(TOTALS)
        for role, rows in (("head", (total.total,)), ("part", (*total.parts, f"{total.total}_extra")))
        for row in rows
        for column in total.columns
    ]
    return pd.DataFrame.from_records(links, columns=["kind", "block", "base", "column", "tid", "role"])


LINKS = _total_links()
TOTAL_COLUMNS = ["sid", "column", "sum", "count", "value", "cell"]


def total_frame(ctx: Context, tid: int) -> pd.DataFrame:
    """Per (sid, column): the stated total, its cell, the parts' sum and how many parts are filled."""
    frames = ctx.memo.get(("total_frames",))
    if frames is None:
        frames = ctx.memo[("total_frames",)] = _build_total_frames(ctx)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in TOTAL_COLUMNS})
    return frames.get(tid, empty)


def _build_total_frames(ctx: Context) -> dict[int, pd.DataFrame]:
    """Every declared total of the chunk's sheets at once: one merge and one group-by for all of them."""
    fig = ctx.frames.figures
    kinds = ctx.frames.sheets.set_index("sid")["kind"]
    fig = fig.assign(kind=fig["sid"].map(kinds), base=fig["row"].str.replace(_EXTRA, "_extra", regex=True))
    linked = fig.merge(LINKS, on=["kind", "block", "base", "column"])
    parts = linked[linked["role"] == "part"]
    head = linked[linked["role"] == "head"].set_index(["tid", "sid", "column"])
    summed = parts.groupby(["tid", "sid", "column"])["value"].agg(["sum", "count"])
    out = summed.join(head[["value", "cell"]], how="left")
    # A part (or the total) that cannot be read as a number leaves the sum unknown: A-UNREADABLE
    # reports that cell, and no sum is checked against a partial addition.
    unreadable = linked.loc[linked["problem"] != "", ["tid", "sid", "column"]]
    known = ~out.index.isin(pd.MultiIndex.from_frame(unreadable))
    out = out[(out["count"] > 0) & known].reset_index()
    tids = out["tid"].to_numpy()
    return {int(tid): out[tids == tid].drop(columns="tid").reset_index(drop=True) for tid in np.unique(tids)}
