"""The output folder: where OUT may be, what xltool wrote there, and a run that did not finish.

OUT may not be INPUT, hold INPUT, or be a file (usage errors). xltool keeps a manifest of the files it
wrote into OUT: a re-run removes the ones it wrote before and does not write again, and never touches
a file it did not write. While a run writes, a notice in OUT says the folder is incomplete; report.json
is written last (atomically), and the notice removed only after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from xltool.model.errors import UsageError
from xltool.write.atomic import write_bytes_atomic

MANIFEST_NAME = ".xltool.manifest.json"
INCOMPLETE_NAME = "运行未完成.txt"
INCOMPLETE_TEXT = (
    "xltool 正在写出本文件夹，或上次运行中途退出：此处的评分工作簿、审核汇总.xlsx 和 report.json 可能不完整、"
    "彼此不一致。\n请重新运行 xltool reconcile；运行完成后本文件会自动删除。\n"
)


def check_paths(root: Path, out: Path) -> None:
    """Refuse an OUT that is a file, is INPUT, or holds INPUT (cycle.md); OUT inside INPUT is fine."""
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"输出路径“{out}”是一个已存在的文件，不是文件夹；请用 -o 指定一个文件夹（可以是新文件夹）"
        )
    source, target = root.resolve(), out.resolve()
    if source == target:
        raise UsageError(
            f"输出文件夹与输入文件夹相同（{out}）：xltool 不在输入文件夹中写入结果；"
            "请用 -o 指定另一个文件夹，如 -o 审核结果/"
        )
    if target in source.parents:
        raise UsageError(
            f"输入“{root}”位于输出文件夹“{out}”之内：重复运行时会把审核结果当作报送材料；"
            "请用 -o 指定输入文件夹以外的另一个文件夹"
        )


def begin(out: Path) -> list[str]:
    """Say OUT is being written; return the files the manifest says an earlier run wrote there."""
    previous = written_before(out)
    write_bytes_atomic(out / INCOMPLETE_NAME, INCOMPLETE_TEXT.encode("utf-8"))
    return previous


def written_before(out: Path) -> list[str]:
    """The files (relative to OUT) an earlier run's manifest lists; none without a manifest."""
    try:
        data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = data.get("written") if isinstance(data, dict) else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def finish(out: Path, previous: Iterable[str], written: Iterable[str]) -> list[str]:
    """Record what this run wrote, remove what earlier runs wrote and this one did not; returns those."""
    now = sorted(set(written))
    stale = sorted(set(previous) - set(now) - {MANIFEST_NAME, INCOMPLETE_NAME})
    removed = [f for f in stale if _remove(out, f)]
    data = json.dumps({"written": now}, ensure_ascii=False, indent=1)
    write_bytes_atomic(out / MANIFEST_NAME, data.encode("utf-8"))
    (out / INCOMPLETE_NAME).unlink(missing_ok=True)
    return removed


def _remove(out: Path, relative: str) -> bool:
    """Remove a file xltool wrote under OUT (never a link, never outside OUT); its folder stays."""
    parts = PurePosixPath(relative).parts
    if not parts or any(p in ("", ".", "..") for p in parts) or PurePosixPath(relative).is_absolute():
        return False
    path = out.joinpath(*parts)
    try:
        if path.is_symlink() or not path.is_file() or out.resolve() not in path.resolve().parents:
            return False
        path.unlink()
    except OSError:
        return False
    return True
