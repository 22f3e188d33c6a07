"""The seed as a test (rules.md): the committed sample 桃源县自然资源局 2022 shows a reviewer the places
where its figures break, and nothing where they reconcile."""

from __future__ import annotations

import pytest
from conftest import Run

BASIC = "基础数据表"
DEPARTMENT = "部门整体支出绩效自评表"
FILE_BASIC = "附件1 部门整体支出绩效评价基础数据表.xlsx"
FILE_DEPARTMENT = "附件2 部门整体支出绩效自评表.xlsx"
FILE_PROJECTS = "附件3 项目支出绩效自评表.xlsx"

# Everything the shipped sample shows on first run, as (rule, sheet, cell).
SEED_FINDINGS = {
    ("D-PART-EXCEEDS-WHOLE", BASIC, "D13"),
    # 项目支出, 公用经费 and 政府采购金额 spent at 57 %, 43.5 % and 77.9 % of their 2022 budgets.
    ("B-EXEC-LOW-LINE", BASIC, "F13"),
    ("B-EXEC-LOW-LINE", BASIC, "F17"),
    ("B-EXEC-LOW-LINE", BASIC, "F21"),
    ("B-ADJUSTMENT", DEPARTMENT, "D5"),
    ("C-REASON-MISSING", DEPARTMENT, "H16"),
    ("C-UNIT-MISMATCH", DEPARTMENT, "E18"),
    ("C-OVER-TARGET", DEPARTMENT, "E19"),
    ("C-ACTUAL-NONNUMERIC", DEPARTMENT, "E21"),
    ("C-SCORE-UNDER", DEPARTMENT, "G38"),
    ("C-SCORE-UNDER", DEPARTMENT, "G39"),
    ("C-TOTAL-UNDER", DEPARTMENT, "G40"),
    ("A-RATE-STATED", "旱改水项目", "H6"),
    ("A-RATE-STATED", "旱改水项目", "H7"),
    ("B-EXEC-STATED", "旱改水项目", "I6"),
    ("B-EXEC-LOW", "旱改水项目", "F6"),
    ("C-TOTAL-OVER", "旱改水项目", "H26"),
    ("B-ADJUSTMENT", "矿山生态修复", "E6"),
    ("C-OVER-TARGET", "矿山生态修复", "F13"),
    ("C-REASON-MISSING", "矿山生态修复", "I13"),
    ("C-SCORE-UNDER", "废弃矿硐封堵", "I14"),
    ("C-TOTAL-UNDER", "废弃矿硐封堵", "I21"),
    ("B-ADJUSTMENT", "地质灾害应急治理", "E7"),
}


def test_the_seed_shows_exactly_its_known_findings(seed_run: Run) -> None:
    assert seed_run.keys() == SEED_FINDINGS


def test_seed_adjustment_names_initial_and_full_year(seed_run: Run) -> None:
    finding = seed_run.only_cell("B-ADJUSTMENT", "D5")
    assert (finding.file, finding.sheet, finding.severity) == (FILE_DEPARTMENT, DEPARTMENT, "warning")
    assert (
        finding.message
        == "全年预算数39575.03与年初预算数60596.97相差-34.69%（超过±20.00%），请说明预算调整原因"
    )
    # 阈值: 年初预算数 × (1 − 20%), the bound the full-year budget fell below.
    assert (finding.expected, finding.threshold, finding.actual) == (None, 48477.576, 39575.03)


def test_seed_projects_budget_exceeds_the_whole(seed_run: Run) -> None:
    finding = seed_run.only("D-PART-EXCEEDS-WHOLE")
    assert (finding.file, finding.sheet, finding.cell, finding.severity) == (
        FILE_BASIC,
        BASIC,
        "D13",
        "error",
    )
    assert "64291.25" in finding.message and "60596.97" in finding.message
    assert (finding.expected, finding.threshold, finding.actual) == (None, 60596.97, 64291.25)


def test_seed_hazard_survey_far_over_target_with_its_reason(seed_run: Run) -> None:
    finding = seed_run.only_cell("C-OVER-TARGET", "E19")
    assert finding.message.startswith("“地灾隐患点排查”实际完成值“38714个”偏离年度指标值“232个”")
    assert finding.message.endswith("指标值可能设定偏低")
    assert (finding.expected, finding.threshold, finding.actual) == (None, 0.3, "38714个")
    # Its 偏差原因 is filled: no C-REASON-MISSING on that row.
    assert seed_run.keys("C-REASON-MISSING") == {
        ("C-REASON-MISSING", DEPARTMENT, "H16"),
        ("C-REASON-MISSING", "矿山生态修复", "I13"),
    }


def test_seed_paddy_conversion_shortfall_without_reason(seed_run: Run) -> None:
    finding = seed_run.only_cell("C-REASON-MISSING", "H16")
    assert finding.message == (
        "“旱改水数量”实际完成值“2200亩”未达到年度指标值“2400亩”，偏差原因分析及改进措施未填写；请说明原因"
    )
    assert seed_run.indicator(DEPARTMENT, "旱改水数量")["score"] == 2.75  # 3 × 2200 ÷ 2400


def test_seed_paddy_project_budget_score(seed_run: Run) -> None:
    finding = seed_run.only("B-EXEC-STATED")
    assert (finding.file, finding.sheet, finding.cell) == (FILE_PROJECTS, "旱改水项目", "I6")
    assert finding.message == "得分填报为10，按执行率82.60%应为8.26"
    assert (finding.expected, finding.actual) == (8.26, 10)
    line = seed_run.budget("旱改水项目")
    assert line["rate"] == pytest.approx(3279.93 / 3970.96)
    assert line["score"] == 8.26
    assert seed_run.total("旱改水项目")["score"] == 98.26


@pytest.mark.parametrize("rule", ["A-SUM-PARTS", "A-BLOCK-SUM", "D-PROJECTS-ACTUAL", "A-TOTAL-EMPTY"])
def test_seed_figures_that_reconcile_give_no_arithmetic_finding(seed_run: Run, rule: str) -> None:
    # 决算收入 38966.11 … and 39575.03 = 2899.23 + 36675.8 add up; 附件1 项目支出 决算 36675.8 agrees.
    assert seed_run.keys(rule) == set()


def test_seed_totals_keep_the_declared_beside_the_computed(seed_run: Run) -> None:
    department = seed_run.total(DEPARTMENT)
    assert (department["self_score"], department["score"], department["grade"]) == (91.53, 92.53, "优")
    scores = {
        sheet: seed_run.total(sheet)["score"]
        for sheet in ("矿山生态修复", "废弃矿硐封堵", "地质灾害应急治理")
    }
    assert scores == {"矿山生态修复": 99.65, "废弃矿硐封堵": 99.05, "地质灾害应急治理": 99.45}
