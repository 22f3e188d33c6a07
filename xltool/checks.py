"""Import every rule module so that each registers its rules (families A–G of rules.md)."""

from xltool import (  # noqa: F401 — imported for their @rule registrations
    check_arithmetic,
    check_budget,
    check_departments,
    check_indicators,
    check_plausibility,
)
