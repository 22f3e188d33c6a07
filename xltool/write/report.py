"""report.json (cli.md), written as a stream so that memory does not grow with the batch.

Each chunk's findings are spooled to a file of JSON lines, sorted by a global key; the report and the
summary workbook merge those files in key order. The order (file, sheet as in its workbook, severity,
cell, rule) does not depend on how departments were chunked, so every --jobs gives the same bytes.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from xltool.model.names import natural_key
from xltool.model.records import SEVERITY_ORDER, Finding, WorkbookRead
from xltool.version import __version__
from xltool.write.atomic import atomic_path
from xltool.write.json_text import compact, indented

Location = tuple[str, str, str]


def finding_order(f: Finding, sheet_order: dict[tuple[str, str], int] | None = None) -> list[object]:
    """Stable order: file (第2局 before 第10局), sheet (as in the workbook), severity, cell, rule."""
    row, width, letters = _cell_order(f.cell)
    sheet = sheet_order.get((f.file, f.sheet), 0) if sheet_order else 0
    return [
        _file_order(f.file),
        f.file,
        sheet,
        f.sheet,
        SEVERITY_ORDER[f.severity],
        f.paragraph if f.paragraph is not None else row,
        width,
        letters,
        f.rule,
        f.message,
    ]


@lru_cache(maxsize=1 << 16)
def _cell_order(cell: str) -> tuple[int, int, str]:
    """A cell's row number, and its column letters after their count (cached: cells repeat)."""
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits or 0), len(letters), letters


@lru_cache(maxsize=1 << 12)
def _file_order(file: str) -> list[list[object]]:
    """`natural_key` of a file's name, worked out once per file (its findings sort and spool by it).

    The one list is shared by every key of the file's findings, which only compare it.
    """
    return natural_key(file)


def json_order(item: dict[str, Any], sheet_position: int) -> list[object]:
    """`finding_order` of a finding as report.json gives it (a finding taken from an earlier run)."""
    cell = str(item.get("cell") or "")
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    paragraph = item.get("paragraph")
    return [
        natural_key(item["file"]),
        item["file"],
        sheet_position,
        item["sheet"],
        SEVERITY_ORDER[item["severity"]],
        paragraph if isinstance(paragraph, int) else int(digits or 0),
        len(letters),
        letters,
        item["rule"],
        item["message"],
    ]


def sheet_order(reads: Iterable[WorkbookRead]) -> dict[tuple[str, str], int]:
    """(file, sheet) → the sheet's position among the workbook's form sheets."""
    return {(r.file, s.sheet): i for r in reads for i, s in enumerate(r.sheets)}


def finding_json(f: Finding, scored: Location | None = None) -> dict[str, Any]:
    """A finding as report.json gives it (``scored``: where it is marked in the scored workbook)."""
    item: dict[str, Any] = {
        "rule": f.rule,
        "rule_name": f.rule_name,
        "severity": f.severity,
        "department": f.department,
        "file": f.file,
        "sheet": f.sheet,
        "cell": f.cell,
        "message": f.message,
        "expected": f.expected,
        "actual": f.actual,
        "threshold": f.threshold,
        "basis": f.basis,
        "key": f.key,
        "explanation": f.explanation,
        "review": f.review,
        "status": f.status,
    }
    if f.paragraph is not None:  # a written report's sentence (documents.md): no cell, where in the text
        item["cell"] = None
        item["paragraph"] = f.paragraph
        item["quote"] = f.quote
        where = f.expected_at
        item["expected_at"] = {"file": where[0], "sheet": where[1], "cell": where[2]} if where else None
    if scored is not None and f.paragraph is not None:  # the report's annotated copy, commented there
        item["scored"] = {"file": scored[0], "paragraph": f.paragraph}
    elif scored is not None:
        item["scored"] = {"file": scored[0], "sheet": scored[1], "cell": scored[2]}
    return item


@dataclass
class FindingCounts:
    """How many findings of each severity, per department and per (file, sheet)."""

    total: Counter[str] = field(default_factory=Counter)
    by_department: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_sheet: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add(self, f: Finding) -> None:
        """Count one finding."""
        self.total[f.severity] += 1
        self.by_department[(f.department, f.severity)] += 1
        self.by_sheet[(f.file, f.sheet, f.severity)] += 1

    def update(self, other: FindingCounts) -> None:
        """Add another chunk's counts."""
        self.total.update(other.total)
        self.by_department.update(other.by_department)
        self.by_sheet.update(other.by_sheet)


def department_order(name: str) -> list[object]:
    """Departments in natural order (第2局 before 第10局), in report.json and the summary alike."""
    return [natural_key(name), name]


def write_sorted(path: Path, keyed: Iterable[tuple[list[object], dict[str, Any]]]) -> None:
    """Spool records as JSON lines ``[key, record]`` in key order (one chunk's share of a stream)."""
    with open(path, "w", encoding="utf-8") as fh:
        for key, item in sorted(keyed, key=lambda pair: pair[0]):
            fh.write(compact([key, item]) + "\n")


def merge_sorted(paths: Sequence[Path]) -> Iterator[dict[str, Any]]:
    """The records of several spooled files in global key order, one at a time."""

    def lines(path: Path) -> Iterator[tuple[list[object], dict[str, Any]]]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, item = json.loads(line)
                yield key, item

    for _, item in heapq.merge(*(lines(p) for p in paths), key=lambda pair: pair[0]):
        yield item


def spool_findings(
    path: Path,
    findings: Sequence[Finding],
    locations: Sequence[Location | None],
    order: dict[tuple[str, str], int],
) -> FindingCounts:
    """Write a chunk's findings as sorted JSON lines; return their counts."""
    write_sorted(
        path,
        ((finding_order(f, order), finding_json(f, loc)) for f, loc in zip(findings, locations, strict=True)),
    )
    counts = FindingCounts()
    for f in findings:
        counts.add(f)
    return counts


def with_finding_counts(departments: list[dict[str, Any]], counts: FindingCounts) -> list[dict[str, Any]]:
    """Each department and project record with its findings counted by severity (``findings``)."""
    for d in departments:
        d["findings"] = {s: counts.by_department[(d["name"], s)] for s in SEVERITY_ORDER}
        for p in d["projects"]:
            p["findings"] = {s: counts.by_sheet[(p["file"], p["sheet"], s)] for s in SEVERITY_ORDER}
    return departments


def report_head(profile: str) -> dict[str, Any]:
    """The keys report.json opens with: its schema, the version that wrote it, the profile."""
    return {"schema": 1, "xltool_version": __version__, "profile": profile}


def write_report(
    target: Path,
    profile: str,
    inputs: Iterable[dict[str, Any]],
    departments: Iterable[dict[str, Any]],
    findings: Iterable[dict[str, Any]],
    head_extra: dict[str, Any] | None = None,
    tail: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Write report.json atomically, streaming the findings (valid, indented JSON).

    ``head_extra`` adds top-level members after ``profile``; ``tail`` (called once the findings are
    written) gives the members after ``findings`` (cycle.md: ``resolved``, ``counts``).
    """
    head = {**report_head(profile), **(head_extra or {})}
    with atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write("{\n")
        for key, value in head.items():
            fh.write(f"  {json.dumps(key)}: {compact(value)},\n")
        for key, items in (("inputs", inputs), ("departments", departments), ("findings", findings)):
            fh.write(f'  "{key}": [')
            first = True
            for item in items:
                fh.write(("\n" if first else ",\n") + indented(item, 4))
                first = False
            fh.write("]" if first else "\n  ]")
            fh.write(",\n" if key != "findings" else "")
        for key, value in (tail() if tail is not None else {}).items():
            fh.write(f",\n  {json.dumps(key)}: ")
            fh.write(indented(value, 2).lstrip())
        fh.write("\n}\n")
