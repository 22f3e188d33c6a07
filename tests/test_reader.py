"""The reader finds every value of 附件1/2/3 by its label, whatever the layout around it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
import xlwt
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import xl_cell_to_rowcol

from xltool.model.records import FormSheet, WorkbookRead
from xltool.model.values import Qualitative, Quantity
from xltool.read.reader import a1, normalise_department, read_file, read_workbook

D = Decimal
Rows = list[list[object]]


# ---------------------------------------------------------------------------------------------
# Writing the smallest workbooks


@dataclass(frozen=True)
class Formula:
    """A formula with the cached value a spreadsheet program stores beside it."""

    formula: str
    value: float | str


@dataclass
class SheetSpec:
    """Rows of values plus the merged ranges (A1 notation, in row/column coordinates of ``rows``)."""

    rows: Rows
    merges: list[str]


def write_xlsx(path: Path, sheets: dict[str, SheetSpec], offset: tuple[int, int] = (0, 0)) -> Path:
    """Write sheets to ``path`` with xlsxwriter, every cell shifted by ``offset`` (rows, columns)."""
    book = xlsxwriter.Workbook(str(path))
    dr, dc = offset
    for name, spec in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Formula):
                    sheet.write_formula(r + dr, c + dc, value.formula, None, value.value)
                else:
                    sheet.write(r + dr, c + dc, value)
        for merge in spec.merges:
            (r0, c0), (r1, c1) = (xl_cell_to_rowcol(end) for end in merge.split(":"))
            top_left = spec.rows[r0][c0] if c0 < len(spec.rows[r0]) else None
            if isinstance(top_left, Formula):
                top_left = top_left.value
            sheet.merge_range(r0 + dr, c0 + dc, r1 + dr, c1 + dc, top_left if top_left is not None else "")
    book.close()
    return path


def write_xls(path: Path, sheets: dict[str, Rows]) -> Path:
    """Write sheets to an old-style .xls with xlwt."""
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


def read_one(
    tmp_path: Path, spec: SheetSpec, name: str = "表", offset: tuple[int, int] = (0, 0)
) -> FormSheet:
    """Write one sheet, read it back, and return its FormSheet."""
    path = write_xlsx(tmp_path / "book.xlsx", {name: spec}, offset)
    read = read_file(path, tmp_path)
    assert read.status == "ok", read.message
    assert len(read.sheets) == 1
    return read.sheets[0]


def figures(sheet: FormSheet, block: str | None = None) -> list[tuple[str, str, Decimal | None, str]]:
    """(row, column, value, cell) of a sheet's figures (of one block)."""
    return [(f.row, f.column, f.value, f.cell) for f in sheet.figures if block is None or f.block == block]


def shifted(cell: str, dr: int, dc: int) -> str:
    """An A1 address moved by (dr, dc)."""
    r, c = xl_cell_to_rowcol(cell)
    return a1(r + dr, c + dc)


def replace(rows: Rows, old: object, new: object) -> Rows:
    """A copy of ``rows`` with every cell equal to ``old`` replaced by ``new``."""
    return [[new if value == old else value for value in row] for row in rows]


# ---------------------------------------------------------------------------------------------
# The official layouts, filled


def project_sheet() -> SheetSpec:
    """附件3 项目支出绩效自评表 as the 财预〔2020〕10号 form lays it out."""
    rows: Rows = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", None, "2021年度旱改水项目"],
        ["主管部门", None, "桃源县自然资源局", None, None, "实施单位", None, "桃源县土地开发整理中心"],
        ["项目资金（万元）", None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", None, 3970.96, 3970.96, 3279.93, 10, 0.826, 8.26],
        [None, "其中：当年财政拨款", None, 3970.96, 3970.96, 3279.93, "——", 0.826, "——"],
        [None, "上年结转资金", None, 0, 0, 0, "——", None, "——"],
        [None, "其他资金", None, 0, 0, 0, "——", None, "——"],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "新增水田2164.95亩", None, None, None, "完成新增水田2164.95亩"],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        [None, "产出指标(50分)", "数量指标", "新增水田面积", "≥2164.95亩", "2164.95亩", 30, 30],
        [None, None, "质量指标", "工程质量合格率", "100%", "100%", 20, 20],
        [
            None,
            "效益指标（30分）",
            "社会效益指标",
            "群众生产生活条件",
            "明显改善",
            "部分达成年度指标并具有一定效果",
            30,
            20,
            "部分渠道未完工",
        ],
        [None, "满意度指标(10)", "服务对象满意度指标", "项目区群众满意度", "≥90%", "95%", 10, 10],
        [None, None, None, None, None, None, None, None],
        ["总分", None, None, None, None, None, 100, 88.26],
    ]
    merges = [
        "A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "F4:G4", "H4:I4",
        "A5:A9", "B5:C5", "B6:C6", "B7:C7", "B8:C8", "B9:C9",
        "A10:A11", "B10:E10", "F10:I10", "B11:E11", "F11:I11",
        "A12:A17", "B13:B14", "A18:F18",
    ]  # fmt: skip
    return SheetSpec(rows, merges)


PROJECT_BUDGET = [
    ("total", "initial", D("3970.96"), "D6"),
    ("total", "full_year", D("3970.96"), "E6"),
    ("total", "executed", D("3279.93"), "F6"),
    ("total", "weight", D("10"), "G6"),
    ("total", "rate", D("0.826"), "H6"),
    ("total", "score", D("8.26"), "I6"),
    ("fiscal", "initial", D("3970.96"), "D7"),
    ("fiscal", "full_year", D("3970.96"), "E7"),
    ("fiscal", "executed", D("3279.93"), "F7"),
    ("fiscal", "weight", None, "G7"),
    ("fiscal", "rate", D("0.826"), "H7"),
    ("fiscal", "score", None, "I7"),
    ("carryover", "initial", D("0"), "D8"),
    ("carryover", "full_year", D("0"), "E8"),
    ("carryover", "executed", D("0"), "F8"),
    ("carryover", "weight", None, "G8"),
    ("carryover", "rate", None, "H8"),  # the form takes no rate here; one written there is checked
    ("carryover", "score", None, "I8"),
    ("other", "initial", D("0"), "D9"),
    ("other", "full_year", D("0"), "E9"),
    ("other", "executed", D("0"), "F9"),
    ("other", "weight", None, "G9"),
    ("other", "rate", None, "H9"),
    ("other", "score", None, "I9"),
]


def department_sheet(name_label: str = "部门（单位）名称") -> SheetSpec:
    """附件2 部门整体支出绩效自评表 (MOF style) with the two breakdowns side by side."""
    rows: Rows = [
        ["部门整体支出绩效自评表"],
        ["（2022年度）"],
        [name_label, "桃源县自然资源局"],
        ["年度预算申请（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额", 60596.97, 39575.03, 39575.03, 10, 1, 10],
        ["按收入性质分：", None, None, "按支出性质分："],
        ["其中：一般公共预算", 12750.62, None, "其中：基本支出", 2899.23],
        ["政府性基金拨款", 26121.09, None, "项目支出", 36675.8],
        ["纳入专户管理的非税收入拨款", 94.4],
        ["其他资金", 608.92],
        ["年度总体目标", "预期目标", None, None, "实际完成情况"],
        [None, "做好用地规划，保障用地需求", None, None, "全年共批回用地2059.278亩"],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        ["产出指标", "数量指标", "用地审批面积", "≥700亩", "786亩", 50, 50],
        [
            "效益指标",
            "经济效益指标",
            "保持土地收入持续稳定增长",
            "持续稳定增长",
            "部分达成年度指标并具有一定效果",
            30,
            18,
            "土地市场低迷",
        ],
        ["满意度指标", "服务对象满意度指标", "社会公众满意度", "≥90%", "90%以上", 10, 9],
        ["总分", None, None, None, None, 100, 87],
    ]
    merges = [
        "A1:H1",
        "A2:H2",
        "B3:H3",
        "A6:C6",
        "D6:G6",
        "A11:A12",
        "B11:D11",
        "E11:H11",
        "B12:D12",
        "E12:H12",
    ]
    return SheetSpec(rows, [*merges, "A17:E17"])


def basic_data_sheet() -> SheetSpec:
    """附件1 部门整体支出绩效评价基础数据表 (Hunan), 填报单位 and its name in one cell."""
    rows: Rows = [
        ["部门整体支出绩效评价基础数据表"],
        ["填报单位：桃源县自然资源局", None, None, "单位：万元"],
        ["财政供养人员情况", "编制数", "2022年实际在职人数", "控制率"],
        [None, 216, 205, 0.9491],
        ["经费控制情况", "2021年决算数", "2022年预算数", "2022年决算数"],
        ["三公经费", 48.6, 40, 33.44],
        ["1、公务用车购置和维护经费", 28.3, 25, 21.16],
        ["其中：公车购置", 0, 0, 0],
        ["公车运行维护", 28.3, 25, 21.16],
        ["2、出国经费", 0, 0, 0],
        ["3、公务接待", 20.3, 15, 12.28],
        ["项目支出：", 41385.62, 64291.25, 36675.8],
        ["1、业务工作专项", 38420.15, 61236.45, 34102.36],
        ["2、运行维护专项", 1796.3, 1854.8, 1648.17],
        ["3、其他专项", 1169.17, 1200, 925.27],
        ["公用经费", 245.86, 511.2, 222.54],
        ["其中：办公经费", 38.62, 80, 35.17],
        ["水费、电费、差旅费", 42.15, 90, 39.86],
        ["会议费、培训费", 8.4, 20, 6.25],
        ["政府采购金额", 1286.4, 1500, 1168.35],
        ["部门基本支出预算调整", 0, 0, 59.73],
        ["楼堂馆所控制情况（2022年完工项目）", "批复规模（㎡）", "实际规模（㎡）", "规模控制率"],
        [None, 1200, 1150, 0.9583],
        [None, "预算投资（万元）", "实际投资（万元）", "投资概算控制率"],
        [None, 600, 580, 0.9667],
        ["厉行节约保障措施", "严格执行中央八项规定精神"],
        [
            "说明：“项目支出”需要填报基本支出以外的所有项目支出情况，“公用经费”填报基本支出中的一般商品和服务支出。"
        ],
        ["填表人：", "填报日期：", "联系电话：", "单位负责人签字："],
    ]
    return SheetSpec(rows, ["A1:D1", "A2:C2", "A3:A4", "A22:A25", "B26:D26", "A27:D27"])


# ---------------------------------------------------------------------------------------------
# 附件3


def test_project_official_layout(tmp_path: Path) -> None:
    sheet = read_one(tmp_path, project_sheet(), "旱改水项目")
    assert (sheet.kind, sheet.sheet, sheet.year, sheet.project, sheet.department) == (
        "project",
        "旱改水项目",
        2022,
        "2021年度旱改水项目",
        "桃源县自然资源局",
    )
    assert sheet.file == "book.xlsx"
    assert sheet.title_cell == "A1"
    assert figures(sheet) == PROJECT_BUDGET
    assert {k: (t.value, t.cell) for k, t in sheet.texts.items()} == {
        "project": ("2021年度旱改水项目", "C3"),
        "department": ("桃源县自然资源局", "C4"),
        "implementer": ("桃源县土地开发整理中心", "H4"),
        "goal_expected": ("新增水田2164.95亩", "B11"),
        "goal_actual": ("完成新增水田2164.95亩", "F11"),
    }
    assert [
        (i.index, i.row, i.level1, i.level1_key, i.level1_weight, i.level2, i.name, i.weight, i.self_score)
        for i in sheet.indicators
    ] == [
        (0, 13, "产出指标", "output", D(50), "数量指标", "新增水田面积", D(30), D(30)),
        (1, 14, "产出指标", "output", D(50), "质量指标", "工程质量合格率", D(20), D(20)),
        (2, 15, "效益指标", "benefit", D(30), "社会效益指标", "群众生产生活条件", D(30), D(20)),
        (3, 16, "满意度指标", "satisfaction", D(10), "服务对象满意度指标", "项目区群众满意度", D(10), D(10)),
    ]
    first, third = sheet.indicators[0], sheet.indicators[2]
    assert first.target == Quantity(">=", D("2164.95"), "亩", "≥2164.95亩")
    assert (first.target_raw, first.actual_raw) == ("≥2164.95亩", "2164.95亩")
    assert first.cells == {
        "level1": "B13",
        "level2": "C13",
        "name": "D13",
        "target": "E13",
        "actual": "F13",
        "weight": "G13",
        "score": "H13",
        "reason": "I13",
    }
    assert third.actual == Qualitative("部分达成年度指标并具有一定效果")
    assert third.reason == "部分渠道未完工"
    assert (sheet.total_weight, sheet.total_score) is not None
    assert sheet.total_weight is not None and sheet.total_score is not None
    assert [(f.block, f.row, f.column, f.value, f.cell) for f in (sheet.total_weight, sheet.total_score)] == [
        ("indicators", "total", "weight", D(100), "G18"),
        ("indicators", "total", "score", D("88.26"), "H18"),
    ]
    assert (sheet.missing, sheet.extra_columns) == ((), ())


def test_project_moved_down_and_right_keeps_every_value(tmp_path: Path) -> None:
    spec = project_sheet()
    spec.rows = [["附件3"], [], *spec.rows]
    spec.merges = [shifted(m.split(":")[0], 2, 0) + ":" + shifted(m.split(":")[1], 2, 0) for m in spec.merges]
    sheet = read_one(tmp_path, spec, offset=(1, 3))
    assert figures(sheet) == [(r, c, v, shifted(cell, 3, 3)) for r, c, v, cell in PROJECT_BUDGET]
    assert sheet.indicators[0].cells["target"] == shifted("E13", 3, 3)
    assert sheet.total_score is not None and sheet.total_score.cell == shifted("H18", 3, 3)
    assert (sheet.year, sheet.project, sheet.missing) == (2022, "2021年度旱改水项目", ())


def test_project_compact_variant(tmp_path: Path) -> None:
    """No 项目资金 column of its own, variant labels, 指标值/完成值, extra 指标性质/计量单位/备注 columns."""
    rows: Rows = [
        ["2023年度项目支出绩效自评表"],
        ["项目名称：乡村道路硬化"],
        ["主管部门", "某县交通运输局", "实施单位", "某县公路中心"],
        ["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        ["年度资金总额：", 100, 120, 108, 10, "90%", 9],
        ["其中：本年财政拨款", 100, 120, 108, "——", "90%", "——"],
        ["年度总体目标", "硬化道路12公里"],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标性质",
            "指标值",
            "完成值",
            "计量单位",
            "分值",
            "得分",
            "备注",
        ],
        ["产出指标", "数量指标", "硬化道路长度", "≥", 12, 12.5, "公里", "五十", 50, "已验收"],
        [None, "成本指标", "每公里成本", "≤", 10, 8.64, "万元", 40, 40],
        ["总分", None, None, None, None, None, None, 100, 99],
    ]
    sheet = read_one(tmp_path, SheetSpec(rows, ["A1:J1"]))
    assert (sheet.year, sheet.project, sheet.department) == (2023, "乡村道路硬化", "某县交通运输局")
    assert sheet.texts["project"].cell == "A2"
    assert sheet.texts["goal_heading"].value == "硬化道路12公里"
    assert figures(sheet) == [
        ("total", "initial", D(100), "B5"),
        ("total", "full_year", D(120), "C5"),
        ("total", "executed", D(108), "D5"),
        ("total", "weight", D(10), "E5"),
        ("total", "rate", D("0.9"), "F5"),
        ("total", "score", D(9), "G5"),
        ("fiscal", "initial", D(100), "B6"),
        ("fiscal", "full_year", D(120), "C6"),
        ("fiscal", "executed", D(108), "D6"),
        ("fiscal", "weight", None, "E6"),
        ("fiscal", "rate", D("0.9"), "F6"),
        ("fiscal", "score", None, "G6"),
    ]
    assert sheet.missing == ()  # 上年结转资金 and 其他资金 are optional rows
    assert sheet.extra_columns == ("指标性质", "计量单位", "备注")
    first, second = sheet.indicators
    assert first.target == Quantity(">=", D("12"), "公里", "≥12公里")
    assert first.actual == Quantity("", D("12.5"), "公里", "12.5公里")
    assert (first.target_raw, first.actual_raw) == (12, 12.5)
    assert first.extras == (("指标性质", "≥"), ("计量单位", "公里"), ("备注", "已验收"))
    assert first.weight is None and first.problems == (
        ("weight", "无法把“五十”读作分数：请填写数字，或留空、填“——”"),
    )
    assert (first.cells["nature"], first.cells["unit"], first.cells["target"]) == ("D9", "G9", "E9")
    assert (second.level1, second.level2, second.target) == (
        "产出指标",
        "成本指标",
        Quantity("<=", D("100000"), "元", "≤10万元"),
    )


def test_project_amounts_as_text_and_formulas(tmp_path: Path) -> None:
    spec = project_sheet()
    spec.rows[5][3:9] = ["3,970.96", "３９７０.９６", "3279.93万元", "10分", Formula("=F6/E6", 0.826), "待定"]
    spec.rows[6][7] = Formula("=F7/E7", "82.60%")
    spec.rows[7][3:6] = ["—", None, "0"]
    sheet = read_one(tmp_path, spec)
    got = {(r, c): (v, cell) for r, c, v, cell in figures(sheet)}
    assert got[("total", "initial")] == (D("3970.96"), "D6")
    assert got[("total", "full_year")] == (D("3970.96"), "E6")
    assert got[("total", "executed")] == (D("3279.93"), "F6")
    assert got[("total", "weight")] == (D(10), "G6")
    assert got[("total", "rate")] == (D("0.826"), "H6")
    assert got[("fiscal", "rate")] == (D("0.826"), "H7")
    assert got[("carryover", "initial")] == (None, "D8")
    assert got[("carryover", "full_year")] == (None, "E8")
    assert got[("carryover", "executed")] == (D(0), "F8")
    score = sheet.figure("budget", "total", "score")
    assert score is not None
    assert (score.value, score.raw, score.problem) == (
        None,
        "待定",
        "无法把“待定”读作分数：请填写数字，或留空、填“——”",
    )
    amount_problems = [f.problem for f in sheet.figures if f.problem]
    assert amount_problems == [score.problem]


def test_project_unreadable_amount_names_the_cell_text(tmp_path: Path) -> None:
    spec = project_sheet()
    spec.rows[5][5] = "约三千万"
    sheet = read_one(tmp_path, spec)
    executed = sheet.figure("budget", "total", "executed")
    assert executed is not None and (executed.value, executed.cell) == (None, "F6")
    assert executed.problem is not None and "约三千万" in executed.problem


def test_project_xls(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "旧格式.xls", {"旱改水项目": project_sheet().rows})
    read = read_file(path, tmp_path)
    assert (read.file, read.status, read.kind) == ("旧格式.xls", "ok", "project")
    assert figures(read.sheets[0]) == PROJECT_BUDGET
    assert len(read.sheets[0].indicators) == 4


def test_missing_rows_and_total_are_named(tmp_path: Path) -> None:
    spec = project_sheet()
    del spec.rows[16:]  # no 总分 row
    spec.merges.remove("A18:F18")
    sheet = read_one(tmp_path, spec)
    assert sheet.missing == ("未找到“总分”行（在指标表下方查找）",)
    assert (sheet.total_weight, sheet.total_score, len(sheet.indicators)) == (None, None, 4)

    rows = [row for row in basic_data_sheet().rows if row[:1] != ["公用经费"]]
    sheet = read_one(tmp_path, SheetSpec(rows, []))
    assert sheet.missing == ("未找到“公用经费”行（在“经费控制情况”下方查找）",)


# ---------------------------------------------------------------------------------------------
# 附件2


def test_department_official_layout(tmp_path: Path) -> None:
    sheet = read_one(tmp_path, department_sheet(), "部门整体支出绩效自评表")
    assert (sheet.kind, sheet.year, sheet.department, sheet.project) == (
        "department",
        2022,
        "桃源县自然资源局",
        None,
    )
    assert figures(sheet) == [
        ("total", "initial", D("60596.97"), "B5"),
        ("total", "full_year", D("39575.03"), "C5"),
        ("total", "executed", D("39575.03"), "D5"),
        ("total", "weight", D(10), "E5"),
        ("total", "rate", D(1), "F5"),
        ("total", "score", D(10), "G5"),
        ("general", "value", D("12750.62"), "B7"),
        ("fund", "value", D("26121.09"), "B8"),
        ("non_tax", "value", D("94.4"), "B9"),
        ("other", "value", D("608.92"), "B10"),
        ("basic", "value", D("2899.23"), "E7"),
        ("projects", "value", D("36675.8"), "E8"),
    ]
    assert [f.block for f in sheet.figures[6:]] == ["by_source"] * 4 + ["by_use"] * 2
    assert sheet.texts["goal_expected"].value == "做好用地规划，保障用地需求"
    assert [
        (i.row, i.level1_key, i.level1_weight, i.name, i.weight, i.self_score) for i in sheet.indicators
    ] == [
        (14, "output", None, "用地审批面积", D(50), D(50)),
        (15, "benefit", None, "保持土地收入持续稳定增长", D(30), D(18)),
        (16, "satisfaction", None, "社会公众满意度", D(10), D(9)),
    ]
    assert sheet.indicators[2].actual == Quantity(">=", D(90), "%", "90%以上")
    assert sheet.total_score is not None and (sheet.total_score.value, sheet.total_score.cell) == (
        D(87),
        "G17",
    )
    assert sheet.missing == ()


@pytest.mark.parametrize("label", ["一级预算单位名称", "预算单位名称", "部门名称"])
def test_department_name_variants(tmp_path: Path, label: str) -> None:
    sheet = read_one(tmp_path, department_sheet(label))
    assert (sheet.kind, sheet.department) == ("department", "桃源县自然资源局")
    assert sheet.texts["department"].cell == "B3"


def test_department_breakdowns_stacked_and_inline(tmp_path: Path) -> None:
    """按支出性质分 below 按收入性质分, one item written as 'label：value' in one cell."""
    rows = department_sheet().rows
    rows[5:10] = [
        ["按收入性质分："],
        ["其中：一般公共预算：12750.62"],
        ["政府性基金拨款", None, "26121.09"],
        ["按支出性质分："],
        ["基本支出", "——"],
        ["项目支出", "36,675.80"],
    ]
    sheet = read_one(tmp_path, SheetSpec(rows, []))
    assert figures(sheet)[6:] == [
        ("general", "value", D("12750.62"), "A7"),
        ("fund", "value", D("26121.09"), "C8"),
        ("basic", "value", None, "B10"),
        ("projects", "value", D("36675.80"), "B11"),
    ]
    assert "未找到“纳入专户管理的非税收入拨款”（在“按收入性质分”下方查找）" in sheet.missing


# ---------------------------------------------------------------------------------------------
# 附件1


def test_basic_data_official_layout(tmp_path: Path) -> None:
    sheet = read_one(tmp_path, basic_data_sheet(), "基础数据表")
    assert (sheet.kind, sheet.year, sheet.department) == ("basic_data", 2022, "桃源县自然资源局")
    assert sheet.texts["department"].cell == "A2"
    assert sheet.texts["measures"].value == "严格执行中央八项规定精神"
    assert sheet.column_years == {"prior_actual": 2021, "budget": 2022, "actual": 2022}
    assert figures(sheet, "staff") == [
        ("staff", "authorized", D(216), "B4"),
        ("staff", "actual", D(205), "C4"),
        ("staff", "control_rate", D("0.9491"), "D4"),
    ]
    spending = figures(sheet, "spending")
    assert len(spending) == 16 * 3
    assert spending[:3] == [
        ("three_public", "prior_actual", D("48.6"), "B6"),
        ("three_public", "budget", D(40), "C6"),
        ("three_public", "actual", D("33.44"), "D6"),
    ]
    assert [(r, v, cell) for r, c, v, cell in spending if c == "actual"] == [
        ("three_public", D("33.44"), "D6"),
        ("vehicles", D("21.16"), "D7"),
        ("vehicle_purchase", D(0), "D8"),
        ("vehicle_running", D("21.16"), "D9"),
        ("abroad", D(0), "D10"),
        ("reception", D("12.28"), "D11"),
        ("projects", D("36675.8"), "D12"),
        ("projects_business", D("34102.36"), "D13"),
        ("projects_operation", D("1648.17"), "D14"),
        ("projects_other", D("925.27"), "D15"),
        ("public_funds", D("222.54"), "D16"),
        ("public_office", D("35.17"), "D17"),
        ("public_utilities", D("39.86"), "D18"),
        ("public_meetings", D("6.25"), "D19"),
        ("procurement", D("1168.35"), "D20"),
        ("budget_adjustment", D("59.73"), "D21"),
    ]
    assert figures(sheet, "buildings") == [
        ("buildings", "approved_area", D(1200), "B23"),
        ("buildings", "actual_area", D(1150), "C23"),
        ("buildings", "area_rate", D("0.9583"), "D23"),
        ("buildings", "budget_investment", D(600), "B25"),
        ("buildings", "actual_investment", D(580), "C25"),
        ("buildings", "investment_rate", D("0.9667"), "D25"),
    ]
    assert sheet.missing == ()


def test_basic_data_variants(tmp_path: Path) -> None:
    """财政供养人员控制率, 因公出国（境）费用, a 4th 专项 row, no prior-year column, 楼堂馆所 on one row."""
    rows = copy.deepcopy(basic_data_sheet().rows)
    rows = replace(rows, "控制率", "财政供养人员控制率")
    rows = replace(rows, "2、出国经费", "2、因公出国（境）费用")
    rows[1] = ["填报单位（盖章）：", "桃源县自然资源局"]
    rows.insert(15, ["4、信息化专项", 10, 12, 11.5])
    rows.insert(16, ["5、执法装备专项", 1, 2, "1.5万元"])
    building_rows = [
        [
            "楼堂馆所控制情况（2022年完工项目）",
            "批复规模",
            "实际规模",
            "规模控制率",
            "预算投资",
            "实际投资",
            "投资概算控制率",
        ],
        [None, "无", None, None, None, None, None],
    ]
    rows[23:27] = building_rows
    sheet = read_one(tmp_path, SheetSpec(rows, []))
    assert sheet.department == "桃源县自然资源局"
    assert sheet.figure("staff", "staff", "control_rate") is not None
    abroad = sheet.figure("spending", "abroad", "actual")
    assert abroad is not None and abroad.cell == "D10"
    assert [
        (r, c, v, cell) for r, c, v, cell in figures(sheet, "spending") if r.startswith("projects_extra")
    ] == [
        ("projects_extra_1", "prior_actual", D(10), "B16"),
        ("projects_extra_1", "budget", D(12), "C16"),
        ("projects_extra_1", "actual", D("11.5"), "D16"),
        ("projects_extra_2", "prior_actual", D(1), "B17"),
        ("projects_extra_2", "budget", D(2), "C17"),
        ("projects_extra_2", "actual", D("1.5"), "D17"),
    ]
    assert figures(sheet, "buildings") == [
        ("buildings", "approved_area", None, "B25"),
        ("buildings", "actual_area", None, "C25"),
        ("buildings", "area_rate", None, "D25"),
        ("buildings", "budget_investment", None, "E25"),
        ("buildings", "actual_investment", None, "F25"),
        ("buildings", "investment_rate", None, "G25"),
    ]
    assert sheet.missing == ()


def test_basic_data_year_columns_without_years(tmp_path: Path) -> None:
    """Headers 上年决算数 / 预算数 / 决算数: the year then comes from the title, columns by their label."""
    rows = copy.deepcopy(basic_data_sheet().rows)
    rows[0] = ["2023年部门整体支出绩效评价基础数据表"]
    rows[2][2] = "实际在职人数"
    rows[4] = ["经费控制情况", "上年决算数", "本年预算数", "决算数"]
    sheet = read_one(tmp_path, SheetSpec(rows, []))
    assert (sheet.year, sheet.column_years, sheet.title_cell) == (2023, {}, "A1")
    assert sheet.figure("spending", "three_public", "prior_actual") is not None
    three_public = [(c, cell) for r, c, v, cell in figures(sheet, "spending") if r == "three_public"]
    assert three_public == [("prior_actual", "B6"), ("budget", "C6"), ("actual", "D6")]


def test_basic_data_actual_column_by_year_when_no_prior_column(tmp_path: Path) -> None:
    rows = [[*row[:1], *row[2:]] for row in basic_data_sheet().rows[:22]]
    sheet = read_one(tmp_path, SheetSpec(rows, []))
    assert sheet.column_years == {"budget": 2022, "actual": 2022}
    assert [(c, cell) for r, c, v, cell in figures(sheet, "spending") if r == "abroad"] == [
        ("budget", "B10"),
        ("actual", "C10"),
    ]
    assert "未找到“决算数”列（在“经费控制情况”的标题行查找）" in sheet.missing


# ---------------------------------------------------------------------------------------------
# Workbooks: several sheets, skipped sheets


def test_workbook_with_instructions_and_projects(tmp_path: Path) -> None:
    instructions = SheetSpec([["填表说明"], ["1.“项目名称”填写预算批复的项目名称。"]], [])
    path = write_xlsx(
        tmp_path / "附件3.xlsx",
        {
            "填表说明": instructions,
            "旱改水": project_sheet(),
            "空表": SheetSpec([], []),
            "矿山": project_sheet(),
        },
    )
    read = read_file(path, tmp_path)
    assert (read.status, read.kind, read.message) == ("ok", "project", None)
    assert [s.sheet for s in read.sheets] == ["旱改水", "矿山"]
    assert read.skipped_sheets == (
        ("填表说明", "未识别为附件1/2/3表格（工作表“填表说明”是说明页，缺少表格标签），已跳过"),
        ("空表", "空白工作表"),
    )


def test_sheet_without_form_labels_is_skipped_with_reason() -> None:
    read = read_workbook("a.xlsx", [("Sheet1", [["序号", "项目"], [1, "修路"]])])
    assert (read.status, read.kind, read.sheets) == ("skipped", None, ())
    assert read.skipped_sheets == (
        ("Sheet1", "未识别为附件1/2/3表格（缺少“项目名称”“年度资金总额”“经费控制情况”等标签），已跳过"),
    )
    assert read.message is not None and read.message.startswith("未找到附件1/2/3表格")


def test_nearly_a_form_names_the_missing_label() -> None:
    read = read_workbook("a.xlsx", [("表", [["项目名称", "修路"], ["一级指标", "三级指标"]])])
    assert read.skipped_sheets == (("表", "未识别为附件1/2/3表格（缺少“年度资金总额”等标签），已跳过"),)


def test_older_hunan_format_is_read_as_a_department_variant() -> None:
    rows: Rows = [
        ["部门整体支出绩效评价表"],
        ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "指标说明", "得分"],
        ["投入", 20, "目标设定", 4, "绩效目标合理性", 2, "…", "…", 2],
        ["过程", 25, "预算执行", 10, "预算完成率", 2, "…", "…", 2],
    ]
    read = read_workbook("旧表.xlsx", [("评价表", rows)])
    assert (read.status, read.kind) == ("ok", "department")
    assert read.sheets[0].variant.startswith("湖南旧版部门整体支出绩效评价表")
    assert [(i.level1, i.name, i.weight) for i in read.sheets[0].indicators] == [
        ("投入", "绩效目标合理性", 2),
        ("过程", "预算完成率", 2),
    ]


def test_workbook_without_sheets_and_unreadable_file(tmp_path: Path) -> None:
    assert read_workbook("x.xlsx", []).status == "skipped"
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    read = read_file(broken, tmp_path)
    assert (read.file, read.status, read.kind) == ("坏.xlsx", "error", None)
    assert read.message == "文件不完整（文件结尾缺失，常见于下载或复制中断），请重新下载或导出后提交"


def test_mixed_kinds_take_the_first_form() -> None:
    project = project_sheet().rows
    department = department_sheet().rows
    read = read_workbook("混合.xlsx", [("附件2", department), ("附件3", project)])
    assert (read.kind, [s.kind for s in read.sheets]) == ("department", ["department", "project"])


def test_read_file_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xltool.read.reader as reader

    def broken(*_: object) -> WorkbookRead:
        raise RuntimeError("boom")

    path = write_xlsx(tmp_path / "a.xlsx", {"表": project_sheet()})
    monkeypatch.setattr(reader, "read_workbook", broken)
    read = read_file(path, tmp_path)
    assert read.status == "error" and read.message is not None and "boom" in read.message


_LABELS = (
    "项目名称",
    "年度资金总额",
    "一级指标",
    "三级指标",
    "总分",
    "经费控制情况",
    "三公经费",
    "分值",
    "得分",
    "年初预算数",
    "全年执行数",
    "2021年决算数",
    "2022年预算数",
    "按收入性质分",
    "一般公共预算",
    "投入",
    "产出指标(50分)",
    "填报单位：",
    "其中：",
    "——",
    "（2022年度）",
    "楼堂馆所控制情况",
    "批复规模",
    "4、专项",
)
_CELLS = st.one_of(
    st.none(),
    st.sampled_from(_LABELS),
    st.text(max_size=6),
    st.floats(allow_nan=True),
    st.integers(),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELLS, max_size=10), max_size=25))
def test_read_workbook_never_raises(rows: Rows) -> None:
    read = read_workbook("x.xlsx", [("表", rows)])
    assert read.status in ("ok", "skipped")


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("row", "col", "cell"), [(0, 0, "A1"), (5, 25, "Z6"), (0, 26, "AA1"), (9, 701, "ZZ10"), (0, 702, "AAA1")]
)
def test_a1(row: int, col: int, cell: str) -> None:
    assert a1(row, col) == cell


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("桃源县自然资源局", "桃源县自然资源局"),
        (" 桃源县\u3000自然资源局 ", "桃源县自然资源局"),
        ("219-桃源县自然资源局", "桃源县自然资源局"),
        ("219001 桃源县自然资源局", "桃源县自然资源局"),
        ("【219】桃源县自然资源局", "桃源县自然资源局"),
        ("桃源县自然资源局（盖章）", "桃源县自然资源局"),
        ("ＡＢ县自然资源局", "AB县自然资源局"),
        ("2022年度桃源县自然资源局", "2022年度桃源县自然资源局"),
        ("219001桃源县自然资源局", "桃源县自然资源局"),
    ],
)
def test_normalise_department(name: str, expected: str) -> None:
    assert normalise_department(name) == expected
