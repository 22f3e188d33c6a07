"""Formulas stored without their results: found in the sheet XML, evaluated as the templates mean them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from xltool.read.formulas import Formula, evaluate_sheet, formula_cells
from xltool.read.sources import read_sources

SHEET: list[list[object]] = [[100.0, 90.0, None, "——"], [10.0, None, None, None]]


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("B1/A1", 0.9),
        ("=ROUND(MIN(B1/A1,1)*A2,2)", 9.0),
        ("IF(A1=0,0,B1/A1)", 0.9),
        ("IF(A1<>0,B1/A1)", 0.9),
        ("SUM(A1:B2)", 200.0),
        ("SUM(A1,B1)+A2*2-$A$2/2", 205.0),
        ("-A2^2", -100.0),
        ("50%*A1", 50.0),
        ("C1+A2", 10.0),  # an empty cell is 0 in arithmetic, as in a spreadsheet
        ("MAX(A1:D1)", 100.0),  # text in a range is skipped
    ],
)
def test_template_formulas_are_evaluated(formula: str, expected: float) -> None:
    rows = [list(row) for row in SHEET]
    rows[1][3] = Formula(formula)
    assert evaluate_sheet(rows)[1][3] == pytest.approx(expected)


@pytest.mark.parametrize(
    "formula", ["D1+1", "B1/C1", "VLOOKUP(A1,B:C,2,0)", "Sheet2!A1", "SUM(A1", "A1 A2", 'INDIRECT("A1")']
)
def test_what_cannot_be_evaluated_is_not_stated(formula: str) -> None:
    rows = [list(row) for row in SHEET]
    rows[1][3] = Formula(formula)
    assert evaluate_sheet(rows)[1][3] is None


def test_formulas_using_formulas_and_cycles() -> None:
    rows: list[list[object]] = [[1.0, Formula("C1*2"), Formula("A1+1")], [Formula("A2"), None, None]]
    assert evaluate_sheet(rows) == [[1.0, 4.0, 2.0], [None, None, None]]


def test_formula_cells_of_files_with_and_without_results(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"], ws["A2"], ws["A3"], ws["B3"] = 1, 2, "=SUM(A1:A2)", '=IF(A1>0,"有","无")'
    wb.save(tmp_path / "openpyxl.xlsx")
    book = xlsxwriter.Workbook(str(tmp_path / "xlsxwriter.xlsx"))
    sheet = book.add_worksheet("表")
    sheet.write_number(0, 0, 1)
    sheet.write_formula(2, 0, "=SUM(A1:A2)", None, 1)
    book.close()
    with zipfile.ZipFile(tmp_path / "openpyxl.xlsx") as z:
        assert formula_cells(z.read("xl/worksheets/sheet1.xml")) == {
            (2, 0): "SUM(A1:A2)",
            (2, 1): 'IF(A1>0,"有","无")',
        }
    grids, formulas = read_sources(tmp_path / "openpyxl.xlsx")
    assert grids == [("表", [[1.0], [2.0], [Formula("SUM(A1:A2)"), Formula('IF(A1>0,"有","无")')]])]
    assert formulas == {"表": {(2, 0): "SUM(A1:A2)", (2, 1): 'IF(A1>0,"有","无")'}}
    grids, formulas = read_sources(tmp_path / "xlsxwriter.xlsx")  # cached: the value, the place known
    assert (grids, formulas) == ([("表", [[1.0], [None], [1.0]])], {"表": {(2, 0): None}})
