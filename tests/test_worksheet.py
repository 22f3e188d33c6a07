"""The scored workbooks' worksheet stores every formula exactly as xlsxwriter's own preparation would."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xltool.write.worksheet import FormWorksheet

FORMULAS = [
    '=IF(COUNT(C5,C6)=0,"",SUM(C5,C6))',
    '=IF(N(D7)=0,"",N(E7)/D7)',
    '=IF(F9="","",ROUND(MIN(F9,1)*10,2))',
    '=IF(COUNT(G5:G20)=0,"",ROUND(SUM(G5:G20),2))',
    "{=SUM(A1:A3)}",
    "=XLOOKUP(A1,B1:B3,C1:C3)",  # a newer function: xlsxwriter's own path prefixes it
    "=SINGLE(A1)",
    '=IF(A1="FILTER(",1,0)',  # a name inside a text still takes xlsxwriter's path
    "=STDEV.S(A1:A3)",
    "=if(a1,1,0)",
    "=A1+B1",
]


def _sheets() -> tuple[Worksheet, FormWorksheet]:
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    plain = book.add_worksheet("a")
    form = book.add_worksheet("b", worksheet_class=FormWorksheet)
    assert isinstance(form, FormWorksheet)
    return plain, form


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_prepared_as_xlsxwriter_does(formula: str) -> None:
    plain, form = _sheets()
    assert form._prepare_formula(formula) == plain._prepare_formula(formula)
    assert form._prepare_formula(formula, True) == plain._prepare_formula(formula, True)


def test_the_fast_path_is_taken_for_the_forms_formulas(monkeypatch: pytest.MonkeyPatch) -> None:
    _, form = _sheets()

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("xlsxwriter's rewriting ran")

    monkeypatch.setattr(Worksheet, "_prepare_formula", refuse)
    assert form._prepare_formula(FORMULAS[0]) == FORMULAS[0][1:]
    with pytest.raises(AssertionError):
        form._prepare_formula(FORMULAS[5])
