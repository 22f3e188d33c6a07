"""The older Hunan 部门整体支出 indicator table (投入 / 过程 / 产出 / 效果), scored by its own 评价标准.

The table is built as a publisher lays it out: title and unit lines, 一级 and 二级 labels (and their
分值) merged down over their rows, several 三级 rows under each 二级, a 合计 row; beside it a 附件1 of
the same department, from which the ratios the rows name are computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import check_folder

from xltool.read.reader import read_file
from xltool.run.pipeline import reconcile
from xltool.write.scored import REVIEW_SHEET

NAME = "测试县测试局"
SHEET = "部门整体评价"
CAP6 = "≦100%，计6分；每超过一个百分点扣0.5分，扣完为止"
CAP5 = "≦100%，计5分；每超过一个百分点扣0.5分，扣完为止"

# (一级, 分值, 二级, 分值, 三级, 分值, 评价标准, 指标说明, 得分); None under a merged label.
HUNAN_ROWS: list[tuple[object, ...]] = [
    (
        "投入",
        20,
        "目标设定",
        8,
        "绩效目标合理性",
        4,
        "目标符合部门职责，计4分；否则酌情扣分",
        "部门目标是否合理",
        4,
    ),
    (None, None, None, None, "绩效指标明确性", 4, "指标清晰可衡量，计4分；否则酌情扣分", "指标是否明确", 3),
    (None, None, "预算配置", 12, "在职人员控制率", 6, CAP6, "在职人员控制率=在职人数/编制数", 6),
    (None, None, None, None, "“三公经费”变动率", 6, "≦0，计6分；0-10%(含)，计4分；10%以上，计0分", "", 6),
    ("过程", 40, "预算执行", 25, "预算完成率", 5, "≥90%，计5分；80%(含)-90%，计4分；80%以下，计0分", "", 5),
    (None, None, None, None, "公用经费控制率", 5, CAP5, "", 5),
    (None, None, None, None, "“三公经费”控制率", 5, CAP5, "", 5),
    (
        None,
        None,
        None,
        None,
        "政府采购执行率",
        10,
        "≥95%，计10分；90%(含)-95%，计8分；90%以下，计5分",
        "",
        10,
    ),
    (None, None, "预算管理", 15, "管理制度健全性", 15, "制度健全，计15分；否则不得分", "", 15),
    ("产出", 20, "职责履行", 20, "实际完成率", 20, "≥95%，计20分；95%以下，计10分", "", 19),
    ("效果", 20, "履职效益", 20, "社会公众满意度", 20, "≥90%，计20分；80%(含)-90%，计16分", "", 18),
]
HEAD = ("一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评价标准", "指标说明", "得分")


def hunan_rows(
    rows: Sequence[Sequence[object]] = HUNAN_ROWS, total: object = 96
) -> tuple[list[list[object]], list[str]]:
    """The table's rows and merged ranges: title, year, unit line, header, indicators, 合计."""
    out: list[list[object]] = [
        ["部门整体支出绩效评价表"],
        ["（2022年度）"],
        [f"单位名称：{NAME}", None, None, None, None, None, None, "单位：万元"],
        list(HEAD),
        *[list(row) for row in rows],
        ["合计", 100, None, 100, None, 100, None, None, total],
    ]
    first = 5  # 1-based row of the first indicator
    merges = ["A1:I1", "A2:I2"]
    for col in (0, 2):  # 一级 and 二级 (with their 分值) merged down over their rows
        starts = [i for i, row in enumerate(rows) if row[col] is not None] + [len(rows)]
        for a, b in itertools.pairwise(starts):
            if b - a > 1:
                for c in (col, col + 1):
                    letter = "ABCDEFGHI"[c]
                    merges.append(f"{letter}{first + a}:{letter}{first + b - 1}")
    return out, merges


def basic_rows() -> list[list[object]]:
    """附件1 of the same department: 在职 48 of 50, 三公经费 19 after 20, 公用经费 65 of 70, 采购 45 of 50."""
    return [
        ["部门整体支出绩效评价基础数据表"],
        [f"填报单位：{NAME}", None, None, "单位：万元"],
        ["财政供养人员情况", "编制数", "2022年实际在职人数", "控制率"],
        ["人数", 50, 48, 0.96],
        ["经费控制情况", "2021年决算数", "2022年预算数", "2022年决算数"],
        ["三公经费", 20, 18, 19],
        ["1、公务用车购置和维护经费", 12, 10, 11],
        ["其中：公车购置", 0, 0, 0],
        ["公车运行维护", 12, 10, 11],
        ["2、出国经费", 0, 0, 0],
        ["3、公务接待", 8, 8, 8],
        ["项目支出：", 300, 400, 350],
        ["1、业务工作专项", 200, 250, 230],
        ["2、运行维护专项", 100, 150, 120],
        ["公用经费", 60, 70, 65],
        ["其中：办公经费", 20, 25, 22],
        ["水费、电费、差旅费", 10, 12, 11],
        ["会议费、培训费", 5, 6, 5],
        ["政府采购金额", 40, 50, 45],
        ["部门基本支出预算调整", 0, 0, 0],
    ]


def write_book(
    path: Path, rows: Sequence[Sequence[object]], merges: Sequence[str] = (), title: str = SHEET
) -> Path:
    """One sheet; a merged range keeps its value in its top-left cell only."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # a 评价标准 such as “=0，计3分”, typed as text
    for merge in merges:
        ws.merge_cells(merge)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def department(folder: Path, with_basic: bool = True) -> Path:
    write_book(folder / "附件2 部门整体支出绩效评价表.xlsx", *hunan_rows())
    if with_basic:
        write_book(folder / "附件1 部门整体支出绩效评价基础数据表.xlsx", basic_rows(), title="基础数据")
    return folder


def test_the_table_is_read_as_a_department_variant(tmp_path: Path) -> None:
    path = department(tmp_path / "d") / "附件2 部门整体支出绩效评价表.xlsx"
    read = read_file(path, path.parent)
    assert read.status == "ok", read.message
    (sheet,) = read.sheets
    assert (sheet.kind, sheet.department, sheet.year) == ("department", NAME, 2022)
    assert sheet.variant.startswith("湖南旧版部门整体支出绩效评价表") and sheet.missing == ()
    rows = sheet.indicators
    assert len(rows) == 11
    first, control = rows[0], rows[2]
    assert (first.level1, first.level1_weight, first.level2, first.name) == (
        "投入",
        20,
        "目标设定",
        "绩效目标合理性",
    )
    assert (control.level1, control.level2, control.weight, control.self_score) == ("投入", "预算配置", 6, 6)
    assert control.criterion == CAP6 and control.cells["score"] == "I7"
    assert rows[4].level1_weight == 40 and rows[4].level2 == "预算执行"
    assert dict(control.extras)["指标说明"] == "在职人员控制率=在职人数/编制数"
    assert sheet.total_weight is not None and sheet.total_weight.value == 100
    assert sheet.total_score is not None and (sheet.total_score.value, sheet.total_score.cell) == (96, "I16")


# The rule score of each row worked out by hand from the 附件1 above and the row's own 评价标准.
HAND_SCORES = {
    "绩效目标合理性": 4.0,  # 酌情扣分: no tiers to read, self-score kept
    "绩效指标明确性": 3.0,  # kept
    "在职人员控制率": 6.0,  # 48 / 50 = 96 % ≦ 100 %
    "“三公经费”变动率": 6.0,  # (19 − 20) / 20 = −5 % ≦ 0
    "预算完成率": 5.0,  # not a ratio 附件1 gives: kept
    "公用经费控制率": 5.0,  # 65 / 70 = 92.86 % ≦ 100 %
    "“三公经费”控制率": 2.22,  # 19 / 18 = 105.56 %: 5 − 0.5 × 5.56
    "政府采购执行率": 8.0,  # 45 / 50 = 90 %, in 90 %(含)–95 %
    "管理制度健全性": 15.0,  # 制度健全 / 否则: kept
    "实际完成率": 19.0,  # kept
    "社会公众满意度": 18.0,  # kept
}


def test_rows_are_scored_by_their_own_criteria(tmp_path: Path) -> None:
    run = check_folder(department(tmp_path / "d"))
    assert run.scores(SHEET) == pytest.approx(HAND_SCORES)
    total = run.total(SHEET)
    assert (total["score"], total["self_score"], total["grade"]) == (pytest.approx(91.22), 96, "优")
    assert run.keys("C-SCORE-OVER") == {("C-SCORE-OVER", SHEET, "I11"), ("C-SCORE-OVER", SHEET, "I12")}
    over = run.only_cell("C-SCORE-OVER", "I11")
    assert (over.expected, over.actual) == (2.22, 5)
    assert "附件1算得三公经费控制率105.56%" in over.message
    assert run.keys("C-TOTAL-OVER") == {("C-TOTAL-OVER", SHEET, "I16")}
    # Neither the absent budget block nor the absent 年度指标值 / 实际完成值 is a finding.
    quiet = {"A-WEIGHT-TOTAL", "C-TARGET-MISSING", "C-ACTUAL-MISSING", "G-MISSING-LABELS", "A-TOTAL-STATED"}
    assert not quiet & run.rules()


def test_a_criterion_that_cannot_score_keeps_the_self_score(tmp_path: Path) -> None:
    run = check_folder(department(tmp_path / "d"))
    kept = {f.cell: f for f in run.findings if f.rule == "C-CRITERION-KEPT"}
    assert set(kept) == {"I5", "I6", "I9", "I13", "I14", "I15"}
    assert all(f.severity == "info" for f in kept.values())
    assert "未写成可自动计算的计分档次" in kept["I5"].message and kept["I5"].actual == 4
    assert "无法由本部门附件1算出" in kept["I9"].message


def test_without_basic_data_every_ratio_keeps_its_self_score(tmp_path: Path) -> None:
    run = check_folder(department(tmp_path / "d", with_basic=False))
    assert run.scores(SHEET) == pytest.approx({row[4]: float(row[8]) for row in HUNAN_ROWS})  # type: ignore[arg-type]
    kept = {f.cell for f in run.findings if f.rule == "C-CRITERION-KEPT"}
    assert {"I7", "I8", "I10", "I11", "I12"} <= kept
    assert not run.keys("C-SCORE-OVER")


def test_a_ratio_no_tier_covers(tmp_path: Path) -> None:
    rows = list(HUNAN_ROWS)
    rows[3] = (None, None, None, None, "“三公经费”变动率", 6, "=0，计6分；0-10%(含)，计4分", "", 6)
    folder = tmp_path / "d"
    write_book(folder / "附件2.xlsx", *hunan_rows(rows))
    write_book(folder / "附件1.xlsx", basic_rows(), title="基础数据")
    run = check_folder(folder)
    found = run.only_cell("C-CRITERION-KEPT", "I8")
    assert "三公经费变动率为-5.00%，不在评价标准" in found.message
    assert run.scores(SHEET)["“三公经费”变动率"] == 6


def test_rows_all_scored_leave_nothing_to_check_by_hand(tmp_path: Path) -> None:
    scored = [row for row in HUNAN_ROWS if row[4] in ("在职人员控制率", "“三公经费”变动率", "公用经费控制率")]
    rows = [
        ("投入", 12, "预算配置", 12, *scored[0][4:]),
        scored[1],
        ("过程", 5, "预算执行", 5, *scored[2][4:]),
    ]
    folder = tmp_path / "d"
    write_book(folder / "附件2.xlsx", *hunan_rows(rows, total=17))
    write_book(folder / "附件1.xlsx", basic_rows(), title="基础数据")
    run = check_folder(folder)
    assert not run.keys("C-CRITERION-KEPT")
    assert run.scores(SHEET) == pytest.approx(
        {"在职人员控制率": 6, "“三公经费”变动率": 6, "公用经费控制率": 5}
    )


def test_ordinary_forms_have_no_criterion_rows(seed_run: Any) -> None:
    assert not seed_run.keys("C-CRITERION-KEPT")
    assert set(seed_run.ctx.indicators["criterion"]) == {""}


def test_the_scored_copy_names_the_variant_and_keeps_the_criteria(tmp_path: Path) -> None:
    reconcile(department(tmp_path / "d"), tmp_path / "out", jobs=1)
    wb = openpyxl.load_workbook(tmp_path / "out" / "附件2 部门整体支出绩效评价表.xlsx")
    review = [str(v) for row in wb[REVIEW_SHEET].iter_rows(values_only=True) for v in row if v]
    assert any("湖南旧版部门整体支出绩效评价表" in text and "已知变体" in text for text in review)
    ws = wb[SHEET]
    cells = {str(c.value): c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    criterion_col = cells["评价标准"].column
    head_row = cells["评价标准"].row
    rule_col = cells["规则得分"].column if "规则得分" in cells else None
    by_name = {ws.cell(r, 3).value: r for r in range(head_row + 1, ws.max_row + 1)}
    row = by_name["“三公经费”控制率"]
    assert ws.cell(row, criterion_col).value == CAP5
    rule_head = [c for c in ws[head_row] if c.value == "规则得分"]
    assert rule_head and ws.cell(row, rule_head[0].column).value == 2.22
    assert rule_col is not None
