"""What a bureau prints and forwards: scored copies keep every word written, findings shown where due."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from xltool.run.pipeline import reconcile

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENT = "桃源县自然资源局"
BASIC = "附件1 部门整体支出绩效评价基础数据表.xlsx"
NOTES = {  # file → (its first form sheet, a note written below it)
    "附件2 部门整体支出绩效自评表.xlsx": ("部门整体支出绩效自评表", "注：满意度调查由第三方机构实施"),
    "附件3 项目支出绩效自评表.xlsx": ("旱改水项目", "说明：旱改水项目已于2023年2月完成竣工验收"),
}


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return [tuple(c for c in row if c is not None) for row in ws.iter_rows(values_only=True)]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample batch with 附件1's footer filled in and a free note below it, reconciled."""
    root = tmp_path_factory.mktemp("signed")
    shutil.copytree(ROOT / "samples", root / "in")
    path = root / "in" / DEPARTMENT / BASIC
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    footer = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "填表人：")
    ws.cell(footer, 1).value = "填表人：张三"
    ws.cell(footer, 4).value = "单位负责人签字：李四"
    ws.cell(footer + 2, 1).value = "备注：公用经费决算数已经局党组审定"
    wb.save(path)
    for name, (sheet, note) in NOTES.items():  # 附件2 and 附件3 have no footer labels: below 总分
        path = root / "in" / DEPARTMENT / name
        wb = openpyxl.load_workbook(path)
        ws = wb[sheet]
        ws.cell(ws.max_row + 2, 2).value = note
        wb.save(path)
    reconcile(root / "in", root / "out", jobs=1)
    return root / "out" / DEPARTMENT


def test_footer_and_notes_survive_into_the_scored_copy(signed: Path) -> None:
    ws = openpyxl.load_workbook(signed / BASIC)["基础数据表"]
    rows = _rows(ws)
    assert ("填表人：张三", "填报日期：2023年3月28日", "联系电话：", "单位负责人签字：李四") in rows
    notes = [row for row in rows if row and str(row[0]).startswith("备注：")]
    assert notes == [("备注：公用经费决算数已经局党组审定（原表 A30）",)]


def test_notes_below_the_other_forms_survive_too(signed: Path) -> None:
    for name, (sheet, note) in NOTES.items():
        ws = openpyxl.load_workbook(signed / name)[sheet]
        rows = _rows(ws)
        kept = [row for row in rows if row and str(row[0]).startswith(note)]
        assert len(kept) == 1 and re.fullmatch(rf"{note}（原表 B\d+）", str(kept[0][0])), (name, kept)
        # Printed in place: inside the print area.
        at = next(c.row for row in ws.iter_rows() for c in row if str(c.value).startswith(note))
        assert at <= int(re.findall(r"\$(\d+)", str(ws.print_area))[-1])


def test_scored_forms_and_their_review_sheet_number_their_pages(signed: Path) -> None:
    for name in (BASIC, *NOTES):
        for ws in openpyxl.load_workbook(signed / name).worksheets:
            if ws.sheet_state != "visible":
                continue
            assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", (name, ws.title)
            assert ws.oddFooter.center.size == 9


def test_a_cross_table_finding_is_listed_in_every_workbook_it_involves(signed: Path) -> None:
    def review(name: str) -> list[tuple[object, ...]]:
        return _rows(openpyxl.load_workbook(signed / name)["审核结果"])

    basic, department = review(BASIC), review("附件2 部门整体支出绩效自评表.xlsx")
    projects = review("附件3 项目支出绩效自评表.xlsx")

    def part_exceeds(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        return [row[:4] for row in rows if "D-PART-EXCEEDS-WHOLE" in row]

    assert part_exceeds(basic) == [("错误", "项目支出超过部门预算", "基础数据表", "C12")]
    assert part_exceeds(department) == [("错误", "项目支出超过部门预算", f"{BASIC} › 基础数据表", "原表D13")]
    assert part_exceeds(projects) == []  # 附件1 against 附件2: not 附件3's concern
    header = next(str(row[0]) for row in department if row and str(row[0]).startswith("问题："))
    errors = sum(1 for row in department if row and row[0] == "错误")
    assert f"错误 {errors} 项" in header and "含与同部门其他表格之间的问题 1 项" in header


def test_the_official_form_prints_alone_with_its_header_repeated_and_nothing_below_9pt(signed: Path) -> None:
    from xltool.forms.layouts import FORMS
    from xltool.write.looks import A4_INCHES, DIGIT_PX, SIDE_MARGIN
    from xltool.write.render import column_widths

    wb = openpyxl.load_workbook(signed / "附件2 部门整体支出绩效自评表.xlsx")
    ws = wb[wb.sheetnames[1]]
    last_col = openpyxl.utils.get_column_letter(len(column_widths(FORMS["department"])))
    area = ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]
    assert area.split("!")[1].startswith("$A$1:$" + last_col + "$")  # not the 按规则计算 columns
    header = int(ws.print_title_rows.split(":")[0].lstrip("$"))
    assert ws.cell(header, 1).value == "一级指标"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
    # Scaled to one page wide, the smallest text still prints at 9 pt or more.
    widths = column_widths(FORMS["department"])
    scale = min(1.0, (A4_INCHES[1] - 2 * SIDE_MARGIN) * 72 / (sum(w * DIGIT_PX + 5 for w in widths) * 0.75))
    fonts = {
        cell.font.sz for row in ws.iter_rows(max_col=len(widths)) for cell in row if cell.value is not None
    }
    assert min(fonts) * scale >= 9, (fonts, scale)


def test_printed_review_notes_name_the_rule_in_chinese(signed: Path) -> None:
    rows = _rows(openpyxl.load_workbook(signed / BASIC)["基础数据表"])
    notes = [str(row[1]) for row in rows if len(row) > 1 and str(row[1]).startswith("1. 【")]
    assert notes and notes[0].startswith("1. 【错误·项目支出超过部门预算】附件1项目支出预算数")
