"""The committed templates, the renderer's labels and formulas, and rendering a filled sheet."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from xltool.cli import app
from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import BASIC_DATA, DEPARTMENT, FORMS, PROJECT
from xltool.forms.terms import resolve
from xltool.model.records import Figure, FormSheet, IndicatorRow, Text
from xltool.write.canvas import Placement
from xltool.write.render import render_form
from xltool.write.templates import INSTRUCTIONS_SHEET, SHEET_NAMES, write_templates

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
REPOSITORY_NAMES = {
    "basic_data": "attachment1.xlsx",
    "department": "attachment2.xlsx",
    "project": "attachment3.xlsx",
}
DRIFT = "模板与layouts不一致，请运行 python scripts/make_templates.py"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three templates rendered afresh, by form kind."""
    folder = tmp_path_factory.mktemp("templates")
    write_templates(folder, year=None, names=REPOSITORY_NAMES)  # type: ignore[arg-type]
    return {kind: folder / name for kind, name in REPOSITORY_NAMES.items()}


# ---------------------------------------------------------------------------------------------
# (1) the committed templates are what the layouts render


def _snapshot(path: Path) -> dict[str, object]:
    """Everything about a workbook's content that a template change would show."""
    wb = openpyxl.load_workbook(path)
    sheets = {}
    for ws in wb.worksheets:
        sheets[ws.title] = {
            "cells": {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "widths": {k: round(d.width, 2) for k, d in ws.column_dimensions.items() if d.width},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "validations": sorted(
                (str(v.sqref), v.type, v.operator, v.formula1, v.error, v.prompt)
                for v in ws.data_validations.dataValidation
            ),
            "print": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToHeight),
        }
    return {"sheets": list(wb.sheetnames), **sheets}


@pytest.mark.parametrize("kind", list(REPOSITORY_NAMES))
def test_committed_templates_match_layouts(kind: str, rendered: dict[str, Path]) -> None:
    committed = TEMPLATES / REPOSITORY_NAMES[kind]
    assert committed.exists(), DRIFT
    assert _snapshot(committed) == _snapshot(rendered[kind]), DRIFT


# ---------------------------------------------------------------------------------------------
# (2) every label of a layout is printed verbatim


def _layout_labels(layout: FormLayout) -> list[str]:
    """Every label the form prints (a one-row grid's row label is its corner, not printed)."""
    labels = [layout.title, *layout.notes, *layout.footer]
    labels += [f.term.text for f in layout.fields]
    for grid in layout.grids:
        labels += [grid.corner.text] if grid.corner else []
        labels += [c.term.text for c in grid.columns]
        labels += [r.term.text for r in grid.rows] if len(grid.rows) > 1 else []
    for block in layout.lists:
        labels += [block.heading.text] if block.heading else []
        labels += [item.term.text for item in block.items]
    table = layout.indicators
    if table is not None:
        labels += [table.lead.text] if table.lead else []
        labels += [c.term.text for c in table.columns] + [table.total.text]
        labels += [lv.term.text for lv in table.level1] + [lb for lv in table.level1 for lb, _ in lv.level2]
    return [resolve(label, None) for label in labels]


def _texts(ws: Worksheet) -> list[str]:
    """The text cells of a sheet, line breaks removed."""
    return [c.value.replace("\n", "") for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.mark.parametrize("layout", [BASIC_DATA, DEPARTMENT, PROJECT], ids=lambda f: f.kind)
def test_every_label_printed(layout: FormLayout, rendered: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(rendered[layout.kind])[SHEET_NAMES[layout.kind]]
    texts = _texts(ws)
    missing = [label for label in _layout_labels(layout) if not any(label in t for t in texts)]
    assert missing == []


def test_printed_numbering_follows_forms_md(rendered: dict[str, Path]) -> None:
    texts = _texts(openpyxl.load_workbook(rendered["basic_data"])["附件1"])
    printed = ("1、公务用车购置和维护经费", "其中：公车购置", "公车运行维护", "3、公务接待", "项目支出：")
    printed += ("2、运行维护专项", "其中：办公经费", "填报单位：")
    assert [p for p in printed if p not in texts] == []
    project = _texts(openpyxl.load_workbook(rendered["project"])["项目1"])
    assert "其中：当年财政拨款" in project and "上年结转资金" in project
    assert "（    年度）" in project


def test_project_template_has_instructions(rendered: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(rendered["project"])
    assert wb.sheetnames == ["项目1", INSTRUCTIONS_SHEET]
    lines = [c.value for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value]
    assert 6 <= len(lines) - 1 <= 9


# ---------------------------------------------------------------------------------------------
# (3) computed cells are formulas that stay blank


@pytest.mark.parametrize("kind", list(REPOSITORY_NAMES))
def test_formulas_are_live_and_blank(kind: str, rendered: dict[str, Path]) -> None:
    path = rendered[kind]
    ws = openpyxl.load_workbook(path)[SHEET_NAMES[kind]]  # type: ignore[index]
    cached = openpyxl.load_workbook(path, data_only=True)[SHEET_NAMES[kind]]  # type: ignore[index]
    formulas = {c.coordinate: c.value for row in ws.iter_rows() for c in row if str(c.value).startswith("=")}
    assert formulas
    for a1, formula in formulas.items():
        assert "#DIV/0!" not in formula and "=IF(" in formula, (a1, formula)
        assert cached[a1].value in (None, ""), a1


def test_project_formula_cells(rendered: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(rendered["project"])["项目1"]
    assert ws["H6"].value == '=IF(N(E6)=0,"",N(F6)/E6)'
    assert ws["I6"].value == '=IF(H6="","",ROUND(MIN(H6,1)*10,2))'
    assert ws["H7"].value == '=IF(N(E7)=0,"",N(F7)/E7)'
    assert ws["G6"].value == 10 and ws["G7"].value == "——" and ws["H8"].value is None
    assert ws["A26"].value == "总分" and ws["G26"].value == 100
    assert ws["H26"].value == '=IF(COUNT(I6,H13:H25)=0,"",ROUND(SUM(I6,H13:H25),2))'


def test_basic_data_sums(rendered: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(rendered["basic_data"])["附件1"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    three, vehicles = rows["三公经费"], rows["1、公务用车购置和维护经费"]
    parts = f"B{three + 1},B{three + 4}:B{three + 5}"
    assert ws.cell(three, 2).value == f'=IF(COUNT({parts})=0,"",SUM({parts}))'
    parts = f"D{vehicles + 1}:D{vehicles + 2}"
    assert ws.cell(vehicles, 4).value == f'=IF(COUNT({parts})=0,"",SUM({parts}))'
    assert ws.cell(rows["公用经费"], 2).value is None  # an input: its parts are a partial breakdown


# ---------------------------------------------------------------------------------------------
# (4) and (5) rendering a filled sheet


def _figure(block: str, row: str, column: str, value: str | None, raw: object = None) -> Figure:
    number = Decimal(value) if value is not None else None
    return Figure(block, row, column, number, raw if raw is not None else value, "Z1")


def _indicator(index: int, level2: str, name: str, target: str, actual: object, score: str) -> IndicatorRow:
    return IndicatorRow(
        index=index, row=13 + index, level1="产出指标", level1_key="output", level1_weight=Decimal(50),
        level2=level2, name=name, target_raw=target, actual_raw=actual, target=None, actual=None,
        weight=Decimal(25), self_score=Decimal(score), reason="", cells={},
    )  # fmt: skip


@pytest.fixture
def project_sheet() -> FormSheet:
    texts = {
        "project": Text("project", "2021年度旱改水项目", "B3"),
        "department": Text("department", "桃源县自然资源局", "B4"),
        "goal_expected": Text("goal_expected", '=HYPERLINK("x")', "B11"),
    }
    figures = (
        _figure("budget", "total", "initial", "3970.96"),
        _figure("budget", "total", "full_year", "100"),
        _figure("budget", "total", "executed", "82.6"),
        _figure("budget", "fiscal", "full_year", "100"),
        _figure("budget", "fiscal", "executed", "82.6"),
        _figure("budget", "carryover", "full_year", None, "——"),
    )
    indicators = (
        _indicator(0, "数量指标", "旱改水面积", "≥2400亩", 2200, "22.92"),
        _indicator(1, "数量指标", "验收合格率", "=100%", "100%", "25"),
    )
    return FormSheet(
        file="a.xlsx", sheet="旱改水项目", kind="project", department="桃源县自然资源局", year=2022,
        project="2021年度旱改水项目", texts=texts, figures=figures, indicators=indicators,
    )  # fmt: skip


def _render(tmp_path: Path, sheet: FormSheet, **options: object) -> tuple[Placement, Path]:
    path = tmp_path / "filled.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    layout = FORMS[sheet.kind]
    placement = render_form(
        workbook, workbook.add_worksheet("项目"), layout, year=None, content=sheet, **options
    )  # type: ignore[arg-type]
    workbook.close()
    return placement, path


def test_filled_values_land_on_placement(tmp_path: Path, project_sheet: FormSheet) -> None:
    placement, path = _render(tmp_path, project_sheet)
    ws = openpyxl.load_workbook(path)["项目"]
    at = placement.at
    assert ws[at(("text", "project"))].value == "2021年度旱改水项目"
    assert ws[at(("figure", "budget", "total", "full_year"))].value == 100
    assert ws[at(("figure", "budget", "carryover", "full_year"))].value == "——"
    assert ws[at(("indicator", 0, "name"))].value == "旱改水面积"
    assert ws[at(("indicator", 0, "actual"))].value == 2200
    assert ws[at(("indicator", 1, "target"))].value == "=100%"
    assert at(("indicator", 0, "level1")) == at(("indicator", 1, "level1"))
    assert ws[at(("indicator", 0, "level1"))].value.replace("\n", "") == "产出指标(50分)"
    assert at(("figure", "budget", "total", "score")) == "I6"
    assert ws["A2"].value == "（2022年度）"
    assert placement.last_row == ws.max_row


def test_filled_cached_values(tmp_path: Path, project_sheet: FormSheet) -> None:
    placement, path = _render(tmp_path, project_sheet)
    ws = openpyxl.load_workbook(path, data_only=True)["项目"]
    at = placement.at
    assert ws[at(("figure", "budget", "total", "rate"))].value == pytest.approx(0.826)
    assert ws[at(("figure", "budget", "total", "score"))].value == pytest.approx(8.26)
    assert ws[at(("figure", "budget", "fiscal", "rate"))].value == pytest.approx(0.826)
    assert ws[at(("total", "score"))].value == pytest.approx(56.18)  # 8.26 + 22.92 + 25


def test_computed_overrides_cached_values(tmp_path: Path, project_sheet: FormSheet) -> None:
    override = {("figure", "budget", "total", "score"): 9.5, ("total", "score"): None}
    placement, path = _render(tmp_path, project_sheet, computed=override)
    ws = openpyxl.load_workbook(path, data_only=True)["项目"]
    assert ws[placement.at(("figure", "budget", "total", "score"))].value == 9.5
    assert ws[placement.at(("total", "score"))].value in (None, "")


def test_formula_text_stays_text(tmp_path: Path, project_sheet: FormSheet) -> None:
    placement, path = _render(tmp_path, project_sheet)
    cell = openpyxl.load_workbook(path)["项目"][placement.at(("text", "goal_expected"))]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def test_indicator_rows_pad_the_table(tmp_path: Path, project_sheet: FormSheet) -> None:
    placement, _ = _render(tmp_path, project_sheet, indicator_rows=5)
    assert placement.at(("indicator", 4, "score")) == "H17"
    assert placement.at(("total", "score")) == "H18"


def test_basic_data_cached_sums(tmp_path: Path) -> None:
    figures = (
        _figure("spending", "vehicle_purchase", "budget", "10"),
        _figure("spending", "vehicle_running", "budget", "5.5"),
        _figure("spending", "reception", "budget", "2"),
        _figure("staff", "staff", "authorized", "216"),
        _figure("staff", "staff", "actual", "205"),
    )
    sheet = FormSheet(file="b.xlsx", sheet="附件1", kind="basic_data", department="某局", year=2022,
                      project=None, texts={}, figures=figures)  # fmt: skip
    path = tmp_path / "basic.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    placement = render_form(workbook, workbook.add_worksheet("附件1"), BASIC_DATA, year=None, content=sheet)
    workbook.close()
    ws = openpyxl.load_workbook(path, data_only=True)["附件1"]
    at = placement.at
    assert ws[at(("figure", "spending", "vehicles", "budget"))].value == pytest.approx(15.5)
    assert ws[at(("figure", "spending", "three_public", "budget"))].value == pytest.approx(17.5)
    assert ws[at(("figure", "spending", "three_public", "actual"))].value in (None, "")
    assert ws[at(("figure", "staff", "staff", "control_rate"))].value == pytest.approx(205 / 216)
    headers = [c.value for c in openpyxl.load_workbook(path)["附件1"][5]]
    assert "2021年决算数" in headers and "2022年预算数" in headers


def test_templates_print_a_profiles_weights_everywhere(tmp_path: Path) -> None:
    """A profile with budget 20 / 产出 45 / 效益 25 / 满意度 10: the 分值 cells, the 得分 formula, the
    一级指标 labels and the 填表说明 all say so (before, the instructions and labels kept 10 / 50 / 30)."""
    profile = json.loads(
        (REPO / "xltool" / "rules" / "profiles" / "mof2020.json").read_text(encoding="utf-8")
    )
    profile |= {"name": "heavy", "weights": {"budget": 20, "output": 45, "benefit": 25, "satisfaction": 10}}
    (tmp_path / "heavy.json").write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "模板"
    result = CliRunner().invoke(app, ["templates", "-o", str(out), "--profile", str(tmp_path / "heavy.json")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out / PROJECT.file_name)
    sheet = book[SHEET_NAMES["project"]]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(t.startswith("=IF(") and "MIN(" in t and "*20,2)" in t for t in texts)
    assert not any("*10,2)" in t for t in texts)
    labels = {t.replace("\n", "") for t in texts}  # (a label breaks before its 分值)
    assert {"产出指标(45分)", "效益指标(25分)", "满意度指标(10分)"} <= labels
    assert not {"产出指标(50分)", "效益指标(30分)"} & labels
    notes = "".join(str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert (
        "执行率×20分" in notes
        and "最高20分" in notes
        and "产出指标45分、效益指标25分、满意度指标10分" in notes
    )
    assert "×10分" not in notes and "50分" not in notes
    default = tmp_path / "默认"
    assert CliRunner().invoke(app, ["templates", "-o", str(default)]).exit_code == 0
    for kind, layout in FORMS.items():  # the default profile's weights are the form's: the committed files
        assert _snapshot(default / layout.file_name) == _snapshot(TEMPLATES / REPOSITORY_NAMES[kind])
