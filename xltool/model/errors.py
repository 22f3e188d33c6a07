"""The library's own exceptions: errors a caller can act on (bad workbooks are results, not errors)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import ClassVar


class XltoolError(Exception):
    """Base of every exception the library raises on purpose; the message (Chinese) says what to do."""


class InputNotFound(XltoolError, FileNotFoundError):
    """An input path that does not exist (the command line's exit status 2)."""


class ProfileError(XltoolError, ValueError):
    """A profile file that cannot be used; the message (Chinese) names the key and what is allowed."""


class OutputNotWritable(XltoolError, OSError):
    """OUT cannot take even the run's working files (a full disk, no write permission …)."""

    REASONS: ClassVar[dict[int, str]] = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EDQUOT: "磁盘空间不足",
        errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限",
        errno.EROFS: "磁盘只读",
    }

    def __init__(self, out: Path, exc: OSError) -> None:
        reason = self.REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
        super().__init__(
            f"无法向输出文件夹“{out}”写入结果（{reason}），本次审核未完成；"
            "请清理磁盘空间或检查写入权限，或用 -o 换一个输出文件夹后重新运行"
        )
        self.errno = exc.errno


class UsageError(XltoolError, ValueError):
    """Paths or options that cannot work together (the command line's exit status 2)."""
