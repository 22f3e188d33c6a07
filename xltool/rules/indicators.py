"""Family C: performance indicators — missing values, scores against the rules, explanations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from xltool.forms.layouts import QUALITATIVE_BANDS
from xltool.model.rounding import fmt_num, fmt_rate
from xltool.rules.compare import above, below
from xltool.rules.engine import Context, Flagged, rule
from xltool.rules.scoring import IndicatorStatus as S


def _at(column: str) -> tuple[str, ...]:
    """The anchor of an indicator's cell in a column."""
    return ("indicator", "{index}", column)


def _why(row: dict[str, Any]) -> str:
    """Why the rule score is what it is, in words."""
    status = row["status"]
    if status == S.QUANTITATIVE:
        return f"按实际完成值“{row['atext']}”与年度指标值“{row['ttext']}”（完成{fmt_rate(row['ratio'])}）"
    if status == S.MISSING_ACTUAL:
        return "实际完成值未填，"
    if status in (S.QUALITATIVE_BAND, S.NONNUMERIC_ACTUAL):
        band = _band(row)
        if str(row["atext"]).strip() == band:  # the words are the band's own name: say it once
            return f"完成情况为“{band}”，按该档"
        return f"完成情况“{row['atext']}”属“{band}”档，"
    if status == S.QUALITATIVE_FULL:
        return f"完成情况“{row['atext']}”已达成，"
    if status == S.CRITERION:
        return f"按评价标准“{row['criterion']}”（附件1算得{row['ratio_name']}{fmt_rate(row['ratio'])}），"
    return ""


def _band(row: dict[str, Any]) -> str:
    """The name of the qualitative band an indicator's words put it in."""
    return QUALITATIVE_BANDS.get(str(row["level"]), "")


def _status(ind: pd.DataFrame, *statuses: str) -> pd.Series:
    return ind["status"].isin(statuses)


@rule("C-SCORE-OVER")
def score_over(ctx: Context) -> Iterator[Flagged]:
    """Self-scores above the rule score."""
    ind = ctx.indicators
    judged = _status(ind, S.QUANTITATIVE, S.MISSING_ACTUAL, S.QUALITATIVE_FULL, S.CRITERION)
    bad = judged & above(ind["self_score"], ind["score"], ctx.profile.score_tolerance)
    yield Flagged(
        ind[bad],
        cell="score_cell",
        anchor=_at("score"),
        expected="score",
        actual="self_score",
        fields={"why": _why},
    )


@rule("C-SCORE-UNDER")
def score_under(ctx: Context) -> Iterator[Flagged]:
    """Self-scores below the rule score."""
    ind = ctx.indicators
    judged = _status(ind, S.QUANTITATIVE, S.QUALITATIVE_FULL, S.CRITERION)
    bad = judged & below(ind["self_score"], ind["score"], ctx.profile.score_tolerance)
    yield Flagged(
        ind[bad],
        cell="score_cell",
        anchor=_at("score"),
        expected="score",
        actual="self_score",
        fields={"why": _why},
    )


@rule("C-QUALITATIVE-BAND")
def qualitative_band(ctx: Context) -> Iterator[Flagged]:
    """Qualitative self-scores outside the band their words put them in."""
    ind = ctx.indicators
    banded = _status(ind, S.QUALITATIVE_BAND, S.NONNUMERIC_ACTUAL) & ind["self_score"].notna()
    low = ind["band_low"] * ind["weight"]
    high = ind["band_high"] * ind["weight"]
    bad = banded & (above(ind["self_score"], high) | below(ind["self_score"], low))
    yield Flagged(
        ind[bad].assign(low=low[bad], high=high[bad]),
        cell="score_cell",
        anchor=_at("score"),
        expected="score",
        actual="self_score",
        threshold=lambda row: row["high"] if row["self_score"] > row["high"] else row["low"],
        fields={"band": _band},
        variant=lambda row: "named" if str(row["atext"]).strip() == _band(row) else "",
    )


@rule("C-TARGET-MISSING")
def target_missing(ctx: Context) -> Iterator[Flagged]:
    """Indicators with no target."""
    ind = ctx.indicators
    yield Flagged(
        ind[(ind["tkind"] == "blank") & (ind["akind"] != "na") & (ind["criterion"] == "")],
        cell=("target_cell", "name_cell"),
        anchor=_at("target"),
    )


@rule("C-ACTUAL-MISSING")
def actual_missing(ctx: Context) -> Iterator[Flagged]:
    """Indicators with no actual value."""
    ind = ctx.indicators
    yield Flagged(
        ind[_status(ind, S.MISSING_ACTUAL)],
        cell=("actual_cell", "name_cell"),
        anchor=_at("actual"),
        expected=0.0,
        actual="self_score",
    )


# The status of a row scored by its own 评价标准 whose self-score was kept → the finding's variant.
_KEPT = {S.CRITERION_UNREAD: "", S.CRITERION_NO_RATIO: "no_ratio", S.CRITERION_UNCOVERED: "uncovered"}


@rule("C-CRITERION-KEPT")
def criterion_kept(ctx: Context) -> Iterator[Flagged]:
    """Rows of the older Hunan table whose 评价标准 could not score them: the self-score is kept."""
    ind = ctx.indicators
    yield Flagged(
        ind[_status(ind, *_KEPT)],
        cell=("score_cell", "name_cell"),
        anchor=_at("score"),
        actual="self_score",
        variant=lambda row: _KEPT[row["status"]],
    )


@rule("C-ACTUAL-NONNUMERIC")
def actual_nonnumeric(ctx: Context) -> Iterator[Flagged]:
    """Quantitative targets answered with words (修订中)."""
    ind = ctx.indicators
    yield Flagged(
        ind[_status(ind, S.NONNUMERIC_ACTUAL)],
        cell="actual_cell",
        anchor=_at("actual"),
        expected="score",
        actual="atext",
    )


@rule("C-UNIT-MISMATCH")
def unit_mismatch(ctx: Context) -> Iterator[Flagged]:
    """Targets and actuals in units that cannot be converted."""
    ind = ctx.indicators
    yield Flagged(
        ind[_status(ind, S.UNIT_MISMATCH)], cell="actual_cell", anchor=_at("actual"), actual="atext"
    )


@rule("C-OVER-TARGET")
def over_target(ctx: Context) -> Iterator[Flagged]:
    """Actuals far beyond their target."""
    ind = ctx.indicators
    deduction = ctx.profile.over_target_deduction
    yield Flagged(
        ind[ind["over_target"]],
        cell="actual_cell",
        anchor=_at("actual"),
        actual="atext",
        threshold=ctx.profile.over_target_ratio,
        fields={
            "over": lambda row: abs(row["a_cmp"] - row["t_cmp"]) / row["t_cmp"],
            "limit": ctx.profile.over_target_ratio,
            "deduction": f"；按{ctx.profile.name}口径扣{fmt_num(deduction)}分" if deduction else "",
        },
    )


def _shortfall(row: dict[str, Any]) -> str:
    """How the actual missed (or far beat) its target, in words."""
    # A ceiling (成本 ≤ …) is missed by going above it, and beaten far by staying far below it.
    ceiling = row["top"] == "<="
    if row["over_target"]:
        return "大幅低于年度指标值" if ceiling else "大幅超出年度指标值"
    return "超过年度指标值" if ceiling else "未达到年度指标值"


@rule("C-REASON-MISSING")
def reason_missing(ctx: Context) -> Iterator[Flagged]:
    """Shortfalls or over-target indicators with no explanation."""
    ind = ctx.indicators
    judged = _status(ind, S.QUANTITATIVE, S.NONNUMERIC_ACTUAL, S.QUALITATIVE_BAND)
    bad = (ind["reason"] == "") & ((judged & ind["shortfall"]) | ind["over_target"])
    yield Flagged(
        ind[bad],
        cell=("reason_cell", "actual_cell"),
        anchor=_at("reason"),
        fields={"shortfall": _shortfall, "actual_text": lambda row: row["atext"] or "（空）"},
    )


@rule("C-NOT-APPLICABLE")
def not_applicable(ctx: Context) -> Iterator[Flagged]:
    """Indicators marked 不适用."""
    ind = ctx.indicators
    yield Flagged(ind[_status(ind, S.NA)], cell="name_cell", anchor=_at("name"))


@rule("C-QUALITATIVE-UNCLEAR")
def qualitative_unclear(ctx: Context) -> Iterator[Flagged]:
    """Qualitative actuals that do not say whether the target was met."""
    ind = ctx.indicators
    yield Flagged(ind[_status(ind, S.QUALITATIVE_UNKNOWN)], cell="actual_cell", anchor=_at("actual"))


@rule("C-TOTAL-OVER")
def total_over(ctx: Context) -> Iterator[Flagged]:
    """A self-declared total above the rule total."""
    tot = ctx.totals
    yield Flagged(
        tot[above(tot["self_score"], tot["score"], ctx.profile.score_tolerance)],
        cell="self_score_cell",
        anchor=("total", "score"),
        expected="score",
        actual="self_score",
        fields={
            "grade": lambda row: ctx.profile.grade(row["score"]),
            "gap": lambda row: row["self_score"] - row["score"],
        },
    )


@rule("C-TOTAL-UNDER")
def total_under(ctx: Context) -> Iterator[Flagged]:
    """A self-declared total below the rule total."""
    tot = ctx.totals
    yield Flagged(
        tot[below(tot["self_score"], tot["score"], ctx.profile.score_tolerance)],
        cell="self_score_cell",
        anchor=("total", "score"),
        expected="score",
        actual="self_score",
    )


@rule("C-EXECUTION-CAP")
def execution_cap(ctx: Context) -> Iterator[Flagged]:
    """Totals capped because of a low execution rate."""
    tot = ctx.totals.join(ctx.budget[["rate"]])
    yield Flagged(
        tot[tot["capped"]],
        cell="self_score_cell",
        anchor=("total", "score"),
        threshold="cap",
        fields={"profile": ctx.profile.name},
    )
