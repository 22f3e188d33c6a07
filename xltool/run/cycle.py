"""A run within a review cycle: inputs known from the previous run, copies set aside, last year.

* Every input's bytes are hashed; with ``--previous`` an input whose bytes PREV read is not read again
  (its entry is taken from PREV's report), and a group of departments whose inputs are all unchanged
  is not checked again: its records, findings and scored workbooks are taken from PREV.
* Copies of one form (an original and its 修改版) are resolved once the departments are known: one
  kept, the others ``superseded`` (read/duplicates.py), and an I-DUPLICATE finding per department.
  Of several written reports of one department one is kept the same way, the others ``superseded``.
* ``--last-year DIR``: last year's workbooks (or an earlier OUT) read and checked as a batch of their
  own, kept per department for family Y.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.model.records import FormKind, Status
from xltool.read.duplicates import Candidate, Resolution, form_key, resolve
from xltool.read.intake import Source, gather
from xltool.rules.profile import Profile
from xltool.run.chunks import ChunkExtras, ChunkResult
from xltool.run.plan import (
    InputEntry,
    PerFile,
    SheetEntry,
    department_groups,
    department_keys,
    report_keys,
    superseded_reports,
)
from xltool.run.progress import Progress
from xltool.run.rounds import Previous
from xltool.run.spool import load_reads
from xltool.run.workers import ReadTask, read_all
from xltool.version import __version__
from xltool.write.atomic import checked_target
from xltool.write.report import department_order, json_order, write_sorted

HASH_BLOCK = 1 << 20


def file_hash(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (None when it cannot be read: the reader will say why)."""
    digest = hashlib.sha256()
    try:
        # Never block on a FIFO or a device named like a workbook: only regular files are hashed.
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            while block := fh.read(HASH_BLOCK):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def source_hashes(sources: Sequence[Source]) -> list[str | None]:
    """Each source's hash: a file's bytes; a zip member's, its archive's bytes and its name inside."""
    by_path: dict[Path, str | None] = {}
    hashes: list[str | None] = []
    for source in sources:
        if source.path not in by_path:
            by_path[source.path] = file_hash(source.path) if source.status in ("read", "report") else None
        whole = by_path[source.path]
        if whole is not None and source.members:
            whole = hashlib.sha256(f"{whole}/{'/'.join(source.members)}".encode()).hexdigest()
        hashes.append(whole)
    return hashes


def fingerprint(profile: Profile, last_year: str | None) -> str:
    """What a run's results depend on besides its inputs: xltool's version, the profile, last year."""
    data = json.dumps([__version__, profile.settings(), last_year], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Intake: entries known from PREV, and the files to read


def take_in(
    sources: Sequence[Source], spool: str, previous: Previous | None
) -> tuple[list[InputEntry], list[ReadTask]]:
    """Entries of the inputs known without reading (set aside at intake, or unchanged since PREV), and
    the read tasks of the others."""
    hashes = source_hashes(sources)
    entries: list[InputEntry] = []
    tasks: list[ReadTask] = []
    for index, (source, sha) in enumerate(zip(sources, hashes, strict=True)):
        known = previous.inputs.get(source.file) if previous is not None else None
        if source.status == "skipped" or source.status == "error":
            entries.append(InputEntry(index, source.file, source.status, None, source.message, (), ()))
        elif known is not None and sha is not None and known.get("sha256") == sha:
            entries.append(entry_from_json(index, known))
        else:  # a workbook, or a written report (read in the same processes)
            tasks.append((index, source, spool, sha))
    return entries, tasks


def entry_from_json(index: int, item: dict[str, Any]) -> InputEntry:
    """An input as PREV's report.json gave it, as the entry a read would have given (not spooled)."""
    status: Status = "ok" if item.get("status") in ("ok", "superseded") else item.get("status", "error")
    sheets: list[SheetEntry] = []
    templates: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for s in item.get("sheets", []):
        if s.get("status") == "ok":
            sheets.append((s["sheet"], s["kind"], s.get("stated"), s.get("project")))
            templates.append(s.get("template") or {})
        else:
            skipped.append((s["sheet"], s.get("message") or ""))
    kind: FormKind | None = sheets[0][1] if sheets else item.get("kind")
    return InputEntry(
        index=index,
        file=item["file"],
        status=status,
        kind=kind,
        message=None if status == "ok" else item.get("message"),
        sheets=tuple(sheets),
        skipped_sheets=tuple(skipped),
        templates=tuple(templates),
        sha256=item.get("sha256"),
        filled_on=item.get("filled_on"),
        returned=bool(item.get("returned")),
        reused=True,
        department=item.get("stated") if kind == "report" else None,
    )


# ---------------------------------------------------------------------------------------------
# Planning: departments, copies set aside, what can be reused


@dataclass
class Plan:
    """The departments of a run and what is done with each group of them."""

    entries: list[InputEntry]  # every input, superseded copies marked
    per_file: PerFile  # every readable input's department keys (superseded copies too)
    groups: dict[str, list[int]]  # group → files to check (no superseded copy)
    resolution: Resolution
    reused: set[str] = field(default_factory=set)  # groups whose results PREV has

    def keep_named(self, previous: Previous, names: Mapping[str, PurePosixPath]) -> None:
        """Reuse only groups whose scored workbooks keep the names PREV gave them."""
        by_index = {e.index: e for e in self.entries}
        self.reused = {
            group
            for group in self.reused
            if all(
                scored_in(previous, by_index[i].file) == names[by_index[i].file].as_posix()
                for i in self.groups[group]
                if by_index[i].file in names
            )
        }


Reread = Callable[[list[int]], list[InputEntry]]  # the inputs of these indices read again


def plan_run(
    entries: Sequence[InputEntry],
    sources: Sequence[Source],
    previous: Previous | None,
    out: Path,
    reread: Reread | None = None,
) -> Plan:
    """Departments grouped, duplicates resolved, and the groups PREV's results can stand for.

    ``reread``: reads again the written reports PREV read whose dates a choice between them needs.
    """
    per_file = department_keys(entries)
    by_index = {e.index: e for e in entries}
    candidates = []
    for index, keys in per_file.items():
        e = by_index[index]
        forms = tuple(form_key(k, s[1], s[3]) for k, s in zip(keys, e.sheets, strict=True))
        candidates.append(Candidate(index, e.file, forms, e.filled_on, _mtime(sources[index])))
    resolution = resolve(candidates)
    marked = []
    for e in entries:
        kept = resolution.superseded.get(e.index)
        if kept is not None:
            message = (
                f"同一表格另有较新的一份“{kept}”，本份未使用（其数字和问题不计入）；"
                "如本份才是最终版本，请删除另一份后重新运行"
            )
            e = dataclasses.replace(e, status="superseded", message=message)
        marked.append(e)
    kept_files = {i: keys for i, keys in per_file.items() if i not in resolution.superseded}
    reports = report_keys(marked, kept_files)  # a report travels with its department's forms
    marked, set_aside = _choose_reports(marked, reports, sources, reread)
    per_file.update(reports)
    kept_files.update({i: keys for i, keys in reports.items() if i not in set_aside})
    plan = Plan(marked, per_file, department_groups(kept_files), resolution)
    if previous is not None:
        plan.reused = _reusable(plan, previous, out)
    return plan


def _choose_reports(
    entries: list[InputEntry], reports: PerFile, sources: Sequence[Source], reread: Reread | None
) -> tuple[list[InputEntry], set[int]]:
    """Of the written reports naming the same department one kept, the others marked ``superseded``."""
    by_key: dict[str, list[int]] = {}
    for index, keys in reports.items():
        by_key.setdefault(keys[0], []).append(index)
    shared = sorted(i for indices in by_key.values() if len(indices) > 1 for i in indices)
    if not shared:
        return entries, set()
    by_index = {e.index: e for e in entries}
    unknown = [i for i in shared if by_index[i].reused and by_index[i].spooled is None]
    if unknown and reread is not None:  # PREV's report.json keeps no report's date: read those again
        for fresh in reread(unknown):
            if fresh.status == "ok":
                e = by_index[fresh.index]
                by_index[e.index] = dataclasses.replace(e, filled_on=fresh.filled_on, spooled=fresh.spooled)
    mtimes = {i: _mtime(sources[i]) for i in shared}
    set_aside = superseded_reports([by_index[i] for i in shared], reports, mtimes)
    marked = [
        dataclasses.replace(by_index[e.index], status="superseded", message=set_aside[e.index])
        if e.index in set_aside
        else by_index[e.index]
        for e in entries
    ]
    return marked, set(set_aside)


def _mtime(source: Source) -> float:
    try:
        return source.path.stat().st_mtime
    except OSError:
        return 0.0


def _reusable(plan: Plan, previous: Previous, out: Path) -> set[str]:
    """The groups whose every input PREV read unchanged, with the same departments and files."""
    by_index = {e.index: e for e in plan.entries}
    files_now: dict[str, set[str]] = {}
    for index, keys in plan.per_file.items():
        for key in keys:
            files_now.setdefault(key, set()).add(by_index[index].file)
    files_before: dict[str, set[str]] = {}
    for file, item in previous.inputs.items():
        # A report set aside counts too: it is still there, and the choice is made again if it changes.
        if (
            item.get("kind") == "report"
            and item.get("status") in ("ok", "superseded")
            and item.get("department")
        ):
            files_before.setdefault(item["department"], set()).add(file)
        for sheet in item.get("sheets", []):
            if sheet.get("status") == "ok" and sheet.get("department"):
                files_before.setdefault(sheet["department"], set()).add(file)
    reused = set()
    for group, indices in plan.groups.items():
        departments = {k for i in indices for k in plan.per_file[i]}
        now = set().union(*(files_now[d] for d in departments))
        before = set().union(*(files_before.get(d, set()) for d in departments))
        unchanged = all(e.reused for e in plan.entries if e.file in now)
        known = all(d in previous.departments for d in departments)
        scored = all(_scored_exists(previous, by_index[i].file) for i in indices)
        if now == before and unchanged and known and scored:
            reused.add(group)
    return reused


def scored_in(previous: Previous, file: str) -> str | None:
    """Where PREV wrote an input's scored workbook or annotated report (relative to its OUT), when it did."""
    item = previous.inputs.get(file, {})
    scored = item.get("annotated" if item.get("kind") == "report" else "scored")
    if (
        not isinstance(scored, dict)
        or scored.get("status") != "ok"
        or not isinstance(scored.get("file"), str)
    ):
        return None
    return str(scored["file"])


def _scored_exists(previous: Previous, file: str) -> bool:
    scored = scored_in(previous, file)
    return scored is not None and (previous.folder / scored).is_file()


def reused_result(plan: Plan, previous: Previous, out: Path, spool: str) -> ChunkResult:
    """The records, findings and scored workbooks of the reused groups, taken from PREV."""
    from xltool.write.scored import ScoredFile

    by_index = {e.index: e for e in plan.entries}
    departments: set[str] = set()
    files: list[str] = []
    for group in plan.reused:
        for index in plan.groups[group]:
            departments.update(plan.per_file[index])
            files.append(by_index[index].file)
    records = [previous.departments[d] for d in sorted(departments)]
    findings = [f for d in sorted(departments) for f in previous.findings_by_department.get(d, [])]
    positions = {
        (file, s["sheet"]): n
        for file, item in previous.inputs.items()
        for n, s in enumerate(x for x in item.get("sheets", []) if x.get("status") == "ok")
    }
    departments_file = str(Path(spool, "departments-reused.jsonl"))
    findings_file = str(Path(spool, "findings-reused.jsonl"))
    write_sorted(Path(departments_file), ((department_order(d["name"]), d) for d in records))
    write_sorted(
        Path(findings_file), ((json_order(f, positions.get((f["file"], f["sheet"]), 0)), f) for f in findings)
    )
    scored: list[ScoredFile] = []
    same = previous.folder.resolve() == out.resolve()
    for file in files:
        relative = scored_in(previous, file)
        if relative is None:  # a copy set aside: PREV wrote none for it either
            continue
        if not same:
            target = checked_target(out, PurePosixPath(relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previous.folder / relative, target)
        scored.append(ScoredFile(file, relative))
    counts = Counter(str(f["severity"]) for f in findings)
    projects = sum(len(d.get("projects", [])) for d in records)
    written = sorted(s.output for s in scored)
    return ChunkResult(departments_file, findings_file, len(records), projects, dict(counts), written, scored)


def chunk_extras(plan: Plan, chunk: Sequence[tuple[int, list[str]]], prior: dict[str, Any]) -> ChunkExtras:
    """What a chunk needs of the cycle: its sheets set aside, its I-DUPLICATE notes, its last year."""
    from xltool.model.names import normalise_department

    indices = {i for i, _ in chunk}
    departments = {k for _, keys in chunk for k in keys}
    dropped = {i: p for i, p in plan.resolution.dropped.items() if i in indices}
    duplicates = tuple(
        (d.department, d.kept[0], duplicate_fields(d.files, d.kept, d.reason))
        for d in plan.resolution.duplicates
        if d.department in departments
    )
    mine = {normalise_department(d) for d in departments}
    return ChunkExtras(dropped, duplicates, {k: v for k, v in prior.items() if k in mine})


def duplicate_fields(files: Sequence[str], kept: Sequence[str], reason: str) -> dict[str, str]:
    """What the I-DUPLICATE message names: every file involved, the ones used, why, and the others."""

    def names(items: Sequence[str]) -> str:
        return "、".join(f"“{f}”" for f in items)

    others = [f for f in files if f not in kept]
    return {"files": names(files), "kept": names(kept), "reason": reason, "others": names(others)}


# ---------------------------------------------------------------------------------------------
# Last year


def load_last_year(
    folder: Path, profile: Profile, jobs: int, spool: str, notify: Progress
) -> tuple[dict[str, Any], str]:
    """Last year's departments by normalised name (rules/lastyear.py), and a fingerprint of its inputs."""
    from xltool.rules.lastyear import prior_years
    from xltool.rules.results import department_records
    from xltool.run.chunks import check_workbooks

    sources = [s for s in gather(folder) if s.status == "read"]
    hashes = source_hashes(sources)
    tasks: list[ReadTask] = [(i, s, spool, h) for i, (s, h) in enumerate(zip(sources, hashes, strict=True))]
    entries = [e for e in read_all(tasks, jobs, notify) if e.status == "ok" and e.spooled is not None]
    reads = load_reads([e.spooled for e in entries if e.spooled is not None])
    listed = sorted(zip([s.file for s in sources], map(str, hashes), strict=True))
    digest = hashlib.sha256(json.dumps(listed, ensure_ascii=False).encode())
    if not reads:
        return {}, digest.hexdigest()
    _, ctx = check_workbooks(reads, profile)
    return prior_years(ctx, department_records(ctx)), digest.hexdigest()
