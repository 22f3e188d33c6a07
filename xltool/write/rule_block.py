"""The 按规则计算 block beside a scored 附件2 / 附件3, and the indicator columns a department added."""

from __future__ import annotations

import math

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import FormLayout
from xltool.model.records import Anchor, FormSheet
from xltool.model.rounding import fmt_num
from xltool.rules.scorecard import IndicatorScore, SheetScore, basis, over_claimed
from xltool.write.canvas import Placement, rowcol
from xltool.write.cell_marks import EXTRA_STYLE
from xltool.write.looks import CellStyle, Styles, display_units
from xltool.write.scored_looks import Looks

GAP_WIDTH = 1.5
BLOCK_WIDTHS = (10.0, 26.0)  # 规则得分, 计分依据
EXTRA_MIN_WIDTH = 8.0


def placed_row(placement: Placement, anchor: Anchor) -> int | None:
    """The 0-based row of an anchor's cell, if placed."""
    a1 = placement.at(anchor)
    return None if a1 is None else rowcol(a1)[0]


def write_rule_block(
    ws: Worksheet,
    looks: Looks,
    placement: Placement,
    sheet: FormSheet,
    score: SheetScore | None,
    widths: list[float],
    profile_name: str,
) -> None:
    """The 按规则计算 columns beside 附件2 / 附件3 (after a narrow gap); their widths join `widths`."""
    c0 = len(widths) + 1
    for c, width in enumerate((GAP_WIDTH, *BLOCK_WIDTHS), start=len(widths)):
        ws.set_column(c, c, width)
        widths.append(width)
    budget_row = placed_row(placement, ("figure", "budget", "total", "initial"))
    first_indicator = placed_row(placement, ("indicator", "0", "name"))
    total_row = placed_row(placement, ("total", "score"))
    head = looks.block_header()
    if budget_row is not None:
        ws.merge_range(budget_row - 2, c0, budget_row - 2, c0 + 1, "", head)
        ws.write_string(budget_row - 2, c0, f"按规则计算（{profile_name}口径）", head)
        ws.write_string(budget_row - 1, c0, "规则得分", head)
        ws.write_string(budget_row - 1, c0 + 1, "规则执行率", head)
        _budget_values(ws, looks, budget_row, c0, score)
    if first_indicator is not None:
        ws.write_string(first_indicator - 1, c0, "规则得分", head)
        ws.write_string(first_indicator - 1, c0 + 1, "计分依据", head)
        indicators = score.indicators if score else {}
        rows = [row.index for row in sheet.indicators]
        i = 0
        while (
            r := placed_row(placement, ("indicator", str(i), "name"))
        ) is not None:  # blank template rows too
            _indicator_values(ws, looks, r, c0, indicators.get(rows[i]) if i < len(rows) else None)
            i += 1
    if total_row is not None:
        _total_values(ws, looks, total_row, c0, score)


def _budget_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """规则得分 and 规则执行率 on the 年度资金总额 row."""
    if score is None:
        return
    ws.write_number(
        r, c0, score.score, looks.block_value("0.00", over=over_claimed(score.stated_score, score.score))
    )
    if math.isnan(score.rate):
        ws.write_string(r, c0 + 1, "全年预算数为空或0，无法计算", looks.block_value("", text=True))
    else:
        ws.write_number(r, c0 + 1, score.rate, looks.block_value("0.00%"))


def _indicator_values(ws: Worksheet, looks: Looks, r: int, c0: int, item: IndicatorScore | None) -> None:
    """规则得分 and 计分依据 of one indicator row (cells written by xlsxwriter's undecorated methods)."""
    text = looks.block_value("", text=True)
    if item is None:
        ws._write_blank(r, c0, None, looks.block_value("0.00"))
        ws._write_blank(r, c0 + 1, None, text)
        return
    if math.isnan(item.score):
        ws._write_blank(r, c0, None, looks.block_value("0.00"))
    else:
        ws._write_number(
            r, c0, item.score, looks.block_value("0.00", over=over_claimed(item.self_score, item.score))
        )
    ws._write_string(r, c0 + 1, basis(item), text)


def _total_values(ws: Worksheet, looks: Looks, r: int, c0: int, score: SheetScore | None) -> None:
    """The rule 总分 and its grade on the 总分 row."""
    if score is None:
        return
    ws.write_number(
        r, c0, score.total, looks.block_value("0.00", over=over_claimed(score.self_total, score.total))
    )
    notes = [f"等级：{score.grade}"]
    if score.na_weight > 0:
        notes.append(f"剔除不适用{fmt_num(score.na_weight)}分后折算")
    if score.deduction > 0:
        notes.append(f"超目标扣{fmt_num(score.deduction)}分")
    if score.capped:
        notes.append(f"按执行率封顶{fmt_num(score.cap)}分")
    ws.write_string(r, c0 + 1, "；".join(notes), looks.block_value("", text=True))


def write_extra_columns(
    ws: Worksheet,
    styles: Styles,
    layout: FormLayout,
    placement: Placement,
    sheet: FormSheet,
    widths: list[float],
    extras: dict[Anchor, str],
) -> None:
    """The department's own indicator columns (指标性质 …) right of the block; their widths join `widths`."""
    first = placed_row(placement, ("indicator", "0", "name"))
    if not sheet.extra_columns or first is None or layout.indicators is None:
        return
    table = layout.indicators
    value_style = styles.get(EXTRA_STYLE)
    for header in sheet.extra_columns:
        c = len(widths)
        key = next((col.key for col in table.extra_columns if col.term.matches(header)), header)
        ws.write_string(first - 1, c, header, styles.get(CellStyle("header")))
        longest = display_units(header)
        for i, row in enumerate(sheet.indicators):
            r = placed_row(placement, ("indicator", str(i), "name"))
            if r is None:
                continue
            value = dict(row.extras).get(header, "")
            if value:
                ws.write_string(r, c, value, value_style)
            else:
                ws.write_blank(r, c, None, value_style)
            extras[("indicator", str(i), key)] = xl_rowcol_to_cell(r, c)
            longest = max(longest, display_units(value))
        widths.append(max(EXTRA_MIN_WIDTH, min(longest + 2, 30)))
        ws.set_column(c, c, widths[-1])
