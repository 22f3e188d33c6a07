"""Planning a run: the inputs found, what the parent keeps of each, and departments into chunks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltool.model.names import group_forms
from xltool.model.records import FormKind, Status
from xltool.read.folders import Refused
from xltool.run.spool import Spooled

# Departments per chunk: as many as memory comfortably allows, because the rules run vectorised
# over a chunk and each rule's pandas steps cost about the same whatever the chunk holds (their cost
# per workbook falls from 2.1 ms at 34 departments to 1.3 ms at 100); and at least one chunk per
# process. None: chosen from the batch (see `chunk_size`).
CHUNK_DEPARTMENTS: int | None = None
MIN_CHUNK, MAX_CHUNK = 20, 100


def max_jobs() -> int:
    """The most processes a run starts: twice the CPU cores (more only adds memory and switching)."""
    return 2 * (os.cpu_count() or 1)


def usable_jobs(jobs: int | None) -> int:
    """The processes a run uses for ``jobs`` asked: the CPU cores by default, at most `max_jobs`."""
    return max(1, min(jobs or os.cpu_count() or 1, max_jobs()))


def chunk_size(departments: int, jobs: int) -> int:
    """Departments per chunk: whole rounds of one chunk per process, each chunk at most MAX_CHUNK.

    Whole rounds of equal chunks keep every process busy to the end (departments differ little in
    cost); a chunk holds at least MIN_CHUNK departments, so a small batch is not split thinner.
    """
    rounds = -(-departments // (jobs * MAX_CHUNK))
    return max(MIN_CHUNK, min(MAX_CHUNK, -(-departments // (jobs * max(rounds, 1)))))


@dataclass(frozen=True)
class InputEntry:
    """What the parent keeps of a read file: its status and the department each form sheet names."""

    index: int
    file: str
    status: Status
    kind: FormKind | None
    message: str | None
    sheets: tuple[tuple[str, FormKind, str | None], ...]  # (sheet, kind, stated department)
    skipped_sheets: tuple[tuple[str, str], ...]
    spooled: Spooled | None = None  # where the worker spooled the records read
    templates: tuple[dict[str, Any], ...] = ()  # per form sheet: the official template it follows


def plan_chunks(
    entries: Sequence[InputEntry], size: int | None = None, jobs: int = 1
) -> list[list[tuple[int, list[str]]]]:
    """Chunks of (file index, department key of each form sheet); a workbook never spans chunks."""
    flat = [(e.index, e.file, kind, name) for e in entries if e.status == "ok" for _, kind, name in e.sheets]
    keys = group_forms([(file, kind, name) for _, file, kind, name in flat])
    per_file: dict[int, list[str]] = {}
    for (index, *_), key in zip(flat, keys, strict=True):
        per_file.setdefault(index, []).append(key)
    # Departments that share a workbook must be processed together: union them.
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for sheet_keys in per_file.values():
        for other in sheet_keys[1:]:
            parent[find(other)] = find(sheet_keys[0])
    groups: dict[str, list[int]] = {}
    for index, sheet_keys in per_file.items():
        groups.setdefault(find(sheet_keys[0]), []).append(index)
    size = size or chunk_size(len(groups), jobs)
    chunks: list[list[tuple[int, list[str]]]] = []
    current: list[tuple[int, list[str]]] = []
    departments = 0
    for root_key in sorted(groups):
        current.extend((i, per_file[i]) for i in sorted(groups[root_key]))
        departments += 1
        if departments >= size:
            chunks.append(current)
            current, departments = [], 0
    if current:
        chunks.append(current)
    return chunks


def input_files(root: Path, skip: Path | None = None) -> tuple[list[Path], list[Refused]]:
    """The workbooks under ``root`` (or ``root`` itself) as the reader finds them, and those refused."""
    from xltool.read.folders import walk_inputs

    if root.is_file():
        return [root], []
    return walk_inputs(root, skip)


def refused_entry(index: int, refused: Refused) -> InputEntry:
    """A file or folder found but not read (a link that loops or leads out of INPUT …), as an input."""
    return InputEntry(index, refused.file, refused.status, None, refused.message, (), ())


def input_json(e: InputEntry, scored: tuple[str, str | None] | None = None) -> dict[str, Any]:
    """An input as report.json gives it, with the sheets read and skipped.

    ``scored`` (a run's, not a check's): the scored workbook's path relative to OUT, and the message
    when it could not be written.
    """
    item: dict[str, Any] = {"file": e.file, "kind": e.kind, "status": e.status, "message": e.message}
    templates = e.templates if len(e.templates) == len(e.sheets) else ({},) * len(e.sheets)
    item["sheets"] = [
        {"sheet": s, "kind": k, "status": "ok", **({"template": t} if t else {})}
        for (s, k, _), t in zip(e.sheets, templates, strict=True)
    ] + [{"sheet": s, "kind": None, "status": "skipped", "message": m} for s, m in e.skipped_sheets]
    if scored is not None:
        output, message = scored
        item["scored"] = {"file": output, "status": "ok" if message is None else "error", "message": message}
    return item
