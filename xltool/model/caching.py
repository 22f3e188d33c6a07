"""Per-process caches for the short texts forms repeat: labels, titles, headers, 一级指标, values.

A batch of forms repeats a few thousand short texts (部门整体支出绩效自评表, 年初预算数, 产出指标(50分),
——, ≥90% …); what is derived from one is computed once per process. Long texts (goals, explanations)
seldom repeat and are not kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

SHORT_TEXT = 64  # texts up to this long are cached

_T = TypeVar("_T")


def short_text_cache(maxsize: int) -> Callable[[Callable[[str], _T]], Callable[[str], _T]]:
    """Cache a pure function of one text for texts up to SHORT_TEXT long (at most ``maxsize`` of them)."""

    def decorate(func: Callable[[str], _T]) -> Callable[[str], _T]:
        cached = functools.lru_cache(maxsize=maxsize)(func)

        @functools.wraps(func)
        def call(text: str) -> _T:
            return cached(text) if len(text) <= SHORT_TEXT else func(text)

        return call

    return decorate
