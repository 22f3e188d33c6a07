"""A department's 自评报告 first draft (初稿) from its forms, in the usual outline (documents.md).

Every figure the forms hold is written with the words the N rules read (forms/report_terms.py), and
exactly as the forms hold it, so that the unedited draft agrees with its forms by construction; what
only the department can write (duties, causes, measures) is a marked placeholder 【请填写：…】.
Parts are introduced with 其中 only where they add up to their total, as the within-text rules expect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xltool.model.records import FormSheet, IndicatorRow
from xltool.model.rounding import fmt_num, fmt_rate
from xltool.rules.forms_view import DepartmentForms
from xltool.write.official import cn_number, heading, new_document, para, save, title

PLACEHOLDER = "【请填写：{}】"
LEVEL1 = (("output", "产出"), ("benefit", "效益"), ("satisfaction", "满意度"))
THREE_PUBLIC = (
    ("three_public", "“三公”经费"),
    ("reception", "公务接待费"),
    ("vehicle_running", "公务用车运行维护费"),
    ("abroad", "因公出国（境）费"),
    ("public_funds", "公用经费"),
    ("projects", "项目支出"),
)
BY_SOURCE = (
    ("general", "一般公共预算拨款"),
    ("fund", "政府性基金拨款"),
    ("non_tax", "纳入专户管理的非税收入拨款"),
)
BY_USE = (("basic", "基本支出"), ("projects", "项目支出"))


def draft_name(name: str, year: int | None) -> str:
    """<部门名称><年度>年度部门整体支出绩效自评报告（初稿）.docx."""
    period = f"{year}年度" if year else ""
    return f"{name}{period}部门整体支出绩效自评报告（初稿）.docx"


def _fill(what: str) -> str:
    return PLACEHOLDER.format(what)


def _amount(value: Decimal | None) -> str:
    return f"{fmt_num(value)}万元"


def _figure(sheet: FormSheet | None, block: str, row: str, column: str) -> Decimal | None:
    found = sheet.figure(block, row, column) if sheet is not None else None
    return found.value if found is not None else None


def _text(sheet: FormSheet | None, key: str) -> str:
    found = sheet.texts.get(key) if sheet is not None else None
    return found.value.strip() if found is not None else ""


def _raw(value: object) -> str:
    text = fmt_num(value) if isinstance(value, int | float) else str(value or "").strip()
    return text or "未填报"


def _numbered(items: Sequence[str]) -> str:
    return "；".join(f"{i}.{item.rstrip('；;。')}" for i, item in enumerate(items, start=1)) + "。"


def _lines(text: str) -> str:
    """A form's multi-line text as one paragraph."""
    return "；".join(line.strip().rstrip("；;。") for line in text.splitlines() if line.strip()).rstrip("。")


class _Draft:
    def __init__(self, forms: DepartmentForms, record: Mapping[str, Any] | None) -> None:
        self.forms = forms
        self.record = record or {}
        self.year = forms.year
        self.doc = new_document(draft_name(forms.name, forms.year).removesuffix(".docx"))
        self.number = 0
        self.sub = 0

    def heading(self, text: str) -> None:
        self.number += 1
        self.sub = 0
        heading(self.doc, f"{cn_number(self.number)}、{text}")

    def subheading(self, text: str) -> None:
        self.sub += 1
        heading(self.doc, f"（{cn_number(self.sub)}）{text}", level=2)

    def write(self) -> Any:
        f, doc = self.forms, self.doc
        period = f"{self.year}年度" if self.year else ""
        title(doc, f"{f.name}{period}部门整体支出\n绩效自评报告（初稿）")
        para(
            doc,
            "本稿由 xltool 根据本单位报送的附件1、附件2、附件3 自评表生成，文中数字均取自自评表；"
            "【请填写：…】处须由本单位补充完善，定稿前请删除本段。",
            style="顶格",
        )
        self.basics()
        self.spending()
        self.performance()
        self.heading("存在的问题及原因")
        para(doc, _fill("部门整体支出和项目实施中存在的问题，以及产生问题的原因"))
        self.heading("下一步改进措施")
        para(doc, _fill("针对上述问题拟采取的改进措施"))
        self.heading("绩效自评结果拟应用和公开情况")
        para(doc, _fill("自评结果在预算安排、政策调整、改进管理等方面的应用，以及随部门决算公开的安排"))
        return doc

    def basics(self) -> None:
        f, doc = self.forms, self.doc
        self.heading("部门基本情况")
        self.subheading("部门职责")
        para(doc, _fill("部门主要职责、内设机构和所属单位情况"))
        self.subheading("人员情况")
        authorized = _figure(f.basic, "staff", "staff", "authorized")
        actual = _figure(f.basic, "staff", "staff", "actual")
        if authorized is not None and actual is not None:
            text = f"单位核定编制{fmt_num(authorized)}人，实际在职人数{fmt_num(actual)}人"
            if authorized > 0:
                text += f"，在职人员控制率{fmt_rate(float(actual / authorized))}"
            para(doc, text + "。")
        else:
            para(doc, _fill("编制人数和实际在职人数（附件1 未填报）"))
        self.subheading("部门整体支出绩效目标")
        goal = _text(f.table, "goal_expected")
        para(doc, _lines(goal) + "。" if goal else _fill("年度绩效目标（附件2 未填报）"))

    def spending(self) -> None:
        f, doc = self.forms, self.doc
        self.heading("部门整体支出管理及使用情况")
        self.subheading("预算安排和执行情况")
        stages = [
            (column, word, _figure(f.table, "budget", "total", column))
            for column, word in (
                ("initial", "年初预算"),
                ("full_year", "全年预算"),
                ("executed", "全年执行数"),
            )
        ]
        if any(v is not None for _, _, v in stages):
            period = f"{self.year}年" if self.year else ""
            text = "，".join(f"{word}{_amount(v)}" for _, word, v in stages if v is not None)
            rate = f.execution_rate()
            if rate is not None:
                text += f"，预算执行率{fmt_rate(float(rate[0]))}"
            para(doc, f"{period}部门{text}。")
        else:
            para(doc, _fill("年初预算、全年预算和全年执行数（附件2 未填报）"))
        for block, words, lead in (
            ("by_source", BY_SOURCE, "按收入性质分"),
            ("by_use", BY_USE, "按支出性质分"),
        ):
            parts = [(word, _figure(f.table, block, row, "value")) for row, word in words]
            if any(v is not None for _, v in parts):
                para(
                    doc, f"{lead}：" + "，".join(f"{w}{_amount(v)}" for w, v in parts if v is not None) + "。"
                )
        self.subheading("经费控制情况")
        lines = []
        for row, word in THREE_PUBLIC:
            budget = _figure(f.basic, "spending", row, "budget")
            actual = _figure(f.basic, "spending", row, "actual")
            prior = _figure(f.basic, "spending", row, "prior_actual")
            said = [f"预算数{_amount(budget)}" if budget is not None else ""]
            said.append(f"决算数{_amount(actual)}" if actual is not None else "")
            said.append(f"上年决算数{_amount(prior)}" if prior is not None else "")
            if any(said):
                lines.append(word + "，".join(s for s in said if s))
        para(
            doc,
            "。".join(lines) + "。" if lines else _fill("“三公”经费、公用经费的预算和决算（附件1 未填报）"),
        )
        measures = _text(f.basic, "measures")
        if measures:
            para(doc, "厉行节约保障措施：" + _lines(measures) + "。")
        self.subheading("项目资金使用情况")
        if not f.projects:
            para(doc, _fill("项目资金的安排和使用情况（未报送附件3）"))
        for sheet in f.projects:
            para(doc, self.project_money(sheet))

    def project_money(self, sheet: FormSheet) -> str:
        name = sheet.project or sheet.sheet
        stages = [
            (word, _figure(sheet, "budget", "total", column))
            for column, word in (
                ("initial", "年初预算"),
                ("full_year", "全年预算"),
                ("executed", "全年执行数"),
            )
        ]
        text = "，".join(f"{word}{_amount(v)}" for word, v in stages if v is not None)
        rate = self.forms.execution_rate(sheet)
        if rate is not None:
            text += f"，预算执行率{fmt_rate(float(rate[0]))}"
        implementer = _text(sheet, "implementer")
        by = f"（实施单位：{implementer}）" if implementer else ""
        return f"{name}{by}：{text or '资金未填报'}。"

    def performance(self) -> None:
        f, doc = self.forms, self.doc
        self.heading("部门整体支出绩效情况")
        for key, word in LEVEL1:
            self.subheading(f"{word}指标完成情况")
            rows = [r for r in (f.table.indicators if f.table is not None else ()) if r.level1_key == key]
            para(doc, _indicators(rows) if rows else _fill(f"{word}指标的完成情况（附件2 未填报）"))
        actual = _text(f.table, "goal_actual")
        if actual:
            para(doc, "年度目标完成情况：" + _lines(actual) + "。")
        self.subheading("项目绩效情况")
        if not f.projects:
            para(doc, _fill("各项目的绩效目标完成情况（未报送附件3）"))
        for sheet in f.projects:
            para(doc, f"{sheet.project or sheet.sheet}：{_indicators(sheet.indicators)}", lead="")
        self.subheading("未完成的指标及偏差原因")
        short = [
            (s, r)
            for s in ([f.table] if f.table else []) + list(f.projects)
            for r in s.indicators
            if _short(r)
        ]
        if not short:
            para(doc, "各项指标均已完成。")
        for sheet, row in short:
            where = "部门整体" if sheet.kind == "department" else (sheet.project or sheet.sheet)
            reason = row.reason.strip() or _fill("未完成的原因")
            para(
                doc,
                f"{where}“{row.name}”年度指标值{_raw(row.target_raw)}，实际完成值{_raw(row.actual_raw)}。偏差原因：{reason}",
            )
        self.subheading("自评得分")
        para(doc, self.scores())

    def scores(self) -> str:
        f = self.forms
        parts = []
        own = f.self_score()
        table = self.record.get("department_table") or {}
        if own is not None:
            text = f"部门整体支出绩效自评得分{fmt_num(own.value)}分"
            if table.get("score") is not None:
                text += f"，按评分规则复算{fmt_num(table['score'])}分，等级为“{table.get('grade') or '—'}”"
            parts.append(text)
        rules = {(p.get("file"), p.get("sheet")): p for p in self.record.get("projects") or ()}
        for sheet in f.projects:
            stated = f.self_score(sheet)
            if stated is None:
                continue
            text = f"{sheet.project or sheet.sheet}自评得分{fmt_num(stated.value)}分"
            scored = rules.get((sheet.file, sheet.sheet))
            if scored is not None and scored.get("score") is not None:
                text += f"，按评分规则复算{fmt_num(scored['score'])}分"
            parts.append(text)
        return "。".join(parts) + "。" if parts else _fill("自评得分（自评表未填报总分）")


def _short(row: IndicatorRow) -> bool:
    """An indicator not fully met: scored below its weight, or a deviation reason given."""
    if row.reason.strip():
        return True
    return row.weight is not None and row.self_score is not None and row.self_score < row.weight


def _indicators(rows: Sequence[IndicatorRow]) -> str:
    items = [f"{r.name}年度指标值{_raw(r.target_raw)}，实际完成值{_raw(r.actual_raw)}" for r in rows]
    return _numbered(items) if items else "未填报绩效指标。"


def draft_document(forms: DepartmentForms, record: Mapping[str, Any] | None = None) -> Any:
    """The draft of one department's 自评报告 (``record``: its report.json record, for the rule scores)."""
    return _Draft(forms, record).write()


def write_draft(target: Path, forms: DepartmentForms, record: Mapping[str, Any] | None = None) -> None:
    """Write one department's draft atomically."""
    save(draft_document(forms, record), target)
