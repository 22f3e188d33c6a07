"""Drawing the indicator table of 附件2 and 附件3: its levels, its rows, and the 总分 row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.blocks import FormLayout
from xltool.forms.computed_cells import RANK_TOTAL, TOTAL_SCORE, Computed
from xltool.forms.indicator_table import IndicatorTable
from xltool.model.rounding import fmt_num
from xltool.write.canvas import WEIGHT_SUFFIX, Canvas, Plain, break_label
from xltool.write.formulas import formula_of
from xltool.write.looks import BLANK, CELL_INPUT, HEADER, LABEL_CENTER, CellStyle

if TYPE_CHECKING:
    from xltool.model.records import Anchor, FormSheet, IndicatorRow


@dataclass(frozen=True)
class _IndicatorLine:
    """One planned indicator row: its 一级 / 二级 labels and the content row, if any."""

    level1: str
    level2: str
    row: IndicatorRow | None
    printed: bool  # labels printed by the form (template) rather than filled in


def _indicator_plan(
    table: IndicatorTable, content: FormSheet | None, minimum: int | None, weights: Mapping[str, float]
) -> list[_IndicatorLine]:
    """The rows of the indicator table: the content's, else the template's (its 一级 分值 from
    ``weights`` where given), padded to `minimum`."""
    if content is not None and content.indicators:
        lines = [_IndicatorLine(_level1_text(i), i.level2, i, False) for i in content.indicators]
    else:
        lines = [
            _IndicatorLine(
                level1.term.text
                + WEIGHT_SUFFIX.format(weight=fmt_num(weights.get(level1.key, level1.weight))),
                label,
                None,
                True,
            )
            for level1 in table.level1
            for label, count in level1.level2
            for _ in range(count)
        ]
    blank = _IndicatorLine("", "", None, False)
    return lines + [blank] * max(0, (minimum or 0) - len(lines))


def _level1_text(row: IndicatorRow) -> str:
    """The 一级 label as the department wrote it, with its weight when it carried one."""
    if row.level1_weight is None:
        return row.level1
    return row.level1 + WEIGHT_SUFFIX.format(weight=format(row.level1_weight.normalize(), "f"))


def _runs(keys: Sequence[object]) -> list[tuple[int, int]]:
    """(first, last) index runs of equal consecutive keys; empty keys stand alone."""
    runs: list[tuple[int, int]] = []
    for i, key in enumerate(keys):
        if runs and key and keys[runs[-1][0]] == key:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def draw_indicator_table(
    cv: Canvas, layout: FormLayout, r: int, budget_score: Anchor, minimum: int | None
) -> int:
    """The 绩效指标 table and its 总分 row; return the row after it."""
    table = layout.indicators
    assert table is not None
    lines = _indicator_plan(table, cv.content, minimum, cv.level1_weights)
    first = 1 if table.lead is not None else 0
    if table.lead is not None:
        cv.write(r, 0, table.lead.text, LABEL_CENTER, to_row=r + len(lines))
    for i, column in enumerate(table.columns):
        cv.write(r, first + i, column.term.text, HEADER)
    top = r + 1
    _indicator_levels(cv, lines, top, first)
    keys = [c.key for c in table.columns]
    for i, line in enumerate(lines):
        _indicator_cells(cv, line, str(i), top + i, first, keys)
    return _total_row(cv, table, top + len(lines), first, keys, budget_score, len(lines))


def _indicator_levels(cv: Canvas, lines: Sequence[_IndicatorLine], top: int, first: int) -> None:
    """The 一级 and 二级 cells, merged down over their rows."""
    level1_runs = _runs([line.level1 for line in lines])
    level2_runs = _runs([(line.level1, line.level2) if line.level2 else "" for line in lines])
    for column, key, runs in ((first, "level1", level1_runs), (first + 1, "level2", level2_runs)):
        for start, end in runs:
            line = lines[start]
            text = break_label(line.level1, cv.widths[column]) if key == "level1" else line.level2
            style = LABEL_CENTER if line.printed or line.row is not None else CELL_INPUT
            a1 = cv.write(top + start, column, text, style, to_row=top + end)
            for i in range(start, end + 1):
                cv.place(("indicator", str(i), key), a1, style)


def _indicator_cells(
    cv: Canvas, line: _IndicatorLine, index: str, r: int, first: int, keys: Sequence[str]
) -> None:
    """The 三级 … 偏差原因 cells of one indicator row."""
    source = line.row
    values: dict[str, Plain] = {}
    if source is not None:
        values = {
            "name": source.name,
            "target": _cell_text(source.target_raw),
            "actual": _cell_text(source.actual_raw),
            "weight": source.weight,
            "score": source.self_score,
            "reason": source.reason,
        }
    for c, key in enumerate(keys[2:], start=first + 2):
        anchor = ("indicator", index, key)
        fmt, style = _INDICATOR_STYLES.get(key, _INDICATOR_TEXT)
        value = values.get(key)
        cv.place(anchor, cv.write(r, c, value, style), style)
        cv.numbers[anchor] = value if isinstance(value, Decimal) else None
        if fmt == "score":
            cv.validations.setdefault("score", []).append(cv.cells[anchor])


# How the cells of an indicator row are formatted, by column key: scores as numbers, the rest as text
# (the target and the actual centred).
_INDICATOR_TEXT: tuple[ValueFormat, CellStyle] = ("text", CellStyle("input", "text"))
_INDICATOR_STYLES: dict[str, tuple[ValueFormat, CellStyle]] = {
    "weight": ("score", CellStyle("input", "score")),
    "score": ("score", CellStyle("input", "score")),
    "target": ("text", CellStyle("input", "text", align="center")),
    "actual": ("text", CellStyle("input", "text", align="center")),
}


def _cell_text(raw: object) -> Plain:
    """A raw target / actual as written back: numbers stay numbers, anything else becomes text."""
    if (
        raw is None
        or isinstance(raw, str | Decimal | float)
        or (isinstance(raw, int) and not isinstance(raw, bool))
    ):
        return raw
    return str(raw)


def _total_row(
    cv: Canvas,
    table: IndicatorTable,
    r: int,
    first: int,
    keys: Sequence[str],
    budget_score: Anchor,
    count: int,
) -> int:
    """总分 | 100 | budget score + Σ 得分; return the next row."""
    weight_col = first + keys.index("weight")
    cv.write(r, 0, table.total.text, LABEL_CENTER, to_col=weight_col - 1)
    cv.fixed(("total", "weight"), r, weight_col, table.total_weight)
    parts = [budget_score, *(("indicator", str(i), "score") for i in range(count))]
    total = Computed(TOTAL_SCORE, "total", tuple(parts), RANK_TOTAL, "score")
    cv.formula(TOTAL_SCORE, r, weight_col + 1, "score", RANK_TOTAL, formula_of(total))
    for c in range(weight_col + 2, first + len(keys)):
        cv.write(r, c, None, BLANK)
    return r + 1
