"""Family B — budget against actuals: each rule fires on wrong figures and stays quiet on right ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import PROJECT_SHEET, Run, with_basic
from support.sample_forms import YearAmounts

P = PROJECT_SHEET
BASIC = "基础数据表"
ProjectCheck = Callable[..., Run]
DepartmentCheck = Callable[..., Run]


def budget(initial: float, full_year: float, executed: float, score: float) -> dict[str, object]:
    """project_sheet figures with one fiscal line carrying the whole budget."""
    rate = executed / full_year
    return {
        "total": (initial, full_year, executed, 10, rate, score),
        "fiscal": (initial, full_year, executed, "——", rate, "——"),
        "total_score": 90 + score,
    }


# ---------------------------------------------------------------------------------------------
# B-EXEC-OVER


def test_exec_over_fires_when_executed_exceeds_full_year(check_project: ProjectCheck) -> None:
    run = check_project(**budget(100, 100, 110, 10))
    assert run.keys("B-EXEC-OVER") == {("B-EXEC-OVER", P, "F6"), ("B-EXEC-OVER", P, "F7")}
    total = run.only_cell("B-EXEC-OVER", "F6")
    assert total.severity == "error"
    assert total.message == (
        "年度资金总额全年执行数110超过全年预算数100（全年预算数已含年中调整），请核实执行数或调整后预算"
    )
    assert (total.expected, total.threshold, total.actual) == (None, 100, 110)
    # The budget score is capped at the weight: min(rate, 1) × 10.
    assert run.budget(P)["score"] == 10


def test_exec_over_quiet_within_a_cent(check_project: ProjectCheck) -> None:
    run = check_project(**budget(100, 100, 100.01, 10))
    assert run.keys("B-EXEC-OVER") == set()
    assert run.read(P, "E6", "F6") == (100, 100.01)


# ---------------------------------------------------------------------------------------------
# B-EXEC-LOW


def test_exec_low_fires_below_90_percent(check_project: ProjectCheck) -> None:
    run = check_project(**budget(100, 100, 89, 8.9))
    assert run.keys("B-EXEC-LOW") == {("B-EXEC-LOW", P, "F6")}
    finding = run.only("B-EXEC-LOW")
    assert finding.severity == "warning"
    assert finding.message == (
        "预算执行率89.00%（全年执行数89÷全年预算数100）低于90.00%，请在自评报告中说明未执行原因"
    )
    assert (finding.expected, finding.threshold, finding.actual) == (None, 0.9, 0.89)


def test_exec_low_quiet_at_90_percent(check_project: ProjectCheck) -> None:
    run = check_project(**budget(100, 100, 90, 9))
    assert run.keys("B-EXEC-LOW") == set()
    assert run.rules() == set()
    assert run.read(P, "E6", "F6", "H6") == (100, 90, 0.9)


# ---------------------------------------------------------------------------------------------
# B-EXEC-STATED


def test_exec_stated_fires_when_budget_score_ignores_the_rate(check_project: ProjectCheck) -> None:
    run = check_project(
        **budget(100, 100, 80, 8) | {"total": (100, 100, 80, 10, 0.8, 10), "total_score": 100}
    )
    assert run.keys("B-EXEC-STATED") == {("B-EXEC-STATED", P, "I6")}
    finding = run.only("B-EXEC-STATED")
    assert finding.message == "得分填报为10，按执行率80.00%应为8"
    assert (finding.expected, finding.actual) == (8, 10)


@pytest.mark.parametrize("stated", [8, 8.01, 7.99])
def test_exec_stated_quiet_within_the_score_tolerance(check_project: ProjectCheck, stated: float) -> None:
    run = check_project(**budget(100, 100, 80, 8) | {"total": (100, 100, 80, 10, 0.8, stated)})
    assert run.keys("B-EXEC-STATED") == set()
    assert run.read(P, "H6", "I6") == (0.8, stated)


def test_exec_stated_when_full_year_budget_is_empty(check_project: ProjectCheck) -> None:
    run = check_project(
        total=(None, None, 80, 10, None, 10),
        fiscal=(None, None, 80, "——", None, "——"),
    )
    finding = run.only("B-EXEC-STATED")
    assert finding.cell == "I6"
    assert finding.message == "得分填报为10，全年预算数为空，执行率无法计算，应为0"


# ---------------------------------------------------------------------------------------------
# B-ADJUSTMENT


def test_adjustment_fires_beyond_20_percent(check_project: ProjectCheck) -> None:
    run = check_project(**budget(100, 130, 130, 10))
    assert run.keys("B-ADJUSTMENT") == {("B-ADJUSTMENT", P, "E6")}
    finding = run.only("B-ADJUSTMENT")
    assert finding.message == "全年预算数130与年初预算数100相差30.00%（超过±20.00%），请说明预算调整原因"
    # 阈值: the bound the full-year budget crossed, 年初预算数 × (1 + 20%).
    assert (finding.expected, finding.threshold, finding.actual) == (None, 120, 130)


@pytest.mark.parametrize("full_year", [120, 80])
def test_adjustment_quiet_at_20_percent(check_project: ProjectCheck, full_year: float) -> None:
    run = check_project(**budget(100, full_year, full_year, 10))
    assert run.keys("B-ADJUSTMENT") == set()
    assert run.read(P, "D6", "E6") == (100, full_year)


# ---------------------------------------------------------------------------------------------
# B-UNBUDGETED


def test_unbudgeted_fires_on_executed_money_without_budget(check_project: ProjectCheck) -> None:
    run = check_project(
        total=(100, 100, 105, 10, 1.05, 10),
        fiscal=(100, 100, 100, "——", 1, "——"),
        other=(0, 0, 5, "——", None, "——"),
    )
    assert run.keys("B-UNBUDGETED") == {("B-UNBUDGETED", P, "F9")}
    finding = run.only("B-UNBUDGETED")
    assert finding.severity == "warning"
    assert finding.message == "全年执行数5，但年初预算数和全年预算数均为空或0：有资金未纳入预算，请说明"
    # The 其他资金 row is reported once, as unbudgeted; the total row's 105 > 100 stays an error.
    assert run.keys("B-EXEC-OVER") == {("B-EXEC-OVER", P, "F6")}


def test_unbudgeted_quiet_when_the_money_has_a_full_year_budget(check_project: ProjectCheck) -> None:
    run = check_project(
        total=(100, 105, 105, 10, 1, 10),
        fiscal=(100, 100, 100, "——", 1, "——"),
        other=(0, 5, 5, "——", None, "——"),
    )
    assert run.keys("B-UNBUDGETED") == set()
    assert run.rules() == set()
    assert run.read(P, "D9", "E9", "F9") == (0, 5, 5)


def test_unbudgeted_fires_on_basic_data_spending_without_budget(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(procurement=YearAmounts(1286.40, 0, 1168.35)))
    assert run.keys("B-UNBUDGETED") == {("B-UNBUDGETED", BASIC, "F21")}
    assert run.only("B-UNBUDGETED").message == (
        "政府采购金额2022年决算数1168.35，但2022年预算数为空或0：有支出未纳入预算，请说明"
    )


def test_unbudgeted_quiet_on_the_budget_adjustment_row(check_department: DepartmentCheck) -> None:
    # 部门基本支出预算调整 is the size of the year's adjustment (the seed's 59.73), not money spent:
    # its 预算数 is naturally 0.
    run = check_department()
    assert run.keys("B-UNBUDGETED") == set()
    assert run.read(BASIC, "D22", "F22") == (0, 59.73)


# ---------------------------------------------------------------------------------------------
# B-ACTUAL-ABOVE-BUDGET (附件1: info, never an error)


def test_actual_above_budget_is_info_on_basic_data(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(procurement=YearAmounts(1286.40, 1500.00, 1600.00)))
    assert run.keys("B-ACTUAL-ABOVE-BUDGET") == {("B-ACTUAL-ABOVE-BUDGET", BASIC, "F21")}
    finding = run.only("B-ACTUAL-ABOVE-BUDGET")
    assert finding.severity == "info"
    assert finding.message == "政府采购金额2022年决算数1600高于2022年预算数1500，如为年中追加请核实依据"
    assert (finding.expected, finding.threshold, finding.actual) == (None, 1500, 1600)


def test_actual_above_budget_quiet_on_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    assert run.keys("B-ACTUAL-ABOVE-BUDGET") == set()
    # The budgets and actuals it compared were read (each actual below its budget).
    assert run.read(BASIC, "D7", "F7", "D13", "F13", "D17", "F17") == (
        40,
        33.44,
        64291.25,
        36675.8,
        511.2,
        222.54,
    )


def test_actual_above_budget_leaves_three_public_to_family_e(check_department: DepartmentCheck) -> None:
    # 三公经费 决算 above 预算 is the E-THREE-PUBLIC-CONTROL warning, not an info here.
    run = check_department(with_basic(sangong=YearAmounts(48.60, 30.00, 33.44), formulas=False))
    assert run.keys("B-ACTUAL-ABOVE-BUDGET") == set()
    assert run.keys("E-THREE-PUBLIC-CONTROL") == {("E-THREE-PUBLIC-CONTROL", BASIC, "F7")}
