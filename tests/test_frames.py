"""The fast ways the rules read their frames give what pandas' own (slower) ways give."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltool.rules.frames import index_dicts

NAN = object()  # NaN compared as a value, and the type of every value checked


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return NAN
    return (type(value), value)


def _same(rows: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {_plain(k): {c: _plain(v) for c, v in row.items()} for k, row in rows.items()}


texts = st.one_of(st.none(), st.text(max_size=5))
numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """A frame with the column kinds the rules build: text (with gaps), floats, ints, flags, objects."""
    n = draw(st.integers(min_value=0, max_value=6))
    data = {
        "cell": draw(st.lists(texts, min_size=n, max_size=n)),
        "value": draw(st.lists(numbers, min_size=n, max_size=n)),
        "count": draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)),
        "flag": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "mixed": draw(
            st.lists(st.one_of(texts, numbers, st.tuples(st.text(max_size=2))), min_size=n, max_size=n)
        ),
    }
    frame = pd.DataFrame(data)
    frame["count"] = frame["count"].astype(np.int64) if n else frame["count"]
    index = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n, unique=True))
    return frame.set_axis(pd.Index(index, name="sid"))


QUICK = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(frames())
def test_index_dicts_equals_to_dict(frame: pd.DataFrame) -> None:
    assert _same(index_dicts(frame)) == _same(frame.to_dict("index"))
    columns = ["value", "cell"]
    assert _same(index_dicts(frame, columns)) == _same(frame[columns].to_dict("index"))


@QUICK
@given(frames())
def test_flagged_rows_equal_itertuples(frame: pd.DataFrame) -> None:
    from xltool.rules.engine import Context

    fast = list(Context.rows(None, frame))  # type: ignore[arg-type]  # no state of the context is read
    cols = list(frame.columns)
    slow = []
    for idx, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row = dict(zip(cols, values, strict=True))
        row.setdefault("sid", idx)
        slow.append(row)
    assert [_same({0: r}) for r in fast] == [_same({0: r}) for r in slow]
