"""The worker processes of a run: reading every file, then the chunks, so that no file takes the run down."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from xltool.model.records import WorkbookRead
from xltool.read.intake import Source
from xltool.run import progress
from xltool.run.boundary import Failure, process_apart, retry_apart
from xltool.run.chunks import ChunkResult, ChunkTask, process_chunk
from xltool.run.plan import InputEntry
from xltool.run.pools import Pool, fork_context, run_uninterrupted
from xltool.run.progress import PROGRESS_SECONDS, Progress
from xltool.run.spool import spool_read

MSG_WORKER_DIED = (
    "读取此文件时处理进程异常退出（文件可能已损坏或被特意构造），已跳过；"
    "请用Excel或WPS打开后另存为.xlsx再提交"
)


ReadTask = tuple[int, Source, str, str | None]  # (index, source, spool folder, sha256 of its bytes)


def _read_one(task: ReadTask) -> InputEntry:
    """Read one input (in a worker), spool its records, return what the parent needs to plan."""
    from xltool.read.worker import read_source_in_worker
    from xltool.write.fingerprint import template_fingerprint

    index, source, spool, sha256 = task
    if source.status == "report":
        return _read_report(task)
    read = read_source_in_worker(source)
    return InputEntry(
        index=index,
        file=read.file,
        status=read.status,
        kind=read.kind,
        message=read.message,
        sheets=tuple((s.sheet, s.kind, s.department, s.project) for s in read.sheets),
        templates=tuple(template_fingerprint(s) for s in read.sheets),
        skipped_sheets=read.skipped_sheets,
        spooled=spool_read(spool, read),
        sha256=sha256,
        filled_on=read.filled_on,
        returned=read.returned,
    )


def _read_report(task: ReadTask) -> InputEntry:
    """Read one written report (in a worker), spool it with its bytes (for the annotated copy)."""
    from xltool.read.duplicates import written_date
    from xltool.read.worker import read_report_in_worker

    index, source, spool, sha256 = task
    read = read_report_in_worker(source)
    report = read.report
    return InputEntry(
        index=index,
        file=read.file,
        status=read.status,
        kind="report" if read.status != "skipped" else None,
        message=read.message,
        sheets=(),
        skipped_sheets=(),
        spooled=spool_read(spool, read) if report is not None else None,
        sha256=sha256,
        filled_on=written_date(report.paragraphs) if report is not None else None,
        department=report.department if report is not None else None,
    )


def _pool(jobs: int) -> Pool:
    return Pool(jobs)


@contextlib.contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Keep the garbage collector of processes forked in the block off the objects they inherit.

    A collection in a forked process writes to every object it examines, which copies the pages the
    process shares with its parent (the imported libraries above all); frozen objects are not examined.
    The caller's own collector is given back as it was (a pool forks its workers at the first task).
    """
    was_frozen = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not was_frozen:
            gc.unfreeze()


def _chunksize(tasks: int, jobs: int) -> int:
    return max(1, min(32, tasks // (jobs * 8) or 1))


def read_all(tasks: Sequence[ReadTask], jobs: int, notify: Progress) -> list[InputEntry]:
    """Read every file in worker processes, so that no file can take the run down with it.

    Should a worker die all the same (a parser aborting the process), the files not yet read are read
    again one at a time, each in a process of its own; the one that kills its process again becomes an
    `error` input and the batch goes on.
    """
    entries: list[InputEntry] = []
    if not tasks:
        return entries
    # The reader and calamine imported once here, before the workers are forked, not in each worker.
    import python_calamine  # noqa: F401

    import xltool.read.worker
    import xltool.write.fingerprint  # noqa: F401

    try:
        with _pool(jobs) as pool:
            with frozen_for_fork():
                read = pool.map(_read_one, tasks, chunksize=_chunksize(len(tasks), jobs))
            for entry in read:
                entries.append(entry)
                notify("read", len(entries), len(tasks))
    except BrokenProcessPool:
        done = {e.index for e in entries}
        for task in tasks:
            if task[0] not in done:
                entries.append(_read_isolated(task))
                notify("read", len(entries), len(tasks))
    return sorted(entries, key=lambda e: e.index)


def _read_isolated(task: ReadTask) -> InputEntry:
    """One file read in a process of its own; an `error` entry if that process dies."""
    try:
        with _pool(1) as pool:
            with frozen_for_fork():
                future = pool.submit(_read_one, task)
            return future.result()
    except BrokenProcessPool:
        return InputEntry(task[0], task[1].file, "error", None, MSG_WORKER_DIED, (), (), sha256=task[3])


def _read_whole(task: tuple[str, str]) -> WorkbookRead:
    """Read one file (in a worker) and send its records back whole."""
    from xltool.read.worker import read_in_worker

    return read_in_worker(Path(task[0]), Path(task[1]))


def read_apart(path: Path, root: Path) -> WorkbookRead:
    """One file read in a process of its own, so that nothing it does reaches this one."""
    import xltool.read.worker  # noqa: F401  (imported once, before the fork)

    try:
        with _pool(1) as pool:
            with frozen_for_fork():
                future = pool.submit(_read_whole, (str(path), str(root)))
            return future.result()
    except BrokenProcessPool:
        from xltool.read.sources import relative_name

        return WorkbookRead(relative_name(path, root), "error", None, MSG_WORKER_DIED)


def check_all(
    tasks: Sequence[ChunkTask], jobs: int, notify: Progress
) -> tuple[list[ChunkResult], list[Failure]]:
    """Rules and writing for every chunk, spread over processes when there are several chunks.

    Progress counts workbooks: the chunk processes add to a shared counter, which this process
    reads while it waits for them. A chunk that fails is run again department by department
    (`boundary.retry_apart`); the departments that fail again are returned as failures.
    """
    results, failed = _check_chunks(tasks, jobs, notify)
    if not failed:
        return results, []
    numbers = itertools.count(max(task[0] for task in tasks) + 1)
    fork = fork_context() is not None
    again, failures = retry_apart(failed, numbers, functools.partial(process_apart, fork=fork))
    return results + again, failures


def _check_chunks(
    tasks: Sequence[ChunkTask], jobs: int, notify: Progress
) -> tuple[list[ChunkResult], list[ChunkTask]]:
    """The chunks' results, and the chunks that failed."""
    results: list[ChunkResult] = []
    failed: list[ChunkTask] = []
    total = sum(len(task[1]) for task in tasks)
    done = 0
    if jobs > 1 and len(tasks) > 1:
        # Import the heavy modules (pandas, the rules, the writers) once, before the workers are
        # forked, so that each worker does not pay for them again.
        import xltool.rules.checks
        import xltool.rules.forms_view
        import xltool.rules.keys
        import xltool.rules.narrative
        import xltool.rules.results
        import xltool.write.annotate
        import xltool.write.scored  # noqa: F401

        # Without fork (the processes are spawned) nothing is inherited: progress then moves per chunk.
        context = fork_context()
        counter = context.Value("l", 0) if context is not None else None
        progress.ON_WRITTEN = functools.partial(progress.count, counter) if counter is not None else None
        try:
            with _pool(jobs) as pool:
                with frozen_for_fork():
                    futures = [pool.submit(_chunk_in_worker, task) for task in tasks]
                pending: set[Future[ChunkResult]] = set(futures)
                while pending:
                    _, pending = wait(pending, timeout=PROGRESS_SECONDS)
                    finished = sum(len(t[1]) for t, f in zip(tasks, futures, strict=True) if f.done())
                    counted = counter.value if counter is not None else 0
                    notify("check", min(total, max(counted, finished)), total)
                for task, future in zip(tasks, futures, strict=True):
                    try:
                        results.append(future.result())
                    except Exception:  # its departments are tried again one by one
                        failed.append(task)
                return results, failed
        finally:
            progress.ON_WRITTEN = None

    def written() -> None:
        nonlocal done
        done += 1
        notify("check", min(done, total), total)

    progress.ON_WRITTEN = written
    try:
        for task in tasks:
            try:
                results.append(process_chunk(task))
            except Exception:  # its departments are tried again one by one
                failed.append(task)
        return results, failed
    finally:
        progress.ON_WRITTEN = None


# Young objects a chunk process allocates before its collector runs (700 by default). A chunk keeps
# most of what it makes until its workbooks are written: collections every 700 objects walk the same
# live objects again and again (a third of the collector's time in a 100-department chunk).
CHUNK_GC_YOUNG = 10_000


def _chunk_in_worker(task: ChunkTask) -> ChunkResult:
    """A chunk in a worker process of the pool, whose collector is the chunk's own to set."""
    gc.set_threshold(CHUNK_GC_YOUNG, *gc.get_threshold()[1:])
    return process_chunk(task, own_process=True)


def in_forked_process(work: Callable[[], str]) -> multiprocessing.process.BaseProcess | None:
    """Start ``work`` in a forked process (None where fork is not available)."""
    context = fork_context()
    if context is None:
        return None
    process = context.Process(target=run_uninterrupted, args=(work,), daemon=True)  # type: ignore[attr-defined]
    with frozen_for_fork():
        process.start()
    return process


def succeeded(process: multiprocessing.process.BaseProcess) -> bool:
    """Wait for a forked writer; whether it finished cleanly."""
    process.join()
    return process.exitcode == 0
