"""Family C — indicators: each rule fires on a faulty indicator row and stays quiet on a right one.

The indicator rows are those of conftest.CLEAN_INDICATORS (rows 13–18 of the built 附件3: 完成数量,
验收合格率, 按期完成, 项目成本, 群众生产生活条件, 群众满意度; columns E 年度指标值, F 实际完成值,
G 分值, H 得分, I 偏差原因), the 总分 row is 19.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import CLEAN_INDICATORS, PROJECT_SHEET, Run, replace_indicator

P = PROJECT_SHEET
ProjectCheck = Callable[..., Run]
PARTIAL = "部分达成年度指标并具有一定效果"
FAILED = "未达成年度指标且效果较差"


def one(name: str, total_score: float | None = None, **changes: object) -> dict[str, object]:
    """project_sheet figures with one indicator changed (and the 总分 kept equal to the 得分)."""
    indicators = replace_indicator(CLEAN_INDICATORS, name, **changes)
    scores = sum(float(ind[6]) for ind in indicators if isinstance(ind[6], int | float))
    return {"indicators": indicators, "total_score": 10 + scores if total_score is None else total_score}


# ---------------------------------------------------------------------------------------------
# C-SCORE-OVER / C-SCORE-UNDER


def test_score_over_fires_on_full_marks_for_a_shortfall(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="8个", score=20, reason="受天气影响"))
    assert run.keys("C-SCORE-OVER") == {("C-SCORE-OVER", P, "H13")}
    finding = run.only("C-SCORE-OVER")
    assert finding.severity == "error"
    assert (
        finding.message == "“完成数量”得分填报为20，按实际完成值“8个”与年度指标值“≥10个”（完成80.00%）应为16"
    )
    assert (finding.expected, finding.actual) == (16, 20)


def test_score_under_fires_on_a_score_below_the_rule(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="8个", score=12, reason="受天气影响"))
    assert run.keys("C-SCORE-UNDER") == {("C-SCORE-UNDER", P, "H13")}
    finding = run.only("C-SCORE-UNDER")
    assert finding.severity == "info"
    assert (
        finding.message == "“完成数量”得分填报为12，按实际完成值“8个”与年度指标值“≥10个”（完成80.00%）可得16"
    )
    assert (finding.expected, finding.actual) == (16, 12)


@pytest.mark.parametrize("score", [16, 16.01, 15.99])
def test_score_over_and_under_quiet_on_the_rule_score(check_project: ProjectCheck, score: float) -> None:
    run = check_project(**one("完成数量", actual="8个", score=score, reason="受天气影响"))
    assert run.keys("C-SCORE-OVER") == set()
    assert run.keys("C-SCORE-UNDER") == set()
    assert run.read_indicator(P, "完成数量") == ("quantity", 10, "个", "quantity", 8, "个", None, 20, score)


def test_score_under_fires_on_an_achieved_qualitative_marked_down(check_project: ProjectCheck) -> None:
    run = check_project(**one("群众生产生活条件", actual="达成年度指标", score=27))
    finding = run.only("C-SCORE-UNDER")
    assert finding.cell == "H17"
    assert finding.message == "“群众生产生活条件”得分填报为27，完成情况“达成年度指标”已达成，可得30"


# ---------------------------------------------------------------------------------------------
# C-TOTAL-OVER / C-TOTAL-UNDER


def test_total_over_fires_when_the_self_total_is_above_the_rule_total(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="8个", score=20, reason="受天气影响"))
    assert run.keys("C-TOTAL-OVER") == {("C-TOTAL-OVER", P, "H19")}
    finding = run.only("C-TOTAL-OVER")
    assert finding.message == "自评总分100高于按规则计算的96分（优），差4分；请按本表标注逐项核减"
    assert (finding.expected, finding.actual) == (96, 100)


def test_total_under_fires_when_the_self_total_is_below_the_rule_total(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="8个", score=12, reason="受天气影响"))
    assert run.keys("C-TOTAL-UNDER") == {("C-TOTAL-UNDER", P, "H19")}
    finding = run.only("C-TOTAL-UNDER")
    assert finding.message == "自评总分92低于按规则计算的96分"
    assert (finding.expected, finding.actual) == (96, 92)


def test_totals_quiet_when_self_total_is_the_rule_total(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="8个", score=16, reason="受天气影响"))
    assert run.keys("C-TOTAL-OVER") == set()
    assert run.keys("C-TOTAL-UNDER") == set()
    assert run.rules() == set()
    assert (run.total(P)["self_score"], run.total(P)["score"]) == (96, 96)


# ---------------------------------------------------------------------------------------------
# C-QUALITATIVE-BAND


@pytest.mark.parametrize(
    ("actual", "score", "low", "high", "kept"),
    [(PARTIAL, 30, 18, 24, 24), (PARTIAL, 15, 18, 24, 18), (FAILED, 20, 0, 18, 18)],
)
def test_qualitative_band_fires_outside_the_band(
    check_project: ProjectCheck, actual: str, score: float, low: float, high: float, kept: float
) -> None:
    run = check_project(**one("群众生产生活条件", actual=actual, score=score, reason="疫情影响"))
    assert run.keys("C-QUALITATIVE-BAND") == {("C-QUALITATIVE-BAND", P, "H17")}
    finding = run.only("C-QUALITATIVE-BAND")
    assert finding.message == (
        f"“群众生产生活条件”完成情况为“{actual}”，该档得分应在{low}–{high}之间，填报为{score}"
    )
    # The rule score is the self-score brought into its band.
    assert (finding.expected, finding.actual) == (kept, score)


def test_qualitative_band_names_the_band_when_the_words_differ(check_project: ProjectCheck) -> None:
    run = check_project(**one("群众生产生活条件", actual="基本完成", score=30, reason="疫情影响"))
    assert run.only("C-QUALITATIVE-BAND").message == (
        "“群众生产生活条件”完成情况“基本完成”属“部分达成年度指标并具有一定效果”档，得分应在18–24之间，填报为30"
    )


@pytest.mark.parametrize(("actual", "score"), [(PARTIAL, 18), (PARTIAL, 24), (FAILED, 0), (FAILED, 18)])
def test_qualitative_band_quiet_inside_the_band(
    check_project: ProjectCheck, actual: str, score: float
) -> None:
    run = check_project(**one("群众生产生活条件", actual=actual, score=score, reason="疫情影响"))
    assert run.keys("C-QUALITATIVE-BAND") == set()
    assert run.rules() == set()
    level = "partial" if actual == PARTIAL else "failed"
    assert run.read_indicator(P, "群众生产生活条件")[3:] == ("text", None, "", level, 30, score)


# ---------------------------------------------------------------------------------------------
# C-QUALITATIVE-UNCLEAR


def test_qualitative_unclear_fires_on_words_that_say_nothing(check_project: ProjectCheck) -> None:
    run = check_project(**one("群众生产生活条件", actual="见附件"))
    assert run.keys("C-QUALITATIVE-UNCLEAR") == {("C-QUALITATIVE-UNCLEAR", P, "F17")}
    assert run.only("C-QUALITATIVE-UNCLEAR").message == (
        "“群众生产生活条件”完成情况“见附件”未写明是否达成年度指标，已保留自评得分30；建议写明“达成年度指标”等"
    )
    assert run.scores(P)["群众生产生活条件"] == 30


@pytest.mark.parametrize("actual", ["明显改善", "达成预期指标", "已完成"])
def test_qualitative_unclear_quiet_on_words_of_achievement(check_project: ProjectCheck, actual: str) -> None:
    run = check_project(**one("群众生产生活条件", actual=actual))
    assert run.keys("C-QUALITATIVE-UNCLEAR") == set()
    assert run.rules() == set()
    assert run.read_indicator(P, "群众生产生活条件")[3:] == ("text", None, "", "achieved", 30, 30)


# ---------------------------------------------------------------------------------------------
# C-TARGET-MISSING / C-ACTUAL-MISSING / C-ACTUAL-NONNUMERIC / C-UNIT-MISMATCH


def test_target_missing_fires_on_a_blank_target(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", target=None))
    assert run.keys("C-TARGET-MISSING") == {("C-TARGET-MISSING", P, "E13")}
    assert (
        run.only("C-TARGET-MISSING").message
        == "“完成数量”未填写年度指标值，无法评价完成情况；已保留自评得分20"
    )
    assert run.scores(P)["完成数量"] == 20


def test_actual_missing_fires_and_scores_zero(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual=None, score=20))
    assert run.keys("C-ACTUAL-MISSING") == {("C-ACTUAL-MISSING", P, "F13")}
    finding = run.only("C-ACTUAL-MISSING")
    assert finding.message == "“完成数量”未填写实际完成值，按0分计；请补填实际完成值"
    assert (finding.expected, finding.actual) == (0, 20)
    assert run.scores(P)["完成数量"] == 0
    assert run.keys("C-SCORE-OVER") == {("C-SCORE-OVER", P, "H13")}


def test_missing_rules_quiet_on_filled_rows(check_project: ProjectCheck) -> None:
    run = check_project()
    for rule in ("C-TARGET-MISSING", "C-ACTUAL-MISSING", "C-ACTUAL-NONNUMERIC", "C-UNIT-MISMATCH"):
        assert run.keys(rule) == set()
    read = {ind[2]: run.read_indicator(P, ind[2])[:6] for ind in CLEAN_INDICATORS}
    assert read == {
        "完成数量": ("quantity", 10, "个", "quantity", 10, "个"),
        "验收合格率": ("quantity", 100, "%", "quantity", 100, "%"),
        "按期完成": ("text", None, "", "text", None, ""),
        "项目成本": ("quantity", 1000000, "元", "quantity", 1000000, "元"),  # 100万元, in 元
        "群众生产生活条件": ("text", None, "", "text", None, ""),
        "群众满意度": ("quantity", 90, "%", "quantity", 95, "%"),
    }


def test_actual_nonnumeric_fires_on_words_for_a_number(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="修订中", score=10, reason="规划须按上级时点报批"))
    assert run.keys("C-ACTUAL-NONNUMERIC") == {("C-ACTUAL-NONNUMERIC", P, "F13")}
    finding = run.only("C-ACTUAL-NONNUMERIC")
    assert finding.message == (
        "“完成数量”年度指标值“≥10个”是定量指标，实际完成值却是“修订中”，无法按比例计分"
        "（按完成情况档次评分为10）；请填写实际完成数量"
    )
    assert (finding.expected, finding.actual) == (10, "修订中")


def test_actual_nonnumeric_quiet_on_a_number_with_its_unit(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="1万个"))
    assert run.keys("C-ACTUAL-NONNUMERIC") == set()
    assert run.read_indicator(P, "完成数量")[3:6] == ("quantity", 10000, "个")


def test_unit_mismatch_fires_on_units_that_do_not_convert(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="10亩"))
    assert run.keys("C-UNIT-MISMATCH") == {("C-UNIT-MISMATCH", P, "F13")}
    assert run.only("C-UNIT-MISMATCH").message == (
        "“完成数量”年度指标值“≥10个”与实际完成值“10亩”计量单位不一致，无法换算比较；已保留自评得分20，请统一计量单位"
    )
    assert run.scores(P)["完成数量"] == 20


@pytest.mark.parametrize("actual", ["10", "0.001万个", "10个"])
def test_unit_mismatch_quiet_on_convertible_units(check_project: ProjectCheck, actual: str) -> None:
    run = check_project(**one("完成数量", actual=actual))
    assert run.keys("C-UNIT-MISMATCH") == set()
    assert run.scores(P)["完成数量"] == 20
    assert run.read_indicator(P, "完成数量")[3:5] == ("quantity", 10)


# ---------------------------------------------------------------------------------------------
# C-OVER-TARGET / C-REASON-MISSING


def test_over_target_fires_at_30_percent_beyond(check_project: ProjectCheck) -> None:
    run = check_project(**one("完成数量", actual="13个", reason="指标设定偏保守"))
    assert run.keys("C-OVER-TARGET") == {("C-OVER-TARGET", P, "F13")}
    finding = run.only("C-OVER-TARGET")
    assert (
        finding.message
        == "“完成数量”实际完成值“13个”偏离年度指标值“≥10个”达30.00%（≥30.00%），指标值可能设定偏低"
    )
    assert (finding.expected, finding.threshold, finding.actual) == (None, 0.3, "13个")
    assert run.keys("C-REASON-MISSING") == set()


def test_over_target_fires_on_a_cost_far_below_its_ceiling(check_project: ProjectCheck) -> None:
    run = check_project(**one("项目成本", actual="70万元", reason="招标节约"))
    assert run.keys("C-OVER-TARGET") == {("C-OVER-TARGET", P, "F16")}


@pytest.mark.parametrize(("name", "actual"), [("完成数量", "12.9个"), ("项目成本", "71万元")])
def test_over_target_quiet_below_30_percent(check_project: ProjectCheck, name: str, actual: str) -> None:
    run = check_project(**one(name, actual=actual))
    assert run.keys("C-OVER-TARGET") == set()
    assert run.rules() == set()
    target, read = {"完成数量": (10, 12.9), "项目成本": (1000000, 710000)}[name]
    assert (run.read_indicator(P, name)[1], run.read_indicator(P, name)[4]) == (target, read)


def test_reason_missing_fires_on_shortfall_and_over_target(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="8个", score=16)
    indicators = replace_indicator(indicators, "项目成本", actual="60万元")
    run = check_project(indicators=indicators, total_score=96)
    assert run.keys("C-REASON-MISSING") == {("C-REASON-MISSING", P, "I13"), ("C-REASON-MISSING", P, "I16")}
    assert run.only_cell("C-REASON-MISSING", "I13").message == (
        "“完成数量”实际完成值“8个”未达到年度指标值“≥10个”，偏差原因分析及改进措施未填写；请说明原因"
    )
    assert run.only_cell("C-REASON-MISSING", "I16").message == (
        "“项目成本”实际完成值“60万元”大幅低于年度指标值“≤100万元”，偏差原因分析及改进措施未填写；请说明原因"
    )


def test_reason_missing_on_a_cost_above_its_ceiling(check_project: ProjectCheck) -> None:
    run = check_project(**one("项目成本", actual="125万元", score=8))
    assert run.keys("C-REASON-MISSING") == {("C-REASON-MISSING", P, "I16")}
    assert run.only("C-REASON-MISSING").message == (
        "“项目成本”实际完成值“125万元”超过年度指标值“≤100万元”，偏差原因分析及改进措施未填写；请说明原因"
    )


def test_reason_missing_fires_on_a_qualitative_shortfall(check_project: ProjectCheck) -> None:
    run = check_project(**one("群众生产生活条件", actual=PARTIAL, score=24))
    assert run.keys("C-REASON-MISSING") == {("C-REASON-MISSING", P, "I17")}


def test_reason_missing_quiet_when_the_reason_is_given(check_project: ProjectCheck) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="8个", score=16, reason="受天气影响")
    indicators = replace_indicator(indicators, "项目成本", actual="60万元", reason="招标节约")
    run = check_project(indicators=indicators, total_score=96)
    assert run.keys("C-REASON-MISSING") == set()
    reasons = {name: run.indicator(P, name)["reason"] for name in ("完成数量", "项目成本")}
    assert reasons == {"完成数量": "受天气影响", "项目成本": "招标节约"}
    assert run.read_indicator(P, "完成数量")[4] == 8  # below its target: a reason was due


# ---------------------------------------------------------------------------------------------
# C-NOT-APPLICABLE / C-EXECUTION-CAP


def test_not_applicable_fires_and_drops_the_indicator(check_project: ProjectCheck) -> None:
    run = check_project(**one("群众满意度", actual="不适用", score=None, total_score=90))
    assert run.keys("C-NOT-APPLICABLE") == {("C-NOT-APPLICABLE", P, "D18")}
    assert run.only("C-NOT-APPLICABLE").message == "“群众满意度”标注为不适用，分值10已剔除，总分按100分折算"
    assert run.total(P)["score"] == 100


def test_not_applicable_quiet_on_applicable_rows(check_project: ProjectCheck) -> None:
    run = check_project()
    assert run.keys("C-NOT-APPLICABLE") == set()
    kinds = [run.read_indicator(P, ind[2])[3] for ind in CLEAN_INDICATORS]
    assert kinds == ["quantity", "quantity", "text", "quantity", "text", "quantity"]  # none read as ——


def rate_75() -> dict[str, object]:
    return {
        "total": (100, 100, 75, 10, 0.75, 7.5),
        "fiscal": (100, 100, 75, "——", 0.75, "——"),
        "total_score": 97.5,
    }


def test_execution_cap_fires_under_the_yitihua_profile(check_project: ProjectCheck) -> None:
    run = check_project(profile="yitihua", **rate_75())
    assert run.keys("C-EXECUTION-CAP") == {("C-EXECUTION-CAP", P, "H19")}
    finding = run.only("C-EXECUTION-CAP")
    assert finding.message == "预算执行率75.00%，按yitihua口径总分不超过89分"
    assert (finding.expected, finding.threshold) == (None, 89)
    assert run.total(P)["score"] == 89


def test_execution_cap_quiet_under_the_default_profile(check_project: ProjectCheck) -> None:
    run = check_project(**rate_75())
    assert run.keys("C-EXECUTION-CAP") == set()
    assert run.total(P)["score"] == 97.5
    assert run.read(P, "H6") == (0.75,)


def test_execution_cap_quiet_at_80_percent_under_yitihua(check_project: ProjectCheck) -> None:
    run = check_project(
        profile="yitihua",
        total=(100, 100, 80, 10, 0.8, 8),
        fiscal=(100, 100, 80, "——", 0.8, "——"),
        total_score=98,
    )
    assert run.keys("C-EXECUTION-CAP") == set()
    assert run.total(P)["score"] == 98
    assert run.read(P, "E6", "F6", "H6") == (100, 80, 0.8)
