"""The records' compact pickling and their quicker ``__init__`` (xltool/model/pickling.py)."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

from xltool.model.pickling import compact_pickle, slot_init
from xltool.model.records import Figure, Finding, IndicatorRow, Text
from xltool.model.values import Qualitative, Quantity

QUICK = (Figure, Text, IndicatorRow, Finding, Quantity, Qualitative)


@dataclasses.dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: str = "b"
    c: tuple[int, ...] = ()


_Quick = compact_pickle(
    slot_init(dataclasses.make_dataclass("_Quick", [("a", int), ("b", str, "b")], frozen=True, slots=True))
)


def _made_by_the_dataclass(cls: type, values: dict[str, object]) -> object:
    """An instance set field by field, as the dataclass's own ``__init__`` sets it."""
    made = object.__new__(cls)
    for field in dataclasses.fields(cls):
        object.__setattr__(made, field.name, values.get(field.name, field.default))
    return made


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_the_records_get_the_quick_init_and_it_sets_what_the_dataclass_sets(cls: type) -> None:
    assert "_set_" in cls.__init__.__code__.co_freevars[0]  # the quick one, not the dataclass's
    required = [f for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    values: dict[str, object] = {f.name: f"{f.name}!" for f in required}
    made = cls(**values)
    assert made == _made_by_the_dataclass(cls, values)
    assert cls(*values.values()) == made
    assert pickle.loads(pickle.dumps(made)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.__setattr__(required[0].name, "changed")
    changed = dataclasses.replace(made, **{required[-1].name: "changed"})
    assert getattr(changed, required[-1].name) == "changed"
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        cls(*list(values.values())[:-1])


def test_defaults_and_keywords_are_taken_as_the_dataclass_takes_them() -> None:
    figure = Figure("spending", "total", "value", Decimal("1.5"), 1.5, cell="C5")
    assert figure.problem is None and figure.cell == "C5"
    assert Finding("A1", "error", "f", "s", "B2", "m").anchor == ("sheet",)
    assert _Quick(1) == _made_by_the_dataclass(_Quick, {"a": 1})
    assert _Quick(1, b="x").b == "x"
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        _Quick(1, d=2)


def test_a_class_whose_init_does_more_keeps_the_dataclass_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Later:
        a: int

        def __post_init__(self) -> None:
            object.__setattr__(self, "a", self.a + 1)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    for cls in (Later, Factory):
        init = cls.__init__
        assert slot_init(cls).__init__ is init
    assert Later(1).a == 2
    plain_init = _Plain.__init__
    assert slot_init(_Plain).__init__ is not plain_init
    assert _Plain(1) == _made_by_the_dataclass(_Plain, {"a": 1})
