"""Targets as published forms write them: compound units, operators and brackets in every spelling
parse to one (operator, number, unit)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltool.model.values import Quantity, comparable, parse_value

D = Decimal


def as_tuple(value: object) -> object:
    """(op, number, unit) for a Quantity, the value itself otherwise."""
    if isinstance(value, Quantity):
        return (value.op, value.number, value.unit)
    return value


PER_PERSON_MONTH = (">=", D(530), "元/人·月")


@pytest.mark.parametrize(
    "raw",
    [
        ">=530元/人*月",
        "≥530元/人·月",
        "≧ 530 元 / 人 × 月",
        "不少于530元/人x月",
        "不低于530元/（人·月）",
        "≥530元/人/月",
        "530元每人每月以上",
        "每人每月不低于530元",
        "≥ 530（元/人*月）",
        "≥530元/人•月",
    ],
)
def test_compound_units_of_one_target_read_alike(raw: str) -> None:
    assert as_tuple(parse_value(raw)) == PER_PERSON_MONTH


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("═530元/人*月", ("=", D(530), "元/人·月")),
        ("≦5元/千克", ("<=", D(5), "元/千克")),
        ("<= 5 万元/个", ("<=", D(50000), "元/个")),
        ("不超过5天", ("<=", D(5), "天")),
        ("3个工作日以内", ("<=", D(3), "个工作日")),
        ("90%以上", (">=", D(90), "%")),
        ("≥ 90 ％", (">=", D(90), "%")),
        ("100（个）", ("", D(100), "个")),
        ("≥100(人次)", (">=", D(100), "人次")),
        ("120kW·h", ("", D(120), "kW·h")),
    ],
)
def test_operator_and_bracket_spellings(raw: str, expected: tuple[str, Decimal, str]) -> None:
    assert as_tuple(parse_value(raw)) == expected


def test_a_compound_actual_is_compared_with_its_target() -> None:
    target, actual = parse_value(">=530元/人*月"), parse_value("400")
    assert isinstance(target, Quantity) and isinstance(actual, Quantity)
    assert comparable(target, actual) == (D(530), D(400))
    assert comparable(target, parse_value("400元/(人·月)")) == (D(530), D(400))  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["1/3", "5G基站建设", "12月底前", "2022年*月"])
def test_what_is_no_compound_unit_stays_text(raw: str) -> None:
    assert not isinstance(parse_value(raw), Quantity)


# --- property: every spelling of a compound unit --------------------------------------------------

OPERATORS = {
    ">=": ["≥", ">=", "≧", "＞＝", "不少于", "不低于", "大于等于"],
    "<=": ["≤", "<=", "≦", "＜＝", "不超过", "不高于", "小于等于"],
    "=": ["=", "＝", "═", "等于"],
    "": [""],
}
SUFFIXES = {">=": ["以上", "及以上", "不少于"], "<=": ["以内", "以下", "及以下"]}
NUMERATORS = ["元", "个", "人次", "千克", "份"]
DENOMINATORS = ["人", "月", "亩", "户", "年", "次"]
PRODUCT_SIGNS = ["*", "×", "x", "X", "·", "•", "/"]
SPACES = ["", " ", "  ", "\u3000"]


@st.composite
def compound_targets(draw: st.DrawFn) -> tuple[str, tuple[str, Decimal, str]]:
    """A target with a compound unit as a person writes it, and the (op, number, unit) it means."""
    number = draw(st.decimals(min_value=0, max_value=10**6, places=draw(st.sampled_from([0, 2]))))
    numerator = draw(st.sampled_from(NUMERATORS))
    per = draw(st.lists(st.sampled_from(DENOMINATORS), min_size=1, max_size=2, unique=True))
    op = draw(st.sampled_from(sorted(OPERATORS)))
    prefix, suffix = draw(st.sampled_from(OPERATORS[op])), ""
    if op in SUFFIXES and draw(st.booleans()):
        prefix, suffix = "", draw(st.sampled_from(SUFFIXES[op]))

    def space() -> str:
        return draw(st.sampled_from(SPACES))

    style = draw(st.sampled_from(["slash", "words", "brackets"]))
    if style == "words":  # 元每人每月
        unit = numerator + "".join(f"每{p}" for p in per)
    else:
        sign = draw(st.sampled_from(PRODUCT_SIGNS))
        denominator = f"{space()}{sign}{space()}".join(per)
        if style == "brackets" and len(per) > 1:
            left, right = draw(st.sampled_from([("(", ")"), ("（", "）")]))
            denominator = f"{left}{denominator}{right}"
        unit = f"{numerator}{space()}/{space()}{denominator}"
    if draw(st.booleans()):  # the whole unit in brackets: 530（元/人·月）
        left, right = draw(st.sampled_from([("(", ")"), ("（", "）")]))
        unit = f"{left}{unit}{right}"
    text = f"{prefix}{space()}{format(number, 'f')}{space()}{unit}{suffix}"
    return text, (op, number, f"{numerator}/{'·'.join(per)}")


@given(compound_targets())
def test_compound_units_round_trip(case: tuple[str, tuple[str, Decimal, str]]) -> None:
    text, expected = case
    assert as_tuple(parse_value(text)) == expected, text
