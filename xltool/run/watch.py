"""``xltool watch``: re-run incrementally whenever workbooks under INPUT are added or changed.

The folder is polled (names, sizes and modification times; OUT and hidden files left out). A change
starts a run only once the folder has stayed the same for ``settle`` seconds, so that a file being
copied in is read whole. Each run takes the previous run's OUT as ``--previous``: departments whose
files did not change are not checked again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from xltool.rules.profile import Profile, load_profile
from xltool.run.pipeline import REPORT_NAME, RunResult, reconcile

POLL_SECONDS = 1.0
SETTLE_SECONDS = 3.0

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path, out: Path) -> Snapshot:
    """Every visible file under ``root`` but OUT: relative path → (size, modification time in ns)."""
    if root.is_file():
        info = root.stat()
        return {root.name: (info.st_size, info.st_mtime_ns)}
    skip = out.resolve()
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (here / d).resolve() != skip]
        for name in files:
            if name.startswith("."):
                continue
            try:
                info = (here / name).stat()
            except OSError:
                continue
            found[(here / name).relative_to(root).as_posix()] = (info.st_size, info.st_mtime_ns)
    return found


def watch(
    input_path: str | Path,
    out: str | Path = "xltool-output",
    *,
    profile: str | Path | Profile | None = None,
    jobs: int | None = None,
    last_year: str | Path | None = None,
    poll: float = POLL_SECONDS,
    settle: float = SETTLE_SECONDS,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[RunResult]:
    """Yield a run's result each time INPUT has changed and settled (the first run at once); endless."""
    nap = sleep or time.sleep
    root, out_dir = Path(input_path), Path(out)
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    done: Snapshot | None = None
    while True:
        current = snapshot(root, out_dir)
        if current != done:
            if done is not None:  # wait until the folder stays the same for `settle` seconds
                while True:
                    nap(settle)
                    again = snapshot(root, out_dir)
                    if again == current:
                        break
                    current = again
            previous = out_dir if (out_dir / REPORT_NAME).is_file() else None
            yield reconcile(
                root, out_dir, profile=rules_profile, jobs=jobs, previous=previous, last_year=last_year
            )
            done = current
        nap(poll)
