"""The command line's progress bar (rich, on stderr), shared by its commands."""

from __future__ import annotations

import sys
from typing import Any


class ProgressBar:
    """A rich progress bar on stderr for batches (silent when stderr is not a terminal)."""

    def __enter__(self) -> Any:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        return self._notify

    def _notify(self, phase: str, done: int, total: int) -> None:
        if total <= 3:
            return
        if phase not in self._tasks:
            label = {"read": "读取工作簿", "check": "核对与写出"}.get(phase, phase)
            self._tasks[phase] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[phase], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
