"""A check without writing: read in worker processes, run the rules, keep departments and findings."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence

from xltool.read.intake import Source
from xltool.rules.profile import Profile
from xltool.run.chunks import check_workbooks, department_results
from xltool.run.cycle import fingerprint, take_in
from xltool.run.plan import chunk_groups, department_groups, department_keys, input_json
from xltool.run.progress import Progress
from xltool.run.results import CheckResult, InputFile, Sheet, department
from xltool.run.spool import SPOOL_PREFIX, load_reads
from xltool.run.workers import read_all
from xltool.write.report import FindingCounts, finding_order, sheet_order


def check_files(sources: Sequence[Source], profile: Profile, jobs: int, notify: Progress) -> CheckResult:
    """Check the inputs found at intake: the findings and departments of every file, in report.json's order.

    The records read are spooled to a temporary folder of the system's (removed before returning),
    as a run spools them; the rules run in this process, one chunk of departments at a time.
    """
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX)
    try:
        known, tasks = take_in(sources, spool, None)
        entries = sorted([*known, *read_all(tasks, jobs, notify)], key=lambda e: e.index)
        spooled = {e.index: e.spooled for e in entries if e.spooled is not None}
        per_file = department_keys(entries)
        chunks = chunk_groups(department_groups(per_file), per_file, None, jobs)
        total, done = sum(len(c) for c in chunks), 0
        findings, departments, order = [], [], {}
        for chunk in chunks:
            reads = load_reads([spooled[i] for i, _ in chunk])
            found, ctx = check_workbooks(reads, profile, [keys for _, keys in chunk])
            counts = FindingCounts()
            for f in found:
                counts.add(f)
            departments.extend(department_results(ctx, found, counts, {}))
            findings.extend(found)
            order.update(sheet_order(reads))
            done += len(chunk)
            notify("check", done, total)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    findings.sort(key=lambda f: finding_order(f, order))
    departments.sort(key=lambda d: str(d["name"]))
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
    )
