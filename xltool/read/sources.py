"""Finding and opening the input workbooks: the only module that reads input files (python-calamine).

A file is classified before it is parsed (lock file, empty, too large, encrypted, not a workbook,
truncated, zip bomb), so that every unreadable input gets a Chinese message that says what to do.

calamine keeps each sheet as a dense rows × columns array from its first to its last filled cell and
copies a shared string into every cell that uses it, so a file of a few kilobytes can ask it for
gigabytes, and a failed allocation aborts the whole process. Before calamine sees a workbook, its
sheet and shared-string parts are therefore scanned as calamine would read them (`scan.py`, DTDs
refused) and the workbook is refused when its grids or texts exceed the limits in `limits.py`.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from xltool.read import limits
from xltool.read.folders import readable, walk_inputs
from xltool.read.formulas import Formula, SheetFormulas
from xltool.read.limits import (
    MSG_APPLEDOUBLE,
    MSG_DUPLICATE_SHEETS,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    MSG_LOCK,
    MSG_NOT_REGULAR,
    MSG_NOT_XLS,
    MSG_NOT_XLSX,
    OLE2_MAGIC,
    RESAVE,
    ZIP_MAGICS,
    ZIP_SUFFIXES,
    Grid,
    SourceError,
    too_large_message,
)
from xltool.read.scan import checked_zip
from xltool.read.scan_xls import clean_xls


def find_inputs(root: Path) -> list[Path]:
    """The workbooks under ``root`` (or ``root`` itself when a file), sorted by relative path.

    Links are followed as `folders.walk_inputs` allows; what it refuses is not returned here.
    """
    if root.is_file():
        return [root]
    return walk_inputs(root)[0]


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, ``/`` separators, readable (the file name when ``root`` is a file)."""
    if path == root or root.is_file():
        return readable(path.name)
    try:
        return readable(path.relative_to(root).as_posix())
    except ValueError:
        return readable(path.name)


def read_grids(path: Path, max_rows: int | None = None) -> list[tuple[str, Grid]]:
    """The worksheets of a workbook as (name, rows of cell values from A1), empty cells as None.

    ``max_rows`` keeps only the first rows of each sheet (the rest never becomes Python objects).
    A formula stored without its result is a `Formula` cell (see `xltool.read.formulas`).
    """
    return read_sources(path, max_rows)[0]


def read_sources(path: Path, max_rows: int | None = None) -> tuple[list[tuple[str, Grid]], SheetFormulas]:
    """`read_grids`, and the formula cells of each sheet of an .xlsx (where the sheet holds any)."""
    return sources_of(*workbook_bytes(path), max_rows)


def sources_of(
    data: bytes, formulas: SheetFormulas, max_rows: int | None = None
) -> tuple[list[tuple[str, Grid]], SheetFormulas]:
    """`read_sources` of a workbook's classified bytes (`classify_bytes`), from a file or a zip member."""
    import python_calamine  # the only place that parses workbooks; kept lazy for a fast CLI start

    try:
        return _calamine_grids(python_calamine, data, max_rows, formulas), formulas
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


def _calamine_grids(
    python_calamine: Any, data: bytes, max_rows: int | None, formulas: SheetFormulas | None = None
) -> list[tuple[str, Grid]]:
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
        # calamine gives an empty cell as "": one pass per row, rows without one kept as they are.
        grid = [[None if v == "" else v for v in row] if "" in row else row for row in rows]
        uncached = formulas.get(name) if formulas else None
        if uncached:
            _put_formulas(grid, uncached, max_rows)
        grids.append((name, grid))
    return grids


def _put_formulas(grid: Grid, cells: dict[tuple[int, int], str | None], max_rows: int | None) -> None:
    """Put a `Formula` where calamine found no cached result (the grid grows to hold it)."""
    for (r, c), text in cells.items():
        if text is None or (max_rows is not None and r >= max_rows) or c >= limits.MAX_FORMULA_COLUMN:
            continue
        while len(grid) <= r:
            grid.append([])
        row = grid[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        if row[c] is None:
            row[c] = Formula(text)


def workbook_bytes(path: Path) -> tuple[bytes, SheetFormulas]:
    """The file's bytes, or a SourceError when it is plainly not a readable workbook."""
    check_name(path.name)
    return classify_bytes(_read_limited(path), path.suffix)


def check_name(name: str) -> None:
    """Refuse, by its name alone, a file that is no submission (an Office lock file, a macOS fork)."""
    if name.startswith("~$"):
        raise SourceError("skipped", MSG_LOCK)
    if name.startswith("._"):
        raise SourceError("skipped", MSG_APPLEDOUBLE)


def classify_bytes(data: bytes, suffix: str) -> tuple[bytes, SheetFormulas]:
    """A workbook's bytes checked before parsing (an .xls re-packed) with the formulas found stored
    without results, or a SourceError saying why it cannot be read."""
    if not data:
        raise SourceError("error", MSG_EMPTY)
    suffix = suffix.lower()
    if data.startswith(OLE2_MAGIC):
        if _ole_is_encrypted(data):
            raise SourceError("error", MSG_ENCRYPTED)
        return clean_xls(data)
    if data.startswith(ZIP_MAGICS):
        return checked_zip(data)
    if suffix in ZIP_SUFFIXES:
        raise SourceError("error", MSG_NOT_XLSX.format(found=content_kind(data)))
    raise SourceError("error", MSG_NOT_XLS.format(found=content_kind(data)))


def content_kind(data: bytes) -> str:
    """What a file that is no workbook is, as its first bytes show (PDF, RTF, XML, HTML, text), or ""."""
    head = data[:4096]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").decode("latin-1").lower()
    if text.startswith("<?xml") and "<html" in text:
        return next(found for mark, found in limits.CONTENT_KINDS if mark == "<html")
    for mark, found in limits.CONTENT_KINDS:
        if text.startswith(mark.lower()):
            return found
    if b"\x00" not in head:
        for codec in ("utf-8", "gbk"):
            try:
                head.decode(codec)
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 4:  # (not merely a character cut at the head's end)
                    continue
            return limits.CONTENT_TEXT
    return ""


def _read_limited(path: Path) -> bytes:
    """A regular file's bytes, refused unread when larger than limits.MAX_FILE_BYTES."""
    try:
        # A FIFO or a device named like a workbook would block or never end: only regular files.
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SourceError("error", MSG_NOT_REGULAR)
            if info.st_size > limits.MAX_FILE_BYTES:
                raise SourceError("error", too_large_message(info.st_size))
            data = read_stated(fh, info.st_size)
    except SourceError:
        raise
    except IsADirectoryError as exc:
        raise SourceError("error", MSG_NOT_REGULAR) from exc
    except OSError as exc:
        raise SourceError(
            "error", f"无法打开文件（{exc.strerror or exc}），请确认文件存在且有读取权限"
        ) from exc
    if len(data) > limits.MAX_FILE_BYTES:  # grew while being read
        raise SourceError("error", too_large_message(len(data)))
    return data


def read_stated(fh: BinaryIO, stated: int) -> bytes:
    """What ``fh`` holds, at most limits.MAX_FILE_BYTES + 1 bytes, read as a file of ``stated`` bytes.

    Asking for the limit at once would have a buffer of that size (100 MiB) allocated for every file,
    which costs more than reading a form: the stated size and one byte more are asked for first,
    the rest (up to the limit) only when the file grew while being read.
    """
    data = fh.read(stated + 1)
    if len(data) > stated:
        data += fh.read(limits.MAX_FILE_BYTES + 1 - len(data))
    return data


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
