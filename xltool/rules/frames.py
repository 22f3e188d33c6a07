"""Stack the forms of a chunk of departments into tidy frames, one per concept.

The rules run once over these frames for the whole chunk (vectorised), not department by department.
Each row keeps its provenance: ``sid`` (the sheet's number in the chunk) joins the frames, and every
value carries the A1 cell it came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from xltool.model.qualitative import achievement_level
from xltool.model.records import FormSheet, IndicatorRow
from xltool.model.values import NOT_APPLICABLE, Qualitative, Quantity, Value, comparable

SHEET_COLUMNS = [
    "sid",
    "dept",
    "file",
    "sheet",
    "kind",
    "year",
    "project",
    "name",
    "name_cell",
    "total_weight",
    "total_weight_cell",
    "total_score",
    "total_score_cell",
    "total_score_raw",
]
# ``raw``: the text of a cell that could not be read as a number (``problem``), "" for every other.
FIGURE_COLUMNS = ["sid", "block", "row", "column", "value", "cell", "raw", "problem"]
INDICATOR_COLUMNS = [
    "sid",
    "index",
    "level1_key",
    "level1",
    "level1_weight",
    "level2",
    "name",
    "tkind",
    "top",
    "tnum",
    "tunit",
    "ttext",
    "akind",
    "anum",
    "aunit",
    "atext",
    "t_cmp",
    "a_cmp",
    "level",
    "weight",
    "self_score",
    "reason",
    "name_cell",
    "target_cell",
    "actual_cell",
    "weight_cell",
    "score_cell",
    "reason_cell",
    "criterion",
]


def _f(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)


def _kind(value: Value) -> str:
    if value is None:
        return "blank"
    if value is NOT_APPLICABLE:
        return "na"
    if isinstance(value, Quantity):
        return "quantity"
    return "text"


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _indicator_record(sid: int, ind: IndicatorRow) -> tuple[object, ...]:
    target, actual = ind.target, ind.actual
    t_quantity = target if isinstance(target, Quantity) else None
    a_quantity = actual if isinstance(actual, Quantity) else None
    t_cmp = a_cmp = math.nan
    if t_quantity is not None and a_quantity is not None:
        pair = comparable(t_quantity, a_quantity)
        if pair is not None:
            t_cmp, a_cmp = float(pair[0]), float(pair[1])
    level = achievement_level(actual.text) if isinstance(actual, Qualitative) else None
    cells = ind.cells.get
    return (
        sid,
        ind.index,
        ind.level1_key,
        ind.level1,
        _f(ind.level1_weight),
        ind.level2,
        ind.name,
        _kind(target),
        t_quantity.op if t_quantity else "",
        float(t_quantity.number) if t_quantity else math.nan,
        t_quantity.unit if t_quantity else "",
        _text(ind.target_raw),
        _kind(actual),
        float(a_quantity.number) if a_quantity else math.nan,
        a_quantity.unit if a_quantity else "",
        _text(ind.actual_raw),
        t_cmp,
        a_cmp,
        level,
        _f(ind.weight),
        _f(ind.self_score),
        ind.reason.strip(),
        cells("name", ""),
        cells("target", ""),
        cells("actual", ""),
        cells("weight", ""),
        cells("score", ""),
        cells("reason", ""),
        ind.criterion,
    )


@dataclass
class Frames:
    """The tidy frames of one chunk: sheets, figures (amounts, rates, counts) and indicators."""

    sheets: pd.DataFrame
    figures: pd.DataFrame
    indicators: pd.DataFrame
    forms: list[FormSheet] = field(default_factory=list)
    # (sid, block, row, column) → (value, cell), for rules that pick single figures.
    figure_index: dict[tuple[int, str, str, str], tuple[float, str]] = field(default_factory=dict, repr=False)
    _lines: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _blocks: dict[str, np.ndarray] | None = field(default=None, repr=False)  # block → its figures' positions

    def figure_table(self, block: str, rows: Sequence[str] | None = None) -> pd.DataFrame:
        """Figures of one block (optionally some rows), joined with their sheet's keys."""
        if self._blocks is None:  # each block's rows found in one pass, not by comparing every figure
            self._blocks = {
                str(key): np.asarray(positions)
                for key, positions in self.figures.groupby("block", sort=False).indices.items()
            }
        table = self.figures.take(self._blocks.get(block, np.empty(0, dtype=np.intp)))
        if rows is not None:
            table = table[table["row"].isin(rows).to_numpy()]
        return table

    def lines(self, block: str) -> pd.DataFrame:
        """A block's figures one row per (sid, row): a value column per column key and ``<key>_cell``.

        Built once per block and chunk (the rules and scoring ask for the same blocks many times).
        """
        cached = self._lines.get(block)
        if cached is None:
            fig = self.figure_table(block).drop_duplicates(["sid", "row", "column"])
            indexed = fig.set_index(["sid", "row", "column"])
            values = indexed["value"].unstack("column")
            cells = indexed["cell"].unstack("column").fillna("")
            cached = pd.concat([values, cells.add_suffix("_cell")], axis=1)
            cached.columns.name = None
            self._lines[block] = cached
        return cached

    def wide(self, block: str, row: str, columns: Sequence[str]) -> pd.DataFrame:
        """One row of a grid as a frame indexed by sid: a value column and a cell column per column."""
        table = self.lines(block)
        if table.empty or row not in table.index.get_level_values("row"):
            sub = pd.DataFrame(index=pd.Index([], name="sid"))
        else:
            sub = pd.DataFrame(table.xs(row, level="row"))
        data: dict[str, object] = {}
        for col in columns:
            data[col] = sub.get(col, np.nan)
            data[f"{col}_cell"] = sub[f"{col}_cell"].fillna("") if f"{col}_cell" in sub else ""
        return pd.DataFrame(data, index=sub.index)


def index_dicts(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[Any, dict[str, Any]]:
    """``frame[columns].to_dict("index")`` (a unique index): each row's values by column name.

    Built from one list per column (``Series.tolist``, Python values as ``to_dict`` gives them):
    pandas' ``to_dict`` boxes value after value, and goes element by element through string columns.
    """
    names = list(frame.columns) if columns is None else list(columns)
    values = [frame[name].tolist() for name in names]
    return {
        index: dict(zip(names, row, strict=True))
        for index, row in zip(frame.index.tolist(), zip(*values, strict=True), strict=True)
    }


def grouped(
    frame: pd.DataFrame, by: str | list[str], *, sort: bool = True, **named: tuple[str, str]
) -> pd.DataFrame:
    """``frame.groupby(by).agg(name=(column, how), …)``, one plain reduction per column.

    The same frame as pandas' named aggregation, which costs several milliseconds of set-up per call
    whatever the frame holds (it dominated small chunks).
    """
    groups = frame.groupby(by, sort=sort)
    return pd.DataFrame({name: getattr(groups[column], how)() for name, (column, how) in named.items()})


def build_frames(forms: Sequence[tuple[str, FormSheet]]) -> Frames:
    """Stack (department key, form sheet) pairs into frames; sid is the position in ``forms``."""
    sheet_rows: list[tuple[object, ...]] = []
    figure_rows: list[tuple[object, ...]] = []
    figure_index: dict[tuple[int, str, str, str], tuple[float, str]] = {}
    indicator_rows: list[tuple[object, ...]] = []
    for sid, (dept, form) in enumerate(forms):
        name = form.texts.get("department")
        tw, ts = form.total_weight, form.total_score
        sheet_rows.append(
            (
                sid,
                dept,
                form.file,
                form.sheet,
                form.kind,
                form.year if form.year is not None else -1,
                form.project or "",
                form.department or "",
                name.cell if name else "",
                _f(tw.value) if tw else math.nan,
                tw.cell if tw else "",
                _f(ts.value) if ts else math.nan,
                ts.cell if ts else "",
                _text(ts.raw) if ts else "",
            )
        )
        for fig in form.figures:
            value = math.nan if fig.value is None else float(fig.value)
            figure_index[(sid, fig.block, fig.row, fig.column)] = (value, fig.cell)
            problem = fig.problem
            raw = _text(fig.raw) if problem else ""  # only an unreadable cell's text is ever shown
            figure_rows.append((sid, fig.block, fig.row, fig.column, value, fig.cell, raw, problem or ""))
        for ind in form.indicators:
            indicator_rows.append(_indicator_record(sid, ind))
    sheets = pd.DataFrame.from_records(sheet_rows, columns=SHEET_COLUMNS)
    figures = pd.DataFrame.from_records(figure_rows, columns=FIGURE_COLUMNS)
    figures["value"] = figures["value"].astype(float)
    indicators = pd.DataFrame.from_records(indicator_rows, columns=INDICATOR_COLUMNS)
    for col in ("level1_weight", "tnum", "anum", "t_cmp", "a_cmp", "weight", "self_score"):
        indicators[col] = indicators[col].astype(float)
    return Frames(
        sheets=sheets,
        figures=figures,
        indicators=indicators,
        forms=[f for _, f in forms],
        figure_index=figure_index,
    )
