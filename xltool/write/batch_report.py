"""The 审核报告 of a batch (OUT/审核报告.docx): what was reviewed, how it scored, what went wrong most.

A `BatchTally` is fed the run's inputs, department records and findings one at a time (report.json's
dicts, as they stream past) and keeps only counts and one small row per department; the document is
written from it with the typography of write/official.py and, where a chart reads better, a picture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltool.model.names import natural_key
from xltool.model.rounding import fmt_rate
from xltool.rules.catalogue import SEVERITY_NAMES
from xltool.write.letter import score_text
from xltool.write.official import (
    TEXT_WIDTH_MM,
    cn_number,
    heading,
    new_document,
    para,
    picture,
    save,
    table,
    title,
)

GRADES = ("优", "良", "中", "差")
TOP_RULES = 10  # rules in the table of most frequent problems
TOP_OVER = 10  # departments listed as 自评偏高
EXAMPLES = 3  # example departments named for a rule
MAX_UNREADABLE = 50  # unreadable files listed by name
MAX_LISTED = 30  # departments or projects listed as execution-rate outliers
HIGH_RATE = 1.0  # an execution rate above this is an outlier (below: the profile's low_execution_rate)


@dataclass(frozen=True)
class Row:
    """One department as the report's tables show it."""

    name: str
    year: int | None
    self_score: float | None
    score: float | None
    grade: str | None
    full_year: float | None
    executed: float | None
    rate: float | None
    findings: tuple[int, int, int]  # error, warning, info
    projects: int


@dataclass
class BatchTally:
    """What the 审核报告 needs, gathered from the run's streams (``low_rate``: the profile's)."""

    low_rate: float = 0.9
    inputs: Counter[str] = field(default_factory=Counter)  # status → files
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    rows: list[Row] = field(default_factory=list)
    project_grades: Counter[str] = field(default_factory=Counter)
    low_projects: list[tuple[str, str, float]] = field(default_factory=list)  # (department, project, rate)
    rule_counts: Counter[str] = field(default_factory=Counter)
    rule_departments: dict[str, set[str]] = field(default_factory=dict)
    rule_info: dict[str, tuple[str, str]] = field(default_factory=dict)  # rule → (name, severity)
    severities: Counter[str] = field(default_factory=Counter)

    def add_input(self, item: Mapping[str, Any]) -> None:
        """Count one input file (report.json's ``inputs`` entry)."""
        status = str(item.get("status"))
        self.inputs[status] += 1
        if item.get("kind") == "report" and status == "ok":
            self.inputs["report"] += 1  # a written report read (counted apart from the workbooks)
        if item.get("kind") == "report" and status == "superseded":
            self.inputs["report_superseded"] += 1  # a written report set aside for another of its department
        if status == "error" and len(self.unreadable) < MAX_UNREADABLE:
            self.unreadable.append((str(item.get("file")), str(item.get("message") or "")))

    def add_department(self, record: Mapping[str, Any]) -> None:
        """Keep one department's row (report.json's ``departments`` entry)."""
        table_ = record.get("department_table") or {}
        budget = table_.get("budget") or {}
        counts = record.get("findings") or {}
        projects = record.get("projects") or ()
        self.rows.append(
            Row(
                str(record.get("name")),
                record.get("year"),
                table_.get("self_score"),
                table_.get("score"),
                table_.get("grade"),
                budget.get("full_year"),
                budget.get("executed"),
                budget.get("execution_rate"),
                (counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0)),
                len(projects),
            )
        )
        for p in projects:
            self.project_grades[str(p.get("grade") or "")] += 1
            rate = (p.get("budget") or {}).get("execution_rate")
            if rate is not None and rate < self.low_rate:
                self.low_projects.append((str(record.get("name")), str(p.get("name")), rate))

    def add_finding(self, item: Mapping[str, Any]) -> None:
        """Count one finding (report.json's ``findings`` entry) by rule and department."""
        rule = str(item.get("rule"))
        self.rule_counts[rule] += 1
        self.severities[str(item.get("severity"))] += 1
        self.rule_departments.setdefault(rule, set()).add(str(item.get("department") or ""))
        self.rule_info.setdefault(rule, (str(item.get("rule_name") or rule), str(item.get("severity"))))


def _year(tally: BatchTally) -> int | None:
    years = Counter(r.year for r in tally.rows if r.year)
    return max(years, key=lambda y: (years[y], y)) if years else None


def _amount(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _rate(value: float | None) -> str:
    return "—" if value is None else fmt_rate(value)


def batch_document(tally: BatchTally, counts: Mapping[str, int], profile: str = "") -> Any:
    """The batch's 审核报告 as a python-docx Document."""
    year = _year(tally)
    period = f"{year}年度" if year else ""
    name = f"{period}预算绩效自评材料审核报告"
    doc = new_document(name)
    title(doc, name)
    number = 0

    def next_heading(text: str) -> None:
        nonlocal number
        number += 1
        heading(doc, f"{cn_number(number)}、{text}")

    rows = tally.rows
    files = sum(n for status, n in tally.inputs.items() if status not in ("report", "report_superseded"))
    workbooks = tally.inputs["ok"] - tally.inputs["report"]
    copies = tally.inputs["superseded"] - tally.inputs["report_superseded"]  # workbooks set aside
    next_heading("审核范围")
    para(
        doc,
        f"本次共收到报送文件{files}个，其中识别为自评表的工作簿{workbooks}个，"
        + (f"书面自评报告{tally.inputs['report']}份，" if tally.inputs["report"] else "")
        + f"无法读取的文件{tally.inputs['error']}个，不属于自评表而跳过的文件{tally.inputs['skipped']}个"
        + (f"，被同一表格的新版本替代的文件{copies}个" if copies else "")
        + (
            f"，同一部门另有一份而未核对的书面报告{tally.inputs['report_superseded']}份"
            if tally.inputs["report_superseded"]
            else ""
        )
        + f"；涉及部门{len(rows)}个、项目{sum(r.projects for r in rows)}个。"
        + (f"评分按{profile}进行。" if profile else ""),
    )
    if tally.unreadable:
        para(doc, "无法读取的文件如下，须由报送部门重新提交：", keep=True)
        more = tally.inputs["error"] - len(tally.unreadable)
        table(
            doc,
            ("序号", "文件", "原因"),
            [[str(i), f, m] for i, (f, m) in enumerate(tally.unreadable, start=1)]
            + ([["…", f"另有{more}个", "见审核汇总.xlsx"]] if more > 0 else []),
            (10, 60, 86),
            ("center", None, None),
        )
    _scores(doc, tally, next_heading)
    _problems(doc, tally, counts, next_heading)
    _over_claimed(doc, tally, next_heading)
    _rates(doc, tally, next_heading)
    next_heading("各部门审核结果")
    table(
        doc,
        ("序号", "部门", "自评得分", "规则得分", "等级", "执行率", "错误", "警告", "提示"),
        [
            [str(i), r.name, score_text(r.self_score), score_text(r.score), r.grade or "—", _rate(r.rate)]
            + [str(n) for n in r.findings]
            for i, r in enumerate(rows, start=1)
        ],
        (10, 44, 17, 17, 12, 20, 12, 12, 12),
        ("center", None, "right", "right", "center", "right", "right", "right", "right"),
    )
    para(doc)
    para(doc, "（审核单位）", style="落款")
    para(doc, "年　　月　　日", style="落款")
    return doc


def _scores(doc: Any, tally: BatchTally, next_heading: Any) -> None:
    from xltool.write.charts import grade_chart

    rows = tally.rows
    next_heading("评分结果")
    scored = [r for r in rows if r.score is not None]
    grades = Counter(r.grade for r in scored)
    labels = [*GRADES, "未评分"]
    departments = [grades[g] for g in GRADES] + [len(rows) - len(scored)]
    project_total = sum(tally.project_grades.values())
    projects = [tally.project_grades[g] for g in GRADES] + [
        project_total - sum(tally.project_grades[g] for g in GRADES)
    ]
    if scored:
        average = sum(r.score for r in scored if r.score is not None) / len(scored)
        best = max(scored, key=lambda r: r.score or 0)
        worst = min(scored, key=lambda r: r.score or 0)
        para(
            doc,
            f"按规则复算，{len(scored)}个部门整体支出的平均得分为{average:.2f}分，最高{score_text(best.score)}分"
            f"（{best.name}），最低{score_text(worst.score)}分（{worst.name}）。"
            + "、".join(f"“{g}”{grades[g]}个" for g in GRADES if grades[g])
            + "。",
        )
    else:
        para(doc, "本批材料中没有可评分的附件2 部门整体支出绩效自评表。")

    def share(n: int, total: int) -> str:
        return fmt_rate(n / total) if total else "—"

    table(
        doc,
        ("等级", "部门数", "占比", "项目数", "占比"),
        [
            [g, str(d), share(d, len(rows)), str(p), share(p, project_total)]
            for g, d, p in zip(labels, departments, projects, strict=True)
        ],
        (40, 29, 29, 29, 29),
        ("center", "right", "right", "right", "right"),
    )
    chart = grade_chart(labels, departments, projects) if rows else None
    if chart is not None:
        picture(doc, chart, TEXT_WIDTH_MM - 16, "图1　部门和项目按规则得分的等级分布")


def _problems(doc: Any, tally: BatchTally, counts: Mapping[str, int], next_heading: Any) -> None:
    from xltool.write.charts import rules_chart

    next_heading("发现的主要问题")
    total = sum(tally.severities.values())
    if not total:
        para(doc, "本批材料未发现问题。")
        return
    para(
        doc,
        f"共发现问题{total}项，其中"
        + "、".join(f"{SEVERITY_NAMES[s]}{tally.severities[s]}项" for s in ("error", "warning", "info"))
        + "。出现最多的问题如下（“部门举例”列出其中几个部门，全部问题见各部门的审核意见书和审核汇总.xlsx）。",
        keep=True,
    )
    top = tally.rule_counts.most_common(TOP_RULES)
    table(
        doc,
        ("序号", "问题", "级别", "问题数", "涉及部门", "部门举例"),
        [
            [
                str(i),
                tally.rule_info[rule][0],
                SEVERITY_NAMES.get(tally.rule_info[rule][1], ""),
                str(n),
                str(len(tally.rule_departments[rule])),
                "、".join(sorted(tally.rule_departments[rule], key=natural_key)[:EXAMPLES])
                + ("等" if len(tally.rule_departments[rule]) > EXAMPLES else ""),
            ]
            for i, (rule, n) in enumerate(top, start=1)
        ],
        (10, 42, 12, 16, 16, 60),
        ("center", None, "center", "right", "right", None),
    )
    chart = rules_chart([tally.rule_info[r][0] for r, _ in top], [n for _, n in top])
    if chart is not None:
        picture(doc, chart, TEXT_WIDTH_MM - 16, "图2　出现最多的问题")


def _excess(row: Row) -> float:
    """How far the self-stated score exceeds the rule score (0 when either is missing)."""
    if row.self_score is None or row.score is None:
        return 0.0
    return row.self_score - row.score


def _over_claimed(doc: Any, tally: BatchTally, next_heading: Any) -> None:
    next_heading("自评偏高的部门")
    over = sorted((r for r in tally.rows if _excess(r) > 0.005), key=lambda r: -_excess(r))
    if not over:
        para(doc, "没有部门的自评得分高于按规则复算的得分。")
        return
    para(
        doc,
        f"{len(over)}个部门的自评得分高于按规则复算的得分，差额最大的"
        f"{min(len(over), TOP_OVER)}个如下；请在审核意见书中逐项核实其扣分依据。",
        keep=True,
    )
    table(
        doc,
        ("序号", "部门", "自评得分", "规则得分", "差额", "规则等级"),
        [
            [
                str(i),
                r.name,
                score_text(r.self_score),
                score_text(r.score),
                f"{_excess(r):.2f}",
                r.grade or "—",
            ]
            for i, r in enumerate(over[:TOP_OVER], start=1)
            if r.self_score is not None and r.score is not None
        ],
        (10, 58, 22, 22, 20, 24),
        ("center", None, "right", "right", "right", "center"),
    )


def _rates(doc: Any, tally: BatchTally, next_heading: Any) -> None:
    next_heading("预算执行率异常")
    odd = [
        r for r in tally.rows if r.rate is not None and (r.rate < tally.low_rate or r.rate > HIGH_RATE + 1e-9)
    ]
    odd.sort(key=lambda r: r.rate or 0)
    low, high = fmt_rate(tally.low_rate), fmt_rate(HIGH_RATE)
    if not odd and not tally.low_projects:
        para(doc, f"各部门整体支出和各项目的预算执行率均在{low}至{high}之间。")
        return
    para(
        doc,
        f"部门整体支出预算执行率低于{low}或高于{high}的部门{len(odd)}个"
        + (f"（下表列出最低的{MAX_LISTED}个）" if len(odd) > MAX_LISTED else "")
        + "，"
        f"执行率低于{low}的项目{len(tally.low_projects)}个"
        + (
            f"（下表列出最低的{MAX_LISTED}个，全部见审核汇总.xlsx）"
            if len(tally.low_projects) > MAX_LISTED
            else ""
        )
        + "。",
        keep=True,
    )
    if odd:
        table(
            doc,
            ("序号", "部门", "全年预算数（万元）", "全年执行数（万元）", "执行率"),
            [
                [str(i), r.name, _amount(r.full_year), _amount(r.executed), _rate(r.rate)]
                for i, r in enumerate(odd[:MAX_LISTED], 1)
            ],
            (10, 58, 32, 32, 24),
            ("center", None, "right", "right", "right"),
        )
    if tally.low_projects:
        table(
            doc,
            ("序号", "部门", "项目", "执行率"),
            [
                [str(i), d, p, fmt_rate(rate)]
                for i, (d, p, rate) in enumerate(
                    sorted(tally.low_projects, key=lambda x: x[2])[:MAX_LISTED], 1
                )
            ],
            (10, 48, 74, 24),
            ("center", None, None, "right"),
        )


def write_batch_report(target: Path, tally: BatchTally, counts: Mapping[str, int], profile: str = "") -> None:
    """Write the batch's 审核报告 atomically."""
    save(batch_document(tally, counts, profile), target)
