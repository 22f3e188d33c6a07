"""The scored workbooks: run the pipeline, read what it wrote back with openpyxl (and LibreOffice)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt
from conftest import CLEAN_INDICATORS, SAMPLE, project_sheet, replace_indicator, write_rows
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from xltool.forms.layouts import FORMS
from xltool.model.records import FormSheet
from xltool.read.reader import read_file
from xltool.rules.catalogue import BY_ID
from xltool.rules.profile import load_profile
from xltool.run.chunks import check_workbooks
from xltool.run.pipeline import RunResult, reconcile
from xltool.write.render import render_form
from xltool.write.scored import REVIEW_SHEET, ScoredFile, kept_figures, sheet_names, write_scored_workbooks
from xltool.write.summary_looks import HEADER_ROW

DEPT = "桃源县自然资源局"
PROJECTS = f"{DEPT}/附件3 项目支出绩效自评表.xlsx"
DEPARTMENT = f"{DEPT}/附件2 部门整体支出绩效自评表.xlsx"
BASIC = f"{DEPT}/附件1 部门整体支出绩效评价基础数据表.xlsx"
RED, YELLOW, BLUE = "FFC7CE", "FFEB9C", "DDEBF7"
LO_TIMEOUT = 240


@dataclass
class Scored:
    """A reconcile run and its output folder."""

    out: Path
    result: RunResult

    def workbook(self, relative: str, data_only: bool = False) -> openpyxl.Workbook:
        """A written workbook read back with openpyxl."""
        return openpyxl.load_workbook(self.out / relative, data_only=data_only)

    @property
    def scored_files(self) -> list[str]:
        """The scored workbooks written (not the summary or report)."""
        return [w for w in self.result.written if w.endswith(".xlsx") and "/" in w]


def _run(src: Path, out: Path) -> Scored:
    return Scored(out, reconcile(src, out, jobs=1))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    """The committed sample, copied and reconciled."""
    src = tmp_path_factory.mktemp("src") / DEPT
    shutil.copytree(SAMPLE, src)
    return _run(src.parent, tmp_path_factory.mktemp("out"))


def _fill(cell: Cell) -> str:
    """A cell's solid fill colour as RRGGBB ('' when none)."""
    color = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
    return color[-6:].upper() if isinstance(color, str) else ""


def _row_of(ws: Worksheet, text: str, column: int | None = None) -> int:
    """The first row holding a cell whose text starts with `text`."""
    for row in ws.iter_rows():
        for cell in row:
            found = isinstance(cell.value, str) and cell.value.startswith(text)
            if found and (column is None or cell.column == column):
                return cell.row
    raise AssertionError(f"no cell starting with {text!r} on {ws.title}")


def _column_of(ws: Worksheet, text: str) -> int:
    """The column of the first cell whose text starts with `text`."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(text):
                return cell.column
    raise AssertionError(f"no cell starting with {text!r} on {ws.title}")


# ---------------------------------------------------------------------------------------------
# The sample


def test_one_scored_workbook_per_input_with_its_sheets(sample: Scored) -> None:
    assert sample.scored_files == [BASIC, DEPARTMENT, PROJECTS]
    wb = sample.workbook(PROJECTS)
    assert wb.sheetnames == [REVIEW_SHEET, "旱改水项目", "矿山生态修复", "废弃矿硐封堵", "地质灾害应急治理"]
    assert sample.workbook(DEPARTMENT).sheetnames == [REVIEW_SHEET, "部门整体支出绩效自评表"]
    assert sample.workbook(BASIC).sheetnames == [REVIEW_SHEET, "基础数据表"]


def test_overstated_budget_score_keeps_the_submitted_figure(sample: Scored) -> None:
    ws = sample.workbook(PROJECTS)["旱改水项目"]
    score = ws["I6"]
    assert score.value == 10 and score.data_type == "n"  # the submitted 10, not a formula
    assert _fill(score) == RED
    assert score.comment is not None and score.comment.author == "xltool"
    assert "B-EXEC-STATED" in score.comment.text and "8.26" in score.comment.text
    assert score.comment.text.startswith(f"【错误·{BY_ID['B-EXEC-STATED'].name}】")
    assert "（规则 B-EXEC-STATED）" in score.comment.text  # the id stays as a reference
    rate = ws["H6"]
    assert rate.value == 1 and _fill(rate) == RED and "A-RATE-STATED" in rate.comment.text
    total = ws["H26"]
    assert total.value == 100 and _fill(total) == YELLOW and "C-TOTAL-OVER" in total.comment.text
    executed = ws["F6"]  # an input cell marked by a warning keeps its value
    assert executed.value == pytest.approx(3279.93) and _fill(executed) == YELLOW


def test_agreeing_computed_cells_hold_formula_and_value(sample: Scored) -> None:
    formulas = sample.workbook(PROJECTS)["矿山生态修复"]
    values = sample.workbook(PROJECTS, data_only=True)["矿山生态修复"]
    assert formulas["H6"].value.startswith("=IF(") and formulas["I6"].value.startswith("=IF(")
    assert values["H6"].value == pytest.approx(598.46 / 620)
    assert values["I6"].value == pytest.approx(9.65)
    assert _fill(formulas["H6"]) != RED and formulas["H6"].comment is None
    department = sample.workbook(DEPARTMENT)["部门整体支出绩效自评表"]
    assert department["G5"].value.startswith("=IF(")  # 执行率 100% agrees: the formula


def test_multiple_severities_on_one_cell_take_the_worst(tmp_path: Path) -> None:
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="", score=20)
    src = tmp_path / "src"
    write_rows(src / "附件3 项目支出绩效自评表.xlsx", {"测试项目": project_sheet(indicators=indicators)})
    scored = _run(src, tmp_path / "out")
    report = scored.result.report["findings"]
    by_cell: dict[tuple[str, str], list[str]] = {}
    for f in report:
        by_cell.setdefault((f["scored"]["sheet"], f["scored"]["cell"]), []).append(f["severity"])
    wb = scored.workbook("附件3 项目支出绩效自评表.xlsx")
    for (sheet, cell), severities in by_cell.items():
        worst = min(severities, key=["error", "warning", "info"].index)
        assert _fill(wb[sheet][cell]) == {"error": RED, "warning": YELLOW, "info": BLUE}[worst], (
            cell,
            severities,
        )
        assert len(wb[sheet][cell].comment.text.splitlines()) >= len(severities)
    assert any(len(s) > 1 for s in by_cell.values())


def test_rule_block_beside_the_form(sample: Scored) -> None:
    ws = sample.workbook(PROJECTS)["旱改水项目"]
    col = _column_of(ws, "按规则计算")
    assert col > 9  # right of the form's columns A–I
    assert ws.cell(5, col).value == "规则得分" and ws.cell(5, col + 1).value == "规则执行率"
    assert ws.cell(6, col).value == pytest.approx(8.26)
    assert ws.cell(6, col + 1).value == pytest.approx(3279.93 / 3970.96)
    header = _row_of(ws, "一级指标")
    assert ws.cell(header, col).value == "规则得分" and ws.cell(header, col + 1).value == "计分依据"
    assert ws.cell(26, col).value == pytest.approx(98.26) and ws.cell(26, col + 1).value == "等级：优"
    assert ws.cell(6, col).font.b  # the rule score below the claimed 10 stands out
    print_area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    assert (  # the official form prints alone: the 按规则计算 columns are outside the print area
        openpyxl.utils.column_index_from_string(print_area.split(":")[1].lstrip("$").rstrip("0123456789$"))
        < col
    )

    ws = sample.workbook(PROJECTS)["废弃矿硐封堵"]
    col = _column_of(ws, "按规则计算")
    row = _row_of(ws, "废弃矿硐封堵（含自然垮塌）数")
    assert ws.cell(row, col).value == pytest.approx(19.24)
    assert ws.cell(row, col + 1).value == "完成96.20%"
    ws = sample.workbook(DEPARTMENT)["部门整体支出绩效自评表"]
    col = _column_of(ws, "按规则计算")
    assert ws.cell(_row_of(ws, "全年发放不动产证书证明"), col + 1).value == "单位不一致，保留自评分"
    assert ws.cell(_row_of(ws, "国土空间总体规划"), col + 1).value.startswith("实际值非数值")
    total_row = _row_of(ws, "总分")
    assert ws.cell(total_row, col).value == pytest.approx(92.53)


def test_extra_indicator_columns_are_kept(sample: Scored) -> None:
    ws = sample.workbook(PROJECTS)["废弃矿硐封堵"]
    header = _row_of(ws, "一级指标")
    col = _column_of(ws, "指标性质")
    assert _row_of(ws, "指标性质") == header and col > _column_of(ws, "按规则计算")
    first = ws.cell(header + 1, col).value
    assert first == "="
    values = [ws.cell(r, col).value for r in range(header + 1, _row_of(ws, "总分"))]
    assert "定性" in values


def test_review_sheet_lists_and_links_every_finding(sample: Scored) -> None:
    wb = sample.workbook(PROJECTS)
    ws = wb[REVIEW_SHEET]
    assert wb.sheetnames[0] == REVIEW_SHEET
    header = _row_of(ws, "级别", column=1)
    heads = [ws.cell(header, c).value for c in range(1, 12)]
    assert heads == [
        "级别", "规则名称", "工作表", "单元格", "问题说明", "应为", "阈值/标准", "填报值", "依据", "规则编号",
        "原表单元格",
    ]  # fmt: skip
    rows = list(range(header + 1, ws.max_row + 1))
    findings = [f for f in sample.result.report["findings"] if f["file"] == PROJECTS]
    assert len(rows) == len(findings)
    severities = [ws.cell(r, 1).value for r in rows]
    assert severities == sorted(severities, key=["错误", "警告", "提示"].index)
    for r in rows:
        link = ws.cell(r, 4).hyperlink
        assert link is not None and link.location, r
        sheet, cell = link.location.rsplit("!", 1)
        target = wb[sheet.strip("'")][cell]
        assert target.comment is not None and ws.cell(r, 10).value in target.comment.text
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.auto_filter.ref.startswith(f"A{header}")
    assert ws.cell(rows[0], 5).alignment.wrap_text
    first = [ws.cell(rows[0], c).value for c in range(1, 12)]
    assert first[:4] == ["错误", "执行率计算不符", "旱改水项目", "H6"] and first[9:] == [
        "A-RATE-STATED",
        "H6",
    ]
    assert (first[5], first[6], first[7]) == (pytest.approx(0.826), None, 1)
    assert first[8].startswith("财预〔2020〕10号")
    # A threshold finding: the limit in 阈值/标准, nothing in 应为.
    low = next(r for r in rows if ws.cell(r, 10).value == "B-EXEC-LOW")
    figures = [ws.cell(low, c).value for c in (6, 7, 8)]
    assert figures == [None, 0.9, pytest.approx(0.826)] and ws.cell(low, 7).number_format == "0.00%"
    overview = _row_of(ws, "旱改水项目", column=2)
    assert ws.cell(overview, 1).value == "优" and ws.cell(overview, 3).value == 100
    assert ws.cell(overview, 4).value == pytest.approx(98.26) and ws.cell(overview, 6).value == 3


def test_report_points_at_marked_cells(sample: Scored) -> None:
    findings = sample.result.report["findings"]
    on_forms = [f for f in findings if f.get("paragraph") is None]  # a written report's: no cell
    assert on_forms and all("scored" in f for f in on_forms)
    books: dict[str, openpyxl.Workbook] = {}
    for f in on_forms:
        where = f["scored"]
        wb = books.setdefault(where["file"], sample.workbook(where["file"]))
        cell = wb[where["sheet"]][where["cell"]]
        assert (
            cell.comment is not None and f["rule"] in cell.comment.text and f["message"] in cell.comment.text
        )
    on_disk = json.loads((sample.out / "report.json").read_text(encoding="utf-8"))
    assert on_disk["findings"] == findings


def test_report_findings_name_their_rule_basis_and_threshold(sample: Scored) -> None:
    findings = sample.result.report["findings"]
    for f in findings:
        info = BY_ID[f["rule"]]
        assert (f["rule_name"], f["basis"]) == (info.name, info.basis)
        assert "threshold" in f and "expected" in f
    low = next(f for f in findings if f["rule"] == "B-EXEC-LOW")
    assert (low["expected"], low["threshold"], low["actual"]) == (None, 0.9, 0.826)
    over = next(f for f in findings if f["rule"] == "C-OVER-TARGET")
    assert (over["expected"], over["threshold"]) == (None, 0.3)
    summary = openpyxl.load_workbook(sample.out / "审核汇总.xlsx")["问题清单"]
    heads = [c.value for c in summary[HEADER_ROW + 1]]
    assert heads[:2] == ["级别", "规则名称"] and heads[7:12] == [
        "应为",
        "阈值/标准",
        "填报值",
        "依据",
        "规则编号",
    ]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=HEADER_ROW + 2)]
    assert [(r[1], r[10], r[11]) for r in rows] == [(f["rule_name"], f["basis"], f["rule"]) for f in findings]
    low_row = rows[findings.index(low)]
    assert low_row[7:10] == [None, 0.9, 0.826]


def test_review_sheet_without_findings_says_so(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_rows(src / "附件3 项目支出绩效自评表.xlsx", {"测试项目": project_sheet()})
    reads = [read_file(src / "附件3 项目支出绩效自评表.xlsx", src)]
    _, ctx = check_workbooks(reads, load_profile(None))
    written, locations, scored = write_scored_workbooks(tmp_path / "out", reads, ctx, [])
    assert written == ["附件3 项目支出绩效自评表.xlsx"] and locations == []
    assert scored == [ScoredFile("附件3 项目支出绩效自评表.xlsx", "附件3 项目支出绩效自评表.xlsx", None)]
    ws = openpyxl.load_workbook(tmp_path / "out" / written[0])[REVIEW_SHEET]
    assert ws.cell(_row_of(ws, "级别", column=1) + 1, 1).value == "未发现问题"


# ---------------------------------------------------------------------------------------------
# Inputs of other shapes


def test_xls_input_gives_xlsx(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("旱改水项目")
    rows = project_sheet(total=(100, 100, 80, 10, 1, 10), fiscal=(100, 100, 80, "——", 1, "——"))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(src / "项目表.xls"))
    scored = _run(src, tmp_path / "out")
    assert scored.result.report["inputs"][0]["status"] == "ok"
    assert scored.scored_files == [] and "项目表.xlsx" in scored.result.written
    wb = openpyxl.load_workbook(tmp_path / "out" / "项目表.xlsx")
    assert wb.sheetnames == [REVIEW_SHEET, "旱改水项目"]
    assert wb["旱改水项目"]["I6"].value == 10 and _fill(wb["旱改水项目"]["I6"]) == RED


def test_xls_beside_an_xlsx_of_the_same_name(tmp_path: Path) -> None:
    src = tmp_path / "src"
    # Two projects (not two copies of one project, which would be duplicates: cycle.md).
    write_rows(src / "项目表.xlsx", {"新版": project_sheet(project="新项目")})
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("旧版")
    for r, row in enumerate(project_sheet(project="旧项目")):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(src / "项目表.xls"))
    scored = _run(src, tmp_path / "out")
    assert {"项目表.xlsx", "项目表 (2).xlsx"} <= set(scored.result.written)
    assert scored.workbook("项目表.xlsx").sheetnames == [REVIEW_SHEET, "新版"]
    assert scored.workbook("项目表 (2).xlsx").sheetnames == [REVIEW_SHEET, "旧版"]


def test_formula_text_in_a_submission_stays_text(tmp_path: Path) -> None:
    hostile = ('=HYPERLINK("http://x","y")', "@SUM(A1:A2)", "+cmd|' /C calc'!A0", "-2+3")
    indicators = replace_indicator(CLEAN_INDICATORS, "完成数量", name=hostile[1], reason=hostile[2])
    indicators = replace_indicator(indicators, "按期完成", actual=hostile[3])
    src = tmp_path / "src"
    write_rows(
        src / "附件3 项目支出绩效自评表.xlsx",
        {"测试项目": project_sheet(project=hostile[0], indicators=indicators)},
    )
    scored = _run(src, tmp_path / "out")
    ws = scored.workbook("附件3 项目支出绩效自评表.xlsx")["测试项目"]
    texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value in hostile}
    assert texts == dict.fromkeys(hostile, "s")


def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["项目[一]/二", "长" * 40, "长" * 40, "审核结果", "'引号'", "a:b*c?d\\e"])
    assert names[0] == "项目_一__二"
    assert names[1] == "长" * 31 and names[2] == "长" * 28 + "(2)"
    assert names[3] == "审核结果(2)" and names[4] == "引号" and names[5] == "a_b_c_d_e"
    assert all(len(n) <= 31 for n in names) and len({n.casefold() for n in names}) == len(names)


def test_odd_sheet_names_link_correctly(tmp_path: Path) -> None:
    src = tmp_path / "src"
    rows = project_sheet(total=(100, 100, 80, 10, 1, 10), fiscal=(100, 100, 80, "——", 1, "——"))
    write_rows(src / "p.xlsx", {"审核结果": rows, "It's 项目": rows})
    scored = _run(src, tmp_path / "out")
    wb = scored.workbook("p.xlsx")
    assert wb.sheetnames == [REVIEW_SHEET, "审核结果(2)", "It's 项目"]
    ws = wb[REVIEW_SHEET]
    links = [c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink and c.column == 4]
    assert "'It''s 项目'!I6" in links and "'审核结果(2)'!I6" in links


def test_stated_score_kept_when_the_formula_would_not_show_it(tmp_path: Path) -> None:
    # 执行率 stated 100 % (wrong: 80 %), 得分 stated 8 (right): the formula over the kept 100 % gives 10.
    src = tmp_path / "src"
    rows = project_sheet(
        total=(100, 100, 80, 10, 1, 8), fiscal=(100, 100, 80, "——", 0.8, "——"), total_score=98
    )
    write_rows(src / "附件3 项目支出绩效自评表.xlsx", {"测试项目": rows})
    ws = _run(src, tmp_path / "out").workbook("附件3 项目支出绩效自评表.xlsx")["测试项目"]
    assert ws["H6"].value == 1 and _fill(ws["H6"]) == RED
    assert ws["I6"].value == 8 and ws["I6"].data_type == "n"  # kept as written …
    assert _fill(ws["I6"]) not in (RED, YELLOW, BLUE) and ws["I6"].comment is None  # … and not disputed
    assert ws["H7"].value.startswith("=IF(")


def test_kept_figures_follow_the_rules() -> None:
    reads = [read_file(SAMPLE / "附件3 项目支出绩效自评表.xlsx", SAMPLE.parent)]
    sheets: dict[str, FormSheet] = {s.sheet: s for s in reads[0].sheets}
    kept = kept_figures(sheets["旱改水项目"], [("figure", "budget", "total", "score")])
    assert set(kept) == {
        ("figure", "budget", "total", "rate"),
        ("figure", "budget", "fiscal", "rate"),
        ("figure", "budget", "total", "score"),
    }
    assert kept_figures(sheets["矿山生态修复"], []) == {}


def test_rerun_gives_identical_bytes(sample: Scored, tmp_path: Path) -> None:
    src = tmp_path / "src" / DEPT
    shutil.copytree(SAMPLE, src)
    again = _run(src.parent, tmp_path / "out")
    for relative in sample.scored_files:
        assert (again.out / relative).read_bytes() == (sample.out / relative).read_bytes(), relative
    reread = _run(src.parent, tmp_path / "out")  # into the same folder: replaced, not duplicated
    assert sorted(p.name for p in (reread.out / DEPT).iterdir()) == sorted(
        Path(f).name
        for f in sample.result.written
        if f.startswith(f"{DEPT}/")  # with the written report's annotated copy (not 审核意见书/)
    )


def test_scored_workbooks_do_not_import_openpyxl() -> None:
    code = "import sys, xltool.write.scored; assert 'openpyxl' not in sys.modules, 'openpyxl imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------
# LibreOffice recalculates every formula: the value xltool wrote is the value a spreadsheet computes

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def _soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed; .ci/run installs it to recalculate the workbooks"
        )
    return path


def _formula_cells(path: Path) -> Iterator[tuple[str, str, object]]:
    """(sheet, cell, cached value) of every formula cell of a workbook."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    yield ws.title, cell.coordinate, values[ws.title][cell.coordinate].value


def _same(a: object, b: object) -> bool:
    blank = (None, "")
    if a in blank or b in blank:
        return a in blank and b in blank
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-6
    return a == b


def test_libreoffice_recalculates_the_written_values(sample: Scored, tmp_path: Path) -> None:
    soffice = _soffice()
    # A sheet whose 年度资金总额 row is empty: the 执行率 formula stays blank while the rule uses the parts.
    src = tmp_path / "src"
    empty_total = project_sheet(total=(None, None, None, 10, None, None), total_score=None)
    write_rows(src / "附件3 项目支出绩效自评表.xlsx", {"测试项目": empty_total})
    extra = _run(src, tmp_path / "extra")
    files = [sample.out / f for f in sample.scored_files] + [extra.out / f for f in extra.scored_files]
    profile = tmp_path / f"lo-profile-{os.getpid()}"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    converted = tmp_path / "recalculated"
    for i, path in enumerate(files):  # one folder each: the same file name may occur twice
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx",
             "--outdir", str(converted / str(i)), str(path)],
            check=True, timeout=LO_TIMEOUT, capture_output=True,
        )  # fmt: skip
    checked = 0
    for i, path in enumerate(files):
        again = openpyxl.load_workbook(converted / str(i) / path.name, data_only=True)
        for sheet, cell, written in _formula_cells(path):
            recalculated = again[sheet][cell].value
            assert _same(written, recalculated), (
                f"{path.name} › {sheet}!{cell}: wrote {written!r}, LibreOffice {recalculated!r}"
            )
            checked += 1
    assert checked > 20


def test_a_profile_with_another_budget_weight_changes_every_number(tmp_path: Path) -> None:
    """With the budget line worth 20: forms, side panel, 审核结果, report.json and summary agree."""
    data = json.loads(load_profile().to_json())
    data["weights"] = {"budget": 20, "output": 40, "benefit": 30, "satisfaction": 10}
    (tmp_path / "p.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    src = tmp_path / "src" / DEPT
    shutil.copytree(SAMPLE, src)
    out = tmp_path / "out"
    result = reconcile(src.parent, out, jobs=1, profile=tmp_path / "p.json")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    projects = {p["sheet"]: p for p in report["departments"][0]["projects"]}
    wb = openpyxl.load_workbook(out / PROJECTS)
    wb_values = openpyxl.load_workbook(out / PROJECTS, data_only=True)
    for sheet, project in projects.items():
        budget = project["budget"]
        score = round(min(budget["execution_rate"], 1) * 20 + 1e-9, 2)
        assert budget["score"] == score, sheet
        ws = wb[sheet]
        assert ws["G6"].value == 20, sheet  # the 分值 the form shows is the profile's
        col = _column_of(ws, "按规则计算")
        assert ws.cell(6, col).value == pytest.approx(score), sheet  # the side panel
        assert wb_values[sheet]["I6"].value is not None  # the department's 得分, kept: B-EXEC-STATED says why
    # 审核结果 and report.json: the budget score the department should state is the 20-point one.
    over = [f for f in report["findings"] if f["rule"] == "B-EXEC-STATED" and f["file"] == PROJECTS]
    assert over and all(f["expected"] == projects[f["sheet"]]["budget"]["score"] for f in over)
    review = wb[REVIEW_SHEET]
    header = _row_of(review, "级别", column=1)
    rows = [[c.value for c in row] for row in review.iter_rows(min_row=header + 1)]
    assert {(r[2], r[5]) for r in rows if r[9] == "B-EXEC-STATED"} == {
        (f["sheet"], f["expected"]) for f in over
    }
    summary = openpyxl.load_workbook(out / "审核汇总.xlsx")["项目汇总"]
    heads = [c.value for c in summary[HEADER_ROW + 1]]
    by_project = {
        r[1]: r[heads.index("预算执行得分")]
        for r in summary.iter_rows(min_row=HEADER_ROW + 2, values_only=True)
    }
    assert by_project == {p["name"]: p["budget"]["score"] for p in projects.values()}
    assert result.counts()["projects"] == len(projects)


def test_the_budget_score_formula_computes_with_the_profile_weight(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    workbook = xlsxwriter.Workbook(path)
    placement = render_form(
        workbook, workbook.add_worksheet("项目"), FORMS["project"], year=2022, budget_weight=20
    )
    workbook.close()
    ws = openpyxl.load_workbook(path)["项目"]
    weight = ws[placement.cells[("figure", "budget", "total", "weight")]].value
    score = ws[placement.cells[("figure", "budget", "total", "score")]].value
    assert weight == 20 and "MIN(" in score and "*20," in score
