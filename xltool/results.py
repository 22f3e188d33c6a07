"""What a chunk's rules produced, as plain JSON-ready records (report.json and the summary rows)."""

from __future__ import annotations

import math
from typing import Any

from xltool.check_departments import derived_indicators
from xltool.rules import Context


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
    sheets = ctx.frames.sheets
    derived = derived_indicators(ctx)
    staff = ctx.frames.wide("staff", "staff", ("authorized", "actual", "control_rate")).to_dict("index")
    derived_rows = derived.to_dict("index")
    budget = ctx.budget.to_dict("index")
    totals = ctx.totals.to_dict("index")
    records: list[dict[str, Any]] = []
    for dept, group in sheets.groupby("dept", sort=True):
        years = group.loc[group["year"] > 0, "year"]
        record: dict[str, Any] = {
            "name": str(dept),
            "year": int(years.mode().iloc[0]) if not years.empty else None,
            "basic_data": None,
            "department_table": None,
            "projects": [],
        }
        basic = group[group["kind"] == "basic_data"]
        if not basic.empty:
            sid = int(basic["sid"].iloc[0])
            authorized = actual = None
            if sid in staff:
                authorized, actual = _num(staff[sid]["authorized"]), _num(staff[sid]["actual"])
            rate = None
            if authorized and actual is not None:
                rate = round(actual / authorized, 4)
            values = derived_rows.get(dept, {})
            record["basic_data"] = {
                "file": str(basic["file"].iloc[0]),
                "sheet": str(basic["sheet"].iloc[0]),
                "staff": {
                    "authorized": _int_or_num(authorized),
                    "actual": _int_or_num(actual),
                    "control_rate": rate,
                },
                "derived": {k: _num(v, 4) for k, v in values.items() if _num(v, 4) is not None},
            }
        elif dept in derived_rows:
            record["derived"] = {
                k: _num(v, 4) for k, v in derived_rows[dept].items() if _num(v, 4) is not None
            }
        table = group[group["kind"] == "department"]
        if not table.empty:
            record["department_table"] = _scored_sheet(ctx, int(table["sid"].iloc[0]), budget, totals)
            if not basic.empty and dept in derived_rows:
                adjustment = _num(derived_rows[dept].get("预算调整率"), 4)
                if adjustment is not None:
                    record["basic_data"]["derived"]["预算调整率"] = adjustment
        for sid, kind, project in zip(group["sid"], group["kind"], group["project"], strict=True):
            if kind == "project":
                record["projects"].append(
                    {"name": str(project), **_scored_sheet(ctx, int(sid), budget, totals)}
                )
        records.append(record)
    return records


def _int_or_num(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
