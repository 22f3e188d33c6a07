"""Import every rule module so that each registers its rules (A–G of rules.md, I and Y of cycle.md)."""

from xltool.rules import (  # noqa: F401 — imported for their @rule registrations
    arithmetic,
    budget,
    computed,
    departments,
    indicators,
    lastyear,
    plausibility,
    submissions,
)
