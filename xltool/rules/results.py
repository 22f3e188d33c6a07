"""What a chunk's rules produced, as plain JSON-ready records (report.json and the summary rows)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from xltool.rules.departments import derived_indicators
from xltool.rules.engine import Context
from xltool.rules.frames import index_dicts


def _num(value: object, digits: int = 2) -> float | None:
    """A JSON number (rounded) or None for missing."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    return round(number, digits)


# The columns of a budget line (a row of ctx.budget) that report.json gives.
BUDGET_FIELDS = (
    "initial",
    "full_year",
    "executed",
    "rate",
    "score",
    "stated_rate",
    "stated_score",
    "fallback",
)


def budget_record(line: dict[Any, Any]) -> dict[str, Any]:
    """A budget line (a row of ctx.budget) as report.json gives it."""
    return {
        "initial": _num(line["initial"]),
        "full_year": _num(line["full_year"]),
        "executed": _num(line["executed"]),
        "execution_rate": _num(line["rate"], 4),
        "score": _num(line["score"]),
        "stated_execution_rate": _num(line["stated_rate"], 4),
        "stated_score": _num(line["stated_score"]),
        "from_parts": bool(line["fallback"]),
    }


def _scored_sheet(
    ctx: Context, sid: int, budget: dict[Any, dict[Any, Any]], totals: dict[Any, dict[Any, Any]]
) -> dict[str, Any]:
    sheet = ctx.sheet(sid)
    total = totals[sid]
    return {
        "file": str(sheet["file"]),
        "sheet": str(sheet["sheet"]),
        "budget": budget_record(budget[sid]),
        "self_score": _num(total["self_score"]),
        "score": _num(total["score"]),
        "grade": total["grade"],
    }


def department_records(ctx: Context) -> list[dict[str, Any]]:
    """One report.json department record per department key of the chunk, in key order."""
    derived_rows = index_dicts(derived_indicators(ctx))
    staff = index_dicts(ctx.frames.wide("staff", "staff", ("authorized", "actual")))
    budget = index_dicts(ctx.budget, BUDGET_FIELDS)
    totals = index_dicts(ctx.totals, ("self_score", "score", "grade"))
    by_department: dict[str, list[dict[str, Any]]] = {}
    for row in index_dicts(ctx.frames.sheets).values():
        by_department.setdefault(str(row["dept"]), []).append(row)
    records: list[dict[str, Any]] = []
    for dept in sorted(by_department):
        group = by_department[dept]
        years = Counter(int(s["year"]) for s in group if s["year"] > 0)
        # The most common year, the earliest on a tie (as pandas' mode would give it).
        year = min(years, key=lambda y: (-years[y], y)) if years else None
        record: dict[str, Any] = {
            "name": dept,
            "year": year,
            "basic_data": None,
            "department_table": None,
            "projects": [],
        }
        values = {k: _num(v, 4) for k, v in derived_rows.get(dept, {}).items() if _num(v, 4) is not None}
        basic = next((s for s in group if s["kind"] == "basic_data"), None)
        if basic is not None:
            sid = int(basic["sid"])
            authorized = actual = None
            if sid in staff:
                authorized, actual = _num(staff[sid]["authorized"]), _num(staff[sid]["actual"])
            rate = round(actual / authorized, 4) if authorized and actual is not None else None
            record["basic_data"] = {
                "file": str(basic["file"]),
                "sheet": str(basic["sheet"]),
                "staff": {
                    "authorized": _int_or_num(authorized),
                    "actual": _int_or_num(actual),
                    "control_rate": rate,
                },
                "derived": {k: v for k, v in values.items() if k != "预算调整率"},
            }
        table = next((s for s in group if s["kind"] == "department"), None)
        if table is not None:
            record["department_table"] = _scored_sheet(ctx, int(table["sid"]), budget, totals)
        if basic is not None and table is not None and "预算调整率" in values:
            record["basic_data"]["derived"]["预算调整率"] = values["预算调整率"]
        elif basic is None and values:
            record["derived"] = values
        for sheet in group:
            if sheet["kind"] == "project":
                sid = int(sheet["sid"])
                record["projects"].append(
                    {"name": str(sheet["project"]), **_scored_sheet(ctx, sid, budget, totals)}
                )
        records.append(record)
    return records


def _int_or_num(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
