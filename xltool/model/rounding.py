"""Exact rounding and the way figures are printed in messages.

Every function here takes any number a cell can hold — ±1e308, subnormals, -0, nan, ±inf, a Decimal
of 30 digits — and never raises: decimal's default context (28 digits) cannot quantize a figure of
about 1e26 or more, so a figure too large to carry decimals is returned (or printed) as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_CENT = Decimal("0.01")
# A float this large or larger is a whole number already (53-bit mantissa); a Decimal this large keeps
# no decimals worth rounding in a report. Both are returned unrounded.
_WHOLE = 2.0**52
# Figures at least this large are printed in scientific notation (1e+20), not as 21 digits.
_PRINT_PLAIN_BELOW = 1e15
# Excel holds and rounds a figure with 15 significant digits: 8.264999999999999 (rate × 10 in binary)
# is 8.265 to it, and ROUND gives 8.27. Every rounding here first takes a figure to 15 digits so.
_FIFTEEN = Context(prec=15, rounding=ROUND_HALF_EVEN)


def half_up(value: Decimal, places: int = 2) -> Decimal:
    """THE rounding of xltool: a figure at 15 significant digits, rounded half up (away from zero) to
    ``places`` decimals, as Excel's ROUND; a figure too large to carry decimals (or not finite) as it is."""
    if not value.is_finite() or value.adjusted() >= 15:
        return value
    return _FIFTEEN.create_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round2(value: float | Decimal) -> float:
    """`half_up` to 2 decimals, as a float."""
    if isinstance(value, Decimal):
        return float(half_up(value))
    if not -_WHOLE < value < _WHOLE:  # nan and ±inf fail both comparisons
        return float(value)
    return float(half_up(Decimal(f"{float(value):.15g}")))


def round_rate(value: float, digits: int = 4) -> float:
    """`half_up` of a fraction to 4 decimals (82.60 % stays exact), as a float."""
    if not -_WHOLE < value < _WHOLE:
        return float(value)
    return float(half_up(Decimal(f"{float(value):.15g}"), digits))


def round2_exact(value: Decimal) -> Decimal:
    """`half_up` to 2 decimals of a Decimal (the value a formula cell shows)."""
    return half_up(value)


# round2_array decides by floor(|x| × 100 + 0.5) where that cannot differ from round2: the figure is
# below 1e5 (so |x| × 100 and its 15-digit form differ by far less than 1e-6) and its hundredths are
# not within 1e-6 of a half. Near a half (8.265, 8.264999999999999, a rate × 10 at every tenth figure)
# it compares the figure with the half c: its 15-digit form is the half itself when within h (half a
# unit of the 15th digit) of c, below or above it as the figure is. What is left — ±h itself, figures
# of 1e5 or more, nan, ±inf — round2 decides, one by one.
_ARRAY_BELOW = 1e7
_ARRAY_MARGIN = 1e-6


def round2_array(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """`round2` of every element, vectorised (the same function: a hypothesis test compares them)."""
    import numpy as np

    x = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        hundredths = np.abs(x) * 100
        whole = np.floor(hundredths)
        part = hundredths - whole
        small = hundredths < _ARRAY_BELOW
        near = small & (np.abs(part - 0.5) < _ARRAY_MARGIN)
        up = part >= 0.5
        unsure = ~small
        if near.any():
            half = (whole[near] + 0.5) / 100
            h = 0.5 * 10.0 ** (np.floor(np.log10(half)) - 14)
            apart = np.abs(x[near]) - half
            up[near] = apart >= -h
            unsure[near] = np.abs(np.abs(apart) - h) < 0.1 * h
        out = np.copysign((whole + up) / 100, x)
    if unsure.any():
        at = np.flatnonzero(unsure)
        out.flat[at] = [round2(float(v)) for v in x.flat[at]]
    return out


def fmt_num(value: object) -> str:
    """A figure as a person writes it: up to 2 decimals, no trailing zeros (10, 8.26, 39575.03)."""
    if value is None:
        return "空"
    if isinstance(value, str):
        return value
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if math.isnan(number):
        return "空"
    if not math.isfinite(number) or abs(number) >= _PRINT_PLAIN_BELOW:
        return _scientific(number)
    fifteen = f"{number:.15g}"
    point = fifteen.find(".")
    if "e" not in fifteen and (point < 0 or len(fifteen) - point <= 3):
        # At most 2 decimals already (most amounts): half_up would give the same figure back.
        return "0" if fifteen == "-0" else fifteen
    text = f"{half_up(Decimal(fifteen)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_rate(value: float | None) -> str:
    """A fraction as a percentage with 2 decimals (0.826 → 82.60%)."""
    if value is None or math.isnan(value):
        return "空"
    percent = float(value) * 100 + 0.0  # + 0.0: -0 prints as 0.00%
    if not math.isfinite(percent) or abs(percent) >= _PRINT_PLAIN_BELOW:
        return f"{_scientific(percent)}%"
    return f"{half_up(Decimal(f'{percent:.15g}')):.2f}%"


def _scientific(number: float) -> str:
    """A figure too large to print in full: 1e+20, -1.5e+308, 无穷大."""
    if math.isinf(number):
        return "无穷大" if number > 0 else "负无穷大"
    return f"{number:.6g}"


def stated_precision_tolerance(stated: float, floor_digits: int) -> float:
    """Half a unit of the last decimal the stated figure was written with (never finer than 1e-6)."""
    number = float(stated)
    digits = 0
    if math.isfinite(number):
        text = f"{Decimal(float.__repr__(number)).normalize():f}"
        digits = len(text.split(".")[1]) if "." in text else 0
    digits = min(max(digits, floor_digits), 6)
    return 0.5 * 10.0**-digits + 1e-9
