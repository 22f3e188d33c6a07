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


def label_core(text: object) -> str:
    """Normalise a label cell for matching: NFKC, no spaces, numbering, 其中 prefix, year or colon."""
    if not isinstance(text, str):
        return ""
    return _label_core(text)


@short_text_cache(maxsize=8192)
def _label_core(text: str) -> str:
    core = _SPACES.sub("", unicodedata.normalize("NFKC", _CIRCLED.sub("", text.strip())))
    core = core.replace("“", "").replace("”", "").replace('"', "")
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

    def cores(self) -> tuple[str, ...]:
        """The normalised forms this term matches, the printed one first (computed once per term)."""
        return _term_cores(self)

    def quality(self, core: str) -> int | None:
        """How well a normalised label matches: 0 exact, n for n extra characters, None for no match."""
        best: int | None = None
        for pattern in self.cores():
            if core == pattern:
                return 0
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
    return tuple(dict.fromkeys(label_core(resolve(t, 2000)) for t in (term.text, *term.synonyms)))


def resolve(text: str, year: int | None) -> str:
    """Fill the ``{Y}`` / ``{Y-1}`` placeholders of a label for a given year (blank when unknown)."""
    if year is None:
        return text.replace("{Y-1}", "    ").replace("{Y}", "    ")
    return text.replace("{Y-1}", str(year - 1)).replace("{Y}", str(year))
