"""The blank templates: the three forms rendered without content, and the 填表说明 sheet of 附件3.

`write_templates` writes them for `xltool templates` and for the committed copies under templates/
(scripts/make_templates.py); `new_workbook` opens one in the forms' body font with a fixed creation date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltool.forms.blocks import FormLayout
from xltool.forms.indicator_table import LEVEL1
from xltool.forms.layouts import BUDGET_WEIGHT, FORMS, FormKind
from xltool.model.rounding import fmt_num
from xltool.write.atomic import atomic_path
from xltool.write.looks import (
    BODY_FONT,
    CREATED,
    END_MARGIN,
    INSTRUCTIONS_WIDTH,
    LINE_HEIGHT,
    NOTE,
    TITLE,
    TITLE_HEIGHT,
    Styles,
    wrapped_lines,
)
from xltool.write.render import render_form

SHEET_NAMES: dict[FormKind, str] = {"basic_data": "附件1", "department": "附件2", "project": "项目1"}
INSTRUCTIONS_SHEET = "填表说明"
# The form's own 分值 (the profile mof2020's): budget line, then the 一级指标 of the indicator table.
FORM_WEIGHTS: dict[str, float] = {
    "budget": BUDGET_WEIGHT,
    **{level1.key: level1.weight for level1 in LEVEL1},
}


def project_instructions(weights: Mapping[str, float] | None = None) -> tuple[str, ...]:
    """The 填表说明 of 附件3, its 分值 those of ``weights`` (a profile's), else the form's own."""
    w = {key: fmt_num(value) for key, value in {**FORM_WEIGHTS, **(weights or {})}.items()}
    return (
        "1、一个项目一张表：每个项目支出填写一张工作表，可复制“项目1”工作表并以项目名称重命名。",
        "2、金额单位为万元，保留两位小数；年度资金总额等于当年财政拨款、上年结转资金与其他资金之和。",
        "3、执行率＝全年执行数÷全年预算数（不是年初预算数）。",
        f"4、预算执行得分＝执行率×{w['budget']}分，执行率超过100%的按100%计，最高{w['budget']}分；"
        "总分＝预算执行得分＋各三级指标得分。",
        f"5、产出指标{w['output']}分、效益指标{w['benefit']}分、满意度指标{w['satisfaction']}分；"
        "各三级指标分值之和等于所属一级指标的分值。",
        "6、年度指标值写明比较符号、数值和计量单位，如“≥50个”“≤90万元”“=100%”；定性指标写“达成年度指标”等。",
        "7、实际完成值与年度指标值使用相同的计量单位；未完成或超额完成较多的，在“偏差原因分析及改进措施”中说明。",
        "8、浅黄色单元格为填报项，浅灰色单元格由公式自动计算，请勿覆盖；指标行不够时可在表内插入行。",
    )


PROJECT_INSTRUCTIONS = project_instructions()


def new_workbook(path: Path | str) -> Workbook:
    """An xlsxwriter workbook in the forms' body font, with a fixed creation date."""
    workbook = xlsxwriter.Workbook(
        str(path), {"default_format_properties": {"font_name": BODY_FONT, "font_size": 11}}
    )
    workbook.set_properties({"created": CREATED})
    return workbook


def write_template(
    path: Path, layout: FormLayout, *, year: int | None, weights: Mapping[str, float] | None = None
) -> None:
    """Write the blank template workbook of one form (atomically); ``weights``: a profile's 分值."""
    weights = weights or {}
    with atomic_path(path) as tmp:
        workbook = new_workbook(tmp)
        styles = Styles(workbook)
        worksheet = workbook.add_worksheet(SHEET_NAMES[layout.kind])
        render_form(
            workbook,
            worksheet,
            layout,
            year=year,
            styles=styles,
            budget_weight=weights.get("budget"),
            level1_weights={k: v for k, v in weights.items() if k != "budget"},
        )
        if layout.kind == "project":
            write_instructions(workbook, styles, project_instructions(weights))
        workbook.close()


def write_instructions(workbook: Workbook, styles: Styles, lines: Sequence[str]) -> Worksheet:
    """A 填表说明 sheet: a heading and numbered lines (not a form; readers skip it by name)."""
    ws = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    ws.hide_gridlines(2)
    ws.set_column(0, 0, INSTRUCTIONS_WIDTH)
    ws.write_string(0, 0, INSTRUCTIONS_SHEET, styles.get(TITLE))
    ws.set_row(0, TITLE_HEIGHT)
    for i, line in enumerate(lines, 1):
        ws.write_string(i, 0, line, styles.get(NOTE))
        ws.set_row(i, wrapped_lines(line, INSTRUCTIONS_WIDTH) * LINE_HEIGHT + 8)
    ws.set_paper(9)
    ws.set_margins(left=0.75, right=0.75, top=END_MARGIN, bottom=END_MARGIN)
    ws.fit_to_pages(1, 0)
    return ws


def write_templates(
    folder: Path,
    *,
    year: int | None,
    names: Mapping[FormKind, str] | None = None,
    weights: Mapping[str, float] | None = None,
) -> list[Path]:
    """Write the three templates into `folder`, named by `names` or the layouts' file names, with the
    分值 of ``weights`` (a profile's) where given."""
    paths = []
    for kind, layout in FORMS.items():
        path = folder / (names or {}).get(kind, layout.file_name)
        write_template(path, layout, year=year, weights=weights)
        paths.append(path)
    return paths


__all__ = [
    "INSTRUCTIONS_SHEET",
    "SHEET_NAMES",
    "new_workbook",
    "project_instructions",
    "write_instructions",
    "write_template",
    "write_templates",
]
