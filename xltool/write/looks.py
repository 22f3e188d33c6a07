"""How the forms look: fonts, fills, number formats, sizes, cell styles and their xlsxwriter formats.

`CellStyle` names a cell's look by its role on the form; `Styles` turns it into one workbook's format,
cloned from a prototype kept for the process (`add_format`). `display_units` and `wrapped_lines`
measure text in column-width units, so rows can be made tall enough for what they hold.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from math import ceil
from typing import Literal, NamedTuple

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from xltool.forms.blocks import Format as ValueFormat

# ---------------------------------------------------------------------------------------------
# Constants: fonts, fills, number formats and sizes

CREATED = datetime(2024, 1, 1)  # the only timestamp written, so rendered bytes are reproducible
BODY_FONT = "宋体"
TITLE_FONT = "黑体"
INPUT_FILL = "#FFF9E6"
COMPUTED_FILL = "#F2F2F2"
PAGE_FOOTER = f'&C&"{BODY_FONT}"&9第 &P 页 共 &N 页'  # every printed sheet: page numbers, 9 pt

NUMBER_FORMATS: dict[ValueFormat, str] = {
    "amount": "#,##0.00",
    "rate": "0.00%",
    "score": "0.00",
    "count": "0",
    "area": "#,##0.00",
    "text": "@",
}

MIN_COLUMN_WIDTH = 10.0  # fits a four-character label such as 项目名称 on one line
WIDE_CHAR_UNITS = 1.85  # a CJK character of 宋体 11 in column-width units (digits of the body font)
CELL_PADDING = 0.6
ROW_HEIGHT = 20.0
PORTRAIT_ROW_HEIGHT = 24.0  # 附件1 prints portrait with room to spare: roomier rows
TITLE_HEIGHT = 34.0
LINE_HEIGHT = 14.5
GOAL_HEIGHT = 72.0
MEASURES_HEIGHT = 110.0
MAX_ROW_HEIGHT = 409.0
A4_INCHES = (8.27, 11.69)
SIDE_MARGIN = 0.5
END_MARGIN = 0.6
DIGIT_PX = 8  # width of a digit of 宋体 11, the unit of column widths
ONE_PAGE_SLACK = 1.35  # a form at most this many pages tall is shrunk onto one page
INSTRUCTIONS_WIDTH = 72.0

# ---------------------------------------------------------------------------------------------
# Styles

StyleRole = Literal[
    "title", "subtitle", "header", "label", "input", "computed", "fixed", "none", "blank", "note", "plain"
]


class CellStyle(NamedTuple):
    """How one cell looks: its role on the form, its number format and a few layout touches.

    A named tuple rather than a dataclass: every cell written looks its format up by style, and a
    tuple hashes and compares in C.
    """

    role: StyleRole
    fmt: ValueFormat | None = None
    align: str | None = None
    valign: str | None = None
    indent: int = 0
    fill: str | None = None

    def filled(self, color: str) -> CellStyle:
        """The same style on another background (a highlighted finding)."""
        return self._replace(fill=color)


_BOX: dict[str, object] = {"border": 1, "text_wrap": True}
_ROLE_PROPERTIES: dict[StyleRole, dict[str, object]] = {
    "title": {"font_name": TITLE_FONT, "font_size": 18, "bold": True, "align": "center"},
    "subtitle": {"align": "center"},
    "header": {**_BOX, "bold": True, "align": "center"},
    "label": _BOX,
    "input": {**_BOX, "bg_color": INPUT_FILL, "locked": False},
    "computed": {**_BOX, "bg_color": COMPUTED_FILL, "locked": True},
    "fixed": {**_BOX, "align": "center"},
    "none": {**_BOX, "align": "center"},
    "blank": _BOX,
    "note": {"text_wrap": True, "valign": "top"},
    "plain": {},
}


_PROTOTYPES: dict[tuple[object, ...], Format] = {}
PropertyKey = tuple[tuple[str, object], ...]  # a format's properties, sorted: the same key for one look


def add_format(workbook: Workbook, props: Mapping[str, object], key: PropertyKey | None = None) -> Format:
    """``workbook.add_format(props)``, cloned from a prototype kept for the process.

    A batch adds the same few dozen formats to every workbook it writes; xlsxwriter's constructor runs a
    setter per property each time. The prototype is built as ``add_format`` builds a format (the
    workbook's default properties updated with ``props``) but belongs to no workbook; a clone is bound to
    this workbook's format indices, exactly as ``add_format`` binds a new one. ``key`` is
    ``props`` sorted, when the caller already has it.
    """
    defaults = workbook.default_format_properties
    cache_key = (tuple(defaults.items()), tuple(sorted(props.items())) if key is None else key)
    proto = _PROTOTYPES.get(cache_key)
    if proto is None:
        proto = Format({**defaults, **props}, {}, {})
        proto._get_format_key()  # computed once, from the properties alone
        _PROTOTYPES[cache_key] = proto
    fmt = Format.__new__(Format)
    fmt.__dict__.update(proto.__dict__)
    fmt.xf_format_indices = workbook.xf_format_indices
    fmt.dxf_format_indices = workbook.dxf_format_indices
    workbook.formats.append(fmt)
    return fmt


class Styles:
    """The formats of one workbook, each created once on first use and shared by all its sheets."""

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._formats: dict[CellStyle, Format] = {}

    def get(self, style: CellStyle) -> Format:
        """The xlsxwriter format for a style."""
        fmt = self._formats.get(style)
        if fmt is None:
            props, key = _style_properties(style)
            fmt = self._formats[style] = add_format(self._workbook, props, key)
        return fmt


@functools.cache
def _style_properties(style: CellStyle) -> tuple[dict[str, object], PropertyKey]:
    """A style's format properties and their sorted key, worked out once per process (read only)."""
    props = _format_properties(style)
    return props, tuple(sorted(props.items()))


def _format_properties(style: CellStyle) -> dict[str, object]:
    """xlsxwriter format properties for a style."""
    props: dict[str, object] = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
    props.update(_ROLE_PROPERTIES[style.role])
    if style.fmt is not None:
        props["num_format"] = NUMBER_FORMATS[style.fmt]
        if style.fmt != "text":
            props["text_wrap"] = False
    optional = {"align": style.align, "valign": style.valign, "bg_color": style.fill}
    props.update({k: v for k, v in optional.items() if v is not None})
    if style.indent:
        props["indent"] = style.indent
    return props


TITLE = CellStyle("title")
SUBTITLE = CellStyle("subtitle")
HEADER = CellStyle("header")
LABEL = CellStyle("label")
LABEL_CENTER = CellStyle("label", align="center")
TEXT_INPUT = CellStyle("input", "text", valign="top")
CELL_INPUT = CellStyle("input", "text")
FIXED = CellStyle("fixed", align="center")
NONE = CellStyle("none")
BLANK = CellStyle("blank")
NOTE = CellStyle("note")
PLAIN = CellStyle("plain")

# ---------------------------------------------------------------------------------------------
# Measuring text


@functools.lru_cache(maxsize=8192)
def wrapped_lines(text: str, width: float, padding: float = CELL_PADDING) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide."""
    usable = max(width - padding, 2.0)
    return sum(max(1, ceil(display_units(part) / usable)) for part in text.split("\n"))


@functools.lru_cache(maxsize=16384)
def display_units(text: str) -> float:
    """Width of a text in column-width units: an East Asian wide character is about two digits."""
    return sum(map(_CHAR_UNITS.__getitem__, text))  # the same sum, character by character, in C


def wide_characters(text: str) -> int:
    """How many East Asian wide characters a text holds."""
    return int(sum(map(_WIDE.__getitem__, text)))


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


class _PerCharacter(dict[str, float]):
    """A measure of each character, worked out once per character and process on first use."""

    def __init__(self, measure: Callable[[str], float]) -> None:
        super().__init__()
        self._measure = measure

    def __missing__(self, ch: str) -> float:
        value = self[ch] = self._measure(ch)
        return value


_CHAR_UNITS = _PerCharacter(lambda ch: WIDE_CHAR_UNITS if _is_wide(ch) else 1)
_WIDE = _PerCharacter(lambda ch: 1 if _is_wide(ch) else 0)


__all__ = [
    "BODY_FONT",
    "NUMBER_FORMATS",
    "PAGE_FOOTER",
    "CellStyle",
    "StyleRole",
    "Styles",
    "add_format",
    "display_units",
    "wide_characters",
    "wrapped_lines",
]
