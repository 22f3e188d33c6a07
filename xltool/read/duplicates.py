"""Duplicates and revisions: one copy of each form kept, the others set aside.

A department may send the same form twice (an original and its （修改版）, ``(1)``, 最终版 …) or the same
project in two workbooks. Of the sheets that are the same form (same department, same form kind and,
for 附件3, the same project), the one kept is the one with the latest 填报日期 on the form; failing
that the latest modification time; failing that the last by name. A file whose every form sheet is set
aside is ``superseded``. Written reports naming the same department are chosen among the same way, the
date written in the report (its 落款 or a 填报日期) standing for the 填报日期, names in natural order.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xltool.read.limits import Grid

DATE_LABEL = "填报日期"
HEAD_ROWS, FOOT_ROWS = 6, 20
_DATE = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})")
_SPACES = re.compile(r"\s+")


def filled_date(grids: Sequence[tuple[str, Grid]]) -> str | None:
    """The latest 填报日期 written on a workbook's sheets (ISO ``YYYY-MM-DD``), or None."""
    found: list[str] = []
    for _, grid in grids:
        # The date is written in a form's head or footer: only those rows are looked at.
        rows = grid if len(grid) <= HEAD_ROWS + FOOT_ROWS else [*grid[:HEAD_ROWS], *grid[-FOOT_ROWS:]]
        for row in rows:
            for c, value in enumerate(row):
                # The label's last character first: a cheap test that spares the substitution elsewhere.
                if isinstance(value, str) and "期" in value and DATE_LABEL in _SPACES.sub("", value):
                    after = value.split(DATE_LABEL, 1)[-1] if DATE_LABEL in value else ""
                    date = _as_date(after) or next(
                        (d for v in row[c + 1 : c + 4] if (d := _as_date(v)) is not None), None
                    )
                    if date is not None:
                        found.append(date)
    return max(found) if found else None


# A report's 落款 stands in its last paragraphs: a short paragraph ending with the date.
SIGNATURE_PARAGRAPHS, SIGNATURE_CHARS = 6, 40


def written_date(paragraphs: Sequence[str]) -> str | None:
    """The latest date a written report gives as its own (ISO): a 填报日期, or the 落款 date near its end."""
    found: list[str] = []
    for text in paragraphs:
        if "期" in text and DATE_LABEL in (squeezed := _SPACES.sub("", text)):
            date = _as_date(squeezed.split(DATE_LABEL, 1)[1])
            if date is not None:
                found.append(date)
    for text in paragraphs[-SIGNATURE_PARAGRAPHS:]:
        plain = unicodedata.normalize("NFKC", text).strip()
        match = _DATE.search(plain) if len(plain) <= SIGNATURE_CHARS else None
        if match is not None and not plain[match.end() :].strip(" 日号。.") and (date := _as_date(plain)):
            found.append(date)
    return max(found) if found else None


def _as_date(value: object) -> str | None:
    """A date written as a date cell or as text (2023年3月5日, 2023-03-05, 2023.3.5) in ISO form."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    match = _DATE.search(unicodedata.normalize("NFKC", value))
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


FormKey = tuple[str, str, str]  # (department key, form kind, project name or "")


def form_key(department: str, kind: str, project: str | None) -> FormKey:
    """What makes two sheets the same form: department, kind and, for 附件3, the project's name."""
    name = _SPACES.sub("", unicodedata.normalize("NFKC", project or "")) if kind == "project" else ""
    return (department, kind, name)


@dataclass(frozen=True)
class Candidate:
    """One read file's part in the choice: its form sheets' keys and what orders its copies."""

    index: int
    file: str
    forms: tuple[FormKey, ...]  # one per form sheet, in the workbook's order
    filled_on: str | None
    mtime: float


@dataclass(frozen=True)
class Duplicate:
    """One department's copies of the same forms: every file involved and the ones used."""

    department: str
    files: tuple[str, ...]  # every file involved, by name
    kept: tuple[str, ...]  # the files whose copies are used
    reason: str  # why those: 填报日期 / 修改时间 / 文件名


@dataclass(frozen=True)
class Resolution:
    """What the choice set aside."""

    superseded: dict[int, str]  # file index → the file kept instead
    dropped: dict[int, frozenset[int]]  # file index → positions of its form sheets set aside
    duplicates: tuple[Duplicate, ...]


def resolve(candidates: Sequence[Candidate], name_order: Callable[[str], Any] = str) -> Resolution:
    """Keep one copy of every form; say which files are superseded and which sheets dropped.

    ``name_order``: how names sort when only the name decides (plain order unless said otherwise).
    """
    holders: dict[FormKey, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        for key in dict.fromkeys(cand.forms):
            holders[key].append(cand)
    winner: dict[FormKey, Candidate] = {}
    reasons: dict[FormKey, str] = {}
    for key, copies in holders.items():
        if len(copies) > 1:
            winner[key], reasons[key] = _choose(copies, name_order)
    dropped: dict[int, set[int]] = defaultdict(set)
    for cand in candidates:
        for position, key in enumerate(cand.forms):
            chosen = winner.get(key)
            if chosen is not None and chosen.index != cand.index:
                dropped[cand.index].add(position)
    superseded: dict[int, str] = {}
    for cand in candidates:
        if cand.forms and len(dropped.get(cand.index, ())) == len(cand.forms):
            superseded[cand.index] = winner[cand.forms[0]].file
            del dropped[cand.index]
    by_department: dict[str, list[FormKey]] = defaultdict(list)
    for key in winner:
        by_department[key[0]].append(key)
    duplicates = []
    for department, keys in sorted(by_department.items()):
        files = sorted({c.file for k in keys for c in holders[k]})
        kept = sorted({winner[k].file for k in keys})
        reason = "、".join(dict.fromkeys(reasons[k] for k in keys))
        duplicates.append(Duplicate(department, tuple(files), tuple(kept), reason))
    return Resolution(superseded, {i: frozenset(p) for i, p in dropped.items()}, tuple(duplicates))


def _choose(copies: Sequence[Candidate], name_order: Callable[[str], Any] = str) -> tuple[Candidate, str]:
    """The copy kept and the reason: latest 填报日期, then latest modification time, then last name."""
    dates = [c.filled_on for c in copies]
    if all(dates) and len(set(dates)) > 1:
        latest = max(d for d in dates if d)
        best = [c for c in copies if c.filled_on == latest]
        if len(best) == 1:
            return best[0], "填报日期最晚"
        copies = best
    newest = max(c.mtime for c in copies)
    best = [c for c in copies if c.mtime == newest]
    if len(best) == 1 and len({c.mtime for c in copies}) > 1:
        return best[0], "修改时间最晚"
    return max(best, key=lambda c: name_order(c.file)), "文件名排序最后"
