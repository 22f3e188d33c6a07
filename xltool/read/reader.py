"""Read the cell grids of a workbook into form records, finding every value by its label.

Pure Python, no file I/O (``read_file`` asks `xltool.read.sources` for the grids). Each sheet gets one
label index (`xltool.read.labels`), built in one pass over its cells; every lookup afterwards goes through
that index, so a sheet costs well under a millisecond however its rows and columns are arranged. This
module recognises which form a sheet is; `xltool.read.form_reader` reads it. Forms repeat their texts
across a batch, so what is derived from a short text (its labels and the terms they match, an amount,
a target) is computed once per process and cached.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from xltool.forms.blocks import FormLayout
from xltool.forms.layouts import DEPARTMENT, FORMS, NON_FORM_SHEET_NAMES

# One normalisation of department names for the whole package; re-exported for the reader's callers.
from xltool.model.names import normalise_department
from xltool.model.records import FormSheet, WorkbookRead
from xltool.read.cells import a1, label_text
from xltool.read.duplicates import filled_date
from xltool.read.form_reader import FormReader
from xltool.read.formulas import SheetFormulas, evaluate_sheet
from xltool.read.intake import Source, member_bytes
from xltool.read.labels import (
    MAX_ROWS,
    PROJECT_NAME,
    RECOGNITION_ORDER,
    Rows,
    Sheet,
)
from xltool.read.returned import is_scored, strip_returned
from xltool.read.sources import (
    SourceError,
    check_name,
    classify_bytes,
    relative_name,
    sources_of,
    workbook_bytes,
)

__all__ = ["a1", "normalise_department", "read_file", "read_source", "read_workbook"]


# ---------------------------------------------------------------------------------------------
# Sheets


def _recognise(sheet: Sheet) -> FormLayout | None:
    for layout in RECOGNITION_ORDER:
        if all(sheet.find(term) for term in layout.signature):
            if layout is DEPARTMENT and sheet.find(PROJECT_NAME):
                continue
            return layout
    return None


def _unrecognised_reason(sheet: Sheet) -> str:
    """Why a sheet is no form, naming the labels the nearest form lacks."""
    nearest = max(RECOGNITION_ORDER, key=lambda layout: sum(bool(sheet.find(t)) for t in layout.signature))
    lacking = [t for t in nearest.signature if not sheet.find(t)]
    if len(lacking) == len(nearest.signature):
        lacking = [layout.signature[0] for layout in RECOGNITION_ORDER if FORMS[layout.kind] is layout]
    names = "”“".join(label_text(t) for t in lacking)
    return f"未识别为附件1/2/3表格（缺少“{names}”等标签），已跳过"


def _is_instruction_sheet(name: str) -> bool:
    core = "".join(unicodedata.normalize("NFKC", name).split())
    return core in NON_FORM_SHEET_NAMES or any(len(n) >= 4 and n in core for n in NON_FORM_SHEET_NAMES)


def _read_sheet(
    file: str, name: str, rows: Rows, formulas: dict[tuple[int, int], str | None] | None = None
) -> FormSheet | str:
    """A FormSheet, or the Chinese reason the sheet is skipped.

    A sheet is recognised from its first MAX_ROWS rows (a form's labels are at its top, and a long
    data sheet stays cheap); a recognised form is then read whole, however long its indicator table.
    """
    if formulas and any(text is not None for text in formulas.values()):
        rows = evaluate_sheet(rows)  # formulas saved without their results
    head = rows[:MAX_ROWS]
    if all(value is None for row in head for value in row):
        return "空白工作表"
    if _is_instruction_sheet(name):
        return f"未识别为附件1/2/3表格（工作表“{name}”是说明页，缺少表格标签），已跳过"
    sheet = Sheet(head)
    layout = _recognise(sheet)
    if layout is not None and len(rows) > MAX_ROWS:
        sheet = Sheet(rows)
    if layout is None:
        return _unrecognised_reason(sheet)
    form = FormReader(file, name, sheet, layout).read()
    if formulas:
        form = dataclasses.replace(form, formula_cells=frozenset(a1(r, c) for r, c in formulas))
    return form


def read_workbook(
    file: str, grids: list[tuple[str, Rows]], formulas: SheetFormulas | None = None
) -> WorkbookRead:
    """Recognise and read every form sheet of a workbook given as (sheet name, rows of values).

    ``formulas`` (sheet → its formula cells, from `read_sources`) lets a formula stored without its
    result be evaluated, and the rules know which computed cells hold a formula.
    """
    sheets: list[FormSheet] = []
    skipped: list[tuple[str, str]] = []
    for name, rows in grids:
        result = _read_sheet(file, name, rows, formulas.get(name) if formulas else None)
        if isinstance(result, str):
            skipped.append((name, result))
        else:
            sheets.append(result)
    if not sheets:
        if not skipped:
            return WorkbookRead(
                file, "skipped", None, "工作簿中没有工作表，已跳过；请确认提交的是附件1/2/3表格"
            )
        reasons = "；".join(f"“{name}”：{reason}" for name, reason in skipped)
        message = f"未找到附件1/2/3表格，已跳过（{reasons}）；请确认提交的是附件1/2/3表格"
        return WorkbookRead(file, "skipped", None, message, (), tuple(skipped))
    return WorkbookRead(file, "ok", sheets[0].kind, None, tuple(sheets), tuple(skipped))


def read_file(path: Path, root: Path) -> WorkbookRead:
    """Read one input file; never raises: an unreadable file gives status 'skipped' or 'error'.

    No time limit and nothing silenced here: a worker process reads through `xltool.read.worker`.
    """
    return _read_file(lambda: workbook_bytes(path), relative_name(path, root))


def read_source(source: Source) -> WorkbookRead:
    """Read one input found at intake (a file, or a member of a zip package); never raises."""
    if not source.members:
        return _read_file(lambda: workbook_bytes(source.path), source.file)

    def member() -> tuple[bytes, SheetFormulas]:
        name = PurePosixPath(source.file).name
        check_name(name)
        return classify_bytes(member_bytes(source), PurePosixPath(name).suffix)

    return _read_file(member, source.file)


def _read_file(load: Callable[[], tuple[bytes, SheetFormulas]], file: str) -> WorkbookRead:
    """Read a workbook's bytes (``load`` classifies them).

    A scored workbook sent back (cycle.md) is read without what xltool added to it; its 审核结果 rows
    (finding key, 情况说明, 审核意见) are kept with the read.
    """
    try:
        data, found = load()
        returned = is_scored(data)
        grids, formulas = sources_of(data, found, max_rows=MAX_ROWS)
    except SourceError as exc:
        return WorkbookRead(file, exc.status, None, exc.message)
    except Exception as exc:
        message = f"无法读取工作簿（{type(exc).__name__}：{exc}），请用Excel或WPS打开后另存为.xlsx再提交"
        return WorkbookRead(file, "error", None, message)
    try:
        explanations: tuple[tuple[str, str | None, str | None], ...] = ()
        if returned:
            grids, rows = strip_returned(grids)
            explanations = tuple((e.key, e.explanation, e.review) for e in rows)
        read = read_workbook(file, grids, formulas)
        cut = {name for name, rows in grids if len(rows) >= MAX_ROWS}
        if cut & {s.sheet for s in read.sheets}:  # a form longer than the rows read first: read it whole
            grids, formulas = sources_of(data, found)
            if returned:
                grids, _ = strip_returned(grids)
            read = read_workbook(file, grids, formulas)
        if returned:  # its plain numbers in computed cells are figures xltool kept, not typed over formulas
            sheets = tuple(dataclasses.replace(s, formula_cells=frozenset()) for s in read.sheets)
            read = dataclasses.replace(read, sheets=sheets)
        return dataclasses.replace(
            read, filled_on=filled_date(grids), returned=returned, explanations=explanations
        )
    except Exception as exc:  # a reader bug must not stop a batch of 30,000 files
        message = (
            f"读取表格内容时出错（{type(exc).__name__}：{exc}）；请核对表格是否为附件1/2/3的格式，"
            "如仍有问题请把此文件反馈给工具维护人员"
        )
        return WorkbookRead(file, "error", None, message)
