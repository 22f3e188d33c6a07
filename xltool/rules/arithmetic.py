"""Family A: arithmetic inside a form — totals, stated rates and scores, weights."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS, Grid, Total
from xltool.model.magnitude import is_magnitude_problem, shown
from xltool.model.rounding import fmt_rate, stated_precision_tolerance
from xltool.rules.compare import above, differs
from xltool.rules.computed import unevaluated_score
from xltool.rules.engine import Context, Flagged, rule
from xltool.rules.frames import grouped as frame_groups
from xltool.rules.grids import TOTALS, column_label, total_frame

# The 其中 rows of the 项目资金 block: each may state an execution rate of its own.
PART_ROWS = tuple(r.key for r in FORMS["project"].grid("budget").rows[1:])


def _total_figures(grid: Grid, total: Total) -> dict[str, object]:
    """Where a total's finding points (the stated total's cell) and how its message names it."""
    return {"cell": "cell", "anchor": ("figure", grid.key, total.total, "{column}")}


@rule("A-SUM-PARTS")
def sum_of_parts(ctx: Context) -> Iterator[Flagged]:
    """Totals that differ from the sum of their parts."""
    tol = ctx.profile.amount_tolerance
    for tid, (_, grid, total) in enumerate(TOTALS):
        if total.partial:
            continue
        frame = total_frame(ctx, tid)
        stated = frame["value"]
        bad = stated.notna() & (stated != 0) & differs(stated, frame["sum"], tol * frame["count"])
        yield Flagged(
            frame[bad],
            **_total_figures(grid, total),  # type: ignore[arg-type]
            expected="sum",
            actual="value",
            fields={"label": total.label, "column_label": column_label(ctx, grid)},
        )


@rule("A-TOTAL-EMPTY")
def empty_total(ctx: Context) -> Iterator[Flagged]:
    """Totals left empty or 0 beside filled parts."""
    for tid, (layout, grid, total) in enumerate(TOTALS):
        frame = total_frame(ctx, tid)
        bad = (frame["value"].isna() | (frame["value"] == 0)) & (frame["sum"] != 0)
        yield Flagged(
            frame[bad],
            **_total_figures(grid, total),  # type: ignore[arg-type]
            expected="sum",
            actual="value",
            fields={
                "label": total.label,
                "column_label": column_label(ctx, grid),
                "stated": lambda row: "空" if pd.isna(row["value"]) else "0",
                "note": "；执行率按分项合计计算" if layout.kind == "project" else "",
            },
        )


@rule("A-PARTIAL-EXCEEDS")
def partial_exceeds(ctx: Context) -> Iterator[Flagged]:
    """Partial breakdowns larger than their total."""
    tol = ctx.profile.amount_tolerance
    for tid, (_, grid, total) in enumerate(TOTALS):
        if not total.partial:
            continue
        frame = total_frame(ctx, tid)
        yield Flagged(
            frame[above(frame["sum"], frame["value"], tol * frame["count"])],
            **_total_figures(grid, total),  # type: ignore[arg-type]
            actual="value",
            threshold="sum",
            fields={"label": total.label, "column_label": column_label(ctx, grid)},
        )


@rule("A-BLOCK-SUM")
def block_sums(ctx: Context) -> Iterator[Flagged]:
    """附件2 breakdown blocks that match none of the 年度资金总额 figures."""
    tol = ctx.profile.amount_tolerance
    budget = ctx.budget
    cols = ["stated_initial", "stated_full_year", "stated_executed"]
    for block in FORMS["department"].lists:
        items = ctx.frames.figure_table(block.key)
        items = items[items["value"].notna()]
        if items.empty:
            continue
        grouped = frame_groups(
            items, "sid", total=("value", "sum"), n=("value", "count"), cell=("cell", "first")
        ).join(budget[cols], how="inner")
        diffs = np.abs(grouped[cols].to_numpy(dtype=float) - grouped[["total"]].to_numpy(dtype=float))
        limit = tol * (grouped["n"].to_numpy() + 1)[:, None] + 1e-9
        matched = np.nan_to_num(diffs, nan=np.inf) <= limit
        have_total = grouped[cols].notna().any(axis=1).to_numpy()
        yield Flagged(
            grouped[have_total & ~matched.any(axis=1)],
            cell="cell",
            anchor=("figure", block.key, block.items[0].key, "value"),
            # The figure the block should add up to: the 全年执行数, or the 全年预算数 without one.
            expected=lambda row: (
                row["stated_full_year"] if pd.isna(row["stated_executed"]) else row["stated_executed"]
            ),
            actual="total",
            fields={"heading": block.heading.text if block.heading else block.key},
        )


def _rate_mismatch(stated: float, computed: float) -> bool:
    if math.isnan(stated) or math.isnan(computed):
        return False
    return abs(stated - computed) > stated_precision_tolerance(stated, 2)


def _mismatched(stated: pd.Series, computed: pd.Series) -> np.ndarray:
    """Rates stated with a precision that the computed rate does not round to."""
    pairs = zip(stated.to_numpy(dtype=float), computed.to_numpy(dtype=float), strict=True)
    return np.array([_rate_mismatch(s, c) for s, c in pairs], dtype=bool)


@rule("A-RATE-STATED")
def stated_execution_rate(ctx: Context) -> Iterator[Flagged]:
    """Stated 执行率 that the amounts do not give."""
    b = ctx.budget
    yield Flagged(
        b[_mismatched(b["stated_rate"], b["rate"])],
        cell="rate_cell",
        anchor=("figure", "budget", "total", "rate"),
        expected=lambda row: round(row["rate"], 4),
        actual="stated_rate",
    )
    # 其中 rows that state a rate of their own (当年财政拨款, and 上年结转资金 / 其他资金 where filled).
    parts = ctx.frames.figure_table("budget", PART_ROWS)
    if parts.empty:
        return
    wide = ctx.frames.lines("budget")
    if not {"rate", "full_year", "executed"} <= set(wide.columns):
        return
    wide = wide[wide.index.get_level_values("row").isin(PART_ROWS)].reset_index()
    frame = wide.assign(computed=wide["executed"] / wide["full_year"].where(wide["full_year"] > 0))
    labels = {r.key: r.term.text for r in FORMS["project"].grid("budget").rows}
    yield Flagged(
        frame[_mismatched(frame["rate"], frame["computed"])],
        cell="rate_cell",
        anchor=("figure", "budget", "{row}", "rate"),
        expected=lambda row: round(row["computed"], 4),
        actual="rate",
        variant="part",
        fields={"row_label": lambda row: labels.get(row["row"], "")},
    )


@rule("A-RATIO-STATED")
def stated_ratios(ctx: Context) -> Iterator[Flagged]:
    """附件1 rates that their two figures do not give."""
    for grid in FORMS["basic_data"].grids:
        for ratio in grid.ratios:
            rows = {ratio.row, ratio.numerator[0], ratio.denominator[0]}
            (num_col, den_col), cols = (ratio.numerator[1], ratio.denominator[1]), [ratio.column]
            fig = ctx.frames.figure_table(grid.key, sorted(rows))
            wide = ctx.frames.wide(grid.key, ratio.row, [*cols, num_col, den_col]) if not fig.empty else None
            if wide is None or wide.empty:
                continue
            num, den = wide[num_col], wide[den_col].where(wide[den_col] > 0)
            frame = wide.assign(stated=wide[ratio.column], numerator=num, denominator=den, computed=num / den)
            yield Flagged(
                frame[_mismatched(frame["stated"], frame["computed"])].reset_index(),
                cell=f"{ratio.column}_cell",
                anchor=("figure", grid.key, ratio.row, ratio.column),
                expected=lambda row: round(row["computed"], 4),
                actual="stated",
                fields={
                    "label": ratio.label,
                    "numerator_label": column_label(ctx, grid, num_col),
                    "denominator_label": column_label(ctx, grid, den_col),
                },
            )


@rule("B-EXEC-STATED")
def stated_budget_score(ctx: Context) -> Iterator[Flagged]:
    """Stated budget 得分 that the execution rate does not give."""
    b = ctx.budget
    yield Flagged(
        b[differs(b["stated_score"], b["score"], ctx.profile.score_tolerance)],
        cell="score_cell",
        anchor=("figure", "budget", "total", "score"),
        expected="score",
        actual="stated_score",
        fields={
            "why": lambda row: (
                f"按执行率{fmt_rate(row['rate'])}"
                if not pd.isna(row["rate"])
                else "全年预算数为空，执行率无法计算，"
            )
        },
    )


@rule("A-TOTAL-STATED")
def stated_total(ctx: Context) -> Iterator[Flagged]:
    """A stated 总分 that its own stated parts do not add up to."""
    tol = ctx.profile.score_tolerance
    ind = ctx.frames.indicators
    na = (ind["tkind"] == "na") | (ind["akind"] == "na")
    parts = ind[~na].groupby("sid")["self_score"].sum(min_count=1)
    na_weight = ind[na].groupby("sid")["weight"].sum()
    b = ctx.budget
    sheets = ctx.frames.sheets.set_index("sid").loc[b.index]
    stated_parts = parts.reindex(b.index).fillna(0) + b["stated_score"].fillna(0)
    # With 不适用 indicators the 总分 is rescaled to 100 (rules.md): a form may state either the plain
    # sum of its 得分 or that sum rescaled; only a total equal to neither is flagged.
    dropped = na_weight.reindex(b.index).fillna(0)
    scale = np.where((dropped > 0) & (dropped < 100), 100 / (100 - dropped), 1.0)
    rescaled = stated_parts * scale
    stated_total = sheets["total_score"]
    # A 得分 that cannot be read as a number leaves the stated parts unknown (A-UNREADABLE says so).
    fig = ctx.frames.figures
    budget_score = (fig["block"] == "budget") & (fig["row"] == "total") & (fig["column"] == "score")
    unreadable = set(fig.loc[budget_score & (fig["problem"] != ""), "sid"])
    for sid, form in enumerate(ctx.frames.forms):
        if any(column == "score" for row in form.indicators for column, _ in row.problems):
            unreadable.add(sid)
        elif form.formula_cells and unevaluated_score(form):
            unreadable.add(sid)  # a 得分 formula without its result is not stated, never 0
    bad = (
        stated_total.notna()
        & ~b.index.isin(list(unreadable))
        & differs(stated_total, stated_parts, tol)
        & differs(stated_total, rescaled, tol)
    )
    yield Flagged(
        pd.DataFrame(
            {
                "cell": sheets["total_score_cell"].astype(str),
                "total": stated_total,
                "summed": stated_parts,
                "wanted": rescaled,
                "dropped": dropped,
            }
        )[bad.to_numpy()],
        cell="cell",
        anchor=("total", "score"),
        expected="wanted",
        actual="total",
        variant=lambda row: "rescaled" if row["dropped"] > 0 else "",
    )


@rule("A-WEIGHT-LEVEL1")
def level1_weights(ctx: Context) -> Iterator[Flagged]:
    """Indicator weights that do not add up to their 一级 weight."""
    ind = ctx.frames.indicators
    if ind.empty:
        return
    grouped = frame_groups(
        ind,
        ["sid", "level1"],
        sort=False,
        total=("weight", "sum"),
        declared=("level1_weight", "first"),
        key=("level1_key", "first"),
        cell=("weight_cell", "first"),
        index=("index", "first"),
    )
    # The weight a 一级 label declares (产出指标(50分)), else the profile's weight for it.
    expected = grouped["declared"].fillna(grouped["key"].map(ctx.profile.weights))
    bad = expected.notna() & differs(grouped["total"], expected, ctx.profile.score_tolerance)
    yield Flagged(
        grouped[bad].assign(expected=expected[bad]).reset_index(),
        cell="cell",
        anchor=("indicator", "{index}", "weight"),
        expected="expected",
        actual="total",
    )


@rule("A-WEIGHT-TOTAL")
def total_weight(ctx: Context) -> Iterator[Flagged]:
    """Weights that do not add up to 100."""
    b = ctx.budget
    ind = ctx.frames.indicators
    weights = ind.groupby("sid")["weight"].sum().reindex(b.index).fillna(0)
    budget_weight = b["stated_weight"].fillna(ctx.profile.weights["budget"])
    criteria = ind["criterion"].to_numpy() != ""
    if criteria.any():  # a table whose rows state their own 评价标准 (older Hunan) has no budget line
        own = ind.loc[criteria, "sid"].unique()
        budget_weight = budget_weight.where(~budget_weight.index.isin(own), 0.0)
    total = weights + budget_weight
    sheets = ctx.frames.sheets.set_index("sid").loc[b.index]
    has_indicators = ind.groupby("sid").size().reindex(b.index).fillna(0) > 0
    cells = sheets["total_weight_cell"].where(sheets["total_weight_cell"] != "", sheets["total_score_cell"])
    frame = pd.DataFrame({"cell": cells, "budget_weight": budget_weight, "total": total})
    yield Flagged(
        frame[(has_indicators & differs(total, 100, ctx.profile.score_tolerance)).to_numpy()],
        cell="cell",
        anchor=("total", "weight"),
        expected=100.0,
        actual="total",
    )
    stated = sheets["total_weight"]
    yield Flagged(
        sheets.assign(stated=stated)[(stated.notna() & differs(stated, 100)).to_numpy()],
        cell="total_weight_cell",
        anchor=("total", "weight"),
        expected=100.0,
        actual="stated",
        variant="stated",
    )


@rule("A-GRADE-STATED")
def stated_grade(ctx: Context) -> Iterator[Flagged]:
    """A grade written in the 总分 row that the stated 总分 does not give."""
    rows = []
    for sid, form in enumerate(ctx.frames.forms):
        stated, total = form.texts.get("grade"), form.total_score
        if stated is None or total is None or total.value is None:
            continue
        grade = ctx.profile.grade(float(total.value))
        if grade is not None and stated.value[:1] != grade:
            rows.append(
                {
                    "sid": sid,
                    "cell": stated.cell,
                    "stated": stated.value,
                    "grade": grade,
                    "total": float(total.value),
                }
            )
    yield Flagged(rows, cell="cell", anchor=("total", "score"), expected="grade", actual="stated")


@rule("A-SCORE-RANGE")
def score_range(ctx: Context) -> Iterator[Flagged]:
    """Scores below 0 or above their weight."""
    ind = ctx.frames.indicators
    score = ind["self_score"]
    bad = score.notna() & ((score < 0) | (ind["weight"].notna() & above(score, ind["weight"])))
    yield Flagged(
        ind[bad],
        cell="score_cell",
        anchor=("indicator", "{index}", "score"),
        actual="self_score",
        threshold=lambda row: 0.0 if row["self_score"] < 0 else row["weight"],
    )


@rule("A-UNREADABLE")
def unreadable_numbers(ctx: Context) -> Iterator[Flagged]:
    """Cells that should hold a number but hold text that is not one."""
    return unreadable_cells(ctx, magnitude=False)


def unreadable_cells(ctx: Context, magnitude: bool) -> Iterator[Flagged]:
    """The cells whose problem is text that is no number, or (``magnitude``) a figure far too large."""
    fig = ctx.frames.figures
    flagged = fig[fig["problem"] != ""]
    yield Flagged(
        flagged[flagged["problem"].map(is_magnitude_problem) == magnitude],
        cell="cell",
        anchor=("figure", "{block}", "{row}", "{column}"),
        actual=(lambda row: shown(row["raw"])) if magnitude else "raw",  # 1e+308, not 309 digits
    )
    yield Flagged(
        (
            {
                "sid": sid,
                "cell": ind.cells.get(column, ""),
                "problem": problem,
                "index": ind.index,
                "column": column,
            }
            for sid, form in enumerate(ctx.frames.forms)
            for ind in form.indicators
            for column, problem in ind.problems
            if is_magnitude_problem(problem) == magnitude
        ),
        cell="cell",
        anchor=("indicator", "{index}", "{column}"),
    )
