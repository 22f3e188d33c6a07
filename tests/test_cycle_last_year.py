"""Last year beside this year (``--last-year DIR``, cycle.md): family Y and last year's scores."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
from conftest import CLEAN_INDICATORS, project_sheet, replace_indicator, write_rows
from support import sample_forms
from test_cycle_intake import PROJECT_FILE, report, run

from xltool.write.summary_looks import HEADER_ROW

TAOYUAN = "桃源县自然资源局"


def last_year_basic() -> sample_forms.DepartmentFigures:
    """The seed department a year earlier: its 附件1 as the year before would have stated it.

    This year's 附件1 says 上年决算 三公经费 48.60; last year's said 50.00 (Y-PRIOR-STATED). This
    year's 三公经费 33.44 is 33 % below last year's 50.00, 205 staff are 37 % more than last year's
    150 and the 项目支出 budget 64291.25 is 61 % above last year's 40000 (each beyond the profile's 30 %).
    """
    dept = sample_forms.taoyuan_2022()
    assert dept.basic is not None
    basic = dept.basic
    ya = sample_forms.YearAmounts

    def before(a: sample_forms.YearAmounts) -> sample_forms.YearAmounts:
        return ya(None, a.prev_final, a.prev_final)

    changed = {
        f.name: before(getattr(basic, f.name))
        for f in dataclasses.fields(basic)
        if isinstance(getattr(basic, f.name), sample_forms.YearAmounts)
    }
    changed["sangong"] = ya(None, 50.0, 50.0)
    changed["projects"] = ya(None, 40000.0, basic.projects.prev_final)
    items = tuple((label, before(a)) for label, a in basic.project_items)
    basic = dataclasses.replace(
        basic, actual_staff=150, control_rate=150 / 216, project_items=items, **changed
    )
    return dataclasses.replace(dept, year=2021, basic=basic, department=None, projects=())


def test_last_year_findings_and_scores(tmp_path: Path) -> None:
    this_year, last_year = tmp_path / "2022", tmp_path / "2021"
    sample_forms.write_department(this_year / TAOYUAN, sample_forms.taoyuan_2022())
    sample_forms.write_department(last_year / TAOYUAN, last_year_basic())
    # 完成数量: last year ≥10个 achieved 12个; this year ≥10个 again (below last year's actual, and the
    # same target though exceeded). 验收合格率 100% both years: nothing to say.
    write_rows(last_year / "测试局" / PROJECT_FILE, {"测试项目": project_sheet(
        year=2021, indicators=replace_indicator(CLEAN_INDICATORS, "完成数量", actual="12个"), total_score=90
    )})  # fmt: skip
    write_rows(this_year / "测试局" / PROJECT_FILE, {"测试项目": project_sheet()})
    out = tmp_path / "out"
    code, output = run("reconcile", this_year, "-o", out, "--last-year", last_year)
    assert code == 0, output
    found = {(f["rule"], f["department"], f["cell"]) for f in report(out)["findings"] if f["rule"][0] == "Y"}
    assert found == {
        ("Y-PRIOR-STATED", TAOYUAN, "B7"),
        ("Y-THREE-PUBLIC-CHANGE", TAOYUAN, "F7"),
        ("Y-STAFF-CHANGE", TAOYUAN, "D5"),
        ("Y-PROJECT-BUDGET-CHANGE", TAOYUAN, "D13"),
        # 完成数量 (row 13) as set up; 群众满意度 (row 18): ≥90% again after 95% last year.
        ("Y-TARGET-BELOW-LAST", "测试县测试局", "E13"),
        ("Y-TARGET-UNCHANGED", "测试县测试局", "E13"),
        ("Y-TARGET-BELOW-LAST", "测试县测试局", "E18"),
        ("Y-TARGET-UNCHANGED", "测试县测试局", "E18"),
    }, found
    prior = next(f for f in report(out)["findings"] if f["rule"] == "Y-PRIOR-STATED")
    assert "48.6" in prior["message"] and "50" in prior["message"] and prior["expected"] == 50
    # Last year's project score and the change, in report.json and the summary's project rows.
    project = next(
        p for d in report(out)["departments"] for p in d["projects"] if d["name"] == "测试县测试局"
    )
    assert project["last_year"]["score"] is not None
    assert project["last_year"]["change"] == round(project["score"] - project["last_year"]["score"], 2)
    rows = list(
        openpyxl.load_workbook(out / "审核汇总.xlsx", read_only=True)["项目汇总"].iter_rows(values_only=True)
    )
    header = rows[HEADER_ROW]
    line = next(r for r in rows if r[0] == "测试县测试局")
    assert line[header.index("上年规则总分")] == project["last_year"]["score"]
    # An earlier run's output serves as last year just as well as last year's workbooks.
    last_out = tmp_path / "out-2021"
    assert run("reconcile", last_year, "-o", last_out)[0] == 0
    again = tmp_path / "again"
    assert run("reconcile", this_year, "-o", again, "--last-year", last_out)[0] == 0
    assert {
        (f["rule"], f["department"], f["cell"]) for f in report(again)["findings"] if f["rule"][0] == "Y"
    } == found


def test_without_last_year_family_y_says_nothing(tmp_path: Path) -> None:
    write_rows(tmp_path / "in" / PROJECT_FILE, {"测试项目": project_sheet()})
    assert run("reconcile", tmp_path / "in", "-o", tmp_path / "out")[0] == 0
    assert not any(f["rule"][0] == "Y" for f in report(tmp_path / "out")["findings"])
    code, output = run("reconcile", tmp_path / "in", "-o", tmp_path / "o2", "--last-year", tmp_path / "none")
    assert code == 2 and "--last-year" in output
