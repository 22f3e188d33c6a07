"""Families D and E: checks across one department's forms, and 附件1's derived indicators."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORM_NAMES, FORMS
from xltool.model.names import normalise_department
from xltool.rules.compare import above
from xltool.rules.derived import first_sids
from xltool.rules.engine import Context, Flagged, rule


def _first_sid(ctx: Context, kind: str) -> pd.Series:
    """Department key → the sid of its first sheet of a kind (built once per chunk and kind)."""
    key = ("first_sid", kind)
    if key not in ctx.memo:
        ctx.memo[key] = first_sids(ctx.frames, kind)
    return ctx.memo[key]


def _cell(ctx: Context, sid: int, block: str, row: str, column: str) -> tuple[float, str]:
    return ctx.figure_lookup.get((sid, block, row, column), (math.nan, ""))


def _float(value: object) -> float:
    """A frame cell as a float (NaN when it holds no number)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def derived_indicators(ctx: Context) -> pd.DataFrame:
    """Per department: the derived indicators of rules.md family E (fractions; NaN when not computable)."""
    return ctx.derived


def _over(ctx: Context, row: str, num_col: str, den_col: str) -> Iterator[Flagged]:
    """附件1 figures above the figure they are measured against (staff, spending against budget)."""
    block = "spending" if row != "staff" else "staff"
    rows = []
    for sid in _first_sid(ctx, "basic_data"):
        num, cell = _cell(ctx, int(sid), block, row, num_col)
        den, _ = _cell(ctx, int(sid), block, row, den_col)
        if den > 0 and above(num, den, ctx.profile.amount_tolerance):
            rows.append({"sid": sid, "cell": cell, "num": num, "den": den, "rate": num / den})
    yield Flagged(rows, cell="cell", anchor=("figure", block, row, num_col), actual="num", threshold="den")


@rule("E-STAFF-OVER")
def staff_over(ctx: Context) -> Iterator[Flagged]:
    """More staff than the authorised establishment."""
    yield from _over(ctx, "staff", "actual", "authorized")


@rule("E-THREE-PUBLIC-GROWTH")
def three_public_growth(ctx: Context) -> Iterator[Flagged]:
    """三公经费 above last year's."""
    rows = []
    for sid in _first_sid(ctx, "basic_data"):
        prior, _ = _cell(ctx, int(sid), "spending", "three_public", "prior_actual")
        actual, cell = _cell(ctx, int(sid), "spending", "three_public", "actual")
        if prior > 0 and above(actual, prior, ctx.profile.amount_tolerance):
            rows.append(
                {"sid": sid, "cell": cell, "num": actual, "den": prior, "change": (actual - prior) / prior}
            )
    yield Flagged(
        rows,
        cell="cell",
        anchor=("figure", "spending", "three_public", "actual"),
        actual="num",
        threshold="den",
    )


@rule("E-THREE-PUBLIC-CONTROL")
def three_public_control(ctx: Context) -> Iterator[Flagged]:
    """三公经费 spent above budget."""
    yield from _over(ctx, "three_public", "actual", "budget")


@rule("E-PUBLIC-FUNDS-CONTROL")
def public_funds_control(ctx: Context) -> Iterator[Flagged]:
    """公用经费 spent above budget."""
    yield from _over(ctx, "public_funds", "actual", "budget")


@rule("D-PART-EXCEEDS-WHOLE")
def projects_over_department(ctx: Context) -> Iterator[Flagged]:
    """A part (附件1 项目支出) larger than the whole (附件2 年初预算)."""
    basic, dept_table = _first_sid(ctx, "basic_data"), _first_sid(ctx, "department")
    rows = []
    for dept in basic.index.intersection(dept_table.index):
        sid, dsid = int(basic[dept]), int(dept_table[dept])
        projects, cell = _cell(ctx, sid, "spending", "projects", "budget")
        if dsid not in ctx.budget.index:
            continue
        whole = _float(ctx.budget.loc[dsid, "initial"])
        if above(projects, whole, ctx.profile.amount_tolerance):
            rows.append({"sid": sid, "cell": cell, "projects": projects, "whole": whole})
    yield Flagged(
        rows,
        cell="cell",
        anchor=("figure", "spending", "projects", "budget"),
        actual="projects",
        threshold="whole",
    )


def _by_use(ctx: Context, dsid: int, item: str) -> tuple[float, str]:
    return _cell(ctx, dsid, "by_use", item, "value")


@rule("D-PROJECTS-ACTUAL")
def projects_actual(ctx: Context) -> Iterator[Flagged]:
    """附件1 项目支出 决算 against 附件2 项目支出 when the 附件2 block is in 执行 terms."""
    basic, dept_table = _first_sid(ctx, "basic_data"), _first_sid(ctx, "department")
    tol = ctx.profile.amount_tolerance
    rows = []
    for dept in basic.index.intersection(dept_table.index):
        sid, dsid = int(basic[dept]), int(dept_table[dept])
        actual, cell = _cell(ctx, sid, "spending", "projects", "actual")
        projects, _ = _by_use(ctx, dsid, "projects")
        basic_use, _ = _by_use(ctx, dsid, "basic")
        if dsid not in ctx.budget.index or math.isnan(actual) or math.isnan(projects):
            continue
        executed = _float(ctx.budget.loc[dsid, "executed"])
        in_execution_terms = abs(np.nan_to_num(basic_use) + projects - executed) <= 3 * tol
        if in_execution_terms and abs(actual - projects) > 2 * tol:
            rows.append({"sid": sid, "cell": cell, "actual": actual, "projects": projects})
    yield Flagged(
        rows,
        cell="cell",
        anchor=("figure", "spending", "projects", "actual"),
        expected="projects",
        actual="actual",
    )


@rule("D-PROJECT-SUM")
def project_sum(ctx: Context) -> Iterator[Flagged]:
    """附件3 projects adding up to more than the department's 项目支出."""
    dept_table = _first_sid(ctx, "department")
    sheets = ctx.frames.sheets
    projects = sheets.loc[sheets["kind"] == "project", ["sid", "dept"]]
    projects = projects[projects["dept"].isin(dept_table.index)]
    if projects.empty:
        return
    executed = ctx.budget["executed"].reindex(projects["sid"]).fillna(0).to_numpy()
    per_department = projects.assign(executed=executed).groupby("dept")["executed"].agg(["sum", "count"])
    rows = []
    for dept, total, count in zip(
        per_department.index, per_department["sum"], per_department["count"], strict=True
    ):
        dsid = int(dept_table[dept])
        whole, cell = _by_use(ctx, dsid, "projects")
        if above(total, whole, ctx.profile.amount_tolerance * count):
            rows.append({"sid": dsid, "cell": cell, "count": count, "total": float(total), "whole": whole})
    yield Flagged(
        rows, cell="cell", anchor=("figure", "by_use", "projects", "value"), actual="total", threshold="whole"
    )


@rule("D-DEPARTMENT-NAME")
def department_name(ctx: Context) -> Iterator[Flagged]:
    """Forms whose stated department is not the department they were grouped with."""
    sheets = ctx.frames.sheets
    others = sheets[sheets["kind"] != "department"]
    stated = [normalise_department(name) if name else "" for name in others["name"]]
    yield Flagged(
        others[np.array([s != dept for s, dept in zip(stated, others["dept"], strict=True)], dtype=bool)],
        cell="name_cell",
        anchor=("text", "department"),
        expected="dept",
        actual="name",
        fields={
            "field": lambda row: FORMS[row["kind"]].field_("department").term.text,
            "stated": lambda row: f"“{row['name']}”" if row["name"] else "未填写",
        },
    )


@rule("D-YEAR")
def year_mismatch(ctx: Context) -> Iterator[Flagged]:
    """Forms of one department that state different years."""
    sheets = ctx.frames.sheets
    known = sheets.loc[sheets["year"] > 0, ["sid", "dept", "year"]]
    counts = known.groupby(["dept", "year"])["sid"].agg(["size", "min"]).reset_index()
    several = counts[counts.duplicated("dept", keep=False)]
    if several.empty:
        return
    # The department's main year: the most common, on a tie the one its first form states.
    order = ["dept", "size", "min"]
    main = several.sort_values(order, ascending=[True, False, True]).drop_duplicates("dept")
    main_year = dict(zip(main["dept"], main["year"], strict=True))
    odd = known[known["dept"].isin(main_year.keys())]
    odd = odd[odd["year"].to_numpy() != odd["dept"].map(main_year).to_numpy()]
    # The reader keeps the title's cell (or, with no title, the year's): the year line （2022年度）
    # qualifies the title, so that is where the finding points.
    forms = ctx.frames.forms
    yield Flagged(
        odd.assign(
            title_cell=[forms[int(sid)].title_cell if forms else None for sid in odd["sid"]],
            main_year=[int(main_year[dept]) for dept in odd["dept"]],
        ),
        cell="title_cell",
        expected="main_year",
        actual="year",
    )


@rule("D-MISSING-FORM")
def missing_form(ctx: Context) -> Iterator[Flagged]:
    """Departments without one of the three forms."""
    sheets = ctx.frames.sheets
    present = set(zip(sheets["dept"], sheets["kind"], strict=True))
    first = sheets.groupby("dept", sort=True)["sid"].first()  # each department's first sheet
    yield Flagged(
        (
            {"sid": int(sid), "form": name}
            for dept, sid in first.items()
            for kind, name in FORM_NAMES.items()
            if (dept, kind) not in present
        ),
        cell="cell",
    )
