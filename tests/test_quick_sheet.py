"""QuickBook writes the same workbook as xlsxwriter's own Workbook, byte for byte, whatever the cells."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xltool.write.quick_sheet import QuickBook

# Text of every kind (control characters, edge spaces, _xHHHH_ look-alikes, markup, wide characters),
# numbers of every size, booleans and blanks; a cell with a format or without one.
texts = st.text() | st.sampled_from(
    ["", " 前导空格", "末尾空格 ", "\t", "a\nb", "_x0041_", "A_x00e9_B", "\x00\x07", "\ufffe\uffff",
     "<r>x</r>",
     "a & b < c > d \"e\" 'f'", "某某县第1局/附件3 项目支出绩效自评表.xlsx", "\u3000全角空格", "x\x85"]
)  # fmt: skip
numbers = st.integers(min_value=-(10**20), max_value=10**20) | st.floats(
    allow_nan=False, allow_infinity=False
)
values = texts | numbers | st.booleans() | st.none()
rows = st.lists(st.lists(st.tuples(values, st.booleans()), max_size=6), max_size=6)


def written(
    book_class: type[xlsxwriter.Workbook], grid: list[list[tuple[object, bool]]], memory: bool
) -> dict[str, bytes]:
    """The zip members of a workbook holding ``grid`` (value, formatted?) on two sheets."""
    buffer = io.BytesIO()
    wb = book_class(
        buffer, {"constant_memory": memory, "strings_to_formulas": False, "strings_to_urls": False}
    )
    wb.set_properties({"created": datetime(2000, 1, 1)})
    fmt = wb.add_format({"font_name": "宋体", "text_wrap": True})
    other = wb.add_format({"num_format": "0.00%"})
    for name in ("甲", "乙"):
        ws = wb.add_worksheet(name)
        for r, row in enumerate(grid):
            ws.set_row(r, 18 + r)
            for c, (value, formatted) in enumerate(row):
                cell_format = (fmt if c % 2 else other) if formatted else None
                if value is None:
                    ws.write_blank(r, c, None, cell_format)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value, cell_format)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value, cell_format)
                else:
                    ws.write_string(r, c, str(value), cell_format)
        ws.write_url(len(grid), 0, "external:a/b.xlsx#'表'!A1", fmt, "打开")
        ws.write_datetime(len(grid) + 1, 0, datetime(2022, 3, 4), other)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


@settings(max_examples=150, deadline=None)
@given(rows, st.booleans())
def test_quick_book_writes_what_xlsxwriter_writes(
    grid: list[list[tuple[object, bool]]], memory: bool
) -> None:
    assert written(QuickBook, grid, memory) == written(xlsxwriter.Workbook, grid, memory)


def test_put_writes_numbers_as_numbers_and_the_rest_as_text() -> None:
    buffer = io.BytesIO()
    wb = QuickBook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    fmt = wb.add_format({"bold": True})
    ws = wb.add_worksheet("表")
    for c, value in enumerate([1.5, 2, True, None, "=1+1", "文本"]):
        ws.put(0, c, value, fmt)
    wb.close()
    sheet = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A1" s="1"><v>1.5</v></c><c r="B1" s="1"><v>2</v></c>' in sheet
    assert '<c r="C1" s="1" t="inlineStr"><is><t>是</t></is></c><c r="D1" s="1"/>' in sheet
    assert "<t>=1+1</t>" in sheet and "<f>" not in sheet and "<t>文本</t>" in sheet
