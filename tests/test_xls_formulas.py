"""Formulas in .xls files (BIFF FORMULA records): which cells hold one, and results a program never
computed (xlwt writes none), so that the checks made on an .xlsx's formulas apply to an .xls too."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import xlwt
from conftest import Run
from test_published_forms import figures, project_rows

from xltool.read.biff_formulas import formula_record
from xltool.read.reader import read_file
from xltool.rules.profile import load_profile
from xltool.run.chunks import check_workbooks

D = Decimal


def write_xls(path: Path, rows: Sequence[Sequence[object]], sheet: str = "测试项目") -> Path:
    """An .xls written by xlwt: ``=F6/E6`` becomes a formula, stored without a result (``=`` stays text)."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value[:1] == "=" and value[1:2].isascii() and value[1:2].isalpha():
                ws.write(r, c, xlwt.Formula(value[1:]))
            elif value is not None:
                ws.write(r, c, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def check_xls(path: Path) -> Run:
    read = read_file(path, path.parent)
    assert read.status == "ok", read.message
    findings, ctx = check_workbooks([read], load_profile(None))
    return Run(findings, ctx)


def test_xls_formulas_without_results_are_evaluated(tmp_path: Path) -> None:
    rows, _ = project_rows()
    rows[5][7], rows[5][8] = "=F6/E6", "=ROUND(MIN(H6,1)*G6,2)"
    rows[6][7] = "=IF(E7=0,0,F7/E7)"
    last = len(rows)
    rows[-1][9] = f"=SUM(J14:J{last - 1})+I6"
    path = write_xls(tmp_path / "附件3.xls", rows)
    read = read_file(path, path.parent)
    (sheet,) = read.sheets
    budget = figures(sheet, "budget")
    assert budget[("total", "rate")] == (D("0.9"), "H6")
    assert budget[("total", "score")] == (D(9), "I6")
    assert budget[("fiscal", "rate")] == (D("0.9"), "H7")
    assert sheet.total_score is not None and sheet.total_score.value == D(99)
    assert {"H6", "I6", "H7", f"J{last}"} <= sheet.formula_cells


def test_a_typed_number_over_a_template_formula_in_an_xls(tmp_path: Path) -> None:
    rows, _ = project_rows()
    rows[5][7], rows[5][8] = "=F6/E6", "=ROUND(MIN(H6,1)*G6,2)"
    rows[6][7] = 0.9  # 当年财政拨款's 执行率 typed over its formula
    run = check_xls(write_xls(tmp_path / "附件3.xls", rows))
    assert run.keys("G-FORMULA-OVERWRITTEN") == {("G-FORMULA-OVERWRITTEN", "测试项目", "H7")}


def test_an_xls_without_formulas_is_not_said_to_be_overwritten(tmp_path: Path) -> None:
    rows, _ = project_rows()
    run = check_xls(write_xls(tmp_path / "附件3.xls", rows))
    assert not run.keys("G-FORMULA-OVERWRITTEN")


def test_an_xls_formula_it_cannot_evaluate_is_not_stated_never_zero(tmp_path: Path) -> None:
    rows, _ = project_rows()
    rows[5][8] = "=VLOOKUP(A1,B1:C2,2,0)"
    run = check_xls(write_xls(tmp_path / "附件3.xls", rows))
    assert run.read("测试项目", "I6") == (None,)
    assert not run.keys("A-TOTAL-STATED") and not run.keys("B-EXEC-STATED")


def test_formula_records() -> None:
    head = (4).to_bytes(2, "little") + (7).to_bytes(2, "little") + b"\x0f\x00"
    cached = (
        head + (0.5).hex().encode()[:0] + b"\x00" * 8 + b"\x00\x00" + b"\x00" * 4 + b"\x03\x00\x1e\x02\x00"
    )
    assert formula_record(cached) == ((4, 7), None)  # a number result: calamine reads it
    empty = head + b"\x03\x00\x00\x00\x00\x00\xff\xff" + b"\x00\x00" + b"\x00" * 4
    # 2+3*A1 as tInt 2, tInt 3, tRef A1, tMul, tAdd
    rgce = b"\x1e\x02\x00" + b"\x1e\x03\x00" + b"\x44\x00\x00\x00\xc0" + b"\x05" + b"\x03"
    assert formula_record(empty + len(rgce).to_bytes(2, "little") + rgce) == ((4, 7), "2+3*A1")
    odd = b"\x18\x00\x00"  # an extended token: not read
    assert formula_record(empty + len(odd).to_bytes(2, "little") + odd) == ((4, 7), None)
    assert formula_record(b"\x00" * 10) is None
