"""The rule engine: rules registered in one place, run once over a chunk's frames.

A rule is a small function taking the `Context` of a chunk: it selects the rows that break it and
yields them as `Flagged` — which columns hold the cell, the figures compared and the anchor. The engine
turns every flagged row into a `Finding` whose message is the rule's template in `catalogue.py`
filled from the row, so a rule body says only what it checks. Its id, family (A–G of rules.md),
severity, Chinese name and basis are listed in the catalogue; ``@rule(id)`` binds the check to that
entry. Thresholds come from the profile, never from the rule's code; a profile (or the command line)
may switch rules off (``skip``) or keep only some (``pick``). A rule never raises for bad figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from xltool.model.records import Anchor, Finding, Severity
from xltool.rules.catalogue import BY_ID, RuleInfo
from xltool.rules.criteria import has_criteria, score_by_criteria
from xltool.rules.derived import derived_frame
from xltool.rules.frames import Frames, index_dicts
from xltool.rules.messages import render
from xltool.rules.profile import Profile
from xltool.rules.scoring import budget_lines, score_indicators, sheet_totals

Row = dict[str, Any]
# Where a finding's value comes from: a column of the flagged row (str), a function of the row, a
# constant (a number), or None for no value.
Source = str | Callable[[Row], Any] | float | int | None


@dataclass(frozen=True)
class Flagged:
    """Rows a rule flags; each becomes a finding of that rule, its message the catalogue's template.

    ``cell`` names the column holding the A1 cell (or several, the first non-empty wins); ``anchor``
    is the place in layout terms, a part written ``"{column}"`` taken from the row. ``expected``
    (a figure the cell should hold), ``actual`` and ``threshold`` (a limit crossed) are sources: a
    column name, a function of the row, or a constant. ``fields`` adds values the message template
    uses beyond the row's columns (constants or functions of the row); ``variant`` picks one of the
    rule's templates when it has several.
    """

    rows: pd.DataFrame | Iterable[Row]
    cell: str | tuple[str, ...]
    anchor: Anchor = ("sheet",)
    expected: Source = None
    actual: Source = None
    threshold: Source = None
    variant: str | Callable[[Row], str] = ""
    fields: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[["Context"], Iterable[Flagged]]
if TYPE_CHECKING:
    from xltool.rules.lastyear import PriorYear


@dataclass(frozen=True)
class Rule:
    """A catalogued rule bound to its check."""

    info: RuleInfo
    check: Check

    @property
    def id(self) -> str:
        """The rule's stable id."""
        return self.info.id

    @property
    def family(self) -> str:
        """Its family letter (A–G)."""
        return self.info.family

    @property
    def severity(self) -> Severity:
        """error, warning or info."""
        return self.info.severity

    @property
    def title(self) -> str:
        """What it checks, in one Chinese line."""
        return self.info.title


REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Check], Check]:
    """Bind a check to its catalogue entry (id, severity, name, message and basis live in catalogue.py)."""

    def register(fn: Check) -> Check:
        info = BY_ID[rule_id]  # KeyError here means the rule is missing from the catalogue
        if rule_id in REGISTRY:
            raise ValueError(f"duplicate rule id {rule_id}")
        REGISTRY[rule_id] = Rule(info, fn)
        return fn

    return register


class Context:
    """Everything the rules of one chunk look at: frames, profile and the computed scores."""

    def __init__(
        self,
        frames: Frames,
        profile: Profile,
        prior: Mapping[str, PriorYear] | None = None,
        duplicates: Sequence[tuple[str, str, Mapping[str, str]]] = (),
    ) -> None:
        self.frames = frames
        self.profile = profile
        # Review cycles (cycle.md): last year's departments by normalised name (family Y), and the
        # copies set aside at intake as (department key, file kept, message fields) (I-DUPLICATE).
        self.prior: Mapping[str, PriorYear] = prior or {}
        self.duplicates = tuple(duplicates)
        # Intermediate frames several rules share, built once per chunk (keyed by the builder).
        self.memo: dict[tuple[str, ...], Any] = {}
        self._sheets: dict[Any, dict[str, Any]] = index_dicts(frames.sheets.set_index("sid"))

    @cached_property
    def budget(self) -> pd.DataFrame:
        """Budget lines of the scored sheets (see scoring.budget_lines)."""
        return budget_lines(self.frames, self.profile)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Indicators with their rule scores (see scoring.score_indicators and criteria)."""
        scored = score_indicators(self.frames, self.profile)
        if has_criteria(scored):  # the older Hunan table: rows scored by their own 评价标准
            scored = score_by_criteria(scored, self.frames.sheets, self.derived)
        return scored

    @cached_property
    def derived(self) -> pd.DataFrame:
        """Per department: 附件1's derived indicators (see derived.derived_frame)."""
        return derived_frame(self.frames, self.budget)

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
        info: RuleInfo,
        sid: int,
        cell: str,
        message: str,
        *,
        expected: object = None,
        actual: object = None,
        threshold: object = None,
        anchor: Anchor = ("sheet",),
    ) -> Finding:
        """A finding of a rule about a cell of a sheet of this chunk."""
        sheet = self._sheets[int(sid)]
        return Finding(
            rule=info.id,
            severity=info.severity,
            file=str(sheet["file"]),
            sheet=str(sheet["sheet"]),
            cell=cell or "A1",
            message=message,
            expected=_plain(expected),
            actual=_plain(actual),
            department=str(sheet["dept"]),
            anchor=anchor,
            threshold=_plain(threshold),
            rule_name=info.name,
            basis=info.basis,
        )

    def findings(self, info: RuleInfo, flagged: Flagged) -> Iterator[Finding]:
        """One finding per flagged row: its cell, figures and anchor, and the template filled in."""
        rows = self.rows(flagged.rows) if isinstance(flagged.rows, pd.DataFrame) else flagged.rows
        cells = (flagged.cell,) if isinstance(flagged.cell, str) else flagged.cell
        fields = flagged.fields.items()
        variant = flagged.variant
        template = "" if callable(variant) else info.template(variant)
        for row in rows:
            values = {**row, **{k: v(row) if callable(v) else v for k, v in fields}} if fields else row
            if callable(variant):
                template = info.template(variant(row))
            yield self.finding(
                info,
                int(row["sid"]),
                next((c for c in (row.get(name) for name in cells) if isinstance(c, str) and c), ""),
                render(template, values),
                expected=_value(flagged.expected, row),
                actual=_value(flagged.actual, row),
                threshold=_value(flagged.threshold, row),
                anchor=tuple(str(row[part[1:-1]]) if part[:1] == "{" else part for part in flagged.anchor),
            )

    def rows(self, frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
        """Iterate the flagged rows of a frame as dicts (only flagged rows are ever formatted).

        Each column is turned into a list at once (``Series.tolist``, the same Python values that
        ``itertuples`` gives): iterating pandas' string columns goes element by element otherwise.
        """
        if frame.empty:
            return
        cols = list(frame.columns)
        index_name = str(frame.index.name or "index")
        columns = [column.tolist() for _, column in frame.items()]
        for idx, values in zip(frame.index, zip(*columns, strict=True), strict=True):
            row = dict(zip(cols, values, strict=True))
            row.setdefault(index_name, idx)
            yield row


def _value(source: Source, row: Row) -> Any:
    """A finding's figure from its source: a column, a function of the row, or a constant."""
    if isinstance(source, str):
        return row[source]
    if callable(source):
        return source(row)
    return source


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


def run_rules(
    frames: Frames,
    profile: Profile,
    prior: Mapping[str, PriorYear] | None = None,
    duplicates: Sequence[tuple[str, str, Mapping[str, str]]] = (),
) -> tuple[list[Finding], Context]:
    """Run the profile's rules over a chunk; returns the findings and the context holding the scores."""
    ctx = Context(frames, profile, prior, duplicates)
    findings: list[Finding] = []
    for registered in registered_rules():
        if not profile.runs(registered.id):
            continue
        for flagged in registered.check(ctx):
            findings.extend(ctx.findings(registered.info, flagged))
    return findings, ctx
