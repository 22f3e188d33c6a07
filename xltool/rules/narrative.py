"""Family N: a written report (自评报告) checked against its department's forms.

Each sentence's figures are read with the words just before them (forms/report_terms.py says which
words name which form figure); a figure is compared only when those words name exactly one figure of
the forms, and a contradiction points at the paragraph and quotes the sentence. Figures that must agree
within the text itself are checked in narrative_text.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from xltool.forms import report_terms as T
from xltool.model.records import Finding, FormSheet, IndicatorRow, WrittenReport
from xltool.model.rounding import fmt_num
from xltool.model.statements import Sentence, plain_text, sentences
from xltool.model.values import Quantity, comparable
from xltool.rules.catalogue import BY_ID
from xltool.rules.forms_view import DepartmentForms, FormFigure
from xltool.rules.narrative_text import check_within_text, heading_stage
from xltool.rules.narrative_words import (
    _bare_stage,
    _last_word,
    _matches,
    _objects_in,
    _scoped,
    _squeeze,
    _stage_in,
)

_Hit = tuple[str, IndicatorRow, FormSheet]  # (name as prose writes it, indicator row, its sheet)
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_CLAUSE = re.compile(r"[，,、；;：:（()）]")
STAGE_NAMES = {
    "initial": "年初预算",
    "full_year": "全年预算",
    "executed": "执行数",
    "budget": "预算数",
    "prior": "上年决算数",
}
_HUNDRED = Decimal(100)


def check_report(report: WrittenReport, forms: DepartmentForms | None) -> list[Finding]:
    """Every N finding on one written report (``forms``: its department's forms, None when there are none)."""
    if forms is None or (forms.table is None and forms.basic is None and not forms.projects):
        return [_no_forms(report)]
    checker = _Checker(report, forms)
    parsed = sentences(report.paragraphs)
    for sentence in parsed:
        checker.sentence(sentence)
    findings = checker.findings + check_within_text(report, parsed, forms.name)
    unique: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        unique.setdefault((f.rule, f.paragraph, f.quote, f.actual), f)
    return sorted(unique.values(), key=lambda f: (f.paragraph or 0, f.rule))


def _no_forms(report: WrittenReport) -> Finding:
    name = report.department or "（未能识别）"
    return Finding(
        rule="N-NO-FORMS",
        severity="info",
        file=report.file,
        sheet="",
        cell="",
        message=(
            f"书面报告所写部门“{name}”没有对应的自评表（附件1/2/3），报告中的数字未能与表格核对；"
            "请确认报告标题中的部门名称与表格一致，并与表格放在同一文件夹"
        ),
        department=report.department or "",
        rule_name=BY_ID["N-NO-FORMS"].name,
        paragraph=1,
        quote=report.title,
    )


class _Checker:
    """Walks the sentences of one report, comparing figures with the forms."""

    def __init__(self, report: WrittenReport, forms: DepartmentForms) -> None:
        self.report = report
        self.forms = forms
        self.year = forms.year or report.year
        self.findings: list[Finding] = []
        self.indicator_sheets = [s for s in (forms.table, *forms.projects) if s is not None]

    def sentence(self, s: Sentence) -> None:
        """Check the figures of one sentence."""
        scoped = any(w in h for h in s.headings for w in T.SCOPE_WORDS)
        stage: str | None = None
        indicator: _Hit | None = None
        self._object: T.AmountTerm | None = None
        for i, stated in enumerate(s.figures):
            before = plain_text(s.before(i))
            local_stage = _stage_in(before)
            stage = local_stage or stage
            if stated.approximate:
                continue
            named = self.forms.projects_named(before)
            if not named and not any(w in before for w in T.DEPARTMENT_WORDS):
                named = self.forms.projects_named(s.leading(i))
            if stated.kind == "amount":
                done = self._amount(s, i, before, local_stage, stage, scoped, named)
            elif stated.kind == "rate":
                done = self._rate(s, i, before, scoped, named)
            elif stated.kind == "score":
                done = self._score(s, i, before, named)
            else:
                done = self._staff(s, i, before, scoped)
            if done:
                indicator = None
                continue
            indicator = self._indicator(s, i, before, named, indicator)

    # --- amounts ---------------------------------------------------------------------------------

    def _amount(
        self,
        s: Sentence,
        i: int,
        before: str,
        local_stage: str | None,
        stage: str | None,
        scoped: bool,
        named: list[FormSheet],
    ) -> bool:
        year = self._year_of(s.leading(i))
        prior = year == "prior" or any(w in before for w in T.PRIOR_WORDS)
        if year == "other":
            return True
        if named:
            if len(named) == 1 and local_stage in ("initial", "full_year", "executed") and not prior:
                sheet = named[0]
                figure = self.forms.figure(("project", "budget", "total", local_stage), sheet)
                label = f"{sheet.project}{STAGE_NAMES[local_stage]}"
                self._compare(s, i, "N-PROJECT", label, [figure] if figure else [])
                return True
            return bool(_objects_in(before)) or local_stage is not None
        objects = _objects_in(before)
        if not objects and self._object is not None and _bare_stage(before):
            objects = [self._object]  # "三公经费预算40万元，决算33.44万元": the object goes on
        if objects:
            self._object = objects[0]
        elif self._object is not None:
            return True  # an object named earlier in the sentence: the bare words name no total
        if scoped or len(objects) > 1:
            return bool(objects) or local_stage is not None
        if _scoped(s.leading(i)):
            return True
        if objects:
            term = objects[0]
            if any(w in before for w in term.unless):
                return True
            key = "prior" if prior else (stage or "")
            cells = list(term.cells.get(key, ()))
            star = term.cells.get("*", ())
            if star and key in self.forms.list_stages(star[0][1]):
                cells.extend(star)
            if not cells or (stage is None and not prior):
                return True
            label = f"{term.label}{STAGE_NAMES.get(key, '')}"
            self._compare(s, i, term.rule, label, [self.forms.figure(c) for c in cells])
            return True
        if local_stage is None or prior or any(w in before for w in T.TOTAL_EXCLUDED):
            return local_stage is not None
        stages = ("initial", "full_year") if local_stage == "budget" else (local_stage,)
        cells = [c for st in stages for c in T.TOTAL_TERM.cells.get(st, ())]
        label = f"部门年度资金总额{STAGE_NAMES.get(local_stage, '')}"
        self._compare(s, i, T.TOTAL_TERM.rule, label, [self.forms.figure(c) for c in cells])
        return True

    def _year_of(self, leading: str) -> str | None:
        """'prior' or 'other' when the sentence names a year other than the report's, else None."""
        years = [int(y) for y in _YEAR.findall(plain_text(leading))]
        if not years or self.year is None or years[-1] == self.year:
            return None
        return "prior" if years[-1] == self.year - 1 else "other"

    def _compare(
        self, s: Sentence, i: int, rule: str, label: str, figures: Sequence[FormFigure | None]
    ) -> None:
        present = [f for f in figures if f is not None]
        if not present:
            return
        stated = s.figures[i]
        if any(_matches(stated, f.value) for f in present):
            return
        form = present[0]
        unit = "万元" if stated.kind == "amount" else stated.unit
        self._add(
            s,
            rule,
            f"报告写{label}为{stated.text}，表格{form.where}为{fmt_num(form.value)}{unit}；"
            "请核对后更正报告或表格，使两者一致",
            form,
            float(stated.number),
        )

    def _add(
        self,
        s: Sentence,
        rule: str,
        message: str,
        form: FormFigure | None,
        actual: float | str,
        expected: float | str | None = None,
    ) -> None:
        info = BY_ID[rule]
        self.findings.append(
            Finding(
                rule=rule,
                severity=info.severity,
                file=self.report.file,
                sheet="",
                cell="",
                message=message,
                expected=expected if expected is not None else (float(form.value) if form else None),
                actual=actual,
                department=self.forms.name,
                rule_name=info.name,
                basis=info.basis,
                paragraph=s.paragraph,
                quote=s.text.strip(),
                expected_at=(form.file, form.sheet, form.cell) if form else None,
            )
        )

    # --- rates, staff, scores --------------------------------------------------------------------

    def _rate(self, s: Sentence, i: int, before: str, scoped: bool, named: list[FormSheet]) -> bool:
        if any(w in before for w in T.STAFF_RATE_WORDS):
            authorized = self.forms.figure(("basic_data", "staff", "staff", "authorized"))
            actual = self.forms.figure(("basic_data", "staff", "staff", "actual"))
            if authorized and actual and authorized.value > 0:
                self._rate_against(
                    s, i, "N-STAFF", "在职人员控制率", actual.value / authorized.value, actual, authorized
                )
            return True
        if not any(w in before for w in T.EXECUTION_RATE_WORDS):
            return False
        if named:
            if len(named) != 1:
                return True
            sheet: FormSheet | None = named[0]
            label = f"{named[0].project}预算执行率"
        else:
            if scoped or _objects_in(before) or any(w in before for w in T.SCOPE_WORDS):
                return True
            sheet, label = None, "部门预算执行率"
        computed = self.forms.execution_rate(sheet)
        if computed is not None:
            rate, executed, full_year = computed
            self._rate_against(s, i, "N-EXEC-RATE", label, rate, executed, full_year)
        return True

    def _rate_against(
        self,
        s: Sentence,
        i: int,
        rule: str,
        label: str,
        rate: Decimal,
        numerator: FormFigure,
        denominator: FormFigure,
    ) -> None:
        stated = s.figures[i]
        percent = rate * _HUNDRED
        if _matches(stated, percent):
            return
        computed = f"{percent.quantize(Decimal('0.01'))}%"
        self._add(
            s,
            rule,
            f"报告写{label}为{stated.text}，按表格{numerator.where}÷{denominator.cell}"
            f"（{fmt_num(numerator.value)}÷{fmt_num(denominator.value)}）应为{computed}；请核对后更正",
            numerator,
            float(stated.number / _HUNDRED),
            expected=float(round(rate, 4)),
        )

    def _staff(self, s: Sentence, i: int, before: str, scoped: bool) -> bool:
        stated = s.figures[i]
        if stated.unit != "人" or any(w in before for w in T.STAFF_EXCLUDED) or scoped:
            return False
        clause = _CLAUSE.split(before)[-1] if before else ""
        authorized = any(w in clause for w in T.STAFF_AUTHORIZED_WORDS)
        actual = any(w in clause for w in T.STAFF_ACTUAL_WORDS)
        if authorized == actual:
            return False
        column = "authorized" if authorized else "actual"
        figure = self.forms.figure(("basic_data", "staff", "staff", column))
        label = "编制数" if authorized else "实际在职人数"
        self._compare(s, i, "N-STAFF", label, [figure])
        return True

    def _score(self, s: Sentence, i: int, before: str, named: list[FormSheet]) -> bool:
        if not any(w in before for w in T.SELF_SCORE_WORDS) or any(
            w in before for w in T.SELF_SCORE_EXCLUDED
        ):
            return False
        if any(name in _squeeze(before) for name, _, _ in self.forms.indicators(self.indicator_sheets)):
            return True
        if len(named) > 1:
            return True
        sheet = named[0] if named else None
        figure = self.forms.self_score(sheet)
        label = f"{sheet.project}自评得分" if sheet else "部门整体支出绩效自评得分"
        self._compare(s, i, "N-SELF-SCORE", label, [figure])
        return True

    # --- indicators ------------------------------------------------------------------------------

    def _indicator(
        self,
        s: Sentence,
        i: int,
        before: str,
        named: list[FormSheet],
        previous: _Hit | None,
    ) -> _Hit | None:
        sheets = [s for s in (self.forms.table, *(named if len(named) == 1 else ())) if s is not None]
        candidates = self.forms.indicators(sheets)
        clause = _squeeze(_CLAUSE.split(before)[-1] if before else "")
        hits = [(name, row, sheet) for name, row, sheet in candidates if name in clause]
        if len({name for name, _, _ in hits}) > 1:
            longest = max(hits, key=lambda h: len(h[0]))
            hits = [h for h in hits if h[0] == longest[0]] if all(h[0] in longest[0] for h in hits) else []
        if len(hits) != 1:
            if hits or previous is None or _squeeze(before).strip("，,、和及与") == "":
                return None
            hit = previous
        else:
            hit = hits[0]
        _, row, sheet = hit
        column = self._indicator_stage(s, before)
        if column is None:
            return hit
        stated = s.figures[i]
        value = getattr(row, column)
        if not isinstance(value, Quantity):
            return hit
        numbers: tuple[Decimal, Decimal] | None
        if stated.kind == "amount":
            numbers = (stated.number, value.number / 10000) if value.unit == "元" else None
        else:
            numbers = comparable(Quantity(stated.op, stated.number, stated.unit, stated.text), value)
        if numbers is None:
            return hit
        if abs(numbers[0] - numbers[1]) <= stated.tolerance + Decimal("0.000001"):
            return hit
        which = "年度指标值" if column == "target" else "实际完成值"
        cell = row.cells.get(column, "")
        form = FormFigure(numbers[1], sheet.file, sheet.sheet, cell)
        raw = getattr(row, f"{column}_raw")
        self._add(
            s,
            "N-INDICATOR",
            f"报告写“{row.name}”{which}为{stated.text}，表格{form.where}填报为{raw}；请核对后更正报告或表格",
            form,
            stated.text,
            expected=str(raw),
        )
        return hit

    def _indicator_stage(self, s: Sentence, before: str) -> str | None:
        words = [(w, "target") for w in T.INDICATOR_TARGET_WORDS] + [
            (w, "actual") for w in T.INDICATOR_ACTUAL_WORDS
        ]
        found = _last_word(before, words)
        return found[1] if found is not None else heading_stage(s.headings)
