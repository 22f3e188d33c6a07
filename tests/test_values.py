"""Tests for xltool.model.values: cell values of the self-evaluation forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltool.model.qualitative import achievement_level
from xltool.model.values import (
    NOT_APPLICABLE,
    AmountError,
    NotApplicable,
    Qualitative,
    Quantity,
    comparable,
    parse_amount,
    parse_rate,
    parse_value,
    to_decimal,
)

D = Decimal
FULL_WIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")


def as_tuple(value: object) -> object:
    """(op, number, unit) for a Quantity, the value itself otherwise."""
    if isinstance(value, Quantity):
        return (value.op, value.number, value.unit)
    return value


# --- parse_value: concrete cases ---------------------------------------------------------------

QUANTITIES = [
    ("≥50个", (">=", D(50), "个")),
    ("≤90万元", ("<=", D(900000), "元")),
    ("=8个", ("=", D(8), "个")),
    ("≥100百分比", (">=", D(100), "%")),
    ("100%", ("", D(100), "%")),
    ("1.2万亩", ("", D(12000), "亩")),
    ("2.6亿元", ("", D(260000000), "元")),
    ("每亩300元", ("", D(300), "元/亩")),
    ("90%以上", (">=", D(90), "%")),
    ("90%及以上", (">=", D(90), "%")),
    ("1.4万个", ("", D(14000), "个")),
    ("1万本", ("", D(10000), "本")),
    ("4753.66万元", ("", D(47536600), "元")),
    ("95%", ("", D(95), "%")),
    ("95百分比", ("", D(95), "%")),
    ("5个百分点", ("", D(5), "%")),
    ("１２３４．５个", ("", D("1234.5"), "个")),
    ("≥９５％", (">=", D(95), "%")),
    ("＞＝10个", (">=", D(10), "个")),
    ("1,234.5", ("", D("1234.5"), "")),
    ("1，234个", ("", D(1234), "个")),
    ("1 234 户", ("", D(1234), "户")),
    ("95", ("", D(95), "")),
    ("0.95", ("", D("0.95"), "")),
    (" 12 ", ("", D(12), "")),
    ("不低于300亩", (">=", D(300), "亩")),
    ("不少于20人次", (">=", D(20), "人次")),
    ("大于等于98%", (">=", D(98), "%")),
    ("达到100%", (">=", D(100), "%")),
    ("不超过5万元", ("<=", D(50000), "元")),
    ("控制在5%以内", ("<=", D(5), "%")),
    ("低于3%", ("<=", D(3), "%")),
    ("100万元以内", ("<=", D(1000000), "元")),
    ("3个工作日内", ("<=", D(3), "个工作日")),
    ("10天以下", ("<=", D(10), "天")),
    ("等于12月", ("=", D(12), "月")),
    ("每亩不低于300元", (">=", D(300), "元/亩")),
    ("300元/亩", ("", D(300), "元/亩")),
    ("300元每亩", ("", D(300), "元/亩")),
    ("100㎡", ("", D(100), "㎡")),
    ("100平方米", ("", D(100), "㎡")),
    ("100m2", ("", D(100), "㎡")),
    ("2公顷", ("", D(2), "公顷")),
    ("5km", ("", D(5), "公里")),
    ("5千元", ("", D(5000), "元")),
    ("5千克", ("", D(5), "千克")),
    ("1.4万", ("", D(14000), "")),
    ("百分之95", ("", D(95), "%")),
    ("约100人", ("", D(100), "人")),
    ("100人左右", ("", D(100), "人")),
    ("12台套", ("", D(12), "台套")),  # unknown units survive
    ("-5%", ("", D(-5), "%")),
    # Ranges are read as ">=" their lower bound.
    ("90%-100%", (">=", D(90), "%")),
    ("85～95", (">=", D(85), "")),
    ("90-100%", (">=", D(90), "%")),
    ("1-2万元", (">=", D(10000), "元")),
]


@pytest.mark.parametrize(("raw", "expected"), QUANTITIES)
def test_parse_value_quantities(raw: str, expected: tuple[str, Decimal, str]) -> None:
    value = parse_value(raw)
    assert as_tuple(value) == expected
    assert isinstance(value, Quantity)
    assert value.text == raw.strip()


@pytest.mark.parametrize(
    "raw",
    [
        "达成预期指标",
        "达成年度指标",
        "部分达成年度指标并具有一定效果",
        "未达成年度指标且效果较差",
        "显著",
        "效果明显",
        "修订中",
        "完成架桥镇规划修订",
        "2022年12月31日前",
        "2022年",
        "2022-2023年",
        "12月底前",
        "5G基站建设",
        "95%合格",
        "≥90%以下",  # contradictory operators are not guessed
        "2023-12",  # a date, not a range: the bounds are reversed
        "见附件",
        "1/3",
    ],
)
def test_parse_value_qualitative(raw: str) -> None:
    assert parse_value(raw) == Qualitative(raw)


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "\u3000", "——", "—", "-", "--", "/", "－", "#N/A", float("nan"), D("NaN")]
)
def test_parse_value_blank(raw: object) -> None:
    assert parse_value(raw) is None


@pytest.mark.parametrize("raw", ["不适用", "N/A", "n/a", " 不适用 "])
def test_parse_value_not_applicable(raw: str) -> None:
    value = parse_value(raw)
    assert value is NOT_APPLICABLE
    assert isinstance(value, NotApplicable)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (50, Quantity("", D(50), "", "50")),
        (0.1, Quantity("", D("0.1"), "", "0.1")),
        (D("4753.66"), Quantity("", D("4753.66"), "", "4753.66")),
        (True, Qualitative("True")),
        (float("inf"), Qualitative("inf")),
        (dt.datetime(2022, 12, 31), Qualitative("2022-12-31")),
        (dt.date(2022, 12, 31), Qualitative("2022-12-31")),
        (b"95%", Quantity("", D(95), "%", "95%")),
    ],
)
def test_parse_value_non_text(raw: object, expected: object) -> None:
    assert parse_value(raw) == expected


def test_parse_value_keeps_original_text() -> None:
    value = parse_value(" ≥５０个 ")
    assert value == Quantity(">=", D(50), "个", "≥５０个")


# --- parse_value: properties -------------------------------------------------------------------

FORM_ALPHABET = (
    "0123456789.,，%％≥≤=<>万亿千元个亩以上下内每-~—／/ 百分比不低于超过约左右年月日前中达成未部分"
)
ANY_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(),
    st.text(alphabet=FORM_ALPHABET),
    st.binary(),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.lists(st.integers(), max_size=3),
)


@given(ANY_CELL)
def test_parse_value_never_raises(raw: object) -> None:
    value = parse_value(raw)
    assert value is None or isinstance(value, Quantity | Qualitative | NotApplicable)


@given(ANY_CELL)
def test_amount_and_rate_raise_only_amount_error(raw: object) -> None:
    for parse in (parse_amount, parse_rate):
        try:
            result = parse(raw)
        except AmountError as error:
            assert str(error)
        else:
            assert result is None or isinstance(result, Decimal)


@given(ANY_CELL)
def test_to_decimal_never_raises(raw: object) -> None:
    result = to_decimal(raw)
    assert result is None or (isinstance(result, Decimal) and result.is_finite())


OPERATORS = {
    ">=": ["≥", ">=", "≧", "不低于", "不少于", "大于等于", "超过"],
    "<=": ["≤", "<=", "不超过", "不高于", "低于", "控制在"],
    "=": ["=", "＝", "等于"],
    "": [""],
}
SUFFIXES = {">=": ["以上", "及以上"], "<=": ["以下", "以内"]}
UNITS = [
    ("个", "个"),
    ("亩", "亩"),
    ("元", "元"),
    ("公顷", "公顷"),
    ("人次", "人次"),
    ("元/亩", "元/亩"),
    ("平方米", "㎡"),
    ("本", "本"),
    ("户", "户"),
    ("个工作日", "个工作日"),
    ("km", "公里"),
    ("", ""),
]
PERCENT_UNITS = [("%", "%"), ("％", "%"), ("百分比", "%")]
MULTIPLIERS = [("", 1), ("万", 10**4), ("亿", 10**8), ("千", 10**3)]
NUMBERS = st.one_of(
    st.decimals(min_value=0, max_value=10**9, places=0),
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=1000, places=4),
)


@st.composite
def written_quantities(draw: st.DrawFn) -> tuple[str, tuple[str, Decimal, str]]:
    """A target as a person writes it, and the (op, number, unit) it means."""
    number = draw(NUMBERS)
    written_number = draw(st.sampled_from([format(number, "f"), format(number, ",f")]))
    if draw(st.booleans()):
        written_number = written_number.translate(FULL_WIDTH)
    if draw(st.booleans()):
        unit, expected_unit = draw(st.sampled_from(PERCENT_UNITS))
        multiplier, factor = "", 1
    else:
        unit, expected_unit = draw(st.sampled_from(UNITS))
        multiplier, factor = draw(st.sampled_from(MULTIPLIERS))
    op = draw(st.sampled_from(sorted(OPERATORS)))
    prefix, suffix = draw(st.sampled_from(OPERATORS[op])), ""
    if op in SUFFIXES and draw(st.booleans()):
        prefix, suffix = "", draw(st.sampled_from(SUFFIXES[op]))
    text = f"{prefix}{written_number}{multiplier}{unit}{suffix}"
    return text, (op, number * factor, expected_unit)


@given(written_quantities())
def test_parse_value_round_trips(case: tuple[str, tuple[str, Decimal, str]]) -> None:
    text, expected = case
    assert as_tuple(parse_value(text)) == expected


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_value_of_integers(number: int) -> None:
    assert parse_value(number) == Quantity("", D(number), "", str(number))
    assert parse_value(str(number)) == Quantity("", D(number), "", str(number))


# --- parse_amount ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3279.93, D("3279.93")),
        (100, D(100)),
        (D("12.5"), D("12.5")),
        ("4753.66万元", D("4753.66")),
        ("2.6亿元", D(26000)),
        ("3,279.93", D("3279.93")),
        ("３２７９．９３", D("3279.93")),
        ("１，２３４．５６", D("1234.56")),
        ("12345元", D("1.2345")),
        (" 60596.97 ", D("60596.97")),
        ("-94.41", D("-94.41")),
        ("4753.66(万元)", D("4753.66")),
        (None, None),
        ("", None),
        ("——", None),
        ("-", None),
        ("—", None),
        ("/", None),
        ("无", None),
        (float("nan"), None),
    ],
)
def test_parse_amount(raw: object, expected: Decimal | None) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["见附件", "≤90万元", "50个", "1-2", True, float("inf"), dt.date(2022, 1, 1)])
def test_parse_amount_rejects(raw: object) -> None:
    with pytest.raises(AmountError, match=r"金额|数字"):
        parse_amount(raw)


def test_amount_error_is_a_value_error_with_chinese_message() -> None:
    with pytest.raises(ValueError, match="无法把“见附件”读作金额"):
        parse_amount("见附件")


AMOUNTS = st.decimals(min_value=-(10**9), max_value=10**9, places=2)


@given(AMOUNTS, st.booleans(), st.booleans())
def test_parse_amount_round_trips(amount: Decimal, thousands: bool, full_width: bool) -> None:
    text = format(amount, ",f" if thousands else "f")
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_amount(text) == amount
    assert parse_amount(f"{text}万元") == amount
    assert parse_amount(f"{text}亿元") == amount * 10000
    assert parse_amount(f"{text}元") == amount / 10000


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_amount_of_floats_keeps_their_shortest_form(number: float) -> None:
    assert parse_amount(number) == D(repr(number))


# --- parse_rate --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.95, D("0.95")),
        (95, D("0.95")),
        (1, D(1)),
        (1.5, D("1.5")),
        (D(100), D(1)),
        ("95%", D("0.95")),
        ("95百分比", D("0.95")),
        ("82.6%", D("0.826")),
        ("９５％", D("0.95")),
        ("0.95", D("0.95")),
        ("95", D("0.95")),
        ("百分之95", D("0.95")),
        (None, None),
        ("", None),
        ("——", None),
    ],
)
def test_parse_rate(raw: object, expected: Decimal | None) -> None:
    assert parse_rate(raw) == expected


@pytest.mark.parametrize("raw", ["很高", "95个", "≥95%", False])
def test_parse_rate_rejects(raw: object) -> None:
    with pytest.raises(AmountError, match=r"比率|数字"):
        parse_rate(raw)


@given(st.decimals(min_value=-1000, max_value=1000, places=3))
def test_parse_rate_of_percent_text(x: Decimal) -> None:
    assert parse_rate(f"{x}%") == x / 100
    assert parse_rate(f"{x}百分比") == x / 100


@given(st.decimals(min_value=D("1.501"), max_value=1000, places=3))
def test_parse_rate_reads_bare_numbers_above_one_and_a_half_as_percent(x: Decimal) -> None:
    assert parse_rate(x) == x / 100
    assert parse_rate(str(x)) == x / 100


# --- to_decimal --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.1, D("0.1")),
        (12, D(12)),
        (D("1.50"), D("1.50")),
        (" 3,279.93 ", D("3279.93")),
        ("３２７９．９３", D("3279.93")),
        ("1 234", D(1234)),
        ("-5", D(-5)),
        ("1e3", D(1000)),
        ("95%", None),
        ("——", None),
        ("abc", None),
        ("nan", None),
        ("Infinity", None),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        (None, None),
        ([1], None),
    ],
)
def test_to_decimal(raw: object, expected: Decimal | None) -> None:
    assert to_decimal(raw) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_decimal_of_floats_goes_through_repr(number: float) -> None:
    assert to_decimal(number) == D(repr(number))


# --- achievement_level -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("达成年度指标", "achieved"),
        ("达成预期指标", "achieved"),
        ("已完成", "achieved"),
        ("完成", "achieved"),
        ("全部完成", "achieved"),
        ("达到", "achieved"),
        ("达标", "achieved"),
        ("显著", "achieved"),
        ("效果明显", "achieved"),
        ("良好", "achieved"),
        ("满意", "achieved"),
        ("部分达成年度指标并具有一定效果", "partial"),
        ("部分完成", "partial"),
        ("基本完成", "partial"),
        ("基本达成", "partial"),
        ("一定效果", "partial"),
        ("基本满意", "partial"),
        ("未达成年度指标且效果较差", "failed"),
        ("未完成", "failed"),
        ("未达成", "failed"),
        ("较差", "failed"),
        ("修订中", "failed"),
        ("进行中", "failed"),
        ("未开展", "failed"),
        ("不满意", "failed"),
        ("效果不明显", "failed"),
        ("部分未完成", "failed"),
        ("未发生安全事故", None),
        ("无", None),
        ("", None),
        ("232个", None),
    ],
)
def test_achievement_level(text: str, expected: str | None) -> None:
    assert achievement_level(text) == expected


ACHIEVE_VERBS = ["达成", "达到", "完成", "实现", "达标"]
OBJECTS = ["", "年度指标", "预期指标", "预期目标"]


@given(st.sampled_from(ACHIEVE_VERBS), st.sampled_from(OBJECTS), st.sampled_from(["", "已", "全部", " "]))
def test_achievement_level_order(verb: str, obj: str, lead: str) -> None:
    # Negation beats partial beats achieved, whatever the verb and its object.
    assert achievement_level(f"{lead}{verb}{obj}") == "achieved"
    for negation in ["未", "没有", "尚未", "未能", "部分未"]:
        assert achievement_level(f"{negation}{verb}{obj}") == "failed"
    for partial in ["部分", "基本"]:
        assert achievement_level(f"{partial}{verb}{obj}") == "partial"
        assert achievement_level(f"{partial}{verb}{obj}并具有一定效果") == "partial"
    assert achievement_level(f"未{verb}{obj}且效果较差") == "failed"


# --- comparable --------------------------------------------------------------------------------


def q(text: str) -> Quantity:
    value = parse_value(text)
    assert isinstance(value, Quantity)
    return value


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("≥50个", "48个", (D(50), D(48))),
        ("≤90万元", "4753.66万元", (D(900000), D(47536600))),
        ("≤90万元", "120000元", (D(900000), D(120000))),
        ("2.6亿元", "26000万元", (D(260000000), D(260000000))),
        ("95%", "0.95", (D(95), D(95))),
        ("0.95", "95%", (D(95), D(95))),
        ("≥95%", "98百分比", (D(95), D(98))),
        ("95%", "96", (D(95), D(96))),
        ("232", "38714个", (D(232), D(38714))),
        ("≥50个", "50亩", None),
        ("100%", "100个", None),
        ("5", "6", (D(5), D(6))),
    ],
)
def test_comparable(a: str, b: str, expected: tuple[Decimal, Decimal] | None) -> None:
    assert comparable(q(a), q(b)) == expected


def test_comparable_normalises_units_of_hand_made_quantities() -> None:
    a = Quantity(">=", D(95), "百分比", "≥95百分比")
    b = Quantity("", D("0.96"), "", "0.96")
    assert comparable(a, b) == (D(95), D(96))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_becomes_the_decimal_of_its_shortest_repr_or_none_when_not_finite(value: float) -> None:
    """The quick path for float cells gives what the general one gives (`_finite_decimal`, then finite)."""
    from xltool.model.values import _finite_decimal

    general = _finite_decimal(value)
    expected = general if general is not None and general.is_finite() else None
    assert repr(to_decimal(value)) == repr(expected)
