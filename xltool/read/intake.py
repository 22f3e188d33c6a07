"""Every file under INPUT accounted for: workbooks to read, zip members, and what is set aside.

A zip package is opened and its members listed as if they were files in a folder of the archive's
name (``包名.zip/内部/路径.xlsx``); the limits that bound a workbook bound the archive and each member,
a nested archive is opened once more at most, and a name that would leave the archive is refused.
Names written by Chinese Windows (GBK, without the zip's UTF-8 flag) are decoded. Files that are not
workbooks are listed with what to do; a folder holding xltool's own ``report.json`` (an earlier run's
output) is skipped as a whole, with one entry.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from xltool.read import limits
from xltool.read.folders import walk_inputs
from xltool.read.limits import MSG_NOT_REGULAR, SKIPPED_DIRS, SUFFIXES, SourceError, too_large_message
from xltool.read.sources import read_stated, relative_name

ZIP_SUFFIX = ".zip"
REPORT_SUFFIXES = frozenset({".docx", ".txt"})  # written reports: documents.md
OUTPUT_MARK = "report.json"  # the file that makes a folder an earlier run's output

SourceStatus = Literal["read", "report", "skipped", "error"]

MSG_OUTPUT_FOLDER = (
    "此文件夹是 xltool 以前生成的审核结果（含 report.json），已整体跳过，不作为报送材料读取；"
    "如需对比上一轮，请用 --previous 指定该文件夹"
)
MSG_ZIP_NESTED = "压缩包内又嵌套了多层压缩包，已跳过；请解压后把其中的工作簿直接放入文件夹再提交"
MSG_ZIP_ESCAPE = "压缩包内的文件名指向压缩包以外的位置（如含“..”或以“/”开头），已拒绝处理；请重新压缩后提交"
MSG_ZIP_ENCRYPTED = "压缩包（或其中的文件）设有密码，无法读取；请去除密码后重新压缩提交"
MSG_ZIP_CORRUPT = "压缩包已损坏或不完整（可能下载中断），无法打开；请重新下载或重新压缩后提交"
MSG_ZIP_BOMB = (
    "压缩包解压后体积异常或文件过多（疑似压缩炸弹），已拒绝处理；请只压缩需要报送的工作簿后重新提交"
)
MSG_ZIP_EMPTY = "压缩包中没有任何文件，已跳过；请确认压缩了需要报送的工作簿"

_PLEASE_XLSX = "请用 Excel 或 WPS 打开后另存为 .xlsx 工作簿再提交"
SKIP_MESSAGES: dict[str, str] = {
    ".et": "WPS 表格文件（.et）无法直接读取，已跳过；请在 WPS 中另存为 .xlsx 后重新提交",
    ".ett": "WPS 表格模板（.ett）无法直接读取，已跳过；请在 WPS 中另存为 .xlsx 后重新提交",
    ".ods": f"OpenDocument 表格（.ods）无法直接读取，已跳过；{_PLEASE_XLSX}",
    ".csv": f"CSV 文本表格没有表格格式，无法按附件1/2/3识别，已跳过；{_PLEASE_XLSX}",
    ".rar": "RAR 压缩包无法直接读取，已跳过；请解压后把工作簿放入文件夹，或改用 .zip 格式压缩后重新提交",
    ".7z": "7z 压缩包无法直接读取，已跳过；请解压后把工作簿放入文件夹，或改用 .zip 格式压缩后重新提交",
    ".doc": "Word 97-2003 文档（.doc）无法读取，已跳过；如是书面自评报告，请另存为 .docx 后重新提交",
    ".wps": "WPS 文字文件（.wps）无法读取，已跳过；如是书面自评报告，请另存为 .docx 后重新提交",
    ".pdf": "PDF 文件无法核对数字，已跳过；请提交 Excel 工作簿（.xlsx）原件",
    ".xlsb": f"Excel 二进制工作簿（.xlsb）暂不支持，已跳过；{_PLEASE_XLSX}",
}
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp"})
MSG_IMAGE = "图片无法核对数字，已跳过；请提交 Excel 工作簿（.xlsx）原件（盖章页可另行报送）"
MSG_OTHER = "不是 Excel 工作簿（.xlsx/.xls），已跳过；如需审核请提交附件1/2/3的 .xlsx 工作簿"


@dataclass(frozen=True)
class Source:
    """One input as report.json will list it, and where its bytes are."""

    file: str  # relative to INPUT, "/" separators; a member is 包名.zip/内部/路径.xlsx
    path: Path  # the file on disk (the outer archive for a member)
    status: SourceStatus
    message: str | None = None
    members: tuple[str, ...] = ()  # member names inside path (one, or the nested archive then its member)

    @property
    def suffix(self) -> str:
        """The lower-case suffix of the file name."""
        return PurePosixPath(self.file).suffix.lower()


def gather(root: Path, skip: Path | None = None) -> list[Source]:
    """Every input under ``root`` (a folder, or one file), sorted by name; ``skip`` (OUT) is not read.

    Links are followed as `folders.walk_inputs` allows; what it refuses is listed with its reason.
    """
    if root.is_file():
        return list(_classify(root, root.name))
    found, refused = walk_inputs(root, skip, every_file=True, set_aside=_earlier_output)
    sources = [Source(r.file, root, r.status, r.message) for r in refused]
    for path in found:
        sources.extend(_classify(path, relative_name(path, root)))
    sources.sort(key=lambda s: s.file)
    return sources


def _earlier_output(folder: str) -> str | None:
    return MSG_OUTPUT_FOLDER if is_output_folder(Path(folder)) else None


def is_output_folder(path: Path) -> bool:
    """Whether a folder holds an xltool report.json (an earlier run's output)."""
    report = path / OUTPUT_MARK
    try:
        if not report.is_file():
            return False
        with open(report, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"xltool_version"' in head and b'"schema"' in head


def _classify(path: Path, file: str) -> Iterator[Source]:
    """The source(s) of one file: a workbook, a zip's members, or a skipped file with its message."""
    suffix = PurePosixPath(file).suffix.lower()
    if suffix in SUFFIXES or file.rsplit("/", 1)[-1].startswith("~$"):
        yield Source(file, path, "read")
    elif suffix == ZIP_SUFFIX:
        yield from _zip_sources(path, file)
    elif suffix in REPORT_SUFFIXES:
        yield Source(file, path, "report")
    else:
        yield Source(file, path, "skipped", skip_message(suffix))


def skip_message(suffix: str) -> str:
    """What to do with a file of this suffix, which xltool does not read."""
    if suffix in IMAGE_SUFFIXES:
        return MSG_IMAGE
    return SKIP_MESSAGES.get(suffix, MSG_OTHER)


# ---------------------------------------------------------------------------------------------
# Zip packages


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker meant it: UTF-8 when flagged, else GBK (Chinese Windows), else cp437."""
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for codec in ("utf-8", "gbk"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return name


def safe_member(name: str) -> str | None:
    """The member's path inside the archive with ``/`` separators, or None when it would escape it."""
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """A zip archive checked against the limits before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise SourceError("error", MSG_ZIP_CORRUPT) from exc
    members = archive.infolist()
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.RATIO_CHECK_MIN_SIZE and ratio > limits.MAX_MEMBER_RATIO:
            raise SourceError("error", MSG_ZIP_BOMB)
    if len(members) > limits.MAX_MEMBERS or total > limits.MAX_TOTAL_UNCOMPRESSED:
        raise SourceError("error", MSG_ZIP_BOMB)
    return archive


def _read_archive(path: Path) -> bytes:
    """An archive file's bytes, refused unread above the workbook size limit."""
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise SourceError("error", MSG_NOT_REGULAR)
            if info.st_size > limits.MAX_FILE_BYTES:
                raise SourceError("error", too_large_message(info.st_size))
            data = read_stated(fh, info.st_size)
    except OSError as exc:
        raise SourceError(
            "error", f"无法打开文件（{exc.strerror or exc}），请确认文件存在且有读取权限"
        ) from exc
    if len(data) > limits.MAX_FILE_BYTES:
        raise SourceError("error", too_large_message(len(data)))
    return data


def _zip_sources(path: Path, file: str) -> Iterator[Source]:
    """The members of a zip package as sources (a nested package opened once more)."""
    try:
        archive = _open_zip(_read_archive(path))
    except SourceError as exc:
        yield Source(file, path, exc.status, exc.message)
        return
    with archive:
        found = list(_members(archive, path, file, (), nested=False))
    yield from found or [Source(file, path, "skipped", MSG_ZIP_EMPTY)]


def _members(
    archive: zipfile.ZipFile, path: Path, file: str, outer: tuple[str, ...], *, nested: bool
) -> Iterator[Source]:
    for info in archive.infolist():
        if info.is_dir():
            continue
        decoded = member_name(info)
        inner = safe_member(decoded)
        if inner is None:
            yield Source(f"{file}/{decoded.replace(chr(92), '/').lstrip('/')}", path, "error", MSG_ZIP_ESCAPE)
            continue
        parts = inner.split("/")
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts):
            continue
        name = f"{file}/{inner}"
        members = (*outer, info.filename)
        suffix = PurePosixPath(inner).suffix.lower()
        if info.flag_bits & 0x1:
            yield Source(name, path, "error", MSG_ZIP_ENCRYPTED)
        elif info.file_size > limits.MAX_FILE_BYTES:
            yield Source(name, path, "error", too_large_message(info.file_size))
        elif suffix == ZIP_SUFFIX:
            if nested:
                yield Source(name, path, "skipped", MSG_ZIP_NESTED)
                continue
            try:
                inner_archive = _open_zip(archive.read(info))
            except SourceError as exc:
                yield Source(name, path, exc.status, exc.message)
                continue
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
                yield Source(name, path, "error", MSG_ZIP_CORRUPT)
                continue
            with inner_archive:
                yield from _members(inner_archive, path, name, members, nested=True)
        else:
            for source in _classify(path, name):
                yield Source(source.file, path, source.status, source.message, members)


def member_bytes(source: Source) -> bytes:
    """The bytes of a zip member (through a nested archive when there is one), within the limits."""
    data = _read_archive(source.path)
    try:
        for name in source.members:
            with _open_zip(data) as archive:
                info = archive.getinfo(name)
                if info.file_size > limits.MAX_FILE_BYTES:
                    raise SourceError("error", too_large_message(info.file_size))
                with archive.open(info) as fh:
                    data = fh.read(limits.MAX_FILE_BYTES + 1)
            if len(data) > limits.MAX_FILE_BYTES:
                raise SourceError("error", too_large_message(len(data)))
    except SourceError:
        raise
    except RuntimeError as exc:
        raise SourceError("error", MSG_ZIP_ENCRYPTED) from exc
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise SourceError("error", MSG_ZIP_CORRUPT) from exc
    return data


def source_json(source: Source) -> dict[str, object]:
    """A source set aside at intake as report.json lists it."""
    return {"file": source.file, "kind": None, "status": source.status, "message": source.message}
