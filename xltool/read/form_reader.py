"""One sheet recognised as a form, read into a FormSheet: its texts, title, grids, lists and indicators.

Every lookup goes through the sheet's label index (`xltool.read.labels`); the grids and lists
(`xltool.read.grids`) and the indicator table (`xltool.read.indicators`) are read by the parts
`FormReader` inherits. Titles repeat across a batch, so what a title text gives is cached per process.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from xltool.forms.blocks import FormLayout
from xltool.forms.terms import AMOUNT_UNITS, Term, label_core
from xltool.model.caching import short_text_cache
from xltool.model.records import Figure, FormSheet, Text
from xltool.read.cells import a1, blank, cell_text
from xltool.read.grids import GridReading
from xltool.read.indicators import IndicatorReading
from xltool.read.labels import FOOTER_TERMS, LAYOUT_TERMS, Label, Sheet, layout_terms

_YEAR_IN_BRACKETS = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年(?:度)?\s*[)）]")
_YEAR_WITH_DU = re.compile(r"((?:19|20)\d{2})\s*年度")
_YEAR_ANY = re.compile(r"((?:19|20)\d{2})\s*年")


# ---------------------------------------------------------------------------------------------
# Titles and column headers


# How a title states its year, best first: （2022年度）, 2022年度, 2022年.
_TITLE_YEARS = (_YEAR_IN_BRACKETS, _YEAR_WITH_DU, _YEAR_ANY)


@dataclass(frozen=True, slots=True)
class _TitleText:
    """What `FormReader._title_year` reads from a text above a form's labels."""

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


class FormReader(GridReading, IndicatorReading):
    """Reads one sheet recognised as ``layout`` into a FormSheet."""

    def __init__(self, file: str, name: str, sheet: Sheet, layout: FormLayout) -> None:
        self.file = file
        self.name = name
        self.sheet = sheet
        self.layout = layout
        self.missing: list[tuple[str, str]] = []
        self.shown: set[str] = set()  # what the sheet shows of its layout's variants (`Variant.shows`)
        self.grade: Text | None = None
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
        if self.grade is not None:  # 总分 | 100 | 95.3 | 优
            texts["grade"] = self.grade
        # 附件1's year is the year of its 预算数 column; the others state it in the title.
        year = (header_year or title_year) if layout.kind == "basic_data" else (title_year or header_year)
        department = texts.get("department")
        project = texts.get("project") if layout.kind == "project" else None
        variant, missing = recognised_variant(layout, self.missing, self.shown)
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
            value = cell_text(row[c])
            if value:
                return value, a1(label.row, c)
        # 预期目标 / 实际完成情况 head a column: the text is below them.
        below = self.sheet.cell(label.row + 1, label.col)
        if not blank(below) and (label.row + 1, label.col) not in self.label_cells:
            return cell_text(below), a1(label.row + 1, label.col)
        return None

    def _footer(self) -> tuple[dict[str, Text], tuple[Text, ...]]:
        """The values after the footer labels (填报日期：…) and the free notes on the rows below the form."""
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
            if value is None and free and right[1] < len(row) and not blank(row[right[1]]):
                value, cell = cell_text(row[right[1]]), a1(*right)
                used.add(right)
            if value:
                footer[text] = Text(text, value, cell)
        if last < 0:  # a form without footer labels (附件2, 附件3) ends at its 总分 row
            if self.total_row is None:
                return footer, ()
            last = self.total_row + 1
        printed = {label_core(note) for note in self.layout.notes}
        notes = [
            Text("note", cell_text(value), a1(r, c))
            for r in range(last, len(self.sheet.rows))
            for c, value in enumerate(self.sheet.rows[r])
            if not blank(value) and (r, c) not in used and (r, c) not in self.label_cells
            if label_core(cell_text(value)) not in printed
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
    layout: FormLayout, missing: list[tuple[str, str]], shown: set[str] | frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str]]]:
    """The declared variants whose omissions are all missing and whose marks are all ``shown`` (their
    names joined), and what else is missing."""
    keys = {key for key, _ in missing}
    matched = [v for v in layout.variants if set(v.omits) <= keys and set(v.shows) <= shown]
    # Of two variants omitting the same, the one showing more is the one the sheet is.
    variants = [
        v
        for v in matched
        if not any(set(w.omits) >= set(v.omits) and set(w.shows) > set(v.shows) for w in matched)
    ]
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
