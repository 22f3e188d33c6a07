"""One chunk of departments: rules over its stacked frames, then the scored workbooks of its files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from xltool.model.names import group_forms
from xltool.model.records import Finding, WorkbookRead
from xltool.rules.profile import Profile
from xltool.run import progress
from xltool.run.spool import Spooled, load_reads
from xltool.write.report import finding_order, sheet_order, spool_findings, with_finding_counts, write_sorted

if TYPE_CHECKING:
    from xltool.rules.engine import Context
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


def check_workbooks(
    reads: Sequence[WorkbookRead], profile: Profile, keys: Sequence[Sequence[str]] | None = None
) -> tuple[list[Finding], Context]:
    """Run every rule over some read workbooks at once; ``keys`` gives each form sheet's department.

    Without ``keys`` the departments are grouped from the forms themselves (as a run does).
    """
    from xltool.rules.engine import run_rules
    from xltool.rules.frames import build_frames

    if keys is None:
        flat = [(r.file, s.kind, s.department) for r in reads for s in r.sheets]
        grouped = iter(group_forms(flat))
        keys = [[next(grouped) for _ in r.sheets] for r in reads]
    forms = [
        pair
        for read, sheet_keys in zip(reads, keys, strict=True)
        for pair in zip(sheet_keys, read.sheets, strict=True)
    ]
    findings, ctx = run_rules(build_frames(forms), profile)
    findings.sort(key=finding_order)
    return findings, ctx


# (number, [(file index, department key of each form sheet)], spooled reads, spool folder, OUT, profile,
#  each file's output path relative to OUT by file index)
ChunkTask = tuple[
    int, list[tuple[int, list[str]]], list[Spooled], str, str, Profile, dict[int, PurePosixPath]
]


def process_chunk(task: ChunkTask) -> ChunkResult:
    """Rules over a chunk's stacked frames, then the scored workbooks of its files."""
    from xltool.rules.results import department_records
    from xltool.write.scored import write_scored_workbooks

    number, chunk, spooled, spool, out, profile, outputs = task
    reads = load_reads(spooled)
    names = {
        read.file: outputs[index] for read, (index, _) in zip(reads, chunk, strict=True) if index in outputs
    }
    findings, ctx = check_workbooks(reads, profile, [keys for _, keys in chunk])
    written, locations, scored = write_scored_workbooks(
        Path(out), reads, ctx, findings, progress.ON_WRITTEN, names
    )
    findings_file = os.path.join(spool, f"findings-{number:06d}.jsonl")
    counts = spool_findings(Path(findings_file), findings, locations, sheet_order(reads))
    departments = with_finding_counts(department_records(ctx), counts)
    departments_file = os.path.join(spool, f"departments-{number:06d}.jsonl")
    write_sorted(Path(departments_file), (([d["name"]], d) for d in departments))
    projects = sum(len(d["projects"]) for d in departments)
    return ChunkResult(
        departments_file, findings_file, len(departments), projects, dict(counts.total), written, scored
    )
