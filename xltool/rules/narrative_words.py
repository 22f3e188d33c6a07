"""Family N: finding the words of a sentence that name a budget stage, an amount's object or a scope.

Helpers of narrative.py's checker: which words of forms/report_terms.py stand in the text just before
a figure, and whether a stated figure agrees with a form's figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xltool.forms import report_terms as T
from xltool.model.statements import Stated


def _last_word(text: str, words: Sequence[tuple[str, str]]) -> tuple[int, str] | None:
    """(position, key) of the word of ``words`` that ends last in ``text`` (the longest at a place)."""
    best: tuple[int, int, str] | None = None
    for word, key in words:
        at = text.rfind(word)
        if at >= 0:
            end = at + len(word)
            if best is None or end > best[0] or (end == best[0] and len(word) > best[1]):
                best = (end, len(word), key)
    return None if best is None else (best[0], best[2])


_OBJECT_WORDS = tuple(sorted({w for t in T.AMOUNT_TERMS for w in t.words}, key=len, reverse=True))
_NOT_STAGES = tuple(
    sorted({*T.STAGE_IGNORED, *(w for t in T.AMOUNT_TERMS for w in t.words)}, key=len, reverse=True)
)


def _stage_in(text: str) -> str | None:
    """The budget stage the words name last (a stage word inside 执行率 or 一般公共预算 is none)."""
    for ignored in _NOT_STAGES:
        text = text.replace(ignored, "　" * len(ignored))
    found = _last_word(text, T.STAGE_WORDS)
    return None if found is None else found[1]


def _objects_in(text: str) -> list[T.AmountTerm]:
    """The amount objects named in ``text``, a word inside a longer one not counted twice."""
    found: list[tuple[int, int, T.AmountTerm]] = []
    for term in T.AMOUNT_TERMS:
        for word in term.words:
            at = text.find(word)
            while at >= 0:
                found.append((at, at + len(word), term))
                at = text.find(word, at + 1)
    kept: list[tuple[int, int, T.AmountTerm]] = []
    for start, end, term in sorted(found, key=lambda x: (x[0], -(x[1] - x[0]))):
        if not any(s <= start and end <= e for s, e, _ in kept):
            kept.append((start, end, term))
    unique: dict[str, T.AmountTerm] = {}
    for _, _, term in kept:
        unique.setdefault(term.key, term)
    return list(unique.values())


def _matches(stated: Stated, value: Decimal, op: str | None = None) -> bool:
    """Whether a stated figure agrees with a form's figure, allowing for how it was rounded."""
    op = stated.op if op is None else op
    slack = stated.tolerance + Decimal("0.000001")
    if op == ">=":
        return value >= stated.number - slack
    if op == "<=":
        return value <= stated.number + slack
    return abs(value - stated.number) <= slack


def _scoped(text: str) -> bool:
    """Whether words narrow the text to a part of the department (本级, one fund) — object words aside."""
    for word in _OBJECT_WORDS:
        text = text.replace(word, "　")
    return any(w in text for w in T.SCOPE_WORDS)


def _bare_stage(text: str) -> bool:
    """Whether ``text`` is a stage word and punctuation only (，决算 / 、全年执行数为)."""
    rest = _stage_in(text) is not None and text
    for word, _ in T.STAGE_WORDS:
        rest = rest.replace(word, "") if rest else rest
    return bool(text) and rest is not False and rest.strip("，,、；;：: 为是") == ""


def _squeeze(text: str) -> str:
    return text.replace("“", "").replace("”", "").replace('"', "").replace(" ", "")
