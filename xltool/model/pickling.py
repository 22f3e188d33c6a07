"""Compact pickling for the records that cross processes (through the reader's spool), and a quicker
``__init__`` for them (`slot_init`)."""

from __future__ import annotations

import inspect
import operator
import types
from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any, TypeVar

_T = TypeVar("_T")


def compact_pickle(cls: type[_T]) -> type[_T]:
    """Pickle a slotted frozen dataclass as (class, field values).

    The default for slotted dataclasses calls Python-level ``__getstate__`` / ``__setstate__`` per
    object; records cross processes through a spool, so this halves the cost of reading them back.
    The field values are taken by one `operator.attrgetter` (in C, a tuple at once): a spooled read
    holds some hundred such records, and a generator over the names costs a third more to pickle.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    if len(names) == 1:
        one = operator.attrgetter(names[0])

        def __reduce__(self: _T) -> tuple[Callable[..., _T], tuple[Any, ...]]:
            return cls, (one(self),)

    else:
        values = operator.attrgetter(*names)  # a tuple of the values, in field order

        def __reduce__(self: _T) -> tuple[Callable[..., _T], tuple[Any, ...]]:
            return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


def slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen slotted dataclass an ``__init__`` that sets each slot through its descriptor.

    A frozen dataclass's own ``__init__`` sets each field with ``object.__setattr__(self, name, value)``,
    which looks the field up by name every time; the slot's descriptor stores the value directly, and
    the whole ``__init__`` takes a third less. The reader makes these records by the hundred per
    workbook, and the chunk processes make them again when unpickling. The new ``__init__`` is written
    out as dataclasses writes its own (one line per field) and keeps its signature and defaults; a
    class whose ``__init__`` does more (``__post_init__``, a default factory, keyword-only or inherited
    fields) keeps the dataclass's.
    """
    init = cls.__init__
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    slots = [cls.__dict__.get(name) for name in names]
    parameters = list(inspect.signature(init).parameters.values())[1:]
    if (
        hasattr(cls, "__post_init__")
        or "self" in names
        or any(f.default_factory is not MISSING or not f.init for f in fields(cls))  # type: ignore[arg-type]
        or [p.name for p in parameters] != names
        or any(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters)
        or not all(isinstance(slot, types.MemberDescriptorType) for slot in slots)
    ):
        return cls
    setters = ", ".join(f"_set_{name}" for name in names)
    lines = "".join(f"        _set_{name}(self, {name})\n" for name in names)
    source = (
        f"def outer({setters}):\n    def __init__(self, {', '.join(names)}):\n{lines}    return __init__\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # the names are the dataclass's field names, as in its own __init__
    quick = namespace["outer"](*(slot.__set__ for slot in slots))  # type: ignore[union-attr]
    quick.__defaults__ = init.__defaults__
    quick.__module__, quick.__qualname__, quick.__doc__ = init.__module__, init.__qualname__, init.__doc__
    quick.__annotations__ = dict(init.__annotations__)
    cls.__init__ = quick  # type: ignore[method-assign]
    return cls
