"""Review rounds (``--previous PREV``): what the earlier run found, and this run's findings beside it.

PREV is an earlier run's OUT; its report.json is what is read. A finding whose key PREV also had is
``persisting``, any other ``new``; PREV's findings whose key is gone are ``resolved`` (for the
departments this run checked: a department not submitted this time has resolved nothing). The per
department tally is what a reviewer reports upward: resolved, persisting, new, explained.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from xltool.model.errors import UsageError
from xltool.write.report import department_order

REPORT_NAME = "report.json"
ACCEPT = "接受"


@dataclass
class Previous:
    """An earlier run's report: its inputs, departments and findings."""

    folder: Path
    fingerprint: str | None
    inputs: dict[str, dict[str, Any]]  # file → input item
    departments: dict[str, dict[str, Any]]  # name → department record
    findings: list[dict[str, Any]]

    @cached_property
    def keys(self) -> set[str]:
        """The finding keys PREV reported."""
        return {f["key"] for f in self.findings if f.get("key")}

    @cached_property
    def findings_by_department(self) -> dict[str, list[dict[str, Any]]]:
        """PREV's findings grouped by department, in report order."""
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in self.findings:
            grouped[str(f.get("department", ""))].append(f)
        return grouped


def load_previous(folder: Path) -> Previous:
    """PREV's report.json, or a UsageError saying what is wrong with PREV."""
    report = folder / REPORT_NAME
    if not report.is_file():
        raise UsageError(
            f"--previous 指定的“{folder}”中没有 report.json：请指定上一轮 xltool reconcile 的输出文件夹"
        )
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"无法读取上一轮的 {report}（{exc}）；请指定一次完整运行的输出文件夹") from None
    if not isinstance(data, dict) or "findings" not in data:
        raise UsageError(f"“{report}”不是 xltool 生成的 report.json；请指定上一轮的输出文件夹")
    return Previous(
        folder=folder,
        fingerprint=data.get("fingerprint"),
        inputs={str(i["file"]): i for i in data.get("inputs", []) if isinstance(i, dict) and "file" in i},
        departments={str(d["name"]): d for d in data.get("departments", []) if isinstance(d, dict)},
        findings=[f for f in data.get("findings", []) if isinstance(f, dict)],
    )


@dataclass
class DepartmentRound:
    """One department's line of 整改情况."""

    name: str
    resolved: int = 0
    persisting: int = 0
    new: int = 0
    explained: int = 0
    accepted: int = 0
    open: int = 0
    persisting_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    """Findings by round and status, per department and in all."""

    departments: dict[str, DepartmentRound] = field(default_factory=dict)
    totals: Counter[str] = field(default_factory=Counter)

    def line(self, name: str) -> DepartmentRound:
        """The department's line (made on first use)."""
        if name not in self.departments:
            self.departments[name] = DepartmentRound(name)
        return self.departments[name]

    def add(self, item: dict[str, Any]) -> None:
        """Count one finding of this run."""
        line = self.line(str(item.get("department", "")))
        status, round_ = item.get("status", "open"), item.get("round", "new")
        setattr(line, round_, getattr(line, round_) + 1)
        line.open += status == "open"
        line.explained += status == "explained"
        line.accepted += item.get("review") == ACCEPT
        if round_ == "persisting" and item.get("severity") == "error" and status == "open":
            line.persisting_errors.append(item)
        self.totals[round_] += 1
        self.totals[status] += 1
        self.totals["accepted"] += item.get("review") == ACCEPT

    def rows(self) -> list[DepartmentRound]:
        """The departments' lines by name (第2局 before 第10局)."""
        return [self.departments[name] for name in sorted(self.departments, key=department_order)]


def with_rounds(
    findings: Iterable[dict[str, Any]], previous: Previous | None, tally: Tally
) -> Iterator[dict[str, Any]]:
    """Each finding with its ``round`` (new / persisting), counted into ``tally`` as it passes."""
    keys = previous.keys if previous is not None else set()
    for item in findings:
        item["round"] = "persisting" if item.get("key") in keys else "new"
        tally.add(item)
        yield item


def resolved(
    previous: Previous | None,
    keys: set[str],
    current_files: dict[str, dict[tuple[str, str], str]],
    tally: Tally,
) -> list[dict[str, Any]]:
    """PREV's findings whose key is gone, for departments checked now, each with the current file.

    ``current_files``: department → (form kind, project) → the file read now (kind "" → any form).
    """
    if previous is None:
        return []
    out: list[dict[str, Any]] = []
    for item in previous.findings:
        department = str(item.get("department", ""))
        key = item.get("key")
        if not key or key in keys or department not in current_files:
            continue
        parts = str(key).split("|")
        forms = current_files[department]
        current = forms.get((parts[1], parts[2])) if len(parts) > 2 else None
        out.append({**item, "round": "resolved", "current_file": current or forms.get(("", ""))})
        tally.line(department).resolved += 1
        tally.totals["resolved"] += 1
    return out
