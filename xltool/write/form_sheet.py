"""One form sheet of a scored workbook: the form re-drawn with the department's content, disputed figures
kept, the 按规则计算 block, 附件1's derived indicators, the marks on the cells and the 审核意见 under it."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import BUDGET_WEIGHT, FORMS
from xltool.forms.marks import REVIEW_SHEET
from xltool.model.records import SEVERITY_ORDER, Anchor, Finding, FormSheet
from xltool.rules.derived import DERIVED
from xltool.rules.scorecard import SheetScore, kept_figures
from xltool.write.canvas import Placement, anchor_key, as_written, rowcol
from xltool.write.cell_marks import finding_comment, place_finding, restyle
from xltool.write.looks import (
    A4_INCHES,
    DIGIT_PX,
    END_MARGIN,
    ONE_PAGE_SLACK,
    SIDE_MARGIN,
    CellStyle,
    Styles,
)
from xltool.write.render import column_widths, render_form
from xltool.write.review import (
    RATE_FIGURES,
    SEVERITY_NAMES,
    Mark,
    review_order,
    rows_for,
)
from xltool.write.rule_block import placed_row, write_extra_columns, write_rule_block
from xltool.write.scored_looks import FILLS, Looks, internal_link

NOTE_SIZE = 11  # 审核意见 in the form's own size: scaled to the page width it still prints at ≥ 9 pt


@dataclass
class SheetJob:
    """Everything needed to draw one form sheet of a scored workbook."""

    sheet: FormSheet
    name: str
    order: int
    findings: list[tuple[int, Finding]]
    score: SheetScore | None
    derived: Mapping[str, float] = field(default_factory=dict)  # 附件1: family E indicators
    budget_weight: float = BUDGET_WEIGHT  # the profile's 分值 of the budget line


def draw_sheet(
    workbook: Workbook, job: SheetJob, styles: Styles, looks: Looks, profile_name: str
) -> list[Mark]:
    """Draw one form, keep disputed figures, add the rule block and extras, mark the findings."""
    sheet, layout = job.sheet, FORMS[job.sheet.kind]
    ws = workbook.add_worksheet(job.name)
    disputed = {anchor_key(f.anchor) for _, f in job.findings if f.actual is not None}
    weight = job.budget_weight
    kept = {
        anchor: as_written(sheet, anchor, v)
        for anchor, v in kept_figures(sheet, disputed, budget_weight=weight).items()
    }
    computed = {anchor: float(value) for anchor, value in kept.items()}
    placement = render_form(
        workbook,
        ws,
        layout,
        year=sheet.year,
        content=sheet,
        styles=styles,
        computed=computed,
        budget_weight=weight,
    )
    widths = list(column_widths(layout))
    form_cols = len(widths)
    extras: dict[Anchor, str] = {}
    if layout.indicators is not None:
        write_rule_block(ws, looks, placement, sheet, job.score, widths, profile_name)
        write_extra_columns(ws, styles, layout, placement, sheet, widths, extras)
    marks = _mark(ws, styles, placement, extras, kept, job)
    last_row = placement.last_row - 1
    if sheet.kind == "basic_data" and job.derived:
        last_row = _derived_block(ws, looks, last_row + 2, form_cols - 1, job.derived)
    last_row = _notes(ws, looks, last_row + 2, form_cols - 1, widths, marks)
    # The official form prints as the official form: the 按规则计算 columns stay on screen only.
    ws.print_area(0, 0, last_row, form_cols - 1)
    first_indicator = placed_row(placement, ("indicator", "0", "name"))
    if first_indicator is not None:  # a table that breaks over pages repeats its header row
        ws.repeat_rows(first_indicator - 1)
    _fit(ws, layout, widths[:form_cols], last_row)
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
    ws.merge_range(r, 0, r, last_col, "", looks.get(bold=True, font_size=NOTE_SIZE))
    ws.write_string(r, 0, heading, looks.get(bold=True, font_size=NOTE_SIZE))
    width = sum(widths[1 : last_col + 1])
    text = looks.note_text()
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        line = f"{i}. 【{SEVERITY_NAMES[f.severity]}·{f.rule_name or f.rule}】{f.message}"
        ws._write_url(r + i, 0, internal_link(mark.sheet, mark.cell), looks.note_cell(f.severity), mark.cell)
        ws.merge_range(r + i, 1, r + i, last_col, "", text)
        ws._write_string(r + i, 1, line, text)
        ws.set_row(r + i, max(18, rows_for(line, width) * 15 + 4))
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
    job: SheetJob,
) -> list[Mark]:
    """Write the kept figures, then fill and comment every cell a finding points at."""
    by_cell: dict[str, list[tuple[int, Finding]]] = defaultdict(list)
    marks: list[Mark] = []
    styles_at: dict[str, CellStyle | None] = {}
    for position, finding in job.findings:
        cell, style = place_finding(placement, extras, finding.anchor)
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
        ws._write_number(*rowcol(a1), float(value), styles.get(style))
    kept_cells = {placement.cells.get(a) for a in kept}
    for cell, hits in by_cell.items():
        row, col = rowcol(cell)
        findings = sorted((f for _, f in hits), key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))
        style = styles_at[cell]
        if cell not in kept_cells and style is not None:
            restyle(ws, row, col, styles.get(style.filled(FILLS[findings[0].severity])))
        text, options = finding_comment(findings)
        ws.write_comment(row, col, text, options)
    return marks


def _worst(findings: Iterable[Finding]) -> str:
    """The highest severity among some findings."""
    return min((f.severity for f in findings), key=SEVERITY_ORDER.__getitem__)
