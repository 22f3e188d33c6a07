"""A check without writing: read in worker processes, run the rules, keep departments and findings.

Its fault boundary is a run's (`boundary.py`): a chunk whose rules raise is checked again department
by department, and a department that fails again makes its files `error` entries with a Chinese
message (the traceback kept in the result's ``failures``); the others' results are unchanged.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xltool.model.records import Finding
from xltool.read.intake import Source
from xltool.rules.profile import Profile
from xltool.run.boundary import departments_of, detail_of
from xltool.run.chunks import check_chunk, department_results
from xltool.run.cycle import Plan, chunk_extras, fingerprint, plan_run, take_in
from xltool.run.plan import chunk_groups, input_json
from xltool.run.progress import Progress
from xltool.run.results import CheckResult, InputFile, Sheet, department
from xltool.run.spool import SPOOL_PREFIX, Spooled, load_spooled
from xltool.run.workers import read_all
from xltool.write.report import FindingCounts, department_order, finding_order, sheet_order

MSG_CHECK_FAILED = (
    "核对本部门的表格时程序出错，本部门没有核对结果（其他部门不受影响）；"
    "请把这些表格和技术细节（结果的 failures）一并反馈给工具维护人员"
)


def check_files(sources: Sequence[Source], profile: Profile, jobs: int, notify: Progress) -> CheckResult:
    """Check the inputs found at intake: the findings and departments of every file, in report.json's order.

    The records read are spooled to a temporary folder of the system's (removed before returning),
    as a run spools them; the rules run in this process, one chunk of departments at a time. Copies
    of a form and written reports of one department are resolved as a run resolves them (one kept,
    the others ``superseded``), so a check finds what `reconcile` reports.
    """
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX)
    try:
        known, tasks = take_in(sources, spool, None)
        read = sorted([*known, *read_all(tasks, jobs, notify)], key=lambda e: e.index)
        plan = plan_run(read, sources, None, Path(spool))  # no earlier round: nothing is reused
        entries, per_file = plan.entries, plan.per_file
        spooled = {e.index: e.spooled for e in entries if e.spooled is not None}
        chunks = chunk_groups(plan.groups, per_file, None, jobs)
        total, done = sum(len(c) for c in chunks), 0
        findings: list[Finding] = []
        departments: list[dict[str, Any]] = []
        order: dict[tuple[str, str], int] = {}
        failures: list[tuple[tuple[int, ...], str]] = []
        for chunk in chunks:
            try:
                parts = [_check_chunk(chunk, spooled, profile, plan)]
            except Exception:  # checked again one department at a time: only the failing one is lost
                parts = []
                for group in departments_of(chunk):
                    try:
                        parts.append(_check_chunk(group, spooled, profile, plan))
                    except Exception as exc:
                        failures.append((tuple(sorted(i for i, _ in group)), detail_of(exc)))
            for found, results, sheets in parts:
                findings.extend(found)
                departments.extend(results)
                order.update(sheets)
            done += len(chunk)
            notify("check", done, total)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    failed = {index for files, _ in failures for index in files}
    entries = [
        dataclasses.replace(e, status="error", message=MSG_CHECK_FAILED) if e.index in failed else e
        for e in entries
    ]
    by_index = {e.index: e.file for e in entries}
    findings.sort(key=lambda f: finding_order(f, order))
    departments.sort(key=lambda d: department_order(str(d["name"])))
    inputs = tuple(
        InputFile(
            e.file,
            e.kind,
            e.status,
            e.message,
            tuple(Sheet(s, k, "ok", None, d) for s, k, d, _ in e.sheets)
            + tuple(Sheet(s, None, "skipped", m) for s, m in e.skipped_sheets),
        )
        for e in entries
    )
    return CheckResult(
        profile.name,
        inputs,
        tuple(department(d) for d in departments),
        tuple(findings),
        tuple(input_json(e, per_file.get(e.index, ())) for e in entries),
        fingerprint(profile, None),
        tuple((tuple(by_index[i] for i in files), detail) for files, detail in failures),
    )


def _check_chunk(
    chunk: Sequence[tuple[int, list[str]]], spooled: dict[int, Spooled], profile: Profile, plan: Plan
) -> tuple[list[Finding], list[dict[str, Any]], dict[tuple[str, str], int]]:
    """One chunk's findings (its written reports' too), department records and sheet order (raises what
    its rules raise)."""
    extras = chunk_extras(plan, chunk, {})  # the sheets set aside as copies, their I-DUPLICATE notes
    checked = check_chunk(load_spooled([spooled[i] for i, _ in chunk]), chunk, profile, extras)
    found = [*checked.findings, *checked.report_findings]
    counts = FindingCounts()
    for f in found:
        counts.add(f)
    results = department_results(checked.ctx, found, counts, {}) if checked.ctx is not None else []
    return found, results, sheet_order(checked.reads)
