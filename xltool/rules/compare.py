"""The comparisons rules make, with the tolerance each allows (舍位平衡), declared once.

Every comparison is "beyond the tolerance and a hair more": 1e-9 absorbs binary representation error,
so a figure exactly at the tolerance never fires. NaN compares false: a missing figure breaks no rule
here (the rules about missing figures say so themselves).
"""

from __future__ import annotations

from typing import Any

import numpy as np

EPSILON = 1e-9


def above(value: Any, limit: Any, tolerance: Any = 0.0) -> Any:
    """``value`` is above ``limit`` by more than ``tolerance`` (elementwise for Series)."""
    return value > limit + tolerance + EPSILON


def below(value: Any, limit: Any, tolerance: Any = 0.0) -> Any:
    """``value`` is below ``limit`` by more than ``tolerance`` (elementwise for Series)."""
    return value < limit - tolerance - EPSILON


def differs(value: Any, other: Any, tolerance: Any = 0.0) -> Any:
    """``value`` and ``other`` are further apart than ``tolerance`` (elementwise for Series)."""
    return np.abs(value - other) > tolerance + EPSILON
