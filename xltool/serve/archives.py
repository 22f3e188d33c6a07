"""Zip archives uploaded to the page, unpacked into the run's folder within limits.

Only the workbooks inside are unpacked. An archive is refused as a whole, with a Chinese note, when
it is damaged or encrypted, holds too many workbooks, would unpack beyond the run's remaining size
budget, or compresses a member suspiciously well (a zip bomb); a member that inflates beyond the
size its entry states is refused while it is being written. Member names are decoded as a Chinese
Windows archiver writes them (UTF-8 when flagged, else GBK) and made safe by `names.safe_relative`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from xltool.read.limits import MAX_MEMBER_RATIO, RATIO_CHECK_MIN_SIZE, SUFFIXES
from xltool.read.written import REPORT_SUFFIXES
from xltool.serve.limits import size_text
from xltool.serve.names import Placer, safe_relative

MSG_ZIP_DAMAGED = "压缩包已损坏或不是zip格式，未解开；请重新压缩后上传，或直接上传其中的工作簿"
MSG_ZIP_ENCRYPTED = "压缩包设有密码，未解开；请去除密码后重新压缩，或直接上传其中的工作簿"
MSG_ZIP_BOMB = "压缩包解压后体积异常（疑似压缩炸弹），已拒绝处理；请直接上传其中的工作簿"
MSG_ZIP_TOO_MANY = "压缩包内的工作簿过多（{count}个，本次还可上传{left}个），未解开；请分批上传"
MSG_ZIP_TOO_LARGE = "压缩包解压后过大（{size}，本次还可上传{left}），未解开；请分批上传"
MSG_ZIP_NESTED = "压缩包中的压缩包未解开；请先解压，再上传其中的工作簿"
MSG_ZIP_OTHER = "压缩包中有{count}个不是工作簿的文件（如“{name}”），已忽略"
MSG_MEMBER_NAME = "压缩包中的文件名无法使用，已跳过"

_CHUNK = 1 << 20


@dataclass
class Unpacked:
    """What one archive gave: the workbooks written (relative to the run's ``in``) and notes."""

    files: list[str] = field(default_factory=list)
    bytes: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its archiver meant it: UTF-8 when flagged, else UTF-8 or GBK, else as stored."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.orig_filename.encode("cp437", errors="replace")  # zipfile decoded the bytes as cp437
    for codec in ("utf-8", "gbk"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def unpack(
    archive: Path, uploaded: PurePosixPath, placer: Placer, max_files: int, max_bytes: int
) -> Unpacked:
    """Unpack the workbooks of ``archive`` (uploaded as ``uploaded``) through ``placer``."""
    result = Unpacked()
    shown = uploaded.as_posix()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [info for info in zf.infolist() if not info.is_dir()]
            books, others, nested = _sort_members(members)
            refusal = _refusal(books, max_files, max_bytes)
            if refusal:
                result.notes.append((shown, refusal))
                return result
            folder = _folder(books, uploaded)
            for info, name in books:
                _unpack_member(zf, info, name, folder, shown, placer, result)
    except zipfile.BadZipFile:
        result.notes.append((shown, MSG_ZIP_DAMAGED))
        return result
    except (NotImplementedError, RuntimeError):  # an unknown compression method, a password
        result.notes.append((shown, MSG_ZIP_ENCRYPTED))
        return result
    if nested:
        result.notes.append((f"{shown} › {nested[0]}", MSG_ZIP_NESTED))
    if others:
        result.notes.append((shown, MSG_ZIP_OTHER.format(count=len(others), name=others[0])))
    return result


def _sort_members(
    members: list[zipfile.ZipInfo],
) -> tuple[list[tuple[zipfile.ZipInfo, str]], list[str], list[str]]:
    """Workbook and written-report members (with their decoded names), other file names, nested archives."""
    books: list[tuple[zipfile.ZipInfo, str]] = []
    others: list[str] = []
    nested: list[str] = []
    for info in members:
        name = member_name(info)
        suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
        if suffix in SUFFIXES or suffix in REPORT_SUFFIXES:
            books.append((info, name))
        elif suffix == ".zip":
            nested.append(name)
        elif not name.startswith("__MACOSX/"):
            others.append(name)
    return books, others, nested


def _refusal(books: list[tuple[zipfile.ZipInfo, str]], max_files: int, max_bytes: int) -> str | None:
    """Why the archive is not unpacked at all, judged from its directory before anything inflates."""
    if any(info.flag_bits & 0x1 for info, _ in books):
        return MSG_ZIP_ENCRYPTED
    if len(books) > max_files:
        return MSG_ZIP_TOO_MANY.format(count=len(books), left=max(max_files, 0))
    total = sum(info.file_size for info, _ in books)
    if total > max_bytes:
        return MSG_ZIP_TOO_LARGE.format(size=size_text(total), left=size_text(max(max_bytes, 0)))
    for info, _ in books:
        if info.file_size >= RATIO_CHECK_MIN_SIZE and info.file_size > MAX_MEMBER_RATIO * max(
            info.compress_size, 1
        ):
            return MSG_ZIP_BOMB
    return None


def _folder(books: list[tuple[zipfile.ZipInfo, str]], uploaded: PurePosixPath) -> PurePosixPath:
    """Where the members go: beside the archive when all sit in one top folder, else in its own folder."""
    # A folder named after the archive keeps two archives of loose files apart.
    paths = [safe_relative(name) for _, name in books]
    tops = {p.parts[0] for p in paths if p is not None}
    if len(tops) == 1 and all(p is None or len(p.parts) > 1 for p in paths):
        return uploaded.parent
    return uploaded.parent / (safe_relative(uploaded.stem) or PurePosixPath("压缩包"))


def _unpack_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    folder: PurePosixPath,
    shown: str,
    placer: Placer,
    result: Unpacked,
) -> None:
    """Write one workbook member, refusing it if it inflates beyond the size its entry states."""
    relative = safe_relative(name)
    if relative is None:
        result.notes.append((f"{shown} › {name}", MSG_MEMBER_NAME))
        return
    target = placer.place(folder / relative)
    written = 0
    try:
        with zf.open(info) as src, open(target, "xb") as dst:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise zipfile.BadZipFile("member larger than stated")
                dst.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        target.unlink(missing_ok=True)
        message = MSG_ZIP_BOMB if "larger than stated" in str(exc) else MSG_ZIP_DAMAGED
        result.notes.append((f"{shown} › {name}", message))
        return
    result.files.append(target.relative_to(placer.root).as_posix())
    result.bytes += written
