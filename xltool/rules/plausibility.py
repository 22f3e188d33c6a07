"""Families F and G: plausibility of figures, and the structure of the forms."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS
from xltool.rules.arithmetic import unreadable_cells
from xltool.rules.compare import above
from xltool.rules.engine import Context, Flagged, rule

# (block, column) pairs that hold amounts in 万元 — the scale check looks only at these.
AMOUNT_COLUMNS = {
    (grid.key, col.key)
    for layout in FORMS.values()
    for grid in layout.grids
    for col in grid.columns
    if col.fmt == "amount"
} | {(block.key, "value") for layout in FORMS.values() for block in layout.lists}


def _amounts(ctx: Context):  # type: ignore[no-untyped-def]
    """The chunk's figures in amount columns (built once per chunk)."""
    if ("amounts",) not in ctx.memo:
        fig = ctx.frames.figures
        amount = pd.MultiIndex.from_arrays([fig["block"], fig["column"]]).isin(list(AMOUNT_COLUMNS))
        ctx.memo[("amounts",)] = fig[amount]
    return ctx.memo[("amounts",)]


@rule("F-MAGNITUDE")
def absurd_magnitudes(ctx: Context) -> Iterator[Flagged]:
    """Figures far too large to be real ones (set aside by the reader, see model/magnitude)."""
    return unreadable_cells(ctx, magnitude=True)


@rule("F-RATE-OVER-100")
def rate_over_100(ctx: Context) -> Iterator[Flagged]:
    """Rates that cannot exceed 100 % stated above it."""
    ind = ctx.indicators
    words = "|".join(ctx.profile.capped_rate_words)
    named = ind["name"].str.contains(words, regex=True, na=False) if words else ind["name"] == ""
    # The actual in percent: written with %, or a bare number (1.05, 105) read against a % target.
    percent = np.where(ind["aunit"] == "%", ind["anum"], np.where(ind["tunit"] == "%", ind["a_cmp"], np.nan))
    bad = named & above(np.nan_to_num(percent, nan=0.0), 100)
    yield Flagged(
        ind[bad].assign(percent=percent[bad.to_numpy()]),
        cell="actual_cell",
        anchor=("indicator", "{index}", "actual"),
        actual="percent",
        threshold=100.0,
    )


_AT_FIGURE = ("figure", "{block}", "{row}", "{column}")


@rule("F-NEGATIVE")
def negative_amounts(ctx: Context) -> Iterator[Flagged]:
    """Negative amounts."""
    fig = _amounts(ctx)
    yield Flagged(fig[fig["value"] < 0], cell="cell", anchor=_AT_FIGURE, actual="value")


@rule("F-SCALE")
def scale(ctx: Context) -> Iterator[Flagged]:
    """Amounts a thousand times the department's typical amount: 元 entered as 万元."""
    fig = _amounts(ctx)
    fig = fig[fig["value"] > 0].merge(ctx.frames.sheets[["sid", "dept"]], on="sid")
    if fig.empty:
        return
    median = fig.groupby("dept")["value"].transform("median")
    factor = ctx.profile.scale_factor
    bad = (fig["value"] >= median * factor) & (fig.groupby("dept")["value"].transform("count") >= 5)
    yield Flagged(
        fig[bad].assign(median=median[bad]),
        cell="cell",
        anchor=_AT_FIGURE,
        actual="value",
        threshold=lambda row: row["median"] * factor,
        fields={"times": lambda row: row["value"] / row["median"]},
    )


@rule("G-MISSING-LABEL")
def missing_labels(ctx: Context) -> Iterator[Flagged]:
    """Required labels the reader could not find."""
    yield Flagged(
        (
            {"sid": sid, "cell": form.title_cell, "problem": message}
            for sid, form in enumerate(ctx.frames.forms)
            for message in form.missing
        ),
        cell="cell",
    )


@rule("G-NO-INDICATORS")
def no_indicators(ctx: Context) -> Iterator[Flagged]:
    """Scored tables whose indicator rows are all blank."""
    yield Flagged(
        (
            {"sid": sid, "cell": form.title_cell}
            for sid, form in enumerate(ctx.frames.forms)
            if form.kind in ("department", "project") and not form.indicators
        ),
        cell="cell",
    )
