"""The summary workbook at OUT's root: departments, projects, findings, inputs and charts (xlsxwriter)."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter.url import Url

from xltool.forms.layouts import FORM_NAMES
from xltool.forms.report_terms import REPORT_KIND_NAME
from xltool.rules.catalogue import SEVERITY_NAMES
from xltool.write.atomic import write_bytes_atomic
from xltool.write.names import SUMMARY_NAME
from xltool.write.quick_sheet import QuickBook
from xltool.write.review import RATE_FIGURES
from xltool.write.summary_charts import ChartData, charts
from xltool.write.summary_looks import HEADER_ROW, Formats, SummaryHead, fitted_height, row_height, table

STATUS_NAMES = {"ok": "已读取", "skipped": "已跳过", "error": "无法读取", "superseded": "已被替代"}
FINDING_STATUS = {"open": "未处理", "explained": "已说明"}
ROUND_NAMES = {"new": "新发现", "persisting": "仍存在", "resolved": "已整改"}
KIND_NAMES = {**FORM_NAMES, "report": REPORT_KIND_NAME}  # one table of form names (forms/layouts.py)
# Excel keeps at most 65,530 hyperlinks per worksheet; past that, locations are written as text. A link
# longer than Excel allows (a very deep path) is written as text too; a tip is shortened from the left.
MAX_URL, MAX_TIP = 2079, 255
MAX_LINKS = 65_000


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 2)


def _departments(
    wb: Any, fmt: Formats, head: SummaryHead, depts: Iterable[dict[str, Any]], n: int, data: ChartData
) -> None:
    ws = wb.add_worksheet("部门汇总")
    headers = [
        ("部门", 28), ("年度", 7), ("规则总分", 9), ("自评总分", 9), ("差异（自评−规则）", 10), ("等级", 6),
        ("执行率", 9), ("年初预算数（万元）", 14), ("全年预算数（万元）", 14), ("全年执行数（万元）", 14),
        ("错误", 6), ("警告", 6), ("提示", 6), ("项目数", 7), ("附件2文件", 40),
        ("未处理", 7), ("已说明", 7), ("已接受", 7), ("上年规则总分", 9), ("较上年", 8),
    ]  # fmt: skip
    table(ws, fmt, "部门汇总", head, headers, n)
    for r, d in enumerate(depts, start=HEADER_ROW + 1):
        counts = d.get("findings") or {}
        form = d.get("department_table") or {}
        budget = form.get("budget") or {}
        data.add(
            d["name"],
            form.get("score"),
            form.get("self_score"),
            budget.get("execution_rate"),
            form.get("grade"),
        )
        values = [
            (d["name"], fmt.wrap), (d.get("year"), fmt.int), (form.get("score"), fmt.score),
            (form.get("self_score"), fmt.score),
            (_diff(form.get("self_score"), form.get("score")), fmt.score),
            (form.get("grade"), fmt.text), (budget.get("execution_rate"), fmt.rate),
            (budget.get("initial"), fmt.amount), (budget.get("full_year"), fmt.amount),
            (budget.get("executed"), fmt.amount), (counts.get("error", 0), fmt.int),
            (counts.get("warning", 0), fmt.int), (counts.get("info", 0), fmt.int),
            (len(d["projects"]), fmt.int), (form.get("file"), fmt.wrap),
            *_follow_up(d, fmt), *_last_year(form, fmt),
        ]  # fmt: skip
        ws.set_row(r, fitted_height([(d["name"], 28), (form.get("file"), 40)]))
        for c, (value, cell_format) in enumerate(values):
            ws.put(r, c, value, cell_format)
    first = HEADER_ROW + 1
    ws.conditional_format(
        first,
        10,
        first + max(n, 1) - 1,
        10,
        {"type": "cell", "criteria": ">", "value": 0, "format": fmt.error},
    )


def _projects(
    wb: Any, fmt: Formats, head: SummaryHead, departments: Iterable[dict[str, Any]], n: int
) -> None:
    ws = wb.add_worksheet("项目汇总")
    headers = [
        ("部门", 24), ("项目", 30), ("规则总分", 9), ("自评总分", 9), ("差异（自评−规则）", 10), ("等级", 6),
        ("执行率", 9), ("预算执行得分", 9), ("年初预算数（万元）", 14), ("全年预算数（万元）", 14),
        ("全年执行数（万元）", 14), ("错误", 6), ("警告", 6), ("提示", 6), ("文件", 36), ("工作表", 18),
        ("上年规则总分", 9), ("较上年", 8),
    ]  # fmt: skip
    rows = ((d["name"], p) for d in departments for p in d["projects"])
    table(ws, fmt, "项目汇总", head, headers, n)
    for r, (dept, p) in enumerate(rows, start=HEADER_ROW + 1):
        b = p.get("budget") or {}
        counts = p.get("findings") or {}
        values = [
            (dept, fmt.wrap), (p["name"], fmt.wrap), (p.get("score"), fmt.score),
            (p.get("self_score"), fmt.score),
            (_diff(p.get("self_score"), p.get("score")), fmt.score), (p.get("grade"), fmt.text),
            (b.get("execution_rate"), fmt.rate), (b.get("score"), fmt.score), (b.get("initial"), fmt.amount),
            (b.get("full_year"), fmt.amount), (b.get("executed"), fmt.amount),
            (counts.get("error", 0), fmt.int), (counts.get("warning", 0), fmt.int),
            (counts.get("info", 0), fmt.int), (p["file"], fmt.wrap), (p["sheet"], fmt.wrap),
            *_last_year(p, fmt),
        ]  # fmt: skip
        ws.set_row(r, fitted_height([(dept, 24), (p["name"], 30), (p["file"], 36), (p["sheet"], 18)]))
        for c, (value, cell_format) in enumerate(values):
            ws.put(r, c, value, cell_format)


FINDING_HEADERS = (
    ("级别", 6), ("规则名称", 14), ("部门", 16), ("文件", 30), ("工作表", 14), ("部门原表单元格", 9),
    ("问题说明", 60), ("应为", 11), ("阈值/标准", 11), ("填报值", 11), ("依据", 30), ("规则编号", 20),
    ("在评分表中查看", 11), ("处理状态", 8), ("本轮", 7), ("情况说明", 36), ("审核意见", 8),
)  # fmt: skip
LINK_TEXT = "打开评分表"  # the link opens the scored copy, at the cell it marks
REPORT_LINK_TEXT = "打开批注稿"  # a written report's finding: its annotated copy


def _findings(
    wb: Any, fmt: Formats, head: SummaryHead, findings: Iterable[dict[str, Any]], total: int
) -> None:
    ws = wb.add_worksheet("问题清单")
    table(ws, fmt, "问题清单", head, FINDING_HEADERS, total)
    widths = [w for _, w in FINDING_HEADERS]
    severity_format = {"error": fmt.error, "warning": fmt.warning, "info": fmt.info}
    for n, f in enumerate(findings, start=1):
        r = HEADER_ROW + n
        wrapped = {2: f.get("department"), 3: f.get("file"), 4: f.get("sheet"), 6: f["message"]}
        wrapped |= {10: f.get("basis"), 15: f.get("explanation")}
        ws.set_row(r, fitted_height([(text, widths[c]) for c, text in wrapped.items()]))
        ws.put(r, 0, SEVERITY_NAMES[f["severity"]], severity_format[f["severity"]])
        for c, key in enumerate(("rule_name", "department", "file", "sheet", "cell"), start=1):
            ws.put(r, c, f.get(key), fmt.wrap if c in wrapped else fmt.text)
        if f.get("paragraph") is not None:  # a written report's sentence: where it stands in the text
            ws.put(r, 4, f"第{f['paragraph']}段", fmt.text)
        ws.put(r, 6, f["message"], fmt.wrap)
        figures = fmt.rate if f["rule"] in RATE_FIGURES else fmt.score
        for c, key in enumerate(("expected", "threshold", "actual"), start=7):
            ws.put(r, c, f.get(key), figures)
        ws.put(r, 10, f.get("basis"), fmt.wrap)
        ws.put(r, 11, f["rule"], fmt.text)
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
        if scored and n <= MAX_LINKS and _utf16_len(target) <= MAX_URL:
            text, kind = (LINK_TEXT, "评分表") if scored["sheet"] else (REPORT_LINK_TEXT, "批注稿")
            ws.write_url(r, 12, _PosixUrl.made(target, text, _tail(f"{kind} {where}", MAX_TIP)), fmt.link)
        elif scored:
            ws.put(r, 12, where, fmt.wrap)
        status = "已接受" if f.get("review") == "接受" else FINDING_STATUS.get(f.get("status") or "open")
        ws.put(r, 13, status, fmt.text)
        ws.put(r, 14, ROUND_NAMES.get(f.get("round") or ""), fmt.text)
        ws.put(r, 15, f.get("explanation"), fmt.wrap)
        ws.put(r, 16, f.get("review"), fmt.text)


class _PosixUrl(Url):
    """A link to a file beside the summary written with forward slashes, so that it opens on Linux too.

    xlsxwriter writes relative links with Windows separators, which LibreOffice on Linux takes as part
    of a file name; Excel reads forward slashes as well.
    """

    @classmethod
    def made(cls, link: str, text: str, tip: str) -> _PosixUrl:
        """The link with its shown text and tip."""
        url = cls(link)
        url.text = text
        url.tip = tip
        return url

    def _target(self) -> str:
        return super()._target().replace("\\", "/")

    @staticmethod
    @functools.lru_cache(maxsize=1024)
    def _escape_url(url: str) -> str:
        """Url._escape_url once per text: every finding of a file links to the same file."""
        return str(Url._escape_url(url))


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


def _inputs(wb: Any, fmt: Formats, head: SummaryHead, inputs: Iterable[dict[str, Any]], n: int) -> None:
    ws = wb.add_worksheet("文件读取情况")
    headers = [("文件", 50), ("识别为", 26), ("状态", 9), ("说明", 80)]
    table(ws, fmt, "文件读取情况", head, headers, n)
    status_format = {"ok": fmt.text, "skipped": fmt.warning, "error": fmt.error, "superseded": fmt.warning}
    for r, i in enumerate(inputs, start=HEADER_ROW + 1):
        scored = i.get("scored") or i.get("annotated") or {}
        not_written = scored.get("status") == "error"  # read, but its scored copy could not be written
        notes = [i["message"]] if i.get("message") else []
        notes += [f"工作表“{s['sheet']}”：{s['message']}" for s in i.get("sheets", []) if s.get("message")]
        if not_written:
            notes.append(scored["message"])
        ws.set_row(r, fitted_height([(i["file"], 50), ("；".join(notes), 80)]))
        ws.put(r, 0, i["file"], fmt.wrap)
        ws.put(r, 1, KIND_NAMES.get(i.get("kind") or "", "未识别"), fmt.text)
        ws.put(r, 2, STATUS_NAMES[i["status"]], fmt.error if not_written else status_format[i["status"]])
        ws.put(r, 3, "；".join(notes) or None, fmt.wrap)


def write_summary(
    out: Path,
    inputs: Callable[[], Iterable[dict[str, Any]]],
    departments: Callable[[], Iterable[dict[str, Any]]],
    findings: Callable[[], Iterable[dict[str, Any]]],
    counts: Mapping[str, int],
    rounds: Sequence[Mapping[str, Any]] | None = None,
    head: SummaryHead | None = None,
) -> str:
    """Write 审核汇总.xlsx atomically at OUT's root; returns its name relative to OUT.

    The records arrive as streams (each callable gives a fresh iterator), so that a province's batch
    is written without holding it; ``counts`` gives the row counts (departments, projects, findings
    by severity, inputs_<status>); ``head`` the date, profile and version every sheet opens with.
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
    wb = QuickBook(buffer, options)  # xlsxwriter's workbook, its plain cells written in one step
    wb.set_properties({"title": "预算绩效自评审核汇总", "created": _created()})
    fmt = Formats(wb)
    head = head or SummaryHead()
    data = ChartData()
    _departments(wb, fmt, head, departments(), n_departments, data)
    _projects(wb, fmt, head, departments(), counts.get("projects", 0))
    _findings(wb, fmt, head, findings(), n_findings)
    _inputs(wb, fmt, head, inputs(), n_inputs)
    if rounds is not None:
        _rounds(wb, fmt, head, rounds, counts)
    charts(wb, fmt, head, data)
    wb.close()
    write_bytes_atomic(target, buffer.getvalue())
    return SUMMARY_NAME


def _follow_up(d: Mapping[str, Any], fmt: Formats) -> list[tuple[object, Any]]:
    """A department's findings open, explained and accepted."""
    follow = d.get("follow_up") or {}
    return [(follow.get(k, 0), fmt.int) for k in ("open", "explained", "accepted")]


def _last_year(record: Mapping[str, Any], fmt: Formats) -> list[tuple[object, Any]]:
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


def _rounds(
    wb: Any, fmt: Formats, head: SummaryHead, rounds: Sequence[Mapping[str, Any]], counts: Mapping[str, int]
) -> None:
    """整改情况: per department resolved / persisting / new / explained, then the persisting errors."""
    ws = wb.add_worksheet("整改情况")
    table(ws, fmt, "整改情况", head, ROUND_HEADERS, len(rounds) + 1)
    r = HEADER_ROW
    for line in rounds:
        r += 1
        values = [
            line["name"],
            *(line[k] for k in ("resolved", "persisting", "new", "explained", "accepted", "open")),
        ]
        ws.set_row(r, fitted_height([(line["name"], 28)]))
        for c, value in enumerate(values):
            ws.put(r, c, value, fmt.wrap if c == 0 else fmt.int)
    r += 1
    totals = [
        "合计",
        *(counts.get(k, 0) for k in ("resolved", "persisting", "new", "explained", "accepted", "open")),
    ]
    ws.set_row(r, row_height(1))
    for c, value in enumerate(totals):
        ws.put(r, c, value, fmt.header if c == 0 else fmt.int)
    r += 2
    ws.set_row(r, 21)
    ws.write_string(r, 0, "仍存在的错误（上一轮已指出、本轮仍未整改且未被接受）", fmt.subtitle)
    r += 1
    ws.set_row(r, row_height(1))
    for c, (name, _) in enumerate(PERSISTING_HEADERS):
        ws.write_string(r, c, name, fmt.header)
    persisting = [f for line in rounds for f in line["persisting_errors"]]
    if not persisting:
        ws.set_row(r + 1, row_height(1))
        ws.write_string(r + 1, 0, "无", fmt.text)
    widths = [w for _, w in PERSISTING_HEADERS]
    keys = ("department", "file", "sheet", "cell", "rule", "message")
    for f in persisting:
        r += 1
        ws.set_row(r, fitted_height([(f.get(k), w) for k, w in zip(keys, widths, strict=True)]))
        for c, key in enumerate(keys):
            ws.put(r, c, f.get(key), fmt.wrap if key in ("department", "file", "message") else fmt.text)


def _created() -> Any:
    # A fixed timestamp keeps reruns byte-identical.
    from datetime import datetime

    return datetime(2000, 1, 1)
