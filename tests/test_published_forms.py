"""Forms as provinces publish them: header blocks over several rows, units in headers, the labels
publishers use, variants that omit blocks, formulas saved without their values.

Each workbook is built here with openpyxl the way a publisher lays it out: title rows, merged
header cells (value in the top-left cell only), extra columns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CLEAN_INDICATORS, check_folder
from typer.testing import CliRunner

from xltool.cli import app
from xltool.model.records import FormSheet
from xltool.model.values import Quantity
from xltool.read.reader import read_file
from xltool.run.pipeline import reconcile
from xltool.write.scored import REVIEW_SHEET

D = Decimal
Rows = Sequence[Sequence[object]]


def write_book(path: Path, sheets: dict[str, tuple[Rows, Sequence[str]]]) -> Path:
    """Sheet name → (rows, merged ranges); a merged range keeps its value in its top-left cell only."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, (rows, merges) in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for merge in merges:
            ws.merge_cells(merge)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def read_one(path: Path) -> FormSheet:
    """The single form sheet of a workbook (the read must succeed)."""
    read = read_file(path, path.parent)
    assert read.status == "ok", read.message
    assert len(read.sheets) == 1
    return read.sheets[0]


def figures(sheet: FormSheet, block: str) -> dict[tuple[str, str], tuple[Decimal | None, str]]:
    """(row, column) → (value, cell) of one block."""
    return {(f.row, f.column): (f.value, f.cell) for f in sheet.figures if f.block == block}


def quantity(value: object) -> object:
    return (value.op, value.number, value.unit) if isinstance(value, Quantity) else value


# ---------------------------------------------------------------------------------------------
# 1. Header blocks over two rows

# 年度指标值 over 指标性质 / 指标值 / 度量单位; the other columns merged down over both rows.
TWO_ROW_INDICATOR_HEAD: Rows = (
    (
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        None,
        None,
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ),
    (None, None, None, None, "指标性质", "指标值", "度量单位"),
)
TWO_ROW_INDICATOR_MERGES = (
    "A{0}:A{1}",
    "B{0}:B{1}",
    "C{0}:C{1}",
    "D{0}:D{1}",
    "E{0}:G{0}",
    "H{0}:H{1}",
    "I{0}:I{1}",
    "J{0}:J{1}",
    "K{0}:K{1}",
)
SPLIT_INDICATORS: Rows = (
    ("产出指标", "数量指标", "完成数量", "≥", 10, "个", 12, 20, 20),
    ("产出指标", "质量指标", "验收合格率", "=", 100, "%", "100%", 10, 10),
    ("产出指标", "时效指标", "按期完成", "定性", "按期完成", None, "按期完成", 10, 10),
    ("产出指标", "成本指标", "人均补助标准", "≥", 530, "元/人*月", 400, 10, 10),
    ("效益指标", "社会效益指标", "群众生产生活条件", "定性", "明显改善", None, "明显改善", 30, 30),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", "95%", 10, 10),
)


def project_rows(
    *,
    corner: str = "项目资金（万元）",
    amounts: Sequence[object] = (100, 100, 90),
    head: Sequence[str] = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
    department_label: str = "主管部门",
    implementer_label: str = "实施单位",
) -> tuple[list[list[object]], list[str]]:
    """A 附件3 with a title, the budget block, and a two-row indicator header (11 columns A–K)."""
    initial, full, executed = amounts
    rows: list[list[object]] = [
        ["项目支出绩效自评表"],
        ["（2023年度）"],
        ["项目名称", None, "测试项目"],
        [department_label, None, "测试县测试局", None, None, implementer_label, None, "测试中心"],
        [corner, None, None, *head],
        [None, "年度资金总额", None, initial, full, executed, 10, 0.9, 9],
        [None, "其中：当年财政拨款", None, initial, full, executed, "——", 0.9, "——"],
        [None, "上年结转资金", None, 0, 0, 0, "——", None, "——"],
        [None, "其他资金", None, 0, 0, 0, "——", None, "——"],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "完成测试任务", None, None, None, "已完成测试任务"],
    ]
    header = len(rows) + 1
    rows += [list(r) for r in TWO_ROW_INDICATOR_HEAD]
    rows += [[None, *r] for r in SPLIT_INDICATORS]
    rows.append(["总分", None, None, None, None, None, None, None, 100, 99])
    merges = ["A1:K1", "A2:K2", "A5:C5"] + [m.format(header, header + 1) for m in TWO_ROW_INDICATOR_MERGES]
    return rows, merges


def test_a_two_row_indicator_header_is_read_column_by_column(tmp_path: Path) -> None:
    rows, merges = project_rows()
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    assert sheet.missing == ()
    got = [(i.name, quantity(i.target), quantity(i.actual), i.weight, i.self_score) for i in sheet.indicators]
    # The 度量单位 column completes both the target and the actual.
    assert got[0] == ("完成数量", (">=", D(10), "个"), ("", D(12), "个"), D(20), D(20))
    assert got[3] == ("人均补助标准", (">=", D(530), "元/人·月"), ("", D(400), "元/人·月"), D(10), D(10))
    assert sheet.indicators[0].cells["target"] == "F14"
    assert sheet.total_score is not None and sheet.total_score.value == D(99)


def test_a_two_row_header_and_a_compound_unit_expose_an_overstated_score(tmp_path: Path) -> None:
    rows, merges = project_rows()
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    run = check_folder(folder)
    assert ("C-SCORE-OVER", "测试项目", "J17") in run.keys("C-SCORE-OVER")
    assert not run.keys("C-ACTUAL-MISSING") and not run.keys("G-MISSING-LABEL")


def test_a_budget_header_over_two_rows(tmp_path: Path) -> None:
    rows, merges = project_rows()
    # 预算执行情况 over 年初预算数 / 全年预算数 / 全年执行数; 分值 / 执行率 / 得分 merged down.
    rows[4] = ["项目资金（万元）", None, None, "预算执行情况", None, None, "分值", "执行率", "得分"]
    rows.insert(5, [None, None, None, "年初预算数", "全年预算数", "全年执行数"])
    merges = ["A1:K1", "A2:K2", "A5:C6", "D5:F5", "G5:G6", "H5:H6", "I5:I6"] + [
        m.format(13, 14) for m in TWO_ROW_INDICATOR_MERGES
    ]
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    budget = figures(sheet, "budget")
    assert budget[("total", "executed")] == (D(90), "F7")
    assert budget[("total", "rate")] == (D("0.9"), "H7")
    assert budget[("fiscal", "full_year")] == (D(100), "E8")
    assert sheet.missing == ()


# ---------------------------------------------------------------------------------------------
# 2. Units declared in headers


@pytest.mark.parametrize(
    ("corner", "amounts", "expected"),
    [
        ("项目资金（元）", (1_000_000, 1_000_000, 900_000), (D(100), D(100), D(90))),
        ("项目资金(万元)", (100, 100, 90), (D(100), D(100), D(90))),
        ("资金(元)", (1_000_000, 1_000_000, 900_000), (D(100), D(100), D(90))),
        ("项目资金（千元）", (1_000, 1_000, 900), (D(100), D(100), D(90))),
    ],
)
def test_a_unit_in_the_corner_converts_amounts_to_wan_yuan(
    tmp_path: Path, corner: str, amounts: tuple[int, int, int], expected: tuple[Decimal, ...]
) -> None:
    rows, merges = project_rows(corner=corner, amounts=amounts)
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    total = {f.column: f for f in sheet.figures if (f.block, f.row) == ("budget", "total")}
    assert (total["initial"].value, total["full_year"].value, total["executed"].value) == expected
    assert total["executed"].raw == amounts[2]  # as written, for the scored copy
    assert (total["rate"].value, total["score"].value) == (D("0.9"), D(9))  # rates and scores are no amounts


def test_a_unit_line_above_a_table(tmp_path: Path) -> None:
    rows, merges = project_rows(corner="项目资金", amounts=(1_000_000, 1_000_000, 900_000))
    rows.insert(2, [None, None, None, None, None, None, None, "金额单位：元"])
    merges = [m.replace("A5:C5", "A6:C6") for m in merges]
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges[:2])}))
    budget = figures(sheet, "budget")
    assert budget[("total", "executed")][0] == D(90)


def test_the_scored_copy_shows_amounts_as_written_with_their_unit(tmp_path: Path) -> None:
    rows, merges = project_rows(corner="项目资金（元）", amounts=(1_000_000, 1_000_000, 900_000))
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    reconcile(folder, tmp_path / "out", jobs=1)
    book = openpyxl.load_workbook(tmp_path / "out" / "附件3.xlsx")
    ws = book["测试项目"]
    cells = {c.value: c.coordinate for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    corner = next(text for text in cells if text.startswith("项目资金"))
    assert corner.replace("\n", "") == "项目资金（元）"
    executed = ws.cell(ws[cells["年度资金总额"]].row, 6).value
    assert executed == 900_000
    review = [c.value for row in book[REVIEW_SHEET].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("金额以“元”为单位填报" in text for text in review)


def test_amounts_in_yuan_reach_the_rules_in_wan_yuan(tmp_path: Path) -> None:
    rows, merges = project_rows(corner="项目资金（元）", amounts=(1_000_000, 1_000_000, 900_000))
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    run = check_folder(folder)
    budget = run.budget("测试项目")
    assert (budget["full_year"], budget["executed"]) == (100.0, 90.0)
    assert not run.keys("F-SCALE") and not run.keys("A-RATE-STATED")


# ---------------------------------------------------------------------------------------------
# 4. Labels publishers use


def department_rows(
    *,
    name_label: str = "部门（单位）名称",
    head: Sequence[str] = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"),
    indicator_head: Sequence[str] = (
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ),
    blocks: bool = True,
) -> list[list[object]]:
    """A 附件2 in the official layout with some labels replaced."""
    rows: list[list[object]] = [
        ["部门整体支出绩效自评表"],
        ["（2023年度）"],
        [name_label, None, "测试县测试局"],
        ["年度预算申请（万元）", None, *head],
        ["年度资金总额", None, *(1000, 1000, 1000, 10, 1, 10)[: len(head)]],
    ]
    if blocks:
        rows += [
            ["按收入性质分：", None, None, None, "按支出性质分："],
            ["其中：一般公共预算", None, None, 1000, "其中：基本支出", None, None, 400],
            ["政府性基金拨款", None, None, 0, "项目支出", None, None, 600],
            ["纳入专户管理的非税收入拨款", None, None, 0],
            ["其他资金", None, None, 0],
        ]
    rows += [
        ["年度总体目标", "预期目标", None, None, "实际完成情况"],
        [None, "完成年度工作任务", None, None, "已完成年度工作任务"],
        list(indicator_head),
    ]
    for level1, level2, name, target, actual, weight, score, reason in CLEAN_INDICATORS:
        rows.append([level1, level2, name, target, actual, weight, score, reason or None])
    rows.append(["总分", None, None, None, None, 100, 100])
    return rows


@pytest.mark.parametrize("label", ["部门", "单位", "预算单位", "填报单位", "单 位 名 称", "★部门名称"])
def test_name_labels_publishers_use(tmp_path: Path, label: str) -> None:
    rows = department_rows(name_label=label)
    rows[1] = ["（2023年度）", None, None, None, None, None, "单位：万元"]  # a unit line is no name
    path = write_book(tmp_path / "附件2.xlsx", {"部门整体": (rows, ())})
    sheet = read_one(path)
    assert (sheet.department, sheet.missing) == ("测试县测试局", ())


def test_column_labels_with_markers_line_breaks_and_spaces(tmp_path: Path) -> None:
    rows = department_rows(
        head=("年初预算数", "全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"),
        indicator_head=(
            "一 级 指 标",
            "二级\n指标",
            "★三级指标",
            "年度\n指标值",
            "全年实际值",
            "分值",
            "得分",
            "偏差原因分析及\n改进措施",
        ),
    )
    sheet = read_one(write_book(tmp_path / "附件2.xlsx", {"部门整体": (rows, ())}))
    assert sheet.missing == ()
    budget = figures(sheet, "budget")
    assert (budget[("total", "full_year")], budget[("total", "rate")]) == ((D(1000), "D5"), (D(1), "G5"))
    assert [(i.name, i.cells["actual"]) for i in sheet.indicators][:1] == [("完成数量", "E14")]


def test_project_labels_publishers_use(tmp_path: Path) -> None:
    rows, merges = project_rows(department_label="主管部门（单位）", implementer_label="项目单位")
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    assert (sheet.department, sheet.texts["implementer"].value, sheet.missing) == (
        "测试县测试局",
        "测试中心",
        (),
    )


# ---------------------------------------------------------------------------------------------
# 5. Variants that omit blocks by design


def test_a_department_form_without_initial_budget_or_breakdowns_is_a_variant(tmp_path: Path) -> None:
    """A correct variant form passes --strict (D-MISSING-FORM, for the absent 附件1 / 附件3, is info)."""
    rows = department_rows(head=("全年预算数", "全年执行数", "分值", "执行率", "得分"), blocks=False)
    rows[4] = ["年度资金总额", None, 1000, 1000, 10, 1, 10]
    folder = tmp_path / "dept"
    sheet = read_one(write_book(folder / "附件2.xlsx", {"部门整体": (rows, ())}))
    assert (sheet.variant, sheet.missing) == ("无年初预算数、无按收入性质分、按支出性质分", ())
    run = check_folder(folder)
    assert [f.rule for f in run.findings if f.severity == "error"] == []
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["reconcile", str(folder), "-o", str(out), "--jobs", "1", "--strict"])
    assert result.exit_code == 0, result.output


def test_a_block_missing_alone_is_still_reported(tmp_path: Path) -> None:
    rows = department_rows()
    del rows[6:10]  # 按收入性质分 kept as a heading, its items gone; 按支出性质分 gone
    rows[5] = ["按收入性质分："]
    sheet = read_one(write_book(tmp_path / "附件2.xlsx", {"部门整体": (rows, ())}))
    assert sheet.variant == ""
    assert any("按支出性质分" in m for m in sheet.missing) and any("一般公共预算" in m for m in sheet.missing)


# ---------------------------------------------------------------------------------------------
# 6. Formulas saved without their values


def test_formulas_without_cached_values_are_evaluated(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[5][7], rows[5][8] = "=F6/E6", "=ROUND(MIN(H6,1)*G6,2)"
    rows[6][7] = "=IF(E7=0,0,F7/E7)"
    last = len(rows)
    rows[-1][9] = f"=SUM(J14:J{last - 1})+I6"
    sheet = read_one(write_book(tmp_path / "附件3.xlsx", {"测试项目": (rows, merges)}))
    budget = figures(sheet, "budget")
    assert budget[("total", "rate")] == (D("0.9"), "H6")
    assert budget[("total", "score")] == (D(9), "I6")
    assert budget[("fiscal", "rate")] == (D("0.9"), "H7")
    assert sheet.total_score is not None and sheet.total_score.value == D(99)


def test_a_formula_it_cannot_evaluate_is_not_stated_never_zero(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[5][8] = "=VLOOKUP(A1,B:C,2,0)"
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    sheet = read_one(folder / "附件3.xlsx")
    assert figures(sheet, "budget").get(("total", "score"), (None, ""))[0] is None
    run = check_folder(folder)
    assert not run.keys("A-TOTAL-STATED") and not run.keys("B-EXEC-STATED")


# ---------------------------------------------------------------------------------------------
# 7. Every stated figure checked


def test_a_stated_rate_on_a_carried_over_row_is_checked(tmp_path: Path) -> None:
    rows, merges = project_rows(amounts=(101.8, 101.8, 91.8))
    rows[7] = [None, "上年结转资金", None, 1.8, 1.8, 1.8, "——", 0, "——"]
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    run = check_folder(folder)
    assert ("A-RATE-STATED", "测试项目", "H8") in run.keys("A-RATE-STATED")


# ---------------------------------------------------------------------------------------------
# 8. Rules a reviewer expects


def test_execution_far_below_plan_on_basic_data_lines(check_department: Any) -> None:
    run = check_department()
    low = {(f.cell, f.expected, f.threshold, f.actual) for f in run.findings if f.rule == "B-EXEC-LOW-LINE"}
    # 项目支出 57.05 %, 公用经费 43.53 %, 政府采购金额 77.89 % of their 2022 budgets (the seed's figures);
    # the limit crossed is 80 % of each budget, a threshold, not a figure the cell should hold.
    assert low == {
        ("F13", None, 51433.0, 36675.8),
        ("F17", None, 408.96, 222.54),
        ("F21", None, 1200.0, 1168.35),
    }


def test_a_typed_number_over_a_template_formula(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows[5][7], rows[5][8] = "=F6/E6", "=ROUND(MIN(H6,1)*G6,2)"  # the 执行率 and 得分 of the template
    rows[6][7] = 0.9  # 当年财政拨款's 执行率 typed over its formula
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    run = check_folder(folder)
    assert run.keys("G-FORMULA-OVERWRITTEN") == {("G-FORMULA-OVERWRITTEN", "测试项目", "H7")}
    assert run.only("G-FORMULA-OVERWRITTEN").actual == 0.9


def test_report_names_the_template_followed_and_rows_moved(tmp_path: Path) -> None:
    rows, merges = project_rows()
    rows.insert(0, ["附件3"])  # a title row above the form
    rows.insert(9, [None, "其中：专项债资金", None, 0, 0, 0])  # a row the official form has not
    merges = ["A2:K2", "A3:K3", "A6:C6"]
    folder = tmp_path / "dept"
    write_book(folder / "附件3.xlsx", {"测试项目": (rows, merges)})
    reconcile(folder, tmp_path / "out", jobs=1)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    (sheet,) = report["inputs"][0]["sheets"]
    template = sheet["template"]
    assert (template["layout"], template["year"], template["variant"]) == (
        "附件3 项目支出绩效自评表（财预〔2020〕10号）",
        2023,
        None,
    )
    assert (template["row_offset"], template["rows_inserted"], template["rows_deleted"]) == (
        1,
        [{"before": "其他资金", "rows": 1}],
        [],
    )
