"""Read the cell grids of a workbook into form records, finding every value by its label.

Pure Python, no file I/O (``read_file`` asks `xltool.read.sources` for the grids). Each sheet gets one
label index (`xltool.read.labels`), built in one pass over its cells; every lookup afterwards goes through
that index, so a sheet costs well under a millisecond however its rows and columns are arranged. This
module recognises which form a sheet is and reads its texts and title; the grids and lists
(`xltool.read.grids`) and the indicator table (`xltool.read.indicators`) are read by the parts it
inherits. Forms repeat their texts across a batch, so what is derived from a short text (its labels and
the terms they match, an amount, a target) is computed once per process and cached.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath

from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import DEPARTMENT, LEGACY_DEPARTMENT_SIGNATURE, NON_FORM_SHEET_NAMES
from xltool.forms.terms import AMOUNT_UNITS, Term, label_core
from xltool.model.caching import short_text_cache

# One normalisation of department names for the whole package; re-exported for the reader's callers.
from xltool.model.names import normalise_department
from xltool.model.records import Figure, FormSheet, Text, WorkbookRead
from xltool.read.cells import _blank, _label_text, _text, a1
from xltool.read.duplicates import filled_date
from xltool.read.formulas import SheetFormulas, evaluate_sheet
from xltool.read.grids import _GridReading
from xltool.read.indicators import _IndicatorReading
from xltool.read.intake import Source, member_bytes
from xltool.read.labels import (
    FOOTER_TERMS,
    LAYOUT_TERMS,
    MAX_ROWS,
    PROJECT_NAME,
    RECOGNITION_ORDER,
    Label,
    Rows,
    Sheet,
    layout_terms,
)
from xltool.read.returned import is_scored, strip_returned
from xltool.read.sources import (
    SourceError,
    check_name,
    classify_bytes,
    relative_name,
    sources_of,
    workbook_bytes,
)

__all__ = ["a1", "normalise_department", "read_file", "read_source", "read_workbook"]


LEGACY_MESSAGE = (
    "旧版湖南部门整体支出绩效评价表（投入/过程/产出/效果），暂不支持评分；"
    "请改用部门整体支出绩效自评表（财政部2020版）"
)

_YEAR_IN_BRACKETS = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年(?:度)?\s*[)）]")
_YEAR_WITH_DU = re.compile(r"((?:19|20)\d{2})\s*年度")
_YEAR_ANY = re.compile(r"((?:19|20)\d{2})\s*年")


# ---------------------------------------------------------------------------------------------
# Titles and column headers


# How a title states its year, best first: （2022年度）, 2022年度, 2022年.
_TITLE_YEARS = (_YEAR_IN_BRACKETS, _YEAR_WITH_DU, _YEAR_ANY)


@dataclass(frozen=True, slots=True)
class _TitleText:
    """What `_FormReader._title_year` reads from a text above a form's labels."""

    compact: str  # NFKC, without whitespace
    years: tuple[int | None, ...]  # the year each of _TITLE_YEARS finds, if any


# Titles repeat across a batch (部门整体支出绩效自评表, （2022年度）): each is read once per process.
@short_text_cache(maxsize=4096)
def _title_text(text: str) -> _TitleText:
    """A text above a form's labels, read for its title and year."""
    normal = unicodedata.normalize("NFKC", text)
    years = tuple(int(match.group(1)) if (match := p.search(normal)) else None for p in _TITLE_YEARS)
    return _TitleText("".join(normal.split()), years)


# ---------------------------------------------------------------------------------------------
# One sheet


class _FormReader(_GridReading, _IndicatorReading):
    """Reads one sheet recognised as ``layout`` into a FormSheet."""

    def __init__(self, file: str, name: str, sheet: Sheet, layout: FormLayout) -> None:
        self.file = file
        self.name = name
        self.sheet = sheet
        self.layout = layout
        self.missing: list[tuple[str, str]] = []
        self.figures: list[Figure] = []
        self.column_years: dict[str, int] = {}
        self.header_cells: set[tuple[int, int]] = set()
        self.scales: dict[str, Decimal] = {}
        self.units: dict[str, str] = {}
        self.label_cells = self._label_cells()
        self.indicator_header = self._indicator_header()
        self.footer_rows = self._footer_rows()
        self.boundaries = self._boundaries()

    def read(self) -> FormSheet:
        """Everything the layout declares, read from the sheet."""
        layout = self.layout
        texts = self._texts()
        title_year, title_cell = self._title_year()
        header_year = self._read_grids(title_year)
        for block in layout.lists:
            self._read_list(block)
        rows, total_weight, total_score, extra_columns = self._read_indicators()
        # 附件1's year is the year of its 预算数 column; the others state it in the title.
        year = (header_year or title_year) if layout.kind == "basic_data" else (title_year or header_year)
        department = texts.get("department")
        project = texts.get("project") if layout.kind == "project" else None
        variant, missing = recognised_variant(layout, self.missing)
        footer, notes = self._footer()
        return FormSheet(
            file=self.file,
            sheet=self.name,
            kind=layout.kind,
            department=department.value if department else None,
            year=year,
            project=project.value if project else None,
            texts=texts,
            figures=tuple(self.figures),
            indicators=tuple(rows),
            total_weight=total_weight,
            total_score=total_score,
            column_years=self.column_years,
            missing=tuple(message for _, message in missing),
            extra_columns=tuple(extra_columns),
            title_cell=title_cell,
            units=self.units,
            variant=variant,
            footer=footer,
            notes=notes,
        )

    # -- structure ------------------------------------------------------------------------

    def _label_cells(self) -> set[tuple[int, int]]:
        """Cells holding one of the form's labels: never a value."""
        numbers = LAYOUT_TERMS.get(id(self.layout))
        if numbers is not None:
            return {(label.row, label.col) for label in self.sheet.find_all(numbers)}
        cells: set[tuple[int, int]] = set()
        for term in layout_terms(self.layout):
            cells.update((label.row, label.col) for label, _ in self.sheet.find(term))
        return cells

    def _footer_rows(self) -> list[int]:
        rows = {label.row for term in FOOTER_TERMS for label, _ in self.sheet.find(term)}
        rows.update(self.sheet.note_rows)
        return sorted(rows)

    def _boundaries(self) -> list[int]:
        """Rows where a block starts: grid corners, list headings, text fields, indicator header, footer."""
        layout = self.layout
        rows = set(self.footer_rows)
        for term in (
            *(g.corner for g in layout.grids if g.corner is not None),
            *(b.heading for b in layout.lists if b.heading is not None),
            *(f.term for f in layout.fields),
        ):
            rows.update(label.row for label, _ in self.sheet.find(term))
        if self.indicator_header is not None:
            rows.add(self.indicator_header[0])
        return sorted(rows)

    # -- text fields and title ------------------------------------------------------------

    def _texts(self) -> dict[str, Text]:
        texts: dict[str, Text] = {}
        for text_field in self.layout.fields:
            label, found = None, None
            for label, _ in self.sheet.find(text_field.term):
                found = self._field_value(label)
                # 单位：万元 above a form is its unit, not the 单位 (department) it names.
                if found is None or found[0].strip() not in AMOUNT_UNITS:
                    break
                label, found = None, None
            if found is not None:
                texts[text_field.key] = Text(text_field.key, found[0], found[1])
            if text_field.key in ("department", "project") and label is None:
                self._missing(f"field:{text_field.key}", f"未找到“{text_field.term.text}”（在表头区域查找）")
        return texts

    def _field_value(self, label: Label) -> tuple[str, str] | None:
        """(value, cell): inline, else right of the label up to the next label, else just below it."""
        if label.inline is not None:
            return label.inline, a1(label.row, label.col)
        row = self.sheet.rows[label.row]
        for c in range(label.col + 1, len(row)):
            if row[c] is None:
                continue
            if (label.row, c) in self.label_cells:
                break
            value = _text(row[c])
            if value:
                return value, a1(label.row, c)
        # 预期目标 / 实际完成情况 head a column: the text is below them.
        below = self.sheet.cell(label.row + 1, label.col)
        if not _blank(below) and (label.row + 1, label.col) not in self.label_cells:
            return _text(below), a1(label.row + 1, label.col)
        return None

    def _footer(self) -> tuple[dict[str, Text], tuple[Text, ...]]:
        """The values after the footer labels (填报日期：…) and the free notes on the rows below them."""
        footer: dict[str, Text] = {}
        labels = {
            text: found[0][0] for text in self.layout.footer if (found := self.sheet.find(_footer_term(text)))
        }
        used = {(label.row, label.col) for label in labels.values()}
        last = max((label.row for label in labels.values()), default=-1)
        for text, label in labels.items():
            value, cell = label.inline, a1(label.row, label.col)
            row, right = self.sheet.rows[label.row], (label.row, label.col + 1)
            free = right not in used and right not in self.label_cells
            if value is None and free and right[1] < len(row) and not _blank(row[right[1]]):
                value, cell = _text(row[right[1]]), a1(*right)
                used.add(right)
            if value:
                footer[text] = Text(text, value, cell)
        if last < 0:
            return footer, ()
        printed = {label_core(note) for note in self.layout.notes}
        notes = [
            Text("note", _text(value), a1(r, c))
            for r in range(last, len(self.sheet.rows))
            for c, value in enumerate(self.sheet.rows[r])
            if not _blank(value) and (r, c) not in used and (r, c) not in self.label_cells
            if label_core(_text(value)) not in printed
        ]
        return footer, tuple(notes)

    def _title_year(self) -> tuple[int | None, str | None]:
        """(year, title cell) from the rows above the form's first label."""
        first_label = min((r for r, _ in self.label_cells), default=len(self.sheet.rows))
        cells = [
            (r, c, _title_text(value))
            for r in range(first_label)
            for c, value in enumerate(self.sheet.rows[r])
            if isinstance(value, str)
        ]
        title = label_core(self.layout.title)
        title_cell = next((a1(r, c) for r, c, text in cells if title in text.compact), None)
        for i in range(len(_TITLE_YEARS)):
            for r, c, text in cells:
                year = text.years[i]
                if year is not None:
                    return year, title_cell or a1(r, c)
        return None, title_cell


@short_text_cache(maxsize=64)
def _footer_term(text: str) -> Term:
    """The label term of a footer text (填报日期：)."""
    return Term(label_core(text))


# ---------------------------------------------------------------------------------------------
# Workbooks


def recognised_variant(
    layout: FormLayout, missing: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]]:
    """The declared variants whose omissions are all missing (their names joined), and what else is."""
    keys = {key for key, _ in missing}
    variants = [v for v in layout.variants if set(v.omits) <= keys]
    if not variants:
        return "", missing
    omitted = {key for v in variants for key in v.omits}
    # An omitted block's parts (按收入性质分 → its items) go with it.
    rest = [(k, m) for k, m in missing if k not in omitted and not _part_of(k, omitted)]
    return "、".join(v.name for v in variants), rest


def _part_of(key: str, omitted: set[str]) -> bool:
    kind, _, name = key.partition(":")
    block = name.split(".")[0]
    return kind in ("item", "row", "column") and any(o.endswith(f":{block}") for o in omitted)


def _recognise(sheet: Sheet) -> FormLayout | None:
    for layout in RECOGNITION_ORDER:
        if all(sheet.find(term) for term in layout.signature):
            if layout is DEPARTMENT and sheet.find(PROJECT_NAME):
                continue
            return layout
    return None


def _unrecognised_reason(sheet: Sheet) -> str:
    """Why a sheet is no form, naming the labels the nearest form lacks."""
    if all(sheet.find(term) for term in LEGACY_DEPARTMENT_SIGNATURE):
        return LEGACY_MESSAGE
    nearest = max(RECOGNITION_ORDER, key=lambda layout: sum(bool(sheet.find(t)) for t in layout.signature))
    lacking = [t for t in nearest.signature if not sheet.find(t)]
    if len(lacking) == len(nearest.signature):
        lacking = [layout.signature[0] for layout in RECOGNITION_ORDER]
    names = "”“".join(_label_text(t) for t in lacking)
    return f"未识别为附件1/2/3表格（缺少“{names}”等标签），已跳过"


def _is_instruction_sheet(name: str) -> bool:
    core = "".join(unicodedata.normalize("NFKC", name).split())
    return core in NON_FORM_SHEET_NAMES or any(len(n) >= 4 and n in core for n in NON_FORM_SHEET_NAMES)


def _read_sheet(
    file: str, name: str, rows: Rows, formulas: dict[tuple[int, int], str | None] | None = None
) -> FormSheet | str:
    """A FormSheet, or the Chinese reason the sheet is skipped.

    A sheet is recognised from its first MAX_ROWS rows (a form's labels are at its top, and a long
    data sheet stays cheap); a recognised form is then read whole, however long its indicator table.
    """
    if formulas and any(text is not None for text in formulas.values()):
        rows = evaluate_sheet(rows)  # formulas saved without their results
    head = rows[:MAX_ROWS]
    if all(value is None for row in head for value in row):
        return "空白工作表"
    if _is_instruction_sheet(name):
        return f"未识别为附件1/2/3表格（工作表“{name}”是说明页，缺少表格标签），已跳过"
    sheet = Sheet(head)
    layout = _recognise(sheet)
    if layout is not None and len(rows) > MAX_ROWS:
        sheet = Sheet(rows)
    if layout is None:
        return _unrecognised_reason(sheet)
    form = _FormReader(file, name, sheet, layout).read()
    if formulas:
        form = dataclasses.replace(form, formula_cells=frozenset(a1(r, c) for r, c in formulas))
    return form


def read_workbook(
    file: str, grids: list[tuple[str, Rows]], formulas: SheetFormulas | None = None
) -> WorkbookRead:
    """Recognise and read every form sheet of a workbook given as (sheet name, rows of values).

    ``formulas`` (sheet → its formula cells, from `read_sources`) lets a formula stored without its
    result be evaluated, and the rules know which computed cells hold a formula.
    """
    sheets: list[FormSheet] = []
    skipped: list[tuple[str, str]] = []
    for name, rows in grids:
        result = _read_sheet(file, name, rows, formulas.get(name) if formulas else None)
        if isinstance(result, str):
            skipped.append((name, result))
        else:
            sheets.append(result)
    if not sheets:
        if not skipped:
            return WorkbookRead(
                file, "skipped", None, "工作簿中没有工作表，已跳过；请确认提交的是附件1/2/3表格"
            )
        reasons = "；".join(f"“{name}”：{reason}" for name, reason in skipped)
        message = f"未找到附件1/2/3表格，已跳过（{reasons}）；请确认提交的是附件1/2/3表格"
        return WorkbookRead(file, "skipped", None, message, (), tuple(skipped))
    return WorkbookRead(file, "ok", sheets[0].kind, None, tuple(sheets), tuple(skipped))


def read_file(path: Path, root: Path) -> WorkbookRead:
    """Read one input file; never raises: an unreadable file gives status 'skipped' or 'error'.

    No time limit and nothing silenced here: a worker process reads through `xltool.read.worker`.
    """
    return _read_file(lambda: workbook_bytes(path), relative_name(path, root))


def read_source(source: Source) -> WorkbookRead:
    """Read one input found at intake (a file, or a member of a zip package); never raises."""
    if not source.members:
        return _read_file(lambda: workbook_bytes(source.path), source.file)

    def member() -> tuple[bytes, SheetFormulas]:
        name = PurePosixPath(source.file).name
        check_name(name)
        return classify_bytes(member_bytes(source), PurePosixPath(name).suffix)

    return _read_file(member, source.file)


def _read_file(load: Callable[[], tuple[bytes, SheetFormulas]], file: str) -> WorkbookRead:
    """Read a workbook's bytes (``load`` classifies them).

    A scored workbook sent back (cycle.md) is read without what xltool added to it; its 审核结果 rows
    (finding key, 情况说明, 审核意见) are kept with the read.
    """
    try:
        data, found = load()
        returned = is_scored(data)
        grids, formulas = sources_of(data, found, max_rows=MAX_ROWS)
    except SourceError as exc:
        return WorkbookRead(file, exc.status, None, exc.message)
    except Exception as exc:
        message = f"无法读取工作簿（{type(exc).__name__}：{exc}），请用Excel或WPS打开后另存为.xlsx再提交"
        return WorkbookRead(file, "error", None, message)
    try:
        explanations: tuple[tuple[str, str | None, str | None], ...] = ()
        if returned:
            grids, rows = strip_returned(grids)
            explanations = tuple((e.key, e.explanation, e.review) for e in rows)
        read = read_workbook(file, grids, formulas)
        cut = {name for name, rows in grids if len(rows) >= MAX_ROWS}
        if cut & {s.sheet for s in read.sheets}:  # a form longer than the rows read first: read it whole
            grids, formulas = sources_of(data, found)
            if returned:
                grids, _ = strip_returned(grids)
            read = read_workbook(file, grids, formulas)
        if returned:  # its plain numbers in computed cells are figures xltool kept, not typed over formulas
            sheets = tuple(dataclasses.replace(s, formula_cells=frozenset()) for s in read.sheets)
            read = dataclasses.replace(read, sheets=sheets)
        return dataclasses.replace(
            read, filled_on=filled_date(grids), returned=returned, explanations=explanations
        )
    except Exception as exc:  # a reader bug must not stop a batch of 30,000 files
        message = (
            f"读取表格内容时出错（{type(exc).__name__}：{exc}）；请核对表格是否为附件1/2/3的格式，"
            "如仍有问题请把此文件反馈给工具维护人员"
        )
        return WorkbookRead(file, "error", None, message)
