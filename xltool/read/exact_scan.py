"""The exact scan of an .xlsx's parts, and the `Budget` that charges what they add up to against the limits.

expat reads the shared strings, the sheets and the sheet names as calamine will.
"""

from __future__ import annotations

import re
import zipfile
from array import array
from typing import IO
from xml.parsers import expat

from xltool.read import limits
from xltool.read.formulas import SheetFormulas
from xltool.read.limits import (
    MSG_DTD,
    MSG_MARKUP,
    MSG_SHARED_STRINGS,
    MSG_SHEET_CELLS,
    MSG_TEXT,
    MSG_WORKBOOK_CELLS,
    MSG_XML,
    SourceError,
)
from xltool.read.zipparts import Parts


class Budget:
    """What the scanned parts add up to, across a workbook."""

    def __init__(self) -> None:
        self.markup = 0
        self.cells = 0
        self.chars = 0
        self.sheets: list[tuple[str, int, int]] = []  # (sheet, rows, columns) of each grid, from A1
        self.formulas: SheetFormulas = {}  # sheet name → its formula cells (formulas.formula_cells)
        self.stored: bytes | None = None  # the zip for calamine, its inflated parts stored (stored.py)

    def add_markup(self, count: int) -> None:
        self.markup += count
        if self.markup > limits.MAX_MARKUP:
            raise SourceError("error", MSG_MARKUP.format(limit=limits.MAX_MARKUP // 10_000))

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > limits.MAX_TEXT_CHARS:
            raise SourceError(
                "error", MSG_TEXT.format(chars=self.chars // 10_000, limit=limits.MAX_TEXT_CHARS // 10_000)
            )

    def add_sheet(self, sheet: str, rows: int, cols: int) -> None:
        self.sheets.append((sheet, rows, cols))
        if rows * cols > limits.MAX_SHEET_CELLS:
            raise SourceError(
                "error",
                MSG_SHEET_CELLS.format(
                    sheet=sheet, rows=rows, cols=cols, limit=limits.MAX_SHEET_CELLS // 10_000
                ),
            )
        self.cells += rows * cols
        if self.cells > limits.MAX_WORKBOOK_CELLS:
            raise SourceError(
                "error",
                MSG_WORKBOOK_CELLS.format(
                    cells=self.cells // 10_000, limit=limits.MAX_WORKBOOK_CELLS // 10_000
                ),
            )


class _Handler:
    """The expat callbacks of a part scan."""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """An element starts."""

    def end(self, name: str) -> None:
        """An element ends."""

    def text(self, data: str) -> None:
        """Character data."""


def _refuse_dtd(*_: object) -> None:
    raise SourceError("error", MSG_DTD)


def _refuse_external(*_: object) -> int:
    raise SourceError("error", MSG_DTD)


def parse_part(parts: Parts, member: zipfile.ZipInfo, handler: _Handler, budget: Budget) -> None:
    """Stream one part through expat (no DTD, no entities, nothing fetched), counting its markup.

    A part already inflated whole is fed in the SCAN_CHUNK pieces zipfile's stream would give.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external
    # Callbacks a handler leaves as they are do nothing: expat need not call them.
    kind = type(handler)
    if kind.start is not _Handler.start:
        parser.StartElementHandler = handler.start
    if kind.end is not _Handler.end:
        parser.EndElementHandler = handler.end
    if kind.text is not _Handler.text:
        parser.CharacterDataHandler = handler.text
    kept = parts.kept.get(member)
    if kept is not None:
        step = limits.SCAN_CHUNK
        for start in range(0, len(kept), step):
            _feed(parser, kept[start : start + step], budget)
    else:
        stream: IO[bytes]
        with parts.archive.open(member) as stream:
            while chunk := stream.read(limits.SCAN_CHUNK):
                _feed(parser, chunk, budget)
    parser.Parse(b"", True)


def _feed(parser: expat.XMLParserType, chunk: bytes, budget: Budget) -> None:
    budget.add_markup(chunk.count(b"<"))
    parser.Parse(chunk, False)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class SharedStrings(_Handler):
    """The length of each shared string, indexed as calamine numbers them."""

    def __init__(self) -> None:
        # calamine skips an <si> without <t> or <r> (newer versions keep it): both numberings are kept.
        self.every = array("L")
        self.kept = array("L")
        self.length: int | None = None
        self.has_text = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Count the characters of each <si>."""
        local = _local(name)
        if local == "si":
            if self.length is not None:  # calamine would number the strings of nested <si> its own way
                raise SourceError("error", MSG_XML.format(detail="sharedStrings 中的 si 元素嵌套"))
            self.length, self.has_text = 0, False
            if len(self.every) >= limits.MAX_SHARED_STRINGS:
                raise SourceError(
                    "error", MSG_SHARED_STRINGS.format(limit=limits.MAX_SHARED_STRINGS // 10_000)
                )
        elif local in ("t", "r") and self.length is not None:
            self.has_text = True

    def end(self, name: str) -> None:
        """Record a finished <si>."""
        if _local(name) == "si" and self.length is not None:
            self.every.append(self.length)
            if self.has_text:
                self.kept.append(self.length)
            self.length = None

    def text(self, data: str) -> None:
        """Characters inside an <si>."""
        if self.length is not None:
            self.length += len(data)

    def used(self, index: int) -> int:
        """The characters calamine copies into a cell for shared string ``index`` (either numbering)."""
        every = self.every[index] if index < len(self.every) else 0
        kept = self.kept[index] if index < len(self.kept) else 0
        return max(every, kept)


def cell_ref(ref: str) -> tuple[int, int] | None:
    """0-based (row, column) of a cell's ``r`` as calamine reads it (any case), None if invalid."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not letters or not digits or not (letters.isascii() and letters.isalpha()) or not digits.isascii():
        return None
    if len(letters) > 4 or len(digits) > 10:
        return 1 << 40, 1 << 40  # far beyond any limit (calamine would wrap or run out of memory)
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    row = int(digits)
    return (row - 1, col - 1) if row > 0 else None


def _row_ref(ref: str) -> int | None:
    """0-based row of a <row r=…> as calamine reads it, None if invalid."""
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) > 10:
        return 1 << 40
    return int(digits) - 1 if int(digits) > 0 else None


# A number as calamine parses a number cell's <v> (Rust's f64 grammar, less its inf and NaN): it holds a
# float, no text; anything else in a number cell's <v> it keeps as text.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class SheetScan(_Handler):
    """Where a worksheet's filled cells reach and how many characters they hold, as calamine reads them.

    calamine keeps a cell with a <v> or <is> child; a cell without ``r`` follows the previous cell, a
    row without ``r`` follows the previous row. The result errs on the large side, never the small.
    A number cell's <v> holding a number counts no characters (calamine keeps a float, no text).
    """

    def __init__(self, shared: SharedStrings) -> None:
        self.shared = shared
        self.row = 0  # calamine's current row and column
        self.col = 0
        self.rows = 0  # extent of the filled cells, from A1
        self.cols = 0
        self.chars = 0
        self.cell: tuple[int, int] | None = None
        self.in_cell = False
        self.filled = False
        self.shared_cell = False
        self.number_cell = False
        self.value: list[str] | None = None  # text of a shared-string cell's <v>
        self.number: list[str] | None = None  # text of a number cell's <v>

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Track rows, cells and their values."""
        local = _local(name)
        if local == "c" and not self.in_cell:
            ref = attrs.get("r")
            if ref is None:
                self.cell = (self.row, self.col)
            else:
                self.cell = cell_ref(ref)
                if self.cell is not None:
                    self.col = self.cell[1]
            self.in_cell, self.filled = True, False
            kind = attrs.get("t")
            self.shared_cell = kind == "s"
            self.number_cell = kind is None or kind == "n"
        elif local == "row" and not self.in_cell:
            ref = attrs.get("r")
            row = _row_ref(ref) if ref is not None else None
            if row is not None:
                self.row = row
        elif self.in_cell and local in ("v", "is"):
            self.filled = True
            if local == "v" and self.shared_cell:
                self.value = []
            elif local == "v" and self.number_cell and self.number is None:
                self.number = []

    def end(self, name: str) -> None:
        """Close a row or a cell (calamine ends a cell at any </c>)."""
        local = _local(name)
        if local == "c" and self.in_cell:
            if self.cell is not None and self.filled:
                self.rows = max(self.rows, self.cell[0] + 1)
                self.cols = max(self.cols, self.cell[1] + 1)
            self.col += 1
            self.in_cell, self.cell = False, None
            if self.number is not None:  # a <v> left open (nested cells): its text counted as text
                self.chars += sum(map(len, self.number))
                self.number = None
        elif local == "row" and not self.in_cell:
            self.row += 1
            self.col = 0
        elif local == "v" and self.value is not None:
            self._charge_shared(self.value)
            self.value = None
        elif local == "v" and self.number is not None:
            text = "".join(self.number)
            if NUMBER.fullmatch(text) is None:  # text, not a number: calamine keeps it as text
                self.chars += len(text)
            self.number = None

    def text(self, data: str) -> None:
        """Characters in a cell; a shared-string index collected."""
        if self.in_cell:
            if self.number is not None:
                self.number.append(data)
            elif self.value is not None:  # the index: the string it names is counted at its </v>
                self.value.append(data)
            else:
                self.chars += len(data)

    def _charge_shared(self, pieces: list[str]) -> None:
        # calamine parses the first text of <v> as the index, reading anything else as 0.
        candidates = {0}
        for text in (pieces[0] if pieces else "", "".join(pieces)):
            if text.isascii() and text.isdigit() and len(text) < 10:
                candidates.add(int(text))
        self.chars += max(self.shared.used(index) for index in candidates)


def read_sheet_names(
    parts: Parts, by_name: dict[str, zipfile.ZipInfo], budget: Budget, collect: bool = True
) -> dict[str, str]:
    """Lower-cased part path → sheet name, from workbook.xml and its relationships (for messages).

    Both parts are parsed either way; without ``collect``, no name is gathered (an empty mapping).
    """
    names = _Attributes("sheet", "name", "r:id")
    targets = _Attributes("Relationship", "Id", "Target")
    for part, handler in (("xl/workbook.xml", names), ("xl/_rels/workbook.xml.rels", targets)):
        if part in by_name:
            parse_part(parts, by_name[part], handler if collect else _Handler(), budget)
    paths = {}
    for rid, target in targets.found:
        target = target.lstrip("/") if target.startswith("/xl/") else target
        paths[rid] = (target if target.startswith("xl/") else f"xl/{target}").lower()
    return {paths[rid]: name for name, rid in names.found if rid in paths}


class _Attributes(_Handler):
    """Two attributes of every element with a given local name."""

    def __init__(self, element: str, first: str, second: str) -> None:
        self.element, self.first, self.second = element, first, second
        self.found: list[tuple[str, str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Collect the pair."""
        if name.rpartition(":")[2] == self.element and self.first in attrs and self.second in attrs:
            self.found.append((attrs[self.first], attrs[self.second]))
