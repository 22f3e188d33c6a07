"""The scored workbooks' worksheet stores every formula exactly as xlsxwriter's own preparation would."""

from __future__ import annotations

import gc
import io
import weakref
from datetime import datetime

import pytest
import xlsxwriter
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xltool.write.scored import _release
from xltool.write.worksheet import FormWorksheet

FORMULAS = [
    '=IF(COUNT(C5,C6)=0,"",SUM(C5,C6))',
    '=IF(N(D7)=0,"",N(E7)/D7)',
    '=IF(F9="","",ROUND(MIN(F9,1)*10,2))',
    '=IF(COUNT(G5:G20)=0,"",ROUND(SUM(G5:G20),2))',
    "{=SUM(A1:A3)}",
    "=XLOOKUP(A1,B1:B3,C1:C3)",  # a newer function: xlsxwriter's own path prefixes it
    "=SINGLE(A1)",
    '=IF(A1="FILTER(",1,0)',  # a name inside a text still takes xlsxwriter's path
    "=STDEV.S(A1:A3)",
    "=if(a1,1,0)",
    "=A1+B1",
]


def _sheets() -> tuple[Worksheet, FormWorksheet]:
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    plain = book.add_worksheet("a")
    form = book.add_worksheet("b", worksheet_class=FormWorksheet)
    assert isinstance(form, FormWorksheet)
    return plain, form


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_prepared_as_xlsxwriter_does(formula: str) -> None:
    plain, form = _sheets()
    assert form._prepare_formula(formula) == plain._prepare_formula(formula)
    assert form._prepare_formula(formula, True) == plain._prepare_formula(formula, True)


def test_the_fast_path_is_taken_for_the_forms_formulas(monkeypatch: pytest.MonkeyPatch) -> None:
    _, form = _sheets()

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("xlsxwriter's rewriting ran")

    monkeypatch.setattr(Worksheet, "_prepare_formula", refuse)
    assert form._prepare_formula(FORMULAS[0]) == FORMULAS[0][1:]
    with pytest.raises(AssertionError):
        form._prepare_formula(FORMULAS[5])


# (first row, first col, last row, last col, data): the merges a form and its notes make, and odd ones
MERGES = [
    (0, 0, 0, 8, ""),
    (2, 1, 2, 2, 3.5),
    (3, 0, 9, 0, ""),
    (4, 3, 5, 5, 0.0),
    (10, 2, 10, 2, ""),  # a single cell: xlsxwriter warns and merges nothing
    (12, 4, 11, 1, ""),  # reversed corners
    (13, 0, 13, 3, "text"),
    (14, 0, 14, 3, float("nan")),
    (15, 0, 15, 3, 7),
    (16, 0, 16, 3, None),
]


def _state(ws: Worksheet) -> tuple[object, ...]:
    table = {r: dict(sorted(cells.items())) for r, cells in sorted(ws.table.items())}
    dims = (ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax)
    rows = (ws.row_info, ws.row_sizes, ws.outline_row_level)
    return table, ws.merge, ws.merged_cells, dims, rows


# (row, height, options): the heights the forms set, and odd rows
ROWS: list[tuple[object, ...]] = [
    (30, 20.5),
    (31, 409),
    (32, 0),
    (33, 0.2),
    (34, -3.0),
    (35, None),
    (36, 18, None, {"hidden": True, "level": 2}),
    (2_000_000, 20.0),
]


def test_row_heights_are_stored_as_xlsxwriter_stores_them() -> None:
    plain, form = _sheets()
    for sheet in (plain, form):
        for args in ROWS:
            assert sheet.set_row(*args) in (0, -1)
        sheet.set_row(37, height=15.0)
    assert _state(form) == _state(plain)


def test_a_plain_height_is_stored_without_xlsxwriter(monkeypatch: pytest.MonkeyPatch) -> None:
    _, form = _sheets()

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("xlsxwriter's set_row ran")

    monkeypatch.setattr(Worksheet, "set_row", refuse)
    assert form.set_row(3, 20.5) == 0
    assert form.row_sizes[3] == [27, False]
    with pytest.raises(AssertionError):
        form.set_row(4, 20, None, {"hidden": True})


@pytest.mark.filterwarnings("ignore:Can't merge single cell")
def test_merges_leave_the_cells_xlsxwriter_leaves() -> None:
    plain, form = _sheets()
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "nan_inf_to_errors": True})
    fmt = book.add_format({"border": 1})
    for sheet in (plain, form):
        sheet.nan_inf_to_errors = True
        for first_row, first_col, last_row, last_col, data in MERGES:
            assert sheet.merge_range(first_row, first_col, last_row, last_col, data, fmt) in (0, -1)
        sheet.merge_range(20, 0, 20, 1, "", None)  # no format: blanks are not written
        sheet.merge_range("A22:C22", "", fmt)
    assert _state(form) == _state(plain)


def test_an_overlapping_merge_is_refused_as_xlsxwriter_refuses_it() -> None:
    plain, form = _sheets()
    for sheet in (plain, form):
        sheet.merge_range(2, 2, 4, 4, "", None)
        with pytest.raises(OverlappingRange, match="overlaps previous merge range 'C3:E5'"):
            sheet.merge_range(4, 4, 4, 6, "", None)
        assert sheet.merge_range(5, 2, 5, 4, "", None) == 0


def test_the_bulk_merge_writes_the_same_file() -> None:
    def draw(worksheet_class: type[Worksheet]) -> bytes:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        book.set_properties({"created": datetime(2024, 1, 1)})
        ws = book.add_worksheet("a", worksheet_class=worksheet_class)
        fmt = book.add_format({"border": 1, "bg_color": "#F2F2F2"})
        ws.merge_range(0, 0, 0, 5, "", fmt)
        ws.write_string(0, 0, "标题", fmt)
        ws.merge_range(1, 1, 3, 2, 12.5, fmt)
        ws.write_number(1, 0, 1, fmt)
        book.close()
        return buffer.getvalue()

    assert draw(FormWorksheet) == draw(Worksheet)


def test_the_bulk_merge_is_taken_for_plain_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    _, form = _sheets()

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("xlsxwriter's merge ran")

    monkeypatch.setattr(Worksheet, "merge_range", refuse)
    fmt = Format()
    assert form.merge_range(0, 0, 0, 3, "", fmt) == 0
    assert form.merge_range(1, 0, 2, 3, 4.0, fmt) == 0
    with pytest.raises(AssertionError):  # an overlap
        form.merge_range(0, 3, 1, 4, "", fmt)


def test_a_released_workbook_is_freed_without_the_cycle_collector() -> None:
    gc.disable()
    try:
        book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        book.worksheet_class = FormWorksheet
        ws = book.add_worksheet("a")
        ws.merge_range(0, 0, 0, 3, "", book.add_format({"border": 1}))
        ws.write_url(1, 0, "internal:'a'!A1", string="A1")
        ws.write_comment(0, 0, "批注")
        book.close()
        _release(book)
        gone = weakref.ref(book)
        del book, ws
        assert gone() is None
    finally:
        gc.enable()
