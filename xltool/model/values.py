"""Parse the cell values of 预算绩效自评表: targets, actuals, amounts and rates.

Standard library only, so that importing it stays fast: every reader and rule uses it. Operators,
multipliers and units are `xltool.model.units`; qualitative achievement words `xltool.model.qualitative`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Final, TypeAlias

from xltool.model.pickling import compact_pickle, slot_init
from xltool.model.units import (
    OP_PREFIXES,
    SUPERSCRIPT_RE,
    is_unit,
    normalise_unit,
    read_tail,
    take_multiplier,
    take_prefix,
    take_suffix,
)

__all__ = [
    "NOT_APPLICABLE",
    "AmountError",
    "NotApplicable",
    "Qualitative",
    "Quantity",
    "Value",
    "comparable",
    "parse_amount",
    "parse_rate",
    "parse_value",
    "to_decimal",
]


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its operator and base unit, as written in ``≥1.4万个``."""

    op: str  # ">=", "<=", "=" or "" for a bare number
    number: Decimal  # in base units: multipliers (万, 亿, 千) already applied
    unit: str  # normalised base unit: "个", "元", "%", "㎡", "元/亩"; "" if none
    text: str  # the cell text as written, stripped


@compact_pickle
@slot_init
@dataclass(frozen=True, slots=True)
class Qualitative:
    """A value in words, such as ``达成年度指标`` or ``修订中``."""

    text: str


class NotApplicable(Enum):
    """The marker 不适用: the indicator is dropped and the total rescaled."""

    NOT_APPLICABLE = "不适用"

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = NotApplicable.NOT_APPLICABLE

Value: TypeAlias = Quantity | Qualitative | NotApplicable | None


class AmountError(ValueError):
    """A cell that should hold an amount or a rate holds something else."""


# --- text normalisation ------------------------------------------------------------------------

_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
SPACE_RE: Final = re.compile(r"\s+")
_THOUSANDS_RE: Final = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_BLANK_RE: Final = re.compile(r"[-—―─–/\\_]*")
_NOT_APPLICABLE_WORDS: Final = frozenset({"不适用", "n/a", "na", "不涉及"})
# Excel error values are missing data (a formula failed), not a statement that nothing applies.
_EXCEL_ERRORS: Final = frozenset(
    {"#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#calc!", "#spill!"}
)
_NUMBER: Final = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_RANGE_SEP: Final = "~〜至到—–-"


def _normalise(text: str) -> str:
    """NFKC, no spaces, no thousands separators: the form every parser works on."""
    s = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    s = SPACE_RE.sub("", s).replace("−", "-").replace("(含)", "")
    return _THOUSANDS_RE.sub("", s.rstrip("。.;,"))


def _is_blank(s: str) -> bool:
    return _BLANK_RE.fullmatch(s) is not None or s.casefold() in _EXCEL_ERRORS


def _safe_text(raw: object) -> str:
    """str(raw) stripped, for any object: str() may raise (huge ints, broken __str__)."""
    if isinstance(raw, bytes | bytearray):
        return bytes(raw).decode("utf-8", errors="replace").strip()
    try:
        return str(raw).strip()
    except Exception:  # a cell value must never crash the reader
        return f"<{type(raw).__name__}>"


def _is_missing_marker(raw: object) -> bool:
    # pandas.NA and pandas.NaT, recognised without importing pandas.
    return type(raw).__name__ in {"NAType", "NaTType"}


def _finite_decimal(raw: int | float | Decimal) -> Decimal | None:
    """Decimal of a number, None for nan; infinity is returned as is for the caller to judge."""
    # float.__repr__ so that 0.1 gives Decimal('0.1'), also for numpy.float64.
    number = Decimal(float.__repr__(raw)) if isinstance(raw, float) else Decimal(raw)
    return None if number.is_nan() else number


_QUANTITY_RE: Final = re.compile(
    rf"(?P<sign>[+-]?)(?P<n1>{_NUMBER})(?P<t1>[^0-9{_RANGE_SEP}]*)"
    rf"(?:[{_RANGE_SEP}]{{1,2}}(?P<n2>{_NUMBER})(?P<t2>[^0-9{_RANGE_SEP}]*))?"
)
_AMOUNT_RE: Final = re.compile(rf"(?P<sign>[+-]?)(?P<number>{_NUMBER})(?P<tail>[^0-9]*)")
_PLAIN_NUMBER_RE: Final = re.compile(rf"[+-]?{_NUMBER}(?:[eE][+-]?[0-9]{{1,4}})?")
_PER_RE: Final = re.compile(r"每(?P<per>[^0-9.+-]+?)(?P<rest>(?:[+-]?[0-9.]|百分之).*)")


def _scaled(number: Decimal, factor: int) -> Decimal:
    """number × factor without trailing zeros: 1.4万 gives Decimal('14000'), not Decimal('14000.0')."""
    if factor == 1:
        return number
    number *= factor
    return number.to_integral_value() if number == number.to_integral_value() else number.normalize()


def _looks_like_year(number: Decimal, unit: str) -> bool:
    return unit.startswith("年") and number == number.to_integral_value() and 1900 <= number <= 2100


def _parse_quantity(s: str, text: str) -> Quantity | None:
    """The (op)(number)(unit)(suffix) reading of normalised text, or None."""
    s = SUPERSCRIPT_RE.sub(lambda m: "²" if m[1] == "2" else "³", s)
    prefix_op, s = take_prefix(s, OP_PREFIXES)
    per, per_op = "", None
    if s.startswith("每"):
        per_match = _PER_RE.fullmatch(s)
        if per_match is None:
            return None
        per_op, per = take_suffix(per_match["per"], OP_PREFIXES)
        s = per_match["rest"]
        if not per or len(per) > 4 or not is_unit(per):
            return None
    percent_words = s.startswith("百分之")
    if percent_words:
        s = s[len("百分之") :]
    match = _QUANTITY_RE.fullmatch(s)
    if match is None:
        return None
    first = read_tail(match["t1"])
    if first is None:
        return None
    suffix_op, factor, unit = first
    number = Decimal(match["sign"] + match["n1"])
    if _looks_like_year(number, unit):
        return None
    number = _scaled(number, factor)
    if match["n2"] is None:
        ops = {op for op in (prefix_op, per_op, suffix_op) if op}
        if len(ops) > 1:
            return None
        op = ops.pop() if ops else ""
    else:
        second = read_tail(match["t2"])
        if second is None or suffix_op:
            return None
        _, factor2, unit2 = second
        upper = Decimal(match["n2"])
        if _looks_like_year(upper, unit2):
            return None
        upper = _scaled(upper, factor2)
        if not match["t1"]:  # "1-2万元", "90-100%": the lower bound borrows the upper's unit
            number = _scaled(number, factor2)
            unit = unit2
        elif not unit:
            unit = unit2
        if unit != unit2 or number > upper:
            return None
        # A range "90%-100%" is read as "at least its lower bound": reaching the lower bound
        # meets the target, which is how reviewers score ranges; the upper bound is dropped.
        op = ">="
    if percent_words:
        if unit:
            return None
        unit = "%"
    if per:
        unit = f"{unit}/{per}"
    return Quantity(op, number, normalise_unit(unit), text)


# --- public parsers ----------------------------------------------------------------------------


def parse_value(raw: object) -> Value:
    """Parse a target/actual cell (年度指标值 / 实际完成值); never raises."""
    if raw is None or _is_missing_marker(raw):
        return None
    if isinstance(raw, bool):
        return Qualitative(str(raw))
    if isinstance(raw, dt.datetime):
        return Qualitative(raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat())
    if isinstance(raw, dt.date | dt.time):
        return Qualitative(raw.isoformat())
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        if number is None:
            return None
        if not number.is_finite():
            return Qualitative(_safe_text(raw))
        return Quantity("", number, "", _safe_text(raw))
    if type(raw) is str and len(raw) <= _CACHED_TEXT_LEN:
        return _parse_text(raw)
    return _parse_text.__wrapped__(raw)


# Forms repeat the same targets and actuals (≥90%, 100%, 达成年度指标 …) across thousands of sheets;
# the results are immutable, so short texts are parsed once per process.
_CACHED_TEXT_LEN = 64


@functools.lru_cache(maxsize=8192)
def _parse_text(raw: object) -> Value:
    text = _safe_text(raw)
    s = _normalise(text)
    if _is_blank(s):
        return None
    if s.casefold() in _NOT_APPLICABLE_WORDS:
        return NOT_APPLICABLE
    return _parse_quantity(s, text) or Qualitative(text)


def _number_cell(raw: object, what: str) -> Decimal | str | None:
    """Decimal for a numeric cell, normalised text for a text cell, None for a blank one."""
    if raw is None or _is_missing_marker(raw):
        return None
    if isinstance(raw, bool | dt.date | dt.time):
        raise AmountError(f"“{_safe_text(raw)}”不是{what}：请填写数字，或留空、填“——”")
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        if number is not None and not number.is_finite():
            raise AmountError(f"“{_safe_text(raw)}”不是有限的数字：请填写{what}")
        return number
    s = _normalise(_safe_text(raw))
    if _is_blank(s) or s == "无":
        return None
    return s


def parse_amount(raw: object) -> Decimal | None:
    """Parse an amount cell to 万元; None for a blank cell; AmountError for text that is no amount."""
    cell = _number_cell(raw, "金额")
    if not isinstance(cell, str):
        return cell
    match = _AMOUNT_RE.fullmatch(cell.lstrip("¥"))
    if match is not None:
        number = Decimal(match["sign"] + match["number"])
        tail = match["tail"].replace("(", "").replace(")", "")
        factor, unit = take_multiplier(tail)
        if unit == "" and factor == 1:
            return number
        if unit == "元" or unit == "":  # a bare 万/亿 means yuan: "1.4万" = 1.4万元
            return number * (Decimal(factor) / 10000)
    raise AmountError(
        f"无法把“{_safe_text(raw)}”读作金额：请填写以万元为单位的数字（如 4753.66），或留空、填“——”"
    )


def parse_rate(raw: object) -> Decimal | None:
    """Parse a rate cell to a fraction: 0.95, 95, '95%' and '95百分比' all give 0.95."""
    cell = _number_cell(raw, "比率")
    if cell is None:
        return None
    if isinstance(cell, Decimal):
        return cell / 100 if cell > Decimal("1.5") else cell
    s = cell
    percent_words = s.startswith("百分之")
    if percent_words:
        s = s[len("百分之") :]
    match = _AMOUNT_RE.fullmatch(s)
    if match is not None:
        number = Decimal(match["sign"] + match["number"])
        unit = normalise_unit(match["tail"]) if match["tail"] else ""
        if percent_words and not unit:
            unit = "%"
        if unit == "%":
            return number / 100
        if unit == "‰":
            return number / 1000
        if unit == "":  # a bare number above 1.5 is in percent points: 95 means 95%
            return number / 100 if number > Decimal("1.5") else number
    raise AmountError(f"无法把“{_safe_text(raw)}”读作比率：请填写如 95%、95 或 0.95 的数字，或留空、填“——”")


def to_decimal(raw: object) -> Decimal | None:
    """Plain number from int/float/Decimal/str, or None when the value is not a plain number."""
    if type(raw) is float:  # a number cell, the commonest: `_finite_decimal` without its type tests
        exact = Decimal(float.__repr__(raw))
        return exact if exact.is_finite() else None
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        return number if number is not None and number.is_finite() else None
    if not isinstance(raw, str | bytes | bytearray):
        return None
    s = _normalise(_safe_text(raw))
    return Decimal(s) if _PLAIN_NUMBER_RE.fullmatch(s) else None


def comparable(a: Quantity, b: Quantity) -> tuple[Decimal, Decimal] | None:
    """Numbers of two quantities in a common unit, or None when their units do not convert."""
    unit_a, unit_b = normalise_unit(a.unit), normalise_unit(b.unit)
    if unit_a == unit_b:
        return a.number, b.number
    if unit_a and unit_b:
        return None
    # One side is a bare number: read it in the other side's unit; against % a bare number
    # up to 1.5 is a fraction (0.95 vs 95%).
    unit = unit_a or unit_b

    def in_unit(number: Decimal, bare: bool) -> Decimal:
        return number * 100 if bare and unit == "%" and abs(number) <= Decimal("1.5") else number

    return in_unit(a.number, not unit_a), in_unit(b.number, not unit_b)
