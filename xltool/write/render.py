"""Draw the official forms from their layouts with xlsxwriter: blank or filled with a sheet's content.

`render_form` lays one `FormLayout` out on a worksheet in the canonical arrangement of forms.md and
returns a `Placement`: the A1 cell where every anchored value landed, so the scored-workbook writer
can highlight and comment a cell it knows only in layout terms. Computed cells are live formulas that
stay blank until their inputs exist, written with the value a reader without a calculation engine sees.
How cells look is `xltool.write.looks`; the blank template workbooks are written by `xltool.write.templates`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from math import ceil
from typing import TYPE_CHECKING

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.blocks import FormLayout, Grid
from xltool.forms.layouts import BUDGET_WEIGHT, YEAR_LINE, FormKind
from xltool.forms.terms import resolve
from xltool.write.canvas import (
    BLANK_YEAR,
    COLON,
    NUMERIC_INPUTS,
    Canvas,
    Placement,
    break_label,
    rowcol,
    unit_label,
)
from xltool.write.draw_grids import (
    figure_anchor,
    header_row,
    list_items,
    printed_label,
    printed_labels,
    singles,
    value_row,
)
from xltool.write.draw_indicators import draw_indicator_table
from xltool.write.looks import (
    A4_INCHES,
    BLANK,
    CELL_PADDING,
    DIGIT_PX,
    END_MARGIN,
    GOAL_HEIGHT,
    HEADER,
    LABEL,
    LABEL_CENTER,
    MEASURES_HEIGHT,
    MIN_COLUMN_WIDTH,
    NOTE,
    ONE_PAGE_SLACK,
    PAGE_FOOTER,
    PLAIN,
    PORTRAIT_ROW_HEIGHT,
    ROW_HEIGHT,
    SIDE_MARGIN,
    SUBTITLE,
    TITLE,
    TITLE_HEIGHT,
    CellStyle,
    Styles,
    display_units,
)

if TYPE_CHECKING:
    from xltool.model.records import Anchor, FormSheet

# ---------------------------------------------------------------------------------------------
# Shared blocks: title, text fields, goals, indicator table


def _title(cv: Canvas, layout: FormLayout, last_col: int, year: int | None, *, year_line: bool) -> int:
    """Title row (and the （{Y}年度） line); return the next row."""
    cv.write(0, 0, layout.title, TITLE, to_col=last_col)
    cv.need_height(0, TITLE_HEIGHT)
    if not year_line:
        return 1
    cv.write(1, 0, YEAR_LINE.format(year=BLANK_YEAR if year is None else year), SUBTITLE, to_col=last_col)
    return 2


def _field(cv: Canvas, layout: FormLayout, key: str, r: int, c: int, to_col: int) -> None:
    """A label cell and its text value to the right, merged to `to_col`."""
    cv.write(r, c, layout.field_(key).term.text, LABEL_CENTER)
    cv.input(("text", key), r, c + 1, "text", to_col=to_col)


def _goals(cv: Canvas, layout: FormLayout, r: int, label_to: int, split: int, last_col: int) -> int:
    """年度总体目标 | 预期目标 | 实际完成情况 with their text cells below; return the next row."""
    cv.write(r, 0, layout.field_("goal_heading").term.text, LABEL_CENTER, to_row=r + 1, to_col=label_to)
    cv.write(r, label_to + 1, layout.field_("goal_expected").term.text, HEADER, to_col=split - 1)
    cv.write(r, split, layout.field_("goal_actual").term.text, HEADER, to_col=last_col)
    cv.input(("text", "goal_expected"), r + 1, label_to + 1, "text", to_col=split - 1)
    cv.input(("text", "goal_actual"), r + 1, split, "text", to_col=last_col)
    cv.need_height(r + 1, GOAL_HEIGHT)
    return r + 2


# ---------------------------------------------------------------------------------------------
# The three forms


def _draw_project(cv: Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
    """附件3 项目支出绩效自评表 (columns A–I); return the number of rows drawn."""
    last = 8
    r = _title(cv, layout, last, year, year_line=True)
    _field(cv, layout, "project", r, 0, last)
    _field(cv, layout, "department", r + 1, 0, 4)
    _field(cv, layout, "implementer", r + 1, 5, last)
    r += 2
    grid = layout.grid("budget")
    cv.write(r, 0, _corner(cv, grid, year), LABEL_CENTER, to_row=r + len(grid.rows))
    cv.write(r, 1, None, HEADER, to_col=2)
    spans = singles(3, len(grid.columns))
    header_row(cv, grid.columns, r, spans, year)
    labels = printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 1, text, LABEL, to_col=2)
        value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    r = _goals(cv, layout, r + 1 + len(grid.rows), 0, 5, last)
    return draw_indicator_table(cv, layout, r, figure_anchor("budget", "total", "score"), minimum)


def _draw_department(cv: Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
    """附件2 部门整体支出绩效自评表 (columns A–H); return the number of rows drawn."""
    last = 7
    r = _title(cv, layout, last, year, year_line=True)
    _field(cv, layout, "department", r, 0, last)
    r += 1
    grid = layout.grid("budget")
    spans = [*singles(1, len(grid.columns) - 1), (6, 7)]
    cv.write(r, 0, _corner(cv, grid, year), HEADER)
    header_row(cv, grid.columns, r, spans, year)
    labels = printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 0, text, LABEL)
        value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    r += 1 + len(grid.rows)
    r = _department_lists(cv, layout, r)
    r = _goals(cv, layout, r, 0, 4, last)
    return draw_indicator_table(cv, layout, r, figure_anchor("budget", "total", "score"), minimum)


def _department_lists(cv: Canvas, layout: FormLayout, r: int) -> int:
    """按收入性质分 (A | B:D) beside 按支出性质分 (E:F | G:H); return the next row."""
    left, right = layout.lists
    for block, (c0, c1) in ((left, (0, 3)), (right, (4, 7))):
        heading = block.heading.text + COLON if block.heading else ""
        cv.write(r, c0, heading, LABEL, to_col=c1)
    list_items(cv, layout.kind, left, r + 1, (0, 0), (1, 3))
    list_items(cv, layout.kind, right, r + 1, (4, 5), (6, 7))
    depth = max(len(left.items), len(right.items))
    for i in range(len(right.items), depth):
        cv.write(r + 1 + i, 4, None, BLANK, to_col=5)
        cv.write(r + 1 + i, 6, None, BLANK, to_col=7)
    return r + 1 + depth


def _draw_basic_data(cv: Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
    """附件1 部门整体支出绩效评价基础数据表 (columns A–D); return the number of rows drawn."""
    last = 3
    r = _title(cv, layout, last, year, year_line=False)
    department = printed_label(layout.kind, "field", "department", layout.field_("department").term.text)
    cv.write(r, 0, department, CellStyle("plain", align="right"))
    cv.input(("text", "department"), r, 1, "text", to_col=2)
    cv.write(
        r, 3, unit_label(cv.content, layout.field_("unit_note").term.text), CellStyle("plain", align="right")
    )
    r = _small_grid(cv, layout.grid("staff"), r + 1, year)
    r = _spending(cv, layout, layout.grid("spending"), r, year)
    r = _small_grid(cv, layout.grid("buildings"), r, year)
    cv.write(r, 0, layout.field_("measures").term.text, LABEL_CENTER)
    cv.input(("text", "measures"), r, 1, "text", to_col=last)
    cv.need_height(r, MEASURES_HEIGHT)
    for note in layout.notes:
        r += 1
        cv.write(r, 0, note, NOTE, to_col=last)
    r += 1
    written = cv.content.footer if cv.content is not None else {}
    for c, text in enumerate(layout.footer):
        value = written.get(text)
        cv.write(r, c, text + value.value if value is not None else text, PLAIN)
    return r + 1


def _corner(cv: Canvas, grid: Grid, year: int | None) -> str:
    """A grid's corner label for column A, broken before its bracket when too wide."""
    if grid.corner is None:
        return ""
    return break_label(unit_label(cv.content, resolve(grid.corner.text, year), grid.key), cv.widths[0])


def _small_grid(cv: Canvas, grid: Grid, r: int, year: int | None) -> int:
    """A one-row grid drawn as header/value row pairs of three under a merged corner label."""
    (row,) = grid.rows
    chunks = [grid.columns[i : i + 3] for i in range(0, len(grid.columns), 3)]
    cv.write(r, 0, _corner(cv, grid, year), LABEL_CENTER, to_row=r + 2 * len(chunks) - 1)
    for chunk in chunks:
        spans = singles(1, len(chunk))
        header_row(cv, chunk, r, spans, year)
        value_row(cv, grid, row, chunk, r + 1, spans)
        r += 2
    return r


def _spending(cv: Canvas, layout: FormLayout, grid: Grid, r: int, year: int | None) -> int:
    """经费控制情况: header row, then the indented spending rows; return the next row."""
    cv.write(r, 0, _corner(cv, grid, year), HEADER)
    spans = singles(1, len(grid.columns))
    header_row(cv, grid.columns, r, spans, year)
    labels = printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 0, text, LABEL._replace(indent=row.indent * 2))
        value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    return r + 1 + len(grid.rows)


_DRAWERS: dict[FormKind, Callable[[Canvas, FormLayout, int | None, int | None], int]] = {
    "basic_data": _draw_basic_data,
    "department": _draw_department,
    "project": _draw_project,
}


# ---------------------------------------------------------------------------------------------
# Public API


def column_widths(layout: FormLayout) -> list[float]:
    """The rendered column widths: the layout's, widened so short labels and every 二级指标 fit."""
    widths = [max(width, MIN_COLUMN_WIDTH) for width in layout.widths]
    table = layout.indicators
    if table is not None:
        level2 = (1 if table.lead is not None else 0) + 1
        longest = max(display_units(label) for level1 in table.level1 for label, _ in level1.level2)
        widths[level2] = max(widths[level2], ceil(longest + CELL_PADDING + 1))
    return widths


def render_form(
    workbook: Workbook,
    worksheet: Worksheet,
    layout: FormLayout,
    *,
    year: int | None,
    content: FormSheet | None = None,
    styles: Styles | None = None,
    indicator_rows: int | None = None,
    computed: Mapping[Anchor, float | str | None] | None = None,
    budget_weight: float | None = None,
    level1_weights: Mapping[str, float] | None = None,
) -> Placement:
    """Draw one form on a worksheet, blank or filled with `content`; `computed` overrides formulas' values.

    ``budget_weight`` is the profile's 分值 of the budget line (the form prints 10): the 分值 cell shows
    it and the 得分 formula multiplies by it.
    """
    if content is not None and content.kind != layout.kind:
        raise ValueError(f"content is a {content.kind} sheet, layout is {layout.kind}")
    if year is None and content is not None:
        year = content.year
    widths = column_widths(layout)
    cv = Canvas(worksheet, styles or Styles(workbook), widths, content, computed)
    if budget_weight is not None and budget_weight != BUDGET_WEIGHT:
        cv.budget_weight = Decimal(repr(float(budget_weight)))
    cv.level1_weights = level1_weights or {}
    cv.row_height = ROW_HEIGHT if layout.landscape else PORTRAIT_ROW_HEIGHT
    rows = _DRAWERS[layout.kind](cv, layout, year, indicator_rows)
    if content is not None:  # the department's own notes below its form, kept word for word
        for note in content.notes:
            cv.write(rows, 0, f"{note.value}（原表 {note.cell}）", NOTE, to_col=len(widths) - 1)
            rows += 1
    cv.flush()
    _finish_sheet(cv, layout, rows, widths)
    return Placement(cells=dict(cv.cells), last_row=rows, styles=dict(cv.cell_styles))


def _finish_sheet(cv: Canvas, layout: FormLayout, rows: int, widths: Sequence[float]) -> None:
    """Column widths, row heights, validations and page setup."""
    ws = cv.ws
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    for r in range(rows):
        ws.set_row(r, cv.heights.get(r, cv.row_height))
    for fmt, cells in cv.validations.items():
        _validate(ws, fmt, cells)
    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    if layout.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=END_MARGIN, bottom=END_MARGIN)
    ws.center_horizontally()
    ws.fit_to_pages(1, 1 if _pages_tall(cv, layout, rows, widths) <= ONE_PAGE_SLACK else 0)
    ws.print_area(0, 0, rows - 1, len(widths) - 1)
    ws.set_footer(PAGE_FOOTER)


def _pages_tall(cv: Canvas, layout: FormLayout, rows: int, widths: Sequence[float]) -> float:
    """Roughly how many A4 pages tall the form prints once scaled to one page wide."""
    width_in, height_in = (A4_INCHES[1], A4_INCHES[0]) if layout.landscape else A4_INCHES
    width_pt = sum(w * DIGIT_PX + 5 for w in widths) * 0.75
    scale = min(1.0, (width_in - 2 * SIDE_MARGIN) * 72 / width_pt)
    height_pt = sum(cv.heights.get(r, cv.row_height) for r in range(rows))
    return height_pt * scale / ((height_in - 2 * END_MARGIN - 0.4) * 72)


def _validate(ws: Worksheet, fmt: ValueFormat, cells: Sequence[str]) -> None:
    """A non-negative number rule, with a Chinese prompt, on the input cells of one format."""
    kind, unit, title = NUMERIC_INPUTS[fmt]
    what = "整数" if kind == "integer" else "数字"
    row, col = rowcol(cells[0])
    ws.data_validation(
        row,
        col,
        row,
        col,
        {
            "validate": kind,
            "criteria": ">=",
            "value": 0,
            "input_title": title,
            "input_message": f"请填写不小于0的{what}，单位：{unit}。",
            "error_title": "输入有误",
            "error_message": f"请输入{what}（单位：{unit}）",
            "multi_range": " ".join(cells),
        },
    )


__all__ = [
    "column_widths",
    "render_form",
]
