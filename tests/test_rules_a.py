"""Family A — arithmetic inside a form: each rule fires on wrong figures and stays quiet on right ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import (
    CLEAN_INDICATORS,
    DEPARTMENT_SHEET,
    PROJECT_SHEET,
    Run,
    department_sheet,
    replace_indicator,
    with_basic,
)
from support.sample_forms import YearAmounts

P = PROJECT_SHEET
D = DEPARTMENT_SHEET
BASIC = "基础数据表"  # the sheet sample_forms writes 附件1 to
ProjectCheck = Callable[..., Run]


# ---------------------------------------------------------------------------------------------
# A-SUM-PARTS


def test_sum_parts_fires_on_project_total_off_its_parts(check_project: ProjectCheck) -> None:
    run = check_project(total=(100.05, 100, 100, 10, 1, 10))
    assert run.keys("A-SUM-PARTS") == {("A-SUM-PARTS", P, "D6")}
    finding = run.only("A-SUM-PARTS")
    assert finding.message == "年度资金总额年初预算数填报为100.05，按各分项合计应为100"
    assert (finding.expected, finding.actual) == (100, 100.05)


def test_sum_parts_allows_rounding_of_a_cent_per_part(check_project: ProjectCheck) -> None:
    # 舍位平衡: three parts may each be 0.01 off their rounded total.
    run = check_project(total=(100.03, 100, 100, 10, 1, 10))
    assert run.keys("A-SUM-PARTS") == set()


def test_sum_parts_fires_on_basic_data_three_public(check_department: Callable[..., Run]) -> None:
    run = check_department(with_basic(sangong=YearAmounts(48.60, 45.00, 33.44)))
    assert run.keys("A-SUM-PARTS") == {("A-SUM-PARTS", BASIC, "D7")}
    assert run.only("A-SUM-PARTS").message == "三公经费2022年预算数填报为45，按各分项合计应为40"


def test_sum_parts_quiet_on_the_seed_basic_data(check_department: Callable[..., Run]) -> None:
    run = check_department()
    assert run.keys("A-SUM-PARTS") == set()
    # The totals and parts it added up were read: 三公经费 25 + 0 + 15 = 40, 项目支出 and its three parts.
    assert run.read(BASIC, "D7", "D8", "D11", "D12") == (40, 25, 0, 15)
    assert run.read(BASIC, "D13", "D14", "D15", "D16") == (64291.25, 61236.45, 1854.8, 1200)


# ---------------------------------------------------------------------------------------------
# A-TOTAL-EMPTY


def test_total_empty_fires_when_total_row_is_zero_beside_parts(check_project: ProjectCheck) -> None:
    run = check_project(total=(0, 0, 0, 10, 0.8, 8), fiscal=(100, 100, 80, "——", 0.8, "——"))
    assert run.keys("A-TOTAL-EMPTY") == {
        ("A-TOTAL-EMPTY", P, "D6"),
        ("A-TOTAL-EMPTY", P, "E6"),
        ("A-TOTAL-EMPTY", P, "F6"),
    }
    executed = next(f for f in run.findings if f.rule == "A-TOTAL-EMPTY" and f.cell == "F6")
    assert executed.message == "年度资金总额全年执行数填报为0，其中各项合计为80，应填80；执行率按分项合计计算"
    assert (executed.expected, executed.actual) == (80, 0)
    # The rate is computed from the parts, so the stated 80% and 8 points are right.
    assert run.budget(P)["rate"] == pytest.approx(0.8)
    assert run.budget(P)["score"] == 8
    assert {"A-RATE-STATED", "B-EXEC-STATED", "A-SUM-PARTS"}.isdisjoint(run.rules())


def test_total_empty_fires_when_total_row_is_blank(check_project: ProjectCheck) -> None:
    run = check_project(total=(None, None, None, 10, 1, 10))
    assert run.keys("A-TOTAL-EMPTY") == {("A-TOTAL-EMPTY", P, c) for c in ("D6", "E6", "F6")}
    assert run.only_cell("A-TOTAL-EMPTY", "E6").actual is None


def test_total_empty_quiet_when_total_and_parts_are_all_zero(check_project: ProjectCheck) -> None:
    run = check_project(total=(0, 0, 0, 10, None, 0), fiscal=(0, 0, 0, "——", None, "——"))
    assert run.keys("A-TOTAL-EMPTY") == set()
    assert run.read(P, "D6", "E6", "F6", "D7", "E7", "F7") == (0, 0, 0, 0, 0, 0)


def test_total_empty_fires_on_basic_data_three_public(check_department: Callable[..., Run]) -> None:
    run = check_department(with_basic(sangong=YearAmounts(0, 0, 0), formulas=False))
    assert run.keys("A-TOTAL-EMPTY") == {("A-TOTAL-EMPTY", BASIC, c) for c in ("B7", "D7", "F7")}
    assert (
        run.only_cell("A-TOTAL-EMPTY", "D7").message
        == "三公经费2022年预算数填报为0，其中各项合计为40，应填40"
    )


# ---------------------------------------------------------------------------------------------
# A-PARTIAL-EXCEEDS (公用经费 and its partial breakdown)


def test_partial_exceeds_fires_when_breakdown_is_above_total(check_department: Callable[..., Run]) -> None:
    run = check_department(with_basic(office=YearAmounts(38.62, 480.00, 35.17)))
    assert run.keys("A-PARTIAL-EXCEEDS") == {("A-PARTIAL-EXCEEDS", BASIC, "D17")}
    finding = run.only("A-PARTIAL-EXCEEDS")
    assert finding.message == "公用经费2022年预算数填报为511.2，其中列示各项合计590已超过总数"
    assert (finding.expected, finding.threshold, finding.actual) == (None, 590, 511.2)


def test_partial_exceeds_quiet_when_breakdown_equals_total(check_department: Callable[..., Run]) -> None:
    # 401.2 + 90 + 20 = 511.2: a partial breakdown may reach its total.
    run = check_department(with_basic(office=YearAmounts(38.62, 401.20, 35.17)))
    assert run.keys("A-PARTIAL-EXCEEDS") == set()
    assert run.keys("A-SUM-PARTS") == set()
    assert run.read(BASIC, "D17", "D18", "D19", "D20") == (511.2, 401.2, 90, 20)


# ---------------------------------------------------------------------------------------------
# A-BLOCK-SUM (附件2 按收入性质分 / 按支出性质分)


def test_block_sum_fires_when_a_block_matches_no_total_column(check_rows: Callable[..., Run]) -> None:
    run = check_rows({"附件2.xlsx": {D: department_sheet(by_source=(900, 0, 0, 0))}})
    assert run.keys("A-BLOCK-SUM") == {("A-BLOCK-SUM", D, "D7")}
    finding = run.only("A-BLOCK-SUM")
    assert finding.message == (
        "按收入性质分各项合计900，与年度资金总额的年初预算数1000、全年预算数1000、全年执行数1000均不一致"
    )
    assert (finding.expected, finding.actual) == (1000, 900)


def test_block_sum_quiet_when_blocks_break_down_the_executed_column(check_rows: Callable[..., Run]) -> None:
    # Both blocks add up to the 全年执行数 950 (not the 全年预算数 1000): that is a breakdown the form allows.
    sheet = department_sheet(
        total=(1000, 1000, 950, 10, 0.95, 9.5), by_source=(900, 50, 0, 0), by_use=(350, 600), total_score=99.5
    )
    run = check_rows({"附件2.xlsx": {D: sheet}})
    assert run.keys("A-BLOCK-SUM") == set()
    assert run.rules() == set()
    assert run.read(D, "E5", "D7", "D8", "D9", "D10", "H7", "H8") == (950, 900, 50, 0, 0, 350, 600)


# ---------------------------------------------------------------------------------------------
# A-RATE-STATED


def test_rate_stated_fires_on_project_rate_claimed_100(check_project: ProjectCheck) -> None:
    run = check_project(total=(100, 100, 80, 10, 1, 8), fiscal=(100, 100, 80, "——", 1, "——"), total_score=98)
    assert run.keys("A-RATE-STATED") == {("A-RATE-STATED", P, "H6"), ("A-RATE-STATED", P, "H7")}
    total = run.only_cell("A-RATE-STATED", "H6")
    assert total.message == "执行率填报为100.00%，按全年执行数80÷全年预算数100应为80.00%"
    assert (total.expected, total.actual) == (0.8, 1.0)
    assert (
        run.only_cell("A-RATE-STATED", "H7").message == "当年财政拨款执行率填报为100.00%，按80÷100应为80.00%"
    )


@pytest.mark.parametrize("stated", [0.8, 80, "80%", "80.00%", "80百分比"])
def test_rate_stated_quiet_on_each_way_of_writing_80_percent(
    check_project: ProjectCheck, stated: object
) -> None:
    run = check_project(
        total=(100, 100, 80, 10, stated, 8), fiscal=(100, 100, 80, "——", stated, "——"), total_score=98
    )
    assert run.keys("A-RATE-STATED") == set()
    assert run.read(P, "H6", "H7") == (0.8, 0.8)  # each way of writing it read as 80 %


def test_rate_stated_tolerates_the_precision_the_rate_was_written_with(check_project: ProjectCheck) -> None:
    # 3279.93 ÷ 3970.96 = 0.825979…: 82.6% and 0.83 are that rate rounded, 0.82 is not.
    amounts = (3970.96, 3970.96, 3279.93)
    for stated, fires in (("82.6%", False), (0.83, False), (0.8260, False), (0.82, True)):
        run = check_project(
            total=(*amounts, 10, stated, 8.26), fiscal=(*amounts, "——", stated, "——"), total_score=98.26
        )
        assert bool(run.keys("A-RATE-STATED")) is fires, stated


def test_rate_stated_fires_on_department_table(check_rows: Callable[..., Run]) -> None:
    sheet = department_sheet(total=(1000, 1000, 900, 10, 1, 9), by_source=(900, 0, 0, 0), by_use=(300, 600))
    run = check_rows({"附件2.xlsx": {D: sheet}})
    assert run.keys("A-RATE-STATED") == {("A-RATE-STATED", D, "G5")}
    assert (
        run.only("A-RATE-STATED").message == "执行率填报为100.00%，按全年执行数900÷全年预算数1000应为90.00%"
    )


# ---------------------------------------------------------------------------------------------
# A-RATIO-STATED (附件1 控制率)


def test_ratio_stated_fires_on_wrong_staff_control_rate(check_department: Callable[..., Run]) -> None:
    run = check_department(with_basic(control_rate=0.9, formulas=False))
    assert run.keys("A-RATIO-STATED") == {("A-RATIO-STATED", BASIC, "F5")}
    finding = run.only("A-RATIO-STATED")
    assert finding.message == "控制率填报为90.00%，按2022年实际在职人数205÷编制数216应为94.91%"
    assert (finding.expected, finding.actual) == (0.9491, 0.9)


@pytest.mark.parametrize("stated", ["94.91%", 0.9491, 94.91])
def test_ratio_stated_quiet_on_right_staff_control_rate(
    check_department: Callable[..., Run], stated: object
) -> None:
    run = check_department(with_basic(control_rate=stated, formulas=False))
    assert run.keys("A-RATIO-STATED") == set()
    assert run.read(BASIC, "B5", "D5", "F5") == (216, 205, 0.9491)


# ---------------------------------------------------------------------------------------------
# A-SCORE-RANGE


@pytest.mark.parametrize(("score", "total"), [(25, 105), (-1, 79)])
def test_score_range_fires_outside_zero_to_weight(
    check_project: ProjectCheck, score: float, total: float
) -> None:
    run = check_project(
        indicators=replace_indicator(CLEAN_INDICATORS, "完成数量", score=score), total_score=total
    )
    assert run.keys("A-SCORE-RANGE") == {("A-SCORE-RANGE", P, "H13")}
    finding = run.only("A-SCORE-RANGE")
    assert finding.message == f"“完成数量”得分{score}不在0到分值20之间"
    # The limit crossed is a threshold, not a figure the cell should hold.
    assert (finding.expected, finding.threshold, finding.actual) == (None, 20 if score > 0 else 0, score)


@pytest.mark.parametrize("score", [0, 20])
def test_score_range_quiet_at_its_bounds(check_project: ProjectCheck, score: float) -> None:
    run = check_project(
        indicators=replace_indicator(CLEAN_INDICATORS, "完成数量", score=score), total_score=80 + score
    )
    assert run.keys("A-SCORE-RANGE") == set()
    assert run.read_indicator(P, "完成数量")[-2:] == (20, score)


# ---------------------------------------------------------------------------------------------
# A-TOTAL-STATED


def test_total_stated_fires_when_total_is_not_the_sum_of_scores(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="8个", score=16, reason="受天气影响")
    run = check_project(indicators=indicators, total_score=100)
    assert run.keys("A-TOTAL-STATED") == {("A-TOTAL-STATED", P, "H19")}
    finding = run.only("A-TOTAL-STATED")
    assert finding.message == "总分填报为100，按填报的预算执行得分和各指标得分合计应为96"
    assert (finding.expected, finding.actual) == (96, 100)


def test_total_stated_quiet_when_total_is_the_sum(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="8个", score=16, reason="受天气影响")
    run = check_project(indicators=indicators, total_score=96)
    assert run.rules() == set()
    assert run.read_indicator(P, "完成数量")[-2:] == (20, 16)
    assert (run.total(P)["self_score"], run.total(P)["score"]) == (96, 96)


@pytest.mark.parametrize("stated", [90, 100])
def test_total_stated_accepts_plain_or_rescaled_sum_with_not_applicable(
    check_project: ProjectCheck, stated: float
) -> None:
    # 群众满意度 (10) 不适用: the 得分 add up to 90, rescaled to 100 (rules.md); either may be stated.
    indicators = replace_indicator(CLEAN_INDICATORS, "群众满意度", actual="不适用", score=None)
    run = check_project(indicators=indicators, total_score=stated)
    assert run.keys("A-TOTAL-STATED") == set()


def test_total_stated_with_not_applicable_names_both_sums(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "群众满意度", actual="不适用", score=None)
    run = check_project(indicators=indicators, total_score=95)
    finding = run.only("A-TOTAL-STATED")
    assert finding.cell == "H19"
    assert finding.message == (
        "总分填报为95，按填报的预算执行得分和各指标得分合计应为90，剔除不适用指标（分值10）后按100分折算应为100"
    )


# ---------------------------------------------------------------------------------------------
# A-UNREADABLE


def test_unreadable_fires_on_text_in_number_cells(check_project: ProjectCheck) -> None:
    run = check_project(
        fiscal=("一百万", 100, 100, "——", 1, "——"),
        indicators=replace_indicator(CLEAN_INDICATORS, "完成数量", score="满分"),
    )
    assert run.keys("A-UNREADABLE") == {("A-UNREADABLE", P, "D7"), ("A-UNREADABLE", P, "H13")}
    amount = run.only_cell("A-UNREADABLE", "D7")
    assert amount.message.startswith("无法把“一百万”读作金额")
    assert amount.actual == "一百万"
    assert run.only_cell("A-UNREADABLE", "H13").message.startswith("无法把“满分”读作分数")
    # An unreadable part or score leaves its sum unknown: no sum is checked against half the parts.
    assert run.rules() == {"A-UNREADABLE"}


def test_unreadable_quiet_on_amounts_written_as_text(check_project: ProjectCheck) -> None:
    run = check_project(
        total=("1,000.00", "1,000.00", "1000万元", 10, "100%", 10),
        fiscal=("1,000", "１０００", "1,000.00", "——", "100%", "——"),
        carryover=("——", "——", "——", "——", None, "——"),
        other=("无", None, "-", "——", None, "——"),
    )
    assert run.keys("A-UNREADABLE") == set()
    assert run.rules() == set()
    assert run.read(P, "D6", "E6", "F6", "H6", "D7", "E7", "F7") == (1000, 1000, 1000, 1, 1000, 1000, 1000)
    assert run.read(P, "D8", "D9", "E9", "F9") == (None, None, None, None)  # ——, 无, blank, -: no amount


# ---------------------------------------------------------------------------------------------
# A-WEIGHT-LEVEL1 and A-WEIGHT-TOTAL


def test_weight_level1_and_total_fire_on_missing_points(check_project: ProjectCheck) -> None:
    run = check_project(
        indicators=replace_indicator(CLEAN_INDICATORS, "完成数量", weight=18, score=18), total_score=98
    )
    assert run.keys("A-WEIGHT-LEVEL1") == {("A-WEIGHT-LEVEL1", P, "G13")}
    level1 = run.only("A-WEIGHT-LEVEL1")
    assert level1.message == "产出指标下各三级指标分值合计为48，应为50"
    assert (level1.expected, level1.actual) == (50, 48)
    assert run.keys("A-WEIGHT-TOTAL") == {("A-WEIGHT-TOTAL", P, "G19")}
    total = run.only("A-WEIGHT-TOTAL")
    assert total.message == "预算执行分值10与各指标分值合计为98，应为100"
    assert (total.expected, total.actual) == (100, 98)


def test_weight_level1_uses_the_weight_written_in_the_label(check_project: ProjectCheck) -> None:
    # 产出指标(40分) with 50 points under it: the label's 40 is what the rows must add up to.
    indicators = tuple(
        (ind[0].replace("(50分)", "(40分)"), *ind[1:]) if ind[0].startswith("产出") else ind
        for ind in CLEAN_INDICATORS
    )
    run = check_project(indicators=indicators)
    assert run.only("A-WEIGHT-LEVEL1").message == "产出指标下各三级指标分值合计为50，应为40"


def test_weight_rules_quiet_on_the_clean_project(check_project: ProjectCheck) -> None:
    run = check_project()
    assert run.keys("A-WEIGHT-LEVEL1") == set()
    assert run.keys("A-WEIGHT-TOTAL") == set()
    assert run.rules() == set()
    weights = [run.read_indicator(P, ind[2])[-2] for ind in CLEAN_INDICATORS]
    assert weights == [20, 10, 10, 10, 30, 10]


def test_weight_total_fires_on_stated_total_weight(check_project: ProjectCheck) -> None:
    run = check_project(total_weight=90)
    assert run.keys("A-WEIGHT-TOTAL") == {("A-WEIGHT-TOTAL", P, "G19")}
    assert run.only("A-WEIGHT-TOTAL").message == "总分行的分值填报为90，应为100"
