"""One run per output folder at a time: a lock file in OUT holding the pid of the run that has it.

The lock is an advisory lock on the file (``flock``), so the system releases it when its holder
dies, however it dies: a lock file left by a dead run is simply taken over. A second run into the
same OUT stops at once with `OutputBusy`, before it touches anything there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from xltool.model.errors import XltoolError

LOCK_NAME = ".xltool.lock"
MSG_BUSY = (
    "另一个 xltool 正在向输出文件夹“{out}”写入结果（进程号 {pid}），本次未运行；"
    "请等它结束后再运行，或用 -o 换一个输出文件夹"
)

try:
    import fcntl
except ImportError:  # pragma: no cover — Windows: no advisory locks; runs are not kept apart there
    fcntl = None  # type: ignore[assignment]


class OutputBusy(XltoolError):
    """Another run holds OUT (a usage error: exit status 2)."""

    def __init__(self, out: Path, pid: str) -> None:
        super().__init__(MSG_BUSY.format(out=out, pid=pid or "未知"))
        self.pid = pid


@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """Hold OUT's lock for the block; `OutputBusy` when another live run holds it."""
    if fcntl is None:
        yield
        return
    path = out / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputBusy(out, holder) from None
        # The holder before us may have removed the file between our open and our lock: then the
        # lock we hold is on a file nobody else will see. Try again on the file that is there now.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
