"""A checked workbook zip handed to calamine with the parts the scan inflated stored, not deflated.

The scan (`scan.py`) inflates every XML part of an .xlsx to check it; calamine would then inflate the
sheets, shared strings, styles and workbook parts once more. Written into a zip of the same parts, in
the same order and under the same names, but stored (uncompressed), they reach calamine as the same
bytes without a second inflating: a quarter of calamine's time on a form. A part the scan did not
inflate whole is copied compressed, as it was. A zip with a part `Parts.raw` does not find plainly
(read through zipfile), or larger than MAX_STORED_BYTES, is handed to calamine as it came.
"""

from __future__ import annotations

import struct
import zipfile

from xltool.read.zipparts import Parts

# The records of a zip (APPNOTE 4.3.7, 4.3.12, 4.3.16): signature, versions, flags, method, time and
# date, CRC, sizes, lengths of the name, extra field and comment, disk and attributes, offset.
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20  # 2.0: deflate
_UTF8_NAME = 0x800  # the only flag kept: how the name is written (sizes stand in each header)
_ASCII_ALIKE = ("utf-8", "cp437")  # codecs that write an ASCII name as ASCII
_TIME, _DATE = 0, (1 << 5) | 1  # 1980-01-01 00:00: calamine looks at no part's date
# Larger workbooks are handed over as they came: a stored copy would hold their parts inflated twice.
MAX_STORED_BYTES = 4 << 20


def stored_copy(parts: Parts, members: list[zipfile.ZipInfo]) -> bytes | None:
    """The zip of ``members`` with every part ``parts`` kept inflated stored, the others copied as they
    were; None when a part is not plainly found or the copy would exceed MAX_STORED_BYTES."""
    pieces: list[bytes | memoryview] = []
    central: list[bytes] = []
    offset = 0
    for member in members:
        flags, text = member.flag_bits & _UTF8_NAME, member.orig_filename
        codec = "utf-8" if flags else parts.encoding
        if codec in _ASCII_ALIKE and text.isascii():
            codec = "ascii"  # the quickest to encode
        try:
            name = text.encode(codec)
        except (UnicodeEncodeError, LookupError):
            return None
        body: bytes | memoryview | None = parts.kept.get(member)
        if body is not None:
            method, size = zipfile.ZIP_STORED, len(body)
        else:
            body = parts.raw(member)
            if body is None:
                return None
            method, size = member.compress_type, member.file_size
        if offset + len(body) + len(name) > MAX_STORED_BYTES:
            return None
        sizes = (member.CRC, len(body), size, len(name))
        pieces += (_LOCAL.pack(b"PK\x03\x04", _VERSION, flags, method, _TIME, _DATE, *sizes, 0), name, body)
        central.append(
            _CENTRAL.pack(
                b"PK\x01\x02", _VERSION, _VERSION, flags, method, _TIME, _DATE, *sizes, 0, 0, 0, 0, 0, offset
            )
            + name
        )
        offset += _LOCAL.size + len(name) + len(body)
    directory = b"".join(central)
    count = len(members)
    pieces += (directory, _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0))
    return b"".join(pieces)
