"""Exact rounding and the way figures are printed in messages."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def round2(value: float | Decimal) -> float:
    """Round half up to 2 decimals, as a person checking the second decimal would."""
    if not isinstance(value, Decimal):
        if math.isnan(value):
            return float(value)
        value = Decimal(repr(float(value)))
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def round_rate(value: float, digits: int = 4) -> float:
    """Round a fraction half up (4 decimals keep 82.60 % exact)."""
    if math.isnan(value):
        return value
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def fmt_num(value: object) -> str:
    """A figure as a person writes it: up to 2 decimals, no trailing zeros (10, 8.26, 39575.03)."""
    if value is None:
        return "空"
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "空"
    text = f"{Decimal(repr(round2(number))):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_rate(value: float | None) -> str:
    """A fraction as a percentage with 2 decimals (0.826 → 82.60%)."""
    if value is None or math.isnan(value):
        return "空"
    return f"{Decimal(repr(float(value) * 100)).quantize(_CENT, rounding=ROUND_HALF_UP)}%"


def stated_precision_tolerance(stated: float, floor_digits: int) -> float:
    """Half a unit of the last decimal the stated figure was written with (never finer than 1e-6)."""
    text = f"{Decimal(repr(float(stated))).normalize():f}"
    digits = len(text.split(".")[1]) if "." in text else 0
    digits = min(max(digits, floor_digits), 6)
    return 0.5 * 10.0**-digits + 1e-9
