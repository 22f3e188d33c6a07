"""A workbook whose sheets write their cells as xlsxwriter does, byte for byte, with less work per cell.

The summary workbook is written with ``constant_memory``: each row is turned into XML as soon as the
next one begins. For every cell xlsxwriter then runs about ten Python calls (the A1-notation
decorator, a tuple of attributes each searched for characters to escape, two substitutions and two
searches for control characters and edge spaces) and one write to a text file that resets its
decoder on every write. Nearly all the summary's cells are plain: formatted text without control
characters, edge spaces or ``_xHHHH_`` look-alikes, numbers, formatted blanks. `QuickSheet` writes
those in one step, and a row in one write; any other cell goes through xlsxwriter's own code.
tests/test_quick_sheet.py holds the XML to xlsxwriter's.
"""

from __future__ import annotations

import io
import re
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell_fast
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
        # The row's XML is gathered in memory and written to the row file at once.
        row_file = self.fh  # type: ignore[has-type]  # (xlsxwriter leaves it untyped)
        self.fh = gathered = io.StringIO()
        try:
            super()._write_single_row(current_row_num)
        finally:
            self.fh = row_file
        row_file.write(gathered.getvalue())

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        cell_format = cell.format
        kind = type(cell)
        if cell_format is None or not self.constant_memory:
            super()._write_cell(row, col, cell)
        elif kind is CellStringTuple:
            text = cell.string
            if _NOT_PLAIN.search(text) or (text.startswith("<r>") and text.endswith("</r>")):
                super()._write_cell(row, col, cell)  # escapes, preserved spaces, a rich string
                return
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}"'
                f' t="inlineStr"><is><t>{text}</t></is></c>'
            )
        elif kind is CellNumberTuple:
            self.fh.write(
                f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}">'
                f"<v>{cell.number:.16G}</v></c>"
            )
        elif kind is CellBlankTuple:
            self.fh.write(f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}"/>')
        else:
            super()._write_cell(row, col, cell)


class QuickBook(Workbook):
    """An xlsxwriter workbook whose worksheets are `QuickSheet`s."""

    worksheet_class = QuickSheet
