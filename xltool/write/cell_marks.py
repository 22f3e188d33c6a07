"""Findings placed on the cells of a scored form: where each lands, its comment, and the cell restyled."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from xltool.model.records import Anchor, Finding
from xltool.write.canvas import Placement, anchor_key
from xltool.write.looks import BODY_FONT, CellStyle, wide_characters
from xltool.write.review import SEVERITY_NAMES

TITLE_STYLE = CellStyle("title")
EXTRA_STYLE = CellStyle("input", "text", align="center")  # a value of a column the department added
TITLE_CELL = (0, 0)  # render_form draws every form's title across row 1 from A1
COMMENT_AUTHOR = "xltool"
COMMENT_FONT_SIZE = 9
COMMENT_CHAR_PX = 12.5  # a CJK character of 宋体 9 in pixels; other characters count half
COMMENT_LINE_PX = 15
COMMENT_MAX_PX = 380
COMMENT_SIZE = (128, 74)  # xlsxwriter's default comment box, the unit of x_scale / y_scale


def place_finding(
    placement: Placement, extras: Mapping[Anchor, str], anchor: Anchor
) -> tuple[str, CellStyle | None]:
    """The output cell of a finding's anchor and its style; the title cell when it has no place."""
    key = anchor_key(anchor)
    if key in extras:
        return extras[key], EXTRA_STYLE
    cell = placement.cells.get(key)
    if cell is None:
        return xl_rowcol_to_cell(*TITLE_CELL), TITLE_STYLE
    return cell, placement.styles.get(key)


def finding_comment(findings: Sequence[Finding]) -> tuple[str, dict[str, object]]:
    """One line per finding, worst first, and comment options sizing the box to the text."""
    lines = [
        f"【{SEVERITY_NAMES[f.severity]}·{f.rule_name or f.rule}】{f.message}（规则 {f.rule}）"
        for f in findings
    ]
    widths = [_text_px(line) for line in lines]
    width = min(max(widths), COMMENT_MAX_PX) + 16
    rows = sum(max(1, math.ceil(w / (width - 16))) for w in widths)
    height = rows * COMMENT_LINE_PX + 20
    options: dict[str, object] = {
        "author": COMMENT_AUTHOR,
        "font_name": BODY_FONT,
        "font_size": COMMENT_FONT_SIZE,
        "x_scale": round(width / COMMENT_SIZE[0], 3),
        "y_scale": round(height / COMMENT_SIZE[1], 3),
    }
    return "\n".join(lines), options


def _text_px(text: str) -> float:
    """Rough pixel width of a comment line."""
    wide = wide_characters(text)
    return wide * COMMENT_CHAR_PX + (len(text) - wide) * COMMENT_CHAR_PX / 2


def restyle(ws: Worksheet, row: int, col: int, fmt: Format) -> None:
    """Give a written cell (and the rest of its merged range) another format, keeping its value."""
    # xlsxwriter has no call to restyle a cell; its cell records are named tuples with a format field.
    last_row, last_col = row, col
    for first_r, first_c, end_r, end_c in ws.merge:
        if (first_r, first_c) == (row, col):
            last_row, last_col = end_r, end_c
            break
    for r in range(row, last_row + 1):
        cells = ws.table[r]
        for c in range(col, last_col + 1):
            cell = cells.get(c)
            if cell is None:
                ws.write_blank(r, c, None, fmt)
            else:
                cells[c] = cell._replace(format=fmt)
