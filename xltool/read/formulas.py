"""Formulas a workbook holds without their results (saved by openpyxl, some exporters, a filled script).

calamine reads a cell's cached result; a file written by a program that computes nothing has none, and
the cell would read as empty — a 得分 or 执行率 the department did state. The official templates'
formulas are simple (sums, ratios, ROUND, IF, MIN, MAX), so they are evaluated here over the sheet's
values; a formula that cannot be (another function, a reference to another sheet, text in arithmetic,
a division by zero) leaves its cell not stated, never 0.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Rows = list[list[object]]
# Sheet name → (row, column) → formula text of a cell without a cached result, None for one with one.
SheetFormulas = dict[str, dict[tuple[int, int], str | None]]
# Passes over a sheet's formulas: one formula may use another's result.
MAX_PASSES = 8
MAX_FORMULA_LEN = 500

_TOKEN = re.compile(
    r"\s*(?:(?P<range>\$?[A-Z]{1,3}\$?[0-9]{1,7}:\$?[A-Z]{1,3}\$?[0-9]{1,7})"
    r"|(?P<cell>\$?[A-Z]{1,3}\$?[0-9]{1,7})(?![A-Z0-9(])"
    r"|(?P<func>[A-Z][A-Z0-9.]*)\s*\("
    r"|(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?%?|\.[0-9]+%?)"
    r"|(?P<op><=|>=|<>|[-+*/^(),=<>&]))"
)


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula and no cached result, as the workbook stores it (without ``=``)."""

    text: str


class _Unknown(Exception):
    """The formula cannot be evaluated here (yet, or at all)."""


class _Pending(_Unknown):
    """The formula uses another formula's cell not evaluated yet."""


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _address(ref: str) -> tuple[int, int]:
    ref = ref.replace("$", "")
    split = next(i for i, ch in enumerate(ref) if ch.isdigit())
    return int(ref[split:]) - 1, _column(ref[:split])


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _Unknown(text[pos:])
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _number(value: object) -> float:
    """A referenced cell's value in arithmetic, as a spreadsheet program reads it."""
    if value is None:
        return 0.0
    if isinstance(value, Formula):
        raise _Pending
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    raise _Unknown("text in arithmetic")  # #VALUE! in a spreadsheet


def _round(x: float, digits: float = 0) -> float:
    factor = 10 ** int(digits)
    return math.copysign(math.floor(abs(x) * factor + 0.5) / factor, x)


_FUNCTIONS: dict[str, Callable[..., float]] = {
    "SUM": lambda *xs: math.fsum(xs),
    "MIN": lambda *xs: min(xs) if xs else 0.0,
    "MAX": lambda *xs: max(xs) if xs else 0.0,
    "AVERAGE": lambda *xs: math.fsum(xs) / len(xs),
    "ABS": abs,
    "ROUND": _round,
}


class _Parser:
    """Recursive descent over the tokens of one formula, values read from ``rows``."""

    def __init__(self, tokens: list[tuple[str, str]], rows: Sequence[Sequence[object]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.rows = rows

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if value is not None and token[1] != value:
            raise _Unknown(f"expected {value}")
        self.pos += 1
        return token

    def cell(self, ref: str) -> object:
        r, c = _address(ref)
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def comparison(self) -> float | bool:
        left = self.additive()
        kind, op = self.peek()
        if kind == "op" and op in ("=", "<>", "<", ">", "<=", ">="):
            self.take()
            right = self.additive()
            return {
                "=": left == right,
                "<>": left != right,
                "<": left < right,
                ">": left > right,
                "<=": left <= right,
                ">=": left >= right,
            }[op]
        return left

    def additive(self) -> float:
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> float:
        value = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            right = self.unary()
            if op == "/" and right == 0:
                raise _Unknown("#DIV/0!")
            value = value * right if op == "*" else value / right
        return value

    def unary(self) -> float:
        if self.peek() == ("op", "-"):
            self.take()
            return -self.unary()
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> float:
        value = self.primary()
        if self.peek() == ("op", "^"):
            self.take()
            return float(value ** self.unary())
        return value

    def primary(self) -> float:
        kind, text = self.take()
        if kind == "number":
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
        if kind == "cell":
            return _number(self.cell(text))
        if kind == "op" and text == "(":
            value = self.comparison()
            self.take(")")
            return float(value)
        if kind == "func":
            return self.call(text)
        raise _Unknown(text)

    def arguments(self) -> list[float | bool | list[float]]:
        args: list[float | bool | list[float]] = []
        if self.peek() == ("op", ")"):
            self.take()
            return args
        while True:
            kind, text = self.peek()
            if kind == "range":
                self.take()
                args.append(self.range_values(text))
            else:
                args.append(self.comparison())
            if self.take()[1] == ")":
                return args

    def range_values(self, text: str) -> list[float]:
        (r0, c0), (r1, c1) = (_address(end) for end in text.split(":"))
        values: list[float] = []
        for r in range(min(r0, r1), max(r0, r1) + 1):
            for c in range(min(c0, c1), max(c0, c1) + 1):
                value = self.cell(f"{_letters(c)}{r + 1}")
                if isinstance(value, Formula):
                    raise _Pending
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values.append(float(value))  # text and blanks in a range are skipped, as SUM does
        return values

    def call(self, name: str) -> float:
        args = self.arguments()
        if name == "IF":
            if len(args) not in (2, 3) or isinstance(args[0], list):
                raise _Unknown("IF")
            chosen = args[1] if args[0] else (args[2] if len(args) == 3 else 0.0)
            if isinstance(chosen, list):
                raise _Unknown("IF")
            return float(chosen)
        function = _FUNCTIONS.get(name)
        if function is None:
            raise _Unknown(name)
        flat: list[float] = []
        for arg in args:
            flat.extend(arg if isinstance(arg, list) else [float(arg)])
        return float(function(*flat))


def _letters(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def evaluate(text: str, rows: Sequence[Sequence[object]]) -> float:
    """The value of a formula over a sheet's values; raises _Unknown when it cannot be evaluated."""
    if len(text) > MAX_FORMULA_LEN or "!" in text:  # another sheet, or too long to be a form's formula
        raise _Unknown(text[:20])
    parser = _Parser(_tokens(text.upper().lstrip("=")), rows)
    value = parser.comparison()
    if parser.pos != len(parser.tokens):
        raise _Unknown("trailing")
    result = float(value)
    if not math.isfinite(result):
        raise _Unknown("not finite")
    return result


def evaluate_sheet(rows: Rows) -> Rows:
    """The rows with every `Formula` cell replaced by its value, or None where it cannot be evaluated."""
    pending = [
        (r, c) for r, row in enumerate(rows) for c, value in enumerate(row) if isinstance(value, Formula)
    ]
    if not pending:
        return rows
    rows = [list(row) for row in rows]
    for _ in range(MAX_PASSES):
        waiting = []
        for r, c in pending:
            formula = rows[r][c]
            assert isinstance(formula, Formula)
            try:
                rows[r][c] = evaluate(formula.text, rows)
            except _Pending:
                waiting.append((r, c))
            except (_Unknown, ArithmeticError, ValueError, IndexError, RecursionError):
                rows[r][c] = None
        if len(waiting) == len(pending) or not waiting:
            pending = waiting
            break
        pending = waiting
    for r, c in pending:  # a cycle, or a chain longer than MAX_PASSES
        rows[r][c] = None
    return rows


# ---------------------------------------------------------------------------------------------
# Formula cells in a sheet part's XML

_CELL_START = re.compile(rb"<c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>([^<]*)</f>)")
_CACHED = re.compile(rb"<v>[^<]")
# A sheet with more formulas than this is no form: its formulas are left alone.
MAX_FORMULAS = 5000


def formula_cells(data: bytes) -> dict[tuple[int, int], str | None]:
    """(row, column) → formula text of the cells without a cached result, None for those with one."""
    found: dict[tuple[int, int], str | None] = {}
    pos = data.find(b"<f")
    while pos >= 0 and len(found) < MAX_FORMULAS:
        if data[pos + 2 : pos + 3] not in (b">", b" ", b"/"):  # <family …>, <font …>: no formula
            pos = data.find(b"<f", pos + 2)
            continue
        start = data.rfind(b"<c", 0, pos)
        end = data.find(b"</c>", pos)
        cell = _CELL_START.match(data, start) if start >= 0 else None
        if cell is None or end < 0 or data.rfind(b"</c>", start, pos) >= 0:
            pos = data.find(b"<f", pos + 2)
            continue
        at = (int(cell.group(2)) - 1, _column(cell.group(1).decode()))
        formula = _FORMULA.match(data, pos)
        if _CACHED.search(data, pos, end) or formula is None or formula.group(1) is None:
            found[at] = None  # cached, or a shared formula's follower (its text is on the first cell)
        else:
            found[at] = html.unescape(formula.group(1).decode("utf-8", errors="replace"))
        pos = data.find(b"<f", end)
    return found
