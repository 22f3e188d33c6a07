"""Generate filled 附件1/2/3 workbooks the way a department's finance officer submits them.

The figures are plain frozen dataclasses; every "stated" field holds what the file shows (a typed
number, a text such as ``"94.54%"``, or the cached value of a formula), so a reader can be tested
against the dataclass. ``taoyuan_2022()`` is the seed department (桃源县自然资源局, 2022);
``vary(dept, seed)`` derives a plausible other department with anomalies switched on at random.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

FILE_BASIC = "附件1 部门整体支出绩效评价基础数据表.xlsx"
FILE_DEPARTMENT = "附件2 部门整体支出绩效自评表.xlsx"
FILE_PROJECTS = "附件3 项目支出绩效自评表.xlsx"
CREATED = datetime(2023, 3, 31)

Stated = float | str | None
ComputedStyle = Literal["number", "formula", "text"]


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearAmounts:
    """One 附件1 row: {Y-1}年决算数, {Y}年预算数, {Y}年决算数 (万元; None = left blank)."""

    prev_final: float | None
    budget: float | None
    final: float | None


@dataclass(frozen=True)
class Building:
    """One completed building project in the 楼堂馆所控制情况 sub-grid."""

    approved_m2: float
    actual_m2: float
    budget: float
    actual: float


@dataclass(frozen=True)
class BasicData:
    """附件1 部门整体支出绩效评价基础数据表 as filled."""

    authorized_staff: int
    actual_staff: int
    control_rate: Stated
    sangong: YearAmounts
    car: YearAmounts
    car_purchase: YearAmounts
    car_running: YearAmounts
    abroad: YearAmounts
    reception: YearAmounts
    projects: YearAmounts
    project_items: tuple[tuple[str, YearAmounts], ...]
    public: YearAmounts
    office: YearAmounts
    utilities_travel: YearAmounts
    meeting_training: YearAmounts
    procurement: YearAmounts
    budget_adjustment: YearAmounts
    buildings: tuple[Building, ...] = ()
    thrift_measures: str = ""
    fill_date: str = ""
    formulas: bool = False
    control_rate_label: str = "控制率"
    abroad_label: str = "2、出国经费"
    adjustment_label: str = "部门基本支出预算调整"
    leading_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """One 三级指标 row of 附件2/附件3 as filled (texts verbatim, weight and score numbers)."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: float
    self_score: float
    reason: str = ""
    nature: str = ""


@dataclass(frozen=True)
class FundLine:
    """One row of the budget block: label, 年初预算数, 全年预算数, 全年执行数."""

    label: str
    initial: float | None
    full_year: float | None
    executed: float | None


@dataclass(frozen=True)
class DepartmentTable:
    """附件2 部门整体支出绩效自评表 as filled."""

    total: FundLine
    stated_rate: Stated
    stated_score: Stated
    income_general: float | None
    income_fund: float | None
    income_nontax: float | None
    income_other: float | None
    expense_basic: float | None
    expense_project: float | None
    goal_expected: str
    goal_actual: str
    indicators: tuple[Indicator, ...]
    stated_total: Stated
    weight: float = 10
    style: ComputedStyle = "number"
    name_label: str = "部门（单位）名称"
    leading_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectTable:
    """One 附件3 项目支出绩效自评表 sheet as filled."""

    name: str
    sheet_title: str
    supervisor: str
    implementer: str
    total: FundLine
    funds: tuple[FundLine, ...]
    stated_rate: Stated
    stated_score: Stated
    stated_sub_rate: Stated
    goal_expected: str
    goal_actual: str
    indicators: tuple[Indicator, ...]
    stated_total: Stated
    weight: float = 10
    style: ComputedStyle = "number"
    nature_column: bool = False
    leading_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class DepartmentFigures:
    """One department's three forms; ``anomalies`` lists the deliberate faults, for tests."""

    name: str
    year: int
    basic: BasicData | None
    department: DepartmentTable | None
    projects: tuple[ProjectTable, ...]
    instructions: tuple[str, ...] = ()
    anomalies: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------


def _ind(
    level1: str,
    level2: str,
    name: str,
    target: str,
    actual: str,
    weight: float,
    score: float | None = None,
    reason: str = "",
    nature: str = "",
) -> Indicator:
    """Build an indicator; the self score defaults to the full weight."""
    return Indicator(
        level1, level2, name, target, actual, weight, weight if score is None else score, reason, nature
    )


def _r2(x: float) -> float:
    """Round to 2 decimals (万元, points)."""
    return round(x + 0.0, 2)


def _rate(executed: float | None, full_year: float | None) -> float:
    """Execution rate rounded to 4 decimals, 0 when no budget."""
    if not full_year or executed is None:
        return 0.0
    return round(executed / full_year, 4)


def _score(rate: float, weight: float = 10) -> float:
    """Budget score min(rate, 1) × weight."""
    return _r2(min(rate, 1.0) * weight)


def _sum(values: Sequence[float | None]) -> float:
    """Sum ignoring blanks, rounded to 2 decimals."""
    return _r2(sum(v for v in values if v is not None))


def _num_text(x: float) -> str:
    """Format a number the way an officer types it (no trailing zeros)."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


_TARGET_RE = re.compile(r"^(?P<op>[≥≤=＞＜>]?)\s*(?P<num>\d+(?:\.\d+)?)(?P<unit>.*)$")


def _parse_target(text: str) -> tuple[str, float, str] | None:
    """Split ``≥700亩`` into (op, 700.0, 亩); None for qualitative texts."""
    m = _TARGET_RE.match(text.strip())
    if not m:
        return None
    return m["op"], float(m["num"]), m["unit"]


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


class _Styles:
    """The cell formats of one workbook."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base: dict[str, Any] = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.title = wb.add_format(
            {"font_name": "方正小标宋简体", "bold": True, "font_size": 16, "align": "center"}
        )
        self.subtitle = wb.add_format({"font_name": "宋体", "font_size": 11, "align": "center"})
        self.plain = wb.add_format({"font_name": "宋体", "font_size": 10})
        self.plain_right = wb.add_format({"font_name": "宋体", "font_size": 10, "align": "right"})
        self.note = wb.add_format({"font_name": "宋体", "font_size": 9, "text_wrap": True, "valign": "top"})
        self.head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True})
        self.label = wb.add_format({**base, "text_wrap": True})
        self.center = wb.add_format({**base, "align": "center", "text_wrap": True})
        self.text = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.money = wb.add_format({**base, "num_format": "0.00"})
        self.int = wb.add_format({**base, "num_format": "0", "align": "center"})
        self.pct = wb.add_format({**base, "num_format": "0.00%", "align": "center"})
        self.point = wb.add_format({**base, "num_format": "0.00", "align": "center"})
        self.info = wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})


def _new_workbook(path: Path) -> tuple[xlsxwriter.Workbook, _Styles]:
    """Open a workbook with fixed properties so reruns give identical bytes."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": CREATED, "author": "财务股", "title": path.stem})
    return wb, _Styles(wb)


def _put(ws: Worksheet, row: int, col: int, value: Stated, fmt: Format) -> None:
    """Write a number, a text or a formatted blank."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_number(row, col, value, fmt)


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value: Stated, fmt: Format) -> None:
    """Merge a range (or write one cell) with a value."""
    if (r1, c1) == (r2, c2):
        _put(ws, r1, c1, value, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, "", fmt)
        _put(ws, r1, c1, value, fmt)


def _rate_cell(ws: Worksheet, row: int, col: int, value: Stated, styles: _Styles) -> None:
    """Write a stated execution rate: a fraction as %, 95-style number, or text."""
    if isinstance(value, float | int) and not isinstance(value, bool) and value <= 2:
        ws.write_number(row, col, value, styles.pct)
    else:
        _put(ws, row, col, value, styles.point if value is not None else styles.center)


def _formula(ws: Worksheet, row: int, col: int, formula: str, value: Stated, fmt: Format) -> None:
    """Write a formula with its cached value (what Excel would have saved)."""
    cached: float | str = value if value is not None else 0
    ws.write_formula(row, col, formula, fmt, cached)


def _text_width(text: str) -> float:
    """Display width of a text in Excel character units (CJK counts about 1.9)."""
    return sum(1.9 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _row_height(cells: Sequence[tuple[str, float]], line: float = 13.5) -> float:
    """Row height that shows every (text, column width) pair wrapped in full."""
    lines = 1
    for text, width in cells:
        n = sum(max(1, -(-int(_text_width(part)) // max(1, int(width - 1)))) for part in text.split("\n"))
        lines = max(lines, n)
    return lines * line + 3


def _write_leading(ws: Worksheet, lines: tuple[str, ...], styles: _Styles) -> int:
    """Write optional lines above the title (``附件1``, a blank row); return the next row."""
    for i, line in enumerate(lines):
        if line:
            ws.write_string(i, 0, line, styles.plain)
    return len(lines)


def write_basic_data(path: Path, dept: DepartmentFigures) -> Path:
    """Write 附件1 部门整体支出绩效评价基础数据表."""
    b = dept.basic
    if b is None:
        raise ValueError(f"{dept.name}: no 附件1 figures")
    y = dept.year
    wb, s = _new_workbook(path)
    ws = wb.add_worksheet("基础数据表")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 6, 11)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    r = _write_leading(ws, b.leading_rows, s)
    ws.set_row(r, 30)
    ws.merge_range(r, 0, r, 6, "部门整体支出绩效评价基础数据表", s.title)
    r += 1
    ws.merge_range(r, 0, r, 3, f"填报单位：{dept.name}", s.plain)
    ws.merge_range(r, 5, r, 6, "单位：万元", s.plain_right)
    r += 1
    # 财政供养人员情况
    _merge(ws, r, 0, r + 1, 0, "财政供养人员情况", s.label)
    for col, text in ((1, "编制数"), (3, f"{y}年实际在职人数"), (5, b.control_rate_label)):
        ws.merge_range(r, col, r, col + 1, text, s.head)
    r += 1
    ws.merge_range(r, 1, r, 2, "", s.int)
    ws.write_number(r, 1, b.authorized_staff, s.int)
    ws.merge_range(r, 3, r, 4, "", s.int)
    ws.write_number(r, 3, b.actual_staff, s.int)
    ws.merge_range(r, 5, r, 6, "", s.pct)
    if b.formulas and isinstance(b.control_rate, float):
        _formula(ws, r, 5, f"=D{r + 1}/B{r + 1}", b.control_rate, s.pct)
    else:
        _rate_cell(ws, r, 5, b.control_rate, s)
    r += 1
    # 经费控制情况
    ws.write_string(r, 0, "经费控制情况", s.head)
    for col, text in ((1, f"{y - 1}年决算数"), (3, f"{y}年预算数"), (5, f"{y}年决算数")):
        ws.merge_range(r, col, r, col + 1, text, s.head)
    r += 1
    rows: dict[str, int] = {}

    def amounts(label: str, key: str, a: YearAmounts, parts: Sequence[str] = ()) -> None:
        """Write one amounts row; a total becomes a SUM formula in formula style."""
        nonlocal r
        ws.write_string(r, 0, label, s.label)
        rows[key] = r
        for col, v in ((1, a.prev_final), (3, a.budget), (5, a.final)):
            ws.merge_range(r, col, r, col + 1, "", s.money)
            if b.formulas and parts and v is not None:
                cells = "+".join(xl_rowcol_to_cell(rows[p], col) for p in parts)
                _formula(ws, r, col, f"={cells}", v, s.money)
            else:
                _put(ws, r, col, v, s.money)
        r += 1

    # the totals refer to rows below them: write parts' row numbers first
    order = ["sangong", "car", "car_purchase", "car_running", "abroad", "reception", "projects"]
    order += [f"item{i}" for i in range(len(b.project_items))]
    for i, key in enumerate(order):
        rows[key] = r + i
    amounts("三公经费", "sangong", b.sangong, ("car", "abroad", "reception"))
    amounts("1、公务用车购置和维护经费", "car", b.car, ("car_purchase", "car_running"))
    amounts("其中：公车购置", "car_purchase", b.car_purchase)
    amounts("      公车运行维护", "car_running", b.car_running)
    amounts(b.abroad_label, "abroad", b.abroad)
    amounts("3、公务接待", "reception", b.reception)
    items = tuple(f"item{i}" for i in range(len(b.project_items)))
    amounts("项目支出：", "projects", b.projects, items)
    for i, (label, a) in enumerate(b.project_items):
        amounts(label, f"item{i}", a)
    amounts("公用经费", "public", b.public)
    amounts("其中：办公经费", "office", b.office)
    amounts("      水费、电费、差旅费", "utilities", b.utilities_travel)
    amounts("      会议费、培训费", "meeting", b.meeting_training)
    amounts("政府采购金额", "procurement", b.procurement)
    amounts(b.adjustment_label, "adjustment", b.budget_adjustment)
    # 楼堂馆所
    n = max(1, len(b.buildings))
    ws.set_row(r, 30)
    _merge(ws, r, 0, r + n, 0, f"楼堂馆所控制情况（{y}年完工项目）", s.label)
    heads = (
        "批复规模（㎡）",
        "实际规模（㎡）",
        "规模控制率",
        "预算投资（万元）",
        "实际投资（万元）",
        "投资概算控制率",
    )
    for col, text in enumerate(heads, start=1):
        ws.write_string(r, col, text, s.head)
    r += 1
    if not b.buildings:
        ws.merge_range(r, 1, r, 6, "无", s.center)
        r += 1
    for bl in b.buildings:
        ws.write_number(r, 1, bl.approved_m2, s.money)
        ws.write_number(r, 2, bl.actual_m2, s.money)
        ws.write_number(r, 3, round(bl.actual_m2 / bl.approved_m2, 4), s.pct)
        ws.write_number(r, 4, bl.budget, s.money)
        ws.write_number(r, 5, bl.actual, s.money)
        ws.write_number(r, 6, round(bl.actual / bl.budget, 4), s.pct)
        r += 1
    ws.set_row(r, _row_height([(b.thrift_measures, 66)]))
    ws.write_string(r, 0, "厉行节约保障措施", s.label)
    ws.merge_range(r, 1, r, 6, b.thrift_measures, s.text)
    r += 1
    ws.set_row(r, 30)
    ws.merge_range(
        r,
        0,
        r,
        6,
        "说明：“项目支出”需要填报基本支出以外的所有项目支出情况，“公用经费”填报基本支出中的一般商品和服务支出。",
        s.note,
    )
    r += 2
    ws.write_string(r, 0, "填表人：", s.plain)
    ws.write_string(r, 1, f"填报日期：{b.fill_date}", s.plain)
    ws.write_string(r, 3, "联系电话：", s.plain)
    ws.write_string(r, 5, "单位负责人签字：", s.plain)
    wb.close()
    return path


def _indicator_rows(
    ws: Worksheet,
    r: int,
    c0: int,
    inds: Sequence[Indicator],
    nature: bool,
    s: _Styles,
    widths: Sequence[float],
) -> int:
    """Write indicator rows from column c0 (一级 and 二级 merged vertically); return the next row."""
    i = 0
    while i < len(inds):
        j = i
        while j + 1 < len(inds) and inds[j + 1].level1 == inds[i].level1:
            j += 1
        _merge(ws, r + i, c0, r + j, c0, inds[i].level1, s.center)
        k = i
        while k <= j:
            m = k
            while m + 1 <= j and inds[m + 1].level2 == inds[k].level2:
                m += 1
            _merge(ws, r + k, c0 + 1, r + m, c0 + 1, inds[k].level2, s.center)
            k = m + 1
        i = j + 1
    for i, ind in enumerate(inds):
        c = c0 + 2
        texts = [
            (ind.name, widths[c]),
            (ind.target, widths[-5]),
            (ind.actual, widths[-4]),
            (ind.reason, widths[-1]),
        ]
        ws.set_row(r + i, _row_height(texts))
        ws.write_string(r + i, c, ind.name, s.label)
        c += 1
        if nature:
            ws.write_string(r + i, c, ind.nature or _nature_of(ind.target), s.center)
            c += 1
        ws.write_string(r + i, c, ind.target, s.center)
        ws.write_string(r + i, c + 1, ind.actual, s.center)
        ws.write_number(r + i, c + 2, ind.weight, s.point)
        ws.write_number(r + i, c + 3, ind.self_score, s.point)
        _put(ws, r + i, c + 4, ind.reason or None, s.label)
    return r + len(inds)


def _nature_of(target: str) -> str:
    """The 指标性质 an officer writes for a target (≥, ≤, = or 定性)."""
    p = _parse_target(target)
    if p is None:
        return "定性"
    return {"≤": "≤", "＜": "≤", "=": "="}.get(p[0], "≥")


def _budget_block(
    ws: Worksheet,
    r: int,
    c_first: int,
    total: FundLine,
    weight: float,
    rate: Stated,
    score: Stated,
    style: ComputedStyle,
    s: _Styles,
) -> tuple[int, int, int]:
    """Write the 年度资金总额 values (3 amounts, 分值, 执行率, 得分); return (rate col, score col, row)."""
    c = c_first
    for v in (total.initial, total.full_year, total.executed):
        _put(ws, r, c, v, s.money)
        c += 1
    ws.write_number(r, c, weight, s.point)
    rate_col, score_col = c + 1, c + 2
    if style == "formula":
        full = xl_rowcol_to_cell(r, c_first + 1)
        done = xl_rowcol_to_cell(r, c_first + 2)
        _formula(ws, r, rate_col, f"=ROUND({done}/{full},4)", rate, s.pct)
        cell = xl_rowcol_to_cell(r, rate_col)
        _formula(ws, r, score_col, f"=ROUND(MIN({cell},1)*{_num_text(weight)},2)", score, s.point)
    else:
        _rate_cell(ws, r, rate_col, rate, s)
        _put(ws, r, score_col, score, s.point)
    return rate_col, score_col, r


def write_department_table(path: Path, dept: DepartmentFigures) -> Path:
    """Write 附件2 部门整体支出绩效自评表."""
    t = dept.department
    if t is None:
        raise ValueError(f"{dept.name}: no 附件2 figures")
    wb, s = _new_workbook(path)
    ws = wb.add_worksheet("部门整体支出绩效自评表")
    widths = (12, 14, 30, 14, 16, 8, 10, 40)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.fit_to_pages(1, 0)
    r = _write_leading(ws, t.leading_rows, s)
    ws.set_row(r, 30)
    ws.merge_range(r, 0, r, 7, "部门整体支出绩效自评表", s.title)
    ws.merge_range(r + 1, 0, r + 1, 7, f"（{dept.year}年度）", s.subtitle)
    r += 2
    ws.merge_range(r, 0, r, 1, t.name_label, s.head)
    ws.merge_range(r, 2, r, 7, dept.name, s.label)
    r += 1
    ws.merge_range(r, 0, r, 1, "年度预算申请（万元）", s.head)
    for col, text in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=2):
        ws.write_string(r, col, text, s.head)
    r += 1
    ws.merge_range(r, 0, r, 1, t.total.label, s.label)
    _, score_col, score_row = _budget_block(
        ws, r, 2, t.total, t.weight, t.stated_rate, t.stated_score, t.style, s
    )
    r += 1
    ws.merge_range(r, 0, r, 3, "按收入性质分：", s.head)
    ws.merge_range(r, 4, r, 7, "按支出性质分：", s.head)
    r += 1
    income = (
        ("其中：一般公共预算", t.income_general),
        ("政府性基金拨款", t.income_fund),
        ("纳入专户管理的非税收入拨款", t.income_nontax),
        ("其他资金", t.income_other),
    )
    expense = (("其中：基本支出", t.expense_basic), ("项目支出", t.expense_project))
    for i, (label, v) in enumerate(income):
        ws.merge_range(r + i, 0, r + i, 2, label, s.label)
        _put(ws, r + i, 3, v, s.money)
        if i < len(expense):
            ws.merge_range(r + i, 4, r + i, 6, expense[i][0], s.label)
            _put(ws, r + i, 7, expense[i][1], s.money)
        else:
            ws.merge_range(r + i, 4, r + i, 6, "", s.label)
            ws.write_blank(r + i, 7, None, s.money)
    r += len(income)
    ws.merge_range(r, 0, r + 1, 0, "年度总体目标", s.head)
    ws.merge_range(r, 1, r, 3, "预期目标", s.head)
    ws.merge_range(r, 4, r, 7, "实际完成情况", s.head)
    ws.set_row(r + 1, _row_height([(t.goal_expected, sum(widths[1:4])), (t.goal_actual, sum(widths[4:]))]))
    ws.merge_range(r + 1, 1, r + 1, 3, t.goal_expected, s.text)
    ws.merge_range(r + 1, 4, r + 1, 7, t.goal_actual, s.text)
    r += 2
    heads = (
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    )
    for col, text in enumerate(heads):
        ws.write_string(r, col, text, s.head)
    r += 1
    first = r
    r = _indicator_rows(ws, r, 0, t.indicators, False, s, widths)
    ws.merge_range(r, 0, r, 4, "总分", s.head)
    ws.write_number(r, 5, 100, s.point)
    if t.style == "formula":
        scores = f"{xl_rowcol_to_cell(first, 6)}:{xl_rowcol_to_cell(r - 1, 6)}"
        _formula(
            ws, r, 6, f"={xl_rowcol_to_cell(score_row, score_col)}+SUM({scores})", t.stated_total, s.point
        )
    else:
        _put(ws, r, 6, t.stated_total, s.point)
    ws.write_blank(r, 7, None, s.label)
    wb.close()
    return path


def _write_project_sheet(ws: Worksheet, p: ProjectTable, year: int, s: _Styles) -> None:
    """Write one 项目支出绩效自评表 sheet."""
    ncols = 10 if p.nature_column else 9
    last = ncols - 1
    widths = [16, 12, 14, 26] + ([8] if p.nature_column else []) + [14, 14, 8, 10, 36]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.fit_to_pages(1, 0)
    r = _write_leading(ws, p.leading_rows, s)
    ws.set_row(r, 30)
    ws.merge_range(r, 0, r, last, "项目支出绩效自评表", s.title)
    ws.merge_range(r + 1, 0, r + 1, last, f"（{year}年度）", s.subtitle)
    r += 2
    ws.merge_range(r, 0, r, 1, "项目名称", s.head)
    ws.merge_range(r, 2, r, last, p.name, s.label)
    r += 1
    ws.merge_range(r, 0, r, 1, "主管部门", s.head)
    ws.merge_range(r, 2, r, 4, p.supervisor, s.label)
    ws.merge_range(r, 5, r, 6, "实施单位", s.head)
    ws.merge_range(r, 7, r, last, p.implementer, s.label)
    r += 1
    # budget block: A = 项目资金（万元）, label spans B..(last-6), then six value columns
    lab_end = last - 6
    v0 = lab_end + 1
    ws.merge_range(r, 0, r + len(p.funds) + 1, 0, "项目资金（万元）", s.head)
    _merge(ws, r, 1, r, lab_end, None, s.head)
    for col, text in enumerate(
        ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), start=v0
    ):
        ws.write_string(r, col, text, s.head)
    r += 1
    _merge(ws, r, 1, r, lab_end, p.total.label, s.label)
    rate_col, score_col, score_row = _budget_block(
        ws, r, v0, p.total, p.weight, p.stated_rate, p.stated_score, p.style, s
    )
    r += 1
    for i, f in enumerate(p.funds):
        _merge(ws, r, 1, r, lab_end, f.label, s.label)
        for k, v in enumerate((f.initial, f.full_year, f.executed)):
            _put(ws, r, v0 + k, v, s.money)
        ws.write_string(r, v0 + 3, "——", s.center)
        if i == 0:
            if p.style == "formula":
                full, done = xl_rowcol_to_cell(r, v0 + 1), xl_rowcol_to_cell(r, v0 + 2)
                _formula(ws, r, rate_col, f"=ROUND({done}/{full},4)", p.stated_sub_rate, s.pct)
            else:
                _rate_cell(ws, r, rate_col, p.stated_sub_rate, s)
        else:
            ws.write_blank(r, rate_col, None, s.center)
        ws.write_string(r, score_col, "——", s.center)
        r += 1
    ws.merge_range(r, 0, r + 1, 0, "年度总体目标", s.head)
    split = 4 if p.nature_column else 3
    ws.merge_range(r, 1, r, split, "预期目标", s.head)
    ws.merge_range(r, split + 1, r, last, "实际完成情况", s.head)
    goal_cells = [(p.goal_expected, sum(widths[1 : split + 1])), (p.goal_actual, sum(widths[split + 1 :]))]
    ws.set_row(r + 1, _row_height(goal_cells))
    ws.merge_range(r + 1, 1, r + 1, split, p.goal_expected, s.text)
    ws.merge_range(r + 1, split + 1, r + 1, last, p.goal_actual, s.text)
    r += 2
    heads = ["一级指标", "二级指标", "三级指标"] + (["指标性质"] if p.nature_column else [])
    heads += ["年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    ws.merge_range(r, 0, r + len(p.indicators), 0, "绩效指标", s.head)
    for col, text in enumerate(heads, start=1):
        ws.write_string(r, col, text, s.head)
    r += 1
    first = r
    r = _indicator_rows(ws, r, 1, p.indicators, p.nature_column, s, widths)
    ws.merge_range(r, 0, r, last - 3, "总分", s.head)
    ws.write_number(r, last - 2, 100, s.point)
    if p.style == "formula":
        scores = f"{xl_rowcol_to_cell(first, last - 1)}:{xl_rowcol_to_cell(r - 1, last - 1)}"
        _formula(
            ws,
            r,
            last - 1,
            f"={xl_rowcol_to_cell(score_row, score_col)}+SUM({scores})",
            p.stated_total,
            s.point,
        )
    else:
        _put(ws, r, last - 1, p.stated_total, s.point)
    ws.write_blank(r, last, None, s.label)


def write_project_tables(path: Path, dept: DepartmentFigures) -> Path:
    """Write 附件3 项目支出绩效自评表: a 填表说明 sheet, then one sheet per project."""
    if not dept.projects:
        raise ValueError(f"{dept.name}: no 附件3 projects")
    wb, s = _new_workbook(path)
    info = wb.add_worksheet("填表说明")
    info.set_column(0, 0, 100)
    for i, line in enumerate(dept.instructions or _default_instructions(dept)):
        info.write_string(i, 0, line, s.info)
    seen: set[str] = {"填表说明"}
    for p in dept.projects:
        title = p.sheet_title[:31]
        n = 2
        while title in seen:
            title = f"{p.sheet_title[:28]}({n})"
            n += 1
        seen.add(title)
        _write_project_sheet(wb.add_worksheet(title), p, dept.year, s)
    wb.close()
    return path


def _default_instructions(dept: DepartmentFigures) -> tuple[str, ...]:
    """The 填表说明 lines (not a form)."""
    return (
        "填表说明：",
        "1. 本表按财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）附件格式填报，一个项目支出填一张表。",
        "2. 金额单位为万元，保留两位小数；执行率=全年执行数÷全年预算数，预算执行率分值为10分。",
        "3. 产出指标50分、效益指标30分、满意度指标10分；"
        "实际完成值偏离年度指标值的，须填写偏差原因分析及改进措施。",
        f"4. 填报单位：{dept.name}（盖章）。",
    )


def write_department(folder: Path, dept: DepartmentFigures) -> list[Path]:
    """Write the department's workbooks into folder (created if missing); return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    if dept.basic is not None:
        out.append(write_basic_data(folder / FILE_BASIC, dept))
    if dept.department is not None:
        out.append(write_department_table(folder / FILE_DEPARTMENT, dept))
    if dept.projects:
        out.append(write_project_tables(folder / FILE_PROJECTS, dept))
    return out


# ----------------------------------------------------------------------------------------------
# The seed department: 桃源县自然资源局, 2022
# ----------------------------------------------------------------------------------------------

SEED_NAME = "桃源县自然资源局"


def _seed_basic() -> BasicData:
    """附件1 figures: staff, 公用经费 and 项目支出 from the seed report, the rest filled in."""
    ya = YearAmounts
    items = (
        ("1、业务工作专项", ya(38420.15, 61236.45, 34102.36)),
        ("2、运行维护专项", ya(1796.30, 1854.80, 1648.17)),
        ("3、其他专项", ya(1169.17, 1200.00, 925.27)),
    )
    return BasicData(
        authorized_staff=216,
        actual_staff=205,
        control_rate=205 / 216,
        sangong=ya(48.60, 40.00, 33.44),
        car=ya(28.30, 25.00, 21.16),
        car_purchase=ya(0, 0, 0),
        car_running=ya(28.30, 25.00, 21.16),
        abroad=ya(0, 0, 0),
        reception=ya(20.30, 15.00, 12.28),
        projects=ya(41385.62, 64291.25, 36675.80),
        project_items=items,
        public=ya(245.86, 511.20, 222.54),
        office=ya(38.62, 80.00, 35.17),
        utilities_travel=ya(42.15, 90.00, 39.86),
        meeting_training=ya(8.40, 20.00, 6.25),
        procurement=ya(1286.40, 1500.00, 1168.35),
        budget_adjustment=ya(0, 0, 59.73),
        buildings=(),
        thrift_measures=(
            "1.严格执行中央八项规定精神和省、市、县厉行节约有关规定，从严控制“三公”经费支出；"
            "2.公务接待实行公函制度和接待清单制度，严格执行接待标准；"
            "3.公务用车实行定点维修、定点加油和单车核算；"
            "4.压减会议、培训数量和规模，推行视频会议；"
            "5.严格执行政府采购和资产管理制度，杜绝超预算、无预算支出。"
        ),
        fill_date="2023年3月28日",
        formulas=True,
        leading_rows=("附件1",),
    )


_OUT = "产出指标(50分)"
_EFF = "效益指标（30分）"
_SAT = "满意度指标(10分)"


def _seed_department() -> DepartmentTable:
    """附件2 figures: budget and indicators from the seed, weights and self scores filled in."""
    q, zl, sx, cb = "数量指标", "质量指标", "时效指标", "成本指标"
    indicators = (
        _ind(_OUT, q, "用地审批面积", "≥700亩", "786亩", 3),
        _ind(_OUT, q, "矿山整治修复数", "6个", "7个", 3),
        _ind(_OUT, q, "旱改水数量", "2400亩", "2200亩", 3, 2.75),
        _ind(_OUT, q, "完成耕地“非农化”整治图斑", "1014个", "1014个", 3),
        _ind(_OUT, q, "全年发放不动产证书证明", "1万本", "1.4万个", 2),
        _ind(
            _OUT,
            q,
            "地灾隐患点排查",
            "232个",
            "38714个",
            2,
            reason="年初指标按地质灾害隐患点名录设定，实际完成值按汛期巡查排查点次统计，口径不一致；"
            "下一步统一统计口径，科学合理设定指标值。",
        ),
        _ind(_OUT, q, "全年开展自然资源监查行动", "300次", "300次", 3),
        _ind(
            _OUT,
            q,
            "国土空间总体规划",
            "1个",
            "修订中",
            3,
            1.5,
            reason="《桃源县国土空间总体规划（2021-2035年）》须按上级统一时点要求报批，目前正在修订中；"
            "下一步加快数据汇交和成果修改，争取尽早报批。",
        ),
        _ind(_OUT, q, "乡镇规划", "1个", "1个", 3),
        _ind(_OUT, q, "村庄规划审定数", "257个", "257个", 3),
        _ind(_OUT, q, "人员经费保障人数", "196人", "205人", 2),
        _ind(_OUT, zl, "收储土地合格率", "100%", "100%", 2),
        _ind(_OUT, zl, "耕地验收合格率", "100%", "100%", 2),
        _ind(_OUT, zl, "不动产证发放及时率", "100%", "100%", 2),
        _ind(_OUT, zl, "规划编制专家评审通过率", "100%", "100%", 2),
        _ind(_OUT, zl, "违法案件处理办结率", "≥90%", "95%", 2),
        _ind(_OUT, zl, "查处违法案件执行合规率", "100%", "100%", 2),
        _ind(_OUT, zl, "保障机关事务正常运转率", "100%", "100%", 2),
        _ind(_OUT, sx, "任务完成及时率", "100%", "100%", 3),
        _ind(_OUT, cb, "成本发生规范合理率", "100%", "100%", 3),
        _ind(
            _EFF,
            "经济效益指标",
            "保持土地收入持续稳定增长",
            "持续稳定增长",
            "部分达成年度指标并具有一定效果",
            8,
            4.8,
            reason="受疫情和房地产市场下行影响，土地推市工作暂缓，土地出让收入减少；"
            "下一步优化土地供应结构，盘活存量土地。",
        ),
        _ind(_EFF, "社会效益指标", "全县耕地底线目标", "76827公顷", "76827公顷", 8),
        _ind(_EFF, "生态效益指标", "基本农田保护面积", "82420公顷", "82420公顷", 7),
        _ind(
            _EFF,
            "可持续影响指标",
            "保护自然资源，节约集约利用土地资源",
            "节约集约利用土地资源",
            "部分达成年度指标并具有一定效果",
            7,
            4.48,
            reason="批而未供土地整改比率39.42%，低效用地整改比率51.6%，仍有存量土地待消化；"
            "下一步加大批而未供和闲置土地处置力度。",
        ),
        _ind(_SAT, "服务对象满意度指标", "社会公众满意度", "≥90%", "90%以上", 5, 4.5),
        _ind(_SAT, "服务对象满意度指标", "服务对象满意度", "≥90%", "90%以上", 5, 4.5),
    )
    goal_expected = (
        "1.做好用地规划，保障用地需求；\n"
        "2.科学深化土地经营，实现土地收入持续稳定增长；\n"
        "3.合理利用、适度开发与重点保护耕地相结合，确保耕地总量动态平衡；\n"
        "4.做好土地、矿山卫片工作，严格落实日常动态巡查与案件查处工作；\n"
        "5.夯实民生服务，为群众提供便捷优质的办事窗口；\n"
        "6.完成国土空间编制任务，实现“多规合一”。"
    )
    goal_actual = (
        "1.全年共批回用地2059.278亩，其中办理农转用、征收土地285.192亩；\n"
        "2.完成整改恢复耕地2.06万亩，11个占补平衡项目基本整改到位；\n"
        "3.矿山生态修复194.55亩，封堵和自然垮塌废弃矿硐177个；\n"
        "4.立案查处自然资源违法案件24件，结案18件，罚没款126.0448万元；\n"
        "5.核发不动产登记证书证明14269本，登记业务办结时限压缩至4个工作日内；\n"
        "6.《桃源县国土空间总体规划（2021-2035年）》修订中，村庄规划审定257个。"
    )
    return DepartmentTable(
        total=FundLine("年度资金总额", 60596.97, 39575.03, 39575.03),
        stated_rate=1.0,
        stated_score=10,
        income_general=12750.62,
        income_fund=26121.09,
        income_nontax=94.40,
        income_other=608.92,
        expense_basic=2899.23,
        expense_project=36675.80,
        goal_expected=goal_expected,
        goal_actual=goal_actual,
        indicators=indicators,
        stated_total=91.53,
    )


def _seed_projects() -> tuple[ProjectTable, ...]:
    """附件3 sheets: the four projects the seed narrates; amounts partly filled in."""
    o, e, m = "产出指标(50分)", "效益指标(30分)", "满意度指标(10分)"
    q, zl, sx, cb = "数量指标", "质量指标", "时效指标", "成本指标"
    hgs = ProjectTable(
        name="2021年度旱改水项目",
        sheet_title="旱改水项目",
        supervisor=SEED_NAME,
        implementer="桃源县土地开发整理中心",
        total=FundLine("年度资金总额", 3970.96, 3970.96, 3279.93),
        funds=(
            FundLine("其中：当年财政拨款", 3970.96, 3970.96, 3279.93),
            FundLine("上年结转资金", 0, 0, 0),
            FundLine("其他资金", 0, 0, 0),
        ),
        stated_rate=1.0,
        stated_score=10,
        stated_sub_rate=1.0,
        goal_expected="实施2021年度旱改水项目，规划新增水田2164.95亩，改善项目区农业生产条件，"
        "扭转我县占补平衡水田指标不足的情况。",
        goal_actual="项目于2022年6月开工建设，总投资3970.96万元，工程施工费3279.93万元；已完成土地平整2175亩，"
        "硬化各类型渠道39400米，生产道路19700米，硬化道路3300米。",
        indicators=(
            _ind(o, q, "新增水田面积", "≥2164.95亩", "2164.95亩", 8),
            _ind(o, q, "土地平整面积", "≥2164.95亩", "2175亩", 8),
            _ind(o, q, "硬化各类型渠道", "≥39400米", "39400米", 6),
            _ind(o, q, "生产道路", "≥19700米", "19700米", 6),
            _ind(o, q, "硬化道路", "≥3300米", "3300米", 6),
            _ind(o, zl, "工程质量合格率", "100%", "100%", 6),
            _ind(o, sx, "项目完成及时率", "100%", "100%", 5),
            _ind(o, cb, "工程施工费", "≤3970.96万元", "3279.93万元", 5),
            _ind(e, "社会效益指标", "项目区群众生产生活条件", "明显改善", "明显改善", 10),
            _ind(e, "社会效益指标", "补充占补平衡水田指标", "≥2164.95亩", "2164.95亩", 10),
            _ind(e, "生态效益指标", "耕地质量", "有效提高", "有效提高", 5),
            _ind(e, "可持续影响指标", "工程设施持续发挥效益年限", "≥10年", "10年", 5),
            _ind(m, "服务对象满意度指标", "项目区群众满意度", "≥90%", "95%", 10),
        ),
        stated_total=100,
    )
    ks_rate = _rate(598.46, 620.00)
    ks_score = _score(ks_rate)
    ks = ProjectTable(
        name="矿山生态修复项目",
        sheet_title="矿山生态修复",
        supervisor=SEED_NAME,
        implementer="桃源县自然资源局",
        total=FundLine("年度资金总额", 500.00, 620.00, 598.46),
        funds=(
            FundLine("其中：本年财政拨款", 500.00, 500.00, 480.12),
            FundLine("上年结转资金", 0, 120.00, 118.34),
            FundLine("其他资金", 0, 0, 0),
        ),
        stated_rate=ks_rate,
        stated_score=ks_score,
        stated_sub_rate=_rate(480.12, 500.00),
        goal_expected="完成省厅下达的矿山生态修复任务图斑126.3亩，推进关闭矿山修复和绿色矿山建设。",
        goal_actual="实际修复总面积194.55亩，工程施工已全部完成；明月新材料和钱家坡矿石场水泥用灰岩矿关闭修复"
        "已通过县级验收；建成绿色矿山4家。",
        indicators=(
            _ind("产出指标", q, "矿山生态修复面积", "126.3亩", "194.55亩", 10),
            _ind("产出指标", q, "关闭矿山修复数量", "2个", "2个", 10),
            _ind("产出指标", q, "绿色矿山建设数", "≥4家", "4家", 10),
            _ind("产出指标", zl, "修复工程验收合格率", "100%", "100%", 8),
            _ind("产出指标", sx, "项目完成及时率", "100%", "100%", 6),
            _ind("产出指标", cb, "亩均修复成本", "≤3.5万元", "3.08万元", 6),
            _ind("效益指标", "社会效益指标", "矿区安全隐患", "有效消除", "有效消除", 10),
            _ind("效益指标", "生态效益指标", "修复区植被覆盖率", "≥85%", "88%", 10),
            _ind("效益指标", "可持续影响指标", "修复成果长效管护", "长期", "长期", 10),
            _ind("满意度指标", "服务对象满意度指标", "周边群众满意度", "≥90%", "93%", 10),
        ),
        stated_total=_r2(ks_score + 90),
        style="formula",
    )
    kd = ProjectTable(
        name="废弃矿硐封堵项目",
        sheet_title="废弃矿硐封堵",
        supervisor=SEED_NAME,
        implementer="桃源县自然资源事务中心",
        total=FundLine("年度资金总额", 180.00, 180.00, 176.50),
        funds=(
            FundLine("其中：当年财政拨款", 180.00, 180.00, 176.50),
            FundLine("上年结转资金", 0, 0, 0),
            FundLine("其他资金", 0, 0, 0),
        ),
        stated_rate=0.9806,
        stated_score=9.81,
        stated_sub_rate=0.9806,
        goal_expected="对涉矿8个乡镇全面排查，完成废弃金矿硐封堵，消除安全隐患。",
        goal_actual="涉及废弃金矿硐共计184个，除后期将继续开采的7个矿硐外，已完成封堵矿硐和自然垮塌矿硐共计177个"
        "（其中自然垮塌29个，完成封堵148个），已通过上级主管部门验收。",
        indicators=(
            _ind(o, q, "排查涉矿乡镇数", "8个", "8个", 10, nature="="),
            _ind(
                o,
                q,
                "废弃矿硐封堵（含自然垮塌）数",
                "184个",
                "177个",
                20,
                16,
                reason="7个矿硐后期将继续开采，暂不封堵。",
                nature="=",
            ),
            _ind(o, zl, "封堵工程验收合格率", "100%", "100%", 8, nature="="),
            _ind(o, sx, "按期完成率", "100%", "100%", 6, nature="="),
            _ind(o, cb, "单个矿硐封堵成本", "≤1.2万元", "1.19万元", 6, nature="≤"),
            _ind(e, "社会效益指标", "废弃矿硐安全隐患", "有效消除", "有效消除", 15, nature="定性"),
            _ind(e, "生态效益指标", "防止矿硐涌水污染水土", "有效防止", "有效防止", 15, nature="定性"),
            _ind(m, "服务对象满意度指标", "周边群众满意度", "≥90%", "95%", 10, nature="≥"),
        ),
        stated_total=_r2(9.81 + 86),
        nature_column=True,
    )
    dz_rate = _rate(245.80, 260.00)
    dz = ProjectTable(
        name="地质灾害应急治理项目（杨溪桥镇、漆河镇）",
        sheet_title="地质灾害应急治理",
        supervisor=SEED_NAME,
        implementer="桃源县自然资源事务中心",
        total=FundLine("年度资金总额", 200.00, 260.00, 245.80),
        funds=(
            FundLine("其中：当年财政拨款", 200.00, 260.00, 245.80),
            FundLine("上年结转资金", 0, 0, 0),
            FundLine("其他资金", 0, 0, 0),
        ),
        stated_rate=f"{dz_rate * 100:.2f}%",
        stated_score=_score(dz_rate),
        stated_sub_rate=f"{dz_rate * 100:.2f}%",
        goal_expected="实施杨溪桥镇、漆河镇两个地质灾害点应急工程治理，彻底消除隐患，保障人民群众生命财产安全。",
        goal_actual="两个地质灾害点应急治理工程已完工并通过验收，汛期无人员伤亡；完成西安镇西安村红岩湾组崩塌"
        "地质灾害工程治理申报前期工作。",
        indicators=(
            _ind(o, q, "应急治理地质灾害点", "2个", "2个", 15),
            _ind(o, q, "受保护群众人数", "≥120人", "136人", 10),
            _ind(o, zl, "工程验收合格率", "100%", "100%", 10),
            _ind(o, sx, "汛期前完成应急治理", "按期完成", "按期完成", 8),
            _ind(o, cb, "项目总成本", "≤260万元", "245.8万元", 7),
            _ind(e, "社会效益指标", "地质灾害隐患", "有效消除", "有效消除", 15),
            _ind(e, "社会效益指标", "群众生命财产安全", "无人员伤亡", "无人员伤亡", 15),
            _ind(m, "服务对象满意度指标", "受益群众满意度", "≥90%", "92%", 10),
        ),
        stated_total=_r2(_score(dz_rate) + 90),
        leading_rows=("",),
    )
    return (hgs, ks, kd, dz)


SEED_ANOMALIES = (
    "附件2 旱改水数量 2400亩→2200亩 未填偏差原因",
    "附件2 地灾隐患点排查 232个→38714个 超目标（已填原因）",
    "附件2 国土空间总体规划 实际完成值“修订中”",
    "附件2 全年发放不动产证书证明 1万本→1.4万个 单位不一致",
    "附件2 全年预算数 39575.03 与年初预算数 60596.97 相差超20%",
    "附件1 项目支出 2022年预算数 64291.25 大于附件2年初预算数 60596.97",
    "附件3 旱改水项目 执行率82.60%（3279.93/3970.96），填报执行率100%、得分10、总分100",
    "附件3 矿山生态修复 126.3亩→194.55亩 超目标54%，未填偏差原因",
    "附件3 废弃矿硐封堵 184个→177个 自评16分低于按比例应得19.24分",
)


def taoyuan_2022() -> DepartmentFigures:
    """The seed department's figures (桃源县自然资源局, 2022), as the sample ships them."""
    return DepartmentFigures(
        name=SEED_NAME,
        year=2022,
        basic=_seed_basic(),
        department=_seed_department(),
        projects=_seed_projects(),
        anomalies=SEED_ANOMALIES,
    )


# ----------------------------------------------------------------------------------------------
# Variation for the benchmark
# ----------------------------------------------------------------------------------------------


def _scale_ya(a: YearAmounts, f: float) -> YearAmounts:
    """Scale one 附件1 row."""
    return YearAmounts(*(None if v is None else _r2(v * f) for v in (a.prev_final, a.budget, a.final)))


def _sum_ya(parts: Sequence[YearAmounts]) -> YearAmounts:
    """Column-wise sum of 附件1 rows."""
    return YearAmounts(
        _sum([p.prev_final for p in parts]), _sum([p.budget for p in parts]), _sum([p.final for p in parts])
    )


def _vary_basic(
    b: BasicData, f: float, rng: random.Random, project_final: float | None, budget_cap: float | None
) -> BasicData:
    """Scale 附件1 amounts, keep totals equal to their parts, vary staff and labels."""
    sc = _scale_ya
    car_purchase = sc(b.car_purchase, f)
    car_running = sc(b.car_running, f)
    car = _sum_ya([car_purchase, car_running])
    abroad, reception = sc(b.abroad, f), sc(b.reception, f)
    items = tuple((label, sc(a, f)) for label, a in b.project_items)
    seed_budget = _sum([a.budget for _, a in items])
    if budget_cap is not None and seed_budget > 0:
        # 项目支出 预算 within the 附件2 年初预算数
        k = budget_cap * rng.uniform(0.75, 0.95) / seed_budget
        items = tuple(
            (label, dataclasses.replace(a, budget=None if a.budget is None else _r2(a.budget * k)))
            for label, a in items
        )
    if project_final is not None and items:
        # keep 附件1 项目支出 决算 equal to 附件2 项目支出 (both in 执行 terms)
        rest = _sum([a.final for _, a in items[1:]])
        first_label, first = items[0]
        items = ((first_label, dataclasses.replace(first, final=_r2(project_final - rest))), *items[1:])
    authorized = max(8, round(b.authorized_staff * f**0.5 * rng.uniform(0.8, 1.2)))
    actual = max(1, round(authorized * rng.uniform(0.85, 1.04)))
    return dataclasses.replace(
        b,
        authorized_staff=authorized,
        actual_staff=actual,
        control_rate=actual / authorized,
        sangong=_sum_ya([car, abroad, reception]),
        car=car,
        car_purchase=car_purchase,
        car_running=car_running,
        abroad=abroad,
        reception=reception,
        projects=_sum_ya([a for _, a in items]),
        project_items=items,
        public=sc(b.public, f),
        office=sc(b.office, f),
        utilities_travel=sc(b.utilities_travel, f),
        meeting_training=sc(b.meeting_training, f),
        procurement=sc(b.procurement, f),
        budget_adjustment=sc(b.budget_adjustment, f),
        formulas=rng.random() < 0.5,
        control_rate_label=rng.choice(("控制率", "控制率", "财政供养人员控制率")),
        abroad_label=rng.choice(("2、出国经费", "2、出国经费", "2、因公出国（境）费用")),
        adjustment_label=rng.choice(("部门基本支出预算调整", "部门基本支出预算调整", "部门整体支出预算调整")),
        leading_rows=rng.choice(((), ("附件1",), ("附件1", ""))),
    )


def _clean_indicator(ind: Indicator, rng: random.Random) -> Indicator:
    """An indicator met exactly: actual from the target, full self score, no reason."""
    p = _parse_target(ind.target)
    if p is None:
        return dataclasses.replace(ind, actual="达成年度指标", self_score=ind.weight, reason="")
    op, t, unit = p
    if "%" in unit:
        a = t if op in ("", "=") or t >= 100 else rng.choice((t, min(100.0, t + rng.randint(1, 8))))
    elif op in ("≤", "＜"):
        a = _r2(t * rng.uniform(0.85, 1.0))
    else:
        a = t
    return dataclasses.replace(ind, actual=f"{_num_text(a)}{unit}", self_score=ind.weight, reason="")


def _quantitative(ind: Indicator) -> tuple[float, str] | None:
    """(target, unit) of a positive count-like indicator, else None."""
    p = _parse_target(ind.target)
    if p is None or "%" in p[2] or p[0] in ("≤", "＜") or p[1] <= 0 or (p[1].is_integer() and p[1] < 2):
        return None
    return p[1], p[2]


def _shortfall(ind: Indicator, rng: random.Random, reason: str) -> Indicator:
    """Make an indicator fall short of its target, scored in proportion."""
    q = _quantitative(ind)
    assert q is not None
    t, unit = q
    a = t * rng.uniform(0.6, 0.95)
    a = float(max(1, min(t - 1, round(a)))) if t.is_integer() else _r2(a)
    return dataclasses.replace(
        ind, actual=f"{_num_text(a)}{unit}", self_score=_r2(ind.weight * a / t), reason=reason
    )


def _pick(inds: Sequence[Indicator], rng: random.Random, used: set[int]) -> int | None:
    """Index of a random quantitative indicator not used yet (then marked used), or None."""
    idx = [i for i, ind in enumerate(inds) if i not in used and _quantitative(ind) is not None]
    if not idx:
        return None
    k = rng.choice(idx)
    used.add(k)
    return k


def _total_of(inds: Sequence[Indicator], budget_score: float) -> float:
    """Self-declared 总分 = budget score + Σ indicator self scores."""
    return _r2(budget_score + sum(i.self_score for i in inds))


def _vary_indicators(
    inds: tuple[Indicator, ...], rng: random.Random, where: str, notes: list[str], p: float
) -> tuple[Indicator, ...]:
    """Clean the indicators, add an honest shortfall, and maybe indicator anomalies."""
    out = [_clean_indicator(i, rng) for i in inds]
    used: set[int] = set()
    k = _pick(out, rng, used)
    if k is not None and rng.random() < 0.4:
        out[k] = _shortfall(out[k], rng, "受客观因素影响未完全完成，下一步加强调度，确保完成年度目标。")
    k = _pick(out, rng, used)
    if k is not None and rng.random() < p:
        out[k] = _shortfall(out[k], rng, "")
        notes.append(f"{where} {out[k].name} {out[k].target}→{out[k].actual} 未完成且未填偏差原因")
    k = _pick(out, rng, used)
    if k is not None and rng.random() < p:
        q = _quantitative(out[k])
        assert q is not None
        t, unit = q
        a = t * rng.uniform(1.35, 2.2)
        a = float(round(a)) if t.is_integer() else _r2(a)
        reason = rng.choice(("", "年初指标值设定偏保守，下一步科学合理设定指标值。"))
        out[k] = dataclasses.replace(
            out[k], actual=f"{_num_text(a)}{unit}", self_score=out[k].weight, reason=reason
        )
        notes.append(f"{where} {out[k].name} {out[k].target}→{out[k].actual} 超目标{a / t - 1:.0%}")
    k = _pick(out, rng, used)
    if k is not None and rng.random() < p:
        short = _shortfall(out[k], rng, "")
        out[k] = dataclasses.replace(short, self_score=out[k].weight)
        notes.append(
            f"{where} {out[k].name} {out[k].target}→{out[k].actual} 自评{_num_text(out[k].weight)}分（多计）"
        )
    return tuple(out)


def _scale_fund(f: FundLine, k: float) -> FundLine:
    """Scale one budget row."""
    return FundLine(
        f.label, *(None if v is None else _r2(v * k) for v in (f.initial, f.full_year, f.executed))
    )


def _vary_project(
    p: ProjectTable, name: str, county: str, f: float, rng: random.Random, notes: list[str], prob: float
) -> ProjectTable:
    """Scale a project's amounts, redo its stated figures, and maybe switch anomalies on."""
    where = f"附件3 {p.sheet_title}"
    funds = [_scale_fund(x, f) for x in p.funds]
    # fresh execution: each 其中 row executes a random share of its full-year budget
    share = rng.choice((1.0, rng.uniform(0.85, 1.0), rng.uniform(0.7, 0.95)))
    funds = [dataclasses.replace(x, executed=_r2((x.full_year or 0) * share)) for x in funds]
    label = rng.choice(("其中：当年财政拨款", "其中：当年财政拨款", "其中：本年财政拨款", "其中：财政拨款"))
    funds[0] = dataclasses.replace(funds[0], label=label)
    total = FundLine(
        rng.choice(("年度资金总额", "年度资金总额", "年度资金总额：")),
        _sum([x.initial for x in funds]),
        _sum([x.full_year for x in funds]),
        _sum([x.executed for x in funds]),
    )
    style: ComputedStyle = rng.choice(("number", "number", "formula", "text"))
    inds = _vary_indicators(p.indicators, rng, where, notes, prob)
    rate = _rate(total.executed, total.full_year)
    stated_rate: Stated = rate
    score = _score(rate, p.weight)
    if rng.random() < prob and rate < 1:
        # 执行率 claimed 100%: push execution to ~80 % and type 100% / 10
        share = rng.uniform(0.76, 0.86)
        funds = [dataclasses.replace(x, executed=_r2((x.full_year or 0) * share)) for x in funds]
        total = dataclasses.replace(total, executed=_sum([x.executed for x in funds]))
        real = _rate(total.executed, total.full_year)
        stated_rate, score, style = 1.0, p.weight, "number"
        notes.append(f"{where} 执行率{real:.2%}，填报执行率100%、得分{_num_text(p.weight)}")
    sub_rate: Stated = _rate(funds[0].executed, funds[0].full_year) if stated_rate != 1.0 else 1.0
    if style == "text":
        stated_rate = f"{float(stated_rate or 0) * 100:.2f}%"
        sub_rate = f"{float(sub_rate or 0) * 100:.2f}%"
    if rng.random() < prob and style != "formula":
        total = dataclasses.replace(total, initial=0, full_year=0, executed=0)
        notes.append(f"{where} 年度资金总额填0，其中各行有金额")
    return dataclasses.replace(
        p,
        supervisor=name,
        implementer=p.implementer.replace(SEED_NAME, name).replace("桃源县", county),
        goal_expected=p.goal_expected.replace("桃源县", county),
        goal_actual=p.goal_actual.replace("桃源县", county),
        total=total,
        funds=tuple(funds),
        stated_rate=stated_rate,
        stated_score=score,
        stated_sub_rate=sub_rate,
        indicators=inds,
        stated_total=_total_of(inds, score),
        style=style,
        nature_column=rng.random() < 0.25,
        leading_rows=rng.choice(((), (), ("",), ("附件3",))),
    )


def _vary_department(
    t: DepartmentTable, name: str, county: str, f: float, rng: random.Random, notes: list[str], prob: float
) -> DepartmentTable:
    """Scale 附件2, make its blocks add up, and maybe switch anomalies on."""
    income = [_r2((v or 0) * f) for v in (t.income_general, t.income_fund, t.income_nontax, t.income_other)]
    block = _sum(income)
    share = rng.choice((1.0, 1.0, rng.uniform(0.8, 0.99)))
    # both 按…分 blocks break down one column: 全年预算数, or 全年执行数 when it differs
    if share == 1.0 or rng.random() < 0.5:
        full, executed = block, _r2(block * share)
    else:
        full, executed = _r2(block / share), block
    basic = _r2((t.expense_basic or 0) * f)
    expense_project = _r2(block - basic)
    initial = _r2(full * rng.choice((1.0, rng.uniform(0.9, 1.1), rng.uniform(1.2, 1.6))))
    total = FundLine(t.total.label, initial, full, executed)
    rate = _rate(executed, full)
    inds = _vary_indicators(t.indicators, rng, "附件2", notes, prob)
    stated_rate: Stated = rate
    score = _score(rate, t.weight)
    style: ComputedStyle = rng.choice(("number", "number", "formula", "text"))
    if rng.random() < prob and rate < 1:
        stated_rate, score, style = 1.0, t.weight, "number"
        notes.append(f"附件2 执行率{rate:.2%}，填报执行率100%、得分{_num_text(t.weight)}")
    if style == "text":
        stated_rate = f"{rate * 100:.2f}%"
    stated_total = _total_of(inds, score)
    bump = min(rng.choice((1, 2, 3, 5)), int(100 - stated_total))
    if rng.random() < prob and bump >= 1:
        stated_total = _r2(stated_total + bump)
        style = "number" if style == "formula" else style
        notes.append(f"附件2 总分填报{_num_text(stated_total)}，大于各项得分合计")
    return dataclasses.replace(
        t,
        total=total,
        stated_rate=stated_rate,
        stated_score=score,
        income_general=income[0],
        income_fund=income[1],
        income_nontax=income[2],
        income_other=income[3],
        expense_basic=basic,
        expense_project=expense_project,
        goal_expected=t.goal_expected.replace("桃源县", county),
        goal_actual=t.goal_actual.replace("桃源县", county),
        indicators=inds,
        stated_total=stated_total,
        style=style,
        name_label=rng.choice(("部门（单位）名称", "部门（单位）名称", "预算单位名称", "单位名称")),
        leading_rows=rng.choice(((), (), ("附件2",))),
    )


def vary(dept: DepartmentFigures, seed: int, anomaly_rate: float = 0.3) -> DepartmentFigures:
    """A plausible other department derived from dept: new name, scaled amounts, random anomalies."""
    rng = random.Random(seed)
    name = f"某某县第{seed}局"
    county = "某某县"
    f = 10 ** rng.uniform(-1.3, 0.5)
    notes: list[str] = []
    department = (
        _vary_department(dept.department, name, county, f, rng, notes, anomaly_rate)
        if dept.department
        else None
    )
    projects = list(dept.projects)
    rng.shuffle(projects)
    projects = projects[: rng.randint(1, len(projects))] if projects else []
    varied = tuple(_vary_project(p, name, county, f, rng, notes, anomaly_rate) for p in projects)
    basic = None
    if dept.basic is not None:
        final, cap = None, None
        if department is not None:
            block = _sum([department.expense_basic, department.expense_project])
            if abs(block - (department.total.executed or 0)) < 0.005:
                final = department.expense_project
            cap = department.total.initial
        keep_seed_fault = rng.random() < anomaly_rate
        basic = _vary_basic(dept.basic, f, rng, final, None if keep_seed_fault else cap)
        if keep_seed_fault and cap is not None and (basic.projects.budget or 0) > cap:
            notes.append(
                f"附件1 项目支出预算数{_num_text(basic.projects.budget or 0)}"
                f"大于附件2年初预算数{_num_text(cap)}"
            )
        if rng.random() < anomaly_rate and not basic.formulas:
            basic = dataclasses.replace(basic, sangong=YearAmounts(0, 0, 0))
            notes.append("附件1 三公经费合计填0，其中各行有金额")
    return DepartmentFigures(
        name=name,
        year=dept.year,
        basic=basic,
        department=department,
        projects=varied,
        anomalies=tuple(notes),
    )
