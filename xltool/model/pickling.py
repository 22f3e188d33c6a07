"""Compact pickling for the records that cross processes (through the reader's spool)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

_T = TypeVar("_T")


def compact_pickle(cls: type[_T]) -> type[_T]:
    """Pickle a slotted frozen dataclass as (class, field values).

    The default for slotted dataclasses calls Python-level ``__getstate__`` / ``__setstate__`` per
    object; records cross processes through a spool, so this halves the cost of reading them back.
    """
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]

    def __reduce__(self: _T) -> tuple[Callable[..., _T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls
