"""The look every sheet of 审核汇总.xlsx shares: heading rows, table header, row heights, print setup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from xltool.version import __version__
from xltool.write.looks import PAGE_FOOTER, wrapped_lines

TITLE = "预算绩效自评审核汇总"
HEADER_ROW = 3  # 0-based: title, facts, a blank row, then each table's header
LINE_HEIGHT = 13.5  # points per line of 10 pt text
ROW_PADDING = 4.5  # so that a one-line row is 18 pt on every sheet
WRAP_MARGIN = 2.0  # column units a wrapped text does not fill (LibreOffice sets CJK a little wider)


@dataclass(frozen=True)
class SummaryHead:
    """What every sheet opens with: the day of the review, the rule profile and its Chinese name."""

    profile: str = ""
    profile_title: str = ""
    day: date | None = None
    execution_floor: float | None = None  # the profile's low-execution threshold (the charts' line)
    grades: tuple[tuple[float, str], ...] = ()  # (floor, name), best first, as the profile gives them

    def facts(self) -> str:
        """审核日期, 评分规则 (its Chinese name, then its name) and the xltool version, on one line."""
        parts = []
        if self.day is not None:
            parts.append(f"审核日期：{self.day.year}年{self.day.month}月{self.day.day}日")
        if self.profile:
            named = f"{self.profile_title}（{self.profile}）" if self.profile_title else self.profile
            parts.append(f"评分规则：{named}")
        parts.append(f"xltool 版本：{__version__}")
        return "　　".join(parts)


class Formats:
    """The summary's cell formats (宋体 10 pt, as the forms)."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.header = wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "align": "center"}
        )
        self.text = wb.add_format(base)
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.amount = wb.add_format({**base, "num_format": "#,##0.00"})
        self.rate = wb.add_format({**base, "num_format": "0.00%"})
        self.score = wb.add_format({**base, "num_format": "0.00"})
        self.int = wb.add_format({**base, "num_format": "0"})
        self.link = wb.add_format({**base, "font_color": "#0563C1", "underline": 1})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.facts = wb.add_format({**base, "font_color": "#404040"})
        self.subtitle = wb.add_format({**base, "bold": True, "font_size": 11})
        self.note = wb.add_format({**base, "font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.error = wb.add_format({**base, "bg_color": "#F8CBAD"})
        self.warning = wb.add_format({**base, "bg_color": "#FFE699"})
        self.info = wb.add_format({**base, "bg_color": "#DDEBF7"})


def row_height(lines: int) -> float:
    """The height of a row holding ``lines`` lines of text (the same step on every sheet)."""
    return ROW_PADDING + LINE_HEIGHT * max(lines, 1)


def fitted_height(texts: Sequence[tuple[object, float]]) -> float:
    """The height of a row whose wrapped texts (text, column width) must show whole."""
    lines = max(
        (wrapped_lines(str(t), w, WRAP_MARGIN) for t, w in texts if isinstance(t, str) and t), default=1
    )
    return row_height(lines)


def head(ws: Any, fmt: Formats, sheet_title: str, summary: SummaryHead) -> None:
    """The title row and the facts row (date, profile, version) above a sheet's content."""
    ws.set_row(0, 24)
    ws.write_string(0, 0, f"{TITLE} · {sheet_title}", fmt.title)
    ws.set_row(1, row_height(1))
    ws.write_string(1, 0, summary.facts(), fmt.facts)


def table(
    ws: Any,
    fmt: Formats,
    sheet_title: str,
    summary: SummaryHead,
    headers: Sequence[tuple[str, float]],
    rows: int,
) -> None:
    """Heading rows, then the header row, widths, frozen header and an autofilter over the data."""
    head(ws, fmt, sheet_title, summary)
    for col, (_, width) in enumerate(headers):
        ws.set_column(col, col, width)
    lines = max(wrapped_lines(name, width, 0.0) for name, width in headers)
    ws.set_row(HEADER_ROW, row_height(max(lines, 2)))
    for col, (name, _) in enumerate(headers):
        ws.write_string(HEADER_ROW, col, name, fmt.header)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW + max(rows, 1), len(headers) - 1)
    print_setup(ws)
    ws.repeat_rows(HEADER_ROW)


def print_setup(ws: Any) -> None:
    """A4 landscape, one page wide, page numbers in the footer, as a reviewer prints it."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(PAGE_FOOTER)
