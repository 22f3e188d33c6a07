"""Read the cell grids of a workbook into form records, finding every value by its label.

Pure Python, no file I/O (``read_file`` asks `xltool.read.sources` for the grids). Each sheet gets one
label index (`xltool.read.labels`), built in one pass over its cells; every lookup afterwards goes through
that index, so a sheet costs well under a millisecond however its rows and columns are arranged. This
module recognises which form a sheet is and reads its blocks (grids, lists, the indicator table,
texts). Forms repeat their texts across a batch, so what is derived from a short text (its labels and
the terms they match, an amount, a target) is computed once per process and cached.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xltool.forms.layouts import (
    DEPARTMENT,
    LEGACY_DEPARTMENT_SIGNATURE,
    LEVEL1,
    NON_FORM_SHEET_NAMES,
    FormLayout,
    Grid,
    ListBlock,
    Role,
    Term,
    Total,
    label_core,
    label_year,
)
from xltool.model.caching import SHORT_TEXT, short_text_cache

# One normalisation of department names for the whole package; re-exported for the reader's callers.
from xltool.model.names import normalise_department
from xltool.model.records import Figure, FormSheet, IndicatorRow, Text, WorkbookRead
from xltool.model.values import (
    AmountError,
    Quantity,
    Value,
    parse_amount,
    parse_rate,
    parse_value,
    to_decimal,
)
from xltool.read.labels import (
    FOOTER_TERMS,
    LAYOUT_TERMS,
    MAX_ROWS,
    PROJECT_NAME,
    RECOGNITION_ORDER,
    BestKeys,
    Label,
    Rows,
    Sheet,
    layout_terms,
)
from xltool.read.sources import SourceError, read_grids, relative_name

__all__ = ["a1", "normalise_department", "read_file", "read_workbook"]

# A file that takes longer than this to read is given up (its Python part: calamine is not interrupted).
TIME_LIMIT_SECONDS = 30.0
TIMEOUT_MESSAGE = (
    "读取超时（超过{seconds}秒），已停止处理此文件；文件可能过大或结构异常，"
    "请删除多余的工作表和空白行列后另存，再重新提交"
)
# How far below a grid's corner label its column headers may start.
HEADER_SEARCH_ROWS = 5

LEGACY_MESSAGE = (
    "旧版湖南部门整体支出绩效评价表（投入/过程/产出/效果），暂不支持评分；"
    "请改用部门整体支出绩效自评表（财政部2020版）"
)

_YEAR_IN_BRACKETS = re.compile(r"[（(]\s*((?:19|20)\d{2})\s*年(?:度)?\s*[)）]")
_YEAR_WITH_DU = re.compile(r"((?:19|20)\d{2})\s*年度")
_YEAR_ANY = re.compile(r"((?:19|20)\d{2})\s*年")
_LEVEL1_WEIGHT = re.compile(r"^(.*?)[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分?\s*[)）]$")


# ---------------------------------------------------------------------------------------------
# Small helpers


@functools.cache
def _column_letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.lru_cache(maxsize=16384)  # forms keep their cells in the first rows and columns
def a1(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, column)."""
    return f"{_column_letters(col)}{row + 1}"


def _text(value: object) -> str:
    """A cell value as text: numbers without a spurious ``.0``, None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _all_blank(*values: object) -> bool:
    for value in values:
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _label_text(term: Term) -> str:
    """A term as printed, without its year placeholders, for messages."""
    return term.text.replace("{Y-1}年", "").replace("{Y}年", "").replace("（{Y}年完工项目）", "")


def _short_text(raw: object) -> bool:
    """Whether ``raw`` is a text short enough for the parse caches (forms repeat such texts)."""
    return type(raw) is str and len(raw) <= SHORT_TEXT


def _number(raw: object, fmt: str) -> tuple[Decimal | None, str | None]:
    """(value, problem) of a numeric cell in a layout format (amount, rate, score, count, area)."""
    if raw is None:
        return None, None
    if type(raw) is float:
        # Scores repeat (2, 3, 10 …), amounts seldom. The cache keys by value: -0.0 equals 0.0 and
        # nan equals nothing, so neither goes into it.
        if fmt == "score" and raw == raw and raw != 0:
            return _cached_number(raw, fmt)
        if fmt != "rate":  # a finite float is its own amount, count or area
            number = to_decimal(raw)
            if number is not None:
                return number, None
    elif _short_text(raw):
        return _cached_number(raw, fmt)
    return _parse_number(raw, fmt)


def _parse_number(raw: object, fmt: str) -> tuple[Decimal | None, str | None]:
    """`_number` without its shortcuts."""
    try:
        if fmt == "rate":
            return parse_rate(raw), None
        if fmt == "amount":
            return parse_amount(raw), None
    except AmountError as exc:
        return None, str(exc)
    number = to_decimal(raw)
    if number is not None or raw is None:
        return number, None
    try:
        if parse_amount(raw) is None:  # the marks of an empty cell: ——, 无, #DIV/0! …
            return None, None
    except AmountError:
        pass
    value = parse_value(raw)  # "8.5分", "216人", "1200㎡"
    if value is None:
        return None, None
    if isinstance(value, Quantity) and value.op == "" and value.unit != "%":
        return value.number, None
    what = {"score": "分数", "count": "人数", "area": "面积"}.get(fmt, "数字")
    return None, f"无法把“{_text(raw)}”读作{what}：请填写数字，或留空、填“——”"


# Forms repeat the same texts (——, 无, 8.5分 …) and scores: each (value, format) is parsed once per process.
_cached_number = functools.lru_cache(maxsize=8192)(_parse_number)


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
# Grids


def _year_offset(grid: Grid, key: str) -> int | None:
    """The year of a column's header relative to the form year: -1 for ``{Y-1}年决算数``, 0 for ``{Y}``."""
    text = grid.column(key).term.text
    if "{Y-1}" in text:
        return -1
    return 0 if "{Y}" in text else None


def _form_year_from(grid: Grid, years: dict[str, int]) -> int | None:
    """The form year that the years written in the column headers imply."""
    for key, year in years.items():
        offset = _year_offset(grid, key)
        if offset is not None:
            return year - offset
    return None


def _parts_suffix(grid: Grid, relation: Total) -> str:
    """The ending the labels of a total's parts share: 专项 of 业务工作专项, 运行维护专项, 其他专项."""
    return _common_suffix([grid.row(p).term.cores()[0] for p in relation.parts])


def _common_suffix(texts: Sequence[str]) -> str:
    suffix = texts[0] if texts else ""
    for text in texts[1:]:
        while not text.endswith(suffix):
            suffix = suffix[1:]
    return suffix


# id(total) → `_parts_suffix`, for the totals of the recognised layouts (which live as long as this module).
_PART_SUFFIXES = {
    id(relation): _parts_suffix(grid, relation)
    for layout in RECOGNITION_ORDER
    for grid in layout.grids
    for relation in grid.totals
}


# ---------------------------------------------------------------------------------------------
# One sheet


class _FormReader:
    """Reads one sheet recognised as ``layout`` into a FormSheet."""

    def __init__(self, file: str, name: str, sheet: Sheet, layout: FormLayout) -> None:
        self.file = file
        self.name = name
        self.sheet = sheet
        self.layout = layout
        self.missing: list[str] = []
        self.figures: list[Figure] = []
        self.column_years: dict[str, int] = {}
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
            missing=tuple(self.missing),
            extra_columns=tuple(extra_columns),
            title_cell=title_cell,
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
            rows.add(self.indicator_header)
        return sorted(rows)

    def _next_boundary(self, after: int, skip: Iterable[int] = ()) -> int:
        skipped = set(skip)
        return next((r for r in self.boundaries if r > after and r not in skipped), len(self.sheet.rows))

    # -- text fields and title ------------------------------------------------------------

    def _texts(self) -> dict[str, Text]:
        texts: dict[str, Text] = {}
        for text_field in self.layout.fields:
            label = self.sheet.first(text_field.term)
            found = self._field_value(label) if label is not None else None
            if found is not None:
                texts[text_field.key] = Text(text_field.key, found[0], found[1])
            if text_field.key in ("department", "project") and label is None:
                self.missing.append(f"未找到“{text_field.term.text}”（在表头区域查找）")
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

    # -- grids ----------------------------------------------------------------------------

    def _read_grids(self, title_year: int | None) -> int | None:
        """Read every grid into figures; returns the form year its column headers imply, if any."""
        header_year: int | None = None
        for grid in self.layout.grids:
            implied = self._read_grid(grid, title_year)
            header_year = header_year or implied
        return header_year

    def _read_grid(self, grid: Grid, title_year: int | None) -> int | None:
        sheet = self.sheet
        corner = sheet.first(grid.corner) if grid.corner is not None else None
        corner_name = (
            _label_text(grid.corner) if grid.corner is not None else _label_text(grid.columns[0].term)
        )
        single = len(grid.rows) == 1
        if corner is not None:
            stop = self._next_boundary(corner.row)
            end = stop if single else min(stop, corner.row + HEADER_SEARCH_ROWS + 1)
            headers = self._header_rows(grid, range(corner.row, end), title_year)
        else:
            headers = self._header_rows(grid, range(len(sheet.rows)), title_year)
            if headers and not single:
                headers = [max(headers, key=lambda h: len(h[1]))]
        if not headers:
            names = "”“".join(_label_text(c.term) for c in grid.columns[:3])
            where = f"在“{corner_name}”右侧和下方查找" if corner is not None else "在整张表中查找"
            self.missing.append(f"未找到“{names}”等列标题（{where}）")
            return None
        header_row, columns = headers[0]
        own_rows = [r for r, _ in headers] + ([corner.row] if corner is not None else [])
        stop = self._next_boundary(header_row, skip=own_rows)
        if single:
            self._read_single_row(grid, headers, stop)
        else:
            self._read_labelled_rows(grid, header_row, columns, stop, corner_name)
        found = {key for _, mapping in headers for key in mapping}
        for i, column in enumerate(grid.columns):
            if column.key not in found and any(row.roles[i] == "input" for row in grid.rows):
                self.missing.append(f"未找到“{_label_text(column.term)}”列（在“{corner_name}”的标题行查找）")
        years = {key: y for key, c in columns.items() if (y := label_year(sheet.cell(header_row, c)))}
        if all("{Y" in c.term.text for c in grid.columns):  # 附件1 经费控制情况: every column has a year
            self.column_years.update(years)
        return _form_year_from(grid, years)

    def _header_rows(
        self, grid: Grid, rows: range, title_year: int | None
    ) -> list[tuple[int, dict[str, int]]]:
        """Rows in ``rows`` holding at least two of the grid's column labels, each with key → column."""
        keyed = [(c.key, c.term) for c in grid.columns]
        by_row: dict[int, list[Label]] = {}
        for _, term in keyed:
            for label, _ in self.sheet.find(term):
                if label.row in rows:
                    by_row.setdefault(label.row, []).append(label)
        headers = []
        for r in sorted(by_row):
            if len({(label.col) for label in by_row[r]}) < 2:
                continue
            mapping = self._assign_columns(grid, r, self.sheet.best_keys(by_row[r], keyed), title_year)
            if len(mapping) >= 2:
                headers.append((r, mapping))
        return headers

    def _assign_columns(self, grid: Grid, r: int, best: BestKeys, title_year: int | None) -> dict[str, int]:
        """Column key → column; a header matching several keys (决算数) goes by its year, then by order."""
        mapping: dict[str, int] = {}
        ambiguous: list[tuple[int, list[str]]] = []
        for (_, c), (_, keys) in sorted(best.items(), key=lambda item: item[0][1]):
            if len(keys) == 1:
                mapping.setdefault(keys[0], c)
            else:
                ambiguous.append((c, keys))
        if not ambiguous:
            return mapping
        years = {key: y for key, c in mapping.items() if (y := label_year(self.sheet.cell(r, c)))}
        form_year = _form_year_from(grid, years) or title_year
        for c, keys in ambiguous:
            free = [k for k in keys if k not in mapping]
            year = label_year(self.sheet.cell(r, c))
            if year is not None and form_year is not None:
                free = [k for k in free if _year_offset(grid, k) == year - form_year] or free
            if free:
                mapping[free[0]] = c
        return mapping

    def _read_labelled_rows(
        self, grid: Grid, header_row: int, columns: dict[str, int], stop: int, corner_name: str
    ) -> None:
        first_value_col = min(columns.values())
        rows = range(header_row + 1, stop)
        candidates = [label for label in self.sheet.labels_in(rows) if label.col < first_value_col]
        best = self.sheet.best_keys(candidates, [(row.key, row.term) for row in grid.rows])
        positions: dict[str, int] = {}
        for (r, _), (_, keys) in sorted(best.items()):
            positions.setdefault(keys[0], r)
        for row in grid.rows:
            at = positions.get(row.key)
            if at is not None:
                self._add_figures(grid, row.key, row.roles, at, columns)
            elif row.key not in grid.optional_rows:
                self.missing.append(f"未找到“{_label_text(row.term)}”行（在“{corner_name}”下方查找）")
        taken = {r for r, _ in best}
        for total in grid.totals:
            self._read_extra_parts(grid, total, candidates, taken, positions, stop, columns)

    def _read_extra_parts(
        self,
        grid: Grid,
        relation: Total,
        candidates: list[Label],
        taken: set[int],
        positions: dict[str, int],
        stop: int,
        columns: dict[str, int],
    ) -> None:
        """Rows beyond a total's declared parts, like ``4、信息化专项``, as ``<total>_extra_<n>``."""
        total, parts = relation.total, relation.parts
        start = positions.get(total)
        if start is None:
            return
        suffix = _PART_SUFFIXES.get(id(relation))
        if suffix is None:
            suffix = _parts_suffix(grid, relation)
        if not suffix:
            return
        end = min((r for k, r in positions.items() if r > start and k not in parts), default=stop)
        rows = sorted(
            {label.row for label in candidates if start < label.row < end and label.core.endswith(suffix)}
            - taken
        )
        roles = grid.row(parts[-1]).roles
        for n, r in enumerate(rows, start=1):
            self._add_figures(grid, f"{total}_extra_{n}", roles, r, columns)

    def _read_single_row(self, grid: Grid, headers: list[tuple[int, dict[str, int]]], stop: int) -> None:
        """A one-row grid, possibly split over several header rows each followed by its values (楼堂馆所)."""
        row = grid.rows[0]
        mapped: set[str] = set()
        for i, (header_row, mapping) in enumerate(headers):
            columns = {k: c for k, c in mapping.items() if k not in mapped}
            if not columns:
                continue
            mapped.update(columns)
            end = headers[i + 1][0] if i + 1 < len(headers) else stop
            value_row = self._value_row(row.term, header_row, end, columns)
            if value_row is not None:
                self._add_figures(grid, row.key, row.roles, value_row, columns)

    def _value_row(self, term: Term, header_row: int, end: int, columns: dict[str, int]) -> int | None:
        """The row labelled ``term``, else the first row below the header with values, else the next row."""
        label = self.sheet.first(term, range(header_row + 1, end))
        if label is not None:
            return label.row
        for r in range(header_row + 1, end):
            if any(not _blank(self.sheet.cell(r, c)) for c in columns.values()):
                return r
        return header_row + 1 if header_row + 1 < end else None

    def _add_figures(
        self, grid: Grid, row_key: str, roles: tuple[Role, ...], r: int, columns: dict[str, int]
    ) -> None:
        rows = self.sheet.rows
        row = rows[r] if 0 <= r < len(rows) else []
        for column, role in zip(grid.columns, roles, strict=True):
            c = columns.get(column.key)
            if c is None or role == "blank" or not 0 <= c < len(row):  # no such cell in the file
                continue
            raw = row[c]
            value, problem = _number(raw, column.fmt)
            self.figures.append(Figure(grid.key, row_key, column.key, value, raw, a1(r, c), problem))

    # -- list blocks ----------------------------------------------------------------------

    def _read_list(self, block: ListBlock) -> None:
        """Label → value pairs under a heading; side-by-side blocks share rows but not columns."""
        sheet = self.sheet
        heading_term = block.heading
        if heading_term is None:
            return  # every declared list block has a heading
        heading = sheet.first(heading_term)
        if heading is None:
            self.missing.append(f"未找到“{_label_text(heading_term)}”（在整张表中查找）")
            return
        others = [
            label.col
            for other in self.layout.lists
            if other.heading is not None and other is not block
            for label, _ in sheet.find(other.heading)
            if label.row == heading.row and label.col > heading.col
        ]
        col_end = min(others, default=1 << 30)
        rows = range(heading.row, self._next_boundary(heading.row))
        candidates = [label for label in sheet.labels_in(rows) if heading.col <= label.col < col_end]
        best = sheet.best_keys(candidates, [(item.key, item.term) for item in block.items])
        found: dict[str, tuple[int, int]] = {}
        for pos, (_, keys) in sorted(best.items()):
            found.setdefault(keys[0], pos)
        by_pos = {(label.row, label.col): label.inline for label in candidates if label.inline is not None}
        for item in block.items:
            at = found.get(item.key)
            if at is None:
                self.missing.append(
                    f"未找到“{_label_text(item.term)}”（在“{_label_text(heading_term)}”下方查找）"
                )
                continue
            r, c = at
            raw: object = by_pos.get(at)
            if at not in by_pos:
                value_col = self._list_value_col(r, c, col_end)
                if value_col is None:
                    continue
                c, raw = value_col, sheet.cell(r, value_col)
            value, problem = _number(raw, "amount")
            self.figures.append(Figure(block.key, item.key, "value", value, raw, a1(r, c), problem))

    def _list_value_col(self, r: int, label_col: int, col_end: int) -> int | None:
        """The column of the first value right of a list label, before the next label."""
        row = self.sheet.rows[r]
        for c in range(label_col + 1, min(col_end, len(row))):
            if (r, c) in self.label_cells:
                break
            if not _blank(row[c]):
                return c
        return label_col + 1 if label_col + 1 < min(col_end, len(row)) else None

    # -- indicator table ------------------------------------------------------------------

    def _indicator_header(self) -> int | None:
        table = self.layout.indicators
        if table is None:
            return None
        name_rows = {label.row for label, _ in self.sheet.find(table.column("name").term)}
        return next(
            (
                label.row
                for label, _ in self.sheet.find(table.column("level1").term)
                if label.row in name_rows
            ),
            None,
        )

    def _read_indicators(self) -> tuple[list[IndicatorRow], Figure | None, Figure | None, list[str]]:
        """The 三级指标 rows, the 总分 row's 分值 and 得分, and the headers of non-official columns."""
        table = self.layout.indicators
        if table is None:
            return [], None, None, []
        header = self.indicator_header
        if header is None:
            self.missing.append("未找到指标表的标题行（应有“一级指标”“三级指标”等列，在整张表中查找）")
            return [], None, None, []
        sheet = self.sheet
        level1_label = sheet.first(table.column("level1").term, range(header, header + 1))
        level1_col = level1_label.col if level1_label is not None else 0
        in_row = [label for label in sheet.labels_in(range(header, header + 1)) if label.col >= level1_col]
        keyed = [(c.key, c.term) for c in (*table.columns, *table.extra_columns)]
        columns: dict[str, int] = {}
        for (_, c), (_, keys) in sorted(self.sheet.best_keys(in_row, keyed).items(), key=lambda i: i[0][1]):
            columns.setdefault(keys[0], c)
        official = {c.key for c in table.columns}
        used = {c for k, c in columns.items() if k in official}
        extra = [
            (c, _text(value))
            for c, value in enumerate(sheet.rows[header])
            if c > level1_col and c not in used and not _blank(value)
        ]
        for column in table.columns:
            if column.required and column.key not in columns:
                self.missing.append(f"未找到指标表的“{column.term.text}”列（在“一级指标”所在的标题行查找）")

        value_cols = [columns[k] for k in ("target", "actual", "weight", "score") if k in columns]
        first_value_col = min(value_cols, default=1 << 30)
        total_label = next(
            (
                label
                for label, _ in sheet.find(table.total)
                if label.row > header and label.col < first_value_col
            ),
            None,
        )
        end = next((r for r in self.footer_rows if r > header), len(sheet.rows))
        if total_label is not None and total_label.row < end:
            end = total_label.row
        else:
            total_label = None
            self.missing.append(f"未找到“{table.total.text}”行（在指标表下方查找）")

        rows = _IndicatorRows(sheet, columns, extra).read(header + 1, end)
        total_weight = total_score = None
        if total_label is not None:
            total_weight = self._total_figure(total_label.row, columns, "weight")
            total_score = self._total_figure(total_label.row, columns, "score")
        return rows, total_weight, total_score, [text for _, text in extra]

    def _total_figure(self, r: int, columns: dict[str, int], key: str) -> Figure | None:
        c = columns.get(key)
        if c is None or not self.sheet.exists(r, c):
            return None
        raw = self.sheet.cell(r, c)
        value, problem = _number(raw, "score")
        return Figure("indicators", "total", key, value, raw, a1(r, c), problem)


# The indicator table's columns in the order `_IndicatorRows.values` gives them.
_INDICATOR_KEYS = (
    "level1",
    "level2",
    "name",
    "target",
    "actual",
    "weight",
    "score",
    "nature",
    "unit",
    "reason",
)


class _IndicatorRows:
    """The rows of an indicator table, with the merged 一级 / 二级 labels carried down."""

    def __init__(self, sheet: Sheet, columns: dict[str, int], extra: list[tuple[int, str]]) -> None:
        self.sheet = sheet
        self.extra = extra
        self.positions = [columns.get(key) for key in _INDICATOR_KEYS]
        self.letters = [(key, _column_letters(c)) for key, c in columns.items()]  # for the A1 of each cell

    def values(self, r: int) -> list[object]:
        """Row ``r``'s values in `_INDICATOR_KEYS` order; None for a column not found or not in the file."""
        row = self.sheet.rows[r] if 0 <= r < len(self.sheet.rows) else []
        width = len(row)
        return [row[c] if c is not None and 0 <= c < width else None for c in self.positions]

    def read(self, start: int, end: int) -> list[IndicatorRow]:
        """Rows ``start``..``end`` (exclusive) that hold an indicator."""
        out: list[IndicatorRow] = []
        level1, level1_key, level1_weight, level2 = "", None, None, ""
        for r in range(start, end):
            values = self.values(r)
            raw_level1, raw_level2, name, target_raw, actual_raw, weight_raw, score_raw = values[:7]
            if not _blank(raw_level1):
                new_level1, level1_weight, level1_key = _level1(_text(raw_level1))
                if new_level1 != level1:
                    level2 = ""
                level1 = new_level1
            if not _blank(raw_level2):
                level2 = _text(raw_level2)
            if _all_blank(name, target_raw, actual_raw, weight_raw, score_raw):
                continue
            weight, weight_problem = _number(weight_raw, "score")
            score, score_problem = _number(score_raw, "score")
            problems: tuple[tuple[str, str], ...] = ()
            if weight_problem or score_problem:
                problems = tuple(
                    (key, problem)
                    for key, problem in (("weight", weight_problem), ("score", score_problem))
                    if problem
                )
            nature, unit = _text(values[7]), _text(values[8])
            number = str(r + 1)
            out.append(
                IndicatorRow(
                    index=len(out),
                    row=r + 1,
                    level1=level1,
                    level1_key=level1_key,
                    level1_weight=level1_weight,
                    level2=level2,
                    name=_text(name),
                    target_raw=target_raw,
                    actual_raw=actual_raw,
                    target=_indicator_value(target_raw, nature, unit),
                    actual=_indicator_value(actual_raw, "", unit),
                    weight=weight,
                    self_score=score,
                    reason=_text(values[9]),
                    cells={key: letters + number for key, letters in self.letters},
                    extras=self._extras(r) if self.extra else (),
                    problems=problems,
                )
            )
        return out

    def _extras(self, r: int) -> tuple[tuple[str, str], ...]:
        """(header, value) of row ``r`` in the non-official columns."""
        return tuple((text, _text(self.sheet.cell(r, c))) for c, text in self.extra)


@short_text_cache(maxsize=1024)  # a batch has a handful of 一级指标 texts (产出指标(50分) …)
def _level1(text: str) -> tuple[str, Decimal | None, str | None]:
    """(一级指标, weight, layout key) of a 一级指标 cell: ``产出指标(50分)`` → (产出指标, 50, output)."""
    name, weight = _split_level1(text)
    return name, weight, next((lv.key for lv in LEVEL1 if lv.term.matches(name)), None)


def _split_level1(text: str) -> tuple[str, Decimal | None]:
    """``产出指标(50分)`` → (产出指标, 50)."""
    match = _LEVEL1_WEIGHT.match(unicodedata.normalize("NFKC", text).strip())
    if match is None or not match.group(1).strip():
        return text, None
    return match.group(1).strip(), Decimal(match.group(2))


def _indicator_value(raw: object, nature: str, unit: str) -> Value:
    """A target or actual, completed by the 指标性质 (≥ ≤ =) and 计量单位 columns where it lacks them."""
    if _short_text(raw) and len(nature) <= SHORT_TEXT and len(unit) <= SHORT_TEXT:
        return _cached_indicator_value(raw, nature, unit)
    return _completed_value(raw, nature, unit)


def _completed_value(raw: object, nature: str, unit: str) -> Value:
    """`_indicator_value` without its cache."""
    value = parse_value(raw)
    if not isinstance(value, Quantity):
        return value
    op = nature if not value.op else ""
    unit = unit if not value.unit else ""
    if not (op or unit):
        return value
    # 指标性质 may hold words (定性, 正向) rather than an operator: then only the unit is added.
    written = value.text if isinstance(raw, str) else _text(raw)  # 12.0 → "12"
    for text in (f"{op}{written}{unit}", f"{written}{unit}"):
        completed = parse_value(text)
        if isinstance(completed, Quantity):
            return completed
    return value


# Targets and actuals repeat across indicators and sheets (100%, ≥90%, 1个 …); the values are immutable.
_cached_indicator_value = functools.lru_cache(maxsize=8192)(_completed_value)


# ---------------------------------------------------------------------------------------------
# Workbooks


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


def _read_sheet(file: str, name: str, rows: Rows) -> FormSheet | str:
    """A FormSheet, or the Chinese reason the sheet is skipped."""
    rows = rows[:MAX_ROWS]
    if all(value is None for row in rows for value in row):
        return "空白工作表"
    if _is_instruction_sheet(name):
        return f"未识别为附件1/2/3表格（工作表“{name}”是说明页，缺少表格标签），已跳过"
    sheet = Sheet(rows)
    layout = _recognise(sheet)
    if layout is None:
        return _unrecognised_reason(sheet)
    return _FormReader(file, name, sheet, layout).read()


def read_workbook(file: str, grids: list[tuple[str, Rows]]) -> WorkbookRead:
    """Recognise and read every form sheet of a workbook given as (sheet name, rows of values)."""
    sheets: list[FormSheet] = []
    skipped: list[tuple[str, str]] = []
    for name, rows in grids:
        result = _read_sheet(file, name, rows)
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


class _TimeLimit(BaseException):
    """SIGALRM's signal that a file ran over TIME_LIMIT_SECONDS (a BaseException: no handler swallows it)."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (Python code only), in the main thread of a process."""
    if (
        seconds <= 0
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TimeLimit

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer > 0:  # an enclosing timer keeps what it had left
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


def read_file(path: Path, root: Path) -> WorkbookRead:
    """Read one input file; never raises: an unreadable file gives status 'skipped' or 'error'."""
    file = relative_name(path, root)
    try:
        with _time_limit(TIME_LIMIT_SECONDS):
            return _read_file(path, file)
    except _TimeLimit:
        return WorkbookRead(file, "error", None, TIMEOUT_MESSAGE.format(seconds=f"{TIME_LIMIT_SECONDS:g}"))


def _read_file(path: Path, file: str) -> WorkbookRead:
    """read_file without its time limit."""
    try:
        grids = read_grids(path, max_rows=MAX_ROWS)
    except SourceError as exc:
        return WorkbookRead(file, exc.status, None, exc.message)
    except Exception as exc:
        message = f"无法读取工作簿（{type(exc).__name__}：{exc}），请用Excel或WPS打开后另存为.xlsx再提交"
        return WorkbookRead(file, "error", None, message)
    try:
        return read_workbook(file, grids)
    except Exception as exc:  # a reader bug must not stop a batch of 30,000 files
        message = (
            f"读取表格内容时出错（{type(exc).__name__}：{exc}）；请核对表格是否为附件1/2/3的格式，"
            "如仍有问题请把此文件反馈给工具维护人员"
        )
        return WorkbookRead(file, "error", None, message)
