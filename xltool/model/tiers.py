"""Scoring tiers written in words, as the older Hunan 部门整体支出 table's 评价标准 column states them.

``≦100%，计5分；每超过一个百分点扣0.5分，扣完为止`` · ``≥90%，计5分；80%(含)-90%，计4分；…`` ·
``=0，计3分；0-10%(含)，计2分；…``: each clause a condition and the points it gives, or a deduction
per percentage point beyond the first threshold. `parse_tiers` reads them; `tier_score` scores a ratio.
Standard library only. The reader recognises that table and says it is not scored yet; this is the
scoring of its rows by their own texts, for when the table is read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_POINTS = re.compile(rf"[，,]?\s*(?:计|得|给|记)\s*({_NUMBER})\s*分")
_RANGE = re.compile(rf"^({_NUMBER})\s*%?\s*(\(含\))?\s*[-~—至到]\s*({_NUMBER})\s*%?\s*(\(含\))?$")
_BOUND = re.compile(rf"^(>=|<=|>|<|=)\s*({_NUMBER})\s*%?$|^({_NUMBER})\s*%?\s*(以上|以下|及以上|及以下)$")
_PER_POINT = re.compile(
    rf"每(超过|高于|多|低于|少|减少|增加|上升|下降)\s*(?:一个|1个|1)\s*百分点\s*(?:扣|减)\s*({_NUMBER})\s*分"
)
_OPS = {"≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", "＝": "=", "═": "=", "＞": ">", "＜": "<"}


@dataclass(frozen=True)
class Tier:
    """``low`` < x ≤ ``high`` (inclusivity per side) gives ``points``; bounds in percent, None unbounded."""

    low: float | None
    high: float | None
    low_inclusive: bool
    high_inclusive: bool
    points: float

    def holds(self, x: float) -> bool:
        """Whether a ratio in percent falls in this tier."""
        if self.low is not None and (x < self.low or (x == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not self.high_inclusive)))


@dataclass(frozen=True)
class Tiers:
    """The tiers of one 评价标准 text, and a per-point deduction beyond its first tier, if any."""

    tiers: tuple[Tier, ...]
    per_point: float = 0.0  # points off per percentage point beyond the first tier's bound
    upward: bool = True  # the deduction counts points above (True) or below the bound


def _normal(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    for sign, op in _OPS.items():
        s = s.replace(sign, op)
    return s.replace("＞", ">").replace(" ", "")


def _condition(text: str) -> Tier | None:
    """A clause's condition as a tier worth 0 points (the points are set by the caller)."""
    text = text.strip("，,：:")
    match = _RANGE.match(text)
    if match is not None:
        low, high = float(match.group(1)), float(match.group(3))
        # 80%(含)-90%: 80 included; 0-10%(含): 10 included; unmarked bounds: low excluded, high included
        # unless the low is marked, in which case the high is excluded (the next tier includes it).
        low_inc = match.group(2) is not None
        high_inc = match.group(4) is not None or not low_inc
        return Tier(low, high, low_inc, high_inc, 0)
    match = _BOUND.match(text)
    if match is None:
        return None
    if match.group(1) is not None:
        op, value = match.group(1), float(match.group(2))
    else:
        value, op = float(match.group(3)), ">=" if "上" in match.group(4) else "<="
    return {
        ">=": Tier(value, None, True, True, 0),
        ">": Tier(value, None, False, True, 0),
        "<=": Tier(None, value, True, True, 0),
        "<": Tier(None, value, True, False, 0),
        "=": Tier(value, value, True, True, 0),
    }[op]


def parse_tiers(text: object) -> Tiers | None:
    """The tiers a 评价标准 text states, None when it states none this parser reads."""
    if not isinstance(text, str) or not text.strip():
        return None
    tiers: list[Tier] = []
    per_point, upward = 0.0, True
    for clause in re.split(r"[；;。\n]", _normal(text)):
        if not clause:
            continue
        per = _PER_POINT.search(clause)
        if per is not None:
            per_point, upward = float(per.group(2)), per.group(1) in ("超过", "高于", "多", "增加", "上升")
            clause = clause[: per.start()]
            if not clause.strip("，,"):
                continue
        points = _POINTS.search(clause)
        if points is None:
            if "扣完为止" in clause or "为止" in clause:
                continue
            return None
        tier = _condition(clause[: points.start()])
        if tier is None:
            return None
        tiers.append(
            Tier(tier.low, tier.high, tier.low_inclusive, tier.high_inclusive, float(points.group(1)))
        )
    if not tiers:
        return None
    return Tiers(tuple(tiers), per_point, upward)


def tier_score(tiers: Tiers, ratio: float) -> float | None:
    """The points a ratio (a fraction: 0.95) earns under the tiers, None when no tier covers it."""
    x = round(ratio * 100, 9)
    for tier in tiers.tiers:
        if tier.holds(x):
            return tier.points
    if tiers.per_point:
        first = tiers.tiers[0]
        bound = first.high if tiers.upward else first.low
        if bound is not None:
            beyond = x - bound if tiers.upward else bound - x
            if beyond > 0:
                return max(0.0, first.points - tiers.per_point * beyond)
    return None
