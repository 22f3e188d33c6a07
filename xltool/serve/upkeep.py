"""Keeping the data folder in order: runs a stopped server left unfinished, and runs past their age.

At start, a run recorded as queued or running either left its outcome (its process finished just as
the server stopped) and is recorded as such, or is queued again (its uploads are still in its folder);
folders without a record (uploads cut off) are removed. While the server runs, finished runs older
than the configured age are deleted once an hour.
"""

from __future__ import annotations

import logging
import threading
import time

from xltool.serve.jobs import Runner
from xltool.serve.limits import CLEANUP_SECONDS
from xltool.serve.store import ACTIVE, Store
from xltool.serve.worker import read_outcome

log = logging.getLogger(__name__)


class Upkeep:
    """Recovery at start and the periodic clean-up of old runs."""

    def __init__(self, store: Store, runner: Runner, keep_days: float) -> None:
        self.store = store
        self.runner = runner
        self.keep_days = keep_days
        self._stopped = threading.Event()

    def recover(self) -> None:
        """Finish or requeue the runs a stopped server left; remove folders of cut-off uploads."""
        for run_id in self.store.orphan_folders():
            self.store.remove_folder(run_id)
        for record in sorted(self.store.records(), key=lambda r: r.created):
            if record.status not in ACTIVE:
                continue
            if read_outcome(self.store.folder(record.id)) is not None:
                self.runner.record_outcome(record.id, self.store.folder(record.id))
            else:
                self.store.set_status(record.id, "queued")
                self.runner.submit(record.id, record.profile, record.files)

    def clean(self, now: float | None = None) -> list[str]:
        """Delete the finished runs older than the configured age (none when it is 0); their ids."""
        if self.keep_days <= 0:
            return []
        cutoff = (now if now is not None else time.time()) - self.keep_days * 86400
        removed = self.store.older_than(cutoff)
        for run_id in removed:
            self.store.delete(run_id)
        return removed

    def start(self) -> None:
        """Clean now, then once an hour, in a background thread."""
        threading.Thread(target=self._loop, daemon=True, name="xltool-upkeep").start()

    def stop(self) -> None:
        """Stop the background clean-up."""
        self._stopped.set()

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                self.clean()
            except Exception:  # a failed clean-up is tried again next time
                log.exception("clean-up failed")
            self._stopped.wait(CLEANUP_SECONDS)
