"""Family B: budget against actuals."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from xltool.check_arithmetic import column_name
from xltool.layouts import FORMS
from xltool.models import Finding
from xltool.rounding import fmt_num, fmt_rate
from xltool.rules import Context, rule

# 附件1 rows whose 决算 above 预算 is judged by a control rate of family E, not here.
CONTROLLED_ROWS = ("three_public", "public_funds")


@rule("B-EXEC-OVER")
def executed_over_budget(ctx: Context) -> Iterator[Finding]:
    """Execution above the full-year budget, per row of the 项目资金 / 年度资金 block."""
    tol = ctx.profile.amount_tolerance
    fig = ctx.frames.figure_table("budget")
    fig = fig[fig["column"].isin(("full_year", "executed"))]
    if fig.empty:
        return
    wide = fig.pivot_table(index=["sid", "row"], columns="column", values="value", aggfunc="first")
    cells = fig.pivot_table(index=["sid", "row"], columns="column", values="cell", aggfunc="first")
    if not {"full_year", "executed"} <= set(wide.columns):
        return
    bad = wide["full_year"].notna() & (wide["executed"] > wide["full_year"] + tol)
    labels = {r.key: r.term.text for r in FORMS["project"].grid("budget").rows}
    for (sid, row_key), values in wide[bad].iterrows():
        yield ctx.finding(
            "B-EXEC-OVER",
            int(sid),
            str(cells.loc[(sid, row_key), "executed"]),
            f"{labels.get(str(row_key), '')}全年执行数{fmt_num(values['executed'])}超过全年预算数"
            f"{fmt_num(values['full_year'])}（全年预算数已含年中调整），请核实执行数或调整后预算",
            expected=values["full_year"],
            actual=values["executed"],
            anchor=("figure", "budget", str(row_key), "executed"),
        )


@rule("B-EXEC-LOW")
def low_execution(ctx: Context) -> Iterator[Finding]:
    """Execution rates below the profile's threshold."""
    b = ctx.budget
    limit = ctx.profile.low_execution_rate
    for row in ctx.rows(b[b["rate"] < limit]):
        yield ctx.finding(
            "B-EXEC-LOW",
            row["sid"],
            row["executed_cell"] or row["rate_cell"],
            f"预算执行率{fmt_rate(row['rate'])}（全年执行数{fmt_num(row['executed'])}÷全年预算数"
            f"{fmt_num(row['full_year'])}）低于{fmt_rate(limit)}，请在自评报告中说明未执行原因",
            expected=limit,
            actual=round(row["rate"], 4),
            anchor=("figure", "budget", "total", "executed"),
        )


@rule("B-ADJUSTMENT")
def large_adjustment(ctx: Context) -> Iterator[Finding]:
    """A full-year budget far from the initial one."""
    b = ctx.budget
    limit = ctx.profile.adjustment_limit
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (b["full_year"] - b["initial"]) / b["initial"]
    bad = (b["initial"] > 0) & b["full_year"].notna() & (change.abs() > limit)
    frame = b[bad].assign(change=change[bad])
    for row in ctx.rows(frame):
        yield ctx.finding(
            "B-ADJUSTMENT",
            row["sid"],
            row["full_year_cell"],
            f"全年预算数{fmt_num(row['full_year'])}与年初预算数{fmt_num(row['initial'])}相差{fmt_rate(row['change'])}"
            f"（超过±{fmt_rate(limit)}），请说明预算调整原因",
            expected=row["initial"],
            actual=row["full_year"],
            anchor=("figure", "budget", "total", "full_year"),
        )


@rule("B-UNBUDGETED")
def unbudgeted(ctx: Context) -> Iterator[Finding]:
    """Money executed with no budget line."""
    fig = ctx.frames.figures
    budget = fig[fig["block"] == "budget"]
    wide = budget.pivot_table(index=["sid", "row"], columns="column", values="value", aggfunc="first")
    cells = budget.pivot_table(index=["sid", "row"], columns="column", values="cell", aggfunc="first")
    if {"initial", "full_year", "executed"} <= set(wide.columns):
        none = wide["initial"].fillna(0).eq(0) & wide["full_year"].fillna(0).eq(0)
        for (sid, row_key), values in wide[none & (wide["executed"] > 0)].iterrows():
            yield ctx.finding(
                "B-UNBUDGETED",
                int(sid),
                str(cells.loc[(sid, row_key), "executed"]),
                f"全年执行数{fmt_num(values['executed'])}，但年初预算数和全年预算数均为空或0：有资金未纳入预算，请说明",
                actual=values["executed"],
                anchor=("figure", "budget", str(row_key), "executed"),
            )
    spending = fig[fig["block"] == "spending"]
    grid = FORMS["basic_data"].grid("spending")
    wide = spending.pivot_table(index=["sid", "row"], columns="column", values="value", aggfunc="first")
    cells = spending.pivot_table(index=["sid", "row"], columns="column", values="cell", aggfunc="first")
    if {"budget", "actual"} <= set(wide.columns):
        for (sid, row_key), values in wide[wide["budget"].fillna(0).eq(0) & (wide["actual"] > 0)].iterrows():
            label = _row_label(str(row_key))
            yield ctx.finding(
                "B-UNBUDGETED",
                int(sid),
                str(cells.loc[(sid, row_key), "actual"]),
                f"{label}{column_name(ctx, int(sid), grid, 'actual')}{fmt_num(values['actual'])}，但"
                f"{column_name(ctx, int(sid), grid, 'budget')}为空或0：有支出未纳入预算，请说明",
                actual=values["actual"],
                anchor=("figure", "spending", str(row_key), "actual"),
            )


def _row_label(row_key: str) -> str:
    grid = FORMS["basic_data"].grid("spending")
    for row in grid.rows:
        if row.key == row_key:
            return row.term.text
    return "专项"


@rule("B-ACTUAL-ABOVE-BUDGET")
def actual_above_budget(ctx: Context) -> Iterator[Finding]:
    """附件1 rows whose 决算数 exceeds the 预算数 (三公经费 and 公用经费 are family E warnings)."""
    tol = ctx.profile.amount_tolerance
    spending = ctx.frames.figure_table("spending")
    spending = spending[~spending["row"].isin(CONTROLLED_ROWS)]
    wide = spending.pivot_table(index=["sid", "row"], columns="column", values="value", aggfunc="first")
    cells = spending.pivot_table(index=["sid", "row"], columns="column", values="cell", aggfunc="first")
    if not {"budget", "actual"} <= set(wide.columns):
        return
    grid = FORMS["basic_data"].grid("spending")
    bad = (wide["budget"] > 0) & (wide["actual"] > wide["budget"] + tol)
    for (sid, row_key), values in wide[bad].iterrows():
        yield ctx.finding(
            "B-ACTUAL-ABOVE-BUDGET",
            int(sid),
            str(cells.loc[(sid, row_key), "actual"]),
            f"{_row_label(str(row_key))}{column_name(ctx, int(sid), grid, 'actual')}{fmt_num(values['actual'])}"
            f"高于{column_name(ctx, int(sid), grid, 'budget')}{fmt_num(values['budget'])}，如为年中追加请核实依据",
            expected=values["budget"],
            actual=values["actual"],
            anchor=("figure", "spending", str(row_key), "actual"),
        )
