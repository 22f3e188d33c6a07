"""xlsxwriter's worksheet, preparing the forms' plain formulas without its thirty rewriting passes.

Before storing a formula, xlsxwriter runs some thirty regular-expression substitutions over it, one
for each newer Excel function it must prefix with ``_xlfn.`` (XLOOKUP, FILTER …). The computed cells
of the forms use only long-standing functions, so a formula that calls nothing else is stored as
xlsxwriter would store it (its ``{`` ``=`` ``}`` removed), at a fraction of the cost; any other formula
takes xlsxwriter's own path. A test holds the two to the same result.
"""

from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet

# Functions older than every prefix xlsxwriter adds (none of them ends like one of the newer names).
PLAIN_FUNCTIONS = frozenset(
    {"IF", "ROUND", "SUM", "COUNT", "N", "MIN", "MAX", "ABS", "AND", "OR", "NOT", "IFERROR", "ISNUMBER"}
)
# Anything a rewriting pass could match ends in a name directly before "(": every such name is found.
_CALLED = re.compile(r"[A-Za-z0-9_.]+(?=\()")


class FormWorksheet(Worksheet):
    """A worksheet whose plain formulas skip xlsxwriter's future-function rewriting."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if expand_future_functions or self.use_future_functions:
            return str(super()._prepare_formula(formula, expand_future_functions))
        if not PLAIN_FUNCTIONS.issuperset(_CALLED.findall(formula)):
            return str(super()._prepare_formula(formula, expand_future_functions))
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula
