"""The formulas of a rendered form's computed cells, each with the value a reader without Excel sees.

What each computed cell computes, its Excel text and its value are declared once, in
`forms/computed_cells.py`; this binds them to a canvas's cells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from xltool.forms.computed_cells import (
    RANK_RATIO,
    RANK_SCORE,
    RANK_SUM,
    RANK_TOTAL,
    Computed,
    evaluate,
    excel,
    weight_of,
)
from xltool.write.canvas import Canvas, Number

if TYPE_CHECKING:
    from xltool.model.records import Anchor

__all__ = ["RANK_RATIO", "RANK_SCORE", "RANK_SUM", "RANK_TOTAL", "formula_of"]


def formula_of(
    computed: Computed, refs: Sequence[Anchor] | None = None
) -> Callable[[Canvas], tuple[str, Number | str]]:
    """A computed cell's formula text and value over a canvas (``refs``: the cells, when not its own)."""
    cells = computed.refs if refs is None else tuple(refs)

    def build(cv: Canvas) -> tuple[str, Number | str]:
        weight = weight_of(cv.budget_weight)
        text = excel(computed.op, [cv.cells[r] for r in cells], weight)
        return text, evaluate(computed.op, [cv.number(r) for r in cells], weight)

    return build
