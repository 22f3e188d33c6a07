"""The library (api.md): read one workbook, check a folder without writing, reconcile into OUT.

Every call reads its files in worker processes, so that a hostile or broken file cannot take the
caller's process down, and nothing a parser does (its time limit, what it prints) reaches the caller.
Bad workbooks are results; a path that does not exist or an unusable profile raise `XltoolError`s.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from xltool.model.errors import InputNotFound, ProfileError, XltoolError
from xltool.model.records import Finding
from xltool.rules.profile import Profile, load_profile
from xltool.run.pipeline import RunResult, reconcile
from xltool.run.progress import Progress
from xltool.run.results import CheckResult, Department, InputFile, Project, Sheet, Workbook, workbook

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


def _files(paths: PathLike | Sequence[PathLike]) -> list[tuple[Path, Path]]:
    """(file, root) for every workbook under the paths; a list's files are named from its common folder."""
    from xltool.run.plan import input_files

    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    items = [_existing(p) for p in given]
    if len(items) == 1:
        pairs = [(file, items[0]) for file in input_files(items[0])[0]]
    else:  # named from the folder the items share, so that two folders' 附件3 stay apart
        resolved = [p.resolve() for p in items]
        try:
            common: Path | None = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))
        except ValueError:  # different drives: each item names its own files
            common = None
        pairs = [(file, common or item) for item in resolved for file in input_files(item)[0]]
    seen: set[str] = set()
    files: list[tuple[Path, Path]] = []
    for file, root in pairs:
        real = os.path.realpath(file)  # never raises, not even on a link loop
        if real not in seen:
            seen.add(real)
            files.append((file, root))
    return files


def check(
    paths: PathLike | Sequence[PathLike],
    *,
    profile: str | Path | Profile | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check a folder, a file or a list of them (nothing written): departments, findings, report.json."""
    from xltool.run.check import check_files

    files = _files(paths)
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    notify = progress or (lambda phase, done, total: None)
    return check_files(files, rules_profile, max(1, jobs or os.cpu_count() or 1), notify)
