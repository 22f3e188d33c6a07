"""Families F (plausibility) and G (form structure)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import CLEAN_INDICATORS, PROJECT_SHEET, Run, project_sheet, replace_indicator, with_basic
from support.sample_forms import YearAmounts

P = PROJECT_SHEET
BASIC = "基础数据表"
ProjectCheck = Callable[..., Run]
DepartmentCheck = Callable[..., Run]


# ---------------------------------------------------------------------------------------------
# F-RATE-OVER-100


def test_rate_over_100_fires_on_a_pass_rate_above_100(check_project: ProjectCheck) -> None:
    run = check_project(indicators=replace_indicator(CLEAN_INDICATORS, "验收合格率", actual="105%"))
    assert run.keys("F-RATE-OVER-100") == {("F-RATE-OVER-100", P, "F14")}
    finding = run.only("F-RATE-OVER-100")
    assert finding.message == "“验收合格率”实际完成值“105%”超过100%，此类比率不可能超过100%；请核实"
    assert (finding.expected, finding.threshold, finding.actual) == (None, 100, 105)


@pytest.mark.parametrize(("actual", "percent"), [(1.05, 105), (105, 105), ("105百分比", 105)])
def test_rate_over_100_fires_on_a_bare_number_against_a_percent_target(
    check_project: ProjectCheck, actual: object, percent: float
) -> None:
    run = check_project(indicators=replace_indicator(CLEAN_INDICATORS, "验收合格率", actual=actual))
    assert run.keys("F-RATE-OVER-100") == {("F-RATE-OVER-100", P, "F14")}
    assert run.only("F-RATE-OVER-100").actual == percent


@pytest.mark.parametrize(
    ("name", "actual"), [("验收合格率", "100%"), ("验收合格率", 1), ("验收合格率", 0.98), ("增长率", "120%")]
)
def test_rate_over_100_quiet_on_100_or_on_rates_that_may_exceed_it(
    check_project: ProjectCheck, name: str, actual: str
) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "验收合格率", name=name, actual=actual)
    run = check_project(indicators=indicators)
    assert run.keys("F-RATE-OVER-100") == set()
    expected = {"100%": (100, "%"), 1: (1, ""), 0.98: (0.98, ""), "120%": (120, "%")}[actual]
    assert run.read_indicator(P, name)[4:6] == expected


# ---------------------------------------------------------------------------------------------
# F-NEGATIVE


def test_negative_fires_on_a_negative_amount(check_project: ProjectCheck) -> None:
    run = check_project(
        other=(0, 0, -5, "——", None, "——"), total=(100, 100, 95, 10, 0.95, 9.5), total_score=99.5
    )
    assert run.keys("F-NEGATIVE") == {("F-NEGATIVE", P, "F9")}
    finding = run.only("F-NEGATIVE")
    assert finding.message == "金额为负数-5，请核实"
    assert finding.actual == -5


def test_negative_quiet_on_zero_amounts(check_project: ProjectCheck) -> None:
    run = check_project()
    assert run.keys("F-NEGATIVE") == set()
    assert run.read(P, "D8", "E8", "F8", "D9", "E9", "F9") == (0, 0, 0, 0, 0, 0)


# ---------------------------------------------------------------------------------------------
# F-SCALE


def test_scale_fires_on_yuan_entered_as_wan_yuan(check_department: DepartmentCheck) -> None:
    # 政府采购金额 1168.35万元 typed in 元: 11,683,500.
    run = check_department(with_basic(procurement=YearAmounts(1286.40, 1500.00, 11683500)))
    assert run.keys("F-SCALE") == {("F-SCALE", BASIC, "F21")}
    finding = run.only("F-SCALE")
    assert finding.message.startswith("金额11683500万元约为本部门金额中位数")
    assert finding.message.endswith("疑似按“元”填报；请核实单位（万元）")
    assert finding.actual == 11683500


def test_scale_quiet_on_the_seed(check_department: DepartmentCheck) -> None:
    # The seed's amounts run from 6.25 to 64291.25: large, but not a thousand times the median.
    run = check_department()
    assert run.keys("F-SCALE") == set()
    assert run.read(BASIC, "F20", "D13") == (6.25, 64291.25)


# ---------------------------------------------------------------------------------------------
# G-MISSING-LABEL / G-NO-INDICATORS


def test_missing_label_fires_without_a_total_row(check_project: ProjectCheck) -> None:
    run = check_project(with_total_row=False)
    assert run.keys("G-MISSING-LABEL") == {("G-MISSING-LABEL", P, "A1")}
    finding = run.only("G-MISSING-LABEL")
    assert finding.message == "未找到“总分”行（在指标表下方查找）"


def test_missing_label_fires_without_a_column(check_rows: Callable[..., Run]) -> None:
    rows = project_sheet()
    rows[11] = [cell if cell != "实际完成值" else "备注" for cell in rows[11]]
    run = check_rows({"附件3.xlsx": {P: rows}})
    assert run.keys("G-MISSING-LABEL") == {("G-MISSING-LABEL", P, "A1")}
    assert (
        run.only("G-MISSING-LABEL").message == "未找到指标表的“实际完成值”列（在“一级指标”所在的标题行查找）"
    )


def test_missing_label_quiet_on_the_full_form(check_project: ProjectCheck) -> None:
    run = check_project()
    assert run.keys("G-MISSING-LABEL") == set()
    (form,) = run.ctx.frames.forms
    assert form.missing == ()
    assert (form.total_score is not None and form.total_score.cell, len(form.indicators)) == ("H19", 6)


def test_no_indicators_fires_on_an_empty_indicator_table(check_project: ProjectCheck) -> None:
    run = check_project(indicators=(), total_score=10)
    assert run.keys("G-NO-INDICATORS") == {("G-NO-INDICATORS", P, "A1")}
    assert run.only("G-NO-INDICATORS").message.startswith(
        "绩效指标表没有填写任何指标，只能按预算执行情况计分"
    )
    # Scored on the budget alone: 10 points.
    assert run.total(P)["score"] == 10


def test_no_indicators_quiet_with_indicators(check_project: ProjectCheck) -> None:
    run = check_project()
    assert run.keys("G-NO-INDICATORS") == set()
    assert [ind.name for ind in run.ctx.frames.forms[0].indicators] == [ind[2] for ind in CLEAN_INDICATORS]
