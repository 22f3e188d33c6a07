"""The scored workbooks: every recognised input re-drawn in the official layout, checked and scored.

For each input workbook read as 'ok', one ``.xlsx`` at the input's relative path under OUT holds:

* a sheet ``审核结果`` first — the verdict a reviewer opens on (department, self and rule scores,
  counts by severity) and every finding, each linked to the cell it marks;
* each form sheet drawn by `render_form` under its own (sanitised) name, filled with the department's
  inputs. Computed cells hold their live formula and cached value; where the department wrote a figure
  there that the rules (or the formula) disagree with, its figure stays as a plain number;
* every cell a finding points at filled by severity and carrying a comment (rule id and message);
* to the right of 附件2 / 附件3 a block ``按规则计算``: the rule 执行率 and 得分, each indicator's rule
  得分 with its 计分依据, and the rule 总分 with its grade; further right, any extra indicator columns
  the department added (指标性质, 计量单位 …) under their own headers.

Only xlsxwriter is used here (no openpyxl, no pandas row loops): a province runs this 30,000 times.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import xlsxwriter

from xltool.forms.marks import REVIEW_SHEET, SCORED_PROPERTY, SCORED_VALUE
from xltool.model.records import Finding, WorkbookRead
from xltool.rules.catalogue import BY_ID
from xltool.rules.engine import Context
from xltool.rules.scorecard import chunk_derived, chunk_scores, kept_figures
from xltool.write.atomic import (
    UnsafePath,
    checked_target,
    not_written,
    output_names,
    remove_stale,
    write_bytes_atomic,
)
from xltool.write.cell_marks import COMMENT_AUTHOR
from xltool.write.looks import (
    BODY_FONT,
    CREATED,
    Styles,
)
from xltool.write.review import (
    SEVERITY_NAMES,
    Mark,
    Overview,
    write_review,
)
from xltool.write.scored_looks import Looks
from xltool.write.worksheet import FormWorksheet

__all__ = ["REVIEW_SHEET", "ScoredFile", "kept_figures", "sheet_names", "write_scored_workbooks"]
from xltool.write.form_sheet import SheetJob, draw_sheet


@dataclass(frozen=True)
class ScoredFile:
    """What became of an input's scored workbook: where it was written, or the message why it was not."""

    file: str  # the input, relative to INPUT
    output: str  # the scored workbook, relative to OUT
    message: str | None = None  # None: written


Location = tuple[str, str, str]  # (file relative to OUT, sheet, A1)

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_SHEET_NAME = 31
RESERVED_SHEET_NAMES = (REVIEW_SHEET, "History")


# ---------------------------------------------------------------------------------------------
# What the rules computed, pulled from the context once per chunk


# ---------------------------------------------------------------------------------------------
# The formulas of a form, to know which stated figures a formula would not show


# ---------------------------------------------------------------------------------------------
# Sheet names


def sheet_names(names: Sequence[str], reserved: Sequence[str] = RESERVED_SHEET_NAMES) -> list[str]:
    """Valid, unique Excel sheet names: no ``[]:*?/\\``, at most 31 characters, ``(2)`` on clashes."""
    used = {name.casefold() for name in reserved}
    out = []
    for name in names:
        base = INVALID_SHEET_CHARS.sub("_", unicodedata.normalize("NFC", name)).strip().strip("'") or "Sheet"
        candidate, n = base[:MAX_SHEET_NAME], 2
        while candidate.casefold() in used:
            suffix = f"({n})"
            candidate, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


# ---------------------------------------------------------------------------------------------
# Looks


# ---------------------------------------------------------------------------------------------
# The 审核结果 sheet


# ---------------------------------------------------------------------------------------------
# Workbooks


_FORM_NUMBERS = {"附件1": "basic_data", "附件2": "department", "附件3": "project"}


def involved_kinds(rule: str) -> set[str]:
    """The forms a cross-table rule compares, as its catalogue title names them (all when it names none)."""
    info = BY_ID.get(rule)
    named = {kind for number, kind in _FORM_NUMBERS.items() if info is not None and number in info.title}
    return named or set(_FORM_NUMBERS.values())


def workbook_options() -> dict[str, Any]:
    """xlsxwriter options: submitted text stays text; a fresh dict each time (xlsxwriter mutates it)."""
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "in_memory": True,
        "default_format_properties": {"font_name": BODY_FONT, "font_size": 11},
    }


def _write_workbook(
    read: WorkbookRead,
    jobs: Sequence[SheetJob],
    department: str,
    profile_name: str,
    elsewhere: Sequence[tuple[int, Finding]] = (),
) -> tuple[bytes, list[Mark]]:
    """One scored workbook: its file's bytes and its marks (built in memory, written by the caller)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, workbook_options())
    workbook.worksheet_class = FormWorksheet
    workbook.set_properties({"created": CREATED, "title": f"审核结果：{read.file}", "author": COMMENT_AUTHOR})
    # The marker that makes a scored workbook sent back recognisable as one (cycle.md).
    workbook.set_custom_property(SCORED_PROPERTY, SCORED_VALUE)
    styles, looks = Styles(workbook), Looks(workbook)
    review = workbook.add_worksheet(REVIEW_SHEET)
    marks: list[Mark] = []
    overview = []
    for job in jobs:
        sheet_marks = draw_sheet(workbook, job, styles, looks, profile_name)
        marks.extend(sheet_marks)
        counts = {s: sum(1 for m in sheet_marks if m.finding.severity == s) for s in SEVERITY_NAMES}
        overview.append(Overview(job.name, job.sheet.kind, job.score, counts))
    others = [
        Mark(position, f, f"{f.file.rsplit('/', 1)[-1]} › {f.sheet}", len(jobs), f.cell, None, elsewhere=True)
        for position, f in elsewhere
    ]
    write_review(review, looks, read, department, overview, [*marks, *others], profile_name)
    workbook.close()
    _release(workbook)
    return buffer.getvalue(), marks


def _release(workbook: xlsxwriter.Workbook) -> None:
    """Break the one reference cycle a closed xlsxwriter workbook keeps, so it is freed at once.

    Each worksheet holds its workbook's ``add_format``, a bound method: the workbook, its sheets and
    every cell record stay alive until the cyclic garbage collector finds them, and its full
    collections walk every workbook drawn since the last one. Without the cycle they are freed when
    the last reference goes, and the collector has nothing to walk.
    """
    for sheet in workbook.worksheets():
        sheet.workbook_add_format = None


def write_scored_workbooks(
    out: Path,
    reads: Sequence[WorkbookRead],
    ctx: Context,
    findings: Sequence[Finding],
    on_written: Callable[[], None] | None = None,
    names: Mapping[str, PurePosixPath] | None = None,
) -> tuple[list[str], list[Location | None], list[ScoredFile]]:
    """Write a scored workbook per 'ok' read; return the files written (relative to OUT), each finding's
    mark, and what became of each 'ok' read (a workbook that could not be written says why).

    ``on_written`` is called after each 'ok' read is done with (written, or given up), for progress;
    ``names`` gives each file's output path relative to OUT (a run decides them once for all its
    chunks, see `atomic.output_names`); without it they are decided among ``reads``.
    """
    by_sheet: dict[tuple[str, str], list[tuple[int, Finding]]] = defaultdict(list)
    for position, finding in enumerate(findings):
        by_sheet[(finding.file, finding.sheet)].append((position, finding))
    # Findings between forms (family D) are listed in every workbook of the department they involve.
    cross_table: dict[str, list[tuple[int, Finding]]] = defaultdict(list)
    for position, finding in enumerate(findings):
        if BY_ID.get(finding.rule) is not None and BY_ID[finding.rule].family == "D":
            cross_table[finding.department].append((position, finding))
    scores = chunk_scores(ctx)
    derived = chunk_derived(ctx)
    sheets = ctx.frames.sheets
    departments = {
        int(s): str(d) for s, d in zip(sheets["sid"].to_numpy(), sheets["dept"].to_numpy(), strict=True)
    }
    profile_name = ctx.profile.name
    written: list[str] = []
    outcomes: list[ScoredFile] = []
    locations: list[Location | None] = [None] * len(findings)
    if names is None:
        names = output_names([read.file for read in reads if read.status == "ok"], ".xlsx")
    sid = 0
    for read in reads:
        first_sid, sid = sid, sid + len(read.sheets)
        if read.status != "ok":
            continue
        sheets_named = sheet_names([s.sheet for s in read.sheets])
        jobs = [
            SheetJob(
                sheet,
                name,
                order,
                by_sheet.get((read.file, sheet.sheet), []),
                scores.get(first_sid + order),
                derived.get(departments.get(first_sid + order, ""), {}),
                ctx.profile.weights["budget"],
            )
            for order, (sheet, name) in enumerate(zip(read.sheets, sheets_named, strict=True))
        ]
        department = departments.get(first_sid, "") if read.sheets else ""
        kinds = {sheet.kind for sheet in read.sheets}
        elsewhere = [
            (position, f)
            for position, f in cross_table.get(department, ())
            if f.file != read.file and kinds & involved_kinds(f.rule)
        ]
        try:
            target = checked_target(out, names[read.file])
            data, marks = _write_workbook(read, jobs, department, profile_name, elsewhere)
            write_bytes_atomic(target, data)
        except Exception as exc:  # a writer bug must not stop a batch of 30,000 files: it is reported
            outcomes.append(
                ScoredFile(read.file, names[read.file].as_posix(), not_written("评分工作簿", exc))
            )
            if not isinstance(exc, UnsafePath):  # the last run's workbook must not pass for this run's
                remove_stale(out.joinpath(*names[read.file].parts))
            continue
        finally:
            if on_written is not None:
                on_written()
        relative = target.relative_to(out).as_posix()
        written.append(relative)
        outcomes.append(ScoredFile(read.file, relative, None))
        for mark in marks:
            locations[mark.position] = (relative, mark.sheet, mark.cell)
    return written, locations, outcomes
