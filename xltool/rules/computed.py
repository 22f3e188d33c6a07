"""Computed cells as the official template has them: formulas, not hand-typed figures (family G).

A department that types a number over a template's formula (执行率, 得分, a 合计) breaks the form's own
arithmetic the next time an input changes; a formula stored without its result (and not evaluable by
the reader) leaves its cell not stated, which the total checks must not read as 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from xltool.forms.blocks import Role
from xltool.forms.layouts import FORMS
from xltool.model.records import Figure, FormSheet
from xltool.rules.engine import Context, Flagged, rule

_EXTRA = re.compile(r"_extra_\d+$")


@lru_cache(maxsize=4096)
def _role(kind: str, block: str, row: str, column: str) -> Role | None:
    """The role the official layout gives a figure's cell (an added 专项 row takes its siblings').

    Cached: the layouts are fixed and a chunk asks about the same few hundred cells for every sheet.
    """
    layout = FORMS.get(kind)  # type: ignore[call-overload]
    grid = next((g for g in layout.grids if g.key == block), None) if layout is not None else None
    if grid is None:
        return None
    base = _EXTRA.sub("", row)
    declared = next((r for r in grid.rows if r.key == base), None)
    if declared is None:
        total = next((t for t in grid.totals if t.total == base), None)
        declared = grid.row(total.parts[-1]) if total is not None else None
    if declared is None:
        return None
    keys = [c.key for c in grid.columns]
    return declared.roles[keys.index(column)] if column in keys else None


def unevaluated_score(form: FormSheet) -> bool:
    """Whether a 得分 cell holds a formula whose result is unknown (stored without it, not evaluable)."""
    budget = form.figure("budget", "total", "score")
    if budget is not None and budget.value is None and budget.cell in form.formula_cells:
        return True
    return any(
        row.self_score is None and row.cells.get("score") in form.formula_cells for row in form.indicators
    )


@rule("G-FORMULA-OVERWRITTEN")
def typed_over_formulas(ctx: Context) -> Iterator[Flagged]:
    """Computed cells holding a typed number in a sheet whose other computed cells hold formulas."""
    yield Flagged(
        (
            {
                "sid": sid,
                "cell": figure.cell,
                "value": float(figure.value),  # type: ignore[arg-type]
                "block": figure.block,
                "row": figure.row,
                "column": figure.column,
            }
            for sid, form in enumerate(ctx.frames.forms)
            if form.formula_cells
            for figure in _typed_over(form)
        ),
        cell="cell",
        anchor=("figure", "{block}", "{row}", "{column}"),
        actual="value",
    )


def _typed_over(form: FormSheet) -> Iterator[Figure]:
    """The computed cells of a form that hold a typed number while others keep the template's formulas."""
    computed = [f for f in form.figures if _role(form.kind, f.block, f.row, f.column) == "computed"]
    if not any(f.cell in form.formula_cells for f in computed):
        return  # a form filled without formulas (printed and typed): nothing was overwritten
    yield from (f for f in computed if f.value is not None and f.cell not in form.formula_cells)
