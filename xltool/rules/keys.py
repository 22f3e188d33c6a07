"""Finding keys and a finding's standing across review rounds (cycle.md).

The key says "the same problem" from one round to the next even when rows move: department, form
kind, project (附件3), rule and the row's label (indicator name, budget line) — never the cell address.
A finding's standing comes from the department's 情况说明 and the reviewer's 审核意见: an error stays
open unless the reviewer accepted it; a warning or info with a substantive explanation is explained.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from xltool.model.records import Finding, FormSheet

ACCEPT = "接受"
SEPARATOR = "|"
# Explanations that say nothing: an empty promise is not an explanation.
BOILERPLATE = frozenset(
    {
        "无", "没有", "暂无", "无说明", "已核实", "已核对", "已确认", "核实无误", "无误", "属实", "正确",
        "见说明", "详见说明", "见附件", "同上", "同前", "如上", "已修改", "已整改", "已更正", "知悉",
        "好", "是", "否", "ok", "na", "n/a", "/", "-", "—", "——", "…", "...", "。", "略",
    }
)  # fmt: skip
MIN_EXPLANATION_CHARS = 4
_DIGITS = re.compile(r"[\d.%]+")
SHEET_WORDS = 40
_NOISE = re.compile(r"[\s，,。.；;：:！!、（）()\"'“”‘’]+")


def _plain(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


# Longest first, so that 已核实 goes before 无 when an explanation is stripped of them.
_BOILERPLATE = sorted({_plain(b) for b in BOILERPLATE} - {""}, key=len, reverse=True)


def project_key(name: str | None) -> str:
    """A 附件3 project's name as finding keys hold it."""
    return _plain(name or "")


def _label(finding: Finding, sheet: FormSheet | None) -> str:
    """The row's label of a finding's anchor, in layout terms or by indicator name."""
    anchor = finding.anchor
    if finding.paragraph is not None:  # a written report's sentence, told apart by its words
        return "段落:" + _DIGITS.sub("", _plain(finding.quote or ""))[:SHEET_WORDS]
    if anchor[0] == "indicator" and sheet is not None:
        position = int(anchor[1])
        name = next((i.name for i in sheet.indicators if i.index == position), None)
        if name is None and 0 <= position < len(sheet.indicators):
            name = sheet.indicators[position].name
        return f"指标:{_plain(name or anchor[1])}:{anchor[2] if len(anchor) > 2 else ''}"
    if anchor == ("sheet",):  # a finding about the whole sheet: told apart by its words, not its figures
        return "sheet:" + _DIGITS.sub("", _plain(finding.message))[:SHEET_WORDS]
    return ":".join(anchor)


def finding_keys(findings: Sequence[Finding], sheets: Mapping[tuple[str, str], FormSheet]) -> list[str]:
    """The key of each finding; a second finding with the same key gets ``#2`` and so on."""
    keys: list[str] = []
    seen: Counter[str] = Counter()
    for f in findings:
        sheet = sheets.get((f.file, f.sheet))
        kind = sheet.kind if sheet is not None else "report" if f.paragraph is not None else ""
        project = project_key(sheet.project) if sheet is not None and sheet.kind == "project" else ""
        key = SEPARATOR.join((f.department, kind, project, f.rule, _label(f, sheet)))
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def is_substantive(explanation: str | None, message: str = "") -> bool:
    """Whether an explanation says something: not empty, not boilerplate, not a copy of the message."""
    if not explanation:
        return False
    text = _plain(explanation)
    if message and text and text in _plain(message):
        return False
    for phrase in _BOILERPLATE:
        text = text.replace(phrase, "")
    return len(text) >= MIN_EXPLANATION_CHARS


def standing(finding: Finding, explanation: str | None, review: str | None) -> str:
    """``open`` or ``explained`` (cycle.md): an error stays open unless the reviewer marked it 接受."""
    if review == ACCEPT:
        return "explained"
    if finding.severity != "error" and is_substantive(explanation, finding.message):
        return "explained"
    return "open"


def with_standing(
    findings: Sequence[Finding],
    keys: Sequence[str],
    explanations: Mapping[str, tuple[str | None, str | None]],
) -> list[Finding]:
    """Each finding with its key, the explanation and review given for that key, and its status."""
    out = []
    for f, key in zip(findings, keys, strict=True):
        explanation, review = explanations.get(key, (None, None))
        values = list(_FINDING_VALUES(f))
        for position, value in zip(
            _STANDING_FIELDS, (key, explanation, review, standing(f, explanation, review)), strict=True
        ):
            values[position] = value
        out.append(Finding(*values))  # `dataclasses.replace`, without its per-field look-ups
    return out


_FINDING_NAMES = tuple(field.name for field in dataclasses.fields(Finding))
_FINDING_VALUES = operator.attrgetter(*_FINDING_NAMES)  # every field's value, in order, at once
_STANDING_FIELDS = tuple(_FINDING_NAMES.index(name) for name in ("key", "explanation", "review", "status"))
