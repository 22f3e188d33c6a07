"""Safe output paths and atomic writes: nothing half-written under a final name, nothing outside OUT."""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_PART = 120
# A file name may hold 255 bytes on most file systems: a part keeps room for " (99)" and ".xlsx".
_MAX_PART_BYTES = 200


LOG_NAME = "xltool.log"  # the technical detail of what went wrong in a run, in OUT

MSG_NOT_WRITTEN = (
    "{what}未能写出（{error}）；请确认输出文件夹可写、磁盘空间足够、该文件未被其他程序（如Excel）打开，"
    "然后重新运行"
)


def not_written(what: str, exc: BaseException) -> str:
    """The message for an output that could not be written (``what``: 评分工作簿, report.json …)."""
    if isinstance(exc, UnsafePath):
        return str(exc)
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):  # a writer's error wrapping the system's
        cause = cause.__cause__ or cause.__context__
    exc = cause or exc
    if isinstance(exc, OSError) and exc.errno in WRITE_REASONS:
        reason, advice = WRITE_REASONS[exc.errno]
        return f"{what}未能写出（{reason}）；{advice}"
    # An OSError's own text names the hidden temporary it was renaming: its reason is what a user needs.
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return MSG_NOT_WRITTEN.format(what=what, error=f"{type(exc).__name__}：{reason}")


# The common reasons an output cannot be written, in Chinese, and what to do about each.
WRITE_REASONS = {
    errno.ENOSPC: ("磁盘空间不足", "请清理输出文件夹所在的磁盘后重新运行"),
    errno.EDQUOT: ("磁盘空间不足", "请清理输出文件夹所在的磁盘后重新运行"),
    errno.EFBIG: ("磁盘空间不足", "请清理输出文件夹所在的磁盘后重新运行"),
    errno.EACCES: (
        "没有写入权限",
        "请检查输出文件夹及其中文件的写入权限，或关闭在Excel中打开的该文件后重新运行",
    ),
    errno.EPERM: ("没有写入权限", "请检查输出文件夹及其中文件的写入权限后重新运行"),
    errno.EROFS: ("没有写入权限", "输出文件夹所在的磁盘是只读的，请用 -o 换一个输出文件夹"),
    errno.ENAMETOOLONG: ("路径过长", "请缩短输出文件夹、输入文件夹或文件的名称后重新运行"),
    errno.ENOTDIR: ("路径被同名文件占用", "输出文件夹中有与所需文件夹同名的文件，请移走后重新运行"),
    errno.EISDIR: ("路径被同名文件夹占用", "输出文件夹中有与评分工作簿同名的文件夹，请移走后重新运行"),
    errno.EIO: ("磁盘读写错误", "请检查磁盘后重新运行"),
}


def remove_stale(target: Path) -> None:
    """Remove the file an output failed to replace (an earlier run's), so that no stale result is left."""
    try:
        if target.is_file() and not target.is_symlink():
            target.unlink()
    except OSError:
        pass


class UnsafePath(ValueError):
    """An output path that would leave OUT (through ``..`` or a symbolic link planted in OUT)."""


def safe_part(name: str, fallback: str = "未命名") -> str:
    """One path component made safe on every system: no separators, no dots-only, limited length."""
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().strip(".")
    text = text[:_MAX_PART].strip()
    while len(text.encode("utf-8", "surrogatepass")) > _MAX_PART_BYTES:
        text = text[:-1]
    if not text or set(text) <= {".", "_", " "}:
        return fallback
    return text


def relative_output(relative: str, suffix: str | None = None) -> PurePosixPath:
    """An input's relative path as an output path: each part sanitised, ``suffix`` in place of its own."""
    parts = [
        safe_part(p)
        for p in PurePosixPath(relative.replace("\\", "/")).parts
        if p not in ("", ".", "..", "/")
    ]
    if not parts:
        parts = ["未命名"]
    if suffix is not None:
        parts[-1] = (
            str(PurePosixPath(parts[-1]).with_suffix(suffix)) if "." in parts[-1] else parts[-1] + suffix
        )
    return PurePosixPath(*parts)


def output_names(files: Sequence[str], suffix: str, reserved: Sequence[str] = ()) -> dict[str, PurePosixPath]:
    """Each input's output path relative to OUT, unique across the whole run.

    Names are normalised (NFC), sanitised and truncated first, then de-duplicated ignoring case (as
    Windows and macOS compare names), so that no two inputs can map to one output: a later clash gets
    `` (2)``, `` (3)`` …. Inputs that already have ``suffix`` keep their name before others (an ``.xlsx``
    before the ``.xls`` of the same stem); otherwise the order given decides. ``reserved`` names (the
    run's own files) and every folder an output needs are never given to a file.
    """
    wanted = {file: relative_output(file, suffix) for file in files}
    taken = {name.casefold() for name in reserved}
    taken.update(str(parent).casefold() for path in wanted.values() for parent in path.parents)
    names: dict[str, PurePosixPath] = {}
    for file in sorted(files, key=lambda f: not f.lower().endswith(suffix)):  # stable otherwise
        target = candidate = wanted[file]
        n = 2
        while str(candidate).casefold() in taken:
            candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
            n += 1
        taken.add(str(candidate).casefold())
        names[file] = candidate
    return names


def output_path(out: Path, relative: str, suffix: str | None = None) -> Path:
    """OUT joined with an input's relative path (each part sanitised); never outside OUT."""
    return checked_target(out, relative_output(relative, suffix))


def checked_target(out: Path, relative: PurePosixPath) -> Path:
    """OUT joined with an output's relative path; UnsafePath when a link planted in OUT leads out."""
    target = out.joinpath(*relative.parts)
    base = out.resolve()
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):  # a link loop planted in OUT
        resolved = Path(os.sep)
    if base != resolved and base not in resolved.parents:
        raise UnsafePath(
            f"输出位置“{relative}”是指向输出文件夹之外的符号链接，为安全起见未写入；请删除该链接后重新运行"
        )
    return target


_PART_COUNTER = itertools.count()


def _temporary(target: Path) -> tuple[Path, int]:
    """A new hidden ``.part`` file beside ``target`` (its folder made when missing), open for writing.

    Named by process and counter, created with the umask's permissions; the folder is made every time,
    since OUT may have been removed since the last write.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    while True:  # a name an interrupted earlier process left behind is skipped
        tmp = parent / f".xltool-{os.getpid()}-{next(_PART_COUNTER)}{target.suffix}.part"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` (see `_temporary`), renamed onto it only when the block succeeds."""
    tmp, fd = _temporary(target)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` at ``target`` atomically: into a temporary opened once, then renamed onto it."""
    tmp, fd = _temporary(target)
    try:
        with open(fd, "wb", closefd=True) as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(target: Path, data: Any) -> None:
    """Write JSON (UTF-8, Chinese as is, stable key order as given) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
