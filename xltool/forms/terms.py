"""Form labels as terms: the printed text, its variants, and the normalisation they are matched after.

Labels are matched after `label_core` normalisation (NFKC, no spaces, no numbering such as ``1、``, no
``其中：`` prefix, no trailing colon, no leading year such as ``2022年``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from xltool.model.caching import short_text_cache

_NUMBERING = re.compile(r"^(?:[（(]?[0-9一二三四五六七八九十]+[)）、.．]|[①-⑩])+")
_CIRCLED = re.compile(r"^[①-⑳]")
_YEAR = re.compile(r"^(?:19|20)\d{2}年(?:度)?")
_SPACES = re.compile(r"\s+")
# Marks publishers put on labels: ★ for key indicators, (A) / (B/A) naming a column in a formula.
_MARKS = re.compile(r"^[★☆※*▲△●◆]+|[★☆※*▲△●◆]+$|\([A-Z](?:[/+*-][A-Z])*\)$")
# A unit in brackets ending a label (项目资金（元）, 预算投资（万元）): read apart, see `amount_unit`.
_UNIT_BRACKET = re.compile(r"\((?:金额)?(?:单位:)?(?:万元|元|千元|百万元|亿元)\)$")


def label_core(text: object) -> str:
    """Normalise a label cell for matching: NFKC, no spaces, numbering, 其中 prefix, year or colon."""
    if not isinstance(text, str):
        return ""
    return _label_core(text)


@short_text_cache(maxsize=8192)
def _label_core(text: str) -> str:
    core = _SPACES.sub("", unicodedata.normalize("NFKC", _CIRCLED.sub("", text.strip())))
    core = core.replace("“", "").replace("”", "").replace('"', "")
    core = _UNIT_BRACKET.sub("", _MARKS.sub("", core))
    core = _NUMBERING.sub("", core)
    # NFKC turns the full-width colon into ':'; 其中 may stand with or without it.
    if core.startswith("其中"):
        core = core[2:].lstrip(":")
    core = _YEAR.sub("", core)
    return core.rstrip(":")


def label_year(text: object) -> int | None:
    """The year a label starts with (``2021年决算数`` → 2021), if any."""
    return _label_year(text) if isinstance(text, str) else None


@short_text_cache(maxsize=4096)  # column headers repeat across a batch
def _label_year(text: str) -> int | None:
    match = re.search(r"((?:19|20)\d{2})年", unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Term:
    """A label as printed on the official form, plus the variants real files carry."""

    text: str
    synonyms: tuple[str, ...] = ()
    # A label cell may carry a little more than the term (``公车运行维护费``); how much more.
    slack: int = 4
    # Short synonyms matched only exactly (``部门`` must not match ``部门负责人``).
    exact: tuple[str, ...] = ()

    def cores(self) -> tuple[str, ...]:
        """The normalised forms this term matches, the printed one first (computed once per term)."""
        return _term_cores(self)

    def quality(self, core: str) -> int | None:
        """How well a normalised label matches: 0 exact, n for n extra characters, None for no match."""
        best: int | None = None
        exact = _exact_cores(self)
        for pattern in self.cores():
            if core == pattern:
                return 0
            if pattern in exact:
                continue
            if core.startswith(pattern) and len(core) <= len(pattern) + self.slack:
                extra = len(core) - len(pattern)
                best = extra if best is None else min(best, extra)
        return best

    def matches(self, cell_text: object) -> bool:
        """Whether a cell's text is this label (exactly, or starting with it and a few more chars)."""
        core = label_core(cell_text)
        return bool(core) and self.quality(core) is not None


@functools.cache
def _term_cores(term: Term) -> tuple[str, ...]:
    texts = (term.text, *term.synonyms, *term.exact)
    return tuple(dict.fromkeys(label_core(resolve(t, 2000)) for t in texts))


@functools.cache
def _exact_cores(term: Term) -> frozenset[str]:
    loose = {label_core(resolve(t, 2000)) for t in (term.text, *term.synonyms)}
    return frozenset(label_core(t) for t in term.exact) - loose


# A money unit declared in a label or a note: 项目资金（元）, 单位：元, 金额单位：千元 → 万元 per unit.
AMOUNT_UNITS = {"元": "0.0001", "千元": "0.1", "万元": "1", "百万元": "100", "亿元": "10000"}
_UNIT_DECLARED = re.compile(r"(?:^|[(:])(?:金额)?(?:单位:)?(百万元|千元|万元|亿元|元)\)?$")


def amount_unit(text: object) -> str | None:
    """The money unit a label or note declares: ``项目资金（元）`` → 元, ``金额单位：千元`` → 千元."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    return _amount_unit(text)


@short_text_cache(maxsize=4096)  # headers and unit lines repeat across a batch
def _amount_unit(text: str) -> str | None:
    normal = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    if "单位" not in normal and "(" not in normal:
        return None
    match = _UNIT_DECLARED.search(normal)
    return match.group(1) if match else None


def resolve(text: str, year: int | None) -> str:
    """Fill the ``{Y}`` / ``{Y-1}`` placeholders of a label for a given year (blank when unknown)."""
    if year is None:
        return text.replace("{Y-1}", "    ").replace("{Y}", "    ")
    return text.replace("{Y-1}", str(year - 1)).replace("{Y}", str(year))
