"""A scored workbook sent back: its forms read without what xltool added, its explanations read.

The marker is a custom document property (forms/marks.py), so recognising a returned workbook does not
depend on sheet names. Its 审核结果 sheet is never a form: from it each finding row's key, 情况说明 and
审核意见 are read. On its form sheets the 按规则计算 columns are blanked and the blocks under the form
(审核意见 lines, derived indicators) cut off, so that they never turn into extra columns or rows,
however many rounds a workbook goes through.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from xltool.forms.marks import (
    ACCEPT,
    EXPLANATION_HEADER,
    KEY_HEADER,
    PANEL_HEADERS,
    PANEL_TITLE,
    REJECT,
    REVIEW_HEADER,
    REVIEW_SHEET,
    SCORED_PROPERTY,
    TAIL_STARTS,
)
from xltool.read.limits import Grid

MAX_PROPERTIES_BYTES = 64 * 1024
CUSTOM_PART = b"docProps/custom.xml"
_PROPERTY = re.compile(rb'<property\b[^>]*\bname="' + re.escape(SCORED_PROPERTY.encode()) + rb'"')


@dataclass(frozen=True)
class Explanation:
    """What a returned 审核结果 row says about one finding."""

    key: str
    explanation: str | None
    review: str | None  # 接受 / 不接受 / None


def is_scored(data: bytes) -> bool:
    """Whether workbook bytes carry xltool's scored-workbook marker (a custom document property)."""
    if not data.startswith(b"PK") or CUSTOM_PART not in data:
        return False  # the part's name stands uncompressed in the zip's directory: most files stop here
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(CUSTOM_PART.decode())
            if info.file_size > MAX_PROPERTIES_BYTES:
                return False
            with archive.open(info) as fh:
                return _PROPERTY.search(fh.read(MAX_PROPERTIES_BYTES)) is not None
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, NotImplementedError):
        return False


def strip_returned(grids: Sequence[tuple[str, Grid]]) -> tuple[list[tuple[str, Grid]], list[Explanation]]:
    """The form sheets of a returned scored workbook without xltool's additions, and its explanations."""
    forms: list[tuple[str, Grid]] = []
    explanations: list[Explanation] = []
    for name, grid in grids:
        if name == REVIEW_SHEET:
            explanations.extend(read_explanations(grid))
        else:
            forms.append((name, _form_only(grid)))
    return forms, explanations


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _form_only(grid: Grid) -> Grid:
    """A form sheet's grid with the 按规则计算 columns blanked and the blocks under the form cut off."""
    end = next(
        (r for r, row in enumerate(grid) if row and _text(row[0]).startswith(TAIL_STARTS)),
        len(grid),
    )
    rows = grid[:end]
    panel = {
        c
        for row in rows
        for c, value in enumerate(row)
        if (text := _text(value)) in PANEL_HEADERS or text.startswith(PANEL_TITLE + "（")
    }
    if not panel:
        return rows
    return [[None if c in panel else v for c, v in enumerate(row)] for row in rows]


def read_explanations(grid: Grid) -> list[Explanation]:
    """The (key, 情况说明, 审核意见) of every finding row of a 审核结果 sheet."""
    header = next(
        (r for r, row in enumerate(grid) if {EXPLANATION_HEADER, KEY_HEADER} <= {_text(v) for v in row}),
        None,
    )
    if header is None:
        return []
    texts = [_text(v) for v in grid[header]]
    key_col, text_col = texts.index(KEY_HEADER), texts.index(EXPLANATION_HEADER)
    review_col = texts.index(REVIEW_HEADER) if REVIEW_HEADER in texts else None
    found: list[Explanation] = []
    for row in grid[header + 1 :]:
        key = _text(row[key_col]) if key_col < len(row) else ""
        if not key:
            continue
        text = _cell_text(row[text_col]) if text_col < len(row) else None
        review = _text(row[review_col]) if review_col is not None and review_col < len(row) else ""
        found.append(Explanation(key, text or None, review if review in (ACCEPT, REJECT) else None))
    return found


def _cell_text(value: object) -> str:
    """A cell's value as text (a number typed as an explanation kept as written)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
