"""Records that flow from the reader to the rules and the writers.

Every value keeps where it came from: the file (relative to INPUT, ``/`` separators) on the sheet
record, the sheet name, and the A1 cell of the input workbook. An ``Anchor`` names the same value in
layout terms, so a writer can find the cell again in a workbook rendered from the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Literal

from xltool.model.pickling import compact_pickle, slot_init
from xltool.model.values import Value

Status = Literal["ok", "skipped", "error", "superseded"]
Severity = Literal["error", "warning", "info"]
FormKind = Literal["basic_data", "department", "project"]
# What an input is, as report.json's ``kind`` says: one of the forms, or a written report (documents.md).
InputKind = Literal["basic_data", "department", "project", "report"]

# ("figure", block, row, column) | ("indicator", index, column) | ("text", key) | ("total", column)
#   | ("sheet",) — the whole sheet (structure findings)
Anchor = tuple[str, ...]


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class Figure:
    """One numeric cell of a grid or list block (amount, rate, count, score)."""

    block: str  # grid or list key of the layout: "spending", "staff", "budget", "by_source" …
    row: str  # row key of the layout
    column: str  # column key of the layout ("value" for list blocks)
    value: Decimal | None  # parsed; None when blank, "——", or unparsable (see problem)
    raw: object  # as read, for messages and for writing back
    cell: str  # A1 in the input sheet
    problem: str | None = None  # Chinese message when the text could not be read as a number

    @property
    def anchor(self) -> Anchor:
        """This figure's place in layout terms."""
        return ("figure", self.block, self.row, self.column)


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class Text:
    """A labelled text value (names, goals, 厉行节约保障措施)."""

    key: str
    value: str
    cell: str


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One 三级指标 row of the indicator table."""

    index: int  # 0-based position in the table
    row: int  # 1-based row number in the input sheet
    level1: str  # 一级指标 label without its weight (产出指标)
    level1_key: str | None  # layout key: output / benefit / satisfaction, None if unknown
    level1_weight: Decimal | None  # weight written into the 一级 label, e.g. 产出指标(50分)
    level2: str
    name: str
    target_raw: object
    actual_raw: object
    target: Value
    actual: Value
    weight: Decimal | None
    self_score: Decimal | None
    reason: str
    cells: dict[str, str]  # column key (name, target, actual, weight, score, reason …) → A1
    extras: tuple[tuple[str, str], ...] = ()  # (header as written, value) of extra columns
    problems: tuple[tuple[str, str], ...] = ()  # (column key, Chinese message) for unreadable cells
    criterion: str = ""  # 评价标准: the scoring tiers the row states (the older Hunan table), as written


@dataclass(frozen=True)
class FormSheet:
    """One sheet recognised as one of the three forms, with everything read from it."""

    file: str
    sheet: str
    kind: FormKind
    department: str | None
    year: int | None
    project: str | None  # 附件3 项目名称
    texts: dict[str, Text]
    figures: tuple[Figure, ...]
    indicators: tuple[IndicatorRow, ...] = ()
    total_weight: Figure | None = None  # the 总分 row's 分值 (100)
    total_score: Figure | None = None  # the 总分 row's 得分: the self-declared total
    column_years: dict[str, int] = field(default_factory=dict)  # 附件1: column key → year in its header
    missing: tuple[str, ...] = ()  # required labels not found, as Chinese phrases
    extra_columns: tuple[str, ...] = ()  # headers of indicator columns beyond the official ones
    title_cell: str | None = None
    units: dict[str, str] = field(default_factory=dict)  # block → money unit as written, when not 万元
    variant: str = ""  # the published variant recognised (what it omits by design), "" for the official form
    formula_cells: frozenset[str] = frozenset()  # A1 of the cells holding a formula (.xlsx), cached or not
    # What the department wrote after the footer labels, by label ("填报日期：" → 2023年3月28日), and the
    # free notes below the form (not the form's own 说明), so that a scored copy keeps them.
    footer: dict[str, Text] = field(default_factory=dict)
    notes: tuple[Text, ...] = ()

    def figure(self, block: str, row: str, column: str) -> Figure | None:
        """The figure at a layout position, if the sheet has it."""
        return self._figure_index.get((block, row, column))

    @cached_property
    def _figure_index(self) -> dict[tuple[str, str, str], Figure]:
        # The first figure wins, as a scan would; built once, on first use (also after unpickling).
        index: dict[tuple[str, str, str], Figure] = {}
        for f in self.figures:
            index.setdefault((f.block, f.row, f.column), f)
        return index


@dataclass(frozen=True)
class WorkbookRead:
    """What came of reading one input file."""

    file: str  # relative to INPUT, "/" separators
    status: Status
    kind: FormKind | None
    message: str | None
    sheets: tuple[FormSheet, ...] = ()
    skipped_sheets: tuple[tuple[str, str], ...] = ()  # (sheet, Chinese reason)
    filled_on: str | None = None  # the latest 填报日期 written on it (ISO), for choosing among copies
    returned: bool = False  # a scored workbook sent back (cycle.md)
    # (finding key, 情况说明, 审核意见) of each row of a returned workbook's 审核结果 sheet
    explanations: tuple[tuple[str, str | None, str | None], ...] = ()


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found, pointing at a cell of an input workbook."""

    rule: str
    severity: Severity
    file: str
    sheet: str
    cell: str
    message: str
    expected: float | str | None = None  # a figure the cell should hold (computed), never a limit
    actual: float | str | None = None
    department: str = ""
    anchor: Anchor = ("sheet",)
    threshold: float | str | None = None  # the limit the figure crossed (a setting or a bound)
    rule_name: str = ""  # the rule's short Chinese name (from the catalogue)
    basis: str | None = None  # the policy document and clause the rule rests on (from the catalogue)
    # A finding on a written report (family N) points at a paragraph and quotes its sentence; its
    # ``sheet`` and ``cell`` are empty, and ``expected_at`` names the form cell the figure comes from.
    paragraph: int | None = None
    quote: str | None = None
    expected_at: tuple[str, str, str] | None = None  # (file, sheet, cell)
    # Across review rounds (cycle.md): the finding key, the department's 情况说明, the reviewer's
    # 审核意见 and the resulting status (open / explained).
    key: str = ""
    explanation: str | None = None
    review: str | None = None
    status: str = "open"


@dataclass(frozen=True)
class WrittenReport:
    """A written report (自评报告, .docx or .txt) as its non-empty paragraphs, and whose it is."""

    file: str  # relative to INPUT, "/" separators
    title: str  # the first paragraph
    department: str | None  # as the title or the file name names it
    year: int | None
    paragraphs: tuple[str, ...]  # non-empty paragraphs, in order (paragraph n is paragraphs[n - 1])


@dataclass(frozen=True)
class ReportRead:
    """What came of reading a written report in a run: the report, or why not, and the bytes read."""

    file: str  # relative to INPUT, "/" separators
    status: Status
    message: str | None
    report: WrittenReport | None = None
    data: bytes = b""  # the document as read (bounded), for its annotated copy


SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
