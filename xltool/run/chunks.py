"""One chunk of departments: rules over its stacked frames, then the scored workbooks of its files."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from xltool.model.names import group_forms
from xltool.model.records import Finding, WorkbookRead
from xltool.rules.profile import Profile
from xltool.run import progress
from xltool.run.spool import Spooled, load_reads
from xltool.write.report import (
    FindingCounts,
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


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Rules over a chunk's stacked frames, then the scored workbooks of its files."""
    from xltool.write.scored import write_scored_workbooks

    number, chunk, spooled, spool, out, profile, outputs, extras = task
    loaded = load_reads(spooled)
    names = {
        read.file: outputs[index] for read, (index, _) in zip(loaded, chunk, strict=True) if index in outputs
    }
    reads, keys = _without_dropped(loaded, chunk, extras.dropped)
    findings, ctx = check_workbooks(reads, profile, keys, extras)
    written, locations, scored = write_scored_workbooks(
        Path(out), reads, ctx, findings, progress.ON_WRITTEN, names
    )
    findings_file = os.path.join(spool, f"findings-{number:06d}.jsonl")
    counts = spool_findings(Path(findings_file), findings, locations, sheet_order(reads))
    departments = department_results(ctx, findings, counts, extras.prior)
    departments_file = os.path.join(spool, f"departments-{number:06d}.jsonl")
    write_sorted(Path(departments_file), (([d["name"]], d) for d in departments))
    projects = sum(len(d["projects"]) for d in departments)
    return ChunkResult(
        departments_file, findings_file, len(departments), projects, dict(counts.total), written, scored
    )
