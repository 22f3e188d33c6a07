"""Family C: performance indicators — missing values, scores against the rules, explanations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from xltool.forms.layouts import QUALITATIVE_BANDS
from xltool.model.records import Finding
from xltool.model.rounding import fmt_num, fmt_rate
from xltool.rules.engine import Context, rule
from xltool.rules.scoring import IndicatorStatus as S


def _where(row: dict[str, Any], column: str) -> tuple[str, ...]:
    return ("indicator", str(row["index"]), column)


def _basis(row: dict[str, Any]) -> str:
    """Why the rule score is what it is, in words."""
    status = row["status"]
    if status == S.QUANTITATIVE:
        return f"按实际完成值{row['atext']}与年度指标值{row['ttext']}（完成{fmt_rate(row['ratio'])}）"
    if status == S.MISSING_ACTUAL:
        return "实际完成值未填，"
    if status in (S.QUALITATIVE_BAND, S.NONNUMERIC_ACTUAL):
        band = QUALITATIVE_BANDS.get(str(row["level"]), "")
        return f"完成情况“{row['atext']}”属“{band}”档，"
    if status == S.QUALITATIVE_FULL:
        return f"完成情况“{row['atext']}”已达成，"
    return ""


def _scored(ctx: Context) -> pd.DataFrame:
    return ctx.indicators


@rule("C-SCORE-OVER")
def score_over(ctx: Context) -> Iterator[Finding]:
    """Self-scores above the rule score."""
    ind = _scored(ctx)
    tol = ctx.profile.score_tolerance
    judged = ind["status"].isin((S.QUANTITATIVE, S.MISSING_ACTUAL, S.QUALITATIVE_FULL))
    bad = judged & ind["self_score"].notna() & (ind["self_score"] > ind["score"] + tol + 1e-9)
    for row in ctx.rows(ind[bad]):
        yield ctx.finding(
            "C-SCORE-OVER",
            row["sid"],
            row["score_cell"],
            f"“{row['name']}”得分填报为{fmt_num(row['self_score'])}，{_basis(row)}应为{fmt_num(row['score'])}",
            expected=row["score"],
            actual=row["self_score"],
            anchor=_where(row, "score"),
        )


@rule("C-SCORE-UNDER")
def score_under(ctx: Context) -> Iterator[Finding]:
    """Self-scores below the rule score."""
    ind = _scored(ctx)
    tol = ctx.profile.score_tolerance
    judged = ind["status"].isin((S.QUANTITATIVE, S.QUALITATIVE_FULL))
    bad = judged & ind["self_score"].notna() & (ind["self_score"] < ind["score"] - tol - 1e-9)
    for row in ctx.rows(ind[bad]):
        yield ctx.finding(
            "C-SCORE-UNDER",
            row["sid"],
            row["score_cell"],
            f"“{row['name']}”得分填报为{fmt_num(row['self_score'])}，{_basis(row)}可得{fmt_num(row['score'])}",
            expected=row["score"],
            actual=row["self_score"],
            anchor=_where(row, "score"),
        )


@rule("C-QUALITATIVE-BAND")
def qualitative_band(ctx: Context) -> Iterator[Finding]:
    """Qualitative self-scores outside the band their words put them in."""
    ind = _scored(ctx)
    banded = ind["status"].isin((S.QUALITATIVE_BAND, S.NONNUMERIC_ACTUAL)) & ind["self_score"].notna()
    low = ind["band_low"] * ind["weight"]
    high = ind["band_high"] * ind["weight"]
    bad = banded & ((ind["self_score"] > high + 1e-9) | (ind["self_score"] < low - 1e-9))
    frame = ind[bad].assign(low=low[bad], high=high[bad])
    for row in ctx.rows(frame):
        band = QUALITATIVE_BANDS.get(str(row["level"]), "")
        yield ctx.finding(
            "C-QUALITATIVE-BAND",
            row["sid"],
            row["score_cell"],
            f"“{row['name']}”完成情况“{row['atext']}”属“{band}”档，得分应在{fmt_num(row['low'])}–"
            f"{fmt_num(row['high'])}之间，填报为{fmt_num(row['self_score'])}",
            expected=row["score"],
            actual=row["self_score"],
            threshold=row["high"] if row["self_score"] > row["high"] else row["low"],
            anchor=_where(row, "score"),
        )


@rule("C-TARGET-MISSING")
def target_missing(ctx: Context) -> Iterator[Finding]:
    """Indicators with no target."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[(ind["tkind"] == "blank") & (ind["akind"] != "na")]):
        yield ctx.finding(
            "C-TARGET-MISSING",
            row["sid"],
            row["target_cell"] or row["name_cell"],
            f"“{row['name']}”未填写年度指标值，无法评价完成情况；已保留自评得分{fmt_num(row['self_score'])}",
            anchor=_where(row, "target"),
        )


@rule("C-ACTUAL-MISSING")
def actual_missing(ctx: Context) -> Iterator[Finding]:
    """Indicators with no actual value."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[ind["status"] == S.MISSING_ACTUAL]):
        yield ctx.finding(
            "C-ACTUAL-MISSING",
            row["sid"],
            row["actual_cell"] or row["name_cell"],
            f"“{row['name']}”未填写实际完成值，按0分计；请补填实际完成值",
            expected=0.0,
            actual=row["self_score"],
            anchor=_where(row, "actual"),
        )


@rule("C-ACTUAL-NONNUMERIC")
def actual_nonnumeric(ctx: Context) -> Iterator[Finding]:
    """Quantitative targets answered with words (修订中)."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[ind["status"] == S.NONNUMERIC_ACTUAL]):
        yield ctx.finding(
            "C-ACTUAL-NONNUMERIC",
            row["sid"],
            row["actual_cell"],
            f"“{row['name']}”年度指标值“{row['ttext']}”是定量指标，实际完成值却是“{row['atext']}”，"
            f"无法按比例计分（按完成情况档次评分为{fmt_num(row['score'])}）；请填写实际完成数量",
            expected=row["score"],
            actual=row["atext"],
            anchor=_where(row, "actual"),
        )


@rule("C-UNIT-MISMATCH")
def unit_mismatch(ctx: Context) -> Iterator[Finding]:
    """Targets and actuals in units that cannot be converted."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[ind["status"] == S.UNIT_MISMATCH]):
        yield ctx.finding(
            "C-UNIT-MISMATCH",
            row["sid"],
            row["actual_cell"],
            f"“{row['name']}”年度指标值“{row['ttext']}”与实际完成值“{row['atext']}”计量单位不一致，"
            f"无法换算比较；已保留自评得分{fmt_num(row['self_score'])}，请统一计量单位",
            actual=row["atext"],
            anchor=_where(row, "actual"),
        )


@rule("C-OVER-TARGET")
def over_target(ctx: Context) -> Iterator[Finding]:
    """Actuals far beyond their target."""
    ind = _scored(ctx)
    deduction = ctx.profile.over_target_deduction
    for row in ctx.rows(ind[ind["over_target"]]):
        over = abs(row["a_cmp"] - row["t_cmp"]) / row["t_cmp"]
        tail = f"；按{ctx.profile.name}口径扣{fmt_num(deduction)}分" if deduction else ""
        yield ctx.finding(
            "C-OVER-TARGET",
            row["sid"],
            row["actual_cell"],
            f"“{row['name']}”实际完成值{row['atext']}偏离年度指标值{row['ttext']}达{fmt_rate(over)}"
            f"（≥{fmt_rate(ctx.profile.over_target_ratio)}），指标值可能设定偏低{tail}",
            actual=row["atext"],
            threshold=ctx.profile.over_target_ratio,
            anchor=_where(row, "actual"),
        )


@rule("C-REASON-MISSING")
def reason_missing(ctx: Context) -> Iterator[Finding]:
    """Shortfalls or over-target indicators with no explanation."""
    ind = _scored(ctx)
    judged = ind["status"].isin((S.QUANTITATIVE, S.NONNUMERIC_ACTUAL, S.QUALITATIVE_BAND))
    bad = (ind["reason"] == "") & ((judged & ind["shortfall"]) | ind["over_target"])
    for row in ctx.rows(ind[bad]):
        # A ceiling (成本 ≤ …) is missed by going above it, and beaten far by staying far below it.
        ceiling = row["top"] == "<="
        if row["over_target"]:
            what = "大幅低于年度指标值" if ceiling else "大幅超出年度指标值"
        else:
            what = "超过年度指标值" if ceiling else "未达到年度指标值"
        yield ctx.finding(
            "C-REASON-MISSING",
            row["sid"],
            row["reason_cell"] or row["actual_cell"],
            f"“{row['name']}”实际完成值{row['atext'] or '（空）'}{what}{row['ttext']}，"
            f"偏差原因分析及改进措施未填写；请说明原因",
            anchor=_where(row, "reason"),
        )


@rule("C-NOT-APPLICABLE")
def not_applicable(ctx: Context) -> Iterator[Finding]:
    """Indicators marked 不适用."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[ind["status"] == S.NA]):
        yield ctx.finding(
            "C-NOT-APPLICABLE",
            row["sid"],
            row["name_cell"],
            f"“{row['name']}”标注为不适用，分值{fmt_num(row['weight'])}已剔除，总分按100分折算",
            anchor=_where(row, "name"),
        )


@rule("C-QUALITATIVE-UNCLEAR")
def qualitative_unclear(ctx: Context) -> Iterator[Finding]:
    """Qualitative actuals that do not say whether the target was met."""
    ind = _scored(ctx)
    for row in ctx.rows(ind[ind["status"] == S.QUALITATIVE_UNKNOWN]):
        yield ctx.finding(
            "C-QUALITATIVE-UNCLEAR",
            row["sid"],
            row["actual_cell"],
            f"“{row['name']}”完成情况“{row['atext']}”未写明是否达成年度指标，已保留自评得分"
            f"{fmt_num(row['self_score'])}；建议写明“达成年度指标”等",
            anchor=_where(row, "actual"),
        )


@rule("C-TOTAL-OVER")
def total_over(ctx: Context) -> Iterator[Finding]:
    """A self-declared total above the rule total."""
    tot = ctx.totals
    tol = ctx.profile.score_tolerance
    for row in ctx.rows(tot[tot["self_score"] > tot["score"] + tol + 1e-9]):
        gap = fmt_num(row["self_score"] - row["score"])
        yield ctx.finding(
            "C-TOTAL-OVER",
            row["sid"],
            row["self_score_cell"],
            f"自评总分{fmt_num(row['self_score'])}高于按规则计算的{fmt_num(row['score'])}分"
            f"（{ctx.profile.grade(row['score'])}），差{gap}分；请按本表标注逐项核减",
            expected=row["score"],
            actual=row["self_score"],
            anchor=("total", "score"),
        )


@rule("C-TOTAL-UNDER")
def total_under(ctx: Context) -> Iterator[Finding]:
    """A self-declared total below the rule total."""
    tot = ctx.totals
    tol = ctx.profile.score_tolerance
    for row in ctx.rows(tot[tot["self_score"] < tot["score"] - tol - 1e-9]):
        yield ctx.finding(
            "C-TOTAL-UNDER",
            row["sid"],
            row["self_score_cell"],
            f"自评总分{fmt_num(row['self_score'])}低于按规则计算的{fmt_num(row['score'])}分",
            expected=row["score"],
            actual=row["self_score"],
            anchor=("total", "score"),
        )


@rule("C-EXECUTION-CAP")
def execution_cap(ctx: Context) -> Iterator[Finding]:
    """Totals capped because of a low execution rate."""
    tot = ctx.totals.join(ctx.budget[["rate"]])
    for row in ctx.rows(tot[tot["capped"]]):
        yield ctx.finding(
            "C-EXECUTION-CAP",
            row["sid"],
            row["self_score_cell"],
            f"预算执行率{fmt_rate(row['rate'])}，按{ctx.profile.name}口径总分不超过{fmt_num(row['cap'])}分",
            threshold=row["cap"],
            anchor=("total", "score"),
        )
