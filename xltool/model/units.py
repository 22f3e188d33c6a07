"""Operators, multipliers and units of the values the forms hold: ≥ and 以上, 万 and 亿, 个, %, 元/亩.

Standard library only, like `xltool.model.values`, which reads numbers with them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

# NFKC turns ㎡ and m² into "m2"; put the superscript back so the digit is not read as a number.
SUPERSCRIPT_RE: Final = re.compile(r"(?<=[A-Za-z])([23])(?![0-9.])")


def _longest_first(words: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


OP_PREFIXES: Final = _longest_first(
    {
        **dict.fromkeys(["≥", "≧", "⩾", ">=", "=>", ">", "≮"], ">="),
        **dict.fromkeys(
            ["大于等于", "大于或等于", "不低于", "不少于", "不小于", "大于", "超过", "高于"], ">="
        ),
        "达到": ">=",
        **dict.fromkeys(["≤", "≦", "⩽", "<=", "=<", "<", "≯"], "<="),
        **dict.fromkeys(["小于等于", "小于或等于", "不高于", "不超过", "不大于", "不多于"], "<="),
        **dict.fromkeys(["小于", "低于", "少于", "控制在"], "<="),
        **dict.fromkeys(["==", "=", "═", "等于"], "="),
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


def take_prefix(s: str, words: tuple[tuple[str, str], ...]) -> tuple[str | None, str]:
    for word, op in words:
        if s.startswith(word):
            return op, s[len(word) :]
    return None, s


def take_suffix(s: str, words: tuple[tuple[str, str], ...]) -> tuple[str | None, str]:
    for word, op in words:
        if s.endswith(word):
            return op, s[: -len(word)]
    return None, s


def take_multiplier(tail: str) -> tuple[int, str]:
    if not tail.startswith(_KILO_UNITS):
        for word, factor in _MULTIPLIERS:
            if tail.startswith(word):
                return factor, tail[len(word) :]
    return 1, tail


def is_unit(unit: str) -> bool:
    return (
        len(unit) <= 8
        and _UNIT_CHARS_RE.fullmatch(unit) is not None
        and not unit.startswith("/")
        and not unit.endswith("/")
        and ("%" not in unit or unit == "%")
        and _NOT_UNIT_RE.search(unit) is None
    )


# How compound units multiply: 人*月, 人×月, 人x月, 人·月, 人•月 all mean 人·月.
_PRODUCT_RE: Final = re.compile(r"[*×•∙⋅・]|(?<=[^\x00-\x7f])[xX](?=[^\x00-\x7f])")
_BRACKETS: Final = str.maketrans("", "", "()[]【】")


def compound(unit: str) -> str:
    """A unit with its brackets dropped and its product signs written ``·``: 元/(人*月) → 元/人·月."""
    if not unit:
        return unit
    return _PRODUCT_RE.sub("·", unit.translate(_BRACKETS))


@functools.lru_cache(maxsize=4096)  # units repeat: 个, %, 万元, 亩 …
def normalise_unit(unit: str) -> str:
    """Canonical spelling of a unit: 百分比 → %, 平方米 → ㎡, 元每亩 → 元/亩, 元/人/月 → 元/人·月."""
    unit = SUPERSCRIPT_RE.sub(lambda m: "²" if m[1] == "2" else "³", unicodedata.normalize("NFKC", unit))
    unit = compound(unit).replace("每", "/")
    parts = [_UNIT_ALIASES.get(part.lower() if part.isascii() else part, part) for part in unit.split("/")]
    if len(parts) > 2:  # 元/人/月: per person and per month, one denominator 人·月
        return f"{parts[0]}/{'·'.join(parts[1:])}"
    return "/".join(parts)


def read_tail(tail: str) -> tuple[str, int, str] | None:
    """(suffix operator, multiplier, unit) of the text after a number, or None if it is not a unit."""
    op, tail = take_suffix(tail, _OP_SUFFIXES)
    factor, unit = take_multiplier(compound(tail))
    if not is_unit(unit):
        return None
    return op or "", factor, unit
