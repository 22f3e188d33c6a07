"""Reading one file inside a worker process: a time limit and a silenced stderr around `read_file`.

Both change the whole process while they last (the SIGALRM handler and timer; file descriptor 2,
where a Rust panic in calamine prints before Python sees it), so only a process that exists to read
files calls this — the run's worker processes — never the process of a library caller.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from xltool.model.records import ReportRead, WorkbookRead
from xltool.read.intake import Source
from xltool.read.reader import read_file, read_source
from xltool.read.sources import relative_name
from xltool.read.time_limit import TimeLimit, time_limit

# A file that takes longer than this to read is given up (its Python part: calamine is not interrupted).
TIME_LIMIT_SECONDS = 30.0
TIMEOUT_MESSAGE = (
    "读取超时（超过{seconds}秒），已停止处理此文件；文件可能过大或结构异常，"
    "请删除多余的工作表和空白行列后另存，再重新提交"
)


def read_source_in_worker(source: Source) -> WorkbookRead:
    """`read_source` (a file or a zip member found at intake) within the time limit, stderr silenced."""
    try:
        with quiet_stderr(), time_limit(TIME_LIMIT_SECONDS):
            return read_source(source)
    except TimeLimit:
        message = TIMEOUT_MESSAGE.format(seconds=f"{TIME_LIMIT_SECONDS:g}")
        return WorkbookRead(source.file, "error", None, message)


def read_report_in_worker(source: Source) -> ReportRead:
    """`read_report_source` (a written report found at intake) within the time limit, stderr silenced."""
    from xltool.read.written import MSG_REPORT_TIMEOUT, MSG_UNREADABLE, read_report_source

    try:
        with quiet_stderr(), time_limit(TIME_LIMIT_SECONDS):
            return read_report_source(source)
    except TimeLimit:
        reason = MSG_REPORT_TIMEOUT.format(seconds=f"{TIME_LIMIT_SECONDS:g}")
        name = source.file.rsplit("/", 1)[-1]
        return ReportRead(source.file, "error", MSG_UNREADABLE.format(name=name, reason=reason))


def read_in_worker(path: Path, root: Path) -> WorkbookRead:
    """`read_file` within the time limit, with stderr silenced; for a worker process only."""
    try:
        with quiet_stderr(), time_limit(TIME_LIMIT_SECONDS):
            return read_file(path, root)
    except TimeLimit:
        message = TIMEOUT_MESSAGE.format(seconds=f"{TIME_LIMIT_SECONDS:g}")
        return WorkbookRead(relative_name(path, root), "error", None, message)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: a Rust panic prints its message there before Python sees it."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
