"""The formulas of a rendered form's computed cells, each with the value a reader without Excel sees.

Kept to functions Excel, WPS and LibreOffice all compute.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from xltool.forms.layouts import BUDGET_WEIGHT
from xltool.write.canvas import Canvas, Number

if TYPE_CHECKING:
    from xltool.model.records import Anchor


RANK_SUM, RANK_RATIO, RANK_SCORE, RANK_TOTAL = 0, 10, 20, 30


def _refs(cells: Sequence[str]) -> str:
    """Cells as a formula argument list, runs of one column collapsed into ranges (B8:B9)."""
    groups: list[list[str]] = []
    for a1 in cells:
        if groups and _follows(groups[-1][-1], a1):
            groups[-1].append(a1)
        else:
            groups.append([a1])
    return ",".join(g[0] if len(g) == 1 else f"{g[0]}:{g[-1]}" for g in groups)


def _follows(previous: str, cell: str) -> bool:
    """Whether `cell` is directly below `previous`."""
    pcol, prow = _split(previous)
    col, row = _split(cell)
    return pcol == col and row == prow + 1


@functools.lru_cache(maxsize=4096)
def _split(a1: str) -> tuple[str, int]:
    """``"B12"`` → ``("B", 12)``."""
    letters = a1.rstrip("0123456789")
    return letters, int(a1[len(letters) :])


def sum_formula(parts: Sequence[Anchor]) -> Callable[[Canvas], tuple[str, Number | str]]:
    """Σ parts, blank while no part holds a number."""

    def build(cv: Canvas) -> tuple[str, Number | str]:
        refs = _refs([cv.cells[p] for p in parts])
        numbers = [n for n in (cv.number(p) for p in parts) if n is not None]
        return f'=IF(COUNT({refs})=0,"",SUM({refs}))', (sum(numbers, Decimal(0)) if numbers else None)

    return build


def ratio_formula(numerator: Anchor, denominator: Anchor) -> Callable[[Canvas], tuple[str, Number | str]]:
    """numerator ÷ denominator, blank while the denominator is blank or 0."""

    def build(cv: Canvas) -> tuple[str, Number | str]:
        num, den = cv.cells[numerator], cv.cells[denominator]
        d = cv.number(denominator)
        value = None if not d else (cv.number(numerator) or Decimal(0)) / d
        return f'=IF(N({den})=0,"",N({num})/{den})', value

    return build


def budget_score_formula(rate: Anchor) -> Callable[[Canvas], tuple[str, Number | str]]:
    """min(执行率, 1) × 10, rounded to 2 decimals; blank while the rate is."""

    def build(cv: Canvas) -> tuple[str, Number | str]:
        ref = cv.cells[rate]
        r = cv.number(rate)
        weight = cv.budget_weight if cv.budget_weight is not None else Decimal(BUDGET_WEIGHT)
        value = None if r is None else _round2(min(r, Decimal(1)) * weight)
        return f'=IF({ref}="","",ROUND(MIN({ref},1)*{_plain(weight)},2))', value

    return build


def total_score_formula(parts: Sequence[Anchor]) -> Callable[[Canvas], tuple[str, Number | str]]:
    """总分: budget score + Σ indicator scores, rounded to 2 decimals; blank while all are blank."""

    def build(cv: Canvas) -> tuple[str, Number | str]:
        refs = _refs([cv.cells[p] for p in parts])
        numbers = [n for n in (cv.number(p) for p in parts) if n is not None]
        value = _round2(sum(numbers, Decimal(0))) if numbers else None
        return f'=IF(COUNT({refs})=0,"",ROUND(SUM({refs}),2))', value

    return build


def _round2(value: Decimal) -> Decimal:
    """Round half up (away from zero, as Excel's ROUND) to 2 decimals."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _plain(number: Decimal) -> str:
    """A number as a formula writes it: 10, 12.5."""
    text = f"{number.normalize():f}"
    return text
