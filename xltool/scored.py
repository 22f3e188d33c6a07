"""The scored workbooks: every recognised input re-drawn in the official layout, checked and scored.

For each input workbook read as 'ok', one ``.xlsx`` at the input's relative path under OUT holds:

* a sheet ``审核结果`` first — the verdict a reviewer opens on (department, self and rule scores,
  counts by severity) and every finding, each linked to the cell it marks;
* each form sheet drawn by `render_form` under its own (sanitised) name, filled with the department's
  inputs. Computed cells hold their live formula and cached value; where the department wrote a figure
  there that the rules (or the formula) disagree with, its figure stays as a plain number;
* every cell a finding points at filled by severity and carrying a comment (rule id and message);
* to the right of 附件2 / 附件3 a block ``按规则计算``: the rule 执行率 and 得分, each indicator's rule
  得分 with its 计分依据, and the rule 总分 with its grade; further right, any extra indicator columns
  the department added (指标性质, 计量单位 …) under their own headers.

Only xlsxwriter is used here (no openpyxl, no pandas row loops): a province runs this 30,000 times.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.check_departments import derived_indicators
from xltool.layouts import BUDGET_WEIGHT, FORMS, FormKind, FormLayout, Grid
from xltool.layouts import Format as ValueFormat
from xltool.models import SEVERITY_ORDER, Anchor, Finding, FormSheet, WorkbookRead
from xltool.render import (
    A4_INCHES,
    BODY_FONT,
    CREATED,
    DIGIT_PX,
    END_MARGIN,
    NUMBER_FORMATS,
    ONE_PAGE_SLACK,
    SIDE_MARGIN,
    CellStyle,
    Placement,
    Styles,
    anchor_key,
    column_widths,
    display_units,
    render_form,
)
from xltool.rounding import fmt_num, fmt_rate
from xltool.rules import Context
from xltool.scoring import IndicatorStatus as S
from xltool.writing import atomic_path, output_path

__all__ = ["REVIEW_SHEET", "sheet_names", "write_scored_workbooks"]

log = logging.getLogger(__name__)

Location = tuple[str, str, str]  # (file relative to OUT, sheet, A1)

REVIEW_SHEET = "审核结果"
FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
KIND_NAMES: dict[str, str] = {
    "basic_data": "附件1 部门整体支出绩效评价基础数据表",
    "department": "附件2 部门整体支出绩效自评表",
    "project": "附件3 项目支出绩效自评表",
}
RULE_FILL = "#E2EFDA"  # the 按规则计算 block: light green, apart from the form's yellow and grey
RULE_BODY_FILL = "#F5FAF2"
OVER_FONT = "#9C0006"  # a rule score below the self-declared one
HEADER_FILL = "#F2F2F2"
LINK_FONT = "#0563C1"
TITLE_STYLE = CellStyle("title")
EXTRA_STYLE = CellStyle("input", "text", align="center")  # a value of a column the department added
TITLE_CELL = (0, 0)  # render_form draws every form's title across row 1 from A1
COMMENT_AUTHOR = "xltool"
COMMENT_FONT_SIZE = 9
COMMENT_CHAR_PX = 12.5  # a CJK character of 宋体 9 in pixels; other characters count half
COMMENT_LINE_PX = 15
COMMENT_MAX_PX = 380
COMMENT_SIZE = (128, 74)  # xlsxwriter's default comment box, the unit of x_scale / y_scale
GAP_WIDTH = 1.5
BLOCK_WIDTHS = (10.0, 26.0)  # 规则得分, 计分依据
EXTRA_MIN_WIDTH = 8.0
INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_SHEET_NAME = 31
RESERVED_SHEET_NAMES = (REVIEW_SHEET, "History")
MAX_FROZEN_ROWS = 14  # freeze the findings header only while the rows above it stay short
MAX_LINKS = 65_000  # Excel keeps at most 65,530 hyperlinks per worksheet
# Half a unit of the last printed decimal: a stated figure this close shows the same as the formula.
DISPLAY_HALF_UNIT: dict[str, float] = {"rate": 0.00005}
DEFAULT_HALF_UNIT = 0.005
REVIEW_SCALE = 11 / 10  # the 审核结果 table is set in 10 pt
NOTE_SCALE = 11 / 9  # 审核意见 lines are set in 9 pt where columns are measured in 11 pt
DERIVED_BASIS = {
    "在职人员控制率": "实际在职人数÷编制数",
    "三公经费变动率": "（本年决算数−上年决算数）÷上年决算数",
    "三公经费控制率": "三公经费决算数÷预算数",
    "公用经费控制率": "公用经费决算数÷预算数",
    "政府采购执行率": "政府采购决算数÷预算数",
    "预算调整率": "（附件2全年预算数−年初预算数）÷年初预算数",
}
BAND_NAMES = {"achieved": "达成", "partial": "部分达成", "failed": "未达成"}
REVIEW_COLUMNS: tuple[tuple[str, float], ...] = (
    ("级别", 7),
    ("规则", 22),
    ("工作表", 18),
    ("单元格", 8),
    ("问题说明", 62),
    ("应为", 12),
    ("填报值", 12),
    ("原表单元格", 11),
)
MESSAGE_COLUMN = 4
# Rules whose 应为 / 填报值 are rates although the cell they mark holds an amount.
RATE_FIGURES = frozenset({"B-EXEC-LOW"})


# ---------------------------------------------------------------------------------------------
# What the rules computed, pulled from the context once per chunk


@dataclass(frozen=True)
class IndicatorScore:
    """The rule's verdict on one indicator row."""

    score: float
    status: str
    ratio: float
    level: str | None
    self_score: float


@dataclass(frozen=True)
class SheetScore:
    """The rule's figures for one scored sheet (附件2 / 附件3)."""

    rate: float
    score: float
    stated_score: float
    total: float
    grade: str
    self_total: float
    na_weight: float
    deduction: float
    cap: float
    capped: bool
    indicators: dict[int, IndicatorScore] = field(default_factory=dict)


def chunk_scores(ctx: Context) -> dict[int, SheetScore]:
    """Every scored sheet's rule figures by sid, read from the context's frames in one pass each."""
    ind = ctx.indicators
    per_sheet: dict[int, dict[int, IndicatorScore]] = defaultdict(dict)
    if not ind.empty:
        columns = ("sid", "index", "score", "status", "ratio", "level", "self_score")
        for sid, index, score, status, ratio, level, self_score in zip(
            *(ind[c].to_numpy() for c in columns), strict=True
        ):
            per_sheet[int(sid)][int(index)] = IndicatorScore(
                float(score),
                str(status),
                float(ratio),
                level if isinstance(level, str) else None,
                float(self_score),
            )
    budget, totals = ctx.budget, ctx.totals.reindex(ctx.budget.index)
    rows = zip(
        budget.index,
        *(budget[c].to_numpy(dtype=float) for c in ("rate", "score", "stated_score")),
        *(totals[c].to_numpy(dtype=float) for c in ("score", "self_score", "na_weight", "deduction", "cap")),
        totals["capped"].to_numpy(),
        totals["grade"].to_numpy(),
        strict=True,
    )
    return {
        int(sid): SheetScore(
            rate,
            score,
            stated,
            total,
            str(grade),
            self_total,
            na,
            ded,
            cap,
            bool(capped),
            per_sheet.get(int(sid), {}),
        )
        for sid, rate, score, stated, total, self_total, na, ded, cap, capped, grade in rows
    }


def chunk_derived(ctx: Context) -> dict[str, dict[str, float]]:
    """Each department's derived indicators (rules.md family E) by department key."""
    frame = derived_indicators(ctx)
    return {
        str(dept): {str(k): float(v) for k, v in values.items()}
        for dept, values in zip(frame.index, frame.to_dict("records"), strict=True)
    }


# ---------------------------------------------------------------------------------------------
# The formulas of a form, to know which stated figures a formula would not show


@dataclass(frozen=True)
class _Formula:
    """A computed cell as `render_form` writes it: what it does, over which anchors, in which order."""

    anchor: Anchor
    op: Literal["sum", "ratio", "score", "total"]
    refs: tuple[Anchor, ...]
    rank: int
    fmt: ValueFormat


@functools.cache
def form_formulas(kind: FormKind) -> tuple[_Formula, ...]:
    """The computed cells of a form in the order render_form fills them (parts before totals)."""
    layout = FORMS[kind]
    formulas: list[_Formula] = []
    for grid in layout.grids:
        for row in grid.rows:
            for column, role in zip(grid.columns, row.roles, strict=True):
                if role == "computed":
                    formulas.append(_grid_formula(grid, row.key, column.key, column.fmt))
    if layout.indicators is not None:
        formulas.append(_Formula(("total", "score"), "total", (), 30, "score"))
    return tuple(sorted(formulas, key=lambda f: f.rank))


def _grid_formula(grid: Grid, row: str, column: str, fmt: ValueFormat) -> _Formula:
    """The formula of one computed grid cell (the same choice render._computation makes)."""
    anchor = ("figure", grid.key, row, column)
    for total in grid.totals:
        if total.total == row and column in total.columns:
            parts = tuple(("figure", grid.key, p, column) for p in total.parts)
            return _Formula(anchor, "sum", parts, _depth(grid, total.total), fmt)
    for ratio in grid.ratios:
        if (ratio.row, ratio.column) == (row, column):
            refs = (("figure", grid.key, *ratio.numerator), ("figure", grid.key, *ratio.denominator))
            return _Formula(anchor, "ratio", refs, 10, fmt)
    if column == "rate":
        refs = (("figure", grid.key, row, "executed"), ("figure", grid.key, row, "full_year"))
        return _Formula(anchor, "ratio", refs, 10, fmt)
    return _Formula(anchor, "score", (("figure", grid.key, row, "rate"),), 20, fmt)


def _depth(grid: Grid, key: str) -> int:
    """How many levels of totals sit under a total (its rank among the sums)."""
    total = next(t for t in grid.totals if t.total == key)
    inner = [p for p in total.parts if any(t.total == p for t in grid.totals)]
    return 1 + max((_depth(grid, p) for p in inner), default=0)


def _round2(value: Decimal) -> Decimal:
    """Excel's ROUND(x, 2)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _evaluate(formula: _Formula, values: Sequence[Decimal | None]) -> Decimal | None:
    """What a formula shows once its cells hold `values` (blank as None), as Excel computes it."""
    numbers = [v for v in values if v is not None]
    if formula.op in ("sum", "total"):
        if not numbers:
            return None
        total = sum(numbers, Decimal(0))
        return _round2(total) if formula.op == "total" else total
    if formula.op == "ratio":
        numerator, denominator = values
        return None if not denominator else (numerator or Decimal(0)) / denominator
    (rate,) = values
    return None if rate is None else _round2(min(rate, Decimal(1)) * BUDGET_WEIGHT)


def kept_figures(sheet: FormSheet, disputed: Iterable[Anchor]) -> dict[Anchor, Decimal]:
    """Computed cells whose stated figure stays: disputed by a rule, or not what the formula shows."""
    disputed = set(disputed)
    values: dict[Anchor, Decimal | None] = {f.anchor: f.value for f in sheet.figures}
    indicator_scores = [("indicator", str(i), "score") for i in range(len(sheet.indicators))]
    values.update(zip(indicator_scores, (row.self_score for row in sheet.indicators), strict=True))
    kept: dict[Anchor, Decimal] = {}
    for formula in form_formulas(sheet.kind):
        refs = formula.refs
        if formula.op == "total":
            refs = (("figure", "budget", "total", "score"), *indicator_scores)
            stated = sheet.total_score.value if sheet.total_score is not None else None
        else:
            stated = values.get(formula.anchor)
        shown = _evaluate(formula, [values.get(r) for r in refs])
        if stated is not None and (formula.anchor in disputed or not _shows_same(stated, shown, formula.fmt)):
            kept[formula.anchor] = stated
            values[formula.anchor] = stated
        else:
            values[formula.anchor] = shown
    return kept


def _shows_same(stated: Decimal, shown: Decimal | None, fmt: ValueFormat) -> bool:
    """Whether a formula's value prints as the stated figure does (same last decimal)."""
    if shown is None:
        return False
    return abs(float(stated) - float(shown)) <= DISPLAY_HALF_UNIT.get(fmt, DEFAULT_HALF_UNIT) + 1e-12


# ---------------------------------------------------------------------------------------------
# Sheet names


def sheet_names(names: Sequence[str], reserved: Sequence[str] = RESERVED_SHEET_NAMES) -> list[str]:
    """Valid, unique Excel sheet names: no ``[]:*?/\\``, at most 31 characters, ``(2)`` on clashes."""
    used = {name.casefold() for name in reserved}
    out = []
    for name in names:
        base = INVALID_SHEET_CHARS.sub("_", unicodedata.normalize("NFC", name)).strip().strip("'") or "Sheet"
        candidate, n = base[:MAX_SHEET_NAME], 2
        while candidate.casefold() in used:
            suffix = f"({n})"
            candidate, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _internal(sheet: str, cell: str) -> str:
    """An internal hyperlink target to a cell of a sheet of the same workbook."""
    return "internal:'{}'!{}".format(sheet.replace("'", "''"), cell)


# ---------------------------------------------------------------------------------------------
# Looks


class Looks:
    """The formats of the scored workbook that are not form cells, created once per workbook on use."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._formats: dict[tuple[tuple[str, object], ...], Format] = {}

    def get(self, **props: object) -> Format:
        """A format with these xlsxwriter properties (over the body font, vertically centred)."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self._workbook.add_format({"valign": "vcenter", **props})
        return self._formats[key]

    def block_header(self) -> Format:
        """A heading cell of the 按规则计算 block."""
        return self.get(bold=True, bg_color=RULE_FILL, border=1, align="center", text_wrap=True)

    def block_value(self, fmt: str, *, over: bool = False, text: bool = False) -> Format:
        """A value cell of the 按规则计算 block; bold red when the department claimed more."""
        props: dict[str, object] = {"border": 1, "bg_color": RULE_BODY_FILL}
        props |= {"text_wrap": True, "font_size": 10} if text else {"num_format": fmt, "align": "center"}
        if over:
            props |= {"bold": True, "font_color": OVER_FONT}
        return self.get(**props)

    def note_cell(self, severity: str) -> Format:
        """The cell reference of a 审核意见 line: a link filled by severity."""
        return self.get(
            font_size=9, align="center", bg_color=FILLS[severity], font_color=LINK_FONT, underline=1
        )

    def note_text(self) -> Format:
        """The text of a 审核意见 line."""
        return self.get(font_size=9, text_wrap=True)

    def review(self, kind: str) -> Format:
        """Formats of the 审核结果 sheet by name."""
        props: dict[str, dict[str, object]] = {
            "title": {"bold": True, "font_size": 14},
            "text": {"font_size": 10},
            "wrap": {"font_size": 10, "text_wrap": True, "valign": "top"},
            "header": {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "align": "center",
                "text_wrap": True,
            },
            "cell": {"font_size": 10, "border": 1},
            "over": {"font_size": 10, "border": 1, "bold": True, "font_color": OVER_FONT},
            "center": {"font_size": 10, "border": 1, "align": "center"},
            "message": {"font_size": 10, "border": 1, "text_wrap": True},
            "link": {
                "font_size": 10,
                "border": 1,
                "font_color": LINK_FONT,
                "underline": 1,
                "align": "center",
            },
            "sheet_link": {"font_size": 10, "border": 1, "font_color": LINK_FONT, "underline": 1},
        }
        return self.get(**props[kind])

    def review_number(self, fmt: ValueFormat | None) -> Format:
        """A bordered number cell of the 审核结果 sheet in a value format."""
        number = NUMBER_FORMATS[fmt] if fmt and fmt != "text" else "General"
        return self.get(font_size=10, border=1, align="right", num_format=number)

    def severity(self, severity: str) -> Format:
        """The 级别 cell of a finding, filled by severity."""
        return self.get(font_size=10, border=1, align="center", bg_color=FILLS[severity])


# ---------------------------------------------------------------------------------------------
# Marks: findings placed on cells


@dataclass(frozen=True)
class Mark:
    """A finding placed on a cell of the scored workbook."""

    position: int  # index in the findings handed to write_scored_workbooks
    finding: Finding
    sheet: str  # output sheet name
    sheet_order: int
    cell: str  # output A1
    fmt: ValueFormat | None  # how the cell's figure is formatted (for 应为 / 填报值)


def _place(
    placement: Placement, extras: Mapping[Anchor, str], anchor: Anchor
) -> tuple[str, CellStyle | None]:
    """The output cell of a finding's anchor and its style; the title cell when it has no place."""
    key = anchor_key(anchor)
    if key in extras:
        return extras[key], EXTRA_STYLE
    cell = placement.cells.get(key)
    if cell is None:
        return xl_rowcol_to_cell(*TITLE_CELL), TITLE_STYLE
    return cell, placement.styles.get(key)


def _comment(findings: Sequence[Finding]) -> tuple[str, dict[str, object]]:
    """One line per finding, worst first, and comment options sizing the box to the text."""
    lines = [f"【{SEVERITY_NAMES[f.severity]} {f.rule}】{f.message}" for f in findings]
    widths = [_text_px(line) for line in lines]
    width = min(max(widths), COMMENT_MAX_PX) + 16
    rows = sum(max(1, math.ceil(w / (width - 16))) for w in widths)
    height = rows * COMMENT_LINE_PX + 20
    options: dict[str, object] = {
        "author": COMMENT_AUTHOR,
        "font_name": BODY_FONT,
        "font_size": COMMENT_FONT_SIZE,
        "x_scale": round(width / COMMENT_SIZE[0], 3),
        "y_scale": round(height / COMMENT_SIZE[1], 3),
    }
    return "\n".join(lines), options


def _text_px(text: str) -> float:
    """Rough pixel width of a comment line."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return wide * COMMENT_CHAR_PX + (len(text) - wide) * COMMENT_CHAR_PX / 2


def _restyle(ws: Worksheet, row: int, col: int, fmt: Format) -> None:
    """Give a written cell (and the rest of its merged range) another format, keeping its value."""
    # xlsxwriter has no call to restyle a cell; its cell records are named tuples with a format field.
    last_row, last_col = row, col
    for first_r, first_c, end_r, end_c in ws.merge:
        if (first_r, first_c) == (row, col):
            last_row, last_col = end_r, end_c
            break
    for r in range(row, last_row + 1):
        cells = ws.table[r]
        for c in range(col, last_col + 1):
            cell = cells.get(c)
            if cell is None:
                ws.write_blank(r, c, None, fmt)
            else:
                cells[c] = cell._replace(format=fmt)


# ---------------------------------------------------------------------------------------------
# One form sheet


@dataclass
class _SheetJob:
    """Everything needed to draw one form sheet of a scored workbook."""

    sheet: FormSheet
    name: str
    order: int
    findings: list[tuple[int, Finding]]
    score: SheetScore | None
    derived: Mapping[str, float] = field(default_factory=dict)  # 附件1: family E indicators


def _draw_sheet(
    workbook: Workbook, job: _SheetJob, styles: Styles, looks: Looks, profile_name: str
) -> list[Mark]:
    """Draw one form, keep disputed figures, add the rule block and extras, mark the findings."""
    sheet, layout = job.sheet, FORMS[job.sheet.kind]
    ws = workbook.add_worksheet(job.name)
    disputed = {anchor_key(f.anchor) for _, f in job.findings if f.actual is not None}
    kept = kept_figures(sheet, disputed)
    computed = {anchor: float(value) for anchor, value in kept.items()}
    placement = render_form(
        workbook, ws, layout, year=sheet.year, content=sheet, styles=styles, computed=computed
    )
    widths = list(column_widths(layout))
    form_cols = len(widths)
    extras: dict[Anchor, str] = {}
    if layout.indicators is not None:
        _rule_block(ws, looks, placement, sheet, job.score, widths, profile_name)
        _extra_columns(ws, styles, layout, placement, sheet, widths, extras)
    marks = _mark(ws, styles, placement, extras, kept, job)
    last_row = placement.last_row - 1
    if sheet.kind == "basic_data" and job.derived:
        last_row = _derived_block(ws, looks, last_row + 2, form_cols - 1, job.derived)
    last_row = _notes(ws, looks, last_row + 2, form_cols - 1, widths, marks)
    ws.print_area(0, 0, last_row, len(widths) - 1)
    _fit(ws, layout, widths, last_row)
    return marks


def _derived_block(ws: Worksheet, looks: Looks, r: int, last_col: int, derived: Mapping[str, float]) -> int:
    """附件1's derived indicators (rules.md family E) under the form; returns the last row used."""
    head, text = looks.block_header(), looks.block_value("", text=True)
    ws.write_string(r, 0, "派生指标（按规则计算）", head)
    ws.write_string(r, 1, "数值", head)
    ws.merge_range(r, 2, r, last_col, "", head)
    ws.write_string(r, 2, "计算口径", head)
    for i, (name, basis) in enumerate(DERIVED_BASIS.items(), start=1):
        value = derived.get(name, math.nan)
        ws.write_string(r + i, 0, name, text)
        if math.isnan(value):
            ws.write_string(r + i, 1, "缺少数字，无法计算", text)
        else:
            ws.write_number(r + i, 1, value, looks.block_value("0.00%"))
        ws.merge_range(r + i, 2, r + i, last_col, "", text)
        ws.write_string(r + i, 2, basis, text)
    return r + len(DERIVED_BASIS)


def _notes(
    ws: Worksheet, looks: Looks, r: int, last_col: int, widths: Sequence[float], marks: Sequence[Mark]
) -> int:
    """审核意见 under the form, one line per finding, so a printout says why; returns the last row used."""
    if not marks:
        return r - 2
    ordered = sorted(marks, key=_review_order)
    heading = f"审核意见（共{len(ordered)}条；单元格批注和“{REVIEW_SHEET}”表有同样说明）"
    ws.merge_range(r, 0, r, last_col, "", looks.get(bold=True, font_size=10))
    ws.write_string(r, 0, heading, looks.get(bold=True, font_size=10))
    width = sum(widths[1 : last_col + 1])
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        line = f"{i}. 【{SEVERITY_NAMES[f.severity]} {f.rule}】{f.message}"
        ws.write_url(
            r + i, 0, _internal(mark.sheet, mark.cell), looks.note_cell(f.severity), string=mark.cell
        )
        ws.merge_range(r + i, 1, r + i, last_col, "", looks.note_text())
        ws.write_string(r + i, 1, line, looks.note_text())
        ws.set_row(r + i, max(16, _rows_for(line, width * NOTE_SCALE) * 12.5 + 4))
    return r + len(ordered)


def _fit(ws: Worksheet, layout: FormLayout, widths: Sequence[float], last_row: int) -> None:
    """One page wide; one page tall too when the sheet is at most ONE_PAGE_SLACK pages (as render does)."""
    width_in, height_in = (A4_INCHES[1], A4_INCHES[0]) if layout.landscape else A4_INCHES
    width_pt = sum(w * DIGIT_PX + 5 for w in widths) * 0.75
    scale = min(1.0, (width_in - 2 * SIDE_MARGIN) * 72 / width_pt)
    # xlsxwriter keeps row heights in pixels; rows never set are 20 px.
    height_pt = sum(ws.row_sizes.get(r, (20,))[0] for r in range(last_row + 1)) * 0.75
    pages = height_pt * scale / ((height_in - 2 * END_MARGIN - 0.4) * 72)
    ws.fit_to_pages(1, 1 if pages <= ONE_PAGE_SLACK else 0)


def _mark(
    ws: Worksheet,
    styles: Styles,
    placement: Placement,
    extras: Mapping[Anchor, str],
    kept: Mapping[Anchor, Decimal],
    job: _SheetJob,
) -> list[Mark]:
    """Write the kept figures, then fill and comment every cell a finding points at."""
    by_cell: dict[str, list[tuple[int, Finding]]] = defaultdict(list)
    marks: list[Mark] = []
    styles_at: dict[str, CellStyle | None] = {}
    for position, finding in job.findings:
        cell, style = _place(placement, extras, finding.anchor)
        by_cell[cell].append((position, finding))
        styles_at[cell] = style
        fmt = "rate" if finding.rule in RATE_FIGURES else style.fmt if style is not None else None
        marks.append(Mark(position, finding, job.name, job.order, cell, fmt))
    for anchor, value in kept.items():
        a1 = placement.cells.get(anchor)
        if a1 is None:
            continue
        hits = by_cell.get(a1)
        style = placement.styles[anchor]
        if hits:
            style = style.filled(FILLS[_worst(f for _, f in hits)])
        ws.write_number(*xl_cell_to_rowcol(a1), float(value), styles.get(style))
    kept_cells = {placement.cells.get(a) for a in kept}
    for cell, hits in by_cell.items():
        row, col = xl_cell_to_rowcol(cell)
        findings = sorted((f for _, f in hits), key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))
        style = styles_at[cell]
        if cell not in kept_cells and style is not None:
            _restyle(ws, row, col, styles.get(style.filled(FILLS[findings[0].severity])))
        text, options = _comment(findings)
        ws.write_comment(row, col, text, options)
    return marks


def _worst(findings: Iterable[Finding]) -> str:
    """The highest severity among some findings."""
    return min((f.severity for f in findings), key=SEVERITY_ORDER.__getitem__)


def _row(placement: Placement, anchor: Anchor) -> int | None:
    """The 0-based row of an anchor's cell, if placed."""
    a1 = placement.at(anchor)
    return None if a1 is None else xl_cell_to_rowcol(a1)[0]


def _rule_block(
    ws: Worksheet,
    looks: Looks,
    placement: Placement,
    sheet: FormSheet,
    score: SheetScore | None,
    widths: list[float],
    profile_name: str,
) -> None:
    """The 按规则计算 columns beside 附件2 / 附件3 (after a narrow gap); their widths join `widths`."""
    c0 = len(widths) + 1
    for c, width in enumerate((GAP_WIDTH, *BLOCK_WIDTHS), start=len(widths)):
        ws.set_column(c, c, width)
        widths.append(width)
    budget_row = _row(placement, ("figure", "budget", "total", "initial"))
    first_indicator = _row(placement, ("indicator", "0", "name"))
    total_row = _row(placement, ("total", "score"))
    head = looks.block_header()
    if budget_row is not None:
        ws.merge_range(budget_row - 2, c0, budget_row - 2, c0 + 1, "", head)
        ws.write_string(budget_row - 2, c0, f"按规则计算（{profile_name}口径）", head)
        ws.write_string(budget_row - 1, c0, "规则得分", head)
        ws.write_string(budget_row - 1, c0 + 1, "规则执行率", head)
        _budget_values(ws, looks, budget_row, c0, score)
    if first_indicator is not None:
        ws.write_string(first_indicator - 1, c0, "规则得分", head)
        ws.write_string(first_indicator - 1, c0 + 1, "计分依据", head)
        indicators = score.indicators if score else {}
        rows = [row.index for row in sheet.indicators]
        i = 0
        while (r := _row(placement, ("indicator", str(i), "name"))) is not None:  # blank template rows too
            _indicator_values(ws, looks, r, c0, indicators.get(rows[i]) if i < len(rows) else None)
            i += 1
    if total_row is not None:
        _total_values(ws, looks, total_row, c0, score)


def _over(claimed: float, rule: float) -> bool:
    """Whether a self-declared score is above the rule's."""
    return not (math.isnan(claimed) or math.isnan(rule)) and claimed > rule + 0.005


def _budget_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """规则得分 and 规则执行率 on the 年度资金总额 row."""
    if score is None:
        return
    ws.write_number(
        r, c0, score.score, looks.block_value("0.00", over=_over(score.stated_score, score.score))
    )
    if math.isnan(score.rate):
        ws.write_string(r, c0 + 1, "全年预算数为空或0，无法计算", looks.block_value("", text=True))
    else:
        ws.write_number(r, c0 + 1, score.rate, looks.block_value("0.00%"))


def _indicator_values(ws: Worksheet, looks: Looks, r: int, c0: int, item: IndicatorScore | None) -> None:
    """规则得分 and 计分依据 of one indicator row."""
    text = looks.block_value("", text=True)
    if item is None:
        ws.write_blank(r, c0, None, looks.block_value("0.00"))
        ws.write_blank(r, c0 + 1, None, text)
        return
    if math.isnan(item.score):
        ws.write_blank(r, c0, None, looks.block_value("0.00"))
    else:
        ws.write_number(r, c0, item.score, looks.block_value("0.00", over=_over(item.self_score, item.score)))
    ws.write_string(r, c0 + 1, basis(item), text)


def basis(item: IndicatorScore) -> str:
    """A short 计分依据 for an indicator's rule score."""
    band = BAND_NAMES.get(item.level or "")
    if item.status == S.QUANTITATIVE:
        return f"完成{fmt_rate(item.ratio)}"
    if item.status == S.QUALITATIVE_FULL:
        return "定性：已达成"
    if item.status == S.QUALITATIVE_BAND:
        return f"定性：{band}档" if band else "定性：按档次"
    if item.status == S.NONNUMERIC_ACTUAL:
        if item.level == "achieved":
            return "实际值非数值，按已达成计"
        return f"实际值非数值，按{band}档" if band else "实际值非数值，保留自评分"
    return {
        S.UNIT_MISMATCH: "单位不一致，保留自评分",
        S.MISSING_ACTUAL: "未填实际值，按0分",
        S.MISSING_TARGET: "未填指标值，保留自评分",
        S.QUALITATIVE_UNKNOWN: "定性：未写明是否达成，保留自评分",
        S.NA: "不适用，已剔除",
    }.get(item.status, "")


def _total_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """The rule 总分 and its grade on the 总分 row."""
    if score is None:
        return
    ws.write_number(r, c0, score.total, looks.block_value("0.00", over=_over(score.self_total, score.total)))
    notes = [f"等级：{score.grade}"]
    if score.na_weight > 0:
        notes.append(f"剔除不适用{fmt_num(score.na_weight)}分后折算")
    if score.deduction > 0:
        notes.append(f"超目标扣{fmt_num(score.deduction)}分")
    if score.capped:
        notes.append(f"按执行率封顶{fmt_num(score.cap)}分")
    ws.write_string(r, c0 + 1, "；".join(notes), looks.block_value("", text=True))


def _extra_columns(
    ws: Worksheet,
    styles: Styles,
    layout: FormLayout,
    placement: Placement,
    sheet: FormSheet,
    widths: list[float],
    extras: dict[Anchor, str],
) -> None:
    """The department's own indicator columns (指标性质 …) right of the block; their widths join `widths`."""
    first = _row(placement, ("indicator", "0", "name"))
    if not sheet.extra_columns or first is None or layout.indicators is None:
        return
    table = layout.indicators
    value_style = styles.get(EXTRA_STYLE)
    for header in sheet.extra_columns:
        c = len(widths)
        key = next((col.key for col in table.extra_columns if col.term.matches(header)), header)
        ws.write_string(first - 1, c, header, styles.get(CellStyle("header")))
        longest = display_units(header)
        for i, row in enumerate(sheet.indicators):
            r = _row(placement, ("indicator", str(i), "name"))
            if r is None:
                continue
            value = dict(row.extras).get(header, "")
            if value:
                ws.write_string(r, c, value, value_style)
            else:
                ws.write_blank(r, c, None, value_style)
            extras[("indicator", str(i), key)] = xl_rowcol_to_cell(r, c)
            longest = max(longest, display_units(value))
        widths.append(max(EXTRA_MIN_WIDTH, min(longest + 2, 30)))
        ws.set_column(c, c, widths[-1])


# ---------------------------------------------------------------------------------------------
# The 审核结果 sheet


@dataclass(frozen=True)
class _Overview:
    """One form sheet's line in the 审核结果 header."""

    name: str
    kind: str
    score: SheetScore | None
    counts: dict[str, int]


def _write_review(
    ws: Worksheet,
    looks: Looks,
    read: WorkbookRead,
    department: str,
    overview: Sequence[_Overview],
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
    kinds = "、".join(dict.fromkeys(KIND_NAMES[o.kind] for o in overview)) or "未识别的表格"
    lines = [
        f"部门：{department or '（未填写）'}　　表格：{kinds}（{len(overview)}张）"
        f"　　评分口径：{profile_name}",
        "问题：" + "　".join(f"{SEVERITY_NAMES[s]} {n} 项" for s, n in counts.items())
        + "　　（单元格一列可点击，跳转到标注的单元格；红色为错误，黄色为警告，蓝色为提示）",
    ]  # fmt: skip
    lines += [f"未审核的工作表“{sheet}”：{reason}" for sheet, reason in read.skipped_sheets]
    for r, line in enumerate(lines, start=1):
        ws.merge_range(r, 0, r, last, "", looks.review("wrap"))
        ws.write_string(r, 0, line, looks.review("wrap"))
        ws.set_row(r, max(18, _rows_for(line, sum(w for _, w in REVIEW_COLUMNS)) * 14.5 + 4))
    r = _write_overview(ws, looks, len(lines) + 2, overview)
    _write_findings(ws, looks, r + 1, marks)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.set_footer(f'&C&"{BODY_FONT}"&9第 &P 页，共 &N 页')


def _write_overview(ws: Worksheet, looks: Looks, r: int, overview: Sequence[_Overview]) -> int:
    """Per form sheet: grade, self and rule 总分, the difference and the counts; returns the next row."""
    heads = ("等级", "工作表", "自评总分", "规则总分", "自评与规则之差", "错误", "警告", "提示")
    for c, text in enumerate(heads):
        ws.write_string(r, c, text, looks.review("header"))
    for i, item in enumerate(overview, start=1):
        s = item.score
        ws.write_string(r + i, 0, s.grade if s else "—", looks.review("center"))
        ws.write_url(r + i, 1, _internal(item.name, "A1"), looks.review("sheet_link"), string=item.name)
        for c, value in ((2, s.self_total if s else math.nan), (3, s.total if s else math.nan)):
            _write_value(ws, r + i, c, None if math.isnan(value) else value, looks.review_number("score"))
        claimed_more = s is not None and _over(s.self_total, s.total)
        ws.write_string(r + i, 4, _difference(item), looks.review("over" if claimed_more else "cell"))
        for c, severity in enumerate(SEVERITY_NAMES, start=5):
            ws.write_number(r + i, c, item.counts.get(severity, 0), looks.review_number("count"))
    return r + len(overview) + 1


def _difference(item: _Overview) -> str:
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
    ordered = sorted(marks, key=_review_order)
    width = REVIEW_COLUMNS[MESSAGE_COLUMN][1]
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        ws.write_string(r + i, 0, SEVERITY_NAMES[f.severity], looks.severity(f.severity))
        ws.write_string(r + i, 1, f.rule, looks.review("cell"))
        ws.write_string(r + i, 2, mark.sheet, looks.review("cell"))
        if i <= MAX_LINKS:
            ws.write_url(r + i, 3, _internal(mark.sheet, mark.cell), looks.review("link"), string=mark.cell)
        else:
            ws.write_string(r + i, 3, mark.cell, looks.review("center"))
        ws.write_string(r + i, 4, f.message, looks.review("message"))
        _write_value(ws, r + i, 5, f.expected, looks.review_number(mark.fmt))
        _write_value(ws, r + i, 6, f.actual, looks.review_number(mark.fmt))
        ws.write_string(r + i, 7, f.cell, looks.review("center"))
        ws.set_row(r + i, max(18, _rows_for(f.message, width * REVIEW_SCALE) * 13.5 + 5))
    ws.autofilter(r, 0, r + len(ordered), len(REVIEW_COLUMNS) - 1)
    if r + 1 <= MAX_FROZEN_ROWS:
        ws.freeze_panes(r + 1, 0)
    ws.repeat_rows(r)


def _review_order(mark: Mark) -> tuple[object, ...]:
    """Severity, then sheet (as in the workbook), then cell (row, then column)."""
    row, col = xl_cell_to_rowcol(mark.cell)
    return (SEVERITY_ORDER[mark.finding.severity], mark.sheet_order, row, col, mark.finding.rule)


def _write_value(ws: Worksheet, r: int, c: int, value: object, fmt: Format) -> None:
    """A number as a number; anything else as text, never as a formula."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _rows_for(text: str, width: float) -> int:
    """How many lines a text wraps to in a column `width` units wide."""
    usable = max(width - 1.0, 2.0)
    return sum(max(1, math.ceil(display_units(part) / usable)) for part in text.split("\n"))


# ---------------------------------------------------------------------------------------------
# Workbooks


def workbook_options() -> dict[str, Any]:
    """xlsxwriter options: submitted text stays text; a fresh dict each time (xlsxwriter mutates it)."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "in_memory": True,
        "default_format_properties": {"font_name": BODY_FONT, "font_size": 11},
    }


def _write_workbook(
    path: Path,
    read: WorkbookRead,
    jobs: Sequence[_SheetJob],
    department: str,
    profile_name: str,
) -> list[Mark]:
    """Write one scored workbook at `path`; returns its marks."""
    workbook = xlsxwriter.Workbook(str(path), workbook_options())
    workbook.set_properties({"created": CREATED, "title": f"审核结果：{read.file}", "author": COMMENT_AUTHOR})
    styles, looks = Styles(workbook), Looks(workbook)
    review = workbook.add_worksheet(REVIEW_SHEET)
    marks: list[Mark] = []
    overview = []
    for job in jobs:
        sheet_marks = _draw_sheet(workbook, job, styles, looks, profile_name)
        marks.extend(sheet_marks)
        counts = {s: sum(1 for m in sheet_marks if m.finding.severity == s) for s in SEVERITY_NAMES}
        overview.append(_Overview(job.name, job.sheet.kind, job.score, counts))
    _write_review(review, looks, read, department, overview, marks, profile_name)
    workbook.close()
    return marks


def write_scored_workbooks(
    out: Path, reads: Sequence[WorkbookRead], ctx: Context, findings: Sequence[Finding]
) -> tuple[list[str], list[Location | None]]:
    """Write a scored workbook per 'ok' read; return the files (relative to OUT) and each finding's mark."""
    by_sheet: dict[tuple[str, str], list[tuple[int, Finding]]] = defaultdict(list)
    for position, finding in enumerate(findings):
        by_sheet[(finding.file, finding.sheet)].append((position, finding))
    scores = chunk_scores(ctx)
    derived = chunk_derived(ctx)
    sheets = ctx.frames.sheets
    departments = {
        int(s): str(d) for s, d in zip(sheets["sid"].to_numpy(), sheets["dept"].to_numpy(), strict=True)
    }
    profile_name = ctx.profile.name
    written: list[str] = []
    locations: list[Location | None] = [None] * len(findings)
    targets = output_targets(out, reads)
    sid = 0
    for read in reads:
        first_sid, sid = sid, sid + len(read.sheets)
        if read.status != "ok":
            continue
        target = targets[read.file]
        names = sheet_names([s.sheet for s in read.sheets])
        jobs = [
            _SheetJob(
                sheet,
                name,
                order,
                by_sheet.get((read.file, sheet.sheet), []),
                scores.get(first_sid + order),
                derived.get(departments.get(first_sid + order, ""), {}),
            )
            for order, (sheet, name) in enumerate(zip(read.sheets, names, strict=True))
        ]
        department = departments.get(first_sid, "") if read.sheets else ""
        try:
            with atomic_path(target) as tmp:
                marks = _write_workbook(tmp, read, jobs, department, profile_name)
        except Exception:  # a writer bug must not stop a batch of 30,000 files
            log.exception("评分表写入失败：%s", read.file)
            continue
        relative = target.relative_to(out).as_posix()
        written.append(relative)
        for mark in marks:
            locations[mark.position] = (relative, mark.sheet, mark.cell)
    return written, locations


def output_targets(out: Path, reads: Sequence[WorkbookRead]) -> dict[str, Path]:
    """Each 'ok' read's output path: an ``.xlsx`` input keeps its name, a clashing ``.xls`` gets ``(2)``."""
    ok = [read.file for read in reads if read.status == "ok"]
    taken: set[Path] = set()
    targets: dict[str, Path] = {}
    for file in sorted(ok, key=lambda f: not f.lower().endswith(".xlsx")):  # stable: input order otherwise
        target = candidate = output_path(out, file, ".xlsx")
        n = 2
        while candidate in taken:
            candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
            n += 1
        taken.add(candidate)
        targets[file] = candidate
    return targets
