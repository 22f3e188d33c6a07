"""Which official template a form sheet follows, and how its rows moved against it (report.json).

The blank template of the sheet's form and year is rendered once per process (as `xltool templates`
writes it); every labelled cell the reader found is set against the same cell in the template, and
where the distance changes between two consecutive labels, rows were inserted (or deleted) there.
"""

from __future__ import annotations

import functools
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

from xltool.forms.layouts import FORMS, FormKind
from xltool.model.records import Anchor, FormSheet
from xltool.write.render import render_form

# The official layout each form follows (forms.md).
TEMPLATE_NAMES: dict[str, str] = {
    "basic_data": "附件1 部门整体支出绩效评价基础数据表（湖南）",
    "department": "附件2 部门整体支出绩效自评表（财政部2020版）",
    "project": "附件3 项目支出绩效自评表（财预〔2020〕10号）",
}


@functools.lru_cache(maxsize=32)
def _template_rows(kind: FormKind, year: int | None) -> dict[Anchor, int]:
    """Anchor → 0-based row of the blank official template of a form and year."""
    book = xlsxwriter.Workbook("unused.xlsx", {"in_memory": True})
    try:
        placement = render_form(book, book.add_worksheet("t"), FORMS[kind], year=year)
    finally:
        book.fileclosed = True  # nothing is written: the workbook only lays the form out
    return {
        anchor: xl_cell_to_rowcol(a1)[0] for anchor, a1 in placement.cells.items() if anchor[0] != "indicator"
    }


@functools.lru_cache(maxsize=4096)
def _sheet_row(cell: str) -> int:
    """The 0-based row of an A1 cell; the same cells recur in every sheet, so each is parsed once."""
    return xl_cell_to_rowcol(cell)[0]


def _label(kind: FormKind, anchor: Anchor) -> str:
    """The printed label of the row an anchor stands on (年度资金总额, 上年结转资金, 项目名称 …)."""
    layout = FORMS[kind]
    if anchor[0] == "figure":
        for grid in layout.grids:
            if grid.key == anchor[1]:
                row = next((r for r in grid.rows if r.key == anchor[2]), None)
                return row.term.text if row is not None else grid.corner.text if grid.corner else grid.key
        for block in layout.lists:
            if block.key == anchor[1]:
                return next((i.term.text for i in block.items if i.key == anchor[2]), block.key)
    if anchor[0] == "text":
        return next((f.term.text for f in layout.fields if f.key == anchor[1]), anchor[1])
    return "/".join(anchor)


def template_fingerprint(sheet: FormSheet) -> dict[str, Any]:
    """The official layout and year a sheet follows, the variant recognised, and rows moved against it."""
    template = _template_rows(sheet.kind, sheet.year)
    found: list[tuple[int, int, Anchor]] = []  # (template row, sheet row, anchor)
    for figure in sheet.figures:
        anchor = figure.anchor
        if anchor in template:
            found.append((template[anchor], _sheet_row(figure.cell), anchor))
    for key, text in sheet.texts.items():
        anchor = ("text", key)
        if anchor in template:
            found.append((template[anchor], _sheet_row(text.cell), anchor))
    found.sort()
    moves: list[dict[str, Any]] = []
    offset: int | None = None
    previous: int | None = None
    for template_row, sheet_row, anchor in found:
        delta = sheet_row - template_row
        if previous is None:
            offset = delta
        elif delta != previous:
            moves.append({"before": _label(sheet.kind, anchor), "rows": delta - previous})
        previous = delta
    return {
        "layout": TEMPLATE_NAMES[sheet.kind],
        "year": sheet.year,
        "variant": sheet.variant or None,
        "units": dict(sheet.units) or None,
        "row_offset": offset,
        "rows_inserted": [m for m in moves if m["rows"] > 0],
        "rows_deleted": [{"before": m["before"], "rows": -m["rows"]} for m in moves if m["rows"] < 0],
        "labels_compared": len(found),
    }
