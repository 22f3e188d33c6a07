"""The 审核意见书: one formal letter per department, from its report.json record and findings.

Title, the department addressed, what was reviewed, the scores (self-stated and by rule) of the
department and of each project, the findings grouped 须更正 / 须说明 / 供参考 (form, sheet and cell,
or the written report's paragraph and sentence; what is wrong, the rule's figure, what to do), the
findings already explained or accepted apart, and a 经办人 / 审核人 / 日期 block to sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.model.rounding import fmt_num, fmt_rate
from xltool.write.official import cn_number, heading, new_document, para, save, table, title

LETTERS_FOLDER = "审核意见书"
GROUPS = (
    ("error", "须更正的问题", "以下问题为自评表或自评报告中的数字不符、填报错误，须更正后重新报送。"),
    ("warning", "须说明的问题", "以下情况不一定是错误，但须说明原因或依据；确属填报有误的，请一并更正。"),
    ("info", "供参考的事项", "以下事项供参考，无须回复；如有需要，可在今后填报中改进。"),
)
DEFAULT_ADVICE = {
    "error": "请核实并更正后重新报送",
    "warning": "请核实并说明原因",
    "info": "供参考，无须回复",
}
ACCEPTED = "接受"  # the reviewer's 审核意见 that closes a finding (rules/keys.ACCEPT)
TITLE_LINE = 20  # characters of a title line (二号 on the type area)
MAX_QUOTE = 160  # characters of a quoted sentence shown in a letter
FINDING_WIDTHS = (9, 38, 88, 21)  # mm: 序号, 表格及位置, 存在的问题及处理意见, 规则计算值
SCORE_WIDTHS = (52, 21, 21, 18, 16, 28)  # mm: 评价对象, 自评, 规则, 差额, 等级, 执行率


def letter_title(name: str, year: int | None) -> str:
    """关于<部门名称><年度>年度绩效自评材料的审核意见."""
    return f"关于{name}{year}年度绩效自评材料的审核意见" if year else f"关于{name}绩效自评材料的审核意见"


def split_advice(message: str, severity: str) -> tuple[str, str]:
    """(what is wrong, what to do) of a finding's message: its last clause when that starts with 请."""
    for mark in ("；", "，", "。"):
        head, sep, tail = message.rpartition(mark + "请")
        if sep:
            return head.rstrip("；，。") + "。", "请" + tail.rstrip("。")
    return (message.rstrip("。") + "。", DEFAULT_ADVICE.get(severity, DEFAULT_ADVICE["info"]))


def figure_text(value: object, message: str) -> str:
    """A finding's figure as the letter prints it: a fraction as the rate the message states."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= 10:
        rate = fmt_rate(float(value))
        if rate in message:
            return rate
    return fmt_num(value)


def location(item: Mapping[str, Any]) -> str:
    """Where a finding points: the file, its sheet and cell; or a written report's paragraph."""
    name = PurePosixPath(str(item.get("file") or "")).name
    paragraph = item.get("paragraph")
    if paragraph:
        return f"{name}\n第{paragraph}段"
    sheet, cell = item.get("sheet") or "", item.get("cell") or ""
    if sheet and cell:
        return f"{name}\n{sheet}!{cell}"
    return f"{name}\n{sheet}" if sheet else name


def problem(item: Mapping[str, Any]) -> tuple[str, str, str]:
    """(the rule's name, what is wrong with any quoted sentence, what to do)."""
    message = str(item.get("message") or "")
    wrong, advice = split_advice(message, str(item.get("severity")))
    quote = item.get("quote")
    if quote:
        quote = str(quote).strip()
        if len(quote) > MAX_QUOTE:
            quote = quote[: MAX_QUOTE - 1] + "…"
        wrong += f"\n原文：“{quote}”"
    return str(item.get("rule_name") or item.get("rule") or ""), wrong, advice


def problem_cell(item: Mapping[str, Any], with_advice: bool = True) -> list[list[tuple[str, bool]]]:
    """The problem as table paragraphs: 【rule】 what is wrong, the quote, then 处理意见 in bold."""
    name, wrong, advice = problem(item)
    lines = wrong.split("\n")
    paragraphs = [[(f"【{name}】" if name else "", True), (lines[0], False)]]
    paragraphs.extend([[(line, False)] for line in lines[1:]])
    if with_advice:
        paragraphs.append([("处理意见：", True), (advice, False)])
    return paragraphs


def is_settled(item: Mapping[str, Any]) -> bool:
    """Explained by the department or accepted by the reviewer in an earlier round (cycle.md)."""
    return item.get("status") not in (None, "open") or item.get("review") == ACCEPTED


def score_text(value: float | None) -> str:
    """A score with two decimals (91.53, 100.00), or — when there is none."""
    return "—" if value is None else f"{value:.2f}"


def _score_rows(record: Mapping[str, Any]) -> list[list[str]]:
    def row(label: str, scored: Mapping[str, Any]) -> list[str]:
        own, rule = scored.get("self_score"), scored.get("score")
        gap = f"{rule - own:+.2f}" if own is not None and rule is not None else "—"
        gap = "0.00" if gap in ("+0.00", "-0.00") else gap
        rate = (scored.get("budget") or {}).get("execution_rate")
        return [
            label,
            score_text(own),
            score_text(rule),
            gap,
            str(scored.get("grade") or "—"),
            fmt_rate(rate) if rate is not None else "—",
        ]

    rows = []
    if record.get("department_table"):
        rows.append(row("部门整体支出（附件2）", record["department_table"]))
    rows.extend(row(f"项目：{p['name']}", p) for p in record.get("projects") or ())
    return rows


def _reviewed(record: Mapping[str, Any]) -> str:
    forms = []
    if record.get("basic_data"):
        forms.append("附件1 部门整体支出绩效评价基础数据表")
    if record.get("department_table"):
        forms.append("附件2 部门整体支出绩效自评表")
    projects = len(record.get("projects") or ())
    if projects:
        forms.append(f"{projects}个项目的附件3 项目支出绩效自评表")
    return "、".join(forms) or "自评材料"


def _score_sentence(record: Mapping[str, Any], profile: str) -> str:
    table_ = record.get("department_table")
    rule = f"按{profile}复算，" if profile else "经复算，"
    if not table_:
        text = "你单位未报送附件2 部门整体支出绩效自评表，未能计算部门整体支出得分。"
    elif table_.get("score") is None:
        text = rule + "附件2 部门整体支出绩效自评表的得分未能计算（见下列问题）。"
    else:
        own = table_.get("self_score")
        stated = f"自评得分{fmt_num(own)}分，" if own is not None else "未填报自评总分，"
        text = (
            f"{rule}部门整体支出{stated}规则得分{fmt_num(table_['score'])}分，"
            f"等级为“{table_.get('grade') or '—'}”。"
        )
    projects = record.get("projects") or ()
    lower = [p for p in projects if p.get("score") is not None and p.get("self_score") is not None]
    lower = [p for p in lower if p["score"] < p["self_score"] - 0.005]
    if projects:
        text += f"{len(projects)}个项目中，规则得分低于自评得分的{len(lower)}个。" if lower else ""
    return text


def _finding_rows(items: Sequence[Mapping[str, Any]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for n, item in enumerate(items, start=1):
        message = str(item.get("message") or "")
        rows.append([str(n), location(item), problem_cell(item), figure_text(item.get("expected"), message)])
    return rows


def letter_document(
    record: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], profile: str = ""
) -> Any:
    """The 审核意见书 of one department as a python-docx Document."""
    name = str(record.get("name") or "")
    year = record.get("year")
    doc = new_document(letter_title(name, year))
    heading_text = letter_title(name, year)
    if len(heading_text) > TITLE_LINE and year:  # break after the year, as a title is broken by sense
        heading_text = heading_text.replace("年度绩效", "年度\n绩效", 1)
    title(doc, heading_text)
    para(doc, f"{name}：", style="顶格")
    open_items = [f for f in findings if not is_settled(f)]
    settled = [f for f in findings if is_settled(f)]
    counts = {
        severity: sum(1 for f in open_items if f.get("severity") == severity) for severity, *_ in GROUPS
    }
    found = "、".join(f"{label}{counts[severity]}项" for severity, label, _ in GROUPS if counts[severity])
    period = f"{year}年度" if year else ""
    para(
        doc,
        f"你单位报送的{period}预算绩效自评材料已收悉。我们对{_reviewed(record)}逐表进行了核对和复算，"
        + (f"共发现{found}。" if found else "未发现须更正或须说明的问题。")
        + "现将审核意见反馈如下。",
    )
    number = 0

    def next_heading(text: str) -> None:
        nonlocal number
        number += 1
        heading(doc, f"{cn_number(number)}、{text}")

    next_heading("评分情况")
    para(doc, _score_sentence(record, profile), keep=True)
    rows = _score_rows(record)
    if rows:
        table(
            doc,
            ("评价对象", "自评得分", "规则得分", "差额", "等级", "预算执行率"),
            rows,
            SCORE_WIDTHS,
            (None, "right", "right", "right", "center", "right"),
        )
    if not open_items:
        next_heading("审核发现的问题")
        para(doc, "经审核，未发现须更正、须说明或供参考的问题。")
    for severity, label, intro in GROUPS:
        items = [f for f in open_items if f.get("severity") == severity]
        if not items:
            continue
        next_heading(f"{label}（{len(items)}项）")
        para(doc, intro, keep=True)
        table(
            doc,
            ("序号", "表格及位置", "存在的问题及处理意见", "规则计算值"),
            _finding_rows(items),
            FINDING_WIDTHS,
            ("center", None, None, "right"),
        )
    if settled:
        next_heading(f"已说明或已接受的问题（{len(settled)}项）")
        para(doc, "以下问题你单位已作说明或经审核接受，本次不再要求更正，列此备查。", keep=True)
        table(
            doc,
            ("序号", "表格及位置", "问题", "单位说明", "审核意见"),
            [
                [
                    str(n),
                    location(f),
                    problem_cell(f, with_advice=False),
                    str(f.get("explanation") or "—"),
                    str(f.get("review") or "—"),
                ]
                for n, f in enumerate(settled, start=1)
            ],
            (9, 36, 55, 36, 20),
            ("center", None, None, None, "center"),
        )
    next_heading("有关要求")
    if counts["error"] or counts["warning"]:
        para(
            doc,
            "请你单位对照上述意见逐项核实：须更正的问题，更正自评表后重新报送；须说明的问题，"
            "在评分工作簿“审核结果”表的“情况说明”栏逐项说明，随修改后的材料一并报送。"
            "自评报告中涉及的数字请与更正后的自评表保持一致。",
        )
    else:
        para(doc, "你单位自评材料审核通过，请按规定做好绩效自评结果的应用和公开工作。")
    _closing(doc)
    return doc


def _closing(doc: Any) -> None:
    """The unit and date to sign, and the 经办人 / 审核人 / 日期 block."""
    para(doc)
    para(doc, "（审核单位盖章）", style="落款")
    para(doc, "年　　月　　日", style="落款")
    para(doc)
    para(doc, "经办人：＿＿＿＿＿＿　　　审核人：＿＿＿＿＿＿", style="顶格")
    para(doc, "联系电话：＿＿＿＿＿　　　日　期：　　年　　月　　日", style="顶格")


def write_letter(
    target: Path, record: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], profile: str = ""
) -> None:
    """Write one department's 审核意见书 atomically."""
    save(letter_document(record, findings, profile), target)
