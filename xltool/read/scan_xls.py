"""An .xls (BIFF) workbook checked before python-calamine parses it, and re-packed for it.

olefile reads the container; the workbook stream's BIFF records are checked for what calamine would
build from them (grids, DIMENSIONS, texts, the SST), and the stream alone is re-packed into a fresh
compound file, so calamine never reads the original's header and directory.
"""

from __future__ import annotations

import io
import itertools
import struct
from array import array
from collections.abc import Iterable

from xltool.read import limits
from xltool.read.biff_formulas import FORMULA_RECORD, formula_record
from xltool.read.formulas import MAX_FORMULAS, SheetFormulas
from xltool.read.limits import (
    MSG_CORRUPT,
    MSG_NOT_XLS_OLE,
    MSG_SHARED_STRINGS,
    MSG_SHEET_CELLS,
    OLE2_MAGIC,
    SourceError,
    too_large_message,
)
from xltool.read.scan import Budget

# ---------------------------------------------------------------------------------------------
# xls: the BIFF records calamine will turn into grids

# calamine reads the globals up to their EOF (sheet positions, the SST), then each sheet from its BOUNDSHEET
# position up to the next EOF, building the grid from these value records (it ignores BLANK, MULBLANK).
_XLS_VALUE_RECORDS = frozenset({0x0006, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})
_XLS_TEXT_AT = {0x0204: 6, 0x00D6: 6, 0x0207: 0}  # record → offset of its u16 character count
_XLS_EOF, _XLS_MULRK, _XLS_LABELSST, _XLS_SST, _XLS_CONTINUE = 0x000A, 0x00BD, 0x00FD, 0x00FC, 0x003C
_XLS_BOUNDSHEET, _XLS_DIMENSIONS = 0x0085, 0x0200
# The largest grid a real .xls can have (65,536 rows × 256 columns): calamine reserves what DIMENSIONS says.
MAX_XLS_DIMENSION_CELLS = 65_536 * 256


def clean_xls(data: bytes) -> tuple[bytes, SheetFormulas]:
    """The workbook stream of an .xls, checked, in a fresh container (calamine never sees the original's),
    with each sheet's formula cells (`biff_formulas.formula_record`).

    calamine's compound-file reader sizes its buffers from the header and directory fields, so one
    flipped byte in a downloaded .xls can make it ask for gigabytes and abort the process; olefile reads
    the container instead, and calamine gets a minimal one holding nothing but the workbook stream.
    """
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
            if stream is None:
                program = next((p for s, p in limits.OLE_PROGRAMS.items() if ole.exists(s)), None)
                if program is not None:
                    raise SourceError("error", limits.MSG_OLE_OTHER.format(program=program))
                raise SourceError("error", MSG_NOT_XLS_OLE)
            book = ole.openstream(stream).read()
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    try:
        formulas = _check_biff(book)
    except (struct.error, IndexError) as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    return _compound_file(book), formulas


_SECTOR = 4096
_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _directory_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    raw = (name + "\0").encode("utf-16-le") if name else b""
    fields = struct.pack("<HBBIII", len(raw), kind, 1, _NOSTREAM, _NOSTREAM, child)
    return raw.ljust(64, b"\0") + fields + b"\0" * 36 + struct.pack("<IQ", start, size)


def _compound_file(book: bytes) -> bytes:
    """A version-4 compound file (4 KiB sectors) with one stream, "Workbook", of at least 4 KiB.

    Layout: header sector, the stream's sectors, one directory sector, one empty mini-stream sector
    (the root entry must point somewhere), then the FAT sectors, all listed in the header.
    """
    n_stream = max(1, -(-len(book) // _SECTOR))
    directory, ministream = n_stream, n_stream + 1
    n_fat = 1
    while n_stream + 2 + n_fat > n_fat * (_SECTOR // 4):
        n_fat += 1
    if n_fat > 109:  # beyond the header's FAT list (a stream over 400 MB: refused long before)
        raise SourceError("error", too_large_message(len(book)))
    fat = [*range(1, n_stream), _ENDOFCHAIN, _ENDOFCHAIN, _ENDOFCHAIN, *[_FATSECT] * n_fat]
    fat += [_FREESECT] * (n_fat * _SECTOR // 4 - len(fat))
    fat_ids = [ministream + 1 + i for i in range(n_fat)]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", OLE2_MAGIC, b"", 0x3E, 4, 0xFFFE, 12, 6, b"",
        1, n_fat, directory, 0, 4096, _ENDOFCHAIN, 0, _ENDOFCHAIN, 0,
    )  # fmt: skip
    header += struct.pack("<109I", *fat_ids, *[_FREESECT] * (109 - n_fat))
    entries = _directory_entry("Root Entry", 5, 1, ministream, 0)
    entries += _directory_entry("Workbook", 2, _NOSTREAM, 0, n_stream * _SECTOR)
    entries += b"".join(_directory_entry("", 0, _NOSTREAM, 0, 0) for _ in range(_SECTOR // 128 - 2))
    return b"".join(
        [
            header.ljust(_SECTOR, b"\0"),
            book.ljust(n_stream * _SECTOR, b"\0"),
            entries,
            b"\0" * _SECTOR,
            struct.pack(f"<{len(fat)}I", *fat),
        ]
    )


def _check_biff(book: bytes) -> SheetFormulas:
    """The globals' SST and sheet positions, then each sheet's value cells, DIMENSIONS and texts; returns
    the formula cells of each sheet holding any."""
    budget = Budget()
    formulas: SheetFormulas = {}
    sheets: list[tuple[int, str]] = []
    shared = array("L")
    for kind, body, continued in _biff_records(book, 0):
        if kind == _XLS_BOUNDSHEET and len(body) >= 8:
            sheets.append((struct.unpack_from("<I", body)[0], _biff_sheet_name(body)))
        elif kind == _XLS_SST:
            lengths = _biff_sst_lengths([body, *continued])
            shared = array("L", (max(pair) for pair in itertools.zip_longest(shared, lengths, fillvalue=0)))
    chars = 0
    for pos, name in sheets:
        if pos >= len(book):
            raise SourceError("error", MSG_CORRUPT)
        rows = cols = 0
        cells: dict[tuple[int, int], str | None] = {}
        for kind, body, _ in _biff_records(book, pos):
            if kind == FORMULA_RECORD and len(cells) < MAX_FORMULAS:
                found = formula_record(body)
                if found is not None:
                    cells[found[0]] = found[1]
            if kind == _XLS_DIMENSIONS:
                _check_xls_dimensions(name, body)
            elif kind in _XLS_VALUE_RECORDS or kind == _XLS_MULRK:
                row, col = struct.unpack_from("<HH", body)
                if kind == _XLS_MULRK:
                    col = struct.unpack_from("<H", body, len(body) - 2)[0]
                rows, cols = max(rows, row + 1), max(cols, col + 1)
                if kind == _XLS_LABELSST:
                    index = struct.unpack_from("<I", body, 6)[0]
                    chars += shared[index] if index < len(shared) else 0
            if kind in _XLS_TEXT_AT:
                chars += struct.unpack_from("<H", body, _XLS_TEXT_AT[kind])[0]
        budget.add_sheet(name, rows, cols)
        if cells:
            formulas[name] = cells
    budget.add_chars(chars)
    return formulas


def _check_xls_dimensions(sheet: str, body: bytes) -> None:
    """calamine reserves DIMENSIONS' rows × columns (u32 arithmetic) before reading a sheet's cells."""
    if len(body) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
    else:
        return  # calamine refuses the record
    if last_row < 1 or last_col < 1:
        return
    rows = (last_row - 1 - first_row + 1) % (1 << 32)
    cols = (last_col - 1 - first_col + 1) % (1 << 32)
    if rows * cols > MAX_XLS_DIMENSION_CELLS:
        raise SourceError(
            "error",
            MSG_SHEET_CELLS.format(
                sheet=sheet, rows=rows, cols=cols, limit=MAX_XLS_DIMENSION_CELLS // 10_000
            ),
        )


def _biff_sheet_name(body: bytes) -> str:
    """The name in a BOUNDSHEET record (for messages)."""
    count, flags = body[6], body[7]
    raw = body[8 : 8 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "gbk", errors="replace")


def _biff_records(book: bytes, pos: int) -> Iterable[tuple[int, bytes, list[bytes]]]:
    """(type, body, CONTINUE bodies) from ``pos`` up to and including the next EOF, as calamine iterates."""
    end = len(book)
    while pos + 4 <= end:
        kind, size = struct.unpack_from("<HH", book, pos)
        if pos + 4 + size > end:
            return  # calamine stops with an error
        body = book[pos + 4 : pos + 4 + size]
        pos += 4 + size
        continued: list[bytes] = []
        while pos + 4 < end and struct.unpack_from("<H", book, pos)[0] == _XLS_CONTINUE:
            size = struct.unpack_from("<H", book, pos + 2)[0]
            continued.append(book[pos + 4 : pos + 4 + size])
            pos += 4 + size
        yield kind, body, continued
        if kind == _XLS_EOF:
            return


def _biff_sst_lengths(pieces: list[bytes]) -> array[int]:
    """The character count of each string of an SST record and its CONTINUE records."""
    lengths = array("L")
    if len(pieces[0]) < 8:
        return lengths
    unique = struct.unpack_from("<i", pieces[0], 4)[0]
    # calamine allocates room for the unique count the record states before reading a string.
    if not 0 <= unique <= limits.MAX_SHARED_STRINGS:
        raise SourceError("error", MSG_SHARED_STRINGS.format(limit=limits.MAX_SHARED_STRINGS // 10_000))
    reader = _BiffReader(pieces)
    reader.skip(8)
    try:
        for _ in range(unique):
            count = reader.u16()
            flags = reader.u8()
            runs = reader.u16() if flags & 0x08 else 0
            extra = reader.u32() if flags & 0x04 else 0
            reader.characters(count, wide=bool(flags & 0x01))
            reader.skip(4 * runs + extra)
            lengths.append(count)
    except IndexError:
        pass  # a short table: calamine will say so
    return lengths


class _BiffReader:
    """Reads across a record and its CONTINUE records (character runs restart with a flags byte)."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.index = 0
        self.pos = 0

    def done(self) -> bool:
        """Whether every piece is read."""
        while self.index < len(self.pieces) and self.pos >= len(self.pieces[self.index]):
            self.index, self.pos = self.index + 1, 0
        return self.index >= len(self.pieces)

    def _take(self, n: int) -> bytes:
        if self.done():
            raise IndexError("end of records")
        piece = self.pieces[self.index]
        out = piece[self.pos : self.pos + n]
        self.pos += len(out)
        if len(out) < n:
            out += self._take(n - len(out))
        return out

    def u8(self) -> int:
        """One byte."""
        return self._take(1)[0]

    def u16(self) -> int:
        """A little-endian 16-bit integer."""
        return int(struct.unpack("<H", self._take(2))[0])

    def u32(self) -> int:
        """A little-endian 32-bit integer."""
        return int(struct.unpack("<I", self._take(4))[0])

    def skip(self, n: int) -> None:
        """Skip ``n`` bytes across pieces."""
        while n > 0:
            if self.done():
                raise IndexError("end of records")
            step = min(n, len(self.pieces[self.index]) - self.pos)
            self.pos += step
            n -= step

    def characters(self, count: int, wide: bool) -> None:
        """Skip ``count`` characters; a CONTINUE record in the middle starts with its own flags byte."""
        while count > 0:
            if self.done():
                raise IndexError("end of records")
            if self.pos == 0 and self.index > 0:
                wide = bool(self.pieces[self.index][0] & 0x01)
                self.pos = 1
            width = 2 if wide else 1
            available = (len(self.pieces[self.index]) - self.pos) // width
            if available == 0:
                self.index, self.pos = self.index + 1, 0
                continue
            step = min(count, available)
            self.pos += step * width
            count -= step
