"""Message templates of the catalogue, filled from a flagged row.

A template is a ``str.format`` text whose fields name values of the row (or values the rule adds):
``{name}`` as written, ``{value:num}`` as a person writes a figure (fmt_num: 8.26, 39575.03, 空 when
missing), ``{rate:rate}`` as a percentage (fmt_rate: 82.60%), any other spec as ``format`` has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from string import Formatter
from typing import Any

from xltool.model.rounding import fmt_num, fmt_rate

_SPECS: dict[str, Callable[[Any], str]] = {"num": fmt_num, "rate": fmt_rate}

Part = tuple[str, str | None, str]


@cache
def parse(template: str) -> tuple[Part, ...]:
    """The template as (literal text, field or None, spec) parts, parsed once per template."""
    return tuple((literal, field, spec or "") for literal, field, spec, _ in Formatter().parse(template))


def fields(template: str) -> set[str]:
    """The names a template fills in."""
    return {field for _, field, _ in parse(template) if field is not None}


def render(template: str, values: Mapping[str, Any]) -> str:
    """The template filled from ``values`` (a KeyError names a field the rule did not provide)."""
    return _compiled(template)(values)


@cache
def _compiled(template: str) -> Callable[[Mapping[str, Any]], str]:
    """The template as one function of the values: an f-string's speed, for the rows rules flag."""
    pieces = []
    for literal, field, spec in parse(template):
        if literal:
            pieces.append(repr(literal))
        if field is not None:
            value = f"v[{field!r}]"
            pieces.append(f"{spec}({value})" if spec in _SPECS else f"format({value}, {spec!r})")
    source = f"lambda v: {' + '.join(pieces) or repr('')}"
    return eval(source, {"__builtins__": {"format": format}, **_SPECS})
