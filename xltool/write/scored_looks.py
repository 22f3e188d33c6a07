"""The looks a scored workbook shares between its form sheets and its 审核结果 sheet: fills by severity,
the 按规则计算 block's colours, links, and the formats made once per workbook (`Looks`)."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from xltool.forms.blocks import Format as ValueFormat
from xltool.write.looks import INPUT_FILL, NUMBER_FORMATS, add_format

FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C", "info": "#DDEBF7"}


RULE_FILL = "#E2EFDA"  # the 按规则计算 block: light green, apart from the form's yellow and grey


RULE_BODY_FILL = "#F5FAF2"


OVER_FONT = "#9C0006"  # a rule score below the self-declared one


HEADER_FILL = "#F2F2F2"


LINK_FONT = "#0563C1"


def internal_link(sheet: str, cell: str) -> str:
    """An internal hyperlink target to a cell of a sheet of the same workbook."""
    return "internal:'{}'!{}".format(sheet.replace("'", "''"), cell)


_REVIEW_LOOKS: dict[str, dict[str, object]] = {
    "title": {"bold": True, "font_size": 14},
    "text": {"font_size": 10},
    "wrap": {"font_size": 10, "text_wrap": True, "valign": "top"},
    "header": {"bold": True, "bg_color": HEADER_FILL, "border": 1, "align": "center", "text_wrap": True},
    "cell": {"font_size": 10, "border": 1},
    "over": {"font_size": 10, "border": 1, "bold": True, "font_color": OVER_FONT},
    "center": {"font_size": 10, "border": 1, "align": "center"},
    "message": {"font_size": 10, "border": 1, "text_wrap": True},
    "link": {"font_size": 10, "border": 1, "font_color": LINK_FONT, "underline": 1, "align": "center"},
    "sheet_link": {"font_size": 10, "border": 1, "font_color": LINK_FONT, "underline": 1},
    "explanation": {
        "font_size": 10,
        "border": 1,
        "text_wrap": True,
        "valign": "top",
        "bg_color": INPUT_FILL,
        "locked": False,
    },
    "verdict": {"font_size": 10, "border": 1, "align": "center", "bg_color": INPUT_FILL, "locked": False},
}


class Looks:
    """The formats of the scored workbook that are not form cells, created once per workbook on use.

    Each named look is remembered by its name and arguments, so asking again costs a dict lookup.
    """

    def __init__(self, workbook: Workbook) -> None:
        self._workbook = workbook
        self._formats: dict[tuple[tuple[str, object], ...], Format] = {}
        self._named: dict[tuple[object, ...], Format] = {}
        self._review: dict[str, Format] = {}

    def get(self, **props: object) -> Format:
        """A format with these xlsxwriter properties (over the body font, vertically centred)."""
        key = tuple(sorted(props.items()))
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = self._formats[key] = add_format(self._workbook, {"valign": "vcenter", **props})
        return fmt

    def _named_look(
        self, name: tuple[object, ...], props: Callable[..., dict[str, object]], *args: object
    ) -> Format:
        """The look called ``name``, made from ``props(*args)`` the first time it is asked for."""
        fmt = self._named.get(name)
        if fmt is None:
            fmt = self._named[name] = self.get(**props(*args))
        return fmt

    def block_header(self) -> Format:
        """A heading cell of the 按规则计算 block."""
        return self._named_look(
            ("block_header",),
            lambda: {"bold": True, "bg_color": RULE_FILL, "border": 1, "align": "center", "text_wrap": True},
        )

    def block_value(self, fmt: str, *, over: bool = False, text: bool = False) -> Format:
        """A value cell of the 按规则计算 block; bold red when the department claimed more."""
        return self._named_look(("block_value", fmt, over, text), _block_value, fmt, over, text)

    def note_cell(self, severity: str) -> Format:
        """The cell reference of a 审核意见 line: a link filled by severity."""
        return self._named_look(
            ("note_cell", severity),
            lambda: {
                "font_size": 11,
                "align": "center",
                "bg_color": FILLS[severity],
                "font_color": LINK_FONT,
                "underline": 1,
            },
        )

    def note_text(self) -> Format:
        """The text of a 审核意见 line."""
        return self._named_look(("note_text",), lambda: {"font_size": 11, "text_wrap": True})

    def review(self, kind: str) -> Format:
        """Formats of the 审核结果 sheet by name (asked for per cell: a plain dict lookup once made)."""
        fmt = self._review.get(kind)
        if fmt is None:
            fmt = self._review[kind] = self.get(**_REVIEW_LOOKS[kind])
        return fmt

    def review_number(self, fmt: ValueFormat | None) -> Format:
        """A bordered number cell of the 审核结果 sheet in a value format."""
        return self._named_look(("review_number", fmt), _review_number, fmt)

    def severity(self, severity: str) -> Format:
        """The 级别 cell of a finding, filled by severity."""
        return self._named_look(("severity", severity), _severity, severity)


def _block_value(fmt: str, over: bool, text: bool) -> dict[str, object]:
    """The properties of a value cell of the 按规则计算 block."""
    looks: dict[str, object] = {"border": 1, "bg_color": RULE_BODY_FILL}
    looks |= {"text_wrap": True, "font_size": 10} if text else {"num_format": fmt, "align": "center"}
    if over:
        looks |= {"bold": True, "font_color": OVER_FONT}
    return looks


def _review_number(fmt: ValueFormat | None) -> dict[str, object]:
    """The properties of a bordered number cell of the 审核结果 sheet."""
    number = NUMBER_FORMATS[fmt] if fmt and fmt != "text" else "General"
    return {"font_size": 10, "border": 1, "align": "right", "num_format": number}


def _severity(severity: str) -> dict[str, object]:
    """The properties of the 级别 cell of a finding."""
    return {"font_size": 10, "border": 1, "align": "center", "bg_color": FILLS[severity]}
