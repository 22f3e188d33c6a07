"""A workbook whose sheets write their cells as xlsxwriter does, byte for byte, with less work per cell.

The summary workbook is written with ``constant_memory``: each row is turned into XML as soon as the
next one begins. For every cell xlsxwriter then runs about ten Python calls (the A1-notation
decorator, a tuple of attributes each searched for characters to escape, two substitutions and two
searches for control characters and edge spaces) and one write to a text file that resets its
decoder on every write. Nearly all the summary's cells are plain: formatted text without control
characters, edge spaces or ``_xHHHH_`` look-alikes, numbers, formatted blanks. `QuickSheet` writes
those in one step, and a row in one write (its <row> element and any other cell by xlsxwriter's own
code).
tests/test_quick_sheet.py holds the XML to xlsxwriter's.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

# A string xlsxwriter writes otherwise than plainly: leading or trailing white space (xml:space),
# a control or non-character (_xHHHH_ escapes), an _xHHHH_ look-alike (its underscore escaped).
_NOT_PLAIN = re.compile(r"^\s|\s$|[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class QuickSheet(Worksheet):
    """xlsxwriter's worksheet, writing plain cells and whole rows in one step each."""

    def put(self, row: int, col: int, value: object, cell_format: Format | None) -> None:
        """Numbers as numbers, everything else as text (never as a formula); None as a blank."""
        # xlsxwriter's write_string / write_number / write_blank without their A1-notation wrapper.
        if value is None:
            self._write_blank(row, col, None, cell_format)
        elif isinstance(value, bool):
            self._write_string(row, col, "是" if value else "否", cell_format)
        elif isinstance(value, int | float):
            self._write_number(row, col, value, cell_format)
        else:
            self._write_string(row, col, str(value), cell_format)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        # Worksheet._write_single_row, the row's XML gathered in memory and written to the row file
        # at once.
        row_num = self.previous_row
        cells = self.table.get(row_num)
        row_file = self.fh  # type: ignore[has-type]  # (xlsxwriter leaves it untyped)
        self.fh = gathered = io.StringIO()
        try:
            if cells:
                self._write_cells(row_num, cells, current_row_num, gathered.write)
            else:  # formatting or comments alone
                super()._write_single_row(current_row_num)
        finally:
            self.fh = row_file
        row_file.write(gathered.getvalue())

    def _write_cells(
        self, row_num: int, cells: dict[int, Any], next_row: int, write: Callable[[str], object]
    ) -> None:
        """A row holding cells: its <row> element, then its cells in column order (plain ones here)."""
        self.previous_row = next_row
        self._write_row(row_num, None, self.row_info.get(row_num))
        row_ref = str(row_num + 1)
        for col in sorted(cells):
            cell = cells[col]
            cell_format, kind = cell.format, type(cell)
            if cell_format is None:  # the row's or the column's format, if any
                super()._write_cell(row_num, col, cell)
            elif kind is CellStringTuple:
                text = cell.string
                if _NOT_PLAIN.search(text) or (text.startswith("<r>") and text.endswith("</r>")):
                    super()._write_cell(row_num, col, cell)  # escapes, kept spaces, a rich string
                    continue
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                write(
                    f'<c r="{_column(col)}{row_ref}" s="{cell_format._get_xf_index()}" t="inlineStr">'
                    f"<is><t>{text}</t></is></c>"
                )
            elif kind is CellNumberTuple:
                number = f"{cell.number:.16G}"
                write(f'<c r="{_column(col)}{row_ref}" s="{cell_format._get_xf_index()}"><v>{number}</v></c>')
            elif kind is CellBlankTuple:
                write(f'<c r="{_column(col)}{row_ref}" s="{cell_format._get_xf_index()}"/>')
            else:
                super()._write_cell(row_num, col, cell)
        write("</row>")
        self.table.clear()


@functools.cache
def _column(col: int) -> str:
    """A column's letters (A, B, … AA …), as xlsxwriter names it."""
    return str(xl_col_to_name(col))


class QuickBook(Workbook):
    """An xlsxwriter workbook whose worksheets are `QuickSheet`s."""

    worksheet_class = QuickSheet
