"""Finding the input workbooks in a folder: links followed safely, odd names made readable.

A symbolic link is followed when it leads to a file or folder inside INPUT; one that loops, dangles,
leads outside INPUT or to a folder already walked is refused and listed (never silently skipped, and
never allowed to end the run). A name that is not valid UTF-8 (what ``unzip`` makes of a zip from a
Chinese Windows PC) is read all the same and listed under a readable rendering of its bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from xltool.read.limits import MSG_NOT_REGULAR, SKIPPED_DIRS, SUFFIXES

MSG_LINK_LOOP = "是循环的快捷方式（符号链接指回自身或上级文件夹），未读取；请删除此链接，或换成文件本身"
MSG_LINK_DANGLING = "是失效的快捷方式（符号链接指向的文件不存在），未读取；请把文件本身放入输入文件夹"
MSG_LINK_OUTSIDE = (
    "是指向输入文件夹之外的快捷方式（符号链接指向“{target}”），为安全起见未读取；"
    "请把文件或文件夹复制到输入文件夹中再运行"
)
MSG_LINK_REPEATED = "与“{other}”是同一个{what}（经快捷方式重复出现），只读取一次"
MSG_FOLDER_UNREADABLE = "无法打开此文件夹（{reason}），其中的文件未读取；请检查文件夹的读取权限"


@dataclass(frozen=True)
class Refused:
    """A file or folder found but not read, with the Chinese reason (listed as an input)."""

    file: str  # relative to INPUT, ``/`` separators, readable
    status: Literal["skipped", "error"]
    message: str


def readable(name: str) -> str:
    """A file name as a person can read it: bytes that were not UTF-8 decoded as GBK, else replaced (�)."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gbk")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def walk_inputs(
    root: Path,
    skip: Path | None = None,
    *,
    every_file: bool = False,
    set_aside: Callable[[str], str | None] | None = None,
) -> tuple[list[Path], list[Refused]]:
    """The workbooks under ``root`` (sorted by relative name) and what was found but refused.

    ``skip`` is a folder not to enter (OUT inside INPUT), compared by its real path. ``every_file``:
    every visible file, not only workbooks (intake lists them all); ``set_aside`` gives the reason a
    folder is not entered at all (an earlier run's output), which lists it once, as ``folder/``.
    """
    base = os.path.realpath(root)
    skipped = os.path.realpath(skip) if skip is not None else None
    found: list[tuple[str, Path]] = []
    refused: list[Refused] = []
    seen_dirs: dict[tuple[int, int], str] = {}
    seen_files: dict[tuple[int, int], str] = {}
    files: list[tuple[os.DirEntry[str], str, bool, os.stat_result]] = []
    real_path = _RealPaths()
    try:
        info = os.stat(root)
        seen_dirs[(info.st_dev, info.st_ino)] = "."
    except OSError:
        pass
    # Real folders are walked first and links to folders after them, so that a folder reached both
    # ways is listed under its real name.
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    links: list[tuple[os.DirEntry[str], str, os.stat_result]] = []
    while pending or links:
        if not pending:
            entry, relative, info = links.pop(0)
            real = os.path.realpath(entry.path)
            key = (info.st_dev, info.st_ino)
            shown = readable(relative)
            if not _inside(real, base):
                refused.append(Refused(shown, "error", MSG_LINK_OUTSIDE.format(target=readable(real))))
            elif _inside(os.path.realpath(os.path.dirname(entry.path)), real):
                refused.append(Refused(shown, "error", MSG_LINK_LOOP))
            elif key in seen_dirs:
                message = MSG_LINK_REPEATED.format(other=readable(seen_dirs[key]), what="文件夹")
                refused.append(Refused(shown, "skipped", message))
            elif skipped is None or not _inside(real, skipped):
                seen_dirs[key] = relative
                pending.append((entry.path, relative))
            continue
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            refused.append(Refused(readable(prefix) or ".", "error", _folder_message(exc)))
            continue
        for entry in listed:
            relative = f"{prefix}/{entry.name}" if prefix else entry.name
            is_workbook = os.path.splitext(entry.name)[1].lower() in SUFFIXES
            if every_file:
                is_workbook = not entry.name.startswith(".")
            try:
                is_link = entry.is_symlink()
                info = os.stat(entry.path)  # follows links
            except OSError as exc:
                if is_workbook or _looks_like_folder(entry):
                    refused.append(Refused(readable(relative), "error", _link_message(exc)))
                continue
            if stat.S_ISDIR(info.st_mode):
                if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                    continue
                reason = set_aside(entry.path) if set_aside is not None else None
                if reason is not None and (skipped is None or os.path.realpath(entry.path) != skipped):
                    refused.append(Refused(readable(relative) + "/", "skipped", reason))
                    continue
                if is_link:
                    links.append((entry, relative, info))
                elif skipped is None or real_path(entry, False) != skipped:
                    seen_dirs[(info.st_dev, info.st_ino)] = relative
                    pending.append((entry.path, relative))
            elif is_workbook:
                files.append((entry, relative, is_link, info))
    for entry, relative, is_link, info in sorted(files, key=lambda item: item[2]):  # real files first
        real = real_path(entry, is_link)
        key = (info.st_dev, info.st_ino)
        shown = readable(relative)
        if not stat.S_ISREG(info.st_mode):  # a device or a pipe named like a workbook, linked or not
            refused.append(Refused(shown, "error", MSG_NOT_REGULAR))
        elif is_link and not _inside(real, base):
            refused.append(Refused(shown, "error", MSG_LINK_OUTSIDE.format(target=readable(real))))
        elif skipped is not None and _inside(real, skipped):
            continue
        elif is_link and key in seen_files:
            message = MSG_LINK_REPEATED.format(other=readable(seen_files[key]), what="文件")
            refused.append(Refused(shown, "skipped", message))
        else:
            seen_files[key] = relative
            found.append((shown, Path(entry.path)))
    found.sort(key=lambda item: item[0])
    refused.sort(key=lambda item: item.file)
    return [path for _, path in found], refused


class _RealPaths:
    """Real paths of walked entries, each folder's resolved once.

    An entry that is not itself a link lies at its folder's real path under its own name: only the
    folder needs resolving (``os.path.realpath`` looks at every part of a path, for every file).
    """

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, entry: os.DirEntry[str], is_link: bool) -> str:
        if is_link:
            return os.path.realpath(entry.path)
        folder = os.path.dirname(entry.path)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, entry.name)


def _inside(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` or lies under it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _looks_like_folder(entry: os.DirEntry[str]) -> bool:
    """A broken link with no workbook suffix is reported only when it stood for a folder (no suffix)."""
    return entry.is_symlink() and not os.path.splitext(entry.name)[1]


def _link_message(exc: OSError) -> str:
    """Why a link (or a file) could not be followed."""
    if exc.errno == errno.ELOOP:
        return MSG_LINK_LOOP
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return MSG_LINK_DANGLING
    return MSG_FOLDER_UNREADABLE.format(reason=_reason(exc))


def _folder_message(exc: OSError) -> str:
    return MSG_FOLDER_UNREADABLE.format(reason=_reason(exc))


def _reason(exc: OSError) -> str:
    """An OS error in Chinese where it is a common one."""
    return {
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.ENAMETOOLONG: "路径过长",
        errno.ELOOP: "链接循环",
        errno.EIO: "磁盘读写错误",
    }.get(exc.errno or 0, exc.strerror or type(exc).__name__)
