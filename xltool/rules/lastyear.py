"""Family Y: this year's forms against last year's submission of the same department (cycle.md).

Last year's forms are read and checked as a batch of their own; what this year's rules compare with is
kept per department (normalised name): every indicator's target and actual, 附件1's figures, and the
scores. A chunk's context carries the departments it holds (`Context.prior`); without ``--last-year``
the rules find nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xltool.forms.layouts import FORMS
from xltool.model.names import normalise_department
from xltool.model.values import Quantity, Value, comparable
from xltool.rules.engine import Context, Flagged, rule

IndicatorKey = tuple[str, str, str]  # (form kind, project name, indicator name), normalised
FigureKey = tuple[str, str, str]  # (block, row, column) of 附件1
_SPACES = re.compile(r"\s+")

# The 附件1 figures whose change from last year is checked against the profile's last_year_change.
CHANGES: tuple[tuple[str, FigureKey, str], ...] = (
    ("Y-THREE-PUBLIC-CHANGE", ("spending", "three_public", "actual"), "“三公经费”决算数"),
    ("Y-STAFF-CHANGE", ("staff", "staff", "actual"), "实际在职人数"),
    ("Y-PROJECT-BUDGET-CHANGE", ("spending", "projects", "budget"), "项目支出预算数"),
)


def plain_name(text: str | None) -> str:
    """A project or indicator name for matching across years: NFKC, no spaces, no year prefix."""
    value = _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"^(?:19|20)\d{2}年度?", "", value)


@dataclass(frozen=True)
class PriorIndicator:
    """One indicator as last year's form gave it."""

    target: Value
    actual: Value


@dataclass(frozen=True)
class PriorYear:
    """What last year's submission of one department said."""

    department: str
    year: int | None
    figures: dict[FigureKey, float] = field(default_factory=dict)  # 附件1
    indicators: dict[IndicatorKey, PriorIndicator] = field(default_factory=dict)
    score: float | None = None  # 附件2's rule score
    project_scores: dict[str, float | None] = field(default_factory=dict)  # plain project name → score


def prior_years(ctx: Context, records: list[dict[str, Any]]) -> dict[str, PriorYear]:
    """Last year's departments (by normalised name) from last year's checked chunk and its records."""
    figures: dict[str, dict[FigureKey, float]] = {}
    indicators: dict[str, dict[IndicatorKey, PriorIndicator]] = {}
    for sid, form in enumerate(ctx.frames.forms):
        dept = normalise_department(str(ctx.sheet(sid)["dept"]))
        if form.kind == "basic_data":
            for fig in form.figures:
                if fig.value is not None:
                    figures.setdefault(dept, {}).setdefault(
                        (fig.block, fig.row, fig.column), float(fig.value)
                    )
        project = plain_name(form.project) if form.kind == "project" else ""
        for ind in form.indicators:
            key = (form.kind, project, plain_name(ind.name))
            indicators.setdefault(dept, {}).setdefault(key, PriorIndicator(ind.target, ind.actual))
    years: dict[str, PriorYear] = {}
    for record in records:
        dept = normalise_department(record["name"])
        table = record.get("department_table") or {}
        years[dept] = PriorYear(
            department=record["name"],
            year=record.get("year"),
            figures=figures.get(dept, {}),
            indicators=indicators.get(dept, {}),
            score=table.get("score"),
            project_scores={plain_name(p["name"]): p.get("score") for p in record.get("projects", [])},
        )
    return years


def with_last_year(records: list[dict[str, Any]], prior: Mapping[str, PriorYear]) -> None:
    """Add last year's score and the change to each department (附件2) and project record."""
    for record in records:
        last = prior.get(normalise_department(record["name"]))
        if last is None:
            continue
        table = record.get("department_table")
        if table is not None:
            table["last_year"] = _score_change(table.get("score"), last.score)
        for project in record.get("projects", []):
            project["last_year"] = _score_change(
                project.get("score"), last.project_scores.get(plain_name(project["name"]))
            )


def _score_change(now: float | None, before: float | None) -> dict[str, float | None]:
    change = round(now - before, 2) if now is not None and before is not None else None
    return {"score": before, "change": change}


# ---------------------------------------------------------------------------------------------
# The rules


def _prior(ctx: Context, sid: int) -> PriorYear | None:
    return ctx.prior.get(normalise_department(str(ctx.sheet(sid)["dept"]))) if ctx.prior else None


def _numbers(a: Value, b: Value) -> tuple[float, float] | None:
    """Two quantities in a common unit, as floats; None when either is not a number or they do not convert."""
    if not isinstance(a, Quantity) or not isinstance(b, Quantity):
        return None
    pair = comparable(a, b)
    return None if pair is None else (float(pair[0]), float(pair[1]))


def _indicators(ctx: Context) -> Iterator[tuple[int, int, Any, PriorIndicator]]:
    """(sid, indicator position, this year's row, last year's indicator) of every matched indicator."""
    if not ctx.prior:
        return
    for sid, form in enumerate(ctx.frames.forms):
        last = _prior(ctx, sid)
        if last is None:
            continue
        project = plain_name(form.project) if form.kind == "project" else ""
        for ind in form.indicators:
            before = last.indicators.get((form.kind, project, plain_name(ind.name)))
            if before is not None:
                yield sid, ind.index, ind, before


@rule("Y-TARGET-BELOW-LAST")
def target_below_last(ctx: Context) -> Iterator[Flagged]:
    """A target set below what the same indicator achieved last year."""
    rows = []
    for sid, index, ind, before in _indicators(ctx):
        target, achieved = ind.target, before.actual
        if not isinstance(target, Quantity) or not isinstance(achieved, Quantity):
            continue
        pair = _numbers(target, achieved)
        if pair is None or "<=" in (target.op, achieved.op) or pair[0] >= pair[1] - 1e-9:
            continue
        rows.append(_indicator_row(sid, index, ind, target.text, achieved.text))
    yield Flagged(rows, cell="cell", anchor=("indicator", "{index}", "target"), actual="target")


@rule("Y-TARGET-UNCHANGED")
def target_unchanged(ctx: Context) -> Iterator[Flagged]:
    """A target kept at last year's value although last year's actual went beyond it."""
    rows = []
    for sid, index, ind, before in _indicators(ctx):
        target, last_target, achieved = ind.target, before.target, before.actual
        if not (
            isinstance(target, Quantity)
            and isinstance(last_target, Quantity)
            and isinstance(achieved, Quantity)
        ):
            continue
        same, done = _numbers(target, last_target), _numbers(last_target, achieved)
        if same is None or done is None or target.op == "<=" or target.op != last_target.op:
            continue
        if abs(same[0] - same[1]) > 1e-9 or done[1] <= done[0] + 1e-9:
            continue
        rows.append(_indicator_row(sid, index, ind, target.text, achieved.text))
    yield Flagged(rows, cell="cell", anchor=("indicator", "{index}", "target"), actual="target")


def _indicator_row(sid: int, index: int, ind: Any, target: str, achieved: str) -> dict[str, Any]:
    return {
        "sid": sid,
        "index": index,
        "cell": ind.cells.get("target", ""),
        "name": ind.name,
        "target": target,
        "achieved": achieved,
    }


def _basic_sids(ctx: Context) -> Iterator[tuple[int, PriorYear]]:
    if not ctx.prior:
        return
    for sid, form in enumerate(ctx.frames.forms):
        if form.kind == "basic_data" and (last := _prior(ctx, sid)) is not None:
            yield sid, last


def _changes(ctx: Context, key: FigureKey, label: str) -> Iterator[Flagged]:
    limit = ctx.profile.last_year_change
    rows = []
    for sid, last in _basic_sids(ctx):
        before = last.figures.get(key)
        now, cell = ctx.figure_lookup.get((sid, *key), (math.nan, ""))
        if before is None or math.isnan(now) or before <= 0:
            continue
        change = (now - before) / before
        if abs(change) <= limit + 1e-9:
            continue
        direction = "增长" if change > 0 else "下降"
        rows.append({"sid": sid, "cell": cell, "label": label, "now": now, "before": before,
                     "direction": direction, "change": abs(change), "limit": limit})  # fmt: skip
    yield Flagged(rows, cell="cell", anchor=("figure", *key), actual="now", threshold="before")


@rule("Y-THREE-PUBLIC-CHANGE")
def three_public_change(ctx: Context) -> Iterator[Flagged]:
    """三公经费 changed from last year's by more than the profile allows."""
    yield from _changes(ctx, CHANGES[0][1], CHANGES[0][2])


@rule("Y-STAFF-CHANGE")
def staff_change(ctx: Context) -> Iterator[Flagged]:
    """在职人数 changed from last year's by more than the profile allows."""
    yield from _changes(ctx, CHANGES[1][1], CHANGES[1][2])


@rule("Y-PROJECT-BUDGET-CHANGE")
def project_budget_change(ctx: Context) -> Iterator[Flagged]:
    """项目支出预算 changed from last year's by more than the profile allows."""
    yield from _changes(ctx, CHANGES[2][1], CHANGES[2][2])


@rule("Y-PRIOR-STATED")
def prior_stated(ctx: Context) -> Iterator[Flagged]:
    """附件1's 上年决算数 differing from the 决算数 last year's submission stated."""
    tolerance = ctx.profile.amount_tolerance
    rows = []
    for sid, last in _basic_sids(ctx):
        form = ctx.frames.forms[sid]
        for fig in form.figures:
            if fig.block != "spending" or fig.column != "prior_actual" or fig.value is None:
                continue
            before = last.figures.get(("spending", fig.row, "actual"))
            if before is None or abs(float(fig.value) - before) <= tolerance + 1e-9:
                continue
            rows.append({"sid": sid, "cell": fig.cell, "row": fig.row, "label": _row_label(fig.row),
                         "stated": float(fig.value), "before": before})  # fmt: skip
    yield Flagged(
        rows,
        cell="cell",
        anchor=("figure", "spending", "{row}", "prior_actual"),
        expected="before",
        actual="stated",
    )


def _row_label(row: str) -> str:
    """附件1's printed label of a spending row (“三公经费”)."""
    grid = next(g for g in FORMS["basic_data"].grids if g.key == "spending")
    return next((f"“{r.term.text}”" for r in grid.rows if r.key == row), "")
