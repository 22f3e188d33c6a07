"""Rows scored by their own 评价标准 (the older Hunan 部门整体支出 table): tiers applied to a named ratio.

A row's 评价标准 states its tiers (``≦100%，计5分；每超过一个百分点扣0.5分``, read by `model.tiers`); its
三级指标 names the ratio they apply to, computed from the department's 附件1 where `forms.hunan.NAMED_RATIOS`
maps it to one. A text that states no tiers this reads, a ratio 附件1 does not give, or a ratio no tier
covers: the self-score is kept, and the status says which (rule C-CRITERION-KEPT tells the department).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from xltool.forms.hunan import NAMED_RATIOS
from xltool.model.rounding import round2_array
from xltool.model.tiers import Tiers, parse_tiers, tier_score
from xltool.rules.scoring import IndicatorStatus as S


def has_criteria(ind: pd.DataFrame) -> bool:
    """Whether any indicator row states its own 评价标准 (one vectorised test per chunk)."""
    return not ind.empty and bool((ind["criterion"].to_numpy() != "").any())


@functools.lru_cache(maxsize=1024)
def _tiers(text: str) -> Tiers | None:
    return parse_tiers(text)


@functools.lru_cache(maxsize=1024)
def _ratio_name(name: str) -> str:
    """The derived indicator a 三级指标 names ("" when 附件1 gives no such ratio)."""
    return next((r.derived for r in NAMED_RATIOS if r.term.matches(name)), "")


def _row(
    criterion: str, name: str, weight: float, self_score: float, ratios: dict[str, float]
) -> tuple[str, float, str, float]:
    """(status, score, ratio name, ratio) of one row stating a 评价标准."""
    kept = self_score if math.isnan(weight) else min(max(np.nan_to_num(self_score), 0.0), weight)
    tiers = _tiers(criterion)
    ratio_name = _ratio_name(name)
    value = ratios.get(ratio_name, math.nan) if ratio_name else math.nan
    if tiers is None:
        return S.CRITERION_UNREAD, kept, ratio_name, value
    if math.isnan(value):
        return S.CRITERION_NO_RATIO, kept, ratio_name, value
    points = tier_score(tiers, value)
    if points is None:
        return S.CRITERION_UNCOVERED, kept, ratio_name, value
    return S.CRITERION, points if math.isnan(weight) else min(points, weight), ratio_name, value


def score_by_criteria(ind: pd.DataFrame, sheets: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    """``ind`` (scored by `scoring.score_indicators`) with the rows that state a 评价标准 scored by it."""
    dept_of = dict(zip(sheets["sid"], sheets["dept"], strict=True))
    ratios: dict[object, dict[str, float]] = derived.to_dict("index")  # type: ignore[assignment]
    mask = ind["criterion"].to_numpy() != ""
    rows = ind[mask]
    results = [
        _row(criterion, name, weight, self_score, ratios.get(dept_of.get(sid), {}))
        for criterion, name, weight, self_score, sid in zip(
            rows["criterion"], rows["name"], rows["weight"], rows["self_score"], rows["sid"], strict=True
        )
    ]
    ind = ind.copy()
    ind["ratio_name"] = ""
    if results:
        status, score, names, values = zip(*results, strict=True)
        ind.loc[mask, "status"] = list(status)
        ind.loc[mask, "score"] = round2_array(np.array(score, dtype=float))
        ind.loc[mask, "ratio_name"] = list(names)
        ind.loc[mask, "ratio"] = list(values)
        ind.loc[mask, "over_target"] = False
        ind.loc[mask, "shortfall"] = ind.loc[mask, "score"] < ind.loc[mask, "weight"].fillna(0) - 0.005
    return ind
