"""The library (api.md): read one workbook, check a folder without writing, reconcile into OUT.

Every call reads its files in worker processes, so that a hostile or broken file cannot take the
caller's process down, and nothing a parser does (its time limit, what it prints) reaches the caller.
Bad workbooks are results; a path that does not exist or an unusable profile raise `XltoolError`s.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xltool.model.errors import InputNotFound, ProfileError, XltoolError
from xltool.model.records import Finding
from xltool.rules.profile import Profile, load_profile
from xltool.run.pipeline import RunResult, reconcile
from xltool.run.progress import Progress
from xltool.run.results import CheckResult, Department, InputFile, Project, Sheet, Workbook, workbook

if TYPE_CHECKING:
    from xltool.read.intake import Source
    from xltool.run.drafts import DraftResult

__all__ = [
    "CheckResult",
    "Department",
    "Finding",
    "InputFile",
    "InputNotFound",
    "ProfileError",
    "Project",
    "RunResult",
    "Sheet",
    "Workbook",
    "XltoolError",
    "check",
    "draft",
    "read",
    "reconcile",
]

PathLike = str | os.PathLike[str]


def _existing(path: PathLike) -> Path:
    found = Path(path)
    if not found.exists():
        raise InputNotFound(f"输入路径不存在：{found}。请检查路径后重试。")
    return found


def read(path: PathLike) -> Workbook:
    """Read one workbook (nothing written): its forms, the sheets skipped and why, its values as frames."""
    from xltool.run.workers import read_apart

    file = _existing(path)
    if file.is_dir():
        raise XltoolError(f"{file} 是文件夹；xltool.read 读取单个工作簿，文件夹请用 xltool.check。")
    return workbook(file, read_apart(file, file))


def _sources(paths: PathLike | Sequence[PathLike]) -> list[Source]:
    """Every input under the paths (intake, cycle.md); a list's files are named from its common folder."""
    from xltool.read.intake import gather

    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    items = [_existing(p) for p in given]
    if len(items) == 1:
        return gather(items[0])
    resolved = [p.resolve() for p in items]
    try:  # named from the folder the items share, so that two folders' 附件3 stay apart
        common: Path | None = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))
    except ValueError:  # different drives: each item names its own files
        common = None
    seen: set[tuple[Path, tuple[str, ...]]] = set()
    sources: list[Source] = []
    for item in resolved:
        prefix = item.relative_to(common).as_posix() if common is not None and item != common else ""
        for source in gather(item):
            if item.is_file():
                name = prefix or source.file
            else:
                name = f"{prefix}/{source.file}" if prefix else source.file
            if (source.path.resolve(), source.members) not in seen:
                seen.add((source.path.resolve(), source.members))
                sources.append(dataclasses.replace(source, file=name))
    return sources


def check(
    paths: PathLike | Sequence[PathLike],
    *,
    profile: str | Path | Profile | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check a folder, a file or a list of them (nothing written): departments, findings, report.json."""
    from xltool.run.check import check_files

    sources = _sources(paths)
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    notify = progress or (lambda phase, done, total: None)
    return check_files(sources, rules_profile, max(1, jobs or os.cpu_count() or 1), notify)


def draft(
    paths: PathLike | Sequence[PathLike],
    out: PathLike = "xltool-drafts",
    *,
    profile: str | Path | Profile | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> DraftResult:
    """Write each department's 自评报告 first draft (.docx) from its forms into ``out`` (documents.md);
    a draft already there is kept (reported in ``failed``) unless ``overwrite``."""
    from xltool.model.errors import OutputNotWritable
    from xltool.run.drafts import write_drafts
    from xltool.run.plan import usable_jobs

    sources = _sources(paths)
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    target = Path(out)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(target, exc) from exc
    notify = progress or (lambda phase, done, total: None)
    return write_drafts(sources, target, rules_profile, usable_jobs(jobs), notify, overwrite)
