"""What a workbook would ask python-calamine to build, bounded before calamine parses it.

xlsx: the zip directory (sizes, ratios, parts), every XML part against its stated size (inflating
beyond it: refused) and for DTDs, then the sheets and shared strings scanned as calamine will read
them — a fast byte scan for plainly written files, an exact expat scan otherwise; plainly stored
parts are inflated from the zip's bytes, the others read through zipfile.
xls: the BIFF records checked and the workbook stream re-packed into a clean container.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Collection, Iterable
from typing import IO
from xml.parsers import expat

from xltool import limits
from xltool.limits import (
    DTD_MARKS,
    MSG_BOMB,
    MSG_CORRUPT,
    MSG_DTD,
    MSG_DUPLICATE_PARTS,
    MSG_ENCRYPTED,
    MSG_MARKUP,
    MSG_NOT_WORKBOOK_ZIP,
    MSG_NOT_XLS_OLE,
    MSG_SHARED_STRINGS,
    MSG_SHEET_CELLS,
    MSG_TEXT,
    MSG_WORKBOOK_CELLS,
    MSG_XLSB,
    MSG_XML,
    OLE2_MAGIC,
    SourceError,
    too_large_message,
)

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
            _check_stored(member)
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


def _check_stored(member: zipfile.ZipInfo) -> None:
    """Refuse a stored XML or sheet part holding more bytes than it states (zipfile reads what it states).

    calamine reads all of a stored part, as it inflates all of a deflated one (see _check_size).
    """
    if (
        member.compress_type == zipfile.ZIP_STORED
        and member.compress_size > member.file_size
        and not member.flag_bits & _UNUSUAL_FLAGS  # an encrypted part holds its encryption header too
    ):
        name = member.filename.lower()
        if name.endswith(_XML_SUFFIXES) or ("/worksheets/" in name and _SHEET_PATH.match(name)):
            raise SourceError("error", MSG_CORRUPT)


class _Budget:
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


# What zipfile reads of a part's local file header (30 bytes): its signature, flags, and the lengths of
# the name and the extra field that come before the part's bytes.
_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_PLAIN_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_UNUSUAL_FLAGS = 0x01 | 0x20 | 0x40  # encrypted, patched data, strong encryption: zipfile decides
_UTF8_NAME = 0x800
# Newer zipfile versions refuse a part running into the next one (a zip bomb's overlapping parts).
_ZIPFILE_ENDS_PARTS = hasattr(zipfile.ZipInfo, "_end_offset")
# The parts the scans read whole are kept once inflated, while they add up to at most this.
_KEPT_BYTES = 32 << 20
_WHOLE_PARTS = ("xl/sharedstrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


class _Parts:
    """A workbook zip's parts as zipfile reads them, inflated straight from the zip's bytes when plain.

    Opening a part through zipfile costs more than inflating a small one. A plain part — stored or
    deflated, not encrypted, its local header where the directory says and naming the same part — is
    inflated here and, like zipfile, checked against its size and CRC. Anything else, a failed check
    included, goes through zipfile, which reads it (or raises) as before.
    """

    def __init__(self, archive: zipfile.ZipFile, data: bytes, whole: Collection[zipfile.ZipInfo]) -> None:
        self.archive = archive
        self.data = data
        self.size = len(data)
        self.view = memoryview(data)
        self.whole = whole  # the parts the scans will read whole: kept once inflated
        self.kept: dict[zipfile.ZipInfo, bytes] = {}
        self.room = _KEPT_BYTES
        self.encoding = getattr(archive, "metadata_encoding", None) or "cp437"  # of names not in UTF-8
        self.head_size = limits.HEAD_BYTES
        self.first = _first_read_size()

    def head(self, member: zipfile.ZipInfo) -> bytes:
        """The first HEAD_BYTES of a part, as ``archive.open(member).read(HEAD_BYTES)`` gives them.

        A plain part is also checked to inflate to no more than its stated size (see _check_size).
        """
        raw = self._raw(member)
        if raw is not None:
            size = member.file_size
            keep = size <= self.room and member in self.whole
            if keep or size <= self.first:
                content = _inflate(raw, member)  # refuses a part inflating beyond its size
                if content is not None:
                    if keep:
                        self.kept[member] = content
                        self.room -= size
                    return content[: self.head_size]
            else:
                _check_size(raw, member)
            head = _inflate_head(raw, member, self.first)
            if head is not None:
                return head
        with self.archive.open(member) as stream:
            return stream.read(limits.HEAD_BYTES)

    def check(self, member: zipfile.ZipInfo) -> None:
        """Refuse a plain part inflating to more than its stated size (head does so on the way)."""
        raw = self._raw(member)
        if raw is not None:
            _check_size(raw, member)

    def read(self, member: zipfile.ZipInfo) -> bytes:
        """A whole part, as ``archive.read(member)`` gives it."""
        content = self.kept.get(member)
        if content is None:
            raw = self._raw(member)
            content = None if raw is None else _inflate(raw, member)
        return self.archive.read(member) if content is None else content

    def _raw(self, member: zipfile.ZipInfo) -> memoryview | None:
        """A part's compressed bytes, found as zipfile.open finds them, or None when anything is unusual."""
        if member.flag_bits & _UNUSUAL_FLAGS or member.compress_type not in _PLAIN_METHODS:
            return None
        start, data = member.header_offset, self.data
        if not 0 <= start <= self.size - _LOCAL_HEADER.size:
            return None
        magic, flags, name_size, extra_size = _LOCAL_HEADER.unpack_from(data, start)
        name_end = start + _LOCAL_HEADER.size + name_size
        body = name_end + extra_size
        end = body + member.compress_size
        if magic != _LOCAL_MAGIC or end > self.size:
            return None
        limit = getattr(member, "_end_offset", None) if _ZIPFILE_ENDS_PARTS else None
        if limit is not None and end > limit:
            return None
        name = data[name_end - name_size : name_end]
        encoding = "utf-8" if flags & _UTF8_NAME else self.encoding
        if not (name.isascii() and encoding in ("utf-8", "cp437")):  # else the ascii codec reads it alike
            return self.view[body:end] if _decoded(name, encoding) == member.orig_filename else None
        return self.view[body:end] if name.decode("ascii") == member.orig_filename else None


def _decoded(name: bytes, encoding: str) -> str | None:
    """A part name as zipfile decodes it, None if it cannot."""
    try:
        return name.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _first_read_size() -> int:
    """How many bytes zipfile's first read of a part's head takes (and inflates at most)."""
    return max(limits.HEAD_BYTES, zipfile.ZipExtFile.MIN_READ_SIZE)


def _inflate(raw: memoryview, member: zipfile.ZipInfo) -> bytes | None:
    """A part's content as zipfile reads it whole; None unless complete, of its size and its CRC.

    A deflated part inflating to more than its stated size is refused, never read further.
    """
    if member.compress_type == zipfile.ZIP_STORED:
        if member.compress_size != member.file_size:
            return None
        content = bytes(raw)
    else:
        inflater = zlib.decompressobj(-15)
        try:
            content = inflater.decompress(raw, member.file_size + 1)
        except (zlib.error, OverflowError):  # OverflowError: a size beyond any (zipfile fails then too)
            return None
        _refuse_understated(len(content), member)
        if not inflater.eof or len(content) != member.file_size:
            return None
    return content if zlib.crc32(content) == member.CRC else None


# _check_size feeds a part's compressed bytes in pieces of this size, and takes at most this much of
# what they inflate to at a time: what it holds stays small however far a part inflates.
_CHECK_INPUT = 64 << 10
_CHECK_OUTPUT = 1 << 20


def _check_size(raw: memoryview, member: zipfile.ZipInfo) -> None:
    """Refuse a part that inflates to more than its stated size, holding only a piece of it at a time.

    The zip's stated sizes bound what the directory checks let through; zipfile cuts a part at its
    stated size (after inflating it whole when reading it whole), while calamine inflates all of it.
    A stream that breaks off is left to zipfile and calamine, as before.
    """
    if member.compress_type == zipfile.ZIP_STORED:
        return  # its size is the compressed size, checked on the directory (_check_stored)
    inflater = zlib.decompressobj(-15)
    left = member.file_size
    try:
        for start in range(0, len(raw), _CHECK_INPUT):
            pending: bytes | memoryview = raw[start : start + _CHECK_INPUT]
            while True:
                step = min(left + 1, _CHECK_OUTPUT)
                got = len(inflater.decompress(pending, step))
                left -= got
                _refuse_understated(member.file_size - left, member)
                if got < step or inflater.eof:  # less than asked for: this piece is used up
                    break
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return
    except zlib.error:
        return


def _refuse_understated(size: int, member: zipfile.ZipInfo) -> None:
    """Refuse a part found to hold ``size`` bytes, more than its headers state: a zip that lies."""
    if size > member.file_size:
        raise SourceError("error", MSG_CORRUPT)


def _inflate_head(raw: memoryview, member: zipfile.ZipInfo, first: int) -> bytes | None:
    """A large part's head as zipfile's first read gives it, or None when that read would not settle it.

    zipfile reads the ``first`` compressed bytes (``_first_read_size``), inflates as much, stops there
    when that holds the head and the part goes on; this repeats that one read, so what zipfile would
    never look at is not looked at here either. Near a part's end (where zipfile checks the CRC), a
    second read or an error: None.
    """
    size = limits.HEAD_BYTES  # at most ``first``
    if member.file_size <= first:
        return None
    if member.compress_type == zipfile.ZIP_STORED:
        return bytes(raw[:size]) if len(raw) > first else None
    inflater = zlib.decompressobj(-15)
    try:
        head = inflater.decompress(raw[:first], first)
    except zlib.error:
        return None
    if inflater.eof or len(head) < size or (len(raw) <= first and not inflater.unconsumed_tail):
        return None
    return head[:size]


# Every DTD mark holds a "!" (in UTF-8 and in UTF-16): a head without one holds none.
_DTD_HINT = b"!" if all(b"!" in mark for mark in DTD_MARKS) else b""


def _has_dtd(head: bytes) -> bool:
    return head.find(_DTD_HINT) >= 0 and any(mark in head for mark in DTD_MARKS)


_XML_SUFFIXES = (".xml", ".rels", ".vml")  # the parts searched for DTDs and checked against their sizes
# calamine reads as a worksheet every part (not a folder) whose lower-cased path is …/worksheets/…
_SHEET_PATH = re.compile(r"[^/]*/worksheets/.*[^/]\Z", re.DOTALL)


def _check_parts(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], data: bytes = b"", names: bool = True
) -> _Budget:
    """Refuse DTDs in any XML part, then scan shared strings and sheets as calamine will read them.

    ``data`` is the zip's bytes, from which plain parts are inflated and checked to inflate to no more
    than their stated sizes (without it, zipfile reads all, and no such check is made).
    Without ``names``, a budget from the fast scan names its sheets by their parts' paths (the exact
    scan names them for its messages either way).
    """
    lowered = [m.filename.lower() for m in members]
    by_name = dict(zip(lowered, members, strict=True))
    sheets = [
        m for m, n in zip(members, lowered, strict=True) if "/worksheets/" in n and _SHEET_PATH.match(n)
    ]
    parts = _Parts(archive, data, {*sheets, *(by_name[n] for n in _WHOLE_PARTS if n in by_name)})
    # Every part calamine may parse is checked to inflate to no more than its stated size on the way.
    for member, name in zip(members, lowered, strict=True):
        if name.endswith(_XML_SUFFIXES):
            if _has_dtd(parts.head(member)):
                raise SourceError("error", MSG_DTD)
        elif member in parts.whole:  # a sheet part named otherwise
            parts.check(member)
    fast = _fast_scan(parts, sheets, by_name, names)
    if fast is not None:
        return fast
    budget = _Budget()
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
    parts: _Parts,
    sheets: list[zipfile.ZipInfo],
    by_name: dict[str, zipfile.ZipInfo],
    names: bool,
    exact: bool = False,
) -> _Budget | None:
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
    budget = _Budget()
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


def _parse(parts: _Parts, member: zipfile.ZipInfo, handler: _Handler, budget: _Budget) -> None:
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


def _feed(parser: expat.XMLParserType, chunk: bytes, budget: _Budget) -> None:
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
    parts: _Parts, by_name: dict[str, zipfile.ZipInfo], budget: _Budget, collect: bool = True
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


def _clean_xls(data: bytes) -> bytes:
    """The workbook stream of an .xls, checked, in a fresh container (calamine never sees the original's).

    calamine's compound-file reader sizes its buffers from the header and directory fields, so one
    flipped byte in a downloaded .xls can make it ask for gigabytes and abort the process; olefile reads
    the container instead, and calamine gets a minimal one holding nothing but the workbook stream.
    """
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
            if stream is None:
                raise SourceError("error", MSG_NOT_XLS_OLE)
            book = ole.openstream(stream).read()
    except SourceError:
        raise
    except Exception as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    try:
        _check_biff(book)
    except (struct.error, IndexError) as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    return _compound_file(book)


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


def _check_biff(book: bytes) -> None:
    """The globals' SST and sheet positions, then each sheet's value cells, DIMENSIONS and texts."""
    budget = _Budget()
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
        for kind, body, _ in _biff_records(book, pos):
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
    budget.add_chars(chars)


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
