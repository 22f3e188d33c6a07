"""A run's Word documents: the 审核意见书 of every department and the batch's 审核报告 (documents.md).

They are written from the same spooled streams as the summary and report.json: the department records
in name order, and the findings file (JSON lines in report order). One pass over the findings notes
where each department's lines are (byte offsets, not the findings), so that memory stays flat however
large the batch; each letter then reads its own lines back. A document that cannot be written is a
failure in the run's result, and never stops the other documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.rules.profile import Profile
from xltool.write.atomic import checked_target, not_written, output_names, safe_part
from xltool.write.batch_report import BatchTally
from xltool.write.letter import LETTERS_FOLDER
from xltool.write.names import BATCH_REPORT_NAME

Records = Callable[[], Iterator[dict[str, Any]]]


@dataclass
class DocumentsResult:
    """The documents written (relative to OUT) and those that could not be, with why."""

    written: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)  # department → its letter written


def letter_names(departments: Records) -> dict[str, PurePosixPath]:
    """Department name → its letter's path relative to OUT (sanitised, unique ignoring case)."""
    wanted = {f"{LETTERS_FOLDER}/{safe_part(d['name'])}.docx": str(d["name"]) for d in departments()}
    names = output_names(list(wanted), ".docx")
    return {wanted[file]: path for file, path in names.items()}


def finding_offsets(findings_file: Path, tally: BatchTally | None = None) -> dict[str, list[int]]:
    """Department → the byte offsets of its lines in the findings file; each finding counted in ``tally``."""
    offsets: dict[str, list[int]] = {}
    with open(findings_file, "rb") as fh:
        position = 0
        for line in fh:
            item = json.loads(line)
            offsets.setdefault(str(item.get("department") or ""), []).append(position)
            if tally is not None:
                tally.add_finding(item)
            position += len(line)
    return offsets


def _read_at(fh: Any, offsets: list[int]) -> list[dict[str, Any]]:
    items = []
    for at in offsets:
        fh.seek(at)
        items.append(json.loads(fh.readline()))
    return items


def write_letters(
    out: Path, departments: Records, findings_file: Path, profile: str, tally: BatchTally | None = None
) -> DocumentsResult:
    """Every department's 审核意见书 under OUT/审核意见书/ (each department kept in ``tally`` too)."""
    from xltool.write.letter import write_letter

    result = DocumentsResult()
    names = letter_names(departments)
    offsets = finding_offsets(findings_file, tally)
    with open(findings_file, "rb") as fh:
        for record in departments():
            if tally is not None:
                tally.add_department(record)
            relative = names[str(record["name"])]
            try:
                findings = _read_at(fh, offsets.get(str(record["name"]), []))
                write_letter(checked_target(out, relative), record, findings, profile)
                result.written.append(str(relative))
                result.letters[str(record["name"])] = str(relative)
            except Exception as exc:  # one letter's failure is reported, and the others are written
                result.failed[str(relative)] = not_written(f"审核意见书（{record['name']}）", exc)
    return result


def write_documents(
    out: Path,
    departments: Records,
    findings_file: Path,
    profile: Profile,
    inputs: Records,
    counts: dict[str, int],
) -> DocumentsResult:
    """The letters, then the batch's 审核报告 (documents.md)."""
    from xltool.write.batch_report import write_batch_report

    tally = BatchTally(low_rate=profile.low_execution_rate)
    result = write_letters(out, departments, findings_file, profile.title, tally)
    for item in inputs():
        tally.add_input(item)
    try:
        write_batch_report(
            checked_target(out, PurePosixPath(BATCH_REPORT_NAME)), tally, counts, profile.title
        )
        result.written.append(BATCH_REPORT_NAME)
    except Exception as exc:  # reported in the run's result, as any output not written
        result.failed[BATCH_REPORT_NAME] = not_written(BATCH_REPORT_NAME, exc)
    return result
