"""The 图表 sheet of 审核汇总.xlsx: the four charts a reviewer reads (native xlsxwriter charts).

Ranking by rule score with the self-score beside it, the self-minus-rule gap, the execution rate
against the profile's line, and the grade distribution. Their figures go to a hidden sheet
(图表数据), sorted as each chart shows them; with many departments a chart shows the fifty that
need a look (lowest score, widest gap, lowest rate) and says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from xltool.model.names import natural_key
from xltool.write.summary_looks import Formats, SummaryHead, head, print_setup

MAX_BARS = 50  # a chart shows at most this many departments (a province's batch stays readable)
DATA_SHEET = "图表数据"
RULE_COLOR, SELF_COLOR = "#2E75B6", "#F4B183"
OVER_COLOR, UNDER_COLOR = "#C00000", "#70AD47"
LINE_COLOR = "#C00000"
FONT = {"name": "宋体", "size": 9}
UNSCORED = "未评分"
ROW_PIXELS = 20  # a default row (15 pt)


@dataclass(frozen=True)
class DepartmentPoint:
    """One department as the charts see it."""

    name: str
    score: float | None
    self_score: float | None
    rate: float | None
    grade: str | None


@dataclass
class ChartData:
    """The departments' figures, gathered while 部门汇总 is written (a few numbers each)."""

    points: list[DepartmentPoint] = field(default_factory=list)

    def add(
        self, name: str, score: float | None, self_score: float | None, rate: float | None, grade: str | None
    ) -> None:
        """Keep one department's figures."""
        self.points.append(DepartmentPoint(name, score, self_score, rate, grade))


@dataclass(frozen=True)
class _Table:
    """One chart's figures on the data sheet: first column, rows, and the note on what it shows."""

    column: int
    rows: list[tuple[object, ...]]
    note: str


def _order(p: DepartmentPoint) -> list[object]:
    return [natural_key(p.name), p.name]


def _tables(data: ChartData, head_: SummaryHead) -> list[_Table]:
    """The four charts' rows, each sorted as its chart shows them."""
    points = data.points
    total = len(points)
    scored = [p for p in points if p.score is not None]
    lowest = sorted(scored, key=lambda p: (p.score, _order(p)))[:MAX_BARS]
    # A bar chart draws its first row at the bottom: rows are reversed so the chart reads top-down.
    ranking = sorted(lowest, key=lambda p: (-(p.score or 0), _order(p)))[::-1]
    both = [p for p in scored if p.self_score is not None]
    gaps = sorted(both, key=lambda p: (-round((p.self_score or 0) - (p.score or 0), 2), _order(p)))[
        :MAX_BARS
    ][::-1]
    with_rate = [p for p in points if p.rate is not None]
    rated = sorted(with_rate, key=lambda p: (p.rate, _order(p)))[:MAX_BARS]
    floor = head_.execution_floor if head_.execution_floor is not None else 0.9
    grade_names = [name for _, name in head_.grades] or sorted({p.grade for p in scored if p.grade})
    counted = Counter(p.grade if p.score is not None and p.grade else UNSCORED for p in points)
    grades = [(_band(head_.grades, name), counted[name]) for name in grade_names]
    if counted[UNSCORED]:
        grades.append((UNSCORED, counted[UNSCORED]))
    few = f"（共{total}个部门，列出{{}}的{MAX_BARS}个；全部数据见“部门汇总”）"
    return [
        _Table(
            0,
            [(p.name, p.score, p.self_score) for p in ranking],
            "按规则总分从高到低排列；蓝色为按规则计算的总分，橙色为部门自评总分。"
            + (few.format("规则总分最低") if len(scored) > MAX_BARS else ""),
        ),
        _Table(
            4,
            [(p.name, round((p.self_score or 0) - (p.score or 0), 2)) for p in gaps],
            "自评总分减规则总分：红色为自评高于规则（需核减），绿色为自评低于规则。"
            + (few.format("自评高出最多") if len(both) > MAX_BARS else ""),
        ),
        _Table(
            7,
            [(p.name, p.rate, floor) for p in rated],
            f"按执行率从低到高排列；红线为评分规则要求的{floor:.0%}，低于此线的部门应在自评报告中说明原因。"
            + (few.format("执行率最低") if len(with_rate) > MAX_BARS else ""),
        ),
        _Table(
            11,
            list(grades),
            "按规则总分所定等级的部门数。"
            + ("“未评分”为没有部门整体支出绩效自评表（附件2）的部门。" if counted[UNSCORED] else ""),
        ),
    ]


def _band(grades: Sequence[tuple[float, str]], name: str) -> str:
    """A grade with its band of rule scores: 优（90分及以上）, 良（80–90分）, 差（60分以下）."""
    floors = [floor for floor, _ in grades]
    for i, (floor, grade) in enumerate(grades):
        if grade != name:
            continue
        if i == 0:
            return f"{grade}（{floor:g}分及以上）"
        upper = floors[i - 1]
        return f"{grade}（{upper:g}分以下）" if floor <= 0 else f"{grade}（{floor:g}–{upper:g}分）"
    return name


def _write_data(wb: Any, fmt: Formats, tables: Sequence[_Table]) -> None:
    """The charts' figures on a hidden sheet, row by row (the workbook streams its rows)."""
    ws = wb.add_worksheet(DATA_SHEET)
    ws.hide()
    heads = {
        0: ("部门", "规则总分", "自评总分"),
        4: ("部门", "自评−规则"),
        7: ("部门", "执行率", "要求"),
        11: ("等级", "部门数"),
    }
    for column, names in heads.items():
        for c, name in enumerate(names):
            ws.write_string(0, column + c, name, fmt.text)
    for r in range(max(len(t.rows) for t in tables)):
        for t in tables:
            if r < len(t.rows):
                for c, value in enumerate(t.rows[r]):
                    if isinstance(value, int | float):
                        ws.write_number(r + 1, t.column + c, value)
                    elif value is not None:
                        ws.write_string(r + 1, t.column + c, str(value))


def _fitted(values: Sequence[float], step: float, low: float, high: float) -> tuple[float, float]:
    """Axis bounds a little beyond the values, on ``step``, within [low, high]."""
    lo = max(low, math.floor((min(values) - step / 2) / step) * step)
    hi = min(high, math.ceil((max(values) + step / 2) / step) * step)
    return (lo, hi) if hi > lo else (lo, lo + step)


def _axis(title: str, **more: Any) -> dict[str, Any]:
    return {"name": title, "name_font": {**FONT, "bold": False}, "num_font": FONT, **more}


def _series(table: _Table, column: int, name: str, **more: Any) -> dict[str, Any]:
    n = len(table.rows)
    return {
        "name": name,
        "categories": [DATA_SHEET, 1, table.column, n, table.column],
        "values": [DATA_SHEET, 1, table.column + column, n, table.column + column],
        **more,
    }


def _labels(n: int, num_format: str) -> dict[str, Any]:
    """Values printed on the bars while they are few enough to read."""
    return (
        {"data_labels": {"value": True, "num_format": num_format, "font": {**FONT, "size": 8}}}
        if n <= 25
        else {}
    )


def _ranking(wb: Any, table: _Table) -> Any:
    n = len(table.rows)
    chart = wb.add_chart({"type": "bar"})
    # Within a department the last series is drawn on top, and the legend lists it first.
    chart.add_series(_series(table, 2, "自评总分", fill={"color": SELF_COLOR}, gap=50, **_labels(n, "0.00")))
    chart.add_series(_series(table, 1, "规则总分", fill={"color": RULE_COLOR}, **_labels(n, "0.00")))
    values = [float(v) for row in table.rows for v in row[1:] if isinstance(v, int | float)]
    lo, hi = _fitted(values, 5, 0, 100)
    chart.set_x_axis(_axis("得分（分）", min=lo, max=hi, major_gridlines={"visible": True}, num_format="0"))
    chart.set_y_axis(_axis("部门"))
    chart.set_title({"name": "规则总分排名（自评总分并列）", "name_font": {**FONT, "size": 12}})
    chart.set_legend({"position": "top", "font": FONT})
    chart.set_size({"width": 760, "height": 110 + 30 * n})
    return chart


def _gap(wb: Any, table: _Table) -> Any:
    n = len(table.rows)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series(
        _series(
            table, 1, "自评−规则", fill={"color": OVER_COLOR}, invert_if_negative=True,
            invert_if_negative_color=UNDER_COLOR, gap=60, **_labels(n, "+0.00;-0.00;0"),
        )
    )  # fmt: skip
    values = [float(row[1]) for row in table.rows if isinstance(row[1], int | float)]
    lo = 0.0 if min(values) >= 0 else _fitted(values, 1, -100, 100)[0]
    hi = 0.0 if max(values) <= 0 else _fitted(values, 1, -100, 100)[1]
    hi = hi if hi > lo else lo + 1
    chart.set_x_axis(
        _axis("差异（分）：正数为自评高于规则", min=lo, max=hi, major_gridlines={"visible": True})
    )
    chart.set_y_axis(_axis("部门", label_position="low"))
    chart.set_title({"name": "自评总分与规则总分之差", "name_font": {**FONT, "size": 12}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 760, "height": 100 + 22 * n})
    return chart


def _execution(wb: Any, table: _Table) -> Any:
    n = len(table.rows)
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        _series(table, 1, "预算执行率", fill={"color": RULE_COLOR}, gap=60, **_labels(n, "0.0%"))
    )
    floor = float(table.rows[0][2])  # type: ignore[arg-type]
    line = wb.add_chart({"type": "line"})
    line.add_series(
        _series(
            table, 2, f"要求（{floor:.0%}）", line={"color": LINE_COLOR, "dash_type": "dash", "width": 1.5}
        )
    )
    chart.combine(line)
    values = [float(row[1]) for row in table.rows if isinstance(row[1], int | float)] + [floor]
    lo, hi = _fitted(values, 0.05, 0, max(1.0, max(values) + 0.05))
    chart.set_y_axis(_axis("预算执行率", min=lo, max=hi, num_format="0%", major_gridlines={"visible": True}))
    chart.set_x_axis(_axis("部门（按执行率从低到高）", num_font={**FONT, "rotation": -45 if n > 8 else 0}))
    chart.set_title({"name": "各部门预算执行率", "name_font": {**FONT, "size": 12}})
    chart.set_legend({"position": "top", "font": FONT})
    chart.set_size({"width": max(560, min(120 + 34 * n, 1800)), "height": 420})
    return chart


def _grades(wb: Any, table: _Table) -> Any:
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        _series(table, 1, "部门数", fill={"color": RULE_COLOR}, gap=80, **_labels(len(table.rows), "0"))
    )
    top = max((int(row[1]) for row in table.rows if isinstance(row[1], int)), default=1)
    unit = max(1, math.ceil(top / 8))
    chart.set_y_axis(
        _axis(
            "部门数（个）",
            min=0,
            max=unit * (top // unit + 1),
            major_unit=unit,
            major_gridlines={"visible": True},
        )
    )
    chart.set_x_axis(_axis("等级（按规则总分）"))
    chart.set_title({"name": "等级分布", "name_font": {**FONT, "size": 12}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": 340})
    return chart


def charts(wb: Any, fmt: Formats, head_: SummaryHead, data: ChartData) -> None:
    """The 图表 sheet (and its hidden data sheet): each chart under a line saying what it shows."""
    ws = wb.add_worksheet("图表")
    print_setup(ws)
    head(ws, fmt, "图表", head_)
    scored = [p for p in data.points if p.score is not None]
    if len(scored) < 2:
        shown = "本次没有可评分的部门" if not scored else f"本次只有一个部门（{scored[0].name}）有规则总分"
        ws.write_string(
            3,
            0,
            f"{shown}：排名、差异、执行率和等级分布图要有两个以上部门才有意义，未绘制；分数见“部门汇总”。",
            fmt.text,
        )
        return
    tables = _tables(data, head_)
    _write_data(wb, fmt, tables)
    row, breaks = 3, []
    for table, draw in zip(tables, (_ranking, _gap, _execution, _grades), strict=True):
        if not table.rows:
            continue
        if row > 3:
            breaks.append(row)
        chart = draw(wb, table)
        ws.write_string(row, 0, table.note, fmt.text)
        ws.insert_chart(row + 1, 0, chart, {"x_offset": 4, "y_offset": 4})
        row += 3 + math.ceil(chart.height / ROW_PIXELS)
    ws.set_h_pagebreaks(breaks)
