"""The process pools of a run: workers that leave Ctrl-C to the parent, and stop at once when it comes."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any


def fork_context() -> multiprocessing.context.BaseContext | None:
    """Fork where the platform has it (workers start at once, sharing the parent's imports)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores SIGINT: Ctrl-C reaches every process of the terminal, and the parent decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # forked with SIGINT blocked (see Pool.submit): now ignored
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def run_uninterrupted(work: Callable[[], object]) -> None:
    """``work`` in a forked process that leaves Ctrl-C to its parent."""
    _leave_interrupts_to_the_parent()
    work()


class Pool(ProcessPoolExecutor):
    """A process pool whose workers ignore Ctrl-C; leaving it by an interrupt stops them at once.

    ProcessPoolExecutor's own exit waits for the tasks under way, which would keep an interrupted run
    going until its chunks finish; here the workers are terminated and nothing queued is started.
    """

    def __init__(self, jobs: int) -> None:
        super().__init__(
            max_workers=jobs, mp_context=fork_context(), initializer=_leave_interrupts_to_the_parent
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self.stop()
            return None
        return super().__exit__(exc_type, exc, tb)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Submit with SIGINT held back while workers may be forked (none interrupted before ignoring it)."""
        # A signal held back reaches this process as soon as the submit is done.
        if (
            not hasattr(signal, "pthread_sigmask")
            or threading.current_thread() is not threading.main_thread()
        ):
            return super().submit(fn, *args, **kwargs)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def stop(self) -> None:
        """Terminate the workers and drop the queued tasks."""
        processes = list((self._processes or {}).values())
        for process in processes:
            process.terminate()
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
