"""A read workbook as tidy pandas frames for a notebook: one row per value, its file, sheet and cell on it.

The frames the rules stack (`xltool.rules.frames`) are keyed for joins; these are for people: each
row names the form, the department and project it belongs to, the printed labels of the layout
beside their keys, and where the value stands in the input workbook.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from xltool.forms.layouts import FORMS
from xltool.forms.terms import resolve
from xltool.model.records import FormSheet, WorkbookRead

if TYPE_CHECKING:
    import pandas as pd

PLACE = ("file", "sheet", "cell", "kind", "department", "project")
FORM_COLUMNS = (*PLACE, "year", "missing", "extra_columns")
FIGURE_COLUMNS = (*PLACE, "block", "row", "column", "row_label", "column_label", "value", "raw", "problem")
TEXT_COLUMNS = (*PLACE, "key", "label", "value")
INDICATOR_COLUMNS = (
    *PLACE,
    "index",
    "row",
    "level1",
    "level2",
    "name",
    "target",
    "actual",
    "weight",
    "self_score",
    "reason",
    "target_cell",
    "actual_cell",
    "weight_cell",
    "score_cell",
)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _raw(value: object) -> object:
    return "" if value is None else value


def _labels(form: FormSheet) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(block, row) → the row's printed label and (block, column) → the column's, for this form."""
    layout = FORMS[form.kind]
    rows: dict[tuple[str, str], str] = {}
    columns: dict[tuple[str, str], str] = {}
    for grid in layout.grids:
        for row in grid.rows:
            rows[(grid.key, row.key)] = resolve(row.term.text, form.year)
        for column in grid.columns:
            columns[(grid.key, column.key)] = resolve(column.term.text, form.year)
    for block in layout.lists:
        for item in block.items:
            rows[(block.key, item.key)] = resolve(item.term.text, form.year)
    return rows, columns


def workbook_frames(read: WorkbookRead) -> dict[str, pd.DataFrame]:
    """``forms``, ``figures``, ``texts`` and ``indicators`` of one read workbook (empty when none)."""
    import pandas as pd

    forms: list[tuple[object, ...]] = []
    figures: list[tuple[object, ...]] = []
    texts: list[tuple[object, ...]] = []
    indicators: list[tuple[object, ...]] = []
    for form in read.sheets:
        place = (form.file, form.sheet)
        who = (form.kind, form.department or "", form.project or "")
        forms.append(
            (
                *place,
                form.title_cell or "",
                *who,
                form.year,
                "；".join(form.missing),
                "；".join(form.extra_columns),
            )
        )
        row_labels, column_labels = _labels(form)
        for fig in form.figures:
            figures.append(
                (
                    *place,
                    fig.cell,
                    *who,
                    fig.block,
                    fig.row,
                    fig.column,
                    row_labels.get((fig.block, fig.row), ""),
                    column_labels.get((fig.block, fig.column), ""),
                    _number(fig.value),
                    _raw(fig.raw),
                    fig.problem or "",
                )
            )
        fields = {f.key: f.term.text for f in FORMS[form.kind].fields}
        for key, text in form.texts.items():
            texts.append((*place, text.cell, *who, key, resolve(fields.get(key, ""), form.year), text.value))
        for ind in form.indicators:
            cells = ind.cells
            indicators.append(
                (
                    *place,
                    cells.get("name", ""),
                    *who,
                    ind.index,
                    ind.row,
                    ind.level1,
                    ind.level2,
                    ind.name,
                    _raw(ind.target_raw),
                    _raw(ind.actual_raw),
                    _number(ind.weight),
                    _number(ind.self_score),
                    ind.reason,
                    cells.get("target", ""),
                    cells.get("actual", ""),
                    cells.get("weight", ""),
                    cells.get("score", ""),
                )
            )
    frames = {
        "forms": pd.DataFrame.from_records(forms, columns=list(FORM_COLUMNS)),
        "figures": pd.DataFrame.from_records(figures, columns=list(FIGURE_COLUMNS)),
        "texts": pd.DataFrame.from_records(texts, columns=list(TEXT_COLUMNS)),
        "indicators": pd.DataFrame.from_records(indicators, columns=list(INDICATOR_COLUMNS)),
    }
    for name, columns in (("figures", ("value",)), ("indicators", ("weight", "self_score"))):
        for column in columns:
            frames[name][column] = frames[name][column].astype(float)
    return frames
