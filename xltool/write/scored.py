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
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import BUDGET_WEIGHT, FORMS
from xltool.forms.marks import REVIEW_SHEET, SCORED_PROPERTY, SCORED_VALUE
from xltool.model.records import SEVERITY_ORDER, Anchor, Finding, FormSheet, WorkbookRead
from xltool.rules.catalogue import BY_ID
from xltool.rules.derived import DERIVED
from xltool.rules.engine import Context
from xltool.rules.scorecard import SheetScore, chunk_derived, chunk_scores, kept_figures
from xltool.write.atomic import (
    UnsafePath,
    checked_target,
    not_written,
    output_names,
    remove_stale,
    write_bytes_atomic,
)
from xltool.write.canvas import Placement, anchor_key, as_written
from xltool.write.cell_marks import COMMENT_AUTHOR, finding_comment, place_finding, restyle
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
)
from xltool.write.render import column_widths, render_form
from xltool.write.review import (
    FILLS,
    RATE_FIGURES,
    SEVERITY_NAMES,
    Looks,
    Mark,
    Overview,
    internal_link,
    review_order,
    rows_for,
    write_review,
)
from xltool.write.rule_block import placed_row, write_extra_columns, write_rule_block
from xltool.write.worksheet import FormWorksheet

__all__ = ["REVIEW_SHEET", "ScoredFile", "kept_figures", "sheet_names", "write_scored_workbooks"]


@dataclass(frozen=True)
class ScoredFile:
    """What became of an input's scored workbook: where it was written, or the message why it was not."""

    file: str  # the input, relative to INPUT
    output: str  # the scored workbook, relative to OUT
    message: str | None = None  # None: written


Location = tuple[str, str, str]  # (file relative to OUT, sheet, A1)

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_SHEET_NAME = 31
RESERVED_SHEET_NAMES = (REVIEW_SHEET, "History")
NOTE_SIZE = 11  # 审核意见 in the form's own size: scaled to the page width it still prints at ≥ 9 pt


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
    budget_weight: float = BUDGET_WEIGHT  # the profile's 分值 of the budget line


def _draw_sheet(
    workbook: Workbook, job: _SheetJob, styles: Styles, looks: Looks, profile_name: str
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
    for i, mark in enumerate(ordered, start=1):
        f = mark.finding
        line = f"{i}. 【{SEVERITY_NAMES[f.severity]}·{f.rule_name or f.rule}】{f.message}"
        ws.write_url(
            r + i, 0, internal_link(mark.sheet, mark.cell), looks.note_cell(f.severity), string=mark.cell
        )
        ws.merge_range(r + i, 1, r + i, last_col, "", looks.note_text())
        ws.write_string(r + i, 1, line, looks.note_text())
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
    job: _SheetJob,
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
        ws.write_number(*xl_cell_to_rowcol(a1), float(value), styles.get(style))
    kept_cells = {placement.cells.get(a) for a in kept}
    for cell, hits in by_cell.items():
        row, col = xl_cell_to_rowcol(cell)
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


# ---------------------------------------------------------------------------------------------
# The 审核结果 sheet


# ---------------------------------------------------------------------------------------------
# Workbooks


_FORM_NUMBERS = {"附件1": "basic_data", "附件2": "department", "附件3": "project"}


def involved_kinds(rule: str) -> set[str]:
    """The forms a cross-table rule compares, as its catalogue title names them (all when it names none)."""
    info = BY_ID.get(rule)
    named = {kind for number, kind in _FORM_NUMBERS.items() if info is not None and number in info.title}
    return named or set(_FORM_NUMBERS.values())


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
    elsewhere: Sequence[tuple[int, Finding]] = (),
) -> tuple[bytes, list[Mark]]:
    """One scored workbook: its file's bytes and its marks (built in memory, written by the caller)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, workbook_options())
    workbook.worksheet_class = FormWorksheet
    workbook.set_properties({"created": CREATED, "title": f"审核结果：{read.file}", "author": COMMENT_AUTHOR})
    # The marker that makes a scored workbook sent back recognisable as one (cycle.md).
    workbook.set_custom_property(SCORED_PROPERTY, SCORED_VALUE)
    styles, looks = Styles(workbook), Looks(workbook)
    review = workbook.add_worksheet(REVIEW_SHEET)
    marks: list[Mark] = []
    overview = []
    for job in jobs:
        sheet_marks = _draw_sheet(workbook, job, styles, looks, profile_name)
        marks.extend(sheet_marks)
        counts = {s: sum(1 for m in sheet_marks if m.finding.severity == s) for s in SEVERITY_NAMES}
        overview.append(Overview(job.name, job.sheet.kind, job.score, counts))
    others = [
        Mark(position, f, f"{f.file.rsplit('/', 1)[-1]} › {f.sheet}", len(jobs), f.cell, None, elsewhere=True)
        for position, f in elsewhere
    ]
    write_review(review, looks, read, department, overview, [*marks, *others], profile_name)
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
    # Findings between forms (family D) are listed in every workbook of the department they involve.
    cross_table: dict[str, list[tuple[int, Finding]]] = defaultdict(list)
    for position, finding in enumerate(findings):
        if BY_ID.get(finding.rule) is not None and BY_ID[finding.rule].family == "D":
            cross_table[finding.department].append((position, finding))
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
                ctx.profile.weights["budget"],
            )
            for order, (sheet, name) in enumerate(zip(read.sheets, sheets_named, strict=True))
        ]
        department = departments.get(first_sid, "") if read.sheets else ""
        kinds = {sheet.kind for sheet in read.sheets}
        elsewhere = [
            (position, f)
            for position, f in cross_table.get(department, ())
            if f.file != read.file and kinds & involved_kinds(f.rule)
        ]
        try:
            target = checked_target(out, names[read.file])
            data, marks = _write_workbook(read, jobs, department, profile_name, elsewhere)
            write_bytes_atomic(target, data)
        except Exception as exc:  # a writer bug must not stop a batch of 30,000 files: it is reported
            outcomes.append(
                ScoredFile(read.file, names[read.file].as_posix(), not_written("评分工作簿", exc))
            )
            if not isinstance(exc, UnsafePath):  # the last run's workbook must not pass for this run's
                remove_stale(out.joinpath(*names[read.file].parts))
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
