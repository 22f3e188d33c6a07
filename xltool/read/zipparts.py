"""Reading a workbook zip's parts straight from the zip's bytes, as zipfile would read them.

Opening a part through zipfile costs more than inflating a small one, so a plain part is inflated
here (and checked as zipfile checks it), anything unusual read through zipfile. A part holding more
than its headers state — which zipfile cuts off unseen, and calamine reads on — is refused as a
damaged zip, MSG_CORRUPT: a stored XML or sheet part on the directory, a deflated one as it inflates.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterator

from xltool.read import limits
from xltool.read.limits import (
    MSG_BOMB,
    MSG_CORRUPT,
    MSG_TRUNCATED,
    SourceError,
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


class Parts:
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
        self.kept: dict[zipfile.ZipInfo, bytes] = {}  # the parts inflated whole (the small ones too)
        self.room = _KEPT_BYTES
        self.encoding = getattr(archive, "metadata_encoding", None) or "cp437"  # of names not in UTF-8
        self.head_size = limits.HEAD_BYTES
        self.first = _first_read_size()

    def head(self, member: zipfile.ZipInfo) -> bytes:
        """The first HEAD_BYTES of a part, as ``archive.open(member).read(HEAD_BYTES)`` gives them.

        A plain part is also checked to inflate to no more than its stated size (see _check_size).
        """
        raw = self.raw(member)
        if raw is not None:
            size = member.file_size
            small = size <= self.first
            if small or (member in self.whole and size <= self.room):
                content = _inflate(raw, member)  # refuses a part inflating beyond its size
                if content is not None:
                    if size <= self.room:  # (a small part too: `stored.py` hands it to calamine)
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
        raw = self.raw(member)
        if raw is not None:
            _check_size(raw, member)

    def read(self, member: zipfile.ZipInfo) -> bytes:
        """A whole part, as ``archive.read(member)`` gives it."""
        content = self.kept.get(member)
        if content is None:
            raw = self.raw(member)
            content = None if raw is None else _inflate(raw, member)
        return self.archive.read(member) if content is None else content

    def windows(self, member: zipfile.ZipInfo, cut: bytes, size: int) -> Iterator[bytes | None]:
        """A part's content in consecutive windows of about ``size`` bytes, each ending before ``cut``.

        Inflated a piece at a time (checked as `read` checks it: its stated size and CRC), so that
        what is held stays near ``size`` however large the part. None, last, when no ``cut`` comes
        within eight windows' size (the caller then reads the part another way).
        """
        pending = b""
        for piece in self._pieces(member):
            pending += piece
            if len(pending) < size:
                continue
            end = pending.rfind(cut, 1)
            if end < 0:
                if len(pending) > 8 * size:
                    yield None
                    return
                continue
            yield pending[:end]
            pending = pending[end:]
        if pending:
            yield pending

    def _pieces(self, member: zipfile.ZipInfo) -> Iterator[bytes]:
        """A part's content a piece at a time, as zipfile would read it (refused when it is damaged)."""
        raw = self.raw(member)
        if raw is None:
            with self.archive.open(member) as stream:
                while piece := stream.read(_PIECE):
                    yield piece
            return
        crc, size = 0, 0
        if member.compress_type == zipfile.ZIP_STORED:
            inflated: Iterator[bytes] = (bytes(raw[i : i + _PIECE]) for i in range(0, len(raw), _PIECE))
        else:
            inflated = _inflating(raw, member)
        for piece in inflated:
            crc, size = zlib.crc32(piece, crc), size + len(piece)
            _refuse_understated(size, member)
            yield piece
        if size != member.file_size or crc != member.CRC:
            raise SourceError("error", MSG_CORRUPT)

    def raw(self, member: zipfile.ZipInfo) -> memoryview | None:
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


# What `Parts.windows` inflates at a time.
_PIECE = 1 << 20


def _inflating(raw: memoryview, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A deflated part's content a piece of at most _PIECE bytes at a time (MSG_CORRUPT if it breaks)."""
    inflater = zlib.decompressobj(-15)
    try:
        for start in range(0, len(raw), _CHECK_INPUT):
            pending: bytes | memoryview = raw[start : start + _CHECK_INPUT]
            while pending:
                piece = inflater.decompress(pending, _PIECE)
                if piece:
                    yield piece
                pending = inflater.unconsumed_tail
            if inflater.eof:
                return
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    if not inflater.eof:
        raise SourceError("error", MSG_CORRUPT)


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
        return  # its size is the compressed size, checked on the directory (check_stored)
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


XML_SUFFIXES = (".xml", ".rels", ".vml")  # the parts searched for DTDs and checked against their sizes
# calamine reads as a worksheet every part (not a folder) whose lower-cased path is …/worksheets/…
SHEET_PATH = re.compile(r"[^/]*/worksheets/.*[^/]\Z", re.DOTALL)


def check_stored(member: zipfile.ZipInfo) -> None:
    """Refuse a stored XML or sheet part holding more bytes than it states (zipfile reads what it states).

    calamine reads all of a stored part, as it inflates all of a deflated one (see _check_size).
    """
    if (
        member.compress_type == zipfile.ZIP_STORED
        and member.compress_size > member.file_size
        and not member.flag_bits & _UNUSUAL_FLAGS  # an encrypted part holds its encryption header too
    ):
        name = member.filename.lower()
        if name.endswith(XML_SUFFIXES) or ("/worksheets/" in name and SHEET_PATH.match(name)):
            raise SourceError("error", MSG_CORRUPT)


def check_sizes(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip whose parts state too high a ratio or too large a total (a zip bomb), part by part."""
    total = 0
    for member in members:
        check_stored(member)
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.RATIO_CHECK_MIN_SIZE and ratio > limits.MAX_MEMBER_RATIO:
            raise SourceError("error", MSG_BOMB)
    if total > limits.MAX_TOTAL_UNCOMPRESSED:
        raise SourceError("error", MSG_BOMB)


def unopened(data: bytes) -> SourceError:
    """The error for a zip that zipfile cannot open: cut short when its end record is missing, else damaged.

    The end-of-directory record sits in the last 64 KiB + 22 bytes of every zip; a file cut short
    (an interrupted download or copy) has lost it.
    """
    tail = data[-(65_536 + 22) :]
    return SourceError("error", MSG_CORRUPT if b"PK\x05\x06" in tail else MSG_TRUNCATED)
