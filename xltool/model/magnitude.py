"""The largest figure a form can hold: a cell beyond it is a finding (F-MAGNITUDE), not a number.

No figure of a budget performance form comes near 1000万亿 — not an amount in 万元, a count, an area
or a score. A larger one (a typed ``1e308``, a runaway ``999999999999999999999999999995个``) is a slip,
and left in the figures it would only turn every sum and rate it touches into noise (or infinity);
the reader sets it aside with a problem that says so, and the rule reports it on its cell.
"""

from __future__ import annotations

from decimal import Decimal

from xltool.model.rounding import fmt_num

MAX_MAGNITUDE = Decimal("1e15")
MAX_MAGNITUDE_TEXT = "1000万亿"
_HEAD = "数值过大"
MSG_MAGNITUDE = (
    _HEAD + "（“{raw}”的绝对值不小于" + MAX_MAGNITUDE_TEXT + "），不像实际填报的数字，未参与计算；"
    "请核对数位和单位后重新填写"
)


def absurd(number: Decimal) -> bool:
    """Whether a parsed figure is too large to be a real one (or not finite)."""
    return not number.is_finite() or abs(number) >= MAX_MAGNITUDE


def shown(raw: object) -> str:
    """An absurd figure as a message shows it: 1e+308 rather than its 309 digits, at most 40 characters."""
    text = raw if isinstance(raw, str) else fmt_num(raw)
    if len(text) > 40:
        try:
            text = fmt_num(float(text))
        except ValueError:
            text = text[:39] + "…"
    return text


def magnitude_problem(raw: object) -> str:
    """The problem text of a cell holding an absurd figure."""
    return MSG_MAGNITUDE.format(raw=shown(raw))


def is_magnitude_problem(problem: str) -> bool:
    """Whether a cell's problem is an absurd figure (F-MAGNITUDE) rather than text (A-UNREADABLE)."""
    return problem.startswith(_HEAD)
