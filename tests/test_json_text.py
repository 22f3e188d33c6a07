"""The fast indented JSON writer of report.json gives json.dumps(indent=2)'s text for every value."""

from __future__ import annotations

import enum
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltool.write import json_text
from xltool.write.json_text import compact, indented

# Every JSON value: the scalars (any text, wide and odd characters included; any float, NaN and the
# infinities included; large integers), nested in lists, tuples and dicts, empty ones included.
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


def slow(value: object, level: int) -> str:
    """The reference: json's text, every line after a line break indented by ``level``."""
    pad = " " * level
    return pad + json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)


@settings(max_examples=400)
@given(values, st.sampled_from([0, 2, 4]))
def test_indented_is_json_dumps_indent_2(value: object, level: int) -> None:
    assert indented(value, level) == slow(value, level)
    assert compact(value) == json.dumps(value, ensure_ascii=False)


class Level(enum.IntEnum):
    LOW = 1


ODD: object = {
    "a": [Level.LOW, {1: "x", None: [], False: {}, 2.5: 0}],
    "b": "第一行\u2028第二行\x85\x1c",
    "c": [math.nan, math.inf, -math.inf, -0.0, 1e300, 10**30, "x", [1], 2],
    "d": [[], {}, [[]], {"e": {}}],
    "f": {"g": 1, "h": {"i": None}, "j": True},
}


def test_odd_values_take_json_own_text() -> None:
    # A subclass of int, non-string keys (json turns them into strings), strings json would split on
    # were lines split by str.splitlines, empty containers inside containers, the non-finite floats.
    for level in (0, 4):
        assert indented(ODD, level) == slow(ODD, level)
    assert compact(ODD) == json.dumps(ODD, ensure_ascii=False)
    assert json.loads(indented(ODD, 4))["b"] == ODD["b"]  # type: ignore[index]


def test_same_text_without_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the interpreter has no C encoder, runs of scalars are written member by member (and
    # compact text by json.dumps).
    monkeypatch.setattr(json_text, "c_make_encoder", None)
    json_text._c_encoder.cache_clear()
    try:
        for level in (0, 4):
            assert indented(ODD, level) == slow(ODD, level)
        assert compact(ODD) == json.dumps(ODD, ensure_ascii=False)
    finally:
        json_text._c_encoder.cache_clear()
