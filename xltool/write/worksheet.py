"""xlsxwriter's worksheet, preparing the forms' plain formulas and merges without its per-cell passes.

Before storing a formula, xlsxwriter runs some thirty regular-expression substitutions over it, one
for each newer Excel function it must prefix with ``_xlfn.`` (XLOOKUP, FILTER …). The computed cells
of the forms use only long-standing functions, so a formula that calls nothing else is stored as
xlsxwriter would store it (its ``{`` ``=`` ``}`` removed), at a fraction of the cost; any other formula
takes xlsxwriter's own path. Merges are recorded in bulk (`FormWorksheet.merge_range`). Tests hold
both to xlsxwriter's own result.
"""

from __future__ import annotations

import functools
import re
from math import isfinite
from typing import Any

from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, RowInfo, Worksheet

# Functions older than every prefix xlsxwriter adds (none of them ends like one of the newer names).
PLAIN_FUNCTIONS = frozenset(
    {"IF", "ROUND", "SUM", "COUNT", "N", "MIN", "MAX", "ABS", "AND", "OR", "NOT", "IFERROR", "ISNUMBER"}
)
# Anything a rewriting pass could match ends in a name directly before "(": every such name is found.
_CALLED = re.compile(r"[A-Za-z0-9_.]+(?=\()")


class FormWorksheet(Worksheet):
    """A worksheet whose plain formulas skip xlsxwriter's future-function rewriting, merged in bulk."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if expand_future_functions or self.use_future_functions:
            return str(super()._prepare_formula(formula, expand_future_functions))
        if not PLAIN_FUNCTIONS.issuperset(_CALLED.findall(formula)):
            return str(super()._prepare_formula(formula, expand_future_functions))
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def merge_range(self, *args: Any, **kwargs: Any) -> int:
        """xlsxwriter's ``merge_range``, done in bulk for the plain merges the forms make."""
        if kwargs or len(args) != 6 or not self._merge_in_bulk(*args):
            return int(super().merge_range(*args, **kwargs))
        return 0

    def set_row(self, *args: Any, **kwargs: Any) -> int:
        """xlsxwriter's ``set_row``; a plain height (no format, no options) is stored directly.

        The forms set a height on every row they draw; xlsxwriter's path converts it and goes through
        ``set_row_pixels``, which reads an options dict for the hidden / level / collapsed flags the
        forms never pass. The row is stored as that path stores it.
        """
        if kwargs or len(args) != 2 or type(args[0]) is not int or type(args[1]) not in (int, float):
            return int(super().set_row(*args, **kwargs))
        row, height = args
        pixels = int(height * 4.0 / 3.0 + 0.5)
        if pixels == 0:  # a hidden row
            return int(super().set_row(row, height))
        if self._check_dimensions(row, 0 if self.dim_colmin is None else self.dim_colmin):
            return -1
        self.row_info[row] = RowInfo(height=pixels, row_format=None, hidden=False, level=0, collapsed=False)
        self.row_sizes[row] = [pixels, False]
        return 0

    def _merge_in_bulk(
        self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any, cell_format: Any
    ) -> bool:
        """Merge as xlsxwriter would, leaving the same cells and merge list; False: not a plain merge.

        xlsxwriter checks a new merge for overlaps and records it cell by cell, then writes the first
        cell through its type dispatch and pads the rest with blanks one call each. A plain merge — row
        and column numbers in order, a format, a blank or finite number as data, no tables — is done
        here at once; anything else, and any overlap (which xlsxwriter names and refuses), is left to
        xlsxwriter's own path.
        """
        if (
            type(first_row) is not int
            or type(first_col) is not int
            or type(last_row) is not int
            or type(last_col) is not int
            or cell_format is None
            or not (0 <= first_row <= last_row < self.xls_rowmax)
            or not (0 <= first_col <= last_col < self.xls_colmax)
            or (first_row == last_row and first_col == last_col)
            or self.constant_memory
            or self.table_cells
            or self.write_handlers
            or not (data == "" if type(data) is str else type(data) is float and isfinite(data))
        ):
            return False
        cells = _range_cells(first_row, first_col, last_row, last_col)
        merged = self.merged_cells
        if not merged.keys().isdisjoint(cells):
            return False
        merged.update(cells)
        self._check_dimensions(first_row, first_col)
        self._check_dimensions(last_row, last_col)
        self.merge.append([first_row, first_col, last_row, last_col])
        blank = CellBlankTuple(cell_format)
        table = self.table
        for row in range(first_row, last_row + 1):
            table[row].update(dict.fromkeys(range(first_col, last_col + 1), blank))
        if type(data) is float:
            table[first_row][first_col] = CellNumberTuple(data, cell_format)
        return True


@functools.lru_cache(maxsize=1024)
def _range_cells(first_row: int, first_col: int, last_row: int, last_col: int) -> dict[tuple[int, int], str]:
    """Every cell of a range mapped to the range's A1 text, as xlsxwriter records a merge (read only)."""
    text = xl_range(first_row, first_col, last_row, last_col)
    return {
        (row, col): text for row in range(first_row, last_row + 1) for col in range(first_col, last_col + 1)
    }
