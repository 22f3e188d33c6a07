"""Exact rounding and the way figures are printed in messages.

Every function here takes any number a cell can hold — ±1e308, subnormals, -0, nan, ±inf, a Decimal
of 30 digits — and never raises: decimal's default context (28 digits) cannot quantize a figure of
about 1e26 or more, so a figure too large to carry decimals is returned (or printed) as it is.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")
# A float this large or larger is a whole number already (53-bit mantissa); a Decimal this large keeps
# no decimals worth rounding in a report. Both are returned unrounded.
_WHOLE = 2.0**52
# Figures at least this large are printed in scientific notation (1e+20), not as 21 digits.
_PRINT_PLAIN_BELOW = 1e15


def round2(value: float | Decimal) -> float:
    """Round half up to 2 decimals, as a person checking the second decimal would."""
    if isinstance(value, Decimal):
        return float(round2_exact(value))
    if not -_WHOLE < value < _WHOLE:  # nan and ±inf fail both comparisons
        return float(value)
    return float(Decimal(repr(float(value))).quantize(_CENT, rounding=ROUND_HALF_UP))


def round_rate(value: float, digits: int = 4) -> float:
    """Round a fraction half up (4 decimals keep 82.60 % exact)."""
    if not -_WHOLE < value < _WHOLE:
        return float(value)
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def round2_exact(value: Decimal) -> Decimal:
    """Excel's ROUND(x, 2) on a Decimal, half up; a figure too large to carry decimals as it is."""
    if not value.is_finite() or value.adjusted() >= 15:
        return value
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


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
    text = f"{Decimal(float.__repr__(round2(number))):f}"
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
    return f"{Decimal(float.__repr__(percent)).quantize(_CENT, rounding=ROUND_HALF_UP)}%"


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
