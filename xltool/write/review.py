"""The ``审核结果`` sheet of a scored workbook, and the marks it shares with the forms (looks: scored_looks).

The sheet is the verdict a reviewer opens on: department, self and rule scores, counts by severity,
and every finding linked to the cell it marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.layouts import FORM_NAMES
from xltool.forms.marks import EXPLANATION_HEADER, KEY_HEADER, REVIEW_CHOICES, REVIEW_HEADER
from xltool.model.records import SEVERITY_ORDER, Finding, WorkbookRead
from xltool.model.rounding import fmt_num
from xltool.rules.catalogue import RULES, SEVERITY_NAMES
from xltool.rules.scorecard import SheetScore, over_claimed
from xltool.write.canvas import rowcol
from xltool.write.looks import (
    PAGE_FOOTER,
    wrapped_lines,
)
from xltool.write.scored_looks import (
    Looks,
    internal_link,
)

# After the findings' own columns: the department's 情况说明 (unlocked, an input), the reviewer's
# 审核意见 (a 接受 / 不接受 list) and, hidden, the finding key that matches a row in the next round.
FOLLOW_UP_COLUMNS: tuple[tuple[str, float], ...] = (
    (EXPLANATION_HEADER, 36),
    (REVIEW_HEADER, 10),
    (KEY_HEADER, 12),
)


KIND_NAMES = FORM_NAMES  # one table of form names (forms/layouts.py)


MAX_FROZEN_ROWS = 14  # freeze the findings header only while the rows above it stay short


MAX_LINKS = 65_000  # Excel keeps at most 65,530 hyperlinks per worksheet


REVIEW_SCALE = 11 / 10  # the 审核结果 table is set in 10 pt


REVIEW_COLUMNS: tuple[tuple[str, float], ...] = (
    ("级别", 6),
    ("规则名称", 14),
    ("工作表", 16),
    ("单元格", 7),
    ("问题说明", 56),
    ("应为", 11),
    ("阈值/标准", 11),
    ("填报值", 11),
    ("依据", 30),
    ("规则编号", 20),
    ("原表单元格", 9),
)


MESSAGE_COLUMN = 4
BASIS_COLUMN = 8


# Rules whose 应为 / 阈值 / 填报值 are rates although the cell they mark holds an amount (catalogue).
RATE_FIGURES = frozenset(info.id for info in RULES if info.rates)


@dataclass(frozen=True)
class Mark:
    """A finding placed on a cell of the scored workbook."""

    position: int  # index in the findings handed to write_scored_workbooks
    finding: Finding
    sheet: str  # output sheet name
    sheet_order: int
    cell: str  # output A1
    fmt: ValueFormat | None  # how the cell's figure is formatted (for 应为 / 填报值)
    elsewhere: bool = False  # a cross-table finding marked in another workbook of the department


@dataclass(frozen=True)
class Overview:
    """One form sheet's line in the 审核结果 header."""

    name: str
    kind: str
    score: SheetScore | None
    counts: dict[str, int]


def write_review(
    ws: Worksheet,
    looks: Looks,
    read: WorkbookRead,
    department: str,
    overview: Sequence[Overview],
    marks: Sequence[Mark],
    profile_name: str,
) -> None:
    """The 审核结果 sheet: who and what, the scores, then every finding linked to its cell."""
    for c, (_, width) in enumerate(REVIEW_COLUMNS):
        ws.set_column(c, c, width)
    ws.hide_gridlines(2)
    last = len(REVIEW_COLUMNS) - 1
    file_name = read.file.rsplit("/", 1)[-1]
    ws.merge_range(0, 0, 0, last, "", looks.review("title"))
    ws.write_string(0, 0, f"审核结果：{file_name}", looks.review("title"))
    ws.set_row(0, 26)
    counts = {s: sum(1 for m in marks if m.finding.severity == s) for s in SEVERITY_NAMES}
    shared = sum(1 for m in marks if m.elsewhere)
    kinds = "、".join(dict.fromkeys(KIND_NAMES[o.kind] for o in overview)) or "未识别的表格"
    lines = [
        f"部门：{department or '（未填写）'}　　表格：{kinds}（{len(overview)}张）"
        f"　　评分口径：{profile_name}",
        "问题：" + "　".join(f"{SEVERITY_NAMES[s]} {n} 项" for s, n in counts.items())
        + (f"（含与同部门其他表格之间的问题 {shared} 项，标注在所列文件中）" if shared else "")
        + "　　（单元格一列可点击，跳转到标注的单元格；红色为错误，黄色为警告，蓝色为提示）",
    ]  # fmt: skip
    lines += [f"未审核的工作表“{sheet}”：{reason}" for sheet, reason in read.skipped_sheets]
    lines += _form_notes(read)
    for r, line in enumerate(lines, start=1):
        ws.merge_range(r, 0, r, last, "", looks.review("wrap"))
        ws.write_string(r, 0, line, looks.review("wrap"))
        ws.set_row(r, max(18, rows_for(line, sum(w for _, w in REVIEW_COLUMNS)) * 14.5 + 4))
    r = _write_overview(ws, looks, len(lines) + 2, overview)
    _write_findings(ws, looks, r + 1, marks)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.set_footer(PAGE_FOOTER)


def _form_notes(read: WorkbookRead) -> list[str]:
    """What the reader recognised beyond the official form: a published variant, amounts not in 万元."""
    notes = []
    for sheet in read.sheets:
        if sheet.variant:
            notes.append(
                f"工作表“{sheet.sheet}”：识别为{KIND_NAMES[sheet.kind]}的已知变体（{sheet.variant}），"
                "所缺部分按该表式不填，不作为问题"
            )
        for unit in dict.fromkeys(sheet.units.values()):
            notes.append(f"工作表“{sheet.sheet}”：金额以“{unit}”为单位填报，审核与评分时已换算为万元")
    return notes


def _write_overview(ws: Worksheet, looks: Looks, r: int, overview: Sequence[Overview]) -> int:
    """Per form sheet: grade, self and rule 总分, the difference and the counts; returns the next row."""
    heads = ("等级", "工作表", "自评总分", "规则总分", "自评与规则之差", "错误", "警告", "提示")
    for c, text in enumerate(heads):
        ws._write_string(r, c, text, looks.review("header"))
    for i, item in enumerate(overview, start=1):
        s = item.score
        ws._write_string(r + i, 0, s.grade if s else "—", looks.review("center"))
        ws._write_url(r + i, 1, internal_link(item.name, "A1"), looks.review("sheet_link"), item.name)
        for c, value in ((2, s.self_total if s else math.nan), (3, s.total if s else math.nan)):
            _write_value(ws, r + i, c, None if math.isnan(value) else value, looks.review_number("score"))
        claimed_more = s is not None and over_claimed(s.self_total, s.total)
        ws._write_string(r + i, 4, _difference(item), looks.review("over" if claimed_more else "cell"))
        count = looks.review_number("count")
        for c, severity in enumerate(SEVERITY_NAMES, start=5):
            ws._write_number(r + i, c, item.counts.get(severity, 0), count)
    return r + len(overview) + 1


def _difference(item: Overview) -> str:
    """The self-declared total against the rule's, in words."""
    s = item.score
    if s is None:
        return "基础数据表不评分，只核对数字"
    if math.isnan(s.self_total):
        return "未填自评总分"
    diff = round(s.self_total - s.total, 2)
    if abs(diff) < 0.005:
        return "一致"
    return f"自评{'高' if diff > 0 else '低'}{fmt_num(abs(diff))}分"


def _write_findings(ws: Worksheet, looks: Looks, r: int, marks: Sequence[Mark]) -> None:
    """The findings table from row r: header, one row per finding, filter and frozen header."""
    for c, (text, _) in enumerate(REVIEW_COLUMNS):
        ws.write_string(r, c, text, looks.review("header"))
    ws.set_row(r, 20)
    if not marks:
        ws.merge_range(r + 1, 0, r + 1, len(REVIEW_COLUMNS) - 1, "", looks.review("cell"))
        ws.write_string(r + 1, 0, "未发现问题", looks.review("cell"))
        return
    ordered = sorted(marks, key=review_order)
    width = REVIEW_COLUMNS[MESSAGE_COLUMN][1] * REVIEW_SCALE
    basis_width = REVIEW_COLUMNS[BASIS_COLUMN][1] * REVIEW_SCALE
    # One row per finding: the formats are fetched once, the cells written by xlsxwriter's undecorated
    # methods (the public ones only add a conversion of A1 arguments).
    cell, center, message = looks.review("cell"), looks.review("center"), looks.review("message")
    write_string, write_value = ws._write_string, _write_value
    for i, mark in enumerate(ordered, start=1):
        f, row = mark.finding, r + i
        write_string(row, 0, SEVERITY_NAMES[f.severity], looks.severity(f.severity))
        write_string(row, 1, f.rule_name, cell)
        write_string(row, 2, mark.sheet, cell)
        if mark.elsewhere:  # the cell is in another workbook: named (as in the input), not linked
            write_string(row, 3, f"原表{mark.cell}", center)
        elif i <= MAX_LINKS:
            ws._write_url(row, 3, internal_link(mark.sheet, mark.cell), looks.review("link"), mark.cell)
        else:
            write_string(row, 3, mark.cell, center)
        write_string(row, 4, f.message, message)
        number = looks.review_number(mark.fmt)
        write_value(ws, row, 5, f.expected, number)
        write_value(ws, row, 6, f.threshold, number)
        write_value(ws, row, 7, f.actual, number)
        write_value(ws, row, BASIS_COLUMN, f.basis, message)
        write_string(row, 9, f.rule, cell)
        write_string(row, 10, f.cell, center)
        lines = max(rows_for(f.message, width), rows_for(f.basis or "", basis_width))
        ws.set_row(row, max(18, lines * 13.5 + 5))
    _write_follow_up(ws, looks, r, ordered)
    ws.autofilter(r, 0, r + len(ordered), len(REVIEW_COLUMNS) + len(FOLLOW_UP_COLUMNS) - 1)
    if r + 1 <= MAX_FROZEN_ROWS:
        ws.freeze_panes(r + 1, 0)
    ws.repeat_rows(r)


def _write_follow_up(ws: Worksheet, looks: Looks, r: int, ordered: Sequence[Mark]) -> None:
    """情况说明, 审核意见 and the hidden key beside the findings; only the first two can be edited."""
    c0 = len(REVIEW_COLUMNS)
    for c, (text, width) in enumerate(FOLLOW_UP_COLUMNS, start=c0):
        ws.set_column(c, c, width, None, {"hidden": text == KEY_HEADER})
        ws.write_string(r, c, text, looks.review("header"))
    explanation, verdict, cell = looks.review("explanation"), looks.review("verdict"), looks.review("cell")
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        for c, given, look in ((c0, f.explanation, explanation), (c0 + 1, f.review, verdict)):
            if given:
                ws._write_string(r + i, c, given, look)
            else:
                ws._write_blank(r + i, c, None, look)
        ws._write_string(r + i, c0 + 2, f.key, cell)
    ws.data_validation(
        r + 1,
        c0 + 1,
        r + len(ordered),
        c0 + 1,
        {
            "validate": "list",
            "source": list(REVIEW_CHOICES),
            "input_title": REVIEW_HEADER,
            "input_message": "审核人填写：接受（情况说明成立）或不接受",
            "error_title": REVIEW_HEADER,
            "error_message": "请从下拉列表中选择：接受 或 不接受",
        },
    )
    # Protected without a password, so that only 情况说明 and 审核意见 take typing by mistake.
    ws.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})


def review_order(mark: Mark) -> tuple[object, ...]:
    """Severity, then sheet (as in the workbook), then cell (row, then column)."""
    row, col = rowcol(mark.cell)
    return (SEVERITY_ORDER[mark.finding.severity], mark.sheet_order, row, col, mark.finding.rule)


def _write_value(ws: Worksheet, r: int, c: int, value: object, fmt: Format) -> None:
    """A number as a number; anything else as text, never as a formula."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws._write_blank(r, c, None, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        ws._write_number(r, c, value, fmt)
    else:
        ws._write_string(r, c, str(value), fmt)


def rows_for(text: str, width: float) -> int:
    """How many lines a text wraps to in a column `width` units wide (a unit of padding)."""
    return wrapped_lines(text, width, 1.0)
