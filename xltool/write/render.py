"""Draw the official forms from their layouts with xlsxwriter: blank or filled with a sheet's content.

`render_form` lays one `FormLayout` out on a worksheet in the canonical arrangement of forms.md and
returns a `Placement`: the A1 cell where every anchored value landed, so the scored-workbook writer
can highlight and comment a cell it knows only in layout terms. Computed cells are live formulas that
stay blank until their inputs exist, written with the value a reader without a calculation engine sees.
How cells look is `xltool.write.looks`; the blank template workbooks are written by `xltool.write.templates`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from math import ceil
from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import Column, FormLayout, Grid, ListBlock, Row, Total
from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.indicator_table import IndicatorTable
from xltool.forms.layouts import BUDGET_WEIGHT, NO_VALUE_MARKS, YEAR_LINE, FormKind
from xltool.forms.terms import resolve
from xltool.write.looks import (
    A4_INCHES,
    BLANK,
    BODY_FONT,
    CELL_INPUT,
    CELL_PADDING,
    DIGIT_PX,
    END_MARGIN,
    FIXED,
    GOAL_HEIGHT,
    HEADER,
    LABEL,
    LABEL_CENTER,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    MEASURES_HEIGHT,
    MIN_COLUMN_WIDTH,
    NONE,
    NOTE,
    ONE_PAGE_SLACK,
    PLAIN,
    PORTRAIT_ROW_HEIGHT,
    ROW_HEIGHT,
    SIDE_MARGIN,
    SUBTITLE,
    TEXT_INPUT,
    TITLE,
    TITLE_HEIGHT,
    CellStyle,
    Styles,
    display_units,
    wrapped_lines,
)

if TYPE_CHECKING:
    from xltool.model.records import Anchor, FormSheet, IndicatorRow

# ---------------------------------------------------------------------------------------------
# Constants: the few printed decorations the layouts leave to the renderer

NO_VALUE = NO_VALUE_MARKS[0]
OF_WHICH = "其中："
COLON = "："
WEIGHT_SUFFIX = "({weight}分)"
BLANK_YEAR = "    "
# Labels the official forms print with a trailing colon, as (form, block, key); fields are block "field".
COLON_LABELS = {("basic_data", "spending", "projects"), ("basic_data", "field", "department")}
# Forms whose 其中 rows under a full total are numbered 1、2、3、 instead of starting with 其中：.
NUMBERED_PARTS: frozenset[FormKind] = frozenset({"basic_data"})

# Input cells that take a number: (validation type, unit, input title).
NUMERIC_INPUTS: dict[ValueFormat, tuple[str, str, str]] = {
    "amount": ("decimal", "万元", "填报金额"),
    "count": ("integer", "人", "填报人数"),
    "area": ("decimal", "㎡", "填报面积"),
    "score": ("decimal", "分", "填报分值"),
}

# ---------------------------------------------------------------------------------------------
# Placement


def anchor_key(anchor: Iterable[object]) -> Anchor:
    """An anchor with every part as text, so ``("indicator", 3, "score")`` finds index ``"3"``."""
    return tuple(map(str, anchor))


@dataclass(frozen=True)
class Placement:
    """Where a rendered form put its values: anchor → A1, and the style each anchored cell has."""

    cells: dict[Anchor, str]
    last_row: int  # 1-based number of the form's last row (= 0-based index of the first free row)
    styles: dict[Anchor, CellStyle] = field(default_factory=dict)

    def at(self, anchor: Iterable[object]) -> str | None:
        """The A1 cell of an anchor, if the form has it."""
        return self.cells.get(anchor_key(anchor))


# ---------------------------------------------------------------------------------------------
# The canvas: writes cells, remembers anchors, numbers, validations and row heights

Number = Decimal | None
Plain = str | Decimal | int | float | None


@dataclass
class _Pending:
    """A computed cell whose formula is written once every cell it refers to has a place."""

    anchor: Anchor
    row: int
    col: int
    to_col: int
    fmt: ValueFormat
    rank: int
    build: Callable[[_Canvas], tuple[str, Number | str]]


class _Canvas:
    """One worksheet being drawn."""

    def __init__(
        self,
        worksheet: Worksheet,
        styles: Styles,
        widths: Sequence[float],
        content: FormSheet | None,
        computed: Mapping[Anchor, float | str | None] | None,
    ) -> None:
        self.ws = worksheet
        self.styles = styles
        self.widths = list(widths)
        self.edges = [sum(self.widths[:i]) for i in range(len(self.widths) + 1)]  # left edge of each column
        self.content = content
        self.computed = {anchor_key(k): v for k, v in (computed or {}).items()}
        self.cells: dict[Anchor, str] = {}
        self.cell_styles: dict[Anchor, CellStyle] = {}
        self.numbers: dict[Anchor, Number] = {}
        self.pending: list[_Pending] = []
        self.validations: dict[ValueFormat, list[str]] = {}
        self.heights: dict[int, float] = {}
        self.row_height = ROW_HEIGHT

    # -- writing -------------------------------------------------------------------------------

    def write(
        self,
        row: int,
        col: int,
        value: Plain,
        style: CellStyle,
        *,
        to_row: int | None = None,
        to_col: int | None = None,
    ) -> str:
        """Write a value (text always as text) into a cell or a merged range; return its A1."""
        fmt = self.styles.get(style)
        last_row = row if to_row is None else to_row
        last_col = col if to_col is None else to_col
        blank = value is None or value == ""
        number = None if blank or isinstance(value, str) else float(value)  # type: ignore[arg-type]
        if (last_row, last_col) != (row, col):
            # merge_range writes the first cell itself (a number directly); text is written after it
            # by write_string, so that it stays text whatever the workbook's options.
            self.ws.merge_range(row, col, last_row, last_col, "" if number is None else number, fmt)
            if isinstance(value, str) and value:
                self.ws.write_string(row, col, value, fmt)
        elif blank:
            self.ws.write_blank(row, col, None, fmt)
        elif number is None:
            self.ws.write_string(row, col, str(value), fmt)
        else:
            self.ws.write_number(row, col, number, fmt)
        if isinstance(value, str) and value and last_row == row:
            self.fit(row, col, last_col, value)
        return a1(row, col)

    def place(self, anchor: Anchor, a1: str, style: CellStyle) -> None:
        """Record where an anchored value lives."""
        self.cells[anchor] = a1
        self.cell_styles[anchor] = style

    def input(
        self, anchor: Anchor, row: int, col: int, fmt: ValueFormat, *, to_col: int | None = None
    ) -> None:
        """An input cell, holding the content's value when there is content."""
        value, number = self.value_of(anchor)
        style = TEXT_INPUT if fmt == "text" and to_col is not None else CellStyle("input", fmt)
        if isinstance(value, str) and fmt != "text":
            style = style._replace(align="right")  # submitted text such as ``——`` in a number cell
        self.place(anchor, self.write(row, col, value, style, to_col=to_col), style)
        self.numbers[anchor] = number
        if fmt in NUMERIC_INPUTS:
            self.validations.setdefault(fmt, []).append(a1(row, col))

    def fixed(self, anchor: Anchor, row: int, col: int, default: int, *, to_col: int | None = None) -> None:
        """A cell the form prints a fixed figure in (分值 10, 100), or the content's own figure."""
        value, number = self.value_of(anchor)
        if value is None:
            value, number = Decimal(default), Decimal(default)
        self.place(anchor, self.write(row, col, value, FIXED, to_col=to_col), FIXED)
        self.numbers[anchor] = number

    def formula(
        self,
        anchor: Anchor,
        row: int,
        col: int,
        fmt: ValueFormat,
        rank: int,
        build: Callable[[_Canvas], tuple[str, Number | str]],
        *,
        to_col: int | None = None,
    ) -> None:
        """Reserve a computed cell; its formula and cached value are written by `flush`."""
        self.cells[anchor] = a1(row, col)
        self.cell_styles[anchor] = CellStyle("computed", fmt)
        self.pending.append(_Pending(anchor, row, col, col if to_col is None else to_col, fmt, rank, build))

    def flush(self) -> None:
        """Write the reserved formulas, parts before totals, with their cached values."""
        for item in sorted(self.pending, key=lambda p: p.rank):
            text, value = item.build(self)
            if item.anchor in self.computed:
                value = _as_value(self.computed[item.anchor])
            fmt = self.styles.get(CellStyle("computed", item.fmt))
            if item.to_col != item.col:
                self.ws.merge_range(item.row, item.col, item.row, item.to_col, "", fmt)
            cached: float | str = "" if value is None else value if isinstance(value, str) else float(value)
            self.ws.write_formula(item.row, item.col, text, fmt, cached)
            self.numbers[item.anchor] = value if isinstance(value, Decimal) else None
        self.pending.clear()

    # -- content -------------------------------------------------------------------------------

    def value_of(self, anchor: Anchor) -> tuple[Plain, Number]:
        """The content's value for an anchor as written, and as a number when it is one."""
        if self.content is None:
            return None, None
        kind = anchor[0]
        if kind == "figure":
            return _figure_value(self.content.figure(anchor[1], anchor[2], anchor[3]))
        if kind == "text":
            text = self.content.texts.get(anchor[1])
            return (text.value if text else _text_fallback(self.content, anchor[1])), None
        if kind == "total":
            return _figure_value(self.content.total_weight if anchor[1] == "weight" else None)
        return None, None

    def number(self, anchor: Anchor) -> Number:
        """The number in an already written cell (None when blank or text)."""
        return self.numbers.get(anchor)

    # -- geometry ------------------------------------------------------------------------------

    def fit(self, row: int, col: int, last_col: int, text: str) -> None:
        """Make a single row tall enough for a wrapped text across columns col..last_col."""
        width = self.edges[last_col + 1] - self.edges[col]
        self.need_height(row, wrapped_lines(text, width) * LINE_HEIGHT + 6)

    def need_height(self, row: int, height: float) -> None:
        """Ask for at least this height (points) on a row."""
        self.heights[row] = min(MAX_ROW_HEIGHT, max(self.heights.get(row, self.row_height), height))


def _as_value(value: float | str | None) -> Number | str:
    """An override from the rules engine as a cell value."""
    if value is None or isinstance(value, str):
        return value
    return Decimal(str(value))


def _figure_value(figure: object) -> tuple[Plain, Number]:
    """A reader's figure as written back: its number, else its raw text (``——``), else blank."""
    if figure is None:
        return None, None
    value = getattr(figure, "value", None)
    if isinstance(value, Decimal):
        return value, value
    raw = getattr(figure, "raw", None)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    return str(raw), None


def _text_fallback(content: FormSheet, key: str) -> str | None:
    """Names the reader keeps on the sheet record as well as among its texts."""
    return {"department": content.department, "project": content.project}.get(key)


@functools.lru_cache(maxsize=4096)
def a1(row: int, col: int) -> str:
    """A cell's A1 reference (cached: the forms use the same few hundred cells over and over)."""
    return xl_rowcol_to_cell(row, col)


def _break_label(text: str, width: float) -> str:
    """Break a label that does not fit before its bracketed tail: 项目资金（万元） → 项目资金 / （万元）."""
    cut = max(text.rfind("（"), text.rfind("("))
    if cut <= 0 or display_units(text) <= width - CELL_PADDING:
        return text
    return f"{text[:cut]}\n{text[cut:]}"


# ---------------------------------------------------------------------------------------------
# Formulas (kept to functions Excel, WPS and LibreOffice all compute)

RANK_SUM, RANK_RATIO, RANK_SCORE, RANK_TOTAL = 0, 10, 20, 30


def _refs(cells: Sequence[str]) -> str:
    """Cells as a formula argument list, runs of one column collapsed into ranges (B8:B9)."""
    groups: list[list[str]] = []
    for a1 in cells:
        if groups and _follows(groups[-1][-1], a1):
            groups[-1].append(a1)
        else:
            groups.append([a1])
    return ",".join(g[0] if len(g) == 1 else f"{g[0]}:{g[-1]}" for g in groups)


def _follows(previous: str, cell: str) -> bool:
    """Whether `cell` is directly below `previous`."""
    pcol, prow = _split(previous)
    col, row = _split(cell)
    return pcol == col and row == prow + 1


@functools.lru_cache(maxsize=4096)
def _split(a1: str) -> tuple[str, int]:
    """``"B12"`` → ``("B", 12)``."""
    letters = a1.rstrip("0123456789")
    return letters, int(a1[len(letters) :])


def _sum(parts: Sequence[Anchor]) -> Callable[[_Canvas], tuple[str, Number | str]]:
    """Σ parts, blank while no part holds a number."""

    def build(cv: _Canvas) -> tuple[str, Number | str]:
        refs = _refs([cv.cells[p] for p in parts])
        numbers = [n for n in (cv.number(p) for p in parts) if n is not None]
        return f'=IF(COUNT({refs})=0,"",SUM({refs}))', (sum(numbers, Decimal(0)) if numbers else None)

    return build


def _ratio(numerator: Anchor, denominator: Anchor) -> Callable[[_Canvas], tuple[str, Number | str]]:
    """numerator ÷ denominator, blank while the denominator is blank or 0."""

    def build(cv: _Canvas) -> tuple[str, Number | str]:
        num, den = cv.cells[numerator], cv.cells[denominator]
        d = cv.number(denominator)
        value = None if not d else (cv.number(numerator) or Decimal(0)) / d
        return f'=IF(N({den})=0,"",N({num})/{den})', value

    return build


def _budget_score(rate: Anchor) -> Callable[[_Canvas], tuple[str, Number | str]]:
    """min(执行率, 1) × 10, rounded to 2 decimals; blank while the rate is."""

    def build(cv: _Canvas) -> tuple[str, Number | str]:
        ref = cv.cells[rate]
        r = cv.number(rate)
        value = None if r is None else _round2(min(r, Decimal(1)) * BUDGET_WEIGHT)
        return f'=IF({ref}="","",ROUND(MIN({ref},1)*{BUDGET_WEIGHT},2))', value

    return build


def _total_score(parts: Sequence[Anchor]) -> Callable[[_Canvas], tuple[str, Number | str]]:
    """总分: budget score + Σ indicator scores, rounded to 2 decimals; blank while all are blank."""

    def build(cv: _Canvas) -> tuple[str, Number | str]:
        refs = _refs([cv.cells[p] for p in parts])
        numbers = [n for n in (cv.number(p) for p in parts) if n is not None]
        value = _round2(sum(numbers, Decimal(0))) if numbers else None
        return f'=IF(COUNT({refs})=0,"",ROUND(SUM({refs}),2))', value

    return build


def _round2(value: Decimal) -> Decimal:
    """Round half up (away from zero, as Excel's ROUND) to 2 decimals."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Grids, lists and labels


def _figure(block: str, row: str, column: str) -> Anchor:
    """The anchor of a grid or list figure."""
    return ("figure", block, row, column)


def _printed_labels(kind: FormKind, block: str, rows: Sequence[Row], totals: Sequence[Total]) -> list[str]:
    """Row labels as the official form prints them: 1、2、 numbering or a leading 其中：."""
    by_key = {r.key: r for r in rows}
    numbered = {
        p: i for t in totals if not t.partial and kind in NUMBERED_PARTS for i, p in enumerate(t.parts, 1)
    }
    labels = []
    for i, row in enumerate(rows):
        text = _printed(kind, block, row.key, row.term.text)
        previous = rows[i - 1] if i else None
        if row.key in numbered and by_key[_parent(row.key, totals)].indent == 0:
            text = f"{numbered[row.key]}、{text}"
        elif row.indent and (previous is None or previous.indent < row.indent):
            text = OF_WHICH + text
        labels.append(text)
    return labels


def _printed(kind: FormKind, block: str, key: str, text: str) -> str:
    """A label with the trailing colon the official form prints after it, if it prints one."""
    return text + COLON if (kind, block, key) in COLON_LABELS else text


def _parent(key: str, totals: Sequence[Total]) -> str:
    """The total row a part row belongs to."""
    return next(t.total for t in totals if key in t.parts)


def _grid_cell(
    cv: _Canvas, grid: Grid, row: Row, column: Column, role: str, r: int, c: int, to_col: int | None = None
) -> None:
    """Draw one cell of a grid by its role."""
    anchor = _figure(grid.key, row.key, column.key)
    if role == "input":
        cv.input(anchor, r, c, column.fmt, to_col=to_col)
    elif role == "fixed":
        cv.fixed(anchor, r, c, BUDGET_WEIGHT, to_col=to_col)
    elif role == "computed":
        rank, build = _computation(grid, row, column)
        cv.formula(anchor, r, c, column.fmt, rank, build, to_col=to_col)
    elif role == "none":
        cv.write(r, c, NO_VALUE, NONE, to_col=to_col)
    else:
        cv.write(r, c, None, BLANK, to_col=to_col)


def _computation(
    grid: Grid, row: Row, column: Column
) -> tuple[int, Callable[[_Canvas], tuple[str, Number | str]]]:
    """The formula of a computed grid cell: a declared total or ratio, else the budget rate / score."""
    for total in grid.totals:
        if total.total == row.key and column.key in total.columns:
            depth = _depth(total, grid.totals)
            return RANK_SUM + depth, _sum([_figure(grid.key, p, column.key) for p in total.parts])
    for ratio in grid.ratios:
        if (ratio.row, ratio.column) == (row.key, column.key):
            num, den = (_figure(grid.key, *ratio.numerator), _figure(grid.key, *ratio.denominator))
            return RANK_RATIO, _ratio(num, den)
    if column.key == "rate":  # 执行率 = 全年执行数 ÷ 全年预算数
        return RANK_RATIO, _ratio(
            _figure(grid.key, row.key, "executed"), _figure(grid.key, row.key, "full_year")
        )
    if column.key == "score":
        return RANK_SCORE, _budget_score(_figure(grid.key, row.key, "rate"))
    raise ValueError(f"no formula for {grid.key}/{row.key}/{column.key}")


def _depth(total: Total, totals: Sequence[Total]) -> int:
    """How many levels of totals sit under this one (公务用车 under 三公经费 → 2)."""
    inner = [t for t in totals if t.total in total.parts]
    return 1 + max((_depth(t, totals) for t in inner), default=0)


def _header_row(
    cv: _Canvas, columns: Sequence[Column], r: int, spans: Sequence[tuple[int, int]], year: int | None
) -> None:
    """The column headers of a grid over the given (first, last) column spans."""
    for column, (c0, c1) in zip(columns, spans, strict=True):
        cv.write(r, c0, resolve(column.term.text, year), HEADER, to_col=c1)


def _value_row(
    cv: _Canvas, grid: Grid, row: Row, columns: Sequence[Column], r: int, spans: Sequence[tuple[int, int]]
) -> None:
    """A row of grid cells over the given column spans."""
    roles = dict(zip((c.key for c in grid.columns), row.roles, strict=True))
    for column, (c0, c1) in zip(columns, spans, strict=True):
        _grid_cell(cv, grid, row, column, roles[column.key], r, c0, c1)


def _singles(first: int, count: int) -> list[tuple[int, int]]:
    """Spans of one column each, starting at `first`."""
    return [(c, c) for c in range(first, first + count)]


def _list_items(
    cv: _Canvas, kind: FormKind, block: ListBlock, r: int, label: tuple[int, int], value: tuple[int, int]
) -> None:
    """A list block's label → value pairs, one per row from `r`."""
    labels = _printed_labels(kind, block.key, block.items, ())
    for i, (item, text) in enumerate(zip(block.items, labels, strict=True)):
        cv.write(r + i, label[0], text, LABEL, to_col=label[1])
        cv.input(_figure(block.key, item.key, "value"), r + i, value[0], "amount", to_col=value[1])


# ---------------------------------------------------------------------------------------------
# Shared blocks: title, text fields, goals, indicator table


def _title(cv: _Canvas, layout: FormLayout, last_col: int, year: int | None, *, year_line: bool) -> int:
    """Title row (and the （{Y}年度） line); return the next row."""
    cv.write(0, 0, layout.title, TITLE, to_col=last_col)
    cv.need_height(0, TITLE_HEIGHT)
    if not year_line:
        return 1
    cv.write(1, 0, YEAR_LINE.format(year=BLANK_YEAR if year is None else year), SUBTITLE, to_col=last_col)
    return 2


def _field(cv: _Canvas, layout: FormLayout, key: str, r: int, c: int, to_col: int) -> None:
    """A label cell and its text value to the right, merged to `to_col`."""
    cv.write(r, c, layout.field_(key).term.text, LABEL_CENTER)
    cv.input(("text", key), r, c + 1, "text", to_col=to_col)


def _goals(cv: _Canvas, layout: FormLayout, r: int, label_to: int, split: int, last_col: int) -> int:
    """年度总体目标 | 预期目标 | 实际完成情况 with their text cells below; return the next row."""
    cv.write(r, 0, layout.field_("goal_heading").term.text, LABEL_CENTER, to_row=r + 1, to_col=label_to)
    cv.write(r, label_to + 1, layout.field_("goal_expected").term.text, HEADER, to_col=split - 1)
    cv.write(r, split, layout.field_("goal_actual").term.text, HEADER, to_col=last_col)
    cv.input(("text", "goal_expected"), r + 1, label_to + 1, "text", to_col=split - 1)
    cv.input(("text", "goal_actual"), r + 1, split, "text", to_col=last_col)
    cv.need_height(r + 1, GOAL_HEIGHT)
    return r + 2


@dataclass(frozen=True)
class _IndicatorLine:
    """One planned indicator row: its 一级 / 二级 labels and the content row, if any."""

    level1: str
    level2: str
    row: IndicatorRow | None
    printed: bool  # labels printed by the form (template) rather than filled in


def _indicator_plan(
    table: IndicatorTable, content: FormSheet | None, minimum: int | None
) -> list[_IndicatorLine]:
    """The rows of the indicator table: the content's, else the template's, padded to `minimum`."""
    if content is not None and content.indicators:
        lines = [_IndicatorLine(_level1_text(i), i.level2, i, False) for i in content.indicators]
    else:
        lines = [
            _IndicatorLine(level1.term.text + WEIGHT_SUFFIX.format(weight=level1.weight), label, None, True)
            for level1 in table.level1
            for label, count in level1.level2
            for _ in range(count)
        ]
    blank = _IndicatorLine("", "", None, False)
    return lines + [blank] * max(0, (minimum or 0) - len(lines))


def _level1_text(row: IndicatorRow) -> str:
    """The 一级 label as the department wrote it, with its weight when it carried one."""
    if row.level1_weight is None:
        return row.level1
    return row.level1 + WEIGHT_SUFFIX.format(weight=format(row.level1_weight.normalize(), "f"))


def _runs(keys: Sequence[object]) -> list[tuple[int, int]]:
    """(first, last) index runs of equal consecutive keys; empty keys stand alone."""
    runs: list[tuple[int, int]] = []
    for i, key in enumerate(keys):
        if runs and key and keys[runs[-1][0]] == key:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _indicator_table(
    cv: _Canvas, layout: FormLayout, r: int, budget_score: Anchor, minimum: int | None
) -> int:
    """The 绩效指标 table and its 总分 row; return the row after it."""
    table = layout.indicators
    assert table is not None
    lines = _indicator_plan(table, cv.content, minimum)
    first = 1 if table.lead is not None else 0
    if table.lead is not None:
        cv.write(r, 0, table.lead.text, LABEL_CENTER, to_row=r + len(lines))
    for i, column in enumerate(table.columns):
        cv.write(r, first + i, column.term.text, HEADER)
    top = r + 1
    _indicator_levels(cv, lines, top, first)
    keys = [c.key for c in table.columns]
    for i, line in enumerate(lines):
        _indicator_cells(cv, line, str(i), top + i, first, keys)
    return _total_row(cv, table, top + len(lines), first, keys, budget_score, len(lines))


def _indicator_levels(cv: _Canvas, lines: Sequence[_IndicatorLine], top: int, first: int) -> None:
    """The 一级 and 二级 cells, merged down over their rows."""
    level1_runs = _runs([line.level1 for line in lines])
    level2_runs = _runs([(line.level1, line.level2) if line.level2 else "" for line in lines])
    for column, key, runs in ((first, "level1", level1_runs), (first + 1, "level2", level2_runs)):
        for start, end in runs:
            line = lines[start]
            text = _break_label(line.level1, cv.widths[column]) if key == "level1" else line.level2
            style = LABEL_CENTER if line.printed or line.row is not None else CELL_INPUT
            a1 = cv.write(top + start, column, text, style, to_row=top + end)
            for i in range(start, end + 1):
                cv.place(("indicator", str(i), key), a1, style)


def _indicator_cells(
    cv: _Canvas, line: _IndicatorLine, index: str, r: int, first: int, keys: Sequence[str]
) -> None:
    """The 三级 … 偏差原因 cells of one indicator row."""
    source = line.row
    values: dict[str, Plain] = {}
    if source is not None:
        values = {
            "name": source.name,
            "target": _cell_text(source.target_raw),
            "actual": _cell_text(source.actual_raw),
            "weight": source.weight,
            "score": source.self_score,
            "reason": source.reason,
        }
    for c, key in enumerate(keys[2:], start=first + 2):
        anchor = ("indicator", index, key)
        fmt, style = _INDICATOR_STYLES.get(key, _INDICATOR_TEXT)
        value = values.get(key)
        cv.place(anchor, cv.write(r, c, value, style), style)
        cv.numbers[anchor] = value if isinstance(value, Decimal) else None
        if fmt == "score":
            cv.validations.setdefault("score", []).append(cv.cells[anchor])


# How the cells of an indicator row are formatted, by column key: scores as numbers, the rest as text
# (the target and the actual centred).
_INDICATOR_TEXT: tuple[ValueFormat, CellStyle] = ("text", CellStyle("input", "text"))
_INDICATOR_STYLES: dict[str, tuple[ValueFormat, CellStyle]] = {
    "weight": ("score", CellStyle("input", "score")),
    "score": ("score", CellStyle("input", "score")),
    "target": ("text", CellStyle("input", "text", align="center")),
    "actual": ("text", CellStyle("input", "text", align="center")),
}


def _cell_text(raw: object) -> Plain:
    """A raw target / actual as written back: numbers stay numbers, anything else becomes text."""
    if (
        raw is None
        or isinstance(raw, str | Decimal | float)
        or (isinstance(raw, int) and not isinstance(raw, bool))
    ):
        return raw
    return str(raw)


def _total_row(
    cv: _Canvas,
    table: IndicatorTable,
    r: int,
    first: int,
    keys: Sequence[str],
    budget_score: Anchor,
    count: int,
) -> int:
    """总分 | 100 | budget score + Σ 得分; return the next row."""
    weight_col = first + keys.index("weight")
    cv.write(r, 0, table.total.text, LABEL_CENTER, to_col=weight_col - 1)
    cv.fixed(("total", "weight"), r, weight_col, table.total_weight)
    parts = [budget_score, *(("indicator", str(i), "score") for i in range(count))]
    cv.formula(("total", "score"), r, weight_col + 1, "score", RANK_TOTAL, _total_score(parts))
    for c in range(weight_col + 2, first + len(keys)):
        cv.write(r, c, None, BLANK)
    return r + 1


# ---------------------------------------------------------------------------------------------
# The three forms


def _draw_project(cv: _Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
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
    spans = _singles(3, len(grid.columns))
    _header_row(cv, grid.columns, r, spans, year)
    labels = _printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 1, text, LABEL, to_col=2)
        _value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    r = _goals(cv, layout, r + 1 + len(grid.rows), 0, 5, last)
    return _indicator_table(cv, layout, r, _figure("budget", "total", "score"), minimum)


def _draw_department(cv: _Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
    """附件2 部门整体支出绩效自评表 (columns A–H); return the number of rows drawn."""
    last = 7
    r = _title(cv, layout, last, year, year_line=True)
    _field(cv, layout, "department", r, 0, last)
    r += 1
    grid = layout.grid("budget")
    spans = [*_singles(1, len(grid.columns) - 1), (6, 7)]
    cv.write(r, 0, _corner(cv, grid, year), HEADER)
    _header_row(cv, grid.columns, r, spans, year)
    labels = _printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 0, text, LABEL)
        _value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    r += 1 + len(grid.rows)
    r = _department_lists(cv, layout, r)
    r = _goals(cv, layout, r, 0, 4, last)
    return _indicator_table(cv, layout, r, _figure("budget", "total", "score"), minimum)


def _department_lists(cv: _Canvas, layout: FormLayout, r: int) -> int:
    """按收入性质分 (A | B:D) beside 按支出性质分 (E:F | G:H); return the next row."""
    left, right = layout.lists
    for block, (c0, c1) in ((left, (0, 3)), (right, (4, 7))):
        heading = block.heading.text + COLON if block.heading else ""
        cv.write(r, c0, heading, LABEL, to_col=c1)
    _list_items(cv, layout.kind, left, r + 1, (0, 0), (1, 3))
    _list_items(cv, layout.kind, right, r + 1, (4, 5), (6, 7))
    depth = max(len(left.items), len(right.items))
    for i in range(len(right.items), depth):
        cv.write(r + 1 + i, 4, None, BLANK, to_col=5)
        cv.write(r + 1 + i, 6, None, BLANK, to_col=7)
    return r + 1 + depth


def _draw_basic_data(cv: _Canvas, layout: FormLayout, year: int | None, minimum: int | None) -> int:
    """附件1 部门整体支出绩效评价基础数据表 (columns A–D); return the number of rows drawn."""
    last = 3
    r = _title(cv, layout, last, year, year_line=False)
    department = _printed(layout.kind, "field", "department", layout.field_("department").term.text)
    cv.write(r, 0, department, CellStyle("plain", align="right"))
    cv.input(("text", "department"), r, 1, "text", to_col=2)
    cv.write(r, 3, layout.field_("unit_note").term.text, CellStyle("plain", align="right"))
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
    for c, text in enumerate(layout.footer):
        cv.write(r, c, text, PLAIN)
    return r + 1


def _corner(cv: _Canvas, grid: Grid, year: int | None) -> str:
    """A grid's corner label for column A, broken before its bracket when too wide."""
    return _break_label(resolve(grid.corner.text, year), cv.widths[0]) if grid.corner else ""


def _small_grid(cv: _Canvas, grid: Grid, r: int, year: int | None) -> int:
    """A one-row grid drawn as header/value row pairs of three under a merged corner label."""
    (row,) = grid.rows
    chunks = [grid.columns[i : i + 3] for i in range(0, len(grid.columns), 3)]
    cv.write(r, 0, _corner(cv, grid, year), LABEL_CENTER, to_row=r + 2 * len(chunks) - 1)
    for chunk in chunks:
        spans = _singles(1, len(chunk))
        _header_row(cv, chunk, r, spans, year)
        _value_row(cv, grid, row, chunk, r + 1, spans)
        r += 2
    return r


def _spending(cv: _Canvas, layout: FormLayout, grid: Grid, r: int, year: int | None) -> int:
    """经费控制情况: header row, then the indented spending rows; return the next row."""
    cv.write(r, 0, _corner(cv, grid, year), HEADER)
    spans = _singles(1, len(grid.columns))
    _header_row(cv, grid.columns, r, spans, year)
    labels = _printed_labels(layout.kind, grid.key, grid.rows, grid.totals)
    for i, (row, text) in enumerate(zip(grid.rows, labels, strict=True)):
        cv.write(r + 1 + i, 0, text, LABEL._replace(indent=row.indent * 2))
        _value_row(cv, grid, row, grid.columns, r + 1 + i, spans)
    return r + 1 + len(grid.rows)


_DRAWERS: dict[FormKind, Callable[[_Canvas, FormLayout, int | None, int | None], int]] = {
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
) -> Placement:
    """Draw one form on a worksheet, blank or filled with `content`; `computed` overrides formulas' values."""
    if content is not None and content.kind != layout.kind:
        raise ValueError(f"content is a {content.kind} sheet, layout is {layout.kind}")
    if year is None and content is not None:
        year = content.year
    widths = column_widths(layout)
    cv = _Canvas(worksheet, styles or Styles(workbook), widths, content, computed)
    cv.row_height = ROW_HEIGHT if layout.landscape else PORTRAIT_ROW_HEIGHT
    rows = _DRAWERS[layout.kind](cv, layout, year, indicator_rows)
    cv.flush()
    _finish_sheet(cv, layout, rows, widths)
    return Placement(cells=dict(cv.cells), last_row=rows, styles=dict(cv.cell_styles))


def _finish_sheet(cv: _Canvas, layout: FormLayout, rows: int, widths: Sequence[float]) -> None:
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
    ws.set_footer(f'&C&"{BODY_FONT}"&9第 &P 页，共 &N 页')


def _pages_tall(cv: _Canvas, layout: FormLayout, rows: int, widths: Sequence[float]) -> float:
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
    ws.data_validation(
        cells[0],
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
    "Placement",
    "anchor_key",
    "column_widths",
    "render_form",
]
