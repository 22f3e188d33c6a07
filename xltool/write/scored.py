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

import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import FORMS
from xltool.model.records import SEVERITY_ORDER, Anchor, Finding, FormSheet, WorkbookRead
from xltool.model.rounding import fmt_num
from xltool.rules.departments import DERIVED
from xltool.rules.engine import Context
from xltool.rules.scorecard import (
    IndicatorScore,
    SheetScore,
    basis,
    chunk_derived,
    chunk_scores,
    kept_figures,
    over_claimed,
)
from xltool.write.atomic import checked_target, not_written, output_names, write_bytes_atomic
from xltool.write.canvas import Placement, anchor_key, as_written
from xltool.write.looks import (
    A4_INCHES,
    BODY_FONT,
    CREATED,
    DIGIT_PX,
    END_MARGIN,
    ONE_PAGE_SLACK,
    SIDE_MARGIN,
    CellStyle,
    Styles,
    display_units,
)
from xltool.write.render import column_widths, render_form
from xltool.write.review import (
    FILLS,
    RATE_FIGURES,
    REVIEW_SHEET,
    SEVERITY_NAMES,
    Looks,
    Mark,
    Overview,
    internal_link,
    review_order,
    rows_for,
    write_review,
)

__all__ = ["REVIEW_SHEET", "ScoredFile", "kept_figures", "sheet_names", "write_scored_workbooks"]


@dataclass(frozen=True)
class ScoredFile:
    """What became of an input's scored workbook: where it was written, or the message why it was not."""

    file: str  # the input, relative to INPUT
    output: str  # the scored workbook, relative to OUT
    message: str | None = None  # None: written


Location = tuple[str, str, str]  # (file relative to OUT, sheet, A1)

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
NOTE_SCALE = 11 / 9  # 审核意见 lines are set in 9 pt where columns are measured in 11 pt


# ---------------------------------------------------------------------------------------------
# What the rules computed, pulled from the context once per chunk


# ---------------------------------------------------------------------------------------------
# The formulas of a form, to know which stated figures a formula would not show


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


# ---------------------------------------------------------------------------------------------
# Looks


# ---------------------------------------------------------------------------------------------
# Marks: findings placed on cells


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
    kept = {anchor: as_written(sheet, anchor, v) for anchor, v in kept_figures(sheet, disputed).items()}
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
    for i, (name, formula) in enumerate(DERIVED.items(), start=1):
        value = derived.get(name, math.nan)
        ws.write_string(r + i, 0, name, text)
        if math.isnan(value):
            ws.write_string(r + i, 1, "缺少数字，无法计算", text)
        else:
            ws.write_number(r + i, 1, value, looks.block_value("0.00%"))
        ws.merge_range(r + i, 2, r + i, last_col, "", text)
        ws.write_string(r + i, 2, formula, text)
    return r + len(DERIVED)


def _notes(
    ws: Worksheet, looks: Looks, r: int, last_col: int, widths: Sequence[float], marks: Sequence[Mark]
) -> int:
    """审核意见 under the form, one line per finding, so a printout says why; returns the last row used."""
    if not marks:
        return r - 2
    ordered = sorted(marks, key=review_order)
    heading = f"审核意见（共{len(ordered)}条；单元格批注和“{REVIEW_SHEET}”表有同样说明）"
    ws.merge_range(r, 0, r, last_col, "", looks.get(bold=True, font_size=10))
    ws.write_string(r, 0, heading, looks.get(bold=True, font_size=10))
    width = sum(widths[1 : last_col + 1])
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        line = f"{i}. 【{SEVERITY_NAMES[f.severity]} {f.rule}】{f.message}"
        ws.write_url(
            r + i, 0, internal_link(mark.sheet, mark.cell), looks.note_cell(f.severity), string=mark.cell
        )
        ws.merge_range(r + i, 1, r + i, last_col, "", looks.note_text())
        ws.write_string(r + i, 1, line, looks.note_text())
        ws.set_row(r + i, max(16, rows_for(line, width * NOTE_SCALE) * 12.5 + 4))
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


def _budget_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """规则得分 and 规则执行率 on the 年度资金总额 row."""
    if score is None:
        return
    ws.write_number(
        r, c0, score.score, looks.block_value("0.00", over=over_claimed(score.stated_score, score.score))
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
        ws.write_number(
            r, c0, item.score, looks.block_value("0.00", over=over_claimed(item.self_score, item.score))
        )
    ws.write_string(r, c0 + 1, basis(item), text)


def _total_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """The rule 总分 and its grade on the 总分 row."""
    if score is None:
        return
    ws.write_number(
        r, c0, score.total, looks.block_value("0.00", over=over_claimed(score.self_total, score.total))
    )
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
    read: WorkbookRead,
    jobs: Sequence[_SheetJob],
    department: str,
    profile_name: str,
) -> tuple[bytes, list[Mark]]:
    """One scored workbook: its file's bytes and its marks (built in memory, written by the caller)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, workbook_options())
    workbook.set_properties({"created": CREATED, "title": f"审核结果：{read.file}", "author": COMMENT_AUTHOR})
    styles, looks = Styles(workbook), Looks(workbook)
    review = workbook.add_worksheet(REVIEW_SHEET)
    marks: list[Mark] = []
    overview = []
    for job in jobs:
        sheet_marks = _draw_sheet(workbook, job, styles, looks, profile_name)
        marks.extend(sheet_marks)
        counts = {s: sum(1 for m in sheet_marks if m.finding.severity == s) for s in SEVERITY_NAMES}
        overview.append(Overview(job.name, job.sheet.kind, job.score, counts))
    write_review(review, looks, read, department, overview, marks, profile_name)
    workbook.close()
    return buffer.getvalue(), marks


def write_scored_workbooks(
    out: Path,
    reads: Sequence[WorkbookRead],
    ctx: Context,
    findings: Sequence[Finding],
    on_written: Callable[[], None] | None = None,
    names: Mapping[str, PurePosixPath] | None = None,
) -> tuple[list[str], list[Location | None], list[ScoredFile]]:
    """Write a scored workbook per 'ok' read; return the files written (relative to OUT), each finding's
    mark, and what became of each 'ok' read (a workbook that could not be written says why).

    ``on_written`` is called after each 'ok' read is done with (written, or given up), for progress;
    ``names`` gives each file's output path relative to OUT (a run decides them once for all its
    chunks, see `atomic.output_names`); without it they are decided among ``reads``.
    """
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
    outcomes: list[ScoredFile] = []
    locations: list[Location | None] = [None] * len(findings)
    if names is None:
        names = output_names([read.file for read in reads if read.status == "ok"], ".xlsx")
    sid = 0
    for read in reads:
        first_sid, sid = sid, sid + len(read.sheets)
        if read.status != "ok":
            continue
        sheets_named = sheet_names([s.sheet for s in read.sheets])
        jobs = [
            _SheetJob(
                sheet,
                name,
                order,
                by_sheet.get((read.file, sheet.sheet), []),
                scores.get(first_sid + order),
                derived.get(departments.get(first_sid + order, ""), {}),
            )
            for order, (sheet, name) in enumerate(zip(read.sheets, sheets_named, strict=True))
        ]
        department = departments.get(first_sid, "") if read.sheets else ""
        try:
            target = checked_target(out, names[read.file])
            data, marks = _write_workbook(read, jobs, department, profile_name)
            write_bytes_atomic(target, data)
        except Exception as exc:  # a writer bug must not stop a batch of 30,000 files: it is reported
            outcomes.append(
                ScoredFile(read.file, names[read.file].as_posix(), not_written("评分工作簿", exc))
            )
            continue
        finally:
            if on_written is not None:
                on_written()
        relative = target.relative_to(out).as_posix()
        written.append(relative)
        outcomes.append(ScoredFile(read.file, relative, None))
        for mark in marks:
            locations[mark.position] = (relative, mark.sheet, mark.cell)
    return written, locations, outcomes
