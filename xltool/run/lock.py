"""One run per output folder at a time: a lock file in OUT holding the pid of the run that has it.

Where the system has advisory locks (``flock``), the lock is one on the file, released by the system
when its holder dies, however it dies: a lock file left by a dead run is simply taken over. Elsewhere
(Windows) the lock file is created exclusively (``O_EXCL``) with the holder's pid in it; a file whose
pid names no live process is a dead run's, and is taken over. Either way a second run into the same
OUT stops at once with `OutputBusy`, before it touches anything there.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
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
except ImportError:  # Windows: the exclusive lock file below
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
        with _exclusive_lock(out):
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


@contextlib.contextmanager
def _exclusive_lock(out: Path) -> Iterator[None]:
    """The lock without advisory locks: OUT's lock file created exclusively, holding our pid.

    A lock file whose pid is not a live process's (or that holds no pid) is moved aside under a name of
    our own and removed, and the creation tried again; if what was moved aside turns out to be a live
    run's lock (it replaced the stale one meanwhile), it is put back and that run holds OUT.
    """
    path = out / LOCK_NAME
    mine = f"{os.getpid()}\n".encode("ascii")
    for _ in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            holder = _holder(path)
            if holder is not None and not _stale(path, holder):
                raise OutputBusy(out, holder) from None
            _take_over(path, holder)
            continue
        try:
            os.write(fd, mine)
        finally:
            os.close(fd)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                if path.read_bytes() == mine:  # still ours (never remove a run's that took over)
                    path.unlink()
        return
    raise OutputBusy(out, _holder(path) or "")


# A lock file without a whole pid in it is being written, unless it is older than this (its writer died).
_UNWRITTEN_SECONDS = 60.0


def _holder(path: Path) -> str | None:
    """The pid in a lock file ("" when it holds no whole pid), None when the file is gone or unreadable."""
    try:
        text = path.read_bytes()[:64].decode("ascii", "replace")
    except OSError:
        return None
    return text.strip() if text.endswith("\n") and text.strip().isdigit() else ""


def _stale(path: Path, holder: str) -> bool:
    """Whether a lock file is a dead run's: its pid names no live process, or it was never written."""
    if holder:
        return not _alive(int(holder))
    try:
        return time.time() - path.stat().st_mtime > _UNWRITTEN_SECONDS
    except OSError:
        return True


def _take_over(path: Path, holder: str | None) -> None:
    """Move a dead run's lock file aside and remove it; put it back if it was a live run's after all."""
    aside = path.with_name(f"{LOCK_NAME}.{os.getpid()}")
    try:
        os.replace(path, aside)
    except OSError:  # gone already, or held open where that forbids renaming: try creating again
        return
    moved = _holder(aside)
    if moved is not None and moved != holder and not _stale(aside, moved):
        with contextlib.suppress(OSError):
            os.link(aside, path)  # back, unless another run created one meanwhile
    with contextlib.suppress(OSError):
        aside.unlink()


def _alive(pid: int) -> bool:
    """Whether the pid names a live process."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _alive_windows(pid: int) -> bool:
    """Whether a Windows process is running (os.kill there would end it, not probe it)."""
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.GetLastError() == 5  # type: ignore[attr-defined]  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
