"""The spool: records read by the workers, kept on disk (not in memory) until their chunk needs them."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Sequence
from pathlib import Path

from xltool.model.records import ReportRead, WorkbookRead

Spooled = tuple[str, int, int]  # spool file, offset, length of one pickled WorkbookRead (or ReportRead)

SPOOL_PREFIX = ".xltool-spool-"

# Each worker process appends the records it reads to a spool file of its own (one open file per
# process rather than one file per workbook); the parent keeps where each record lies.
_SPOOL_FILES: dict[str, int] = {}


def spool_read(spool: str, read: WorkbookRead | ReportRead) -> Spooled:
    """Append a read's records to this process's spool file; return (file, offset, length)."""
    data = pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL)
    path = os.path.join(spool, f"reads-{os.getpid()}.pkl")  # a forked child never reuses its parent's
    fd = _SPOOL_FILES.get(path)
    if fd is None:
        fd = _SPOOL_FILES[path] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    offset = os.lseek(fd, 0, os.SEEK_END)
    view = memoryview(data)
    while view:  # unbuffered: a worker leaves without flushing Python buffers
        view = view[os.write(fd, view) :]
    return path, offset, len(data)


def load_reads(locations: Sequence[Spooled]) -> list[WorkbookRead]:
    """The spooled workbook records at these places, in the order given."""
    return [r for r in load_spooled(locations) if isinstance(r, WorkbookRead)]


def load_spooled(locations: Sequence[Spooled]) -> list[WorkbookRead | ReportRead]:
    """The spooled records at these places, in the order given (each spool file opened once)."""
    reads: dict[int, WorkbookRead | ReportRead] = {}
    by_file: dict[str, list[tuple[int, int, int]]] = {}
    for position, (path, offset, length) in enumerate(locations):
        by_file.setdefault(path, []).append((offset, length, position))
    for path, places in by_file.items():
        with open(path, "rb") as fh:
            for offset, length, position in sorted(places):
                fh.seek(offset)
                reads[position] = pickle.loads(fh.read(length))
    return [reads[i] for i in range(len(locations))]


def remove_leftovers(out: Path, spools: bool = True) -> None:
    """Temporaries an interrupted earlier run left in OUT (its spool, half-written ``.part`` files);
    without ``spools``, only the ``.part`` files (a worker that died mid-write left, this run's own)."""
    for spool in out.glob(f"{SPOOL_PREFIX}*") if spools else ():
        if spool.is_dir() and not spool.is_symlink():
            shutil.rmtree(spool, ignore_errors=True)
    for part in out.rglob(".xltool-*.part"):
        if part.is_file() and not part.is_symlink():
            part.unlink(missing_ok=True)
