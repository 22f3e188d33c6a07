"""The canvas a form is drawn on, and the printed decorations the layouts leave to the renderer.

The canvas writes cells, remembers where each anchored value landed (`Placement`), and writes a computed
cell once every cell it refers to has a place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.layouts import FORMS, NO_VALUE_MARKS, FormKind
from xltool.forms.terms import AMOUNT_UNITS
from xltool.write.looks import (
    CELL_PADDING,
    FIXED,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    ROW_HEIGHT,
    TEXT_INPUT,
    CellStyle,
    Styles,
    display_units,
    wrapped_lines,
)

if TYPE_CHECKING:
    from xltool.model.records import Anchor, FormSheet


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
    build: Callable[[Canvas], tuple[str, Number | str]]


class Canvas:
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
        self.budget_weight: Decimal | None = None  # a profile's 分值 of the budget line, when not the form's
        self.level1_weights: Mapping[str, float] = {}  # a profile's 一级指标 分值 a blank form prints

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
        """Write a value (text always as text) into a cell or a merged range; return its A1.

        Cells go through xlsxwriter's undecorated ``_write_*`` methods: the public ones only add a
        conversion of A1 arguments, and the canvas always passes row and column numbers.
        """
        fmt = self.styles.get(style)
        ws = self.ws
        if to_row is None and to_col is None:  # a single cell, the most common case
            if isinstance(value, str) and value:
                ws._write_string(row, col, str(value), fmt)
                self.fit(row, col, col, value)
            elif value is None or isinstance(value, str):
                ws._write_blank(row, col, None, fmt)
            else:
                ws._write_number(row, col, float(value), fmt)
            return a1(row, col)
        last_row = row if to_row is None else to_row
        last_col = col if to_col is None else to_col
        blank = value is None or (isinstance(value, str) and not value)  # not Decimal == "": slow
        number = None if blank or isinstance(value, str) else float(value)  # type: ignore[arg-type]
        if (last_row, last_col) != (row, col):
            # merge_range writes the first cell itself (a number directly); text is written after it
            # by write_string, so that it stays text whatever the workbook's options.
            ws.merge_range(row, col, last_row, last_col, "" if number is None else number, fmt)
            if isinstance(value, str) and value:
                ws._write_string(row, col, value, fmt)
        elif blank:
            ws._write_blank(row, col, None, fmt)
        elif number is None:
            ws._write_string(row, col, str(value), fmt)
        else:
            ws._write_number(row, col, number, fmt)
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

    def fixed(
        self, anchor: Anchor, row: int, col: int, default: int | Decimal, *, to_col: int | None = None
    ) -> None:
        """A cell the form prints a fixed figure in (分值 10, 100), or the content's own figure."""
        value, number = self.value_of(anchor)
        if value is None:
            value, number = Decimal(default), Decimal(default)
        self.place(anchor, self.write(row, col, value, FIXED, to_col=to_col), FIXED)
        self.numbers[anchor] = number

    def fixed_value(
        self, anchor: Anchor, row: int, col: int, value: Decimal, *, to_col: int | None = None
    ) -> None:
        """A fixed figure that a setting decides (a profile's 分值), whatever the content states."""
        self.place(anchor, self.write(row, col, value, FIXED, to_col=to_col), FIXED)
        self.numbers[anchor] = value

    def formula(
        self,
        anchor: Anchor,
        row: int,
        col: int,
        fmt: ValueFormat,
        rank: int,
        build: Callable[[Canvas], tuple[str, Number | str]],
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
            self.ws._write_formula(item.row, item.col, text, fmt, cached)
            self.numbers[item.anchor] = value if isinstance(value, Decimal) else None
        self.pending.clear()

    # -- content -------------------------------------------------------------------------------

    def value_of(self, anchor: Anchor) -> tuple[Plain, Number]:
        """The content's value for an anchor as written, and as a number when it is one."""
        if self.content is None:
            return None, None
        kind = anchor[0]
        if kind == "figure":
            plain, number = _figure_value(self.content.figure(anchor[1], anchor[2], anchor[3]))
            if number is not None and anchor[1] in self.content.units:
                number = as_written(self.content, anchor, number)
                return number, number
            return plain, number
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
        height = _text_height(text, self.edges[last_col + 1] - self.edges[col])
        if height > self.heights.get(row, self.row_height):  # else the row keeps its height
            self.heights[row] = min(MAX_ROW_HEIGHT, height)

    def need_height(self, row: int, height: float) -> None:
        """Ask for at least this height (points) on a row."""
        self.heights[row] = min(MAX_ROW_HEIGHT, max(self.heights.get(row, self.row_height), height))


@functools.lru_cache(maxsize=8192)
def _text_height(text: str, width: float) -> float:
    """The height (points) a wrapped text needs in a width (cached: most texts are the forms' labels)."""
    return wrapped_lines(text, width) * LINE_HEIGHT + 6


def _as_value(value: float | str | None) -> Number | str:
    """An override from the rules engine as a cell value."""
    if value is None or isinstance(value, str):
        return value
    return Decimal(str(value))


def as_written(content: FormSheet, anchor: Anchor, value: Decimal) -> Decimal:
    """An amount (万元) back in the unit the department wrote its block in (元, 千元 …)."""
    unit = content.units.get(anchor[1]) if anchor[0] == "figure" else None
    if unit is None or not _is_amount(content.kind, anchor[1], anchor[3]):
        return value
    written = value / Decimal(AMOUNT_UNITS[unit])
    return written.quantize(Decimal(1)) if written == written.to_integral_value() else written.normalize()


@functools.cache
def _is_amount(kind: FormKind, block: str, column: str) -> bool:
    layout = FORMS[kind]
    if any(b.key == block for b in layout.lists):
        return True
    grid = next((g for g in layout.grids if g.key == block), None)
    return grid is not None and any(c.key == column and c.fmt == "amount" for c in grid.columns)


def unit_label(content: FormSheet | None, text: str, block: str | None = None) -> str:
    """A printed label naming 万元, naming instead the unit the department wrote (its block's, or any)."""
    if content is None or not content.units:
        return text
    unit = content.units.get(block) if block is not None else next(iter(content.units.values()))
    return text.replace("万元", unit) if unit is not None else text


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


@functools.lru_cache(maxsize=4096)
def rowcol(cell: str) -> tuple[int, int]:
    """A1 → (row, col), 0-based (cached, as `a1`: marks and sorts look the same cells up again)."""
    return xl_cell_to_rowcol(cell)


def break_label(text: str, width: float) -> str:
    """Break a label that does not fit before its bracketed tail: 项目资金（万元） → 项目资金 / （万元）."""
    cut = max(text.rfind("（"), text.rfind("("))
    if cut <= 0 or display_units(text) <= width - CELL_PADDING:
        return text
    return f"{text[:cut]}\n{text[cut:]}"
