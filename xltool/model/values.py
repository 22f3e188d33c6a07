"""Parse the cell values of 预算绩效自评表: targets, actuals, amounts and rates.

Standard library only, so that importing it stays fast: every reader and rule uses it.
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

from xltool.model.pickling import compact_pickle

__all__ = [
    "NOT_APPLICABLE",
    "AmountError",
    "NotApplicable",
    "Qualitative",
    "Quantity",
    "Value",
    "achievement_level",
    "comparable",
    "parse_amount",
    "parse_rate",
    "parse_value",
    "to_decimal",
]


@compact_pickle
@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its operator and base unit, as written in ``≥1.4万个``."""

    op: str  # ">=", "<=", "=" or "" for a bare number
    number: Decimal  # in base units: multipliers (万, 亿, 千) already applied
    unit: str  # normalised base unit: "个", "元", "%", "㎡", "元/亩"; "" if none
    text: str  # the cell text as written, stripped


@compact_pickle
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
_SPACE_RE: Final = re.compile(r"\s+")
_THOUSANDS_RE: Final = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
# NFKC turns ㎡ and m² into "m2"; put the superscript back so the digit is not read as a number.
_SUPERSCRIPT_RE: Final = re.compile(r"(?<=[A-Za-z])([23])(?![0-9.])")
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
    s = _SPACE_RE.sub("", s).replace("−", "-").replace("(含)", "")
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


# --- operators, multipliers and units ----------------------------------------------------------


def _longest_first(words: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


_OP_PREFIXES: Final = _longest_first(
    {
        **dict.fromkeys(["≥", "≧", "⩾", ">=", "=>", ">", "≮"], ">="),
        **dict.fromkeys(
            ["大于等于", "大于或等于", "不低于", "不少于", "不小于", "大于", "超过", "高于"], ">="
        ),
        "达到": ">=",
        **dict.fromkeys(["≤", "≦", "⩽", "<=", "=<", "<", "≯"], "<="),
        **dict.fromkeys(["小于等于", "小于或等于", "不高于", "不超过", "不大于", "不多于"], "<="),
        **dict.fromkeys(["小于", "低于", "少于", "控制在"], "<="),
        **dict.fromkeys(["==", "=", "等于"], "="),
        # Approximate values: no operator, scored like a bare number.
        **dict.fromkeys(["约", "大约"], ""),
    }
)
_OP_SUFFIXES: Final = _longest_first(
    {
        **dict.fromkeys(["及以上", "或以上", "以上", "不少于", "不低于", "不小于"], ">="),
        **dict.fromkeys(
            ["及以下", "或以下", "以下", "以内", "之内", "内", "不超过", "不高于", "不大于"], "<="
        ),
        "左右": "",
    }
)
_MULTIPLIERS: Final = (
    ("万亿", 10**12),
    ("千万", 10**7),
    ("百万", 10**6),
    ("十万", 10**5),
    ("亿", 10**8),
    ("万", 10**4),
    ("千", 10**3),
)
# Units that begin with 千 but are units of their own, not 千 × something.
_KILO_UNITS: Final = ("千克", "千米", "千瓦", "千伏", "千帕", "千焦", "千卡", "千字", "千兆")
_UNIT_ALIASES: Final = {
    "百分比": "%",
    "百分点": "%",
    "个百分点": "%",
    "平方米": "㎡",
    "平米": "㎡",
    "m²": "㎡",
    "平方公里": "km²",
    "平方千米": "km²",
    "立方米": "m³",
    "km": "公里",
    "千米": "公里",
    "kg": "千克",
    "公斤": "千克",
}
_UNIT_CHARS_RE: Final = re.compile(r"(?:[^\W\d_]|[/%‰°·²³])*")
# Words that make trailing text a sentence or a date rather than a unit: "12月底前", "5G基站建设".
_NOT_UNIT_RE: Final = re.compile(
    r"前|后|底|初|完成|开展|建设|实施|启动|达到|达成|实现|达标|合格|确保|截至|截止|期间|年度|以来"
    r"|提高|提升|降低|减少|增长|增加|覆盖|改善"
)
_QUANTITY_RE: Final = re.compile(
    rf"(?P<sign>[+-]?)(?P<n1>{_NUMBER})(?P<t1>[^0-9{_RANGE_SEP}]*)"
    rf"(?:[{_RANGE_SEP}]{{1,2}}(?P<n2>{_NUMBER})(?P<t2>[^0-9{_RANGE_SEP}]*))?"
)
_AMOUNT_RE: Final = re.compile(rf"(?P<sign>[+-]?)(?P<number>{_NUMBER})(?P<tail>[^0-9]*)")
_PLAIN_NUMBER_RE: Final = re.compile(rf"[+-]?{_NUMBER}(?:[eE][+-]?[0-9]{{1,4}})?")
_PER_RE: Final = re.compile(r"每(?P<per>[^0-9.+-]+?)(?P<rest>(?:[+-]?[0-9.]|百分之).*)")


def _take_prefix(s: str, words: tuple[tuple[str, str], ...]) -> tuple[str | None, str]:
    for word, op in words:
        if s.startswith(word):
            return op, s[len(word) :]
    return None, s


def _take_suffix(s: str, words: tuple[tuple[str, str], ...]) -> tuple[str | None, str]:
    for word, op in words:
        if s.endswith(word):
            return op, s[: -len(word)]
    return None, s


def _take_multiplier(tail: str) -> tuple[int, str]:
    if not tail.startswith(_KILO_UNITS):
        for word, factor in _MULTIPLIERS:
            if tail.startswith(word):
                return factor, tail[len(word) :]
    return 1, tail


def _is_unit(unit: str) -> bool:
    return (
        len(unit) <= 6
        and _UNIT_CHARS_RE.fullmatch(unit) is not None
        and not unit.startswith("/")
        and not unit.endswith("/")
        and ("%" not in unit or unit == "%")
        and _NOT_UNIT_RE.search(unit) is None
    )


@functools.lru_cache(maxsize=4096)  # units repeat: 个, %, 万元, 亩 …
def _normalise_unit(unit: str) -> str:
    """Canonical spelling of a unit: 百分比 → %, 平方米 → ㎡, 元每亩 → 元/亩."""
    unit = _SUPERSCRIPT_RE.sub(lambda m: "²" if m[1] == "2" else "³", unicodedata.normalize("NFKC", unit))
    unit = unit.replace("每", "/")
    parts = [_UNIT_ALIASES.get(part.lower() if part.isascii() else part, part) for part in unit.split("/")]
    return "/".join(parts)


def _read_tail(tail: str) -> tuple[str, int, str] | None:
    """(suffix operator, multiplier, unit) of the text after a number, or None if it is not a unit."""
    op, tail = _take_suffix(tail, _OP_SUFFIXES)
    factor, unit = _take_multiplier(tail)
    if not _is_unit(unit):
        return None
    return op or "", factor, unit


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
    s = _SUPERSCRIPT_RE.sub(lambda m: "²" if m[1] == "2" else "³", s)
    prefix_op, s = _take_prefix(s, _OP_PREFIXES)
    per, per_op = "", None
    if s.startswith("每"):
        per_match = _PER_RE.fullmatch(s)
        if per_match is None:
            return None
        per_op, per = _take_suffix(per_match["per"], _OP_PREFIXES)
        s = per_match["rest"]
        if not per or len(per) > 4 or not _is_unit(per):
            return None
    percent_words = s.startswith("百分之")
    if percent_words:
        s = s[len("百分之") :]
    match = _QUANTITY_RE.fullmatch(s)
    if match is None:
        return None
    first = _read_tail(match["t1"])
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
        second = _read_tail(match["t2"])
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
    return Quantity(op, number, _normalise_unit(unit), text)


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
        factor, unit = _take_multiplier(tail)
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
        unit = _normalise_unit(match["tail"]) if match["tail"] else ""
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
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float | Decimal):
        number = _finite_decimal(raw)
        return number if number is not None and number.is_finite() else None
    if not isinstance(raw, str | bytes | bytearray):
        return None
    s = _normalise(_safe_text(raw))
    return Decimal(s) if _PLAIN_NUMBER_RE.fullmatch(s) else None


# --- qualitative bands -------------------------------------------------------------------------

_ACHIEVE_WORDS: Final = (
    r"达成|达到|完成|实现|达标|显著|明显|满意|合格|理想|到位|及时|开展|实施|启动|开工|验收|落实|见效"
)
# Checked first, because "未达成" contains "达成" and "部分未完成" contains "部分".
_FAILED_RE: Final = re.compile(
    rf"(?:不|未|没有|没|尚未)(?:能)?(?:按[时期])?(?:全部|完全)?(?:{_ACHIEVE_WORDS})"
    r"|较差|很差|效果差|^差$|不好|无效果"
    r"|修订中|进行中|实施中|建设中|推进中|办理中|审批中|施工中|^.{1,4}中$|正在|^待|延期|滞后|推迟|暂停|停滞|取消"
)
# Checked second, because "部分达成" and "基本完成" contain "达成" and "完成".
_PARTIAL_RE: Final = re.compile(r"部分|基本|一定(?:效果|成效|程度|作用)|有所|一般|初步|^中$")
_ACHIEVED_RE: Final = re.compile(
    rf"{_ACHIEVE_WORDS}|良好|^良$|好|优|有效|提升|提高|改善|增强|全部|符合|按时|按期|^已"
)


def achievement_level(text: str) -> str | None:
    """Qualitative band of a text: 'achieved', 'partial', 'failed', or None if it says nothing."""
    if not isinstance(text, str):
        return None
    s = _SPACE_RE.sub("", unicodedata.normalize("NFKC", text))
    if not s:
        return None
    if _FAILED_RE.search(s):
        return "failed"
    if _PARTIAL_RE.search(s):
        return "partial"
    if _ACHIEVED_RE.search(s):
        return "achieved"
    return None


def comparable(a: Quantity, b: Quantity) -> tuple[Decimal, Decimal] | None:
    """Numbers of two quantities in a common unit, or None when their units do not convert."""
    unit_a, unit_b = _normalise_unit(a.unit), _normalise_unit(b.unit)
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
