"""The computed cells of the forms, declared once: which formula each holds, its Excel text and its value.

A scored workbook writes each computed cell's Excel formula with the value a reader without a
calculation engine sees (`write/formulas.py`); the side panel decides which stated figures to keep by
what the same formulas show (`rules/scorecard.kept_figures`). Both take the formula, its text and its
evaluation from here, so that they cannot disagree. Kept to functions Excel, WPS and LibreOffice all
compute.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from xltool.forms.blocks import Format, Grid
from xltool.forms.layouts import BUDGET_WEIGHT, FORMS
from xltool.model.records import Anchor, FormKind
from xltool.model.rounding import round2_exact

Op = Literal["sum", "ratio", "score", "total"]
# The order cells are computed in: parts before their sums, ratios of sums, scores of ratios, the total.
RANK_SUM, RANK_RATIO, RANK_SCORE, RANK_TOTAL = 0, 10, 20, 30
TOTAL_SCORE: Anchor = ("total", "score")
BUDGET_SCORE: Anchor = ("figure", "budget", "total", "score")


@dataclass(frozen=True)
class Computed:
    """One computed cell: what it computes (op) from which cells (refs), when (rank), how it prints (fmt).

    ``sum`` Σ refs · ``ratio`` refs[0] ÷ refs[1] · ``score`` min(refs[0], 1) × the budget 分值, to 2
    decimals · ``total`` the budget score + Σ indicator scores, to 2 decimals (its refs depend on the
    number of indicators: see `total_refs`).
    """

    anchor: Anchor
    op: Op
    refs: tuple[Anchor, ...]
    rank: int
    fmt: Format


def figure_anchor(block: str, row: str, column: str) -> Anchor:
    """The anchor of a grid cell."""
    return ("figure", block, row, column)


@functools.cache
def computed_cells(kind: FormKind) -> tuple[Computed, ...]:
    """The computed cells of a form, parts before totals (the order a renderer fills them in)."""
    layout = FORMS[kind]
    cells: list[Computed] = []
    for grid in layout.grids:
        for row in grid.rows:
            for column, role in zip(grid.columns, row.roles, strict=True):
                if role == "computed":
                    cells.append(grid_cell(grid, row.key, column.key, column.fmt))
    if layout.indicators is not None:
        cells.append(Computed(TOTAL_SCORE, "total", (), RANK_TOTAL, "score"))
    return tuple(sorted(cells, key=lambda c: c.rank))


@functools.cache
def grid_cell(grid: Grid, row: str, column: str, fmt: Format) -> Computed:
    """The formula of a computed grid cell: a declared total or ratio, else the budget rate or score."""
    anchor = figure_anchor(grid.key, row, column)
    for total in grid.totals:
        if total.total == row and column in total.columns:
            parts = tuple(figure_anchor(grid.key, p, column) for p in total.parts)
            return Computed(anchor, "sum", parts, RANK_SUM + _depth(grid, total.total), fmt)
    for ratio in grid.ratios:
        if (ratio.row, ratio.column) == (row, column):
            refs = (figure_anchor(grid.key, *ratio.numerator), figure_anchor(grid.key, *ratio.denominator))
            return Computed(anchor, "ratio", refs, RANK_RATIO, fmt)
    if column == "rate":  # 执行率 = 全年执行数 ÷ 全年预算数
        refs = (figure_anchor(grid.key, row, "executed"), figure_anchor(grid.key, row, "full_year"))
        return Computed(anchor, "ratio", refs, RANK_RATIO, fmt)
    if column == "score":  # 得分 = min(执行率, 1) × 分值
        return Computed(anchor, "score", (figure_anchor(grid.key, row, "rate"),), RANK_SCORE, fmt)
    raise ValueError(f"no formula for {grid.key}/{row}/{column}")


def _depth(grid: Grid, key: str) -> int:
    """How many levels of totals sit under a total (公务用车 under 三公经费 → 2)."""
    total = next(t for t in grid.totals if t.total == key)
    inner = [p for p in total.parts if any(t.total == p for t in grid.totals)]
    return 1 + max((_depth(grid, p) for p in inner), default=0)


def total_refs(indicators: int) -> tuple[Anchor, ...]:
    """What 总分 adds up: the budget score and every indicator's score."""
    return (BUDGET_SCORE, *(("indicator", str(i), "score") for i in range(indicators)))


def weight_of(budget_weight: float | Decimal | None) -> Decimal:
    """The budget 分值 a score formula multiplies by: the form's own 10 unless a profile says otherwise."""
    if budget_weight is None or budget_weight == BUDGET_WEIGHT:
        return Decimal(BUDGET_WEIGHT)
    if isinstance(budget_weight, Decimal):
        return budget_weight
    return Decimal(repr(float(budget_weight)))


def evaluate(op: Op, values: Sequence[Decimal | None], weight: Decimal) -> Decimal | None:
    """What a formula shows once its cells hold ``values`` (blank as None), as Excel computes it."""
    if op in ("sum", "total"):
        numbers = [v for v in values if v is not None]
        if not numbers:
            return None
        total = sum(numbers, Decimal(0))
        return round2_exact(total) if op == "total" else total
    if op == "ratio":
        numerator, denominator = values
        return None if not denominator else (numerator or Decimal(0)) / denominator
    (rate,) = values
    return None if rate is None else round2_exact(min(rate, Decimal(1)) * weight)


def excel(op: Op, cells: Sequence[str], weight: Decimal) -> str:
    """A formula's Excel text over its cells' A1 addresses (blank while its inputs are)."""
    if op == "ratio":
        num, den = cells
        return f'=IF(N({den})=0,"",N({num})/{den})'
    if op == "score":
        (rate,) = cells
        return f'=IF({rate}="","",ROUND(MIN({rate},1)*{_plain(weight)},2))'
    refs = _ranges(cells)
    if op == "total":
        return f'=IF(COUNT({refs})=0,"",ROUND(SUM({refs}),2))'
    return f'=IF(COUNT({refs})=0,"",SUM({refs}))'


def _plain(number: Decimal) -> str:
    """A number as a formula writes it: 10, 12.5."""
    return f"{number.normalize():f}"


def _ranges(cells: Sequence[str]) -> str:
    """Cells as a formula argument list, runs of one column collapsed into ranges (B8:B9)."""
    groups: list[list[str]] = []
    for a1 in cells:
        if groups and _follows(groups[-1][-1], a1):
            groups[-1].append(a1)
        else:
            groups.append([a1])
    return ",".join(g[0] if len(g) == 1 else f"{g[0]}:{g[-1]}" for g in groups)


def _follows(previous: str, cell: str) -> bool:
    """Whether ``cell`` is directly below ``previous``."""
    pcol, prow = _split(previous)
    col, row = _split(cell)
    return pcol == col and row == prow + 1


@functools.lru_cache(maxsize=4096)
def _split(a1: str) -> tuple[str, int]:
    """``"B12"`` → ``("B", 12)``."""
    letters = a1.rstrip("0123456789")
    return letters, int(a1[len(letters) :])
