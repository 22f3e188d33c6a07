"""Published variants of 附件2 / 附件3 declared in the layouts (`Variant.shows`): a department-wide table
laid out as the project table, a 分值 column before the value columns, the grade written in the 总分
row. Each is read with the right figures, scored, and named in the read and the scored copy."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from conftest import check_folder
from test_published_forms import department_rows, project_rows, read_one, write_book

from xltool.forms.layouts import DEPARTMENT, PROJECT
from xltool.run.pipeline import reconcile
from xltool.write.scored import REVIEW_SHEET


def variant_names(kind: str) -> dict[str, str]:
    """What each declared variant of a form shows → its name."""
    layout = {"department": DEPARTMENT, "project": PROJECT}[kind]
    return {"、".join(v.shows): v.name for v in layout.variants if v.shows}


def department_in_project_layout() -> tuple[list[list[object]], list[str]]:
    """附件2 published in the 附件3 layout: 部门名称 for 项目名称, the 资金 rows of a project, 绩效指标."""
    rows, merges = project_rows()
    rows[0] = ["部门整体支出绩效自评表"]
    rows[2] = ["部门名称", None, "测试县测试局"]
    rows[3] = [None]
    return rows, merges


def test_a_department_table_in_the_project_layout_is_a_department_variant(tmp_path: Path) -> None:
    rows, merges = department_in_project_layout()
    sheet = read_one(write_book(tmp_path / "附件2.xlsx", {"部门整体": (rows, merges)}))
    assert (sheet.kind, sheet.department, sheet.missing) == ("department", "测试县测试局", ())
    assert sheet.variant == variant_names("department")["lead:indicators"]
    budget = {(f.row, f.column): f.value for f in sheet.figures if f.block == "budget"}
    assert (budget[("total", "full_year")], budget[("total", "executed")]) == (100, 90)
    assert len(sheet.indicators) == 6 and sheet.total_score is not None and sheet.total_score.value == 99
    run = check_folder(tmp_path)
    # 9 for the budget, 10 × 400 ÷ 530 for 人均补助标准, the other five indicators in full
    assert run.total("部门整体")["score"] == 96.55


def test_weight_before_the_values(tmp_path: Path) -> None:
    head = (
        "一级指标",
        "二级指标",
        "三级指标",
        "分值",
        "年度指标值",
        "实际完成值",
        "得分",
        "偏差原因分析及改进措施",
    )
    rows = department_rows(indicator_head=head)
    start = next(i for i, row in enumerate(rows) if row[:1] == ["一级指标"]) + 1
    for row in rows[start:-1]:  # 分值 moved before 年度指标值
        row[3:6] = [row[5], row[3], row[4]]
    rows[-1] = ["总分", None, None, 100, None, None, 100]
    sheet = read_one(write_book(tmp_path / "附件2.xlsx", {"部门整体": (rows, ())}))
    assert sheet.variant == variant_names("department")["order:weight<target"]
    first = sheet.indicators[0]
    assert (first.weight, first.self_score, first.cells["weight"], first.cells["target"]) == (
        rows[start][3],
        rows[start][6],
        f"D{start + 1}",
        f"E{start + 1}",
    )
    assert sheet.total_weight is not None and sheet.total_weight.value == 100
    run = check_folder(tmp_path)
    assert not run.keys("A-WEIGHT-TOTAL") and not run.keys("C-SCORE-OVER")


def test_the_grade_written_in_the_total_row(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[-1] = ["总分", None, None, None, None, None, None, None, 100, 99, "优"]
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    assert sheet.variant == variant_names("project")["total:grade"]
    assert (sheet.texts["grade"].value, sheet.texts["grade"].cell) == ("优", f"K{len(rows)}")
    assert not check_folder(tmp_path).keys("A-GRADE-STATED")  # 99 is 优


def test_the_scored_copy_names_the_variant(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[-1] = ["总分", None, None, None, None, None, None, None, 100, 99, "等级：良"]
    write_book(tmp_path / "in" / "附件3.xlsx", {"测试项目": (rows, merges)})
    reconcile(tmp_path / "in", tmp_path / "out", jobs=1)
    wb = openpyxl.load_workbook(tmp_path / "out" / "附件3.xlsx")
    review = [str(v) for row in wb[REVIEW_SHEET].iter_rows(values_only=True) for v in row if v]
    assert any("已知变体（总分行填写等级）" in text for text in review)
    assert any("总分行填写等级“良”，但自评总分99对应的等级是“优”" in text for text in review)


def test_a_stated_grade_that_the_stated_total_does_not_give(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[-1] = ["总分", None, None, None, None, None, None, None, 100, 99, "良"]
    folder = tmp_path / "d"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    run = check_folder(folder)
    found = run.only("A-GRADE-STATED")
    assert (found.cell, found.actual, found.expected) == (f"K{len(rows)}", "良", "优")


def test_the_official_forms_are_no_variant(tmp_path: Path) -> None:
    rows, merges = project_rows()
    assert read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)})).variant == ""
    assert read_one(write_book(tmp_path / "附件2.xlsx", {"部门": (department_rows(), ())})).variant == ""
