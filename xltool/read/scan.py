"""What an .xlsx would ask python-calamine to build, bounded before calamine parses it.

The zip directory (sizes, ratios, parts), every XML part against its stated size (inflating beyond
it: refused) and for DTDs, then the sheets and shared strings scanned as calamine will read them — a
fast byte scan for plainly written files, an exact expat scan otherwise; plainly stored parts are
inflated from the zip's bytes (`zipparts.py`), the others read through zipfile.
An .xls is checked and re-packed by `scan_xls.py`.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from array import array
from typing import IO
from xml.parsers import expat

from xltool.read import limits
from xltool.read.limits import (
    DTD_MARKS,
    MSG_BOMB,
    MSG_CORRUPT,
    MSG_DTD,
    MSG_DUPLICATE_PARTS,
    MSG_ENCRYPTED,
    MSG_MARKUP,
    MSG_NOT_WORKBOOK_ZIP,
    MSG_SHARED_STRINGS,
    MSG_SHEET_CELLS,
    MSG_TEXT,
    MSG_WORKBOOK_CELLS,
    MSG_XLSB,
    MSG_XML,
    SourceError,
)
from xltool.read.zipparts import SHEET_PATH, XML_SUFFIXES, Parts, check_stored

# ---------------------------------------------------------------------------------------------
# xlsx: the zip directory, then the parts calamine will parse


def _check_zip(data: bytes) -> None:
    """Reject a truncated zip, a zip that holds no workbook, a zip bomb and oversized grids, unparsed.

    A part holding more than its headers state (which zipfile cuts off unseen, and calamine reads on)
    is refused as a damaged zip, MSG_CORRUPT, as zipfile refuses a part its CRC does not match.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    with archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "xl/workbook.xml" not in names:
            # An .xlsb's binary sheets cannot be scanned before calamine builds their grids: refused.
            raise SourceError("error", MSG_XLSB if "xl/workbook.bin" in names else MSG_NOT_WORKBOOK_ZIP)
        if len(members) > limits.MAX_MEMBERS:
            raise SourceError("error", MSG_BOMB)
        # calamine looks parts up ignoring case: two parts whose names differ only so are ambiguous.
        if len(names) != len(members):
            raise SourceError("error", MSG_DUPLICATE_PARTS)
        total = 0
        for member in members:
            check_stored(member)
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > limits.RATIO_CHECK_MIN_SIZE and ratio > limits.MAX_MEMBER_RATIO:
                raise SourceError("error", MSG_BOMB)
        if total > limits.MAX_TOTAL_UNCOMPRESSED:
            raise SourceError("error", MSG_BOMB)
        try:
            _check_parts(archive, members, data, names=False)  # its figures are not looked at
        except SourceError:
            raise
        except expat.ExpatError as exc:
            raise SourceError("error", MSG_XML.format(detail=expat.ErrorString(exc.code))) from exc
        except RuntimeError as exc:  # a zip member encrypted with a zip password
            raise SourceError("error", MSG_ENCRYPTED) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError("error", MSG_CORRUPT) from exc


class Budget:
    """What the scanned parts add up to, across a workbook."""

    def __init__(self) -> None:
        self.markup = 0
        self.cells = 0
        self.chars = 0
        self.sheets: list[tuple[str, int, int]] = []  # (sheet, rows, columns) of each grid, from A1

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


_WHOLE_PARTS = ("xl/sharedstrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


# Every DTD mark holds a "!" (in UTF-8 and in UTF-16): a head without one holds none.
_DTD_HINT = b"!" if all(b"!" in mark for mark in DTD_MARKS) else b""


def _has_dtd(head: bytes) -> bool:
    return head.find(_DTD_HINT) >= 0 and any(mark in head for mark in DTD_MARKS)


def _check_parts(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], data: bytes = b"", names: bool = True
) -> Budget:
    """Refuse DTDs in any XML part, then scan shared strings and sheets as calamine will read them.

    ``data`` is the zip's bytes, from which plain parts are inflated and checked to inflate to no more
    than their stated sizes (without it, zipfile reads all, and no such check is made).
    Without ``names``, a budget from the fast scan names its sheets by their parts' paths (the exact
    scan names them for its messages either way).
    """
    lowered = [m.filename.lower() for m in members]
    by_name = dict(zip(lowered, members, strict=True))
    sheets = [m for m, n in zip(members, lowered, strict=True) if "/worksheets/" in n and SHEET_PATH.match(n)]
    parts = Parts(archive, data, {*sheets, *(by_name[n] for n in _WHOLE_PARTS if n in by_name)})
    # Every part calamine may parse is checked to inflate to no more than its stated size on the way.
    for member, name in zip(members, lowered, strict=True):
        if name.endswith(XML_SUFFIXES):
            if _has_dtd(parts.head(member)):
                raise SourceError("error", MSG_DTD)
        elif member in parts.whole:  # a sheet part named otherwise
            parts.check(member)
    fast = _fast_scan(parts, sheets, by_name, names)
    if fast is not None:
        return fast
    budget = Budget()
    shared = _SharedStrings()
    if "xl/sharedstrings.xml" in by_name:
        _parse(parts, by_name["xl/sharedstrings.xml"], shared, budget)
        budget.add_chars(sum(shared.every))  # calamine keeps the table itself too
    sheet_names = _sheet_names(parts, by_name, budget)
    for member in sheets:
        scan = _SheetScan(shared)
        _parse(parts, member, scan, budget)
        budget.add_sheet(sheet_names.get(member.filename.lower(), member.filename), scan.rows, scan.cols)
        budget.add_chars(scan.chars)
    return budget


# The fast scan: what Excel, WPS and most writers produce — every cell element written `<c r="A1" …`,
# no namespace prefixes — is bounded with a few byte searches instead of an expat pass. Its figures
# are upper bounds (every addressed cell counts, filled or not; every shared-string cell counts the
# longest string); anything it cannot bound (also any `<!` — comments, CDATA, declarations), or a
# bound beyond a limit, falls back to the exact scan.
#
# A grid is first bounded by the widest addresses' letter and digit counts (A1…Z99 for a sheet whose
# addresses have one letter and at most two digits), the shared-string cells by the bytes a `t="s"`
# takes at least, then by the `"s"` closing each. Only when a bound is beyond a limit are the
# addresses read one by one and the `t="s"` counted, so the fast scan takes the same files as
# reading every address would.
_CELL_START = re.compile(rb"<c[\s>/]")
_CELL_REF = re.compile(rb'<c\s+r="([A-Za-z]{1,4})([0-9]{1,10})"')
_PLAIN_REF = re.compile(rb'<c\s+r="([A-Za-z]{1,4})((?!0+")[0-9]{1,10})"')
_SHARED_CELL = re.compile(rb"""\st\s*=\s*["']s["']""")
_PREFIXED = re.compile(rb"<[A-Za-z_][^\s>/:]*:")
_SI = re.compile(rb"<si(?:\s[^>]*)?>(.*?)</si>", re.DOTALL)
_SI_START = re.compile(rb"<si[\s>/]")
_SHARED_CELL_BYTES = 6  # the fewest a _SHARED_CELL match takes: a first bound needs no search
# A part's tag skeleton: "<", ":", and what ends a tag name (white space, ">", "/", each read as " ").
# A prefixed tag, `<x…:`, leaves `<:` in it; most parts have none, and _PREFIXED need not search them.
_SKELETON = bytes.maketrans(b"\t\n\r\x0b\x0c>/", b" " * 7)
_SKELETON_DROPPED = bytes(c for c in range(256) if c not in b"<: \t\n\r\x0b\x0c>/")
# The columns within 0…4 letters (Z, ZZ, …).
_COLUMNS_WITHIN = tuple(sum(26**n for n in range(1, letters + 1)) for letters in range(5))


def _fast_scan(
    parts: Parts,
    sheets: list[zipfile.ZipInfo],
    by_name: dict[str, zipfile.ZipInfo],
    names: bool,
    exact: bool = False,
) -> Budget | None:
    """Bounds of a plainly written workbook within every limit, or None (then the exact scan runs).

    With ``exact``, grids and shared-string cells are counted address by address; without, they are
    bounded first, and counted so only when a bound is beyond a limit.
    """
    markup = 0
    longest = table = 0
    if "xl/sharedstrings.xml" in by_name:
        data = parts.read(by_name["xl/sharedstrings.xml"])
        tags = _plain_tags(data)
        found = None if tags is None else _longest_shared_string(data)
        if tags is None or found is None:
            return None
        longest, table = found, len(data)
        markup += tags
    chars = table
    grids: list[tuple[zipfile.ZipInfo, int, int]] = []
    for member in sheets:
        data = parts.read(member)
        tags = _plain_tags(data)
        grid = None if tags is None else _exact_grid(data) if exact else _grid_bound(data)
        if tags is None or grid is None:
            return None
        grids.append((member, *grid))
        shared = len(_SHARED_CELL.findall(data)) if exact else len(data) // _SHARED_CELL_BYTES
        chars += shared * longest + len(data)
        markup += tags
    if markup > limits.MAX_MARKUP:
        return None
    if chars > limits.MAX_TEXT_CHARS and not exact:  # bound the shared-string cells closer
        chars = table + sum(len(d) + _shared_cells_bound(d) * longest for d in map(parts.read, sheets))
    cells = sum(rows * cols for _, rows, cols in grids)
    if (
        chars > limits.MAX_TEXT_CHARS
        or cells > limits.MAX_WORKBOOK_CELLS
        or any(rows * cols > limits.MAX_SHEET_CELLS for _, rows, cols in grids)
    ):
        return None if exact else _fast_scan(parts, sheets, by_name, names, exact=True)
    budget = Budget()
    titles = _sheet_names(parts, by_name, budget, names)
    budget.sheets = [(titles.get(m.filename.lower(), m.filename), rows, cols) for m, rows, cols in grids]
    budget.markup += markup
    budget.cells, budget.chars = cells, chars
    return budget


def _plain_tags(data: bytes) -> int | None:
    """How many "<" a part holds, None if it holds a `<!` or a prefixed tag."""
    skeleton = data.translate(_SKELETON, _SKELETON_DROPPED)
    # (find, not in: "in" reads a bytes operand as a number first, and that costs as much)
    if data.find(b"!") >= 0 and data.find(b"<!") >= 0:
        return None
    if skeleton.find(b"<:") >= 0 and _PREFIXED.search(data) is not None:
        return None
    return skeleton.count(b"<")


def _longest_shared_string(data: bytes) -> int | None:
    """The length of the longest <si> body (up to its first </si>), None if the table is not plain."""
    strings = _tight_strings(data)
    if strings is None:
        strings = _SI.findall(data)
        if len(strings) != len(_SI_START.findall(data)) or any(b"<si" in body for body in strings):
            return None
    return max(map(len, strings), default=0) if len(strings) < limits.MAX_SHARED_STRINGS else None


def _tight_strings(data: bytes) -> list[bytes] | None:
    """The <si> bodies _SI finds in a table written `<si>…</si><si>…</si>`, None if not so written.

    Split at `</si><si>`, the pieces are the bodies, but for what comes before the first <si> and
    after the last </si>: when every other <si and </si> is those two, nothing else can be a body's.
    """
    strings = data.split(b"</si><si>")
    if len(strings) < 2 or data.count(b"<si") != len(strings) or data.count(b"</si>") != len(strings):
        return None
    _, opened, strings[0] = strings[0].partition(b"<si>")
    strings[-1], closed, _ = strings[-1].partition(b"</si>")
    return strings if opened and closed else None


def _exact_grid(data: bytes) -> tuple[int, int] | None:
    """Rows and columns reaching a worksheet's farthest cell address, None unless each is plain."""
    refs = _CELL_REF.findall(data)
    if len(refs) != len(_CELL_START.findall(data)):
        return None
    if not refs:
        return 0, 0
    numbers = [int(digits) for _, digits in refs]
    if min(numbers) == 0:
        return None
    widest = max((letters.upper() for letters, _ in refs), key=lambda x: (len(x), x))
    far = _cell_ref(f"{widest.decode('ascii')}{max(numbers)}")
    return None if far is None else (far[0] + 1, far[1] + 1)


def _grid_bound(data: bytes) -> tuple[int, int] | None:
    """Rows and columns bounding a worksheet's cell addresses by their widest letter and digit counts.

    The box starts empty; every `<c` not written `<c r="A1"` within the box is looked at: an address
    beyond the box widens it and the search goes on from there (one pass over the sheet in all), any
    other form — spacing, a leading zero, no address — is left to _exact_grid.
    """
    at = 0
    last = _PLAIN_REF.match(data, max(data.rfind(b'<c r="'), 0))  # a first guess at the box
    letters, digits = (len(last[1]), len(last[2])) if last else (0, 0)
    while (outside := _outside_box(letters, digits).search(data, at)) is not None:
        at = outside.start()
        ref = _PLAIN_REF.match(data, at)
        if ref is None or (len(ref[1]) <= letters and len(ref[2]) <= digits):
            return _exact_grid(data)
        letters, digits = max(letters, len(ref[1])), max(digits, len(ref[2]))
    return 10**digits - 1, _COLUMNS_WITHIN[letters]


@functools.cache
def _outside_box(letters: int, digits: int) -> re.Pattern[bytes]:
    """`<c` unless it starts `<col…` or the like, or `<c r="A1"` with at most so many letters and digits."""
    if not letters or not digits:
        return re.compile(rb"<c(?![A-Za-z])")
    # Written without the {1,1} that would slow the search down.
    address = b"[A-Za-z]" if letters == 1 else b"[A-Za-z]{1,%d}" % letters
    address += b"[1-9]" if digits == 1 else b"[1-9][0-9]{0,%d}" % (digits - 1)
    return re.compile(rb'<c(?! r="%s"|[A-Za-z])' % address)


def _shared_cells_bound(data: bytes) -> int:
    """At least the number of `t="s"` in a part: each ends in its own `"s"` (or the like, quoted ')."""
    if data.find(b"'") < 0:
        return data.count(b'"s"')
    return sum(data.count(quoted) for quoted in (b'"s"', b"'s'", b"\"s'", b"'s\""))


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


def _parse(parts: Parts, member: zipfile.ZipInfo, handler: _Handler, budget: Budget) -> None:
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


class _SharedStrings(_Handler):
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


def _cell_ref(ref: str) -> tuple[int, int] | None:
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


class _SheetScan(_Handler):
    """Where a worksheet's filled cells reach and how many characters they hold, as calamine reads them.

    calamine keeps a cell with a <v> or <is> child; a cell without ``r`` follows the previous cell, a
    row without ``r`` follows the previous row. The result errs on the large side, never the small.
    """

    def __init__(self, shared: _SharedStrings) -> None:
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
        self.value: list[str] | None = None  # text of a shared-string cell's <v>

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """Track rows, cells and their values."""
        local = _local(name)
        if local == "c" and not self.in_cell:
            ref = attrs.get("r")
            if ref is None:
                self.cell = (self.row, self.col)
            else:
                self.cell = _cell_ref(ref)
                if self.cell is not None:
                    self.col = self.cell[1]
            self.in_cell, self.filled = True, False
            self.shared_cell = attrs.get("t") == "s"
        elif local == "row" and not self.in_cell:
            ref = attrs.get("r")
            row = _row_ref(ref) if ref is not None else None
            if row is not None:
                self.row = row
        elif self.in_cell and local in ("v", "is"):
            self.filled = True
            if local == "v" and self.shared_cell:
                self.value = []

    def end(self, name: str) -> None:
        """Close a row or a cell (calamine ends a cell at any </c>)."""
        local = _local(name)
        if local == "c" and self.in_cell:
            if self.cell is not None and self.filled:
                self.rows = max(self.rows, self.cell[0] + 1)
                self.cols = max(self.cols, self.cell[1] + 1)
            self.col += 1
            self.in_cell, self.cell = False, None
        elif local == "row" and not self.in_cell:
            self.row += 1
            self.col = 0
        elif local == "v" and self.value is not None:
            self._charge_shared(self.value)
            self.value = None

    def text(self, data: str) -> None:
        """Characters in a cell; a shared-string index collected."""
        if self.in_cell:
            self.chars += len(data)
            if self.value is not None:
                self.value.append(data)

    def _charge_shared(self, pieces: list[str]) -> None:
        # calamine parses the first text of <v> as the index, reading anything else as 0.
        candidates = {0}
        for text in (pieces[0] if pieces else "", "".join(pieces)):
            if text.isascii() and text.isdigit() and len(text) < 10:
                candidates.add(int(text))
        self.chars += max(self.shared.used(index) for index in candidates)


def _sheet_names(
    parts: Parts, by_name: dict[str, zipfile.ZipInfo], budget: Budget, collect: bool = True
) -> dict[str, str]:
    """Lower-cased part path → sheet name, from workbook.xml and its relationships (for messages).

    Both parts are parsed either way; without ``collect``, no name is gathered (an empty mapping).
    """
    names = _Attributes("sheet", "name", "r:id")
    targets = _Attributes("Relationship", "Id", "Target")
    for part, handler in (("xl/workbook.xml", names), ("xl/_rels/workbook.xml.rels", targets)):
        if part in by_name:
            _parse(parts, by_name[part], handler if collect else _Handler(), budget)
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
