"""One chunk of departments: rules over its stacked frames, then the scored workbooks of its files."""

from __future__ import annotations

import dataclasses
import gc
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from xltool.model.names import group_forms
from xltool.model.records import Finding, FormSheet, ReportRead, WorkbookRead
from xltool.rules.profile import Profile
from xltool.run import progress
from xltool.run.spool import Spooled, load_spooled
from xltool.write.report import (
    FindingCounts,
    Location,
    department_order,
    finding_order,
    sheet_order,
    spool_findings,
    with_finding_counts,
    write_sorted,
)

if TYPE_CHECKING:
    from xltool.rules.engine import Context
    from xltool.rules.lastyear import PriorYear
    from xltool.write.scored import ScoredFile


@dataclass
class ChunkResult:
    """What one chunk of departments produced; its records are spooled to the two files."""

    departments_file: str
    findings_file: str
    departments: int
    projects: int
    findings: dict[str, int]  # by severity
    written: list[str] = field(default_factory=list)
    scored: list[ScoredFile] = field(default_factory=list)  # each 'ok' input's scored workbook, or why not


@dataclass(frozen=True)
class ChunkExtras:
    """What a review cycle adds to a chunk (cycle.md): copies set aside, and last year's departments."""

    dropped: dict[int, frozenset[int]] = field(default_factory=dict)  # file index → form sheets set aside
    duplicates: tuple[
        tuple[str, str, dict[str, str]], ...
    ] = ()  # (department key, file kept, message fields)
    prior: dict[str, PriorYear] = field(default_factory=dict)  # normalised department name → last year


def check_workbooks(
    reads: Sequence[WorkbookRead],
    profile: Profile,
    keys: Sequence[Sequence[str]] | None = None,
    extras: ChunkExtras | None = None,
) -> tuple[list[Finding], Context]:
    """Run every rule over some read workbooks at once; ``keys`` gives each form sheet's department.

    Without ``keys`` the departments are grouped from the forms themselves (as a run does). Each
    finding carries its key and, from the 审核结果 rows of returned scored workbooks, the explanation,
    review and status.
    """
    from xltool.rules.engine import run_rules
    from xltool.rules.frames import build_frames
    from xltool.rules.keys import finding_keys, with_standing

    if keys is None:
        flat = [(r.file, s.kind, s.department) for r in reads for s in r.sheets]
        grouped = iter(group_forms(flat))
        keys = [[next(grouped) for _ in r.sheets] for r in reads]
    forms = [
        pair
        for read, sheet_keys in zip(reads, keys, strict=True)
        for pair in zip(sheet_keys, read.sheets, strict=True)
    ]
    extras = extras or ChunkExtras()
    findings, ctx = run_rules(build_frames(forms), profile, extras.prior, extras.duplicates)
    findings.sort(key=finding_order)
    sheets = {(r.file, s.sheet): s for r in reads for s in r.sheets}
    explanations = {key: (text, review) for r in reads for key, text, review in r.explanations}
    return with_standing(findings, finding_keys(findings, sheets), explanations), ctx


# (number, [(file index, department key of each form sheet)], spooled reads, spool folder, OUT, profile,
#  each file's output path relative to OUT by file index, what the review cycle adds)
ChunkTask = tuple[
    int, list[tuple[int, list[str]]], list[Spooled], str, str, Profile, dict[int, PurePosixPath], ChunkExtras
]


def _without_dropped(
    reads: list[WorkbookRead], chunk: list[tuple[int, list[str]]], dropped: dict[int, frozenset[int]]
) -> tuple[list[WorkbookRead], list[list[str]]]:
    """The reads and their sheets' keys without the form sheets set aside as duplicates."""
    kept_reads, kept_keys = [], []
    for read, (index, keys) in zip(reads, chunk, strict=True):
        gone = dropped.get(index)
        if gone:
            sheets = tuple(s for i, s in enumerate(read.sheets) if i not in gone)
            keys = [k for i, k in enumerate(keys) if i not in gone]
            read = dataclasses.replace(read, sheets=sheets, kind=sheets[0].kind if sheets else read.kind)
        kept_reads.append(read)
        kept_keys.append(keys)
    return kept_reads, kept_keys


def department_results(
    ctx: Context, findings: Sequence[Finding], counts: FindingCounts, prior: dict[str, PriorYear]
) -> list[dict[str, Any]]:
    """The chunk's department records as report.json gives them: with their findings counted by
    severity and by standing (``follow_up``), and last year's scores when there are any."""
    from xltool.rules.keys import ACCEPT
    from xltool.rules.lastyear import with_last_year
    from xltool.rules.results import department_records

    departments = with_finding_counts(department_records(ctx), counts)
    with_last_year(departments, prior)
    standing = Counter((f.department, f.status) for f in findings)
    accepted = Counter(f.department for f in findings if f.review == ACCEPT)
    for d in departments:
        name = d["name"]
        d["follow_up"] = {
            "open": standing[(name, "open")],
            "explained": standing[(name, "explained")],
            "accepted": accepted[name],
        }
    return departments


def process_chunk(task: ChunkTask, *, own_process: bool = False) -> ChunkResult:
    """Rules over a chunk's stacked frames, then the scored workbooks of its files and the annotated
    copies of its written reports.

    ``own_process``: the chunk runs in a worker process of its own, whose garbage collector may be
    set for it (`_load_frozen`); a library caller's process is left as it is.
    """
    from xltool.write.annotate import write_annotated_reports
    from xltool.write.scored import write_scored_workbooks

    number, chunk, spooled, spool, out, profile, outputs, extras = task
    loaded = _load_frozen(spooled) if own_process else load_spooled(spooled)
    checked = check_chunk(loaded, chunk, profile, extras)
    reads, ctx, findings = checked.reads, checked.ctx, checked.findings
    names = {file: outputs[index] for file, index in checked.indices.items() if index in outputs}
    written: list[str] = []
    locations: list[Location | None] = []
    scored: list[ScoredFile] = []
    if ctx is not None:
        written, locations, scored = write_scored_workbooks(
            Path(out), reads, ctx, findings, progress.ON_WRITTEN, names
        )
    papers, annotated = write_annotated_reports(
        Path(out), checked.reports, checked.report_findings, names, progress.ON_WRITTEN
    )
    every = [*findings, *checked.report_findings]
    copies = {s.file: s.output for s in annotated if s.message is None}
    locations += [(copies[f.file], "", "") if f.file in copies else None for f in checked.report_findings]
    findings_file = os.path.join(spool, f"findings-{number:06d}.jsonl")
    counts = spool_findings(Path(findings_file), every, locations, sheet_order(reads))
    departments = department_results(ctx, every, counts, extras.prior) if ctx is not None else []
    departments_file = os.path.join(spool, f"departments-{number:06d}.jsonl")
    write_sorted(Path(departments_file), ((department_order(d["name"]), d) for d in departments))
    projects = sum(len(d["projects"]) for d in departments)
    return ChunkResult(
        departments_file,
        findings_file,
        len(departments),
        projects,
        dict(counts.total),
        [*written, *papers],
        [*scored, *annotated],
    )


def _load_frozen(spooled: Sequence[Spooled]) -> list[WorkbookRead | ReportRead]:
    """The chunk's records, frozen for the garbage collector once loaded (in a process of its own).

    They live until the chunk is done and hold no reference cycles: their reference counts free them
    as ever, but every full collection while the chunk runs would walk all of them again (about a
    tenth of a chunk's CPU at 100 departments). What an earlier chunk of the process left is
    collected first, never frozen with them; while they load, the collector (which would find
    nothing but them) waits.
    """
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = load_spooled(spooled)
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return loaded


@dataclass
class CheckedChunk:
    """A chunk checked: its workbooks (copies set aside), their rules' context and findings, and its
    written reports with their findings (family N)."""

    reads: list[WorkbookRead]
    ctx: Context | None  # None when the chunk holds no workbook (a report whose forms are missing)
    findings: list[Finding]
    reports: list[ReportRead]
    report_findings: list[Finding]
    indices: dict[str, int]  # file → index, workbooks and reports


def check_chunk(
    loaded: Sequence[WorkbookRead | ReportRead],
    chunk: Sequence[tuple[int, list[str]]],
    profile: Profile,
    extras: ChunkExtras,
) -> CheckedChunk:
    """The rules over a chunk's workbooks, and each written report against its department's forms."""
    books = [(r, item) for r, item in zip(loaded, chunk, strict=True) if isinstance(r, WorkbookRead)]
    papers = [(r, item) for r, item in zip(loaded, chunk, strict=True) if isinstance(r, ReportRead)]
    reads, keys = _without_dropped([r for r, _ in books], [item for _, item in books], extras.dropped)
    findings: list[Finding] = []
    ctx = None
    if reads:
        findings, ctx = check_workbooks(reads, profile, keys, extras)
    reports = [r for r, _ in papers]
    report_findings = check_reports([(r, item[1][0]) for r, item in papers], reads, keys, profile)
    indices = {r.file: item[0] for r, item in books} | {r.file: item[0] for r, item in papers}
    return CheckedChunk(reads, ctx, findings, reports, report_findings, indices)


def check_reports(
    reports: Sequence[tuple[ReportRead, str]],
    reads: Sequence[WorkbookRead],
    keys: Sequence[Sequence[str]],
    profile: Profile,
) -> list[Finding]:
    """Each written report (with its department key) checked against the forms of that department;
    the profile's pick and skip apply to family N as to the others."""
    from xltool.rules.forms_view import DepartmentForms
    from xltool.rules.keys import finding_keys, with_standing
    from xltool.rules.narrative import check_report

    sheets: dict[str, list[FormSheet]] = {}
    for read, sheet_keys in zip(reads, keys, strict=True):
        for sheet, key in zip(read.sheets, sheet_keys, strict=True):
            sheets.setdefault(key, []).append(sheet)
    found: list[Finding] = []
    for paper, key in reports:
        if paper.report is None:
            continue
        forms = DepartmentForms(key, sheets[key]) if key in sheets else None
        found.extend(f for f in check_report(paper.report, forms) if profile.runs(f.rule))
    found.sort(key=finding_order)
    return with_standing(found, finding_keys(found, {}), {})
