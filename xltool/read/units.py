"""Money units declared around a table: 项目资金（元）, 全年预算数（千元）, a line 金额单位：元 above it.

Amounts reach the rules and report.json in 万元; the unit as written is kept for the scored copy.
"""

from __future__ import annotations

from decimal import Decimal

from xltool.forms.terms import AMOUNT_UNITS, amount_unit
from xltool.read.labels import Sheet

WAN_YUAN = "万元"
# How far above a table a unit line (单位：元) may stand.
NOTE_SEARCH_ROWS = 12


def unit_scale(unit: str | None) -> Decimal | None:
    """万元 per declared unit (元 → 0.0001), None for 万元 itself or no unit."""
    if unit is None or unit == WAN_YUAN:
        return None
    return Decimal(AMOUNT_UNITS[unit])


def unit_note_above(sheet: Sheet, top: int) -> str | None:
    """The unit of the nearest line such as ``单位：元`` / ``金额单位：千元`` in row ``top`` or above it."""
    for r in range(top, max(-1, top - NOTE_SEARCH_ROWS), -1):
        row = sheet.rows[r] if 0 <= r < len(sheet.rows) else ()
        for value in row:
            if type(value) is str and "单位" in value:
                unit = amount_unit(value)
                if unit is not None:
                    return unit
    return None


def in_wan_yuan(value: Decimal | None, scale: Decimal | None) -> Decimal | None:
    """An amount written in a declared unit, in 万元 (without trailing zeros)."""
    if value is None or scale is None:
        return value
    converted = value * scale
    if converted == converted.to_integral_value():
        return converted.quantize(Decimal(1))
    return converted.normalize()
