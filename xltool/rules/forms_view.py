"""One department's forms as the written-report rules and the drafter look at them.

Figures are found by layout position (block, row, column) and come with where they stand, so that a
finding on a written report can say which cell of which form the text contradicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import PurePosixPath

from xltool.forms.layouts import FORMS
from xltool.forms.report_terms import MIN_NAME_CORE, PROJECT_NAME_SUFFIXES, Cell
from xltool.model.records import FormSheet, IndicatorRow
from xltool.model.statements import plain_text

_CENT = Decimal("0.01")
_YEAR_PREFIX = ("年度", "年")


@dataclass(frozen=True)
class FormFigure:
    """A figure of a form and where it stands."""

    value: Decimal
    file: str
    sheet: str
    cell: str

    @property
    def where(self) -> str:
        """The place as messages name it: 附件2 部门整体支出绩效自评表.xlsx › 部门整体支出绩效自评表!E5."""
        return f"{PurePosixPath(self.file).name} › {self.sheet}!{self.cell}"


def _core(text: str) -> str:
    return plain_text(text).replace("“", "").replace("”", "").replace('"', "").replace(" ", "")


def project_core(name: str) -> str:
    """A project's name as prose names it: no leading year (2021年度), no trailing 项目."""
    core = _core(name)
    if len(core) > 4 and core[:4].isdigit():
        rest = core[4:]
        for prefix in _YEAR_PREFIX:
            if rest.startswith(prefix):
                core = rest[len(prefix) :]
                break
    for suffix in PROJECT_NAME_SUFFIXES:
        if core.endswith(suffix) and len(core) - len(suffix) >= MIN_NAME_CORE:
            core = core[: -len(suffix)]
            break
    return core


class DepartmentForms:
    """The forms one department submitted: 附件1, 附件2 and the 附件3 of each project."""

    def __init__(self, name: str, sheets: Sequence[FormSheet], year: int | None = None) -> None:
        self.name = name
        self.basic = next((s for s in sheets if s.kind == "basic_data"), None)
        self.table = next((s for s in sheets if s.kind == "department"), None)
        self.projects = [s for s in sheets if s.kind == "project"]
        years = [s.year for s in sheets if s.year]
        self.year = year or (max(set(years), key=years.count) if years else None)

    def sheet_of(self, kind: str) -> FormSheet | None:
        """The department's 附件1 (basic_data) or 附件2 (department) sheet."""
        return self.basic if kind == "basic_data" else self.table if kind == "department" else None

    def figure(self, cell: Cell, sheet: FormSheet | None = None) -> FormFigure | None:
        """The figure at a cell of the department's forms (``sheet`` for a project's 附件3)."""
        kind, block, row, column = cell
        sheet = sheet or self.sheet_of(kind)
        if sheet is None:
            return None
        found = sheet.figure(block, row, column)
        if found is None or found.value is None:
            return None
        return FormFigure(found.value, sheet.file, sheet.sheet, found.cell)

    def list_stages(self, block: str) -> set[str]:
        """The budget columns (initial / full_year / executed) a 附件2 list block adds up to."""
        if self.table is None:
            return set()
        items = [f.value for f in self.table.figures if f.block == block and f.value is not None]
        if not items:
            return set()
        total = sum(items, Decimal(0))
        stages = set()
        for column in ("initial", "full_year", "executed"):
            whole = self.figure(("department", "budget", "total", column))
            if whole is not None and abs(whole.value - total) <= _CENT * len(items):
                stages.add(column)
        return stages

    def execution_rate(self, sheet: FormSheet | None = None) -> tuple[Decimal, FormFigure, FormFigure] | None:
        """全年执行数 ÷ 全年预算数 of 附件2 (or of a project's 附件3), with the two figures."""
        sheet = sheet or self.table
        if sheet is None:
            return None
        kind = sheet.kind
        executed = self.figure((kind, "budget", "total", "executed"), sheet)
        full_year = self.figure((kind, "budget", "total", "full_year"), sheet)
        if executed is None or full_year is None or full_year.value <= 0:
            return None
        return executed.value / full_year.value, executed, full_year

    def self_score(self, sheet: FormSheet | None = None) -> FormFigure | None:
        """The 总分 得分 a form states."""
        sheet = sheet or self.table
        if sheet is None or sheet.total_score is None or sheet.total_score.value is None:
            return None
        return FormFigure(sheet.total_score.value, sheet.file, sheet.sheet, sheet.total_score.cell)

    @cached_property
    def project_cores(self) -> list[tuple[str, FormSheet]]:
        """(name core, sheet) of every project whose core is long enough to name it."""
        cores = [(project_core(s.project or ""), s) for s in self.projects]
        return [(core, s) for core, s in cores if len(core) >= MIN_NAME_CORE]

    def projects_named(self, text: str) -> list[FormSheet]:
        """The projects a piece of text names."""
        plain = _core(text)
        return [s for core, s in self.project_cores if core in plain]

    def indicators(
        self, sheets: Sequence[FormSheet] | None = None
    ) -> list[tuple[str, IndicatorRow, FormSheet]]:
        """(name as prose writes it, row, sheet) of the indicators of the given sheets (default: 附件2)."""
        chosen = sheets if sheets is not None else [self.table] if self.table is not None else []
        return [
            (_core(row.name), row, s) for s in chosen for row in s.indicators if len(_core(row.name)) >= 3
        ]

    @staticmethod
    def form_title(kind: str) -> str:
        """The form's printed title (附件2 部门整体支出绩效自评表 …)."""
        return FORMS[kind].title  # type: ignore[index]
