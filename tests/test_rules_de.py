"""Families D (across one department's forms) and E (附件1's derived indicators).

Most cases start from the seed department written by `sample_forms` and change a figure or two: the
three forms of one department are what these rules look at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from conftest import (
    DEPARTMENT_SHEET,
    PROJECT_SHEET,
    Run,
    department_sheet,
    project_sheet,
    with_basic,
    with_department,
)
from support import sample_forms
from support.sample_forms import YearAmounts

from xltool.rules.departments import derived_indicators

BASIC = "基础数据表"
DepartmentCheck = Callable[..., Run]


def seed() -> sample_forms.DepartmentFigures:
    return sample_forms.taoyuan_2022()


# ---------------------------------------------------------------------------------------------
# D-PART-EXCEEDS-WHOLE


def test_part_exceeds_whole_fires_on_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    assert run.keys("D-PART-EXCEEDS-WHOLE") == {("D-PART-EXCEEDS-WHOLE", BASIC, "D13")}
    finding = run.only("D-PART-EXCEEDS-WHOLE")
    assert finding.message == (
        "附件1项目支出预算数64291.25超过附件2年度资金总额年初预算数60596.97（部分不能大于整体）；请核对两表口径"
    )
    assert (finding.expected, finding.threshold, finding.actual) == (None, 60596.97, 64291.25)


def test_part_exceeds_whole_quiet_when_projects_fit_the_whole(check_department: DepartmentCheck) -> None:
    dept = seed()
    assert dept.basic is not None
    items = dept.basic.project_items
    business = dataclasses.replace(items[0][1], budget=56945.20)  # 56945.20 + 1854.80 + 1200 = 60000
    run = check_department(
        with_basic(
            projects=YearAmounts(41385.62, 60000.00, 36675.80),
            project_items=((items[0][0], business), *items[1:]),
        )
    )
    assert run.keys("D-PART-EXCEEDS-WHOLE") == set()
    assert run.keys("A-SUM-PARTS") == set()
    assert run.read(BASIC, "D13") == (60000,)
    assert run.read(DEPARTMENT_SHEET, "C5") == (60596.97,)  # the whole the projects fit in


# ---------------------------------------------------------------------------------------------
# D-PROJECTS-ACTUAL and D-PROJECT-SUM


def test_projects_actual_fires_when_basic_data_and_department_table_disagree(
    check_department: DepartmentCheck,
) -> None:
    # 附件2 按支出性质分 still adds up to the 全年执行数 (执行 terms), but puts 100 less in 项目支出.
    run = check_department(with_department(expense_basic=2999.23, expense_project=36575.80))
    assert run.keys("D-PROJECTS-ACTUAL") == {("D-PROJECTS-ACTUAL", BASIC, "F13")}
    finding = run.only("D-PROJECTS-ACTUAL")
    assert finding.message == "附件1项目支出决算数36675.8与附件2按支出性质分的项目支出36575.8不一致"
    assert (finding.expected, finding.actual) == (36575.8, 36675.8)


def test_projects_actual_quiet_on_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    assert run.keys("D-PROJECTS-ACTUAL") == set()
    assert run.read(BASIC, "F13") == run.read(DEPARTMENT_SHEET, "H8") == (36675.8,)


def test_projects_actual_quiet_when_department_table_is_in_budget_terms(
    check_department: DepartmentCheck,
) -> None:
    # The 按支出性质分 block breaks down another column than 全年执行数: the two cannot be compared.
    run = check_department(with_department(expense_basic=3000.00, expense_project=40000.00))
    assert run.keys("D-PROJECTS-ACTUAL") == set()
    assert run.read(DEPARTMENT_SHEET, "H7", "H8") == (3000, 40000)
    assert run.read(BASIC, "F13") == (36675.8,)


def test_project_sum_fires_when_projects_exceed_the_department_projects(
    check_department: DepartmentCheck,
) -> None:
    run = check_department(with_department(expense_basic=35575.03, expense_project=4000.00))
    assert run.keys("D-PROJECT-SUM") == {("D-PROJECT-SUM", DEPARTMENT_SHEET, "H8")}
    finding = run.only("D-PROJECT-SUM")
    # 3279.93 + 598.46 + 176.50 + 245.80 = 4300.69
    assert finding.message == "附件3共4个项目全年执行数合计4300.69，超过附件2项目支出4000"
    assert (finding.expected, finding.threshold, finding.actual) == (None, 4000, 4300.69)


def test_project_sum_quiet_on_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    assert run.keys("D-PROJECT-SUM") == set()
    sheets = run.ctx.frames.sheets
    assert sorted(sheets.loc[sheets["kind"] == "project", "sheet"]) == [
        "地质灾害应急治理",
        "废弃矿硐封堵",
        "旱改水项目",
        "矿山生态修复",
    ]
    assert run.read("旱改水项目", "D6", "E6", "F6") == (3970.96, 3970.96, 3279.93)


# ---------------------------------------------------------------------------------------------
# D-DEPARTMENT-NAME, D-MISSING-FORM, D-YEAR


def test_department_name_fires_on_another_supervisor(check_department: DepartmentCheck) -> None:
    dept = seed()
    first = dataclasses.replace(dept.projects[0], supervisor="桃源县国土资源局")
    run = check_department(dataclasses.replace(dept, projects=(first, *dept.projects[1:])))
    assert run.keys("D-DEPARTMENT-NAME") == {("D-DEPARTMENT-NAME", "旱改水项目", "C4")}
    finding = run.only("D-DEPARTMENT-NAME")
    assert (
        finding.message
        == "主管部门“桃源县国土资源局”，与同一部门其他表格的“桃源县自然资源局”不一致；请填写部门全称"
    )
    assert (finding.expected, finding.actual) == ("桃源县自然资源局", "桃源县国土资源局")


def test_department_name_quiet_on_a_seal_or_code_around_the_name(check_department: DepartmentCheck) -> None:
    dept = seed()
    first = dataclasses.replace(dept.projects[0], supervisor="桃源县自然资源局（盖章）")
    second = dataclasses.replace(dept.projects[1], supervisor="219-桃源县自然资源局")
    run = check_department(dataclasses.replace(dept, projects=(first, second, *dept.projects[2:])))
    assert run.keys("D-DEPARTMENT-NAME") == set()
    sheets = run.ctx.frames.sheets
    assert set(sheets["dept"]) == {"桃源县自然资源局"}  # all five forms grouped as one department
    assert {"桃源县自然资源局（盖章）", "219-桃源县自然资源局"} <= {
        form.texts["department"].value for form in run.ctx.frames.forms if "department" in form.texts
    }


def test_missing_form_fires_for_a_department_without_attachment_1(check_department: DepartmentCheck) -> None:
    run = check_department(dataclasses.replace(seed(), basic=None))
    assert run.keys("D-MISSING-FORM") == {("D-MISSING-FORM", DEPARTMENT_SHEET, "A1")}
    finding = run.only("D-MISSING-FORM")
    assert finding.severity == "info"
    assert finding.message == "本部门未提交附件1 部门整体支出绩效评价基础数据表，相关跨表核对未能进行"


def test_missing_form_quiet_when_all_three_are_there(check_department: DepartmentCheck) -> None:
    run = check_department()
    assert run.keys("D-MISSING-FORM") == set()
    sheets = run.ctx.frames.sheets
    assert sorted(sheets["kind"].unique()) == ["basic_data", "department", "project"]
    assert set(sheets["dept"]) == {"桃源县自然资源局"}


def test_year_fires_on_a_project_of_another_year(check_rows: Callable[..., Run]) -> None:
    run = check_rows(
        {
            "附件2.xlsx": {DEPARTMENT_SHEET: department_sheet()},
            "附件3.xlsx": {PROJECT_SHEET: [["附件3"], *project_sheet(year=2021)]},
        }
    )
    # The finding points at the form's title (A2 below the 附件3 line), which the year line qualifies.
    assert run.keys("D-YEAR") == {("D-YEAR", PROJECT_SHEET, "A2")}
    finding = run.only("D-YEAR")
    assert finding.message == "本表年度为2021年，同一部门其他表格为2022年；请核实年度"
    assert (finding.expected, finding.actual) == (2022, 2021)


def test_year_quiet_when_the_forms_agree(check_rows: Callable[..., Run]) -> None:
    run = check_rows(
        {"附件2.xlsx": {DEPARTMENT_SHEET: department_sheet()}, "附件3.xlsx": {PROJECT_SHEET: project_sheet()}}
    )
    assert run.keys("D-YEAR") == set()
    assert run.rules() == set()
    assert sorted(run.ctx.frames.sheets["year"]) == [2022, 2022]


# ---------------------------------------------------------------------------------------------
# Family E


def test_staff_over_fires_above_the_establishment(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(actual_staff=220, control_rate=220 / 216))
    assert run.keys("E-STAFF-OVER") == {("E-STAFF-OVER", BASIC, "D5")}
    finding = run.only("E-STAFF-OVER")
    assert finding.message == "实际在职人数220超过编制数216，在职人员控制率101.85%，超过100%"
    assert (finding.expected, finding.threshold, finding.actual) == (None, 216, 220)


def test_staff_over_quiet_at_the_establishment(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(actual_staff=216, control_rate=1.0))
    assert run.keys("E-STAFF-OVER") == set()
    assert run.read(BASIC, "B5", "D5") == (216, 216)


def test_three_public_growth_and_control_fire(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(sangong=YearAmounts(30.00, 32.00, 33.44), formulas=False))
    assert run.keys("E-THREE-PUBLIC-GROWTH") == {("E-THREE-PUBLIC-GROWTH", BASIC, "F7")}
    growth = run.only("E-THREE-PUBLIC-GROWTH")
    assert growth.message == "“三公经费”本年决算数33.44高于上年决算数30，变动率11.47%；请说明增长原因"
    assert (growth.expected, growth.threshold, growth.actual) == (None, 30, 33.44)
    assert run.keys("E-THREE-PUBLIC-CONTROL") == {("E-THREE-PUBLIC-CONTROL", BASIC, "F7")}
    control = run.only("E-THREE-PUBLIC-CONTROL")
    assert control.message == "“三公经费”决算数33.44超过预算数32，控制率104.50%"
    assert (control.expected, control.threshold, control.actual) == (None, 32, 33.44)


def test_public_funds_control_fires(check_department: DepartmentCheck) -> None:
    run = check_department(with_basic(public=YearAmounts(245.86, 200.00, 222.54)))
    assert run.keys("E-PUBLIC-FUNDS-CONTROL") == {("E-PUBLIC-FUNDS-CONTROL", BASIC, "F17")}
    finding = run.only("E-PUBLIC-FUNDS-CONTROL")
    assert finding.message == "公用经费决算数222.54超过预算数200，控制率111.27%"


def test_family_e_quiet_on_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    for rule in ("E-STAFF-OVER", "E-THREE-PUBLIC-GROWTH", "E-THREE-PUBLIC-CONTROL", "E-PUBLIC-FUNDS-CONTROL"):
        assert run.keys(rule) == set()
    assert run.read(BASIC, "B5", "D5") == (216, 205)
    assert run.read(BASIC, "B7", "D7", "F7", "D17", "F17") == (48.6, 40, 33.44, 511.2, 222.54)


def test_family_e_quiet_when_spending_equals_its_reference(check_department: DepartmentCheck) -> None:
    # 三公经费 决算 = 上年决算 = 预算, 公用经费 决算 = 预算: neither growth nor overspending.
    run = check_department(
        with_basic(
            sangong=YearAmounts(33.44, 33.44, 33.44),
            public=YearAmounts(245.86, 222.54, 222.54),
            formulas=False,
        )
    )
    for rule in ("E-THREE-PUBLIC-GROWTH", "E-THREE-PUBLIC-CONTROL", "E-PUBLIC-FUNDS-CONTROL"):
        assert run.keys(rule) == set()
    assert run.read(BASIC, "B7", "D7", "F7", "D17", "F17") == (33.44, 33.44, 33.44, 222.54, 222.54)


def test_derived_indicators_of_the_seed(check_department: DepartmentCheck) -> None:
    run = check_department()
    derived = derived_indicators(run.ctx).loc["桃源县自然资源局"]
    assert derived["在职人员控制率"] == pytest.approx(205 / 216)
    assert derived["三公经费变动率"] == pytest.approx((33.44 - 48.60) / 48.60)
    assert derived["三公经费控制率"] == pytest.approx(33.44 / 40.00)
    assert derived["公用经费控制率"] == pytest.approx(222.54 / 511.20)
    assert derived["政府采购执行率"] == pytest.approx(1168.35 / 1500.00)
    assert derived["预算调整率"] == pytest.approx((39575.03 - 60596.97) / 60596.97)
