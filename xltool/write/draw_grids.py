"""Drawing the grids and lists of a form: printed row labels, header rows, and each cell by its role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xltool.forms.blocks import Column, Grid, ListBlock, Row, Total
from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.computed_cells import Computed, figure_anchor, grid_cell
from xltool.forms.layouts import BUDGET_WEIGHT, FormKind
from xltool.forms.terms import resolve
from xltool.write.canvas import COLON, COLON_LABELS, NO_VALUE, NUMBERED_PARTS, OF_WHICH, Canvas
from xltool.write.formulas import formula_of
from xltool.write.looks import BLANK, HEADER, LABEL, NONE

if TYPE_CHECKING:
    pass


def printed_labels(kind: FormKind, block: str, rows: Sequence[Row], totals: Sequence[Total]) -> list[str]:
    """Row labels as the official form prints them: 1、2、 numbering or a leading 其中：."""
    by_key = {r.key: r for r in rows}
    numbered = {
        p: i for t in totals if not t.partial and kind in NUMBERED_PARTS for i, p in enumerate(t.parts, 1)
    }
    labels = []
    for i, row in enumerate(rows):
        text = printed_label(kind, block, row.key, row.term.text)
        previous = rows[i - 1] if i else None
        if row.key in numbered and by_key[_parent(row.key, totals)].indent == 0:
            text = f"{numbered[row.key]}、{text}"
        elif row.indent and (previous is None or previous.indent < row.indent):
            text = OF_WHICH + text
        labels.append(text)
    return labels


def printed_label(kind: FormKind, block: str, key: str, text: str) -> str:
    """A label with the trailing colon the official form prints after it, if it prints one."""
    return text + COLON if (kind, block, key) in COLON_LABELS else text


def _parent(key: str, totals: Sequence[Total]) -> str:
    """The total row a part row belongs to."""
    return next(t.total for t in totals if key in t.parts)


def _grid_cell(
    cv: Canvas, grid: Grid, row: Row, column: Column, role: str, r: int, c: int, to_col: int | None = None
) -> None:
    """Draw one cell of a grid by its role."""
    anchor = figure_anchor(grid.key, row.key, column.key)
    if role == "input":
        cv.input(anchor, r, c, column.fmt, to_col=to_col)
    elif role == "fixed":
        if cv.budget_weight is not None:  # the profile's 分值, which the 得分 formula multiplies by
            cv.fixed_value(anchor, r, c, cv.budget_weight, to_col=to_col)
        else:
            cv.fixed(anchor, r, c, BUDGET_WEIGHT, to_col=to_col)
    elif role == "computed":
        computed = _grid_cell_formula(grid, row.key, column.key, column.fmt)
        cv.formula(anchor, r, c, column.fmt, computed.rank, formula_of(computed), to_col=to_col)
    elif role == "none":
        cv.write(r, c, NO_VALUE, NONE, to_col=to_col)
    elif cv.value_of(anchor)[0] is not None:  # a figure written where the form takes none: kept as written
        cv.input(anchor, r, c, column.fmt, to_col=to_col)
    else:
        cv.write(r, c, None, BLANK, to_col=to_col)


_FORMULAS: dict[tuple[int, str, str, str], tuple[Grid, Computed]] = {}


def _grid_cell_formula(grid: Grid, row: str, column: str, fmt: ValueFormat) -> Computed:
    """`grid_cell`, remembered by the grid's identity rather than its value.

    ``grid_cell`` is cached by its arguments, and hashing a grid (a frozen dataclass of rows, columns
    and totals) walks all of it, for every computed cell of every form drawn. The layouts' grids live
    as long as the process; each entry keeps its grid, so the identity cannot be taken by another.
    """
    key = (id(grid), row, column, fmt)
    found = _FORMULAS.get(key)
    if found is None or found[0] is not grid:
        found = _FORMULAS[key] = (grid, grid_cell(grid, row, column, fmt))
    return found[1]


def header_row(
    cv: Canvas, columns: Sequence[Column], r: int, spans: Sequence[tuple[int, int]], year: int | None
) -> None:
    """The column headers of a grid over the given (first, last) column spans."""
    for column, (c0, c1) in zip(columns, spans, strict=True):
        cv.write(r, c0, resolve(column.term.text, year), HEADER, to_col=c1)


def value_row(
    cv: Canvas, grid: Grid, row: Row, columns: Sequence[Column], r: int, spans: Sequence[tuple[int, int]]
) -> None:
    """A row of grid cells over the given column spans."""
    roles = dict(zip((c.key for c in grid.columns), row.roles, strict=True))
    for column, (c0, c1) in zip(columns, spans, strict=True):
        _grid_cell(cv, grid, row, column, roles[column.key], r, c0, c1)


def singles(first: int, count: int) -> list[tuple[int, int]]:
    """Spans of one column each, starting at `first`."""
    return [(c, c) for c in range(first, first + count)]


def list_items(
    cv: Canvas, kind: FormKind, block: ListBlock, r: int, label: tuple[int, int], value: tuple[int, int]
) -> None:
    """A list block's label → value pairs, one per row from `r`."""
    labels = printed_labels(kind, block.key, block.items, ())
    for i, (item, text) in enumerate(zip(block.items, labels, strict=True)):
        cv.write(r + i, label[0], text, LABEL, to_col=label[1])
        cv.input(figure_anchor(block.key, item.key, "value"), r + i, value[0], "amount", to_col=value[1])
