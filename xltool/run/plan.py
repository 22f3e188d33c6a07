"""Planning a run: the inputs found, what the parent keeps of each, and departments into chunks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.model.names import group_forms
from xltool.model.records import FormKind, InputKind, Status
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


SheetEntry = tuple[str, FormKind, str | None, str | None]  # (sheet, kind, stated department, 附件3 project)


@dataclass(frozen=True)
class InputEntry:
    """What the parent keeps of an input: its status and the department each form sheet names."""

    index: int
    file: str
    status: Status  # ok / skipped / error, and superseded once duplicates are resolved (cycle.md)
    kind: InputKind | None
    message: str | None
    sheets: tuple[SheetEntry, ...]
    skipped_sheets: tuple[tuple[str, str], ...]
    spooled: Spooled | None = None  # where the worker spooled the records read
    templates: tuple[dict[str, Any], ...] = ()  # per form sheet: the official template it follows
    sha256: str | None = None  # of the bytes read (a member: of its archive), for incremental re-runs
    filled_on: str | None = None  # the latest 填报日期 on the form
    returned: bool = False  # a scored workbook sent back
    reused: bool = False  # not read this run: taken from the previous run's report (unchanged bytes)
    department: str | None = None  # a written report: the department its title or name names


PerFile = dict[int, list[str]]  # file index → department key of each of its form sheets


def department_keys(entries: Sequence[InputEntry]) -> PerFile:
    """The department key of every form sheet of the readable inputs, grouped over the whole batch."""
    flat = [(e.index, e.file, s[1], s[2]) for e in entries if e.status == "ok" for s in e.sheets]
    keys = group_forms([(file, kind, name) for _, file, kind, name in flat])
    per_file: PerFile = {}
    for (index, *_), key in zip(flat, keys, strict=True):
        per_file.setdefault(index, []).append(key)
    return per_file


def report_keys(entries: Sequence[InputEntry], per_file: PerFile) -> PerFile:
    """The department key of each written report read, so that it travels with that department's forms.

    A report belongs to the department its title (or file name) names, normalised as forms are; a name
    that differs only by what stands around it (湖南省… / …本级) joins the one department it contains or
    is contained in. A report naming no department joins the one department of its folder. Any other
    report is a group of its own (checked without forms: N-NO-FORMS).
    """
    from xltool.model.names import normalise_department

    by_index = {e.index: e for e in entries}
    known = {normalise_department(k): k for keys in per_file.values() for k in keys}
    by_folder: dict[str, set[str]] = {}
    for index, keys in per_file.items():
        by_folder.setdefault(_folder(by_index[index].file), set()).update(keys)
    found: PerFile = {}
    for e in entries:
        if e.kind != "report" or e.status != "ok":
            continue
        name = normalise_department(e.department)
        key = known.get(name)
        if key is None and len(name) >= MIN_NAME:
            near = {k for n, k in known.items() if len(n) >= MIN_NAME and (n in name or name in n)}
            key = next(iter(near)) if len(near) == 1 else None
        folder = by_folder.get(_folder(e.file), set())
        if key is None and not name and len(folder) == 1:
            key = next(iter(folder))
        found[e.index] = [key or f"{REPORT_GROUP}{name or e.file}"]
    return found


MIN_NAME = 4  # characters a department name needs before a longer or shorter name may be matched to it
REPORT_GROUP = "书面报告:"  # the group of a report naming no department of the batch: never a department key


MSG_REPORT_SUPERSEDED = (
    "同一部门另有一份书面自评报告“{kept}”（{reason}），只核对那一份：本份未核对、未加批注，其问题不计入；"
    "如本份不需审核，请将其移出输入文件夹；如本份才是要审核的版本，请删除另一份后重新运行"
)
# Why the report kept was chosen (read/duplicates.py's reasons, said of a written report).
REPORT_REASONS = {
    "填报日期最晚": "它的落款或填报日期更晚",
    "修改时间最晚": "两份报告所写日期无从比较，它的文件修改时间更晚",
    "文件名排序最后": "日期和修改时间都无从比较，它的文件名排序在后",
}


def superseded_reports(
    reports: Sequence[InputEntry], keys: PerFile, mtimes: dict[int, float]
) -> dict[int, str]:
    """Of the written reports of one department, the ones set aside (index → why), one kept for each.

    Kept: the latest date written in the report (``filled_on``), else the latest modification time,
    else the last name in natural order (read/duplicates.py).
    """
    from xltool.model.names import natural_key
    from xltool.read.duplicates import Candidate, resolve

    candidates = [
        Candidate(e.index, e.file, ((keys[e.index][0], "report", ""),), e.filled_on, mtimes.get(e.index, 0.0))
        for e in reports
    ]
    resolution = resolve(candidates, natural_key)
    reasons = {d.department: REPORT_REASONS.get(d.reason, d.reason) for d in resolution.duplicates}
    return {
        index: MSG_REPORT_SUPERSEDED.format(kept=kept, reason=reasons[keys[index][0]])
        for index, kept in resolution.superseded.items()
    }


def _folder(file: str) -> str:
    return file.rsplit("/", 1)[0] if "/" in file else ""


def department_groups(per_file: PerFile) -> dict[str, list[int]]:
    """Files by group of departments: departments that share a workbook are one group (union-find)."""
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
    return groups


def plan_chunks(
    entries: Sequence[InputEntry], size: int | None = None, jobs: int = 1
) -> list[list[tuple[int, list[str]]]]:
    """Chunks of (file index, department key of each form sheet); a workbook never spans chunks."""
    per_file = department_keys(entries)
    per_file.update(report_keys(entries, per_file))
    return chunk_groups(department_groups(per_file), per_file, size, jobs)


def chunk_groups(
    groups: dict[str, list[int]], per_file: PerFile, size: int | None = None, jobs: int = 1
) -> list[list[tuple[int, list[str]]]]:
    """Groups of departments into chunks of (file index, department keys), in group order."""
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


def output_paths(entries: Sequence[InputEntry], reserved: Sequence[str]) -> dict[str, PurePosixPath]:
    """Each readable input's output relative to OUT: a scored .xlsx per workbook, an annotated .docx per
    written report (a .txt report's copy is a .docx of the same name), none two alike."""
    from xltool.write.atomic import output_names

    books = output_names(
        [e.file for e in entries if e.status == "ok" and e.kind != "report"], ".xlsx", reserved
    )
    taken = [*reserved, *(str(p) for p in books.values())]
    papers = output_names(
        [e.file for e in entries if e.status == "ok" and e.kind == "report"], ".docx", taken
    )
    return books | papers


def input_files(root: Path, skip: Path | None = None) -> tuple[list[Path], list[Refused]]:
    """The workbooks under ``root`` (or ``root`` itself) as the reader finds them, and those refused."""
    from xltool.read.folders import walk_inputs

    if root.is_file():
        return [root], []
    return walk_inputs(root, skip)


def refused_entry(index: int, refused: Refused) -> InputEntry:
    """A file or folder found but not read (a link that loops or leads out of INPUT …), as an input."""
    return InputEntry(index, refused.file, refused.status, None, refused.message, (), ())


def input_json(
    e: InputEntry, keys: Sequence[str] = (), scored: tuple[str, str | None] | None = None
) -> dict[str, Any]:
    """An input as report.json gives it, with the sheets read and skipped.

    ``scored`` (a run's, not a check's): the scored workbook's path relative to OUT, and the message
    when it could not be written. Beyond cli.md (cycle.md): each form sheet's department key, stated
    department and project, and the input's ``sha256`` — what a later incremental run reuses.
    """
    item: dict[str, Any] = {"file": e.file, "kind": e.kind, "status": e.status, "message": e.message}
    if e.kind == "report":
        return _report_json(item, e, keys, scored)
    templates = e.templates if len(e.templates) == len(e.sheets) else ({},) * len(e.sheets)
    item["sheets"] = [
        {
            "sheet": s,
            "kind": k,
            "status": "ok",
            **({"template": t} if t else {}),
            "department": keys[i] if i < len(keys) else None,
            "stated": stated,
            "project": project,
        }
        for i, ((s, k, stated, project), t) in enumerate(zip(e.sheets, templates, strict=True))
    ] + [{"sheet": s, "kind": None, "status": "skipped", "message": m} for s, m in e.skipped_sheets]
    item["sha256"] = e.sha256
    item["filled_on"] = e.filled_on
    item["returned"] = e.returned
    if scored is not None:
        output, message = scored
        item["scored"] = {"file": output, "status": "ok" if message is None else "error", "message": message}
    return item


def _report_json(
    item: dict[str, Any], e: InputEntry, keys: Sequence[str], annotated: tuple[str, str | None] | None
) -> dict[str, Any]:
    """A written report as report.json gives it: the department it was checked with, its annotated copy."""
    item["sheets"] = []
    item["department"] = keys[0] if keys and not keys[0].startswith(REPORT_GROUP) else None
    item["stated"] = e.department
    item["sha256"] = e.sha256
    if annotated is not None:
        output, message = annotated
        item["annotated"] = {
            "file": output,
            "status": "ok" if message is None else "error",
            "message": message,
        }
    return item
