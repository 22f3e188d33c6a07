"""Family A: arithmetic inside a form — totals, stated rates and scores, weights."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS, FormLayout, Grid, Total, resolve
from xltool.model.magnitude import is_magnitude_problem, shown
from xltool.model.records import Finding
from xltool.model.rounding import fmt_num, fmt_rate, stated_precision_tolerance
from xltool.rules.computed import unevaluated_score
from xltool.rules.engine import Context, rule
from xltool.rules.frames import grouped as frame_groups


def column_name(ctx: Context, sid: int, grid: Grid, column: str) -> str:
    """A grid column's printed label, with the sheet's year filled in (2022年预算数)."""
    year = ctx.sheet(sid)["year"]
    return resolve(grid.column(column).term.text, None if year < 0 else int(year)).strip()


# Every declared total of the three forms; its position is its ``tid`` in the chunk's total frames.
TOTALS: tuple[tuple[FormLayout, Grid, Total], ...] = tuple(
    (layout, grid, total) for layout in FORMS.values() for grid in layout.grids for total in grid.totals
)
_EXTRA = re.compile(r"_extra_\d+$")  # rows a department added under a total: <total>_extra_<n>
# The 其中 rows of the 项目资金 block: each may state an execution rate of its own.
PART_ROWS = tuple(r.key for r in FORMS["project"].grid("budget").rows[1:])


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
TOTAL_COLUMNS = ["sid", "column", "sum", "count", "value", "cell", "raw"]


def _total_frame(ctx: Context, tid: int) -> pd.DataFrame:
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
    out = summed.join(head[["value", "cell", "raw"]], how="left")
    # A part (or the total) that cannot be read as a number leaves the sum unknown: A-UNREADABLE
    # reports that cell, and no sum is checked against a partial addition.
    unreadable = linked.loc[linked["problem"] != "", ["tid", "sid", "column"]]
    known = ~out.index.isin(pd.MultiIndex.from_frame(unreadable))
    out = out[(out["count"] > 0) & known].reset_index()
    tids = out["tid"].to_numpy()
    return {int(tid): out[tids == tid].drop(columns="tid").reset_index(drop=True) for tid in np.unique(tids)}


@rule("A-SUM-PARTS")
def sum_of_parts(ctx: Context) -> Iterator[Finding]:
    """Totals that differ from the sum of their parts."""
    tol = ctx.profile.amount_tolerance
    for tid, (_, grid, total) in enumerate(TOTALS):
        if total.partial:
            continue
        frame = _total_frame(ctx, tid)
        stated = frame["value"]
        bad = stated.notna() & (stated != 0) & ((stated - frame["sum"]).abs() > tol * frame["count"] + 1e-9)
        for row in ctx.rows(frame[bad]):
            col = column_name(ctx, row["sid"], grid, row["column"])
            yield ctx.finding(
                "A-SUM-PARTS",
                row["sid"],
                row["cell"],
                f"{total.label}{col}填报为{fmt_num(row['value'])}，按各分项合计应为{fmt_num(row['sum'])}",
                expected=row["sum"],
                actual=row["value"],
                anchor=("figure", grid.key, total.total, row["column"]),
            )


@rule("A-TOTAL-EMPTY")
def empty_total(ctx: Context) -> Iterator[Finding]:
    """Totals left empty or 0 beside filled parts."""
    for tid, (layout, grid, total) in enumerate(TOTALS):
        frame = _total_frame(ctx, tid)
        bad = (frame["value"].isna() | (frame["value"] == 0)) & (frame["sum"] != 0)
        for row in ctx.rows(frame[bad]):
            col = column_name(ctx, row["sid"], grid, row["column"])
            stated = "空" if pd.isna(row["value"]) else "0"
            cell = row["cell"] if isinstance(row["cell"], str) else ""
            yield ctx.finding(
                "A-TOTAL-EMPTY",
                row["sid"],
                cell,
                f"{total.label}{col}填报为{stated}，其中各项合计为{fmt_num(row['sum'])}，应填{fmt_num(row['sum'])}"
                + ("；执行率按分项合计计算" if layout.kind == "project" else ""),
                expected=row["sum"],
                actual=None if pd.isna(row["value"]) else row["value"],
                anchor=("figure", grid.key, total.total, row["column"]),
            )


@rule("A-PARTIAL-EXCEEDS")
def partial_exceeds(ctx: Context) -> Iterator[Finding]:
    """Partial breakdowns larger than their total."""
    tol = ctx.profile.amount_tolerance
    for tid, (_, grid, total) in enumerate(TOTALS):
        if not total.partial:
            continue
        frame = _total_frame(ctx, tid)
        bad = frame["value"].notna() & (frame["sum"] > frame["value"] + tol * frame["count"] + 1e-9)
        for row in ctx.rows(frame[bad]):
            col = column_name(ctx, row["sid"], grid, row["column"])
            yield ctx.finding(
                "A-PARTIAL-EXCEEDS",
                row["sid"],
                row["cell"],
                f"{total.label}{col}填报为{fmt_num(row['value'])}，其中列示各项合计{fmt_num(row['sum'])}已超过总数",
                threshold=row["sum"],
                actual=row["value"],
                anchor=("figure", grid.key, total.total, row["column"]),
            )


@rule("A-BLOCK-SUM")
def block_sums(ctx: Context) -> Iterator[Finding]:
    """附件2 breakdown blocks that match none of the 年度资金总额 figures."""
    tol = ctx.profile.amount_tolerance
    layout = FORMS["department"]
    budget = ctx.budget
    for block in layout.lists:
        items = ctx.frames.figure_table(block.key)
        items = items[items["value"].notna()]
        if items.empty:
            continue
        grouped = frame_groups(
            items, "sid", total=("value", "sum"), n=("value", "count"), cell=("cell", "first")
        )
        grouped = grouped.join(budget[["stated_initial", "stated_full_year", "stated_executed"]], how="inner")
        cols = ["stated_initial", "stated_full_year", "stated_executed"]
        diffs = np.abs(grouped[cols].to_numpy(dtype=float) - grouped[["total"]].to_numpy(dtype=float))
        limit = tol * (grouped["n"].to_numpy() + 1)[:, None] + 1e-9
        matched = np.nan_to_num(diffs, nan=np.inf) <= limit
        have_total = grouped[cols].notna().any(axis=1).to_numpy()
        bad = have_total & ~matched.any(axis=1)
        heading = block.heading.text if block.heading else block.key
        for row in ctx.rows(grouped[bad]):
            yield ctx.finding(
                "A-BLOCK-SUM",
                row["sid"],
                row["cell"],
                f"{heading}各项合计{fmt_num(row['total'])}，与年度资金总额的年初预算数{fmt_num(row['stated_initial'])}、"
                f"全年预算数{fmt_num(row['stated_full_year'])}、全年执行数{fmt_num(row['stated_executed'])}均不一致",
                expected=row["stated_executed"]
                if not pd.isna(row["stated_executed"])
                else row["stated_full_year"],
                actual=row["total"],
                anchor=("figure", block.key, block.items[0].key, "value"),
            )


def _rate_mismatch(stated: float, computed: float) -> bool:
    if math.isnan(stated) or math.isnan(computed):
        return False
    return abs(stated - computed) > stated_precision_tolerance(stated, 2)


@rule("A-RATE-STATED")
def stated_execution_rate(ctx: Context) -> Iterator[Finding]:
    """Stated 执行率 that the amounts do not give."""
    b = ctx.budget
    for row in ctx.rows(b[b["stated_rate"].notna() & b["rate"].notna()]):
        if not _rate_mismatch(row["stated_rate"], row["rate"]):
            continue
        yield ctx.finding(
            "A-RATE-STATED",
            row["sid"],
            row["rate_cell"],
            f"执行率填报为{fmt_rate(row['stated_rate'])}，按全年执行数{fmt_num(row['executed'])}÷"
            f"全年预算数{fmt_num(row['full_year'])}应为{fmt_rate(row['rate'])}",
            expected=round(row["rate"], 4),
            actual=row["stated_rate"],
            anchor=("figure", "budget", "total", "rate"),
        )
    # 其中 rows that state a rate of their own (当年财政拨款, and 上年结转资金 / 其他资金 where filled).
    parts = ctx.frames.figure_table("budget", PART_ROWS)
    if parts.empty:
        return
    wide = ctx.frames.lines("budget")
    if not {"rate", "full_year", "executed"} <= set(wide.columns):
        return
    wide = wide[wide.index.get_level_values("row").isin(PART_ROWS)].reset_index()
    labels = {r.key: r.term.text for r in FORMS["project"].grid("budget").rows}
    for row in ctx.rows(wide[wide["rate"].notna() & wide["executed"].notna() & (wide["full_year"] > 0)]):
        full, executed, stated = row["full_year"], row["executed"], row["rate"]
        computed = executed / full
        if _rate_mismatch(stated, computed):
            yield ctx.finding(
                "A-RATE-STATED",
                int(row["sid"]),
                str(row["rate_cell"]),
                f"{labels.get(row['row'], '')}执行率填报为{fmt_rate(stated)}，"
                f"按{fmt_num(executed)}÷{fmt_num(full)}应为{fmt_rate(computed)}",
                expected=round(computed, 4),
                actual=stated,
                anchor=("figure", "budget", row["row"], "rate"),
            )


@rule("A-RATIO-STATED")
def stated_ratios(ctx: Context) -> Iterator[Finding]:
    """附件1 rates that their two figures do not give."""
    layout = FORMS["basic_data"]
    for grid in layout.grids:
        for ratio in grid.ratios:
            rows = {ratio.row, ratio.numerator[0], ratio.denominator[0]}
            cols = [ratio.column, ratio.numerator[1], ratio.denominator[1]]
            fig = ctx.frames.figure_table(grid.key, sorted(rows))
            wide = ctx.frames.wide(grid.key, ratio.row, cols) if not fig.empty else None
            if wide is None or wide.empty:
                continue
            num, den, stated = wide[ratio.numerator[1]], wide[ratio.denominator[1]], wide[ratio.column]
            ok = stated.notna() & num.notna() & den.notna() & (den > 0)
            for row in ctx.rows(wide[ok]):
                computed = row[ratio.numerator[1]] / row[ratio.denominator[1]]
                if not _rate_mismatch(row[ratio.column], computed):
                    continue
                sid = int(row["sid"])
                num_label = column_name(ctx, sid, grid, ratio.numerator[1])
                den_label = column_name(ctx, sid, grid, ratio.denominator[1])
                yield ctx.finding(
                    "A-RATIO-STATED",
                    sid,
                    row[f"{ratio.column}_cell"],
                    f"{ratio.label}填报为{fmt_rate(row[ratio.column])}，按{num_label}{fmt_num(row[ratio.numerator[1]])}"
                    f"÷{den_label}{fmt_num(row[ratio.denominator[1]])}应为{fmt_rate(computed)}",
                    expected=round(computed, 4),
                    actual=row[ratio.column],
                    anchor=("figure", grid.key, ratio.row, ratio.column),
                )


@rule("B-EXEC-STATED")
def stated_budget_score(ctx: Context) -> Iterator[Finding]:
    """Stated budget 得分 that the execution rate does not give."""
    b = ctx.budget
    tol = ctx.profile.score_tolerance
    bad = b["stated_score"].notna() & ((b["stated_score"] - b["score"]).abs() > tol + 1e-9)
    for row in ctx.rows(b[bad]):
        basis = (
            f"按执行率{fmt_rate(row['rate'])}"
            if not pd.isna(row["rate"])
            else "全年预算数为空，执行率无法计算，"
        )
        yield ctx.finding(
            "B-EXEC-STATED",
            row["sid"],
            row["score_cell"],
            f"得分填报为{fmt_num(row['stated_score'])}，{basis}应为{fmt_num(row['score'])}",
            expected=row["score"],
            actual=row["stated_score"],
            anchor=("figure", "budget", "total", "score"),
        )


@rule("A-TOTAL-STATED")
def stated_total(ctx: Context) -> Iterator[Finding]:
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
    off_sum = (stated_total - stated_parts).abs() > tol + 1e-9
    off_rescaled = (stated_total - rescaled).abs() > tol + 1e-9
    bad = stated_total.notna() & ~b.index.isin(list(unreadable)) & off_sum & off_rescaled
    for sid in b.index[bad.to_numpy()]:
        total, summed, wanted = float(stated_total[sid]), float(stated_parts[sid]), float(rescaled[sid])
        basis = f"按填报的预算执行得分和各指标得分合计应为{fmt_num(summed)}"
        if dropped[sid] > 0:
            basis += f"，剔除不适用指标（分值{fmt_num(dropped[sid])}）后按100分折算应为{fmt_num(wanted)}"
        yield ctx.finding(
            "A-TOTAL-STATED",
            int(sid),
            str(sheets.loc[sid, "total_score_cell"]),
            f"总分填报为{fmt_num(total)}，{basis}",
            expected=wanted,
            actual=total,
            anchor=("total", "score"),
        )


@rule("A-WEIGHT-LEVEL1")
def level1_weights(ctx: Context) -> Iterator[Finding]:
    """Indicator weights that do not add up to their 一级 weight."""
    ind = ctx.frames.indicators
    if ind.empty:
        return
    tol = ctx.profile.score_tolerance
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
    defaults = ctx.profile.weights
    expected = grouped["declared"].fillna(grouped["key"].map(defaults))
    bad = expected.notna() & ((grouped["total"] - expected).abs() > tol + 1e-9)
    frame = grouped[bad].assign(expected=expected[bad]).reset_index()
    for row in ctx.rows(frame):
        yield ctx.finding(
            "A-WEIGHT-LEVEL1",
            int(row["sid"]),
            str(row["cell"]),
            f"{row['level1']}下各三级指标分值合计为{fmt_num(row['total'])}，应为{fmt_num(row['expected'])}",
            expected=float(row["expected"]),
            actual=float(row["total"]),
            anchor=("indicator", str(row["index"]), "weight"),
        )


@rule("A-WEIGHT-TOTAL")
def total_weight(ctx: Context) -> Iterator[Finding]:
    """Weights that do not add up to 100."""
    b = ctx.budget
    ind = ctx.frames.indicators
    weights = ind.groupby("sid")["weight"].sum().reindex(b.index).fillna(0)
    budget_weight = b["stated_weight"].fillna(ctx.profile.weights["budget"])
    total = weights + budget_weight
    sheets = ctx.frames.sheets.set_index("sid").loc[b.index]
    has_indicators = ind.groupby("sid").size().reindex(b.index).fillna(0) > 0
    bad = has_indicators & ((total - 100).abs() > ctx.profile.score_tolerance + 1e-9)
    for sid in b.index[bad.to_numpy()]:
        cell = sheets.loc[sid, "total_weight_cell"] or sheets.loc[sid, "total_score_cell"]
        yield ctx.finding(
            "A-WEIGHT-TOTAL",
            int(sid),
            str(cell),
            f"预算执行分值{fmt_num(budget_weight[sid])}与各指标分值合计为{fmt_num(total[sid])}，应为100",
            expected=100.0,
            actual=float(total[sid]),
            anchor=("total", "weight"),
        )
    stated = sheets["total_weight"]
    bad_stated = stated.notna() & ((stated - 100).abs() > 1e-9)
    for sid in b.index[bad_stated.to_numpy()]:
        yield ctx.finding(
            "A-WEIGHT-TOTAL",
            int(sid),
            str(sheets.loc[sid, "total_weight_cell"]),
            f"总分行的分值填报为{fmt_num(stated[sid])}，应为100",
            expected=100.0,
            actual=float(stated[sid]),
            anchor=("total", "weight"),
        )


@rule("A-SCORE-RANGE")
def score_range(ctx: Context) -> Iterator[Finding]:
    """Scores below 0 or above their weight."""
    ind = ctx.frames.indicators
    bad = ind["self_score"].notna() & (
        (ind["self_score"] < 0) | (ind["weight"].notna() & (ind["self_score"] > ind["weight"] + 1e-9))
    )
    for row in ctx.rows(ind[bad]):
        yield ctx.finding(
            "A-SCORE-RANGE",
            row["sid"],
            row["score_cell"],
            f"“{row['name']}”得分{fmt_num(row['self_score'])}不在0到分值{fmt_num(row['weight'])}之间",
            threshold=0.0 if row["self_score"] < 0 else row["weight"],
            actual=row["self_score"],
            anchor=("indicator", str(row["index"]), "score"),
        )


@rule("A-UNREADABLE")
def unreadable_numbers(ctx: Context) -> Iterator[Finding]:
    """Cells that should hold a number but hold text that is not one."""
    return unreadable_cells(ctx, "A-UNREADABLE", magnitude=False)


def unreadable_cells(ctx: Context, rule_id: str, magnitude: bool) -> Iterator[Finding]:
    """The cells whose problem is text that is no number, or (``magnitude``) a figure far too large."""
    fig = ctx.frames.figures
    flagged = fig[fig["problem"] != ""]
    for row in ctx.rows(flagged[flagged["problem"].map(is_magnitude_problem) == magnitude]):
        yield ctx.finding(
            rule_id,
            row["sid"],
            row["cell"],
            row["problem"],
            actual=shown(row["raw"]) if magnitude else row["raw"],  # 1e+308, not 309 digits
            anchor=("figure", row["block"], row["row"], row["column"]),
        )
    for sid, form in enumerate(ctx.frames.forms):
        for ind in form.indicators:
            for column, message in ind.problems:
                if is_magnitude_problem(message) != magnitude:
                    continue
                yield ctx.finding(
                    rule_id,
                    sid,
                    ind.cells.get(column, ""),
                    message,
                    anchor=("indicator", str(ind.index), column),
                )
