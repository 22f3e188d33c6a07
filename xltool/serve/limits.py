"""What the page accepts and keeps: upload size and file count, how long runs are kept, how long one may take.

The defaults here are what `xltool serve` uses unless its options say otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_UPLOAD_BYTES = 500 << 20  # one upload, and the workbooks its zips unpack to
MAX_UPLOAD_FILES = 5000  # workbooks in one upload (a county's departments, three forms each)
KEEP_DAYS = 30.0  # finished runs older than this are deleted
RUN_SECONDS = 3600.0  # a run still going after this is stopped and marked failed
CLEANUP_SECONDS = 3600.0  # how often old runs are looked for


@dataclass(frozen=True)
class Limits:
    """What one upload may hold: bytes on disk (workbooks and what zips unpack to) and workbooks."""

    max_bytes: int = MAX_UPLOAD_BYTES
    max_files: int = MAX_UPLOAD_FILES


def size_text(size: int) -> str:
    """``size`` bytes as 500 MB, 3.5 MB or 12 KB."""
    if size >= 10 << 20:
        return f"{size / (1 << 20):.0f} MB"
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"
