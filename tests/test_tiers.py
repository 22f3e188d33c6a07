"""Scoring tiers in words (the older Hunan 部门整体支出 table's 评价标准 column)."""

from __future__ import annotations

import pytest

from xltool.model.tiers import parse_tiers, tier_score

CAP = "≦100%，计5分；每超过一个百分点扣0.5分，扣完为止"
BANDS = "≥90%，计5分；80%(含)-90%，计4分；70%(含)-80%，计3分；70%以下，计0分"
CHANGE = "=0，计3分；0-10%(含)，计2分；10%以上，计0分"


@pytest.mark.parametrize(
    ("text", "ratio", "points"),
    [
        (CAP, 0.95, 5.0),
        (CAP, 1.0, 5.0),
        (CAP, 1.03, 3.5),
        (CAP, 1.2, 0.0),  # 扣完为止
        (BANDS, 0.95, 5.0),
        (BANDS, 0.9, 5.0),
        (BANDS, 0.85, 4.0),
        (BANDS, 0.8, 4.0),
        (BANDS, 0.75, 3.0),
        (BANDS, 0.5, 0.0),
        (CHANGE, 0.0, 3.0),
        (CHANGE, 0.05, 2.0),
        (CHANGE, 0.1, 2.0),
        (CHANGE, 0.2, 0.0),
        ("≥ 95%，得3分；95%以下，得0分", 0.96, 3.0),
    ],
)
def test_tiers_score_a_ratio(text: str, ratio: float, points: float) -> None:
    tiers = parse_tiers(text)
    assert tiers is not None
    assert tier_score(tiers, ratio) == pytest.approx(points)


def test_a_ratio_no_tier_covers_has_no_score() -> None:
    tiers = parse_tiers(CHANGE)
    assert tiers is not None and tier_score(tiers, -0.1) is None


@pytest.mark.parametrize("text", ["根据实际情况酌情打分", "", "制度健全，计2分；否则不得分", None])
def test_texts_without_readable_tiers(text: object) -> None:
    assert parse_tiers(text) is None
