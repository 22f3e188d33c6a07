"""Figures stated in prose: sentences, headings and the amounts, rates and counts they state.

A written report (自评报告) is read as its non-empty paragraphs; each is cut into sentences, and every
figure written with a unit is found with its offsets, so that a rule can read the words around it and
quote the sentence. Standard library only. Offsets are those of the text as written: characters are
normalised one by one (full-width digits and signs), never in a way that moves them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

FigureKind = Literal["amount", "rate", "count", "score"]

# Units of amounts, in 万元 per unit.
_AMOUNT_UNITS = {"亿元": Decimal(10000), "万元": Decimal(1), "千元": Decimal("0.1"), "元": Decimal("0.0001")}
# Units of counts and measures, longest first where one starts another.
COUNT_UNITS = (
    "个工作日",
    "工作日",
    "人次",
    "平方公里",
    "平方米",
    "立方米",
    "公顷",
    "公里",
    "千米",
    "分钟",
    "小时",
    "户",
    "人",
    "个",
    "件",
    "项",
    "次",
    "宗",
    "家",
    "本",
    "份",
    "亩",
    "米",
    "处",
    "名",
    "座",
    "条",
    "起",
    "批",
    "张",
    "套",
    "台",
    "辆",
    "天",
    "村",
    "篇",
    "场",
    "吨",
    "株",
    "栋",
    "例",
    "所",
)
_MULTIPLIER = {"万": Decimal(10000), "千": Decimal(1000), "亿": Decimal(100000000)}
_UNIT_PATTERN = "|".join(
    re.escape(u) for u in sorted((*_AMOUNT_UNITS, *COUNT_UNITS, "%", "分"), key=lambda u: -len(u))
)
# A number written with a unit: 3279.93万元, 1.4万个, 95%, 24件, 91.53分, 12,750.62万元.
_FIGURE = re.compile(
    rf"(?<![0-9.A-Za-z])(?<![0-9],)(?P<number>[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
    rf"(?P<mult>[万千亿](?!元))?(?P<unit>{_UNIT_PATTERN})"
)
# Words that make a figure approximate (约3.66亿元, 1万余份, 100多人) or bounded (90%以上).
_APPROXIMATE_BEFORE = ("约", "近", "逾", "将近", "大约", "不到", "不足", "超过", "上万")
_APPROXIMATE_AFTER = ("余", "多", "左右", "上下", "许")
_BOUND_AFTER = {"以上": ">=", "及以上": ">=", "以下": "<=", "以内": "<=", "及以下": "<="}
_BOUND_BEFORE = {"≥": ">=", "不低于": ">=", "不少于": ">=", "≤": "<=", "不超过": "<=", "不高于": "<="}
# A number that is an ordinal, a range's lower end or part of a code is no figure (第3批, 3-5天).
_NOT_BEFORE = ("第", "-", "~", "至", "—", "–", "～")
_SENTENCE_END = re.compile(r"[。！？；;!?\n]")
_HEADING = re.compile(
    r"^\s*(?:(?P<l1>[一二三四五六七八九十]+[、．.])|(?P<l2>[（(][一二三四五六七八九十]+[)）])"
    r"|(?P<l3>[0-9]{1,2}[、．.](?![0-9]))|(?P<l4>[（(][0-9]{1,2}[)）]))"
)


@dataclass(frozen=True, slots=True)
class Stated:
    """A figure a sentence states: its number in the base unit and where it stands in the sentence."""

    kind: FigureKind
    number: Decimal  # 万元 for amounts, percentage points for rates, the count, the points of a score
    unit: str  # 万元, %, 分, or the count's unit (人, 个, 亩 …)
    op: str  # "" | ">=" | "<="
    approximate: bool
    text: str  # as written, e.g. "3.66亿元"
    start: int
    end: int
    tolerance: Decimal  # half a unit of the last digit written, in the base unit


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a written report with the figures it states and the headings above it."""

    paragraph: int  # 1-based, counting non-empty paragraphs
    text: str
    figures: tuple[Stated, ...]
    headings: tuple[str, ...]  # the headings it stands under, outermost first
    first_in_paragraph: bool = False

    def before(self, index: int) -> str:
        """The words between the previous figure (or the sentence start) and figure ``index``."""
        start = self.figures[index - 1].end if index else 0
        return self.text[start : self.figures[index].start]

    def leading(self, index: int) -> str:
        """The sentence up to figure ``index``."""
        return self.text[: self.figures[index].start]


def _plain(ch: str) -> str:
    """One character normalised (full-width digits, ％, ，) where NFKC keeps it one character."""
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def plain_text(text: str) -> str:
    """Text normalised character by character, so that offsets stay those of the text as written."""
    return "".join(_plain(ch) for ch in text)


def figures_in(text: str) -> tuple[Stated, ...]:
    """Every figure written with a unit in ``text`` (offsets into ``text``)."""
    plain = plain_text(text)
    found: list[Stated] = []
    for match in _FIGURE.finditer(plain):
        start, end = match.span()
        if plain[max(0, start - 1) : start] in _NOT_BEFORE or plain[end : end + 1] in ("-", "~", "至"):
            continue
        unit = match["unit"]
        if unit == "分" and plain[end : end + 1] in ("之", "别", "钟", "项"):
            continue  # 百分之, 分别, 分钟 (a count unit of its own), 分项
        found.append(_stated(plain, match, unit))
    return tuple(found)


def _stated(plain: str, match: re.Match[str], unit: str) -> Stated:
    start, end = match.span()
    written = match["number"].replace(",", "")
    number = Decimal(written)
    decimals = len(written.split(".")[1]) if "." in written else 0
    step = Decimal(1).scaleb(-decimals) / 2
    multiplier = _MULTIPLIER.get(match["mult"] or "", Decimal(1))
    kind: FigureKind
    if unit in _AMOUNT_UNITS:
        kind, scale, base = "amount", multiplier * _AMOUNT_UNITS[unit], "万元"
    elif unit == "%":
        kind, scale, base = "rate", Decimal(1), "%"
    elif unit == "分":
        kind, scale, base = "score", Decimal(1), "分"
    else:
        kind, scale, base = "count", multiplier, unit
    after = plain[end : end + 3]
    before = plain[max(0, start - 4) : start]
    op = next((o for w, o in _BOUND_AFTER.items() if after.startswith(w)), "")
    op = op or next((o for w, o in _BOUND_BEFORE.items() if before.endswith(w)), "")
    approximate = after.startswith(_APPROXIMATE_AFTER) or before.endswith(_APPROXIMATE_BEFORE)
    if after.startswith(_APPROXIMATE_AFTER):
        end += 1
    return Stated(
        kind=kind,
        number=number * scale,
        unit=base,
        op=op,
        approximate=approximate,
        text=plain[start:end],
        start=start,
        end=end,
        tolerance=step * scale,
    )


def heading_level(paragraph: str) -> int | None:
    """1 for 一、, 2 for （一）, 3 for 1. / 1、, 4 for （1）; None for a paragraph that is no heading.

    A heading is short and states no figure; a numbered paragraph that goes on is body text.
    """
    match = _HEADING.match(plain_text(paragraph))
    if match is None or len(paragraph.strip()) > 40 or figures_in(paragraph):
        return None
    body = paragraph.strip().rstrip("。.：:")
    if "。" in body or "，" in body:
        return None
    return next(i for i, key in enumerate(("l1", "l2", "l3", "l4"), 1) if match[key])


def sentences(paragraphs: tuple[str, ...] | list[str]) -> list[Sentence]:
    """The sentences of a report's non-empty paragraphs, each with its figures and headings."""
    out: list[Sentence] = []
    headings: dict[int, str] = {}
    for number, paragraph in enumerate(paragraphs, 1):
        level = heading_level(paragraph)
        if level is not None:
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = paragraph.strip()
            continue
        path = tuple(headings[k] for k in sorted(headings))
        start = 0
        first = True
        for end_match in [*_SENTENCE_END.finditer(paragraph), None]:
            end = end_match.end() if end_match is not None else len(paragraph)
            text = paragraph[start:end]
            if text.strip():
                out.append(Sentence(number, text, figures_in(text), path, first))
                first = False
            start = end
            if end_match is None:
                break
    return out
