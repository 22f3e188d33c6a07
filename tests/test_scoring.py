"""Scoring (xltool/scoring.py) under the rules of rules.md: each indicator kind, units, bands, 不适用,
over-target deductions and execution caps, rounding, the budget score, and grades.

Most indicator cases sit in one built 附件3 (their weights need not add up: each indicator is scored on
its own), read back and scored once per profile.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    CLEAN_INDICATORS,
    DEPARTMENT_SHEET,
    PROJECT_SHEET,
    IndicatorSpec,
    Run,
    check_folder,
    department_sheet,
    project_sheet,
    replace_indicator,
    write_rows,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from xltool.model.rounding import fmt_num, fmt_rate, round2, round2_array
from xltool.rules.profile import load_profile
from xltool.rules.scoring import IndicatorStatus as S

P = PROJECT_SHEET
ProjectCheck = Callable[..., Run]
PARTIAL = "部分达成年度指标并具有一定效果"
FAILED = "未达成年度指标且效果较差"
OUT = "产出指标(50分)"

# (三级指标, 年度指标值, 实际完成值, 自评得分, rule score under mof2020, status); weight 10 each.
CASES: list[tuple[str, object, object, object, float, str]] = [
    # positive: ≥ or a bare number
    ("正向达标", "≥10个", "12个", 10, 10, S.QUANTITATIVE),
    ("正向刚好", "≥10个", "10个", 10, 10, S.QUANTITATIVE),
    ("正向未达", "≥10个", "8个", 8, 8, S.QUANTITATIVE),
    ("裸数未达", "10个", "8个", 8, 8, S.QUANTITATIVE),
    ("裸数超出", "10个", "11个", 10, 10, S.QUANTITATIVE),
    ("以上未达", "90%以上", "85%", 9.44, 9.44, S.QUANTITATIVE),
    # reverse: ≤ (ratio by default; see test_reverse_linear for the profile option)
    ("反向达标", "≤100万元", "90万元", 10, 10, S.QUANTITATIVE),
    ("反向刚好", "≤100万元", "100万元", 10, 10, S.QUANTITATIVE),
    ("反向超支", "≤100万元", "125万元", 8, 8, S.QUANTITATIVE),
    ("反向翻倍", "≤100万元", "200万元", 5, 5, S.QUANTITATIVE),
    ("反向三倍", "≤100万元", "300万元", 3.33, 3.33, S.QUANTITATIVE),
    # equality
    ("等于相等", "=8个", "8个", 10, 10, S.QUANTITATIVE),
    ("等于偏多", "=8个", "10个", 8, 8, S.QUANTITATIVE),
    ("等于偏少", "=8个", "6个", 7.5, 7.5, S.QUANTITATIVE),
    # units: 万 / 亿 multipliers, % and 百分比, a fraction against a % target
    ("万亩达标", "≥1.2万亩", "12000亩", 10, 10, S.QUANTITATIVE),
    ("万亩未达", "≥1.2万亩", "9000亩", 7.5, 7.5, S.QUANTITATIVE),
    ("亿元达标", "≥2.6亿元", "26000万元", 10, 10, S.QUANTITATIVE),
    ("亿元未达", "≥2.6亿元", "1.3亿元", 5, 5, S.QUANTITATIVE),
    ("百分比达标", "≥95百分比", "95%", 10, 10, S.QUANTITATIVE),
    ("百分比未达", "≥95%", "76百分比", 8, 8, S.QUANTITATIVE),
    ("小数达标", "≥95%", 0.95, 10, 10, S.QUANTITATIVE),
    ("小数未达", "≥95%", 0.76, 8, 8, S.QUANTITATIVE),
    ("单位不符", "≥10个", "10亩", 7, 7, S.UNIT_MISMATCH),
    # qualitative: achieved words score full; a band keeps the self-score inside it
    ("定性达成", "明显改善", "达成年度指标", 9, 10, S.QUALITATIVE_FULL),
    ("定性已完成", "按期完成", "已完成", 9, 10, S.QUALITATIVE_FULL),
    ("定性同词", "有效消除", "有效消除", 6, 10, S.QUALITATIVE_FULL),
    ("部分带内", "明显改善", PARTIAL, 7, 7, S.QUALITATIVE_BAND),
    ("部分高于带", "明显改善", PARTIAL, 10, 8, S.QUALITATIVE_BAND),
    ("部分低于带", "明显改善", PARTIAL, 5, 6, S.QUALITATIVE_BAND),
    ("部分未自评", "明显改善", PARTIAL, None, 6, S.QUALITATIVE_BAND),
    ("未达带内", "明显改善", FAILED, 5, 5, S.QUALITATIVE_BAND),
    ("未达高于带", "明显改善", FAILED, 8, 6, S.QUALITATIVE_BAND),
    ("说不清", "明显改善", "见附件", 7, 7, S.QUALITATIVE_UNKNOWN),
    ("定量写字", "1个", "修订中", 5, 5, S.NONNUMERIC_ACTUAL),
    # a bare target of 0 is a ceiling: 安全事故 0起
    ("零目标达成", "0起", "0起", 10, 10, S.QUANTITATIVE),
    ("零目标未达", "0起", "1起", 10, 0, S.QUANTITATIVE),
    ("零下限", "≥0个", "3个", 10, 10, S.QUANTITATIVE),
    # missing values
    ("缺实际", "≥10个", None, 10, 0, S.MISSING_ACTUAL),
    ("缺目标", None, "10个", 9, 9, S.MISSING_TARGET),
    ("不适用", "≥10个", "不适用", None, math.nan, S.NA),
    # rounding half up to 2 decimals: 10 × 165.1 ÷ 200 = 8.255 → 8.26
    ("舍入", "200个", "165.1个", 8.26, 8.26, S.QUANTITATIVE),
    ("三分之二", "≥3个", "2个", 6.67, 6.67, S.QUANTITATIVE),
]


def case_rows(cases: list[tuple[str, object, object, object, float, str]]) -> tuple[IndicatorSpec, ...]:
    return tuple(
        (OUT, "数量指标", name, target, actual, 10, score, "说明")
        for name, target, actual, score, *_ in cases
    )


@pytest.fixture(scope="module")
def cases_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scoring")
    write_rows(folder / "附件3.xlsx", {P: project_sheet(indicators=case_rows(CASES))})
    return folder


@pytest.fixture(scope="module")
def scored(cases_folder: Path) -> Run:
    return check_folder(cases_folder)


@pytest.fixture(scope="module")
def scored_linear(cases_folder: Path) -> Run:
    return check_folder(cases_folder, dataclasses.replace(load_profile(), reverse_scoring="linear"))


@pytest.mark.parametrize(
    ("name", "score", "status"), [(c[0], c[4], c[5]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_indicator_score(scored: Run, name: str, score: float, status: str) -> None:
    row = scored.indicator(P, name)
    assert row["status"] == status
    if math.isnan(score):
        assert math.isnan(float(row["score"]))  # type: ignore[arg-type]
    else:
        assert row["score"] == score


@pytest.mark.parametrize(
    ("name", "ratio", "linear"),
    [("反向达标", 10, 10), ("反向超支", 8, 7.5), ("反向翻倍", 5, 0), ("反向三倍", 3.33, 0)],
)
def test_reverse_ratio_and_linear(
    scored: Run, scored_linear: Run, name: str, ratio: float, linear: float
) -> None:
    # ratio: weight × target ÷ actual; linear: down to 0 at twice the target.
    assert scored.indicator(P, name)["score"] == ratio
    assert scored_linear.indicator(P, name)["score"] == linear


def test_linear_leaves_other_kinds_alone(scored: Run, scored_linear: Run) -> None:
    for name in ("正向未达", "等于偏少", "部分高于带", "舍入"):
        assert scored_linear.indicator(P, name)["score"] == scored.indicator(P, name)["score"]


@pytest.mark.parametrize(
    ("name", "over"),
    [("正向达标", False), ("裸数超出", False), ("反向达标", False), ("等于偏多", False), ("万亩达标", False)],
)
def test_over_target_flag_below_30_percent(scored: Run, name: str, over: bool) -> None:
    assert bool(scored.indicator(P, name)["over_target"]) is over


def test_round2_is_half_up() -> None:
    assert list(round2_array(np.array([8.255, 2.675, 1.005, 0.125, 8.254999, 99.995]))) == [
        8.26,
        2.68,
        1.01,
        0.13,
        8.25,
        100.0,
    ]


# ---------------------------------------------------------------------------------------------
# Over target: the flag, and −2 per indicator under the yitihua profile


def over_two() -> dict[str, object]:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="13个", reason="指标值偏保守")
    return {"indicators": replace_indicator(indicators, "项目成本", actual="70万元", reason="招标节约")}


def test_over_target_is_flagged_without_deduction_by_default(check_project: ProjectCheck) -> None:
    run = check_project(**over_two())
    assert run.ctx.indicators["over_target"].sum() == 2
    total = run.total(P)
    assert (total["score"], total["deduction"]) == (100, 0)


def test_over_target_deducts_two_points_each_under_yitihua(check_project: ProjectCheck) -> None:
    run = check_project(profile="yitihua", **over_two(), total_score=100)
    total = run.total(P)
    assert (total["score"], total["deduction"]) == (96, 4)
    assert all(f.message.endswith("按yitihua口径扣2分") for f in run.findings if f.rule == "C-OVER-TARGET")
    assert run.only("C-TOTAL-OVER").expected == 96


# ---------------------------------------------------------------------------------------------
# Execution caps (yitihua): 70–80 % → 89, 60–70 % → 79, 50–60 % → 69, < 50 % → 59


@pytest.mark.parametrize(("executed", "cap"), [(75, 89), (65, 79), (55, 69), (45, 59)])
def test_execution_caps(check_project: ProjectCheck, executed: float, cap: float) -> None:
    run = check_project(
        profile="yitihua",
        total=(100, 100, executed, 10, executed / 100, executed / 10),
        fiscal=(100, 100, executed, "——", executed / 100, "——"),
        total_score=90 + executed / 10,
    )
    total = run.total(P)
    assert (total["score"], total["cap"], bool(total["capped"])) == (cap, cap, True)


@pytest.mark.parametrize(
    ("rate", "cap"),
    [
        (0.8, None),
        (0.7999, 89),
        (0.7, 89),
        (0.6999, 79),
        (0.6, 79),
        (0.5, 69),
        (0.4999, 59),
        (0, 59),
        (1.2, None),
    ],
)
def test_execution_cap_boundaries(rate: float, cap: float | None) -> None:
    assert load_profile("yitihua").cap_for(rate) == cap
    assert load_profile("mof2020").cap_for(rate) is None


def test_cap_does_not_raise_a_low_total(check_project: ProjectCheck) -> None:
    # 75 % caps at 89, but a total already below the cap stays as it is.
    indicators = replace_indicator(
        CLEAN_INDICATORS, "群众生产生活条件", actual=FAILED, score=6, reason="疫情影响"
    )
    run = check_project(
        profile="yitihua",
        total=(100, 100, 75, 10, 0.75, 7.5),
        fiscal=(100, 100, 75, "——", 0.75, "——"),
        indicators=indicators,
        total_score=73.5,
    )
    total = run.total(P)
    assert (total["score"], bool(total["capped"])) == (73.5, False)


# ---------------------------------------------------------------------------------------------
# 不适用: dropped, the total rescaled to 100


def test_not_applicable_rescales_the_total(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "群众满意度", actual="不适用", score=None)
    indicators = replace_indicator(indicators, "完成数量", actual="8个", score=16, reason="受天气影响")
    run = check_project(indicators=indicators, total_score=86)
    total = run.total(P)
    # (10 + 16 + 10 + 10 + 10 + 30) × 100 ÷ 90 = 95.555…
    assert (total["na_weight"], total["score"]) == (10, 95.56)


def test_not_applicable_target_is_dropped_too(check_project: ProjectCheck) -> None:
    run = check_project(
        indicators=replace_indicator(CLEAN_INDICATORS, "群众满意度", target="不涉及", actual="——")
    )
    assert run.indicator(P, "群众满意度")["status"] == S.NA
    assert run.total(P)["score"] == 100


# ---------------------------------------------------------------------------------------------
# The budget score: min(执行率, 1) × 10, on 全年预算数, with the 其中 rows when the total is empty


@pytest.mark.parametrize(
    ("initial", "full_year", "executed", "rate", "score"),
    [
        (1000, 1000, 1000, 1.0, 10),
        (1000, 1000, 825.5, 0.8255, 8.26),  # 8.255 rounds half up
        (1000, 1000, 1100, 1.1, 10),  # capped at the weight
        (1000, 1000, 0, 0.0, 0),
        (2000, 1000, 900, 0.9, 9),  # 全年预算数, not 年初预算数
    ],
)
def test_budget_score(
    check_project: ProjectCheck, initial: float, full_year: float, executed: float, rate: float, score: float
) -> None:
    run = check_project(
        total=(initial, full_year, executed, 10, None, None),
        fiscal=(initial, full_year, executed, "——", None, "——"),
    )
    line = run.budget(P)
    assert line["rate"] == pytest.approx(rate)
    assert line["score"] == score


def test_budget_score_without_a_full_year_budget(check_project: ProjectCheck) -> None:
    run = check_project(total=(None, None, 50, 10, None, None), fiscal=(None, None, 50, "——", None, "——"))
    line = run.budget(P)
    assert math.isnan(line["rate"])  # type: ignore[arg-type]
    assert line["score"] == 0


def test_budget_score_from_the_parts_when_the_total_is_empty(check_project: ProjectCheck) -> None:
    run = check_project(
        total=(None, 0, None, 10, None, None),
        fiscal=(300, 300, 270, "——", None, "——"),
        carryover=(0, 100, 90, "——", None, "——"),
    )
    line = run.budget(P)
    assert (line["full_year"], line["executed"], bool(line["fallback"])) == (400, 360, True)
    assert (line["rate"], line["score"]) == (pytest.approx(0.9), 9)
    assert run.keys("A-TOTAL-EMPTY") == {("A-TOTAL-EMPTY", P, c) for c in ("D6", "E6", "F6")}


def test_budget_weight_comes_from_the_profile(check_rows: Callable[..., Run]) -> None:
    profile = load_profile()
    heavier = dataclasses.replace(
        profile, weights={"budget": 20, "output": 40, "benefit": 30, "satisfaction": 10}
    )
    files = {
        "附件3.xlsx": {
            P: project_sheet(total=(100, 100, 80, 10, 0.8, 8), fiscal=(100, 100, 80, "——", 0.8, "——"))
        }
    }
    assert check_rows(files, heavier).budget(P)["score"] == 16
    assert check_rows(files, profile).budget(P)["score"] == 8


def test_department_table_is_scored_like_a_project(check_rows: Callable[..., Run]) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="15个", reason="超额完成")
    indicators = replace_indicator(indicators, "项目成本", actual="125万元", score=8, reason="材料涨价")
    sheet = department_sheet(
        total=(1000, 1000, 950, 10, 0.95, 9.5),
        by_source=(950, 0, 0, 0),
        by_use=(350, 600),
        indicators=indicators,
    )
    run = check_rows({"附件2.xlsx": {DEPARTMENT_SHEET: sheet}})
    assert run.budget(DEPARTMENT_SHEET)["score"] == 9.5
    assert run.scores(DEPARTMENT_SHEET)["项目成本"] == 8
    total = run.total(DEPARTMENT_SHEET)
    # 9.5 + 20 + 10 + 10 + 8 + 30 + 10; the declared 100 is kept beside it.
    assert (total["score"], total["self_score"], total["grade"]) == (97.5, 100, "优")


# ---------------------------------------------------------------------------------------------
# Grades: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差")],
)
def test_grade_boundaries(score: float, grade: str) -> None:
    for name in ("mof2020", "yitihua"):
        assert load_profile(name).grade(score) == grade
    assert load_profile().grade(None) is None


def test_grade_of_a_computed_total(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(
        CLEAN_INDICATORS, "群众生产生活条件", actual=FAILED, score=10, reason="疫情影响"
    )
    run = check_project(indicators=indicators, total_score=80)
    assert (run.total(P)["score"], run.total(P)["grade"]) == (80, "良")


def test_operator_from_a_nature_column(check_rows: Callable[..., Run]) -> None:
    # A 指标性质 column (≥ ≤ = 定性) supplies the operator the target text lacks: 1.5万元 against a
    # 1.2万元 ceiling scores 10 × 1.2 ÷ 1.5 = 8.
    rows = project_sheet()
    rows[11] = [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ]
    rows[12:18] = [
        [None, OUT, "数量指标", "完成数量", "≥", "10个", "8个", 20, 16, "受天气影响"],
        [None, None, "质量指标", "合格率", "=", "100%", "100%", 10, 10, None],
        [None, None, "时效指标", "按期完成", "定性", "按期完成", "按期完成", 10, 10, None],
        [None, None, "成本指标", "单位成本", "≤", "1.2万元", "1.5万元", 10, 8, "材料涨价"],
        [None, "效益指标(30分)", "社会效益指标", "条件改善", "定性", "明显改善", "明显改善", 30, 30, None],
        [None, "满意度指标(10分)", "服务对象满意度指标", "满意度", "正向", "90", "95", 10, 10, None],
    ]
    rows[18] = ["总分", None, None, None, None, None, None, 100, 94]
    run = check_rows({"附件3.xlsx": {P: rows}})
    assert run.scores(P) == {
        "完成数量": 16,
        "合格率": 10,
        "按期完成": 10,
        "单位成本": 8,
        "条件改善": 30,
        "满意度": 10,
    }
    assert run.indicator(P, "单位成本")["top"] == "<="
    assert run.total(P)["score"] == 94
    assert run.rules() == set()


def _near_ties() -> st.SearchStrategy[float]:
    """Figures at and beside a half hundredth (8.265, 8.264999999999999, -1.005 …) and a product's noise."""
    cents = st.integers(-(10**9), 10**9)
    return st.builds(
        lambda k, nudge, scale: (k + 0.5) / 100 * scale / scale + nudge * 1e-15 * max(1.0, abs(k) / 100),
        cents,
        st.integers(-8, 8),
        st.sampled_from([1.0, 10.0, 3.0]),
    )


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e6, 1e6), _near_ties()))
def test_the_vectorised_round2_is_round2(value: float) -> None:
    """One rounding: round2_array gives what round2 gives, bit for bit (-0.0 and nan included)."""
    (vectorised,) = round2_array(np.array([value]))
    scalar = round2(value)
    assert (math.isnan(vectorised) and math.isnan(scalar)) or (
        vectorised == scalar and math.copysign(1, vectorised) == math.copysign(1, scalar)
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**12), 10**12), st.sampled_from(["0", "5", "49", "50", "51", "4999999", "5000001"]))
def test_round2_of_a_decimal_is_round2_of_its_float(cents: int, tail: str) -> None:
    """A Decimal near a half hundredth rounds as the float it is to Excel (15 digits), half up."""
    text = f"{cents / 100:.2f}{tail}"
    assert round2(Decimal(text)) == round2(float(text)) or abs(float(text)) >= 1e13


def _fmt_num_by_decimal(number: float) -> str:
    """fmt_num of a finite float below 1e15 the long way: every figure through half_up."""
    from xltool.model.rounding import half_up

    text = f"{half_up(Decimal(f'{number:.15g}')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.floats(min_value=-1e15, max_value=1e15, exclude_min=True, exclude_max=True, allow_nan=False),
        st.integers(-(10**14), 10**14).map(lambda cents: cents / 100),
        st.integers(-(10**9), 10**9).map(lambda mills: mills / 1000),
    )
)
def test_fmt_num_prints_as_half_up_rounds(number: float) -> None:
    """Figures of at most 2 decimals are printed as they are; that gives what half_up gives."""
    assert fmt_num(number) == _fmt_num_by_decimal(number)


def test_one_rounding_for_every_figure() -> None:
    """The score of a rate × 10 that binary arithmetic puts just under a half rounds as Excel rounds it."""
    product = 0.0055 * 10  # 0.05499999999999999 in binary
    assert (round2(product), round2(Decimal("0.055")), list(round2_array(np.array([product])))) == (
        0.06,
        0.06,
        [0.06],
    )
    assert fmt_num(product) == "0.06" and fmt_rate(0.82655) == "82.66%"
