"""`xltool draft`: each department's 自评报告 first draft from its forms (documents.md).

The workbooks are read in worker processes and grouped by department as a check does; the rules run
too, for the rule scores the draft states beside the self-stated ones. One draft per department.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from xltool.model.records import FormSheet
from xltool.read.intake import Source
from xltool.rules.forms_view import DepartmentForms
from xltool.rules.profile import Profile
from xltool.run.chunks import check_workbooks, department_results
from xltool.run.cycle import take_in
from xltool.run.plan import chunk_groups, department_groups, department_keys
from xltool.run.progress import Progress
from xltool.run.spool import SPOOL_PREFIX, load_reads
from xltool.run.workers import read_all
from xltool.write.atomic import checked_target, not_written, output_names, safe_part
from xltool.write.report import FindingCounts


@dataclass
class DraftResult:
    """The drafts written (relative to OUT), those that could not be (with why), and the inputs not read."""

    out: Path
    written: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)  # input file → why


MSG_EXISTS = "已存在同名文件（可能已经修改过），未覆盖；请换一个输出文件夹，或确认可以覆盖后加 --force"


def write_drafts(
    sources: Sequence[Source],
    out: Path,
    profile: Profile,
    jobs: int,
    notify: Progress,
    overwrite: bool = False,
) -> DraftResult:
    """A draft for every department the inputs hold, written into OUT (an existing file kept unless
    ``overwrite``: a department may be editing an earlier draft)."""
    from xltool.write.draft import draft_name, write_draft

    result = DraftResult(out)
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX)
    try:
        known, tasks = take_in(sources, spool, None)
        entries = sorted([*known, *read_all(tasks, jobs, notify)], key=lambda e: e.index)
        result.unreadable = {e.file: str(e.message) for e in entries if e.status == "error"}
        spooled = {e.index: e.spooled for e in entries if e.spooled is not None}
        per_file = department_keys(entries)
        for chunk in chunk_groups(department_groups(per_file), per_file, None, jobs):
            reads = load_reads([spooled[i] for i, _ in chunk])
            keys = [k for _, k in chunk]
            found, ctx = check_workbooks(reads, profile, keys)
            counts = FindingCounts()
            for f in found:
                counts.add(f)
            records = {d["name"]: d for d in department_results(ctx, found, counts, {})}
            sheets: dict[str, list[FormSheet]] = {}
            for read, sheet_keys in zip(reads, keys, strict=True):
                for key, sheet in zip(sheet_keys, read.sheets, strict=True):
                    sheets.setdefault(key, []).append(sheet)
            names = output_names(
                [safe_part(draft_name(k, DepartmentForms(k, s).year)) for k, s in sheets.items()], ".docx"
            )
            for key, members in sheets.items():
                forms = DepartmentForms(key, members)
                relative = names[safe_part(draft_name(key, forms.year))]
                target = checked_target(out, PurePosixPath(relative))
                if target.exists() and not overwrite:
                    result.failed[str(relative)] = MSG_EXISTS
                    continue
                try:
                    write_draft(target, forms, records.get(key))
                    result.written.append(str(relative))
                except Exception as exc:  # one draft's failure is reported; the others are written
                    result.failed[str(relative)] = not_written(f"自评报告初稿（{key}）", exc)
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    result.written.sort()
    return result
