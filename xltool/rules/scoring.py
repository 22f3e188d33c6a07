"""Scoring of 附件2 and 附件3 tables under a profile, vectorised over a chunk's frames.

Computed beside the self-declared figures, never instead of them: the frames returned here carry both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xltool.model.rounding import round2_array
from xltool.rules.frames import Frames
from xltool.rules.profile import Profile

SCORED_KINDS = ("department", "project")
BUDGET_COLUMNS = ("initial", "full_year", "executed", "weight", "rate", "score")
BUDGET_PARTS = ("fiscal", "carryover", "other")


def budget_lines(frames: Frames, profile: Profile) -> pd.DataFrame:
    """One row per scored sheet (sid): amounts, execution rate and budget score, with stated figures."""
    sheets = frames.sheets
    sids = sheets.loc[sheets["kind"].isin(SCORED_KINDS), "sid"]
    total = frames.wide("budget", "total", BUDGET_COLUMNS).reindex(sids)
    for col in BUDGET_COLUMNS:
        total[f"{col}_cell"] = total[f"{col}_cell"].fillna("")
    parts = frames.figure_table("budget", BUDGET_PARTS)
    parts = parts[parts["column"].isin(("initial", "full_year", "executed"))]
    part_sum = parts.pivot_table(
        index="sid", columns="column", values="value", aggfunc="sum", fill_value=np.nan
    )
    part_count = parts.dropna(subset=["value"]).groupby(["sid", "column"]).size().unstack(fill_value=0)
    out = pd.DataFrame(index=pd.Index(sids, name="sid"))
    out["stated_initial"] = total["initial"]
    out["stated_full_year"] = total["full_year"]
    out["stated_executed"] = total["executed"]
    out["stated_rate"] = total["rate"]
    out["stated_score"] = total["score"]
    out["stated_weight"] = total["weight"]
    for col in BUDGET_COLUMNS:
        out[f"{col}_cell"] = total[f"{col}_cell"]
    # The 年度资金总额 row left empty or 0 while its 其中 rows hold amounts: use the parts (rules.md).
    fallback = np.zeros(len(out), dtype=bool)
    for col in ("initial", "full_year", "executed"):
        parts_col = (
            part_sum[col].reindex(out.index) if col in part_sum else pd.Series(np.nan, index=out.index)
        )
        n_parts = part_count[col].reindex(out.index).fillna(0) if col in part_count else 0
        stated = out[f"stated_{col}"]
        use_parts = ((stated.isna()) | (stated == 0)) & (parts_col.fillna(0) != 0)
        out[col] = np.where(use_parts, parts_col, stated)
        out[f"{col}_parts"] = parts_col
        out[f"{col}_nparts"] = n_parts
        out[f"{col}_from_parts"] = use_parts
        fallback |= use_parts.to_numpy() & (col != "initial")
    out["fallback"] = fallback
    full_year = out["full_year"].to_numpy(dtype=float)
    executed = out["executed"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(full_year > 0, executed / full_year, np.nan)
    out["rate"] = rate
    weight = profile.weights["budget"]
    out["score"] = np.where(np.isnan(rate), 0.0, round2_array(np.minimum(np.nan_to_num(rate), 1.0) * weight))
    out["score_weight"] = weight
    return out


@dataclass(frozen=True)
class IndicatorStatus:
    """How an indicator's score was reached (a column of the scored indicators frame)."""

    NA = "na"
    MISSING_ACTUAL = "missing_actual"
    MISSING_TARGET = "missing_target"
    QUANTITATIVE = "quantitative"
    UNIT_MISMATCH = "unit_mismatch"
    NONNUMERIC_ACTUAL = "nonnumeric_actual"
    QUALITATIVE_FULL = "qualitative_full"
    QUALITATIVE_BAND = "qualitative_band"
    QUALITATIVE_UNKNOWN = "qualitative_unknown"
    # Rows that state their own 评价标准 (the older Hunan table, `xltool.rules.criteria`):
    CRITERION = "criterion"  # scored by its tiers
    CRITERION_UNREAD = "criterion_unread"  # no tiers this reads: self-score kept
    CRITERION_NO_RATIO = "criterion_no_ratio"  # a ratio the department's 附件1 does not give: kept
    CRITERION_UNCOVERED = "criterion_uncovered"  # a ratio no tier covers: kept


def score_indicators(frames: Frames, profile: Profile) -> pd.DataFrame:
    """Indicators with the rule score, how it was reached, over-target and shortfall flags."""
    ind = frames.indicators.copy()
    if ind.empty:
        # Typed empty columns: a float "over_target" would make ``frame[frame["over_target"]]`` a
        # column selection instead of a row filter (sheet_totals relies on the boolean dtype).
        dtypes = {"status": object, "over_target": bool, "shortfall": bool}
        for col in ("score", "status", "over_target", "shortfall", "band_low", "band_high", "ratio"):
            ind[col] = pd.Series(dtype=dtypes.get(col, float))
        return ind
    w = ind["weight"].fillna(0).to_numpy(dtype=float)
    self_score = ind["self_score"].to_numpy(dtype=float)
    tkind = ind["tkind"].to_numpy()
    akind = ind["akind"].to_numpy()
    op = ind["top"].to_numpy()
    t = ind["t_cmp"].to_numpy(dtype=float)
    a = ind["a_cmp"].to_numpy(dtype=float)
    level = ind["level"].to_numpy()
    kept = np.clip(np.nan_to_num(self_score, nan=0.0), 0, w)

    with np.errstate(divide="ignore", invalid="ignore"):
        positive = np.where(t > 0, np.minimum(a / t, 1.0), np.where(a >= t, 1.0, 0.0))
        if profile.reverse_scoring == "linear":
            reverse_share = np.clip(1 - (a - t) / t, 0, 1)
        else:
            reverse_share = np.where(a > 0, t / a, 1.0)
        reverse = np.where(a <= t, 1.0, reverse_share)
        equal = np.where(
            np.isclose(a, t, rtol=0, atol=1e-9), 1.0, np.minimum(a, t) / np.maximum(np.maximum(a, t), 1e-12)
        )
    # A bare target of 0 (安全事故 0起) cannot be a floor to reach: weight × actual ÷ 0 has no meaning
    # and "actual ≥ 0" would give full marks to any count. It is read as a ceiling of 0, like ≤ 0.
    zero_ceiling = (op == "") & (t == 0)
    share = np.select([(op == "<=") | zero_ceiling, op == "="], [reverse, equal], default=positive)
    ratio = share
    quantitative = (tkind == "quantity") & (akind == "quantity")
    comparable = quantitative & ~np.isnan(t) & ~np.isnan(a)

    same_words = ind["atext"].to_numpy() == ind["ttext"].to_numpy()
    achieved = (level == "achieved") | (same_words & (akind == "text"))
    band_low = np.zeros(len(ind))
    band_high = np.ones(len(ind))
    for name, (low, high) in profile.qualitative_bands.items():
        band_low = np.where(level == name, low, band_low)
        band_high = np.where(level == name, high, band_high)
    in_band = np.clip(np.where(np.isnan(self_score), band_low * w, self_score), band_low * w, band_high * w)

    qualitative = (akind == "text") | ((tkind == "text") & (akind != "blank"))
    conditions = [
        (tkind == "na") | (akind == "na"),
        akind == "blank",
        tkind == "blank",
        comparable,
        quantitative,
        qualitative & achieved,
        qualitative & pd.notna(level) & (level != None),  # noqa: E711 — numpy elementwise
        qualitative,
    ]
    statuses = [
        IndicatorStatus.NA,
        IndicatorStatus.MISSING_ACTUAL,
        IndicatorStatus.MISSING_TARGET,
        IndicatorStatus.QUANTITATIVE,
        IndicatorStatus.UNIT_MISMATCH,
        IndicatorStatus.QUALITATIVE_FULL,
        IndicatorStatus.QUALITATIVE_BAND,
        IndicatorStatus.QUALITATIVE_UNKNOWN,
    ]
    scores = [np.nan, 0.0, kept, w * share, kept, w, in_band, kept]
    status = np.select(conditions, statuses, default=IndicatorStatus.QUALITATIVE_UNKNOWN)
    score = np.select(conditions, scores, default=kept)
    nonnumeric = (tkind == "quantity") & (akind == "text")
    status = np.where(nonnumeric & (status != IndicatorStatus.NA), IndicatorStatus.NONNUMERIC_ACTUAL, status)
    ind["score"] = np.where(np.isnan(score), np.nan, round2_array(score))
    ind["status"] = status
    ind["ratio"] = np.where(comparable, ratio, np.nan)
    ind["band_low"] = band_low
    ind["band_high"] = band_high
    r = profile.over_target_ratio
    with np.errstate(invalid="ignore"):
        over_pos = (op != "<=") & (op != "=") & (t > 0) & (a >= t * (1 + r) - 1e-9)
        over_rev = (op == "<=") & (t > 0) & (a <= t * (1 - r) + 1e-9)
    ind["over_target"] = comparable & (over_pos | over_rev)
    ind["shortfall"] = (status != IndicatorStatus.NA) & (
        ind["score"].to_numpy() < w - profile.score_tolerance
    )
    return ind


def sheet_totals(
    frames: Frames, budget: pd.DataFrame, indicators: pd.DataFrame, profile: Profile
) -> pd.DataFrame:
    """Per scored sheet: computed total, self-declared total, grade, and what shaped the total."""
    sheets = frames.sheets.set_index("sid")
    out = pd.DataFrame(index=budget.index)
    active = indicators[indicators["status"] != IndicatorStatus.NA]
    na = indicators[indicators["status"] == IndicatorStatus.NA]
    ind_sum = active.groupby("sid")["score"].sum().reindex(out.index).fillna(0.0)
    na_weight = na.groupby("sid")["weight"].sum().reindex(out.index).fillna(0.0)
    over = indicators[indicators["over_target"]].groupby("sid").size().reindex(out.index).fillna(0)
    raw_total = (budget["score"] + ind_sum).to_numpy(dtype=float)
    dropped = na_weight.to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        scale = np.where((dropped > 0) & (dropped < 100), 100 / (100 - dropped), 1.0)
    deduction = over * profile.over_target_deduction
    rescaled = np.maximum(raw_total * scale - deduction.to_numpy(dtype=float), 0)
    caps = np.array([_cap(profile, r) for r in budget["rate"]], dtype=float)
    capped = ~np.isnan(caps) & (rescaled > caps)
    total = np.where(capped, caps, rescaled)
    out["score"] = round2_array(total)
    out["indicator_sum"] = ind_sum
    out["na_weight"] = na_weight
    out["deduction"] = deduction
    out["cap"] = caps
    out["capped"] = capped
    out["self_score"] = sheets["total_score"].reindex(out.index)
    out["self_score_cell"] = sheets["total_score_cell"].reindex(out.index)
    out["grade"] = [profile.grade(float(s)) for s in out["score"]]
    return out


def _cap(profile: Profile, rate: float) -> float:
    """The profile's cap on the total at an execution rate; NaN when none applies."""
    cap = profile.cap_for(None if np.isnan(rate) else float(rate))
    return np.nan if cap is None else cap
