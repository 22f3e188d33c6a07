"""Family B: budget against actuals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS
from xltool.model.records import Finding
from xltool.model.rounding import fmt_num, fmt_rate
from xltool.rules.arithmetic import column_name
from xltool.rules.engine import Context, rule

# 附件1 rows whose 决算 above 预算 is judged by a control rate of family E, not here.
CONTROLLED_ROWS = ("three_public", "public_funds")
# 附件1 rows that are not money spent: 部门基本支出预算调整 is the size of the year's budget adjustment,
# whose 预算数 is naturally 0 (no adjustment is planned at the start of the year). A 决算数 there is no
# "spending without a budget line"; the seed's 59.73 is such an adjustment.
NOT_SPENDING_ROWS = ("budget_adjustment",)
# The lines of 附件1 a reviewer reads for execution against plan: the totals, not their parts.
LINE_ROWS = tuple(
    r.key
    for r in FORMS["basic_data"].grid("spending").rows
    if r.indent == 0 and r.key not in NOT_SPENDING_ROWS
)


def _lines(ctx: Context, block: str, columns: Sequence[str]) -> pd.DataFrame:
    """One row per (sid, row) of a block's figures: each column's value and its ``<column>_cell``."""
    table = ctx.frames.lines(block)
    out = pd.DataFrame(index=table.index)
    for col in columns:
        out[col] = table.get(col, np.nan)
        out[f"{col}_cell"] = table.get(f"{col}_cell", "")
    return out.reset_index()


def _no_budget(initial: pd.Series, full_year: pd.Series) -> pd.Series:
    """Rows of the 项目资金 / 年度资金 block with neither 年初预算数 nor 全年预算数 (empty or 0)."""
    return initial.fillna(0).eq(0) & full_year.fillna(0).eq(0)


@rule("B-EXEC-OVER")
def executed_over_budget(ctx: Context) -> Iterator[Finding]:
    """Execution above the full-year budget, per row of the 项目资金 / 年度资金 block."""
    tol = ctx.profile.amount_tolerance
    wide = _lines(ctx, "budget", ("initial", "full_year", "executed"))
    # A row with no budget at all is B-UNBUDGETED (a warning), not reported twice on one cell.
    bad = (
        wide["full_year"].notna()
        & (wide["executed"] > wide["full_year"] + tol)
        & ~_no_budget(wide["initial"], wide["full_year"])
    )
    labels = {r.key: r.term.text for r in FORMS["project"].grid("budget").rows}
    for row in ctx.rows(wide[bad]):
        yield ctx.finding(
            "B-EXEC-OVER",
            row["sid"],
            row["executed_cell"],
            f"{labels.get(row['row'], '')}全年执行数{fmt_num(row['executed'])}超过全年预算数"
            f"{fmt_num(row['full_year'])}（全年预算数已含年中调整），请核实执行数或调整后预算",
            threshold=row["full_year"],
            actual=row["executed"],
            anchor=("figure", "budget", row["row"], "executed"),
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
            actual=round(row["rate"], 4),
            threshold=limit,
            anchor=("figure", "budget", "total", "executed"),
        )


@rule("B-EXEC-LOW-LINE")
def low_line_execution(ctx: Context) -> Iterator[Finding]:
    """附件1 rows whose 决算数 falls far below their 预算数 (公用经费 at 43.5 %, 政府采购 at 77.9 %)."""
    limit = ctx.profile.low_line_execution_rate
    wide = _lines(ctx, "spending", ("budget", "actual"))
    wide = wide[wide["row"].isin(LINE_ROWS)]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = wide["actual"] / wide["budget"]
    bad = (wide["budget"] > 0) & wide["actual"].notna() & (rate < limit)
    grid = FORMS["basic_data"].grid("spending")
    for row in ctx.rows(wide[bad].assign(rate=rate[bad])):
        sid = int(row["sid"])
        yield ctx.finding(
            "B-EXEC-LOW-LINE",
            sid,
            row["actual_cell"],
            f"{_row_label(row['row'])}{column_name(ctx, sid, grid, 'actual')}{fmt_num(row['actual'])}仅为"
            f"{column_name(ctx, sid, grid, 'budget')}{fmt_num(row['budget'])}的{fmt_rate(row['rate'])}"
            f"（低于{fmt_rate(limit)}），执行远低于计划，请在自评报告中说明原因",
            expected=row["budget"],
            actual=row["actual"],
            anchor=("figure", "spending", row["row"], "actual"),
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
            actual=row["full_year"],
            # The bound the full-year budget crossed: 年初预算数 × (1 ± the limit).
            threshold=row["initial"] * (1 + limit if row["change"] > 0 else 1 - limit),
            anchor=("figure", "budget", "total", "full_year"),
        )


@rule("B-UNBUDGETED")
def unbudgeted(ctx: Context) -> Iterator[Finding]:
    """Money executed with no budget line."""
    budget = _lines(ctx, "budget", ("initial", "full_year", "executed"))
    none = _no_budget(budget["initial"], budget["full_year"])
    for row in ctx.rows(budget[none & (budget["executed"] > 0)]):
        yield ctx.finding(
            "B-UNBUDGETED",
            row["sid"],
            row["executed_cell"],
            f"全年执行数{fmt_num(row['executed'])}，但年初预算数和全年预算数均为空或0：有资金未纳入预算，请说明",
            actual=row["executed"],
            anchor=("figure", "budget", row["row"], "executed"),
        )
    spending = _lines(ctx, "spending", ("budget", "actual"))
    spending = spending[~spending["row"].isin(NOT_SPENDING_ROWS)]
    grid = FORMS["basic_data"].grid("spending")
    for row in ctx.rows(spending[spending["budget"].fillna(0).eq(0) & (spending["actual"] > 0)]):
        sid = int(row["sid"])
        yield ctx.finding(
            "B-UNBUDGETED",
            sid,
            row["actual_cell"],
            f"{_row_label(row['row'])}{column_name(ctx, sid, grid, 'actual')}{fmt_num(row['actual'])}，但"
            f"{column_name(ctx, sid, grid, 'budget')}为空或0：有支出未纳入预算，请说明",
            actual=row["actual"],
            anchor=("figure", "spending", row["row"], "actual"),
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
    wide = _lines(ctx, "spending", ("budget", "actual"))
    wide = wide[~wide["row"].isin(CONTROLLED_ROWS)]
    grid = FORMS["basic_data"].grid("spending")
    bad = (wide["budget"] > 0) & (wide["actual"] > wide["budget"] + tol)
    for row in ctx.rows(wide[bad]):
        sid = int(row["sid"])
        actual_label = column_name(ctx, sid, grid, "actual")
        budget_label = column_name(ctx, sid, grid, "budget")
        yield ctx.finding(
            "B-ACTUAL-ABOVE-BUDGET",
            sid,
            row["actual_cell"],
            f"{_row_label(row['row'])}{actual_label}{fmt_num(row['actual'])}"
            f"高于{budget_label}{fmt_num(row['budget'])}，如为年中追加请核实依据",
            actual=row["actual"],
            threshold=row["budget"],
            anchor=("figure", "spending", row["row"], "actual"),
        )
