"""Finding and opening the input workbooks: the only module that reads input files (python-calamine).

A file is classified before it is parsed (lock file, empty, encrypted, not a workbook, truncated,
zip bomb), so that every unreadable input gets a Chinese message that says what to do.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Literal

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# Zip size guard, checked on the zip directory before anything is decompressed.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
RATIO_CHECK_MIN_SIZE = 10 * 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

# Folders that hold no submissions: hidden ones and the resource forks macOS puts into zip archives.
SKIPPED_DIRS = frozenset({"__MACOSX"})

Grid = list[list[object]]

RESAVE = "请用Excel或WPS打开后另存为.xlsx再提交"
MSG_LOCK = "Office 临时锁文件（~$开头），已跳过；无需提交此文件"
MSG_APPLEDOUBLE = "macOS 附属文件（._开头），已跳过；无需提交此文件"
MSG_EMPTY = "文件为空（0字节），请重新导出后提交"
MSG_ENCRYPTED = "文件已加密，请去除密码后重新提交"
MSG_NOT_XLSX = "不是有效的Excel工作簿（文件内容不是xlsx格式），请用Excel或WPS另存为.xlsx后重新提交"
MSG_NOT_XLS = (
    "不是有效的Excel工作簿（文件内容不是xls格式，可能是网页或文本文件），请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_NOT_WORKBOOK_ZIP = (
    "不是有效的Excel工作簿（压缩包内没有工作簿内容，可能是改了扩展名的其他文件），"
    "请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_CORRUPT = "文件已损坏或不完整（可能下载中断），请重新下载或导出后提交"
MSG_BOMB = "文件解压后体积异常（疑似压缩炸弹），已拒绝处理"


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


def read_grids(path: Path) -> list[tuple[str, Grid]]:
    """The worksheets of a workbook as (name, rows of cell values), empty cells as None."""
    data = _classified_bytes(path)
    import python_calamine  # the only place that parses workbooks; kept lazy for a fast CLI start

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids: list[tuple[str, Grid]] = []
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and macro sheets carry no form
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            grids.append((meta.name, [[None if v == "" else v for v in row] for row in rows]))
        return grids
    except python_calamine.PasswordError as exc:
        raise SourceError("error", MSG_ENCRYPTED) from exc
    except Exception as exc:
        raise SourceError("error", _calamine_message(exc)) from exc


def _classified_bytes(path: Path) -> bytes:
    """The file's bytes, or a SourceError when it is plainly not a readable workbook."""
    if path.name.startswith("~$"):
        raise SourceError("skipped", MSG_LOCK)
    if path.name.startswith("._"):
        raise SourceError("skipped", MSG_APPLEDOUBLE)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(
            "error", f"无法打开文件（{exc.strerror or exc}），请确认文件存在且有读取权限"
        ) from exc
    if not data:
        raise SourceError("error", MSG_EMPTY)
    suffix = path.suffix.lower()
    if data.startswith(OLE2_MAGIC):
        if _ole_is_encrypted(data):
            raise SourceError("error", MSG_ENCRYPTED)
    elif data.startswith(ZIP_MAGICS):
        _check_zip(data)
    elif suffix in ZIP_SUFFIXES:
        raise SourceError("error", MSG_NOT_XLSX)
    else:
        raise SourceError("error", MSG_NOT_XLS)
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


def _check_zip(data: bytes) -> None:
    """Reject a truncated zip, a zip that holds no workbook, and a zip bomb, before decompressing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise SourceError("error", MSG_CORRUPT) from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise SourceError("error", MSG_NOT_WORKBOOK_ZIP)
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_MIN_SIZE and ratio > MAX_MEMBER_RATIO:
            raise SourceError("error", MSG_BOMB)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise SourceError("error", MSG_BOMB)


def _calamine_message(exc: Exception) -> str:
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
