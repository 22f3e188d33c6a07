"""Natural order of department and file names: numbers compare as numbers, in digits or as ordinals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltool.model.names import chinese_number, natural_key

DIGITS = "零一二三四五六七八九"


def spelled(n: int) -> str:
    """How 1–9999 is written in Chinese numerals (十一, 一百零五, 三千零二十)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + DIGITS[digit] + unit
            zero = False
        else:
            zero = bool(out)
    return out


@pytest.mark.parametrize(
    ("numerals", "value"),
    [("十", 10), ("十一", 11), ("二十", 20), ("一百零五", 105), ("一百一十", 110), ("两百", 200),
     ("三千零二十", 3020), ("二〇二二", 2022), ("九十九", 99)],
)  # fmt: skip
def test_chinese_numbers(numerals: str, value: int) -> None:
    assert chinese_number(numerals) == value


@given(st.integers(min_value=1, max_value=9999))
def test_every_number_spelled_out_reads_back(n: int) -> None:
    assert chinese_number(spelled(n)) == n


def test_ordinals_sort_as_numbers_in_digits_or_in_chinese() -> None:
    names = ["县第十中学", "县第二中学", "县第11中学", "县第一中学", "县第十二中学", "县第3中学"]
    ordered = sorted(names, key=lambda n: [natural_key(n), n])
    assert ordered == ["县第一中学", "县第二中学", "县第3中学", "县第十中学", "县第11中学", "县第十二中学"]


def test_numerals_outside_an_ordinal_stay_text() -> None:
    # 一 in 统一 or 一般, 十 in 十堰: words, not numbers; only what follows 第 is an ordinal.
    assert natural_key("统一局") == [[0, "统一局"]]
    assert natural_key("十堰市第二局") == [[0, "十堰市第"], [1, 2], [0, "局"]]
    assert natural_key("第2局") == natural_key("第二局")
