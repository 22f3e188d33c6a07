"""A 附件3 someone else filled in: the official layout, arranged their way.

Built with openpyxl here: a 填表说明 sheet first, an ``附件3`` line and a unit note above the form,
merged title and 一级指标 cells, ``其中：本年财政拨款``, ``年度资金总额：`` with a colon, amounts typed as
text with thousands separators, ``——`` in cells that take no value, and an extra 计量单位 column whose
units complete bare targets (``≥2000`` + 亩). Its faults: the 年度资金总额 row left at 0 beside a
filled 其中 row, an execution rate claimed as 100 % where the amounts give 80 %, and self-scores above
and below the rules.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import Run, check_folder

SHEET = "旱改水（2021年度）"

ROWS: list[list[object]] = [
    ["附件3"],
    ["项目支出绩效自评表"],
    ["（2022年度）"],
    [None, None, None, None, None, None, None, None, None, "金额单位：万元"],
    ["项目名称", None, "2021年度旱改水项目"],
    ["主管部门", None, "桃源县自然资源局（盖章）", None, None, "实施单位", None, "桃源县土地开发整理中心"],
    ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    [None, "年度资金总额：", None, 0, 0, 0, 10, "100%", 10],
    [None, "其中：本年财政拨款", None, "3,970.96", "3,970.96", "3,176.77", "——", "100%", "——"],
    [None, "上年结转资金", None, "——", "——", "——", "——", None, "——"],
    [None, "其他资金", None, "——", "——", "——", "——", None, "——"],
    ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
    [None, "新增水田2000亩，硬化渠道400米", None, None, None, "新增水田1600亩，硬化渠道400米"],
    [
        "绩效指标",
        "一级指标",
        "二级指标",
        "三级指标",
        "计量单位",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因分析及改进措施",
    ],
    [None, "产出指标(50分)", "数量指标", "新增水田面积", "亩", "≥2000", "1600", 30, 30, None],
    [None, None, None, "硬化渠道", "米", "≥400", "400", 20, 15, None],
    [None, "效益指标(30分)", "社会效益指标", "农业生产条件", None, "明显改善", "明显改善", 30, 30, None],
    [None, "满意度指标(10分)", "服务对象满意度指标", "群众满意度", "%", "≥90", "95", 10, 10, None],
    ["总分", None, None, None, None, None, None, 100, 95],
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder: Path = tmp_path_factory.mktemp("foreign")
    wb = openpyxl.Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "填表说明"
    notes["A1"] = "填表说明：一个项目支出填一张表，金额单位为万元。"
    ws = wb.create_sheet(SHEET)
    for r, row in enumerate(ROWS, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for merged in ("A2:J2", "A3:J3", "A7:A11", "A14:A18", "B15:B16", "C15:C16"):
        ws.merge_cells(merged)
    wb.save(folder / "附件3 项目支出绩效自评表（土地中心）.xlsx")
    return check_folder(folder)


def test_total_row_left_at_zero_is_flagged_and_the_parts_used(run: Run) -> None:
    assert run.keys("A-TOTAL-EMPTY") == {("A-TOTAL-EMPTY", SHEET, cell) for cell in ("D8", "E8", "F8")}
    executed = run.only_cell("A-TOTAL-EMPTY", "F8")
    assert (
        executed.message
        == "年度资金总额全年执行数填报为0，其中各项合计为3176.77，应填3176.77；执行率按分项合计计算"
    )
    line = run.budget(SHEET)
    assert (line["full_year"], line["executed"], bool(line["fallback"])) == (3970.96, 3176.77, True)
    assert line["rate"] == pytest.approx(3176.77 / 3970.96)
    assert line["score"] == 8


def test_rate_claimed_100_percent_where_the_amounts_give_80(run: Run) -> None:
    assert run.keys("A-RATE-STATED") == {("A-RATE-STATED", SHEET, "H8"), ("A-RATE-STATED", SHEET, "H9")}
    assert run.only_cell("A-RATE-STATED", "H8").message == (
        "执行率填报为100.00%，按全年执行数3176.77÷全年预算数3970.96应为80.00%"
    )
    assert (
        run.only_cell("A-RATE-STATED", "H9").message
        == "当年财政拨款执行率填报为100.00%，按3176.77÷3970.96应为80.00%"
    )
    score = run.only("B-EXEC-STATED")
    assert (score.cell, score.message) == ("I8", "得分填报为10，按执行率80.00%应为8")
    assert run.keys("B-EXEC-LOW") == {("B-EXEC-LOW", SHEET, "F8")}


def test_self_scores_above_and_below_the_rules(run: Run) -> None:
    over = run.only("C-SCORE-OVER")
    assert (over.cell, over.expected, over.actual) == ("I15", 24, 30)
    assert (
        over.message
        == "“新增水田面积”得分填报为30，按实际完成值“1600”与年度指标值“≥2000”（完成80.00%）应为24"
    )
    under = run.only("C-SCORE-UNDER")
    assert (under.cell, under.expected, under.actual) == ("I16", 20, 15)
    assert run.keys("C-REASON-MISSING") == {("C-REASON-MISSING", SHEET, "J15")}


def test_computed_scores_and_total(run: Run) -> None:
    assert run.scores(SHEET) == {"新增水田面积": 24, "硬化渠道": 20, "农业生产条件": 30, "群众满意度": 10}
    total = run.total(SHEET)
    # 8 (budget) + 24 + 20 + 30 + 10 = 92, beside the declared 95.
    assert (total["score"], total["self_score"], total["grade"]) == (92, 95, "优")
    finding = run.only("C-TOTAL-OVER")
    assert (finding.cell, finding.message) == (
        "I19",
        "自评总分95高于按规则计算的92分（优），差3分；请按本表标注逐项核减",
    )


def test_nothing_else_is_reported(run: Run) -> None:
    # The declared 95 is the sum of the declared scores, the text amounts read, the units convert, the
    # sealed 主管部门 name and the instructions sheet are no faults.
    assert run.rules() == {
        "A-TOTAL-EMPTY",
        "A-RATE-STATED",
        "B-EXEC-STATED",
        "B-EXEC-LOW",
        "C-SCORE-OVER",
        "C-SCORE-UNDER",
        "C-REASON-MISSING",
        "C-TOTAL-OVER",
    }
