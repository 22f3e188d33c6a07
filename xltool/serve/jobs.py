"""The queue of runs: at most N at once (N = CPU cores), each in a process of its own.

Each slot is a thread that takes the next queued run, starts its process (`worker.run_job`), watches
its progress and its time, and records how it ended. Processes come from a fork server that has
imported the library once (spawned where there is no fork server, as on Windows).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from xltool.serve.store import Store
from xltool.serve.worker import PHASE_NAMES, PRELOAD, read_outcome, run_job

MSG_DIED = (
    "审核进程意外退出（可能是内存不足或文件异常），未能完成；请重新上传。若反复出现，请分批上传，"
    "或把这批文件告诉管理员"
)
MSG_TIMEOUT = "审核超过{minutes}分钟仍未完成，已停止；请分批上传（例如每次几个部门）后重试"
MSG_STOPPED = "服务已停止，审核未完成；服务重新启动后会自动重新审核"
WATCH_SECONDS = 0.1

log = logging.getLogger(__name__)


@dataclass
class _Live:
    """A run being processed: its process and the progress it shares."""

    process: Any
    progress: Any
    cancelled: bool = False
    ended: threading.Event = field(default_factory=threading.Event)  # its slot is done with it


def _context() -> BaseContext:
    """A fork server that preloads the library where there is one, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Runner:
    """Queued runs, run ``slots`` at a time, each in its own process."""

    def __init__(self, store: Store, slots: int, run_seconds: float) -> None:
        self.store = store
        self.slots = max(1, slots)
        self.run_seconds = run_seconds
        self._context = _context()
        self._queue: deque[tuple[str, str, int]] = deque()
        self._live: dict[str, _Live] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._threads = [threading.Thread(target=self._slot, daemon=True) for _ in range(self.slots)]

    def start(self) -> None:
        """Start the slots, and the fork server in the background (so that the first run starts warm)."""
        for thread in self._threads:
            thread.start()
        threading.Thread(target=self._warm, daemon=True).start()

    def _warm(self) -> None:
        with contextlib.suppress(Exception):
            process = self._context.Process(target=int)  # type: ignore[attr-defined]
            process.start()
            process.join()

    def submit(self, run_id: str, profile: str, files: int) -> None:
        """Queue a recorded run."""
        with self._cond:
            self._queue.append((run_id, profile, files))
            self._cond.notify()

    def state(self, run_id: str) -> dict[str, Any] | None:
        """Where a queued or running run is: its place in the queue, or its phase and progress."""
        with self._cond:
            live = self._live.get(run_id)
            if live is None:
                ahead = next((i for i, item in enumerate(self._queue) if item[0] == run_id), None)
                return None if ahead is None else {"phase": "queued", "ahead": ahead, "progress": 0.0}
            phase, done, total = live.progress[0], int(live.progress[1]), int(live.progress[2])
        return {
            "phase": PHASE_NAMES.get(phase, "start"),
            "done": done,
            "total": total,
            **_fraction(phase, done, total),
        }

    def cancel(self, run_id: str) -> None:
        """Take a run out of the queue, or stop its process and wait for it (its folder goes next)."""
        with self._cond:
            self._queue = deque(item for item in self._queue if item[0] != run_id)
            live = self._live.get(run_id)
            if live is not None:
                live.cancelled = True
                _stop(live.process)
        if live is not None:  # its process may be starting: its slot stops it and then lets go
            live.ended.wait(timeout=30)

    def stop(self) -> None:
        """Stop the slots and every run's process (their records stay `running`: requeued on restart)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            for live in self._live.values():
                live.cancelled = True
                _stop(live.process)
        for thread in self._threads:
            thread.join(timeout=10)

    def _slot(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                run_id, profile, files = self._queue.popleft()
                # Cores shared among the runs under way: a lone run uses them all.
                jobs = max(1, min(files, (os.cpu_count() or 1) // (len(self._live) + 1)))
                progress = self._context.Array("d", 3, lock=False)
                folder = self.store.folder(run_id)
                process = self._context.Process(  # type: ignore[attr-defined]
                    target=run_job, args=(str(folder), profile, jobs, progress), name=f"xltool-run-{run_id}"
                )
                live = self._live[run_id] = _Live(process, progress)
            try:
                self._run(run_id, folder, live)
            except Exception:  # a slot must survive whatever one run does
                log.exception("run %s", run_id)
            finally:
                with self._cond:
                    self._live.pop(run_id, None)
                live.ended.set()

    def _run(self, run_id: str, folder: Path, live: _Live) -> None:
        """Start a run's process, wait for it within its time, record how it ended."""
        self.store.set_status(run_id, "running")
        live.process.start()
        with self._cond:
            if live.cancelled:  # deleted while its process was starting
                _stop(live.process)
        deadline = time.monotonic() + self.run_seconds
        while live.process.is_alive() and not live.cancelled:
            if time.monotonic() > deadline:
                _stop(live.process)
                live.process.join()
                self.store.finish(
                    run_id, "failed", message=MSG_TIMEOUT.format(minutes=round(self.run_seconds / 60))
                )
                return
            live.process.join(WATCH_SECONDS)
        live.process.join()
        if live.cancelled:
            return
        self.record_outcome(run_id, folder)

    def record_outcome(self, run_id: str, folder: Path) -> bool:
        """Record the outcome a run's process left; whether there was one."""
        outcome = read_outcome(folder)
        if outcome is None:
            self.store.finish(run_id, "failed", message=MSG_DIED)
            return False
        self.store.finish(
            run_id,
            outcome["status"],
            counts=outcome.get("counts"),
            message=outcome.get("message"),
            label=outcome.get("label"),
        )
        return True


def _fraction(phase: float, done: int, total: int) -> dict[str, float]:
    """Progress 0..1: reading is the first half, checking and writing the second, the summary last."""
    part = done / total if total else 0.0
    if phase == 1.0:
        return {"progress": round(0.05 + 0.45 * part, 3)}
    if phase == 2.0:
        return {"progress": round(0.5 + 0.45 * part, 3)}
    return {"progress": 0.02}


def _stop(process: Any) -> None:
    """Stop a run's process and the workers it forked (its own process group where there are groups)."""
    if process.pid is None:
        return
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        process.kill()
