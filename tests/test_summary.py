"""审核汇总.xlsx read back: heading rows, number formats, footers, natural order, links that resolve on
Linux, and the charts (their XML read from the zip, as openpyxl loads charts only in part)."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import openpyxl
import pytest
from conftest import SAMPLE
from support import sample_forms

from xltool.run.pipeline import reconcile
from xltool.version import __version__
from xltool.write.looks import PAGE_FOOTER
from xltool.write.summary import FINDING_HEADERS, LINK_TEXT, SUMMARY_NAME
from xltool.write.summary_charts import MAX_BARS, ChartData, _tables
from xltool.write.summary_looks import HEADER_ROW, TITLE, SummaryHead, row_height

NAMES = ["某某县第2局", "某某县第3局", "某某县第10局"]
RATE_RULES = {"A-RATE-STATED", "B-EXEC-LOW", "C-OVER-TARGET"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three varied departments (第10局 written first), reconciled; returns OUT."""
    root = tmp_path_factory.mktemp("in")
    for k in (10, 3, 2):
        dept = sample_forms.vary(sample_forms.taoyuan_2022(), k)
        assert dept.name == f"某某县第{k}局"
        sample_forms.write_department(root / dept.name, dept)
    out = tmp_path_factory.mktemp("out")
    reconcile(root, out, jobs=1)
    return out


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return list(ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True))


def test_every_sheet_opens_with_title_date_profile_and_version(batch: Path) -> None:
    wb = openpyxl.load_workbook(batch / SUMMARY_NAME)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in visible] == ["部门汇总", "项目汇总", "问题清单", "文件读取情况", "图表"]
    for ws in visible:
        assert ws["A1"].value == f"{TITLE} · {ws.title}"
        facts = str(ws["A2"].value)
        assert re.match(r"审核日期：\d{4}年\d{1,2}月\d{1,2}日", facts), facts
        assert "评分规则：财政部2020版评分规则（财预〔2020〕10号）（mof2020）" in facts
        assert f"xltool 版本：{__version__}" in facts
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and ws.oddFooter.center.size == 9
        assert PAGE_FOOTER.endswith(ws.oddFooter.center.text)
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        if ws.title != "图表":
            assert ws.print_title_rows == f"${HEADER_ROW + 1}:${HEADER_ROW + 1}"
            assert ws.freeze_panes == f"A{HEADER_ROW + 2}"


def test_departments_sort_naturally_in_the_summary_and_the_report(batch: Path) -> None:
    wb = openpyxl.load_workbook(batch / SUMMARY_NAME)
    assert [r[0] for r in _rows(wb["部门汇总"])] == NAMES
    projects = [r[0] for r in _rows(wb["项目汇总"])]
    assert sorted(set(projects), key=projects.index) == NAMES
    findings = [r[2] for r in _rows(wb["问题清单"])]
    assert sorted(set(findings), key=findings.index) == NAMES
    report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in report["departments"]] == NAMES


def test_rates_are_shown_as_percentages(batch: Path) -> None:
    wb = openpyxl.load_workbook(batch / SUMMARY_NAME)
    ws = wb["问题清单"]
    seen = set()
    for row in ws.iter_rows(min_row=HEADER_ROW + 2):
        rule = row[11].value
        formats = {c.number_format for c in row[7:10] if isinstance(c.value, int | float)}
        if rule in RATE_RULES:
            seen.add(rule)
            assert formats <= {"0.00%"}, (rule, formats)
        elif rule in ("B-ADJUSTMENT", "C-TOTAL-OVER"):
            assert formats <= {"0.00"}, (rule, formats)
    assert {"A-RATE-STATED", "B-EXEC-LOW"} <= seen
    for name, column in (("部门汇总", 7), ("项目汇总", 7)):
        cells = [r[column - 1] for r in wb[name].iter_rows(min_row=HEADER_ROW + 2)]
        assert cells and all(c.number_format == "0.00%" for c in cells if c.value is not None)


def test_findings_name_the_cell_of_the_input_and_link_the_scored_copy(batch: Path) -> None:
    ws = openpyxl.load_workbook(batch / SUMMARY_NAME)["问题清单"]
    heads = [c.value for c in ws[HEADER_ROW + 1]]
    assert heads == [name for name, _ in FINDING_HEADERS]
    assert heads[5] == "部门原表单元格" and heads[12] == "在评分表中查看"
    assert ws.column_dimensions["D"].width >= 30 and ws["D5"].alignment.wrap_text
    links = [row[12] for row in ws.iter_rows(min_row=HEADER_ROW + 2)]
    assert links and all(c.value == LINK_TEXT and c.hyperlink is not None for c in links)
    assert all(c.hyperlink.tooltip.startswith("评分表 ") for c in links)


def test_links_resolve_to_the_scored_copies_from_the_summary_folder(batch: Path) -> None:
    """Relative, with forward slashes: the target opens in LibreOffice on Linux as in Excel."""
    with zipfile.ZipFile(batch / SUMMARY_NAME) as z:
        book = z.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', book)
        number = next(n for name, n in sheets if name == "问题清单")
        rels = z.read(f"xl/worksheets/_rels/sheet{number}.xml.rels").decode()
        xml = z.read(f"xl/worksheets/sheet{number}.xml").decode()
    targets = re.findall(r'Target="([^"]+)" TargetMode="External"', rels)
    assert targets
    for target in targets:
        assert "\\" not in target and not target.startswith(("/", "file:"))
        path = batch / PurePosixPath(unquote(target))
        assert path.is_file() and path.suffix == ".xlsx", target
    locations = re.findall(r'<hyperlink ref="M\d+" r:id="rId\d+" location="([^"]+)"', xml)
    assert len(locations) == len(targets)
    assert all(re.fullmatch(r"'[^']+'![A-Z]+\d+", unescape) for unescape in locations)


def test_row_heights_are_regular(batch: Path) -> None:
    """Every data row is one or more whole lines of the same step, on every table sheet."""
    wb = openpyxl.load_workbook(batch / SUMMARY_NAME)
    steps = {row_height(n) for n in range(1, 40)}
    for name in ("部门汇总", "项目汇总", "问题清单", "文件读取情况"):
        ws = wb[name]
        heights = [ws.row_dimensions[r].height for r in range(HEADER_ROW + 2, ws.max_row + 1)]
        assert heights and set(heights) <= steps, (name, set(heights) - steps)


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]


def _axis_titles(xml: str) -> list[str]:
    axes = re.findall(r"<c:(?:valAx|catAx)>.*?</c:(?:valAx|catAx)>", xml, re.S)
    return ["".join(re.findall(r"<a:t>([^<]*)</a:t>", a)) for a in axes]


def test_the_charts_a_reviewer_reads(batch: Path) -> None:
    charts = _charts(batch / SUMMARY_NAME)
    titles = ["".join(re.findall(r"<a:t>([^<]*)</a:t>", re.split(r"<c:plotArea>", c)[0])) for c in charts]
    assert titles == [
        "规则总分排名（自评总分并列）",
        "自评总分与规则总分之差",
        "各部门预算执行率",
        "等级分布",
    ]
    for xml in charts:
        assert all(_axis_titles(xml)), _axis_titles(xml)
    ranking, gap, execution, grades = charts
    assert set(_axis_titles(ranking)) == {"部门", "得分（分）"}
    low = float(re.search(r'<c:valAx>.*?<c:min val="([\d.]+)"', ranking, re.S).group(1))  # type: ignore[union-attr]
    assert 0 < low < 100  # fitted, not 0–100
    # The legend lists the series last drawn on top first: 规则总分 is the second series, shown on top.
    assert re.findall(r"<c:tx>.*?<c:v>([^<]+)</c:v>", ranking, re.S)[:2] == ["自评总分", "规则总分"]
    assert '<c:orientation val="maxMin"/>' not in ranking
    assert '<c:invertIfNegative val="1"/>' in gap
    assert "<c:lineChart>" in execution and "要求（90%）" in execution
    assert "<c:barChart>" in grades and '<c:barDir val="col"/>' in grades
    data = openpyxl.load_workbook(batch / SUMMARY_NAME)["图表数据"]
    assert data.sheet_state == "hidden"
    assert [r[0] for r in data.iter_rows(min_row=2, min_col=12, max_col=12, values_only=True)] == [
        "优（90分及以上）",
        "良（80–90分）",
        "中（60–80分）",
        "差（60分以下）",
    ]


def test_one_department_gets_a_note_not_trivial_charts(tmp_path: Path) -> None:
    src = tmp_path / "in" / SAMPLE.name
    shutil.copytree(SAMPLE, src)
    reconcile(src.parent, tmp_path / "out", jobs=1)
    summary = tmp_path / "out" / SUMMARY_NAME
    assert _charts(summary) == []
    note = openpyxl.load_workbook(summary)["图表"]["A4"].value
    assert "只有一个部门" in note and "未绘制" in note


def test_charts_stay_bounded_for_thousands_of_departments() -> None:
    data = ChartData()
    for k in range(3000):
        data.add(f"第{k}局", 60 + k % 40, 61 + k % 40, 0.5 + (k % 50) / 100, "良")
    tables = _tables(
        data, SummaryHead(execution_floor=0.9, grades=((90, "优"), (80, "良"), (60, "中"), (0, "差")))
    )
    assert [len(t.rows) for t in tables[:3]] == [MAX_BARS] * 3
    assert all("共3000个部门" in t.note for t in tables[:3])
    assert min(row[1] for row in tables[0].rows) == 60  # the lowest scores are the ones shown
    assert tables[3].rows == [
        ("优（90分及以上）", 0),
        ("良（80–90分）", 3000),
        ("中（60–80分）", 0),
        ("差（60分以下）", 0),
    ]
