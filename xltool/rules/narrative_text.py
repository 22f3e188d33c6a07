"""Family N within the text: parts against the total they are stated of, a rate against its counts.

"…39575.03万元，其中：基本支出2899.23万元，项目支出36675.8万元" must add up; "立案查处…24件…结案18件"
makes a stated 办结率 of 95 % impossible. Both are read from the text alone, without the forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from xltool.forms import report_terms as T
from xltool.model.records import Finding, WrittenReport
from xltool.model.rounding import fmt_num
from xltool.model.statements import Sentence, Stated, plain_text
from xltool.rules.catalogue import BY_ID

_CLAUSE = re.compile(r"[，,、；;：:（()）]")
_TINY = Decimal("0.000001")
_HUNDRED = Decimal(100)


def check_within_text(report: WrittenReport, parsed: Sequence[Sentence], department: str) -> list[Finding]:
    """Parts that do not add up to their stated total, rates their stated counts contradict."""
    findings: list[Finding] = []
    for sentence in parsed:
        findings.extend(_parts(report, sentence, department))
    findings.extend(_rates_from_counts(report, parsed, department))
    return findings


def _finding(
    report: WrittenReport,
    s: Sentence,
    rule: str,
    message: str,
    department: str,
    expected: float | str | None,
    actual: float | str,
    threshold: float | None = None,
) -> Finding:
    info = BY_ID[rule]
    return Finding(
        rule=rule,
        severity=info.severity,
        file=report.file,
        sheet="",
        cell="",
        message=message,
        expected=expected,
        actual=actual,
        department=department,
        threshold=threshold,
        rule_name=info.name,
        basis=info.basis,
        paragraph=s.paragraph,
        quote=s.text.strip(),
    )


# --- parts and their total ---------------------------------------------------------------------


def _parts(report: WrittenReport, s: Sentence, department: str) -> list[Finding]:
    plain = plain_text(s.text)
    findings: list[Finding] = []
    for mark in re.finditer(T.PARTS_MARK, plain):
        split = _split(plain, s.figures, mark)
        if split is None:
            continue
        total, parts = split
        added = sum((f.number for f, _ in parts), Decimal(0))
        slack = total.tolerance + sum((f.tolerance for f, _ in parts), Decimal(0)) + _TINY
        complete = _complete([words for _, words in parts])
        if added > total.number + slack:
            relation = "大于"
        elif complete and added < total.number - slack:
            relation = "小于"
        else:
            continue
        unit = "万元" if total.kind == "amount" else total.unit
        listed = "＋".join(f.text for f, _ in parts)
        findings.append(
            _finding(
                report,
                s,
                "N-PARTS-SUM",
                f"报告写合计{total.text}，其中各项{listed}共{fmt_num(added)}{unit}，{relation}所写合计；"
                "请核对各分项和合计后更正",
                department,
                float(total.number) if relation == "小于" else None,
                float(added),
                threshold=float(total.number) if relation == "大于" else None,
            )
        )
    return findings


def _split(
    plain: str, figures: Sequence[Stated], mark: re.Match[str]
) -> tuple[Stated, list[tuple[Stated, str]]] | None:
    """The total a 其中 follows and the parts it lists, or None when they cannot be told apart."""
    before = [k for k, f in enumerate(figures) if f.end <= mark.start()]
    if not before:
        return None
    first = before[-1]
    total = figures[first]
    gap = plain[total.end : mark.start()]
    if gap.strip(" ，,（(：:、") or total.approximate:
        return None
    limit = len(plain)
    if "（" in gap or "(" in gap:
        closes = [at for at in (plain.find("）", mark.end()), plain.find(")", mark.end())) if at >= 0]
        limit = min(closes) if closes else limit
    parts: list[tuple[Stated, str]] = []
    start = mark.end()
    for figure in figures[first + 1 :]:
        if figure.start >= limit:
            break
        words = plain[start : figure.start]
        start = figure.end
        if T.PARTS_MARK in words:
            return None  # a breakdown of a part: the levels cannot be told apart
        if (
            figure.kind != total.kind
            or figure.unit != total.unit
            or any(w in words for w in T.PART_BREAK_WORDS)
        ):
            break
        if figure.approximate:
            return None
        parts.append((figure, words))
    return (total, parts) if parts else None


def _complete(words: list[str]) -> bool:
    """Whether the parts are named one each by the words of a breakdown known to be complete."""
    for breakdown in T.COMPLETE_PARTS:
        if len(words) != len(breakdown):
            continue
        used = [next((w for w in breakdown if w in part), None) for part in words]
        if None not in used and len(set(used)) == len(breakdown):
            return True
    return False


# --- a rate and its counts ---------------------------------------------------------------------


def _clause_before(s: Sentence, index: int) -> str:
    before = plain_text(s.before(index))
    return _CLAUSE.split(before)[-1] if before else ""


def _counts(
    scope: Sequence[Sentence], words: tuple[str, ...], unless: tuple[str, ...]
) -> list[tuple[Sentence, Stated, str]]:
    found = []
    for s in scope:
        for k, figure in enumerate(s.figures):
            if figure.kind != "count" or figure.approximate:
                continue
            before = plain_text(s.before(k))
            clause = _clause_before(s, k)
            if any(w in clause for w in words) and not any(w in clause for w in unless):
                found.append((s, figure, before))
    return found


def _shares_subject(subject: str, other: str) -> bool:
    """Whether two stretches of text share two characters in a row (违法案件 … 违法案件)."""
    return any(subject[k : k + 2] in other for k in range(len(subject) - 1))


def heading_stage(headings: Sequence[str]) -> str | None:
    """'target' or 'actual' when the nearest heading that says so is about targets or results."""
    for heading in reversed(headings):
        if any(w in heading for w in T.ACTUAL_HEADINGS):
            return "actual"
        if any(w in heading for w in T.TARGET_HEADINGS):
            return "target"
    return None


def _rates_from_counts(report: WrittenReport, parsed: Sequence[Sentence], department: str) -> list[Finding]:
    findings: list[Finding] = []
    for s in parsed:
        for i, stated in enumerate(s.figures):
            if stated.kind != "rate" or stated.approximate:
                continue
            clause = _clause_before(s, i)
            if heading_stage(s.headings) == "target" or any(w in clause for w in T.INDICATOR_TARGET_WORDS):
                continue  # a rate set as a target is no statement of what the counts give
            for term in T.RATES_FROM_COUNTS:
                word = next((w for w in term.rate_words if w in clause), None)
                if word is None:
                    continue
                pair = _pair(parsed, s, term)
                if pair is None:
                    break
                (numerator, _), (denominator, den_before) = pair
                subject = clause[: clause.rfind(word)]
                if denominator.number == 0 or numerator.number > denominator.number:
                    break
                if subject and not _shares_subject(subject, den_before):
                    break
                computed = numerator.number / denominator.number * _HUNDRED
                slack = stated.tolerance + _TINY
                if stated.op == ">=" and computed >= stated.number - slack:
                    break
                if stated.op != ">=" and abs(computed - stated.number) <= slack:
                    break
                shown = computed.quantize(Decimal("0.01"))
                findings.append(
                    _finding(
                        report,
                        s,
                        "N-RATE-COUNTS",
                        f"报告写{word}为{stated.text}，但文中所写{numerator.text}÷{denominator.text}"
                        f"（{term.label}）为{shown}%；请核对比率或件数后更正",
                        department,
                        float(round(computed / _HUNDRED, 4)),
                        float(stated.number / _HUNDRED),
                    )
                )
                break
    return findings


def _pair(
    parsed: Sequence[Sentence], s: Sentence, term: T.RateFromCounts
) -> tuple[tuple[Stated, str], tuple[Stated, str]] | None:
    """The one numerator and denominator the text gives for a rate: in its paragraph, else anywhere."""
    paragraph = [x for x in parsed if x.paragraph == s.paragraph]
    for scope in (paragraph, parsed):
        numerators = _counts(scope, term.numerator_words, term.rate_words)
        denominators = _counts(scope, term.denominator_words, (*term.numerator_words, *term.rate_words))
        pairs = [
            ((n, nb), (d, db))
            for _, n, nb in numerators
            for _, d, db in denominators
            if n.unit == d.unit and n is not d
        ]
        if pairs:
            return pairs[0] if len(pairs) == 1 else None
    return None
