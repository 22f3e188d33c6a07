"""What a chunk's rules produced, as plain JSON-ready records (report.json and the summary rows)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

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


def budget_record(ctx: Context, sid: int) -> dict[str, Any]:
    """The budget line of a scored sheet, as report.json gives it."""
    line = ctx.budget.loc[sid]
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


def _scored_sheet(ctx: Context, sid: int) -> dict[str, Any]:
    sheet = ctx.sheet(sid)
    total = ctx.totals.loc[sid]
    return {
        "file": str(sheet["file"]),
        "sheet": str(sheet["sheet"]),
        "budget": budget_record(ctx, sid),
        "self_score": _num(total["self_score"]),
        "score": _num(total["score"]),
        "grade": total["grade"],
    }


def department_records(ctx: Context) -> list[dict[str, Any]]:
    """One report.json department record per department key of the chunk, in key order."""
    sheets = ctx.frames.sheets
    derived = derived_indicators(ctx)
    staff = ctx.frames.wide("staff", "staff", ("authorized", "actual", "control_rate"))
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
            if sid in staff.index:
                authorized, actual = _num(staff.loc[sid, "authorized"]), _num(staff.loc[sid, "actual"])
            rate = None
            if authorized and actual is not None:
                rate = round(actual / authorized, 4)
            values = derived.loc[dept] if dept in derived.index else pd.Series(dtype=float)
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
        elif dept in derived.index:
            record["derived"] = {k: _num(v, 4) for k, v in derived.loc[dept].items() if _num(v, 4) is not None}
        table = group[group["kind"] == "department"]
        if not table.empty:
            record["department_table"] = _scored_sheet(ctx, int(table["sid"].iloc[0]))
            if not basic.empty and dept in derived.index:
                adjustment = _num(derived.loc[dept].get("预算调整率"), 4)
                if adjustment is not None:
                    record["basic_data"]["derived"]["预算调整率"] = adjustment
        for sid, project in zip(group["sid"], group["project"], strict=True):
            if ctx.sheet(int(sid))["kind"] != "project":
                continue
            record["projects"].append({"name": str(project), **_scored_sheet(ctx, int(sid))})
        records.append(record)
    return records


def _int_or_num(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
