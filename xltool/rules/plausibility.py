"""Families F and G: plausibility of figures, and the structure of the forms."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS
from xltool.model.records import Finding
from xltool.model.rounding import fmt_num
from xltool.rules.arithmetic import unreadable_cells
from xltool.rules.engine import Context, rule

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
def absurd_magnitudes(ctx: Context) -> Iterator[Finding]:
    """Figures far too large to be real ones (set aside by the reader, see model/magnitude)."""
    return unreadable_cells(ctx, "F-MAGNITUDE", magnitude=True)


@rule("F-RATE-OVER-100")
def rate_over_100(ctx: Context) -> Iterator[Finding]:
    """Rates that cannot exceed 100 % stated above it."""
    ind = ctx.indicators
    words = "|".join(ctx.profile.capped_rate_words)
    named = ind["name"].str.contains(words, regex=True, na=False) if words else ind["name"] == ""
    # The actual in percent: written with %, or a bare number (1.05, 105) read against a % target.
    percent = np.where(ind["aunit"] == "%", ind["anum"], np.where(ind["tunit"] == "%", ind["a_cmp"], np.nan))
    bad = named & (np.nan_to_num(percent, nan=0.0) > 100 + 1e-9)
    for row in ctx.rows(ind[bad].assign(percent=percent[bad.to_numpy()])):
        yield ctx.finding(
            "F-RATE-OVER-100",
            row["sid"],
            row["actual_cell"],
            f"“{row['name']}”实际完成值{row['atext']}超过100%，此类比率不可能超过100%；请核实",
            actual=row["percent"],
            threshold=100.0,
            anchor=("indicator", str(row["index"]), "actual"),
        )


@rule("F-NEGATIVE")
def negative_amounts(ctx: Context) -> Iterator[Finding]:
    """Negative amounts."""
    fig = _amounts(ctx)
    for row in ctx.rows(fig[fig["value"] < 0]):
        yield ctx.finding(
            "F-NEGATIVE",
            row["sid"],
            row["cell"],
            f"金额为负数{fmt_num(row['value'])}，请核实",
            actual=row["value"],
            anchor=("figure", row["block"], row["row"], row["column"]),
        )


@rule("F-SCALE")
def scale(ctx: Context) -> Iterator[Finding]:
    """Amounts a thousand times the department's typical amount: 元 entered as 万元."""
    fig = _amounts(ctx)
    fig = fig[fig["value"] > 0].merge(ctx.frames.sheets[["sid", "dept"]], on="sid")
    if fig.empty:
        return
    median = fig.groupby("dept")["value"].transform("median")
    factor = ctx.profile.scale_factor
    bad = (fig["value"] >= median * factor) & (fig.groupby("dept")["value"].transform("count") >= 5)
    for row in ctx.rows(fig[bad].assign(median=median[bad])):
        yield ctx.finding(
            "F-SCALE",
            row["sid"],
            row["cell"],
            f"金额{fmt_num(row['value'])}万元约为本部门金额中位数{fmt_num(row['median'])}的"
            f"{row['value'] / row['median']:.0f}倍，疑似按“元”填报；请核实单位（万元）",
            actual=row["value"],
            threshold=row["median"] * factor,
            anchor=("figure", row["block"], row["row"], row["column"]),
        )


@rule("G-MISSING-LABEL")
def missing_labels(ctx: Context) -> Iterator[Finding]:
    """Required labels the reader could not find."""
    for sid, form in enumerate(ctx.frames.forms):
        for message in form.missing:
            yield ctx.finding("G-MISSING-LABEL", sid, form.title_cell or "A1", message)


@rule("G-NO-INDICATORS")
def no_indicators(ctx: Context) -> Iterator[Finding]:
    """Scored tables whose indicator rows are all blank."""
    for sid, form in enumerate(ctx.frames.forms):
        if form.kind in ("department", "project") and not form.indicators:
            yield ctx.finding(
                "G-NO-INDICATORS",
                sid,
                form.title_cell or "A1",
                "绩效指标表没有填写任何指标，只能按预算执行情况计分；请填写年度指标值、实际完成值、分值和得分",
                anchor=("sheet",),
            )
