"""Cell values as the reader sees them: A1 addresses, text, blanks and the numbers of a layout format."""

from __future__ import annotations

import functools
from decimal import Decimal

from xltool.forms.terms import Term
from xltool.model.caching import SHORT_TEXT
from xltool.model.magnitude import MAX_MAGNITUDE, magnitude_problem
from xltool.model.values import AmountError, Quantity, parse_amount, parse_rate, parse_value, to_decimal

MAX_FLOAT = float(MAX_MAGNITUDE)  # a float cell is checked against it without a Decimal


@functools.cache
def column_letters(col: int) -> str:
    """The letters of a 0-based column (0 → A)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.lru_cache(maxsize=16384)  # forms keep their cells in the first rows and columns
def a1(row: int, col: int) -> str:
    """The A1 address of a 0-based (row, column)."""
    return f"{column_letters(col)}{row + 1}"


def cell_text(value: object) -> str:
    """A cell value as text: numbers without a spurious ``.0``, None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def blank(value: object) -> bool:
    """Whether a cell holds nothing (None or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def all_blank(*values: object) -> bool:
    """Whether every value is `blank` (unrolled: it runs once per indicator row)."""
    for value in values:
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def label_text(term: Term) -> str:
    """A term as printed, without its year placeholders, for messages."""
    return term.text.replace("{Y-1}年", "").replace("{Y}年", "").replace("（{Y}年完工项目）", "")


def short_text(raw: object) -> bool:
    """Whether ``raw`` is a text short enough for the parse caches (forms repeat such texts)."""
    return type(raw) is str and len(raw) <= SHORT_TEXT


def cell_number(raw: object, fmt: str) -> tuple[Decimal | None, str | None]:
    """(value, problem) of a numeric cell in a layout format (amount, rate, score, count, area).

    A figure too large to be a real one is set aside with a problem saying so (see model/magnitude).
    """
    if raw is None:
        return None, None
    if type(raw) is float:
        if raw >= MAX_FLOAT or raw <= -MAX_FLOAT:
            return None, magnitude_problem(raw)
        # Scores repeat (2, 3, 10 …), amounts seldom. The cache keys by value: -0.0 equals 0.0 and
        # nan equals nothing, so neither goes into it.
        if fmt == "score" and raw == raw and raw != 0:
            return _cached_number(raw, fmt)
        if fmt != "rate":  # a finite float is its own amount, count or area
            number = to_decimal(raw)
            if number is not None:
                return number, None
    elif short_text(raw):
        return _cached_number(raw, fmt)
    return _parse_number(raw, fmt)


def _parse_number(raw: object, fmt: str) -> tuple[Decimal | None, str | None]:
    """`cell_number` without its shortcuts (texts and integers: their size checked here)."""
    value, problem = _parse_any_number(raw, fmt)
    if value is not None and not -MAX_MAGNITUDE < value < MAX_MAGNITUDE:
        return None, magnitude_problem(raw)
    return value, problem


def _parse_any_number(raw: object, fmt: str) -> tuple[Decimal | None, str | None]:
    """`_parse_number` whatever the size."""
    try:
        if fmt == "rate":
            return parse_rate(raw), None
        if fmt == "amount":
            return parse_amount(raw), None
    except AmountError as exc:
        return None, str(exc)
    number = to_decimal(raw)
    if number is not None or raw is None:
        return number, None
    try:
        if parse_amount(raw) is None:  # the marks of an empty cell: ——, 无, #DIV/0! …
            return None, None
    except AmountError:
        pass
    value = parse_value(raw)  # "8.5分", "216人", "1200㎡"
    if value is None:
        return None, None
    if isinstance(value, Quantity) and value.op == "" and value.unit != "%":
        return value.number, None
    what = {"score": "分数", "count": "人数", "area": "面积"}.get(fmt, "数字")
    return None, f"无法把“{cell_text(raw)}”读作{what}：请填写数字，或留空、填“——”"


# Forms repeat the same texts (——, 无, 8.5分 …) and scores: each (value, format) is parsed once per process.
_cached_number = functools.lru_cache(maxsize=8192)(_parse_number)
