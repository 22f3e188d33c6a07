"""Families D and E: checks across one department's forms, and 附件1's derived indicators."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd

from xltool.forms.layouts import FORMS
from xltool.model.names import normalise_department
from xltool.model.records import Finding
from xltool.model.rounding import fmt_num, fmt_rate
from xltool.rules.engine import Context, rule

# The derived indicators of family E, each with how it is computed (shown under the scored 附件1).
DERIVED = {
    "在职人员控制率": "实际在职人数÷编制数",
    "三公经费变动率": "（本年决算数−上年决算数）÷上年决算数",
    "三公经费控制率": "三公经费决算数÷预算数",
    "公用经费控制率": "公用经费决算数÷预算数",
    "政府采购执行率": "政府采购决算数÷预算数",
    "预算调整率": "（附件2全年预算数−年初预算数）÷年初预算数",
}


def _first_sid(ctx: Context, kind: str) -> pd.Series:
    """Department key → the sid of its first sheet of a kind (built once per chunk and kind)."""
    key = ("first_sid", kind)
    if key not in ctx.memo:
        sheets = ctx.frames.sheets
        ctx.memo[key] = sheets[sheets["kind"] == kind].groupby("dept")["sid"].first()
    return ctx.memo[key]


def _cell(ctx: Context, sid: int, block: str, row: str, column: str) -> tuple[float, str]:
    return ctx.figure_lookup.get((sid, block, row, column), (math.nan, ""))


def _float(value: object) -> float:
    """A frame cell as a float (NaN when it holds no number)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _ratio(num: float, den: float) -> float:
    return num / den if den and not math.isnan(den) and den != 0 and not math.isnan(num) else math.nan


def derived_indicators(ctx: Context) -> pd.DataFrame:
    """Per department: the derived indicators of rules.md family E (fractions; NaN when not computable)."""
    if ("derived",) not in ctx.memo:
        ctx.memo[("derived",)] = _derived(ctx)
    return ctx.memo[("derived",)]


def _derived(ctx: Context) -> pd.DataFrame:
    basic = _first_sid(ctx, "basic_data")
    dept_table = _first_sid(ctx, "department")
    budget = ctx.budget[["full_year", "initial"]].to_dict("index")
    rows = []
    for dept in sorted(set(basic.index) | set(dept_table.index)):
        record: dict[str, object] = {"dept": dept}
        sid = basic.get(dept)
        if sid is not None:

            def get(row: str, col: str, sid: int = int(sid)) -> float:
                return _cell(ctx, sid, "spending" if row != "staff" else "staff", row, col)[0]

            record["在职人员控制率"] = _ratio(get("staff", "actual"), get("staff", "authorized"))
            prior = get("three_public", "prior_actual")
            record["三公经费变动率"] = _ratio(get("three_public", "actual") - prior, prior)
            record["三公经费控制率"] = _ratio(get("three_public", "actual"), get("three_public", "budget"))
            record["公用经费控制率"] = _ratio(get("public_funds", "actual"), get("public_funds", "budget"))
            record["政府采购执行率"] = _ratio(get("procurement", "actual"), get("procurement", "budget"))
        dsid = dept_table.get(dept)
        if dsid is not None and dsid in budget:
            line = budget[dsid]
            record["预算调整率"] = _ratio(line["full_year"] - line["initial"], line["initial"])
        rows.append(record)
    frame = pd.DataFrame(rows, columns=["dept", *DERIVED])
    return frame.set_index("dept")


def _basic_findings(
    ctx: Context, rule_id: str, row: str, num_col: str, den_col: str, message: str
) -> Iterator[Finding]:
    """附件1 ratio warnings: numerator above denominator."""
    for _dept, sid in _first_sid(ctx, "basic_data").items():
        num, cell = _cell(ctx, int(sid), "spending" if row != "staff" else "staff", row, num_col)
        den, _ = _cell(ctx, int(sid), "spending" if row != "staff" else "staff", row, den_col)
        if math.isnan(num) or math.isnan(den) or den <= 0 or num <= den + ctx.profile.amount_tolerance:
            continue
        yield ctx.finding(
            rule_id,
            int(sid),
            cell,
            message.format(num=fmt_num(num), den=fmt_num(den), rate=fmt_rate(num / den)),
            actual=num,
            threshold=den,
            anchor=("figure", "spending" if row != "staff" else "staff", row, num_col),
        )


@rule("E-STAFF-OVER")
def staff_over(ctx: Context) -> Iterator[Finding]:
    """More staff than the authorised establishment."""
    yield from _basic_findings(
        ctx,
        "E-STAFF-OVER",
        "staff",
        "actual",
        "authorized",
        "实际在职人数{num}超过编制数{den}，在职人员控制率{rate}，超过100%",
    )


@rule("E-THREE-PUBLIC-GROWTH")
def three_public_growth(ctx: Context) -> Iterator[Finding]:
    """三公经费 above last year's."""
    for _dept, sid in _first_sid(ctx, "basic_data").items():
        prior, _ = _cell(ctx, int(sid), "spending", "three_public", "prior_actual")
        actual, cell = _cell(ctx, int(sid), "spending", "three_public", "actual")
        if (
            math.isnan(prior)
            or math.isnan(actual)
            or prior <= 0
            or actual <= prior + ctx.profile.amount_tolerance
        ):
            continue
        yield ctx.finding(
            "E-THREE-PUBLIC-GROWTH",
            int(sid),
            cell,
            f"“三公经费”本年决算数{fmt_num(actual)}高于上年决算数{fmt_num(prior)}，"
            f"变动率{fmt_rate((actual - prior) / prior)}；请说明增长原因",
            actual=actual,
            threshold=prior,
            anchor=("figure", "spending", "three_public", "actual"),
        )


@rule("E-THREE-PUBLIC-CONTROL")
def three_public_control(ctx: Context) -> Iterator[Finding]:
    """三公经费 spent above budget."""
    yield from _basic_findings(
        ctx,
        "E-THREE-PUBLIC-CONTROL",
        "three_public",
        "actual",
        "budget",
        "“三公经费”决算数{num}超过预算数{den}，控制率{rate}",
    )


@rule("E-PUBLIC-FUNDS-CONTROL")
def public_funds_control(ctx: Context) -> Iterator[Finding]:
    """公用经费 spent above budget."""
    yield from _basic_findings(
        ctx,
        "E-PUBLIC-FUNDS-CONTROL",
        "public_funds",
        "actual",
        "budget",
        "公用经费决算数{num}超过预算数{den}，控制率{rate}",
    )


@rule("D-PART-EXCEEDS-WHOLE")
def projects_over_department(ctx: Context) -> Iterator[Finding]:
    """A part (附件1 项目支出) larger than the whole (附件2 年初预算)."""
    basic, dept_table = _first_sid(ctx, "basic_data"), _first_sid(ctx, "department")
    for dept in basic.index.intersection(dept_table.index):
        sid, dsid = int(basic[dept]), int(dept_table[dept])
        projects, cell = _cell(ctx, sid, "spending", "projects", "budget")
        if dsid not in ctx.budget.index:
            continue
        whole = _float(ctx.budget.loc[dsid, "initial"])
        if math.isnan(projects) or math.isnan(whole) or projects <= whole + ctx.profile.amount_tolerance:
            continue
        yield ctx.finding(
            "D-PART-EXCEEDS-WHOLE",
            sid,
            cell,
            f"附件1项目支出预算数{fmt_num(projects)}超过附件2年度资金总额年初预算数{fmt_num(whole)}"
            f"（部分不能大于整体）；请核对两表口径",
            actual=projects,
            threshold=whole,
            anchor=("figure", "spending", "projects", "budget"),
        )


def _by_use(ctx: Context, dsid: int, item: str) -> tuple[float, str]:
    return _cell(ctx, dsid, "by_use", item, "value")


@rule("D-PROJECTS-ACTUAL")
def projects_actual(ctx: Context) -> Iterator[Finding]:
    """附件1 项目支出 决算 against 附件2 项目支出 when the 附件2 block is in 执行 terms."""
    basic, dept_table = _first_sid(ctx, "basic_data"), _first_sid(ctx, "department")
    tol = ctx.profile.amount_tolerance
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
            yield ctx.finding(
                "D-PROJECTS-ACTUAL",
                sid,
                cell,
                f"附件1项目支出决算数{fmt_num(actual)}与附件2按支出性质分的项目支出{fmt_num(projects)}不一致",
                expected=projects,
                actual=actual,
                anchor=("figure", "spending", "projects", "actual"),
            )


@rule("D-PROJECT-SUM")
def project_sum(ctx: Context) -> Iterator[Finding]:
    """附件3 projects adding up to more than the department's 项目支出."""
    dept_table = _first_sid(ctx, "department")
    sheets = ctx.frames.sheets
    projects = sheets.loc[sheets["kind"] == "project", ["sid", "dept"]]
    projects = projects[projects["dept"].isin(dept_table.index)]
    if projects.empty:
        return
    executed = ctx.budget["executed"].reindex(projects["sid"]).fillna(0).to_numpy()
    per_department = projects.assign(executed=executed).groupby("dept")["executed"].agg(["sum", "count"])
    for dept, total, count in zip(
        per_department.index, per_department["sum"], per_department["count"], strict=True
    ):
        dsid = int(dept_table[dept])
        whole, cell = _by_use(ctx, dsid, "projects")
        if math.isnan(whole) or total <= whole + ctx.profile.amount_tolerance * count:
            continue
        yield ctx.finding(
            "D-PROJECT-SUM",
            dsid,
            cell,
            f"附件3共{count}个项目全年执行数合计{fmt_num(total)}，超过附件2项目支出{fmt_num(whole)}",
            actual=float(total),
            threshold=whole,
            anchor=("figure", "by_use", "projects", "value"),
        )


@rule("D-DEPARTMENT-NAME")
def department_name(ctx: Context) -> Iterator[Finding]:
    """Forms whose stated department is not the department they were grouped with."""
    sheets = ctx.frames.sheets
    for row in ctx.rows(sheets[sheets["kind"] != "department"]):
        stated = normalise_department(row["name"]) if row["name"] else ""
        if stated == row["dept"]:
            continue
        what = FORMS[row["kind"]].field_("department").term.text
        text = f"“{row['name']}”" if row["name"] else "未填写"
        yield ctx.finding(
            "D-DEPARTMENT-NAME",
            row["sid"],
            row["name_cell"],
            f"{what}{text}，与同一部门其他表格的“{row['dept']}”不一致；请填写部门全称",
            expected=row["dept"],
            actual=row["name"],
            anchor=("text", "department"),
        )


@rule("D-YEAR")
def year_mismatch(ctx: Context) -> Iterator[Finding]:
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
    for row in ctx.rows(odd):
        # The reader keeps the title's cell (or, with no title, the year's): the year line
        # （2022年度） qualifies the title, so that is where the finding points.
        title_cell = ctx.frames.forms[int(row["sid"])].title_cell if ctx.frames.forms else None
        main_of = int(main_year[row["dept"]])
        yield ctx.finding(
            "D-YEAR",
            row["sid"],
            title_cell or "A1",
            f"本表年度为{row['year']}年，同一部门其他表格为{main_of}年；请核实年度",
            expected=main_of,
            actual=row["year"],
        )


@rule("D-MISSING-FORM")
def missing_form(ctx: Context) -> Iterator[Finding]:
    """Departments without one of the three forms."""
    names = {
        "basic_data": "附件1 部门整体支出绩效评价基础数据表",
        "department": "附件2 部门整体支出绩效自评表",
        "project": "附件3 项目支出绩效自评表",
    }
    sheets = ctx.frames.sheets
    for _dept, group in sheets.groupby("dept"):
        kinds = set(group["kind"])
        first = int(group["sid"].iloc[0])
        for kind, name in names.items():
            if kind not in kinds:
                yield ctx.finding("D-MISSING-FORM", first, "A1", f"本部门未提交{name}，相关跨表核对未能进行")
