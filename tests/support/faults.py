"""Builders for the fault-injection tests: departments poisoned with odd numbers, batches, outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl

from support import sample_forms

ROOT = Path(__file__).resolve().parents[2]

# Numbers of every size and kind a cell can hold: typed as numbers, and typed as text.
ODD_NUMBERS: tuple[object, ...] = (
    1e308,
    -1e308,
    5e-324,  # the smallest subnormal
    -0.0,
    10**30,
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "999999999999999999999999999995",
    "999999999999999999999999999995个",
)
# Which of them are absurd magnitudes (a finding on their cell), as the rule sees them.
ABSURD = frozenset(
    {1e308, -1e308, 10**30, "1e308", "999999999999999999999999999995", "999999999999999999999999999995个"}
)
_QUANTITY_TEXT = re.compile(r"^[≥≤<>]?\s*\d")


def seed() -> sample_forms.DepartmentFigures:
    """The seed department of scripts/sample_forms.py."""
    return sample_forms.taoyuan_2022()


def write_department(folder: Path, number: int) -> str:
    """A clean varied department under ``folder``; its name."""
    dept = sample_forms.vary(seed(), number)
    sample_forms.write_department(folder / dept.name, dept)
    return dept.name


def poison_numbers(folder: Path, value: object) -> int:
    """Put ``value`` into every numeric cell (and every figure written as text) of the workbooks under
    ``folder``; the number of cells changed."""
    changed = 0
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    v = cell.value
                    if isinstance(v, bool) or v is None:
                        continue
                    if isinstance(v, int | float) or (isinstance(v, str) and v.startswith("=")):
                        cell.value = value
                    elif isinstance(v, str) and _QUANTITY_TEXT.match(v):
                        cell.value = f"{value}个" if not isinstance(value, str) else value
                    else:
                        continue
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
                    changed += 1
        book.save(path)
    return changed


def files(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` (relative path → bytes) but the run's own: reports, summary, log, manifest."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file()
        and p.name
        not in ("report.json", "审核汇总.xlsx", "审核报告.docx", "xltool.log", ".xltool.manifest.json")
    }


def report(out: Path) -> dict[str, Any]:
    """report.json of a run, read back."""
    return dict(json.loads((out / "report.json").read_text(encoding="utf-8")))


def of_department(data: dict[str, Any], name: str) -> tuple[list[Any], list[Any], list[Any]]:
    """(inputs, department records, findings) of report.json that belong to one department folder."""
    inputs = [i for i in data["inputs"] if i["file"].startswith(name + "/")]
    departments = [d for d in data["departments"] if d["name"] == name]
    findings = [f for f in data["findings"] if f["file"].startswith(name + "/")]
    return inputs, departments, findings
