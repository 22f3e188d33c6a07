"""The building blocks a form is declared from: grids of labelled rows and columns, lists, text fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from xltool.forms.indicator_table import IndicatorTable
from xltool.forms.terms import Term
from xltool.model.records import FormKind

Role = Literal["input", "computed", "fixed", "none", "blank"]
Format = Literal["amount", "rate", "score", "count", "area", "text"]


@dataclass(frozen=True)
class Column:
    """A labelled column of a grid."""

    key: str
    term: Term
    fmt: Format = "amount"
    width: float = 14.0


@dataclass(frozen=True)
class Row:
    """A labelled row of a grid, with the role of each of the grid's columns in order."""

    key: str
    term: Term
    roles: tuple[Role, ...]
    indent: int = 0  # rendering only: 0 for totals, 1 for parts, 2 for sub-parts


@dataclass(frozen=True)
class Total:
    """``total`` equals the sum of ``parts`` in each of ``columns``; ``partial``: parts ≤ total."""

    total: str
    parts: tuple[str, ...]
    columns: tuple[str, ...]
    partial: bool = False
    label: str = ""  # Chinese name used in messages, e.g. 三公经费


@dataclass(frozen=True)
class Ratio:
    """A computed rate cell: ``row``/``column`` equals numerator ÷ denominator (cells as (row, column))."""

    row: str
    column: str
    numerator: tuple[str, str]
    denominator: tuple[str, str]
    label: str


@dataclass(frozen=True)
class Grid:
    """Rows × columns of figures, found by the row labels and the header row's column labels."""

    key: str
    corner: Term | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    totals: tuple[Total, ...] = ()
    ratios: tuple[Ratio, ...] = ()
    # Rows that are optional in real files (more 专项 rows, variant breakdowns).
    optional_rows: tuple[str, ...] = ()

    def row(self, key: str) -> Row:
        """The row declared under ``key``."""
        return next(r for r in self.rows if r.key == key)

    def column(self, key: str) -> Column:
        """The column declared under ``key``."""
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class ListBlock:
    """Label → single value pairs (the 按收入性质分 block, the 填报单位 line)."""

    key: str
    heading: Term | None
    items: tuple[Row, ...]  # roles has one entry: the value cell
    sums_to: str = ""  # the grid row this block breaks down (年度资金总额)


@dataclass(frozen=True)
class TextField:
    """A label whose value is the next non-empty cell to its right."""

    key: str
    term: Term
    fmt: Format = "text"


@dataclass(frozen=True)
class Variant:
    """A published variant of a form that omits some of its blocks by design (older or provincial forms).

    ``omits`` names what is absent, as the reader keys what it cannot find: ``grid:<grid>``,
    ``column:<grid>.<column>``, ``row:<grid>.<row>``, ``list:<list>``, ``field:<field>``. ``shows``
    names what the reader finds only on this variant: ``lead:indicators`` (a 绩效指标 column before
    一级指标 where the form has none), ``order:weight<target`` (分值 left of 年度指标值), ``total:grade``
    (a grade written in the 总分 row). A sheet lacking all the omitted and showing all the shown is
    that variant: what it omits is no finding, and the scored copy names it. Of two variants a sheet
    is, the one that shows more of the same omissions is named.
    """

    name: str  # Chinese, as shown: 无年初预算数
    omits: tuple[str, ...]
    shows: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormLayout:
    """One official form: how to recognise it, its blocks and its canonical rendering."""

    kind: FormKind
    title: str
    file_name: str
    # Labels that must all be present for a sheet to be this form; the first is shown in messages.
    signature: tuple[Term, ...]
    fields: tuple[TextField, ...]
    grids: tuple[Grid, ...]
    lists: tuple[ListBlock, ...] = ()
    indicators: IndicatorTable | None = None
    notes: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    widths: tuple[float, ...] = field(default=())
    landscape: bool = False
    variants: tuple[Variant, ...] = ()

    def grid(self, key: str) -> Grid:
        """The grid declared under ``key``."""
        return self._grids[key]

    def field_(self, key: str) -> TextField:
        """The text field declared under ``key``."""
        return self._fields[key]

    @cached_property
    def _grids(self) -> dict[str, Grid]:
        return {g.key: g for g in self.grids}

    @cached_property
    def _fields(self) -> dict[str, TextField]:
        return {f.key: f for f in self.fields}
