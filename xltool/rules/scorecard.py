"""The figures a scored workbook shows beside the form, pulled from a chunk's context once.

The rule's scores per sheet and indicator (with the words for how each was reached), the derived
indicators, and what the form's own formulas give — which decides whether a submitted figure stays.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from xltool.forms.blocks import Format as ValueFormat
from xltool.forms.computed_cells import computed_cells, evaluate, total_refs, weight_of
from xltool.forms.layouts import BUDGET_WEIGHT
from xltool.model.records import Anchor, FormSheet
from xltool.model.rounding import fmt_rate
from xltool.rules.departments import derived_indicators
from xltool.rules.engine import Context
from xltool.rules.scoring import IndicatorStatus as S

# Half a unit of the last printed decimal: a stated figure this close shows the same as the formula.
DISPLAY_HALF_UNIT: dict[str, float] = {"rate": 0.00005}


DEFAULT_HALF_UNIT = 0.005


BAND_NAMES = {"achieved": "达成", "partial": "部分达成", "failed": "未达成"}


@dataclass(frozen=True)
class IndicatorScore:
    """The rule's verdict on one indicator row."""

    score: float
    status: str
    ratio: float
    level: str | None
    self_score: float


@dataclass(frozen=True)
class SheetScore:
    """The rule's figures for one scored sheet (附件2 / 附件3)."""

    rate: float
    score: float
    stated_score: float
    total: float
    grade: str
    self_total: float
    na_weight: float
    deduction: float
    cap: float
    capped: bool
    indicators: dict[int, IndicatorScore] = field(default_factory=dict)


def chunk_scores(ctx: Context) -> dict[int, SheetScore]:
    """Every scored sheet's rule figures by sid, read from the context's frames in one pass each."""
    ind = ctx.indicators
    per_sheet: dict[int, dict[int, IndicatorScore]] = defaultdict(dict)
    if not ind.empty:
        columns = ("sid", "index", "score", "status", "ratio", "level", "self_score")
        for sid, index, score, status, ratio, level, self_score in zip(
            *(ind[c].to_numpy() for c in columns), strict=True
        ):
            per_sheet[int(sid)][int(index)] = IndicatorScore(
                float(score),
                str(status),
                float(ratio),
                level if isinstance(level, str) else None,
                float(self_score),
            )
    budget, totals = ctx.budget, ctx.totals.reindex(ctx.budget.index)
    rows = zip(
        budget.index,
        *(budget[c].to_numpy(dtype=float) for c in ("rate", "score", "stated_score")),
        *(totals[c].to_numpy(dtype=float) for c in ("score", "self_score", "na_weight", "deduction", "cap")),
        totals["capped"].to_numpy(),
        totals["grade"].to_numpy(),
        strict=True,
    )
    return {
        int(sid): SheetScore(
            rate,
            score,
            stated,
            total,
            str(grade),
            self_total,
            na,
            ded,
            cap,
            bool(capped),
            per_sheet.get(int(sid), {}),
        )
        for sid, rate, score, stated, total, self_total, na, ded, cap, capped, grade in rows
    }


def chunk_derived(ctx: Context) -> dict[str, dict[str, float]]:
    """Each department's derived indicators (rules.md family E) by department key."""
    frame = derived_indicators(ctx)
    return {
        str(dept): {str(k): float(v) for k, v in values.items()}
        for dept, values in zip(frame.index, frame.to_dict("records"), strict=True)
    }


def kept_figures(
    sheet: FormSheet, disputed: Iterable[Anchor], budget_weight: float = BUDGET_WEIGHT
) -> dict[Anchor, Decimal]:
    """Computed cells whose stated figure stays: disputed by a rule, or not what the formula shows."""
    disputed = set(disputed)
    values: dict[Anchor, Decimal | None] = {f.anchor: f.value for f in sheet.figures}
    totalled = total_refs(len(sheet.indicators))
    values.update(zip(totalled[1:], (row.self_score for row in sheet.indicators), strict=True))
    weight = weight_of(budget_weight)
    kept: dict[Anchor, Decimal] = {}
    for cell in computed_cells(sheet.kind):
        refs = cell.refs
        if cell.op == "total":
            refs = totalled
            stated = sheet.total_score.value if sheet.total_score is not None else None
        else:
            stated = values.get(cell.anchor)
        shown = evaluate(cell.op, [values.get(r) for r in refs], weight)
        if stated is not None and (cell.anchor in disputed or not _shows_same(stated, shown, cell.fmt)):
            kept[cell.anchor] = stated
            values[cell.anchor] = stated
        else:
            values[cell.anchor] = shown
    return kept


def _shows_same(stated: Decimal, shown: Decimal | None, fmt: ValueFormat) -> bool:
    """Whether a formula's value prints as the stated figure does (same last decimal)."""
    if shown is None:
        return False
    return abs(float(stated) - float(shown)) <= DISPLAY_HALF_UNIT.get(fmt, DEFAULT_HALF_UNIT) + 1e-12


def over_claimed(claimed: float, rule: float) -> bool:
    """Whether a self-declared score is above the rule's."""
    return not (math.isnan(claimed) or math.isnan(rule)) and claimed > rule + 0.005


def basis(item: IndicatorScore) -> str:
    """A short 计分依据 for an indicator's rule score."""
    band = BAND_NAMES.get(item.level or "")
    if item.status == S.QUANTITATIVE:
        return f"完成{fmt_rate(item.ratio)}"
    if item.status == S.QUALITATIVE_FULL:
        return "定性：已达成"
    if item.status == S.QUALITATIVE_BAND:
        return f"定性：{band}档" if band else "定性：按档次"
    if item.status == S.CRITERION:
        return f"按评价标准：{fmt_rate(item.ratio)}"
    if item.status == S.NONNUMERIC_ACTUAL:
        if item.level == "achieved":
            return "实际值非数值，按已达成计"
        return f"实际值非数值，按{band}档" if band else "实际值非数值，保留自评分"
    return {
        S.UNIT_MISMATCH: "单位不一致，保留自评分",
        S.MISSING_ACTUAL: "未填实际值，按0分",
        S.MISSING_TARGET: "未填指标值，保留自评分",
        S.QUALITATIVE_UNKNOWN: "定性：未写明是否达成，保留自评分",
        S.NA: "不适用，已剔除",
        S.CRITERION_UNREAD: "评价标准无法自动计分，保留自评分",
        S.CRITERION_NO_RATIO: "附件1无此比率，保留自评分",
        S.CRITERION_UNCOVERED: "不在评价标准档次内，保留自评分",
    }.get(item.status, "")
