"""Progress of a run: the callback a caller passes, and the per-workbook hook of the chunk processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[str, int, int], None]

# How often the parent looks at the chunk processes' counter while it waits for them.
PROGRESS_SECONDS = 0.2

# Called after each scored workbook, for progress: set by `check_all` before the chunk processes are
# forked (they inherit it), so that the bar moves per workbook rather than per chunk.
ON_WRITTEN: Callable[[], None] | None = None


def count(counter: Any) -> None:
    """One more workbook written (in a chunk process)."""
    with counter.get_lock():
        counter.value += 1
