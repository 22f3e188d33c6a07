"""The rule engine: rules registered in one place, run once over a chunk's frames.

A rule is a small function taking the `Context` of a chunk and returning `Finding` values; it never
raises for bad figures. Its id, family (A–G of rules.md), severity and Chinese description are listed
in `catalogue.py`; ``@rule(id)`` binds the check to that entry. Thresholds come from the profile,
never from the rule's code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from xltool.model.records import Anchor, Finding, Severity
from xltool.rules.catalogue import BY_ID
from xltool.rules.frames import Frames
from xltool.rules.profile import Profile
from xltool.rules.scoring import budget_lines, score_indicators, sheet_totals


@dataclass(frozen=True)
class Rule:
    """A catalogued rule bound to its check."""

    id: str
    family: str
    severity: Severity
    title: str
    name: str
    basis: str | None
    check: Callable[[Context], Iterable[Finding]]


REGISTRY: dict[str, Rule] = {}

Check = Callable[["Context"], Iterable[Finding]]


def rule(rule_id: str) -> Callable[[Check], Check]:
    """Bind a check to its catalogue entry (id, family, severity and description live in catalogue.py)."""

    def register(fn: Check) -> Check:
        info = BY_ID[rule_id]  # KeyError here means the rule is missing from the catalogue
        if rule_id in REGISTRY:
            raise ValueError(f"duplicate rule id {rule_id}")
        REGISTRY[rule_id] = Rule(info.id, info.family, info.severity, info.title, info.name, info.basis, fn)
        return fn

    return register


class Context:
    """Everything the rules of one chunk look at: frames, profile and the computed scores."""

    def __init__(self, frames: Frames, profile: Profile) -> None:
        self.frames = frames
        self.profile = profile
        # Intermediate frames several rules share, built once per chunk (keyed by the builder).
        self.memo: dict[tuple[str, ...], Any] = {}
        self._sheets: dict[Any, dict[str, Any]] = frames.sheets.set_index("sid").to_dict("index")  # type: ignore[assignment]

    @cached_property
    def budget(self) -> pd.DataFrame:
        """Budget lines of the scored sheets (see scoring.budget_lines)."""
        return budget_lines(self.frames, self.profile)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Indicators with their rule scores (see scoring.score_indicators)."""
        return score_indicators(self.frames, self.profile)

    @cached_property
    def totals(self) -> pd.DataFrame:
        """Totals per scored sheet (see scoring.sheet_totals)."""
        return sheet_totals(self.frames, self.budget, self.indicators, self.profile)

    @property
    def figure_lookup(self) -> dict[tuple[int, str, str, str], tuple[float, str]]:
        """(sid, block, row, column) → (value, cell), for rules that pick single figures."""
        return self.frames.figure_index

    def sheet(self, sid: int) -> dict[str, Any]:
        """The sheet record (a row of frames.sheets) for a sid."""
        return self._sheets[int(sid)]

    def finding(
        self,
        rule_id: str,
        sid: int,
        cell: str,
        message: str,
        *,
        expected: object = None,
        actual: object = None,
        threshold: object = None,
        anchor: Anchor = ("sheet",),
    ) -> Finding:
        """A finding of a registered rule about a cell of a sheet of this chunk."""
        registered = REGISTRY[rule_id]
        sheet = self._sheets[int(sid)]
        return Finding(
            rule=rule_id,
            severity=registered.severity,
            file=str(sheet["file"]),
            sheet=str(sheet["sheet"]),
            cell=cell or "A1",
            message=message,
            expected=_plain(expected),
            actual=_plain(actual),
            department=str(sheet["dept"]),
            anchor=anchor,
            threshold=_plain(threshold),
            rule_name=registered.name,
            basis=registered.basis,
        )

    def rows(self, frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
        """Iterate the flagged rows of a frame as dicts (only flagged rows are ever formatted)."""
        if frame.empty:
            return
        cols = list(frame.columns)
        index_name = str(frame.index.name or "index")
        for idx, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
            row = dict(zip(cols, values, strict=True))
            row.setdefault(index_name, idx)
            yield row


def _plain(value: object) -> float | str | None:
    """JSON-friendly expected / actual: rounded floats, text, or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return None
    return round(number, 6)


def registered_rules() -> list[Rule]:
    """All form rules bound to their checks, in catalogue order (the check modules register on import)."""
    import xltool.rules.checks  # noqa: F401 — registers every rule
    from xltool.rules.catalogue import FORM_RULES

    return [REGISTRY[info.id] for info in FORM_RULES]


def run_rules(frames: Frames, profile: Profile) -> tuple[list[Finding], Context]:
    """Run every rule over a chunk; returns the findings and the context holding the scores."""
    ctx = Context(frames, profile)
    findings: list[Finding] = []
    for registered in registered_rules():
        findings.extend(registered.check(ctx))
    return findings, ctx
