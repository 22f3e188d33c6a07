"""What the library's calls give back: a workbook read, and the departments and findings of a check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.model.records import SEVERITY_ORDER, Finding, FormKind, FormSheet, InputKind, Status, WorkbookRead
from xltool.write.report import finding_json, report_head

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Sheet:
    """A sheet of a workbook: a recognised form (status ``ok``) or one skipped, with the reason."""

    name: str
    kind: FormKind | None
    status: str  # "ok" | "skipped"
    message: str | None = None  # why it was skipped
    department: str | None = None  # as the form states it
    project: str | None = None  # 附件3 项目名称
    year: int | None = None


@dataclass(frozen=True)
class Workbook:
    """One workbook as read (`xltool.read`): its recognised forms, the sheets skipped and why, its values."""

    path: Path
    file: str  # the name findings and reports use
    status: Status  # ok | skipped (not one of the forms) | error (unreadable; ``message`` says why)
    kind: FormKind | None  # the form of the first recognised sheet
    message: str | None
    sheets: tuple[Sheet, ...]
    record: WorkbookRead = field(repr=False)

    @property
    def forms(self) -> tuple[FormSheet, ...]:
        """The records read from the recognised sheets (every value with its cell)."""
        return self.record.sheets

    def frames(self) -> dict[str, pd.DataFrame]:
        """Tidy frames ``forms``, ``figures``, ``texts``, ``indicators``; every row has file, sheet, cell."""
        from xltool.read.tidy import workbook_frames

        return workbook_frames(self.record)


def sheets_of(read: WorkbookRead) -> tuple[Sheet, ...]:
    """The recognised and the skipped sheets of a read workbook, as `Sheet` records."""
    forms = tuple(Sheet(s.sheet, s.kind, "ok", None, s.department, s.project, s.year) for s in read.sheets)
    return forms + tuple(Sheet(name, None, "skipped", reason) for name, reason in read.skipped_sheets)


def workbook(path: Path, read: WorkbookRead) -> Workbook:
    """The `Workbook` of one read."""
    return Workbook(path, read.file, read.status, read.kind, read.message, sheets_of(read), read)


@dataclass(frozen=True)
class InputFile:
    """One input of a check: whether it was read, and its sheets."""

    file: str
    kind: InputKind | None
    status: Status
    message: str | None
    sheets: tuple[Sheet, ...]


@dataclass(frozen=True)
class Project:
    """A 附件3 project as scored under the profile."""

    name: str
    file: str
    sheet: str
    score: float | None
    self_score: float | None  # the 总分 the form states
    grade: str | None
    execution_rate: float | None  # a fraction: 0.826, not 82.6
    findings: dict[str, int]  # by severity


@dataclass(frozen=True)
class Department:
    """A department's forms as scored: its 附件2 score and grade, its projects, its findings by severity.

    ``record`` is the department as report.json gives it (basic data, budget lines, derived rates).
    """

    name: str
    year: int | None
    score: float | None  # the 附件2 score under the profile (None without a 附件2)
    self_score: float | None
    grade: str | None
    projects: tuple[Project, ...]
    findings: dict[str, int]
    record: dict[str, Any] = field(repr=False, compare=False)


def _project(item: dict[str, Any]) -> Project:
    return Project(
        item["name"],
        item["file"],
        item["sheet"],
        item["score"],
        item["self_score"],
        item["grade"],
        item["budget"]["execution_rate"],
        dict(item["findings"]),
    )


def department(record: dict[str, Any]) -> Department:
    """A report.json department record as a `Department`."""
    table = record["department_table"] or {}
    return Department(
        record["name"],
        record["year"],
        table.get("score"),
        table.get("self_score"),
        table.get("grade"),
        tuple(_project(p) for p in record["projects"]),
        dict(record["findings"]),
        record,
    )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `xltool.check`: inputs, departments and findings, nothing written."""

    profile: str
    inputs: tuple[InputFile, ...]
    departments: tuple[Department, ...]
    findings: tuple[Finding, ...]
    input_records: tuple[dict[str, Any], ...] = field(repr=False, compare=False)
    fingerprint: str = field(default="", repr=False, compare=False)  # what the results depend on
    # The departments whose rules failed: their files (now `error` inputs) and the technical detail.
    failures: tuple[tuple[tuple[str, ...], str], ...] = field(default=(), repr=False, compare=False)

    def counts(self) -> dict[str, int]:
        """Findings by severity, inputs by status (inputs_ok …), departments and projects."""
        counts = {severity: 0 for severity in SEVERITY_ORDER}
        for f in self.findings:
            counts[f.severity] += 1
        for i in self.inputs:
            counts[f"inputs_{i.status}"] = counts.get(f"inputs_{i.status}", 0) + 1
        counts["departments"] = len(self.departments)
        counts["projects"] = sum(len(d.projects) for d in self.departments)
        return counts

    @property
    def has_errors(self) -> bool:
        """Whether an error finding or an unreadable input exists (what ``--strict`` fails on)."""
        return any(f.severity == "error" for f in self.findings) or any(
            i.status == "error" for i in self.inputs
        )

    def findings_frame(self) -> pd.DataFrame:
        """The findings as a pandas DataFrame, one row each, with the columns of report.json."""
        import pandas as pd

        # The columns of every finding, then those of a written report's (family N: paragraph, quote …).
        columns = list(finding_json(Finding("", "info", "", "", "", "", paragraph=1)))
        return pd.DataFrame.from_records([finding_json(f) for f in self.findings], columns=columns)

    @property
    def report(self) -> dict[str, Any]:
        """The report.json document (without scored-workbook locations: a check writes none)."""
        findings = [{**finding_json(f), "round": "new"} for f in self.findings]
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITY_ORDER}
        counts |= {s: sum(1 for f in self.findings if f.status == s) for s in ("open", "explained")}
        counts["accepted"] = sum(1 for f in self.findings if f.review == "接受")
        return {
            **report_head(self.profile),
            "fingerprint": self.fingerprint,
            "inputs": list(self.input_records),
            "departments": [d.record for d in self.departments],
            "findings": findings,
            "resolved": [],
            "counts": counts,
        }

    def to_json(self) -> str:
        """The report.json document as text, formatted as `xltool reconcile` writes it."""
        return json.dumps(self.report, ensure_ascii=False, indent=2) + "\n"
