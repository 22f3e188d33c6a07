"""The summary workbook at OUT's root: departments, projects, findings, inputs and charts (xlsxwriter)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from xltool.forms.layouts import FORM_NAMES
from xltool.forms.report_terms import REPORT_KIND_NAME
from xltool.rules.catalogue import SEVERITY_NAMES
from xltool.write.atomic import write_bytes_atomic
from xltool.write.looks import wrapped_lines
from xltool.write.review import RATE_FIGURES

SUMMARY_NAME = "审核汇总.xlsx"
STATUS_NAMES = {"ok": "已读取", "skipped": "已跳过", "error": "无法读取", "superseded": "已被替代"}
FINDING_STATUS = {"open": "未处理", "explained": "已说明"}
ROUND_NAMES = {"new": "新发现", "persisting": "仍存在", "resolved": "已整改"}
KIND_NAMES = {**FORM_NAMES, "report": REPORT_KIND_NAME}  # one table of form names (forms/layouts.py)
# Excel keeps at most 65,530 hyperlinks per worksheet; past that, locations are written as text. A link
# longer than Excel allows (a very deep path) is written as text too; a tip is shortened from the left.
MAX_URL, MAX_TIP = 2079, 255
MAX_LINKS = 65_000


class _Formats:
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
        self.error = wb.add_format({**base, "bg_color": "#F8CBAD"})
        self.warning = wb.add_format({**base, "bg_color": "#FFE699"})
        self.info = wb.add_format({**base, "bg_color": "#DDEBF7"})


def _table(ws: Any, fmt: _Formats, headers: Sequence[tuple[str, float]], rows: int) -> None:
    """Header row, widths, frozen header and an autofilter over the data."""
    for col, (name, width) in enumerate(headers):
        ws.write_string(0, col, name, fmt.header)
        ws.set_column(col, col, width)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(rows, 1), len(headers) - 1)
    _print_setup(ws)
    ws.repeat_rows(0)


def _print_setup(ws: Any) -> None:
    """A4 landscape, one page wide, as a reviewer prints it."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _put(ws: Any, row: int, col: int, value: object, cell_format: Any) -> None:
    """Numbers as numbers, everything else as text (never as a formula)."""
    if value is None:
        ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", cell_format)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, cell_format)
    else:
        ws.write_string(row, col, str(value), cell_format)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 2)


def _departments(wb: Any, fmt: _Formats, depts: Iterable[dict[str, Any]], n: int) -> None:
    ws = wb.add_worksheet("部门汇总")
    headers = [
        ("部门", 28), ("年度", 7), ("规则总分", 9), ("自评总分", 9), ("差异（自评−规则）", 10), ("等级", 6),
        ("执行率", 9), ("年初预算数（万元）", 14), ("全年预算数（万元）", 14), ("全年执行数（万元）", 14),
        ("错误", 6), ("警告", 6), ("提示", 6), ("项目数", 7), ("附件2文件", 40),
        ("未处理", 7), ("已说明", 7), ("已接受", 7), ("上年规则总分", 9), ("较上年", 8),
    ]  # fmt: skip
    _table(ws, fmt, headers, n)
    for r, d in enumerate(depts, start=1):
        counts = d.get("findings") or {}
        table = d.get("department_table") or {}
        budget = table.get("budget") or {}
        values = [
            (d["name"], fmt.text), (d.get("year"), fmt.int), (table.get("score"), fmt.score),
            (table.get("self_score"), fmt.score),
            (_diff(table.get("self_score"), table.get("score")), fmt.score),
            (table.get("grade"), fmt.text), (budget.get("execution_rate"), fmt.rate),
            (budget.get("initial"), fmt.amount), (budget.get("full_year"), fmt.amount),
            (budget.get("executed"), fmt.amount), (counts.get("error", 0), fmt.int),
            (counts.get("warning", 0), fmt.int), (counts.get("info", 0), fmt.int),
            (len(d["projects"]), fmt.int), (table.get("file"), fmt.text),
            *_follow_up(d, fmt), *_last_year(table, fmt),
        ]  # fmt: skip
        for c, (value, cell_format) in enumerate(values):
            _put(ws, r, c, value, cell_format)
    ws.conditional_format(
        1, 10, max(n, 1), 10, {"type": "cell", "criteria": ">", "value": 0, "format": fmt.error}
    )


def _projects(wb: Any, fmt: _Formats, departments: Iterable[dict[str, Any]], n: int) -> None:
    ws = wb.add_worksheet("项目汇总")
    headers = [
        ("部门", 24), ("项目", 30), ("规则总分", 9), ("自评总分", 9), ("差异（自评−规则）", 10), ("等级", 6),
        ("执行率", 9), ("预算执行得分", 9), ("年初预算数（万元）", 14), ("全年预算数（万元）", 14),
        ("全年执行数（万元）", 14), ("错误", 6), ("警告", 6), ("提示", 6), ("文件", 36), ("工作表", 18),
        ("上年规则总分", 9), ("较上年", 8),
    ]  # fmt: skip
    rows = ((d["name"], p) for d in departments for p in d["projects"])
    _table(ws, fmt, headers, n)
    for r, (dept, p) in enumerate(rows, start=1):
        b = p.get("budget") or {}
        counts = p.get("findings") or {}
        values = [
            (dept, fmt.text), (p["name"], fmt.text), (p.get("score"), fmt.score),
            (p.get("self_score"), fmt.score),
            (_diff(p.get("self_score"), p.get("score")), fmt.score), (p.get("grade"), fmt.text),
            (b.get("execution_rate"), fmt.rate), (b.get("score"), fmt.score), (b.get("initial"), fmt.amount),
            (b.get("full_year"), fmt.amount), (b.get("executed"), fmt.amount),
            (counts.get("error", 0), fmt.int), (counts.get("warning", 0), fmt.int),
            (counts.get("info", 0), fmt.int), (p["file"], fmt.text), (p["sheet"], fmt.text),
            *_last_year(p, fmt),
        ]  # fmt: skip
        for c, (value, cell_format) in enumerate(values):
            _put(ws, r, c, value, cell_format)


def _findings(wb: Any, fmt: _Formats, findings: Iterable[dict[str, Any]], total: int) -> None:
    ws = wb.add_worksheet("问题清单")
    headers = [
        ("级别", 6), ("规则名称", 14), ("部门", 22), ("文件", 34), ("工作表", 16), ("单元格", 7),
        ("问题说明", 70), ("应为", 12), ("阈值/标准", 12), ("填报值", 12), ("依据", 30), ("规则编号", 22),
        ("打开评分表", 12), ("处理状态", 8), ("本轮", 8), ("情况说明", 40), ("审核意见", 8),
    ]  # fmt: skip
    _table(ws, fmt, headers, total)
    severity_format = {"error": fmt.error, "warning": fmt.warning, "info": fmt.info}
    for r, f in enumerate(findings, start=1):
        _put(ws, r, 0, SEVERITY_NAMES[f["severity"]], severity_format[f["severity"]])
        for c, key in enumerate(("rule_name", "department", "file", "sheet", "cell"), start=1):
            _put(ws, r, c, f.get(key), fmt.text)
        if f.get("paragraph") is not None:  # a written report's sentence: where it stands in the text
            _put(ws, r, 4, f"第{f['paragraph']}段", fmt.text)
        _put(ws, r, 6, f["message"], fmt.wrap)
        lines = max(wrapped_lines(f["message"], 70, 0.0), wrapped_lines(f.get("basis") or "", 30, 0.0))
        ws.set_row(r, 14 * lines)
        figures = fmt.rate if f["rule"] in RATE_FIGURES else fmt.score
        for c, key in enumerate(("expected", "threshold", "actual"), start=7):
            _put(ws, r, c, f.get(key), figures)
        _put(ws, r, 10, f.get("basis"), fmt.wrap)
        _put(ws, r, 11, f["rule"], fmt.text)
        scored = f.get("scored")
        if scored and "paragraph" in scored:  # a written report's sentence: its annotated copy
            scored = {**scored, "sheet": "", "cell": f"第{scored['paragraph']}段"}
        target = _link(scored["file"], scored["sheet"], scored["cell"]) if scored else ""
        place = (
            f"{scored['sheet']}!{scored['cell']}"
            if scored and scored["sheet"]
            else (scored or {}).get("cell")
        )
        where = f"{scored['file']} › {place}" if scored else ""
        if scored and r <= MAX_LINKS and _utf16_len(target) <= MAX_URL:
            ws.write_url(r, 12, target, fmt.link, string="打开", tip=_tail(where, MAX_TIP))
        elif scored:
            _put(ws, r, 12, where, fmt.text)
        status = "已接受" if f.get("review") == "接受" else FINDING_STATUS.get(f.get("status") or "open")
        _put(ws, r, 13, status, fmt.text)
        _put(ws, r, 14, ROUND_NAMES.get(f.get("round") or ""), fmt.text)
        _put(ws, r, 15, f.get("explanation"), fmt.wrap)
        _put(ws, r, 16, f.get("review"), fmt.text)


def _utf16_len(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _tail(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-16 units, keeping its end (the file name, sheet and cell)."""
    if _utf16_len(text) <= limit:
        return text
    kept = text[-(limit - 1) :]
    while _utf16_len(kept) > limit - 1:
        kept = kept[1:]
    return "…" + kept


def _link(file: str, sheet: str, cell: str) -> str:
    """An external link to a cell of a scored workbook (to the file alone when its path holds a ``#``)."""
    if "#" in file or not sheet:  # '#' starts a link's location: such a path cannot also name the cell
        return f"external:{file}"
    quoted = sheet.replace("'", "''")
    return f"external:{file}#'{quoted}'!{cell}"


def _inputs(wb: Any, fmt: _Formats, inputs: Iterable[dict[str, Any]], n: int) -> None:
    ws = wb.add_worksheet("文件读取情况")
    headers = [("文件", 50), ("识别为", 26), ("状态", 9), ("说明", 80)]
    _table(ws, fmt, headers, n)
    status_format = {"ok": fmt.text, "skipped": fmt.warning, "error": fmt.error, "superseded": fmt.warning}
    for r, i in enumerate(inputs, start=1):
        _put(ws, r, 0, i["file"], fmt.text)
        _put(ws, r, 1, KIND_NAMES.get(i.get("kind") or "", "未识别"), fmt.text)
        scored = i.get("scored") or i.get("annotated") or {}
        not_written = scored.get("status") == "error"  # read, but its scored copy could not be written
        _put(ws, r, 2, STATUS_NAMES[i["status"]], fmt.error if not_written else status_format[i["status"]])
        notes = [i["message"]] if i.get("message") else []
        notes += [f"工作表“{s['sheet']}”：{s['message']}" for s in i.get("sheets", []) if s.get("message")]
        if not_written:
            notes.append(scored["message"])
        _put(ws, r, 3, "；".join(notes) or None, fmt.wrap)
        ws.set_row(r, 14 * wrapped_lines("；".join(notes), 80, 0.0))


def _charts(wb: Any, fmt: _Formats, n: int) -> None:
    """Native charts on their own sheet, drawn from the 部门汇总 columns; tall enough for every department."""
    ws = wb.add_worksheet("图表")
    _print_setup(ws)
    ws.write_string(0, 0, "各部门规则总分与自评总分、预算与执行（数据见“部门汇总”）", fmt.title)
    if n == 0:
        ws.write_string(2, 0, "本次没有可评分的部门。", fmt.text)
        return
    height = max(320, min(60 + 22 * n, 12000))
    scores = _bar_chart(
        wb, n, height, "规则总分与自评总分", ((2, "规则总分", "#2E75B6"), (3, "自评总分", "#F4B183"))
    )
    scores.set_x_axis({"min": 0, "max": 100, "major_gridlines": {"visible": True}})
    ws.insert_chart(2, 0, scores)
    money = _bar_chart(
        wb,
        n,
        height,
        "全年预算数与全年执行数（万元）",
        ((8, "全年预算数", "#A9D18E"), (9, "全年执行数", "#548235")),
    )
    money.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
    ws.insert_chart(2, 12, money)


def _bar_chart(wb: Any, n: int, height: int, title: str, series: Sequence[tuple[int, str, str]]) -> Any:
    """A horizontal bar chart of 部门汇总 columns (column, name, colour) by department."""
    chart = wb.add_chart({"type": "bar"})
    for col, name, color in series:
        chart.add_series({
            "name": name,
            "categories": ["部门汇总", 1, 0, n, 0],
            "values": ["部门汇总", 1, col, n, col],
            "fill": {"color": color},
            "gap": 60,
        })  # fmt: skip
    chart.set_title({"name": title})
    chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体", "size": 9}})
    chart.set_legend({"position": "top"})
    chart.set_size({"width": 720, "height": height})
    return chart


def write_summary(
    out: Path,
    inputs: Callable[[], Iterable[dict[str, Any]]],
    departments: Callable[[], Iterable[dict[str, Any]]],
    findings: Callable[[], Iterable[dict[str, Any]]],
    counts: Mapping[str, int],
    rounds: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """Write 审核汇总.xlsx atomically at OUT's root; returns its name relative to OUT.

    The records arrive as streams (each callable gives a fresh iterator), so that a province's batch
    is written without holding it; ``counts`` gives the row counts (departments, projects, findings
    by severity, inputs_<status>).
    """
    target = out / SUMMARY_NAME
    n_departments = counts.get("departments", 0)
    n_inputs = sum(v for k, v in counts.items() if k.startswith("inputs_"))
    n_findings = sum(counts.get(s, 0) for s in SEVERITY_NAMES)
    # Rows are written in order and flushed to temporary files as they go: memory stays flat for 10,000
    # departments. The zip is assembled in memory and written in one go, so that a full disk fails the
    # write cleanly (a zip left half-written on disk complains again when it is collected).
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True}
    wb = xlsxwriter.Workbook(buffer, options)
    wb.set_properties({"title": "预算绩效自评审核汇总", "created": _created()})
    fmt = _Formats(wb)
    _departments(wb, fmt, departments(), n_departments)
    _projects(wb, fmt, departments(), counts.get("projects", 0))
    _findings(wb, fmt, findings(), n_findings)
    _inputs(wb, fmt, inputs(), n_inputs)
    if rounds is not None:
        _rounds(wb, fmt, rounds, counts)
    _charts(wb, fmt, n_departments)
    wb.close()
    write_bytes_atomic(target, buffer.getvalue())
    return SUMMARY_NAME


def _follow_up(d: Mapping[str, Any], fmt: _Formats) -> list[tuple[object, Any]]:
    """A department's findings open, explained and accepted."""
    follow = d.get("follow_up") or {}
    return [(follow.get(k, 0), fmt.int) for k in ("open", "explained", "accepted")]


def _last_year(record: Mapping[str, Any], fmt: _Formats) -> list[tuple[object, Any]]:
    """Last year's rule score and the change (--last-year), blank without one."""
    last = record.get("last_year") or {}
    return [(last.get("score"), fmt.score), (last.get("change"), fmt.score)]


ROUND_HEADERS = (
    ("部门", 28), ("已整改", 8), ("仍存在", 8), ("新发现", 8), ("已说明", 8), ("已接受", 8), ("未处理", 8),
)  # fmt: skip
PERSISTING_HEADERS = (
    ("部门", 28),
    ("文件", 34),
    ("工作表", 16),
    ("单元格", 7),
    ("规则", 22),
    ("问题说明", 70),
)


def _rounds(wb: Any, fmt: _Formats, rounds: Sequence[Mapping[str, Any]], counts: Mapping[str, int]) -> None:
    """整改情况: per department resolved / persisting / new / explained, then the persisting errors."""
    ws = wb.add_worksheet("整改情况")
    _table(ws, fmt, ROUND_HEADERS, len(rounds) + 1)
    for r, line in enumerate(rounds, start=1):
        values = [
            line["name"],
            *(line[k] for k in ("resolved", "persisting", "new", "explained", "accepted", "open")),
        ]
        for c, value in enumerate(values):
            _put(ws, r, c, value, fmt.text if c == 0 else fmt.int)
    r = len(rounds) + 1
    totals = [
        "合计",
        *(counts.get(k, 0) for k in ("resolved", "persisting", "new", "explained", "accepted", "open")),
    ]
    for c, value in enumerate(totals):
        _put(ws, r, c, value, fmt.header if c == 0 else fmt.int)
    r += 2
    ws.write_string(r, 0, "仍存在的错误（上一轮已指出、本轮仍未整改且未被接受）", fmt.title)
    r += 1
    for c, (name, _) in enumerate(PERSISTING_HEADERS):
        ws.write_string(r, c, name, fmt.header)
    persisting = [f for line in rounds for f in line["persisting_errors"]]
    if not persisting:
        ws.write_string(r + 1, 0, "无", fmt.text)
    for f in persisting:
        r += 1
        for c, key in enumerate(("department", "file", "sheet", "cell", "rule", "message")):
            _put(ws, r, c, f.get(key), fmt.wrap if key == "message" else fmt.text)


def _created() -> Any:
    # A fixed timestamp keeps reruns byte-identical.
    from datetime import datetime

    return datetime(2000, 1, 1)
