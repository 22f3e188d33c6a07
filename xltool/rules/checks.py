"""Import every rule module so that each registers its rules (families A–G of rules.md)."""

from xltool.rules import (  # noqa: F401 — imported for their @rule registrations
    arithmetic,
    budget,
    computed,
    departments,
    indicators,
    plausibility,
)
