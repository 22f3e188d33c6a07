"""Family B: budget against actuals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS
from xltool.rules.compare import above
from xltool.rules.engine import Context, Flagged, rule
from xltool.rules.grids import column_name

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
def executed_over_budget(ctx: Context) -> Iterator[Flagged]:
    """Execution above the full-year budget, per row of the 项目资金 / 年度资金 block."""
    wide = _lines(ctx, "budget", ("initial", "full_year", "executed"))
    # A row with no budget at all is B-UNBUDGETED (a warning), not reported twice on one cell.
    bad = (
        wide["full_year"].notna()
        & above(wide["executed"], wide["full_year"], ctx.profile.amount_tolerance)
        & ~_no_budget(wide["initial"], wide["full_year"])
    )
    labels = {r.key: r.term.text for r in FORMS["project"].grid("budget").rows}
    yield Flagged(
        wide[bad],
        cell="executed_cell",
        anchor=("figure", "budget", "{row}", "executed"),
        actual="executed",
        threshold="full_year",
        fields={"row_label": lambda row: labels.get(row["row"], "")},
    )


@rule("B-EXEC-LOW")
def low_execution(ctx: Context) -> Iterator[Flagged]:
    """Execution rates below the profile's threshold."""
    b = ctx.budget
    limit = ctx.profile.low_execution_rate
    yield Flagged(
        b[b["rate"] < limit],
        cell=("executed_cell", "rate_cell"),
        anchor=("figure", "budget", "total", "executed"),
        actual=lambda row: round(row["rate"], 4),
        threshold=limit,
        fields={"limit": limit},
    )


@rule("B-EXEC-LOW-LINE")
def low_line_execution(ctx: Context) -> Iterator[Flagged]:
    """附件1 rows whose 决算数 falls far below their 预算数 (公用经费 at 43.5 %, 政府采购 at 77.9 %)."""
    limit = ctx.profile.low_line_execution_rate
    wide = _lines(ctx, "spending", ("budget", "actual"))
    wide = wide[wide["row"].isin(LINE_ROWS)]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = wide["actual"] / wide["budget"]
    bad = (wide["budget"] > 0) & wide["actual"].notna() & (rate < limit)
    yield Flagged(
        wide[bad].assign(rate=rate[bad]),
        cell="actual_cell",
        anchor=("figure", "spending", "{row}", "actual"),
        actual="actual",
        # The bound the 决算数 fell below: 预算数 × the limit.
        threshold=lambda row: row["budget"] * limit,
        fields={**_spending_labels(ctx), "limit": limit},
    )


@rule("B-ADJUSTMENT")
def large_adjustment(ctx: Context) -> Iterator[Flagged]:
    """A full-year budget far from the initial one."""
    b = ctx.budget
    limit = ctx.profile.adjustment_limit
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (b["full_year"] - b["initial"]) / b["initial"]
    bad = (b["initial"] > 0) & b["full_year"].notna() & (change.abs() > limit)
    yield Flagged(
        b[bad].assign(change=change[bad]),
        cell="full_year_cell",
        anchor=("figure", "budget", "total", "full_year"),
        actual="full_year",
        # The bound the full-year budget crossed: 年初预算数 × (1 ± the limit).
        threshold=lambda row: row["initial"] * (1 + limit if row["change"] > 0 else 1 - limit),
        fields={"limit": limit},
    )


def _spending_labels(ctx: Context) -> dict[str, object]:
    """附件1 spending-row label and its year-qualified 预算数 / 决算数 column labels, per flagged row."""
    grid = FORMS["basic_data"].grid("spending")
    return {
        "row_label": lambda row: _row_label(row["row"]),
        "actual_label": lambda row: column_name(ctx, int(row["sid"]), grid, "actual"),
        "budget_label": lambda row: column_name(ctx, int(row["sid"]), grid, "budget"),
    }


@rule("B-UNBUDGETED")
def unbudgeted(ctx: Context) -> Iterator[Flagged]:
    """Money executed with no budget line."""
    budget = _lines(ctx, "budget", ("initial", "full_year", "executed"))
    none = _no_budget(budget["initial"], budget["full_year"])
    yield Flagged(
        budget[none & (budget["executed"] > 0)],
        cell="executed_cell",
        anchor=("figure", "budget", "{row}", "executed"),
        actual="executed",
    )
    spending = _lines(ctx, "spending", ("budget", "actual"))
    spending = spending[~spending["row"].isin(NOT_SPENDING_ROWS)]
    yield Flagged(
        spending[spending["budget"].fillna(0).eq(0) & (spending["actual"] > 0)],
        cell="actual_cell",
        anchor=("figure", "spending", "{row}", "actual"),
        actual="actual",
        variant="spending",
        fields=_spending_labels(ctx),
    )


def _row_label(row_key: str) -> str:
    grid = FORMS["basic_data"].grid("spending")
    for row in grid.rows:
        if row.key == row_key:
            return row.term.text
    return "专项"


@rule("B-ACTUAL-ABOVE-BUDGET")
def actual_above_budget(ctx: Context) -> Iterator[Flagged]:
    """附件1 rows whose 决算数 exceeds the 预算数 (三公经费 and 公用经费 are family E warnings)."""
    wide = _lines(ctx, "spending", ("budget", "actual"))
    wide = wide[~wide["row"].isin(CONTROLLED_ROWS)]
    bad = (wide["budget"] > 0) & above(wide["actual"], wide["budget"], ctx.profile.amount_tolerance)
    yield Flagged(
        wide[bad],
        cell="actual_cell",
        anchor=("figure", "spending", "{row}", "actual"),
        actual="actual",
        threshold="budget",
        fields=_spending_labels(ctx),
    )
