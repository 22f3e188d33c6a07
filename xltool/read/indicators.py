"""The indicator table of a sheet: its header, its rows with 一级 / 二级 carried down, its 总分 row."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal

from xltool.forms.blocks import FormLayout
from xltool.forms.indicator_table import LEAD, LEVEL1, IndicatorTable
from xltool.forms.layouts import GRADE_NAMES
from xltool.forms.terms import Term, label_core
from xltool.model.caching import SHORT_TEXT, short_text_cache
from xltool.model.magnitude import absurd, magnitude_problem
from xltool.model.records import Figure, IndicatorRow, Text
from xltool.model.rounding import fmt_num
from xltool.model.values import Qualitative, Quantity, Value, parse_value
from xltool.read.cells import a1, all_blank, blank, cell_number, cell_text, column_letters, short_text
from xltool.read.labels import Sheet

_LEVEL1_WEIGHT = re.compile(r"^(.*?)[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分?\s*[)）]$")
# How many rows an indicator table's header may take.
HEADER_ROWS = 3


@functools.cache
def _keyed_columns(table: IndicatorTable) -> list[tuple[str, Term]]:
    """(key, term) of the table's columns, official then extra."""
    return [(c.key, c.term) for c in (*table.columns, *table.extra_columns)]


class IndicatorReading:
    """Reads the indicator table of the sheet `FormReader` holds (its state is declared here)."""

    sheet: Sheet
    layout: FormLayout
    missing: list[tuple[str, str]]  # (what, Chinese message): see `Variant.omits` for the keys

    def _missing(self, key: str, message: str) -> None:
        self.missing.append((key, message))

    indicator_header: tuple[int, int] | None  # first and last row of the header block
    footer_rows: list[int]
    total_row: int | None = None  # the 总分 row, where the form ends (set by `_read_indicators`)
    shown: set[str]  # what the sheet shows of its layout's variants (`Variant.shows`)
    grade: Text | None  # a grade written in the 总分 row

    def _indicator_header(self) -> tuple[int, int] | None:
        """The first and last rows of the indicator table's header block (one row, or several)."""
        table = self.layout.indicators
        if table is None:
            return None
        name_rows = {label.row for label, _ in self.sheet.find(table.column("name").term)}
        for label, _ in self.sheet.find(table.column("level1").term):
            r = label.row
            # 三级指标 in the 一级指标 row, or in the row just above or below it (a header over two rows).
            near = [n for n in (r, r - 1, r + 1) if n in name_rows]
            if not near:
                continue
            first, last = min(r, *near), max(r, *near)
            while first > 0 and first > r - HEADER_ROWS + 1 and self._header_row(first - 1):
                first -= 1
            while last < r + HEADER_ROWS - 1 and self._header_row(last + 1):
                last += 1
            return first, last
        return None

    def _header_row(self, r: int) -> bool:
        """Whether row ``r`` continues an indicator header: labels of its columns only, no figures."""
        table = self.layout.indicators
        if table is None or not 0 <= r < len(self.sheet.rows):
            return False
        cells = [(c, v) for c, v in enumerate(self.sheet.rows[r]) if not blank(v)]
        if not cells or any(not isinstance(v, str) for _, v in cells):
            return False
        labels = self.sheet.labels_in(range(r, r + 1))
        keyed = _keyed_columns(table)
        matched = {pos for pos in self.sheet.best_keys(labels, keyed)}
        lead = table.lead
        return all((r, c) in matched or (lead is not None and lead.matches(v)) for c, v in cells) and bool(
            matched
        )

    def _header_columns(self, first: int, last: int, level1_col: int) -> dict[str, int]:
        """Column key → column, over the header rows: a lower row's label names its column before the
        group label spanning it above (年度指标值 over 指标性质 / 指标值 / 度量单位)."""
        table = self.layout.indicators
        assert table is not None
        keyed = _keyed_columns(table)
        columns: dict[str, int] = {}
        taken: set[int] = set()
        for r in range(last, first - 1, -1):
            in_row = [label for label in self.sheet.labels_in(range(r, r + 1)) if label.col >= level1_col]
            for (_, c), (_, keys) in sorted(
                self.sheet.best_keys(in_row, keyed).items(), key=lambda i: i[0][1]
            ):
                # Columns declared with one label (the Hunan table's three 分值) take its cells in order.
                key = next((k for k in keys if k not in columns), None)
                if c not in taken and key is not None:
                    columns[key] = c
                    taken.add(c)
        return columns

    def _header_texts(self, first: int, last: int) -> dict[int, str]:
        """Column → the lowest header text written in it."""
        texts: dict[int, str] = {}
        for r in range(first, last + 1):
            for c, value in enumerate(self.sheet.rows[r]):
                if not blank(value):
                    texts[c] = cell_text(value)
        return texts

    def _read_indicators(self) -> tuple[list[IndicatorRow], Figure | None, Figure | None, list[str]]:
        """The 三级指标 rows, the 总分 row's 分值 and 得分, and the headers of non-official columns."""
        table = self.layout.indicators
        if table is None:
            return [], None, None, []
        if self.indicator_header is None:
            self._missing(
                "indicators", "未找到指标表的标题行（应有“一级指标”“三级指标”等列，在整张表中查找）"
            )
            return [], None, None, []
        first, header = self.indicator_header
        sheet = self.sheet
        level1_label = sheet.first(table.column("level1").term, range(first, header + 1))
        level1_col = level1_label.col if level1_label is not None else 0
        columns = self._header_columns(first, header, level1_col)
        official = {c.key for c in table.columns}
        used = {c for k, c in columns.items() if k in official}
        extra = [
            (c, text)
            for c, text in sorted(self._header_texts(first, header).items())
            if c > level1_col and c not in used
        ]
        for column in table.columns:
            if column.required and column.key not in columns:
                self._missing(
                    f"column:indicators.{column.key}",
                    f"未找到指标表的“{column.term.text}”列（在“一级指标”所在的标题行查找）",
                )

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
            self._missing("row:indicators.total", f"未找到“{table.total.text}”行（在指标表下方查找）")

        rows = _IndicatorRows(sheet, columns, extra).read(header + 1, end)
        total_weight = total_score = None
        self.total_row = total_label.row if total_label is not None else None
        if total_label is not None:
            total_weight = self._total_figure(total_label.row, columns, "weight")
            total_score = self._total_figure(total_label.row, columns, "score")
            self.grade = self._total_grade(total_label.row, columns)
        self._variant_marks(table, first, header, level1_col, columns)
        return rows, total_weight, total_score, [text for _, text in extra]

    def _variant_marks(
        self, table: IndicatorTable, first: int, header: int, level1_col: int, columns: dict[str, int]
    ) -> None:
        """What the table shows of its form's declared variants (a few cells per sheet)."""
        if table.lead is None and any(
            LEAD.matches(self.sheet.cell(r, c)) for r in range(first, header + 1) for c in range(level1_col)
        ):
            self.shown.add("lead:indicators")  # 附件2 published in 附件3's layout
        if columns.get("weight", -1) >= 0 and columns["weight"] < columns.get("target", -1):
            self.shown.add("order:weight<target")
        if self.grade is not None:
            self.shown.add("total:grade")

    def _total_grade(self, r: int, columns: dict[str, int]) -> Text | None:
        """A grade (优/良/中/差) written right of the 总分 row's 得分, if any."""
        score_col = columns.get("score")
        row = self.sheet.rows[r] if 0 <= r < len(self.sheet.rows) else []
        for c in range(score_col + 1 if score_col is not None else len(row), len(row)):
            if blank(row[c]):
                continue
            text = label_core(cell_text(row[c])).removeprefix("等级").lstrip(":")
            if text[:1] in GRADE_NAMES and len(text) <= 2:
                return Text("grade", text, a1(r, c))
            return None
        return None

    def _total_figure(self, r: int, columns: dict[str, int], key: str) -> Figure | None:
        c = columns.get(key)
        if key == "weight" and "level1_weight" in columns and (c is None or blank(self.sheet.cell(r, c))):
            c = columns["level1_weight"]  # 合计 | 100 under the 一级 分值 only
        if c is None or not self.sheet.exists(r, c):
            return None
        raw = self.sheet.cell(r, c)
        value, problem = cell_number(raw, "score")
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
        self.letters = [(key, column_letters(c)) for key, c in columns.items()]  # for the A1 of each cell
        # The Hunan table's 评价标准 (which scores its row) and 一级 分值 (merged down its rows).
        self.criterion = columns.get("criterion")
        self.level1_weight = columns.get("level1_weight")

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
            if not blank(raw_level1):
                new_level1, level1_weight, level1_key = _level1(cell_text(raw_level1))
                if new_level1 != level1:
                    level2 = ""
                level1 = new_level1
                if self.level1_weight is not None:
                    level1_weight = cell_number(self.sheet.cell(r, self.level1_weight), "score")[0]
            if not blank(raw_level2):
                level2 = cell_text(raw_level2)
            if all_blank(name, target_raw, actual_raw, weight_raw, score_raw):
                continue
            weight, weight_problem = cell_number(weight_raw, "score")
            score, score_problem = cell_number(score_raw, "score")
            problems: tuple[tuple[str, str], ...] = ()
            if weight_problem or score_problem:
                problems = tuple(
                    (key, problem)
                    for key, problem in (("weight", weight_problem), ("score", score_problem))
                    if problem
                )
            nature, unit = cell_text(values[7]), cell_text(values[8])
            target = _indicator_value(target_raw, nature, unit)
            actual = _indicator_value(actual_raw, "", unit)
            if _absurd(target) or _absurd(actual):
                target, actual, problems = _set_aside(target_raw, actual_raw, target, actual, problems)
            number = str(r + 1)
            out.append(
                IndicatorRow(
                    index=len(out),
                    row=r + 1,
                    level1=level1,
                    level1_key=level1_key,
                    level1_weight=level1_weight,
                    level2=level2,
                    name=cell_text(name),
                    target_raw=target_raw,
                    actual_raw=actual_raw,
                    target=target,
                    actual=actual,
                    weight=weight,
                    self_score=score,
                    reason=cell_text(values[9]),
                    cells={key: letters + number for key, letters in self.letters},
                    extras=self._extras(r) if self.extra else (),
                    problems=problems,
                    criterion=cell_text(self.sheet.cell(r, self.criterion))
                    if self.criterion is not None
                    else "",
                )
            )
        return out

    def _criterion(self, r: int) -> str:
        """Row ``r``'s 评价标准 text, "" for a table without that column."""
        return cell_text(self.sheet.cell(r, self.criterion)) if self.criterion is not None else ""

    def _extras(self, r: int) -> tuple[tuple[str, str], ...]:
        """(header, value) of row ``r`` in the non-official columns."""
        return tuple((text, cell_text(self.sheet.cell(r, c))) for c, text in self.extra)


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


def _absurd(value: Value) -> bool:
    """Whether a target or actual is a quantity too large to be a real one."""
    return isinstance(value, Quantity) and absurd(value.number)


def _set_aside(
    target_raw: object,
    actual_raw: object,
    target: Value,
    actual: Value,
    problems: tuple[tuple[str, str], ...],
) -> tuple[Value, Value, tuple[tuple[str, str], ...]]:
    """An absurd target or actual kept as text (it scores as no number) with a problem on its cell."""
    values = []
    for key, raw, value in (("target", target_raw, target), ("actual", actual_raw, actual)):
        if _absurd(value):
            problems += ((key, magnitude_problem(raw)),)
            value = Qualitative(raw if isinstance(raw, str) else fmt_num(raw))
        values.append(value)
    return values[0], values[1], problems


def _indicator_value(raw: object, nature: str, unit: str) -> Value:
    """A target or actual, completed by the 指标性质 (≥ ≤ =) and 计量单位 columns where it lacks them."""
    if short_text(raw) and len(nature) <= SHORT_TEXT and len(unit) <= SHORT_TEXT:
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
    written = value.text if isinstance(raw, str) else cell_text(raw)  # 12.0 → "12"
    for text in (f"{op}{written}{unit}", f"{written}{unit}"):
        completed = parse_value(text)
        if isinstance(completed, Quantity):
            return completed
    return value


# Targets and actuals repeat across indicators and sheets (100%, ≥90%, 1个 …); the values are immutable.
_cached_indicator_value = functools.lru_cache(maxsize=8192)(_completed_value)
