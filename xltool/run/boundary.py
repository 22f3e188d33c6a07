"""The fault boundary of a run: one department that breaks the rules or the writers costs only itself.

A chunk whose processing raises (or whose process dies) is run again department by department, each
in a process of its own; a department that fails again becomes an `error` entry for its files, with
a Chinese message, and the technical detail goes to a log file in OUT. The other departments' results
are the ones they would have had in a batch without it: a department's results never depend on the
chunk it was checked in.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from xltool.run.chunks import ChunkResult, ChunkTask, process_chunk
from xltool.run.plan import InputEntry
from xltool.run.pools import Pool
from xltool.write.atomic import LOG_NAME, not_written

MSG_DEPARTMENT_FAILED = (
    "核对或写出本部门的表格时程序出错，本部门的结果未写出（其他部门不受影响）；"
    f"技术细节已记入输出文件夹中的 {LOG_NAME}，请把它和这些表格一并反馈给工具维护人员"
)


@dataclass(frozen=True)
class Failure:
    """Files whose department could not be checked or written, and why (a traceback, for the log)."""

    files: tuple[int, ...]  # file indexes
    detail: str
    message: str = MSG_DEPARTMENT_FAILED  # a full disk or a folder without write permission says so


def detail_of(exc: BaseException) -> str:
    """The technical detail of an exception (a worker's own traceback included)."""
    return "".join(traceback.format_exception(exc))


def departments_of(chunk: Sequence[tuple[int, list[str]]]) -> list[list[tuple[int, list[str]]]]:
    """A chunk's files grouped by department (departments sharing a workbook stay together)."""
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for _, keys in chunk:
        for other in keys[1:]:
            parent[find(other)] = find(keys[0])
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for item in chunk:
        groups.setdefault(find(item[1][0]), []).append(item)
    return list(groups.values())


def retry_apart(
    failed: Sequence[ChunkTask],
    numbers: Iterator[int],
    apart: Callable[[ChunkTask], ChunkResult],
) -> tuple[list[ChunkResult], list[Failure]]:
    """Run the failed chunks again one department at a time (``apart`` runs one in its own process)."""
    results: list[ChunkResult] = []
    failures: list[Failure] = []
    for task in failed:
        _, chunk, spooled, spool, out, profile, names, extras = task
        where = {index: place for (index, _), place in zip(chunk, spooled, strict=True)}
        for department in departments_of(chunk):
            files = {index for index, _ in department}
            sub: ChunkTask = (
                next(numbers),
                department,
                [where[index] for index, _ in department],
                spool,
                out,
                profile,
                {index: name for index, name in names.items() if index in files},
                extras,
            )
            try:
                results.append(apart(sub))
            except Exception as exc:
                message = (
                    not_written("本部门的结果", exc) if isinstance(exc, OSError) else MSG_DEPARTMENT_FAILED
                )
                failures.append(Failure(tuple(sorted(files)), detail_of(exc), message))
    return results, failures


def process_apart(task: ChunkTask, fork: bool) -> ChunkResult:
    """One (small) chunk in a process of its own, so that even a dying process costs only it."""
    if not fork:
        return process_chunk(task)
    with Pool(1) as pool:
        return pool.submit(process_chunk, task).result()


def apply_failures(
    entries: list[InputEntry], failures: Sequence[Failure], out: Path, names: Mapping[str, PurePosixPath]
) -> list[InputEntry]:
    """Entries with the failed departments' files made `error`; their stale outputs removed; the log."""
    if not failures:
        return entries
    failed = {index: failure.message for failure in failures for index in failure.files}
    changed = [
        replace(e, status="error", message=failed[e.index]) if e.index in failed else e for e in entries
    ]
    for e in entries:
        if e.index in failed and e.file in names:
            stale = out.joinpath(*names[e.file].parts)
            if stale.is_file() and not stale.is_symlink():
                stale.unlink(missing_ok=True)
    with open(out / LOG_NAME, "a", encoding="utf-8", errors="replace") as log:
        for failure in failures:
            files = "、".join(e.file for e in entries if e.index in failure.files)
            log.write(f"[{os.getpid()}] 部门处理失败：{files}\n{failure.detail}\n")
    return changed
