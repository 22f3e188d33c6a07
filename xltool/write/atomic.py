"""Safe output paths and atomic writes: nothing half-written under a final name, nothing outside OUT."""

from __future__ import annotations

import itertools
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_PART = 120


class UnsafePath(ValueError):
    """An output path that would leave OUT."""


def safe_part(name: str, fallback: str = "未命名") -> str:
    """One path component made safe on every system: no separators, no dots-only, limited length."""
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().strip(".")
    text = text[:_MAX_PART].strip()
    if not text or set(text) <= {".", "_", " "}:
        return fallback
    return text


def output_path(out: Path, relative: str, suffix: str | None = None) -> Path:
    """OUT joined with an input's relative path (each part sanitised); never outside OUT."""
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
    target = out.joinpath(*parts)
    base = out.resolve()
    resolved = target.resolve()
    if base != resolved and base not in resolved.parents:
        raise UnsafePath(f"输出路径超出输出目录：{relative}")
    return target


_PART_COUNTER = itertools.count()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it only when the block succeeds.

    The temporary is a hidden ``.part`` file named by process and counter, created with the umask's
    permissions; the folder is made when missing (every time: OUT may have been removed since).
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    while True:  # a name an interrupted earlier process left behind is skipped
        tmp = parent / f".xltool-{os.getpid()}-{next(_PART_COUNTER)}{target.suffix}.part"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` at ``target`` atomically (see `atomic_path`)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(target: Path, data: Any) -> None:
    """Write JSON (UTF-8, Chinese as is, stable key order as given) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
