"""Indented JSON text, as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, but faster.

CPython's C encoder only serves ``json.dumps`` without ``indent``; with it, every value goes through
the pure-Python encoder (a generator per container, a call per leaf). report.json is indented and
holds thousands of findings, so it is laid out here by a short recursion: each run of scalar
members of a container (a finding's first sixteen members are one) is one call of the C encoder
whose item separator is the line break and indentation of the members, and a string elsewhere goes
through the C ``encode_basestring``, a number through its ``repr``, as json does. Anything else (a
subclass, a non-string key) is left to json itself, so the text is the same for every value.
tests/test_json_text.py holds it to json.dumps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]  # C where CPython has it

_INDENT = "  "
_FLOAT_WORDS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}  # json's allow_nan spelling
_Encoder = Callable[[object, int], Sequence[str]]
_SCALARS = frozenset({str, int, float, bool, type(None)})


def compact(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False)`` by an encoder made once."""
    # json.dumps makes a JSONEncoder per call when given an argument, and it makes its C encoder.
    encode = _c_encoder(", ")
    return "".join(encode(value, 0)) if encode is not None else json.dumps(value, ensure_ascii=False)


def indented(value: object, level: int = 0) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` with each line indented by ``level``."""
    return " " * level + _text(value, "\n" + " " * level)


def _text(value: object, newline: str) -> str:
    """``value``'s JSON text; ``newline`` is a line break and the indentation of ``value``'s line."""
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        text = float.__repr__(value)
        return _FLOAT_WORDS.get(text, text)
    inner = newline + _INDENT
    if type(value) is dict:
        if not value:
            return "{}"
        members = _dict_members(value, inner)
        if members is not None:
            return "{" + inner + members + newline + "}"
    elif type(value) is list or type(value) is tuple:
        return "[" + inner + _list_members(value, inner) + newline + "]" if value else "[]"
    # Anything else (a subclass of a JSON type, a key json turns into a string): json's own text.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", newline)


def _dict_members(value: dict[object, object], inner: str) -> str | None:
    """A dict's members, each on its line (``inner``); None when a key is not a string."""
    encode = _c_encoder("," + inner)
    parts: list[str] = []
    run: dict[str, object] = {}
    for key, v in value.items():
        if type(key) is not str:
            return None
        if type(v) in _SCALARS:
            run[key] = v
            continue
        if run:
            parts.append(_scalars(encode, run, inner))
            run = {}
        parts.append(encode_basestring(key) + ": " + _text(v, inner))
    if run:
        parts.append(_scalars(encode, run, inner))
    return ("," + inner).join(parts)


def _list_members(value: list[object] | tuple[object, ...], inner: str) -> str:
    """A list's members, each on its line (``inner``)."""
    encode = _c_encoder("," + inner)
    parts: list[str] = []
    run: list[object] = []
    for v in value:
        if type(v) in _SCALARS:
            run.append(v)
            continue
        if run:
            parts.append(_scalars(encode, run, inner))
            run = []
        parts.append(_text(v, inner))
    if run:
        parts.append(_scalars(encode, run, inner))
    return ("," + inner).join(parts)


def _scalars(encode: _Encoder | None, run: dict[str, object] | list[object], inner: str) -> str:
    """The members of a dict or list of scalars, separated by ``,`` and ``inner`` (no brackets)."""
    if encode is None:
        return _python_members(run, inner)
    return "".join(encode(run, 0))[1:-1]


@lru_cache(maxsize=64)
def _c_encoder(item_separator: str) -> _Encoder | None:
    """json's C encoder as JSONEncoder.iterencode makes it, once per separator (None: no C encoder)."""
    if c_make_encoder is None:
        return None
    encoder: _Encoder = c_make_encoder(
        None, _unserialisable, encode_basestring, None, ": ", item_separator, False, False, True
    )
    return encoder


def _python_members(run: dict[str, object] | list[object], inner: str) -> str:
    """The members of a dict or list of scalars, one by one."""
    if type(run) is dict:
        return ("," + inner).join([encode_basestring(k) + ": " + _text(v, inner) for k, v in run.items()])
    return ("," + inner).join([_text(v, inner) for v in run])


def _unserialisable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
