"""Finding and opening the input workbooks: the only module that reads input files (python-calamine).

A file is classified before it is parsed (lock file, empty, too large, encrypted, not a workbook,
truncated, zip bomb), so that every unreadable input gets a Chinese message that says what to do.

calamine keeps each sheet as a dense rows × columns array from its first to its last filled cell and
copies a shared string into every cell that uses it, so a file of a few kilobytes can ask it for
gigabytes, and a failed allocation aborts the whole process. Before calamine sees a workbook, its
sheet and shared-string parts are therefore scanned as calamine would read them (streaming, with
expat, DTDs refused) and the workbook is refused when its grids or texts exceed the limits below.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import stat
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Literal
from xml.parsers import expat

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# A file larger than this on disk is not read at all.
MAX_FILE_BYTES = 100 * 1024 * 1024
# Zip size guard, checked on the zip directory before anything is decompressed.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
RATIO_CHECK_MIN_SIZE = 10 * 1024 * 1024
MAX_MEMBERS = 10_000
# What a workbook may ask calamine to build, checked by scanning its parts before parsing them. At these
# limits one file peaks near 300 MiB (calamine holds every sheet of an .xls at once).
MAX_SHEET_CELLS = 2_000_000  # rows × columns of one sheet's grid, counted from A1
MAX_WORKBOOK_CELLS = 2_500_000  # the same, summed over the workbook's sheets
MAX_TEXT_CHARS = 20_000_000  # characters in cells, a shared string counted at every use
MAX_SHARED_STRINGS = 1_000_000
MAX_MARKUP = 8_000_000  # tags in the scanned parts: bounds the time the scan itself takes
SCAN_CHUNK = 1 << 20
HEAD_BYTES = 4096  # how much of every XML part is searched for a DTD

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
DTD_MARKS = tuple(
    mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)

# Folders that hold no submissions: hidden ones and the resource forks macOS puts into zip archives.
SKIPPED_DIRS = frozenset({"__MACOSX"})

Grid = list[list[object]]

RESAVE = "请用Excel或WPS打开后另存为.xlsx再提交"
MSG_LOCK = "Office 临时锁文件（~$开头），已跳过；无需提交此文件"
MSG_APPLEDOUBLE = "macOS 附属文件（._开头），已跳过；无需提交此文件"
MSG_EMPTY = "文件为空（0字节），请重新导出后提交"
MSG_NOT_REGULAR = "不是普通文件（可能是文件夹、管道或设备），无法作为工作簿读取；请提交Excel工作簿文件"
MSG_TOO_LARGE = (
    "文件过大（{size}，上限{limit}），未读取；请删除多余的工作表、图片和空白行列后另存，再重新提交"
)
MSG_ENCRYPTED = "文件已加密，请去除密码后重新提交"
MSG_NOT_XLSX = "不是有效的Excel工作簿（文件内容不是xlsx格式），请用Excel或WPS另存为.xlsx后重新提交"
MSG_NOT_XLS = (
    "不是有效的Excel工作簿（文件内容不是xls格式，可能是网页或文本文件），请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_NOT_XLS_OLE = (
    "不是有效的Excel工作簿（文件中没有工作表数据，可能是改了扩展名的Word等其他Office文件），"
    "请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_NOT_WORKBOOK_ZIP = (
    "不是有效的Excel工作簿（压缩包内没有工作簿内容，可能是改了扩展名的其他文件），"
    "请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_CORRUPT = "文件已损坏或不完整（可能下载中断），请重新下载或导出后提交"
MSG_BOMB = (
    "文件解压后体积异常（疑似压缩炸弹），已拒绝处理；"
    "如确为正常表格，请删除多余的工作表和空白行列后另存为.xlsx再提交"
)
MSG_XLSB = "Excel二进制工作簿（.xlsb格式）暂不支持，请用Excel或WPS另存为.xlsx后重新提交"
MSG_DUPLICATE_PARTS = f"工作簿内部有重名的部件（文件结构异常），已拒绝处理；{RESAVE}"
MSG_DTD = f"工作簿内部含有DTD或实体声明（正常的Excel文件没有，疑似恶意构造），已拒绝处理；{RESAVE}"
MSG_XML = "无法读取工作簿（工作簿内部XML格式错误：{detail}），" + RESAVE
MSG_MARKUP = (
    "工作簿内部结构过于庞大（单元格和行的标记超过{limit}万个），已拒绝处理；请删除多余的行列后重新提交"
)
MSG_SHEET_CELLS = (
    "工作表“{sheet}”的数据区域过大（{rows}行×{cols}列，上限{limit}万个单元格），已拒绝处理；"
    "请删除表格下方或右侧多余的内容后重新提交"
)
MSG_WORKBOOK_CELLS = (
    "工作簿各工作表的数据区域合计过大（约{cells}万个单元格，上限{limit}万个），已拒绝处理；"
    "请删除多余的工作表或行列后重新提交"
)
MSG_TEXT = (
    "工作簿单元格中的文字总量过大（约{chars}万字，上限{limit}万字），已拒绝处理；请删除多余的内容后重新提交"
)
MSG_SHARED_STRINGS = "工作簿中的不同文字超过{limit}万条，已拒绝处理；请删除多余的内容后重新提交"
MSG_DUPLICATE_SHEETS = (
    "工作簿中有两个工作表同名（“{sheet}”），无法分别读取；请在Excel或WPS中给工作表改名后重新提交"
)


class SourceError(Exception):
    """An input file that cannot be read, with a status and a Chinese message saying what to do."""

    def __init__(self, status: Literal["skipped", "error"], message: str) -> None:
        super().__init__(message)
        self.status: Literal["skipped", "error"] = status
        self.message = message


def find_inputs(root: Path) -> list[Path]:
    """The workbooks under ``root`` (or ``root`` itself when a file), sorted by relative path."""
    if root.is_file():
        return [root]
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS]
        for name in files:
            if os.path.splitext(name)[1].lower() in SUFFIXES:
                path = Path(folder, name)
                found.append((relative_name(path, root), path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (the file name when ``root`` is a file)."""
    if path == root or root.is_file():
        return path.name
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def read_grids(path: Path, max_rows: int | None = None) -> list[tuple[str, Grid]]:
    """The worksheets of a workbook as (name, rows of cell values from A1), empty cells as None.

    ``max_rows`` keeps only the first rows of each sheet (the rest never becomes Python objects).
    """
    data = _classified_bytes(path)
    import python_calamine  # the only place that parses workbooks; kept lazy for a fast CLI start

    try:
        with _quiet_stderr():
            return _calamine_grids(python_calamine, data, max_rows)
    except SourceError:
        raise
    except python_calamine.PasswordError as exc:
        raise SourceError("error", MSG_ENCRYPTED) from exc
    except Exception as exc:
        raise SourceError("error", _calamine_message(exc)) from exc
    except BaseException as exc:  # a Rust panic inside calamine arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise SourceError("error", _calamine_message(exc)) from exc


def _calamine_grids(python_calamine: Any, data: bytes, max_rows: int | None) -> list[tuple[str, Grid]]:
    """The worksheets' grids as calamine reads them."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    del data
    sheet_type = python_calamine.SheetTypeEnum.WorkSheet
    names = [meta.name for meta in book.sheets_metadata if meta.typ == sheet_type]  # no chart or macro sheets
    # calamine finds a sheet by its name: of two sheets with one name it would read the first twice.
    duplicate = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if duplicate is not None:
        raise SourceError("error", MSG_DUPLICATE_SHEETS.format(sheet=duplicate))
    grids: list[tuple[str, Grid]] = []
    for name in names:
        rows: Grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=max_rows)
        for row in rows:
            for i, value in enumerate(row):
                if value == "":
                    row[i] = None
        grids.append((name, rows))
    return grids


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: a Rust panic prints its message there before Python sees it."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _classified_bytes(path: Path) -> bytes:
    """The file's bytes, or a SourceError when it is plainly not a readable workbook."""
    if path.name.startswith("~$"):
        raise SourceError("skipped", MSG_LOCK)
    if path.name.startswith("._"):
        raise SourceError("skipped", MSG_APPLEDOUBLE)
    data = _read_limited(path)
    if not data:
        raise SourceError("error", MSG_EMPTY)
    suffix = path.suffix.lower()
    if data.startswith(OLE2_MAGIC):
        if _ole_is_encrypted(data):
            raise SourceError("error", MSG_ENCRYPTED)
        data = _clean_xls(data)
    elif data.startswith(ZIP_MAGICS):
        _check_zip(data)
    elif suffix in ZIP_SUFFIXES:
        raise SourceError("error", MSG_NOT_XLSX)
    else:
        raise SourceError("error", MSG_NOT_XLS)
    return data


def _read_limited(path: Path) -> bytes:
    """A regular file's bytes, refused unread when larger than MAX_FILE_BYTES."""
    try:
        # A FIFO or a device named like a workbook would block or never end: only regular files.
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SourceError("error", MSG_NOT_REGULAR)
            if info.st_size > MAX_FILE_BYTES:
                raise SourceError("error", _too_large(info.st_size))
            data = fh.read(MAX_FILE_BYTES + 1)
    except SourceError:
        raise
    except IsADirectoryError as exc:
        raise SourceError("error", MSG_NOT_REGULAR) from exc
    except OSError as exc:
        raise SourceError(
            "error", f"无法打开文件（{exc.strerror or exc}），请确认文件存在且有读取权限"
        ) from exc
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        raise SourceError("error", _too_large(len(data)))
    return data


def _too_large(size: int) -> str:
    return MSG_TOO_LARGE.format(size=_size_text(size), limit=_size_text(MAX_FILE_BYTES))


def _size_text(size: int) -> str:
    """``size`` bytes as 101MB, 3.5MB or 12KB."""
    if size >= 10 * 1024 * 1024:
        return f"{size / 1024 / 1024:.0f}MB"
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}MB"
    return f"{max(size, 1) / 1024:.0f}KB"


def _ole_is_encrypted(data: bytes) -> bool:
    """Whether an OLE2 compound file is a password-protected workbook (xlsx in OLE, or xls)."""
    import msoffcrypto
    import olefile

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:
        pass
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return bool(ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"))
    except Exception:
        return False  # not a sound OLE file: calamine will say so


# ---------------------------------------------------------------------------------------------
# xlsx: the zip directory, then the parts calamine will parse


def _check_zip(data: bytes) -> None:
    """Reject a truncated zip, a zip that holds no workbook, a zip bomb and oversized grids, unparsed."""
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
        if len(members) > MAX_MEMBERS:
            raise SourceError("error", MSG_BOMB)
        # calamine looks parts up ignoring case: two parts whose names differ only so are ambiguous.
        if len(names) != len(members):
            raise SourceError("error", MSG_DUPLICATE_PARTS)
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_CHECK_MIN_SIZE and ratio > MAX_MEMBER_RATIO:
                raise SourceError("error", MSG_BOMB)
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise SourceError("error", MSG_BOMB)
        try:
            _check_parts(archive, members)
        except SourceError:
            raise
        except expat.ExpatError as exc:
            raise SourceError("error", MSG_XML.format(detail=expat.ErrorString(exc.code))) from exc
        except RuntimeError as exc:  # a zip member encrypted with a zip password
            raise SourceError("error", MSG_ENCRYPTED) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError("error", MSG_CORRUPT) from exc


class _Budget:
    """What the scanned parts add up to, across a workbook."""

    def __init__(self) -> None:
        self.markup = 0
        self.cells = 0
        self.chars = 0
        self.sheets: list[tuple[str, int, int]] = []  # (sheet, rows, columns) of each grid, from A1

    def add_markup(self, count: int) -> None:
        self.markup += count
        if self.markup > MAX_MARKUP:
            raise SourceError("error", MSG_MARKUP.format(limit=MAX_MARKUP // 10_000))

    def add_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > MAX_TEXT_CHARS:
            raise SourceError(
                "error", MSG_TEXT.format(chars=self.chars // 10_000, limit=MAX_TEXT_CHARS // 10_000)
            )

    def add_sheet(self, sheet: str, rows: int, cols: int) -> None:
        self.sheets.append((sheet, rows, cols))
        if rows * cols > MAX_SHEET_CELLS:
            raise SourceError(
                "error",
                MSG_SHEET_CELLS.format(sheet=sheet, rows=rows, cols=cols, limit=MAX_SHEET_CELLS // 10_000),
            )
        self.cells += rows * cols
        if self.cells > MAX_WORKBOOK_CELLS:
            raise SourceError(
                "error",
                MSG_WORKBOOK_CELLS.format(cells=self.cells // 10_000, limit=MAX_WORKBOOK_CELLS // 10_000),
            )


def _check_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> _Budget:
    """Refuse DTDs in any XML part, then scan shared strings and sheets as calamine will read them."""
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels", ".vml")):
            with archive.open(member) as stream:
                head = stream.read(HEAD_BYTES)
            if any(mark in head for mark in DTD_MARKS):
                raise SourceError("error", MSG_DTD)
    by_name = {m.filename.lower(): m for m in members}
    fast = _fast_scan(archive, members, by_name)
    if fast is not None:
        return fast
    budget = _Budget()
    shared = _SharedStrings()
    if "xl/sharedstrings.xml" in by_name:
        _parse(archive, by_name["xl/sharedstrings.xml"], shared, budget)
        budget.add_chars(sum(shared.every))  # calamine keeps the table itself too
    sheet_names = _sheet_names(archive, by_name, budget)
    for member in members:
        parts = member.filename.lower().split("/")
        # calamine reads as a worksheet every part whose path is xl/worksheets/…
        if len(parts) > 2 and parts[1] == "worksheets" and not member.is_dir():
            scan = _SheetScan(shared)
            _parse(archive, member, scan, budget)
            budget.add_sheet(sheet_names.get(member.filename.lower(), member.filename), scan.rows, scan.cols)
            budget.add_chars(scan.chars)
    return budget


# The fast scan: what Excel, WPS and most writers produce — every cell element written `<c r="A1" …`,
# no namespace prefixes — is bounded with a few byte searches instead of an expat pass. Its figures
# are upper bounds (every addressed cell counts, filled or not; every shared-string cell counts the
# longest string); anything it cannot bound (also any `<!` — comments, CDATA, declarations), or a
# bound beyond a limit, falls back to the exact scan.
_CELL_START = re.compile(rb"<c[\s>/]")
_CELL_REF = re.compile(rb'<c\s+r="([A-Za-z]{1,4})([0-9]{1,10})"')
_SHARED_CELL = re.compile(rb"""\st\s*=\s*["']s["']""")
_PREFIXED = re.compile(rb"<[A-Za-z_][^\s>/:]*:")
_SI = re.compile(rb"<si(?:\s[^>]*)?>(.*?)</si>", re.DOTALL)
_SI_START = re.compile(rb"<si[\s>/]")


def _fast_scan(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], by_name: dict[str, zipfile.ZipInfo]
) -> _Budget | None:
    """Bounds of a plainly written workbook within every limit, or None (then the exact scan runs)."""
    markup = 0
    longest = table = 0
    if "xl/sharedstrings.xml" in by_name:
        data = archive.read(by_name["xl/sharedstrings.xml"])
        strings = _SI.findall(data)
        if b"<!" in data or _PREFIXED.search(data) or len(strings) != len(_SI_START.findall(data)):
            return None
        if len(strings) >= MAX_SHARED_STRINGS or any(b"<si" in body for body in strings):
            return None
        longest = max((len(body) for body in strings), default=0)
        table = len(data)
        markup += data.count(b"<")
    chars = table
    sheets: list[tuple[zipfile.ZipInfo, int, int]] = []
    for member in members:
        parts = member.filename.lower().split("/")
        if not (len(parts) > 2 and parts[1] == "worksheets" and not member.is_dir()):
            continue
        data = archive.read(member)
        refs = _CELL_REF.findall(data)
        if b"<!" in data or _PREFIXED.search(data) or len(refs) != len(_CELL_START.findall(data)):
            return None
        rows = cols = 0
        if refs:
            numbers = [int(digits) for _, digits in refs]
            if min(numbers) == 0:
                return None
            widest = max((letters.upper() for letters, _ in refs), key=lambda x: (len(x), x))
            far = _cell_ref(f"{widest.decode('ascii')}{max(numbers)}")
            if far is None:
                return None
            rows, cols = far[0] + 1, far[1] + 1
        sheets.append((member, rows, cols))
        chars += len(_SHARED_CELL.findall(data)) * longest + len(data)
        markup += data.count(b"<")
    cells = sum(rows * cols for _, rows, cols in sheets)
    if (
        markup > MAX_MARKUP
        or chars > MAX_TEXT_CHARS
        or cells > MAX_WORKBOOK_CELLS
        or any(rows * cols > MAX_SHEET_CELLS for _, rows, cols in sheets)
    ):
        return None
    budget = _Budget()
    names = _sheet_names(archive, by_name, budget)
    budget.sheets = [(names.get(m.filename.lower(), m.filename), rows, cols) for m, rows, cols in sheets]
    budget.markup += markup
    budget.cells, budget.chars = cells, chars
    return budget


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


def _parse(archive: zipfile.ZipFile, member: zipfile.ZipInfo, handler: _Handler, budget: _Budget) -> None:
    """Stream one part through expat (no DTD, no entities, nothing fetched), counting its markup."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    stream: IO[bytes]
    with archive.open(member) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            budget.add_markup(chunk.count(b"<"))
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


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
            if len(self.every) >= MAX_SHARED_STRINGS:
                raise SourceError("error", MSG_SHARED_STRINGS.format(limit=MAX_SHARED_STRINGS // 10_000))
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
    archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], budget: _Budget
) -> dict[str, str]:
    """Lower-cased part path → sheet name, from workbook.xml and its relationships (for messages)."""
    names = _Attributes("sheet", "name", "r:id")
    targets = _Attributes("Relationship", "Id", "Target")
    for part, handler in (("xl/workbook.xml", names), ("xl/_rels/workbook.xml.rels", targets)):
        if part in by_name:
            _parse(archive, by_name[part], handler, budget)
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
        if _local(name) == self.element and self.first in attrs and self.second in attrs:
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
        raise SourceError("error", _too_large(len(book)))
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
    if not 0 <= unique <= MAX_SHARED_STRINGS:
        raise SourceError("error", MSG_SHARED_STRINGS.format(limit=MAX_SHARED_STRINGS // 10_000))
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


# ---------------------------------------------------------------------------------------------


def _calamine_message(exc: BaseException) -> str:
    """A Chinese message naming why calamine could not parse a workbook."""
    name = type(exc).__name__
    detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else name
    if name == "ZipError" or "Zip" in detail:
        cause = "压缩包结构损坏"
    elif name == "XmlError" or "Xml" in detail:
        cause = "工作簿内部XML格式错误"
    elif "Cfb" in detail or "OLE" in detail:
        cause = "xls文件结构损坏"
    elif "detect" in detail:
        cause = "无法识别文件格式"
    else:
        cause = "工作簿内容无法解析"
    return f"无法读取工作簿（{cause}：{detail}），{RESAVE}"
