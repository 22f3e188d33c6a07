"""The reconcile run: read every workbook, group by department, run the rules in chunks, write.

read (one file at a time, in worker processes) ──▶ spool on disk ──▶ plan departments into chunks
──▶ per chunk (in worker processes): frames → rules → scored workbooks ──▶ summary, report.json

Records read from a file are spooled to disk rather than held, so memory stays flat however many
departments a run takes; only the small per-department results come back to the parent.
"""

from __future__ import annotations

import functools
import gc
import json
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltool.model.names import group_forms
from xltool.model.records import Finding, WorkbookRead
from xltool.rules.profile import Profile, load_profile
from xltool.write.report import (
    finding_order,
    merge_sorted,
    sheet_order,
    spool_findings,
    with_finding_counts,
    write_report,
    write_sorted,
)

if TYPE_CHECKING:
    from xltool.rules.engine import Context

Progress = Callable[[str, int, int], None]
Spooled = tuple[str, int, int]  # spool file, offset, length of one pickled WorkbookRead

# Departments per chunk: as many as memory comfortably allows, because the rules run vectorised
# over a chunk and each rule's pandas steps cost about the same whatever the chunk holds (their cost
# per workbook falls from 2.1 ms at 34 departments to 1.3 ms at 100); and at least one chunk per
# process. None: chosen from the batch (see `chunk_size`).
CHUNK_DEPARTMENTS: int | None = None
MIN_CHUNK, MAX_CHUNK = 20, 100


def chunk_size(departments: int, jobs: int) -> int:
    """Departments per chunk: whole rounds of one chunk per process, each chunk at most MAX_CHUNK.

    Whole rounds of equal chunks keep every process busy to the end (departments differ little in
    cost); a chunk holds at least MIN_CHUNK departments, so a small batch is not split thinner.
    """
    rounds = -(-departments // (jobs * MAX_CHUNK))
    return max(MIN_CHUNK, min(MAX_CHUNK, -(-departments // (jobs * max(rounds, 1)))))


REPORT_NAME = "report.json"
SPOOL_PREFIX = ".xltool-spool-"


class InputMissing(FileNotFoundError):
    """INPUT does not exist (a usage error: exit status 2)."""


@dataclass(frozen=True)
class InputEntry:
    """What the parent keeps of a read file: its status and the department each form sheet names."""

    index: int
    file: str
    status: str
    kind: str | None
    message: str | None
    sheets: tuple[tuple[str, str, str | None], ...]  # (sheet, kind, stated department)
    skipped_sheets: tuple[tuple[str, str], ...]
    spooled: Spooled | None = None  # where the worker spooled the records read


@dataclass
class ChunkResult:
    """What one chunk of departments produced; its records are spooled to the two files."""

    departments_file: str
    findings_file: str
    departments: int
    projects: int
    findings: dict[str, int]  # by severity
    written: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """The outcome of a run: where the files are, and counts for a summary line."""

    out: Path
    written: list[str]
    counts_: dict[str, int]
    has_errors: bool  # an error finding or an unreadable input (for --strict)

    @property
    def report(self) -> dict[str, Any]:
        """report.json as written (read back on demand: a large batch's report is not kept in memory)."""
        with open(self.out / REPORT_NAME, encoding="utf-8") as fh:
            return dict(json.load(fh))

    def counts(self) -> dict[str, int]:
        """Findings by severity, inputs by status (inputs_ok …), departments and projects."""
        return dict(self.counts_)


# ---------------------------------------------------------------------------------------------
# Phase 1: read


def _read_one(task: tuple[int, str, str, str]) -> InputEntry:
    """Read one file (in a worker), spool its records, return what the parent needs to plan."""
    from xltool.read.reader import read_file

    index, path, root, spool = task
    read = read_file(Path(path), Path(root))
    return InputEntry(
        index=index,
        file=read.file,
        status=read.status,
        kind=read.kind,
        message=read.message,
        sheets=tuple((s.sheet, s.kind, s.department) for s in read.sheets),
        skipped_sheets=read.skipped_sheets,
        spooled=_spool_read(spool, read),
    )


# Each worker process appends the records it reads to a spool file of its own (one open file per
# process rather than one file per workbook); the parent keeps where each record lies.
_SPOOL_FILES: dict[str, int] = {}


def _spool_read(spool: str, read: WorkbookRead) -> Spooled:
    """Append a read's records to this process's spool file; return (file, offset, length)."""
    data = pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL)
    path = os.path.join(spool, f"reads-{os.getpid()}.pkl")  # a forked child never reuses its parent's
    fd = _SPOOL_FILES.get(path)
    if fd is None:
        fd = _SPOOL_FILES[path] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    offset = os.lseek(fd, 0, os.SEEK_END)
    view = memoryview(data)
    while view:  # unbuffered: a worker leaves without flushing Python buffers
        view = view[os.write(fd, view) :]
    return path, offset, len(data)


def _load_reads(locations: Sequence[Spooled]) -> list[WorkbookRead]:
    """The spooled records at these places, in the order given (each spool file opened once)."""
    reads: dict[int, WorkbookRead] = {}
    by_file: dict[str, list[tuple[int, int, int]]] = {}
    for position, (path, offset, length) in enumerate(locations):
        by_file.setdefault(path, []).append((offset, length, position))
    for path, places in by_file.items():
        with open(path, "rb") as fh:
            for offset, length, position in sorted(places):
                fh.seek(offset)
                reads[position] = pickle.loads(fh.read(length))
    return [reads[i] for i in range(len(locations))]


# ---------------------------------------------------------------------------------------------
# Phase 2: plan departments into chunks


def plan_chunks(
    entries: Sequence[InputEntry], size: int | None = None, jobs: int = 1
) -> list[list[tuple[int, list[str]]]]:
    """Chunks of (file index, department key of each form sheet); a workbook never spans chunks."""
    flat = [(e.index, e.file, kind, name) for e in entries if e.status == "ok" for _, kind, name in e.sheets]
    keys = group_forms([(file, kind, name) for _, file, kind, name in flat])
    per_file: dict[int, list[str]] = {}
    for (index, *_), key in zip(flat, keys, strict=True):
        per_file.setdefault(index, []).append(key)
    # Departments that share a workbook must be processed together: union them.
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for sheet_keys in per_file.values():
        for other in sheet_keys[1:]:
            parent[find(other)] = find(sheet_keys[0])
    groups: dict[str, list[int]] = {}
    for index, sheet_keys in per_file.items():
        groups.setdefault(find(sheet_keys[0]), []).append(index)
    size = size or chunk_size(len(groups), jobs)
    chunks: list[list[tuple[int, list[str]]]] = []
    current: list[tuple[int, list[str]]] = []
    departments = 0
    for root_key in sorted(groups):
        current.extend((i, per_file[i]) for i in sorted(groups[root_key]))
        departments += 1
        if departments >= size:
            chunks.append(current)
            current, departments = [], 0
    if current:
        chunks.append(current)
    return chunks


# ---------------------------------------------------------------------------------------------
# Phase 3: rules and writing, per chunk


def check_workbooks(
    reads: Sequence[WorkbookRead], profile: Profile, keys: Sequence[Sequence[str]] | None = None
) -> tuple[list[Finding], Context]:
    """Run every rule over some read workbooks at once; ``keys`` gives each form sheet's department.

    Without ``keys`` the departments are grouped from the forms themselves (as a run does).
    """
    from xltool.rules.engine import run_rules
    from xltool.rules.frames import build_frames

    if keys is None:
        flat = [(r.file, s.kind, s.department) for r in reads for s in r.sheets]
        grouped = iter(group_forms(flat))
        keys = [[next(grouped) for _ in r.sheets] for r in reads]
    forms = [
        pair
        for read, sheet_keys in zip(reads, keys, strict=True)
        for pair in zip(sheet_keys, read.sheets, strict=True)
    ]
    findings, ctx = run_rules(build_frames(forms), profile)
    findings.sort(key=finding_order)
    return findings, ctx


ChunkTask = tuple[int, list[tuple[int, list[str]]], list[Spooled], str, str, Profile]


def _process_chunk(task: ChunkTask) -> ChunkResult:
    """Rules over a chunk's stacked frames, then the scored workbooks of its files."""
    from xltool.rules.results import department_records
    from xltool.write.scored import write_scored_workbooks

    number, chunk, spooled, spool, out, profile = task
    reads = _load_reads(spooled)
    findings, ctx = check_workbooks(reads, profile, [keys for _, keys in chunk])
    written, locations = write_scored_workbooks(Path(out), reads, ctx, findings, _ON_WRITTEN)
    findings_file = os.path.join(spool, f"findings-{number:06d}.jsonl")
    counts = spool_findings(Path(findings_file), findings, locations, sheet_order(reads))
    departments = with_finding_counts(department_records(ctx), counts)
    departments_file = os.path.join(spool, f"departments-{number:06d}.jsonl")
    write_sorted(Path(departments_file), (([d["name"]], d) for d in departments))
    projects = sum(len(d["projects"]) for d in departments)
    return ChunkResult(
        departments_file, findings_file, len(departments), projects, dict(counts.total), written
    )


# ---------------------------------------------------------------------------------------------
# The run


def _pool(jobs: int) -> ProcessPoolExecutor:
    _freeze_before_fork()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context())


def _freeze_before_fork() -> None:
    """Keep the garbage collector of forked processes off the objects they inherit.

    A collection in a forked process writes to every object it examines, which copies the pages the
    process shares with its parent (the imported libraries above all); frozen objects are not examined.
    """
    gc.freeze()


def _chunksize(tasks: int, jobs: int) -> int:
    return max(1, min(32, tasks // (jobs * 8) or 1))


MSG_WORKER_DIED = (
    "读取此文件时处理进程异常退出（文件可能已损坏或被特意构造），已跳过；"
    "请用Excel或WPS打开后另存为.xlsx再提交"
)


def _read_all(tasks: Sequence[tuple[int, str, str, str]], jobs: int, notify: Progress) -> list[InputEntry]:
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

    import xltool.read.reader  # noqa: F401

    try:
        with _pool(jobs) as pool:
            for entry in pool.map(_read_one, tasks, chunksize=_chunksize(len(tasks), jobs)):
                entries.append(entry)
                notify("read", len(entries), len(tasks))
    except BrokenProcessPool:
        done = {e.index for e in entries}
        for task in tasks:
            if task[0] not in done:
                entries.append(_read_isolated(task))
                notify("read", len(entries), len(tasks))
    return sorted(entries, key=lambda e: e.index)


def _read_isolated(task: tuple[int, str, str, str]) -> InputEntry:
    """One file read in a process of its own; an `error` entry if that process dies."""
    try:
        with _pool(1) as pool:
            return pool.submit(_read_one, task).result()
    except BrokenProcessPool:
        from xltool.read.sources import relative_name

        file = relative_name(Path(task[1]), Path(task[2]))
        return InputEntry(task[0], file, "error", None, MSG_WORKER_DIED, (), ())


# Called after each scored workbook, for progress: set by `_check_all` before the chunk processes are
# forked (they inherit it), so that the bar moves per workbook rather than per chunk.
_ON_WRITTEN: Callable[[], None] | None = None


def _check_all(tasks: Sequence[ChunkTask], jobs: int, notify: Progress) -> list[ChunkResult]:
    """Rules and writing for every chunk, spread over processes when there are several chunks.

    Progress counts workbooks: the chunk processes add to a shared counter, which this process
    reads while it waits for them.
    """
    global _ON_WRITTEN
    total = sum(len(task[1]) for task in tasks)
    done = 0
    if jobs > 1 and len(tasks) > 1:
        # Import the heavy modules (pandas, the rules, the writers) once, before the workers are
        # forked, so that each worker does not pay for them again.
        import xltool.rules.checks
        import xltool.rules.results
        import xltool.write.scored  # noqa: F401

        # Without fork (the processes are spawned) nothing is inherited: progress then moves per chunk.
        context = _fork_context()
        counter = context.Value("l", 0) if context is not None else None
        _ON_WRITTEN = functools.partial(_count, counter) if counter is not None else None
        try:
            with _pool(jobs) as pool:
                futures = [pool.submit(_process_chunk, task) for task in tasks]
                pending: set[Future[ChunkResult]] = set(futures)
                while pending:
                    _, pending = wait(pending, timeout=PROGRESS_SECONDS)
                    finished = sum(len(t[1]) for t, f in zip(tasks, futures, strict=True) if f.done())
                    counted = counter.value if counter is not None else 0
                    notify("check", min(total, max(counted, finished)), total)
                return [future.result() for future in futures]
        finally:
            _ON_WRITTEN = None

    def written() -> None:
        nonlocal done
        done += 1
        notify("check", done, total)

    _ON_WRITTEN = written
    try:
        return [_process_chunk(task) for task in tasks]
    finally:
        _ON_WRITTEN = None


PROGRESS_SECONDS = 0.2


def _count(counter: Any) -> None:
    """One more workbook written (in a chunk process)."""
    with counter.get_lock():
        counter.value += 1


def reconcile(
    input_path: str | Path = ".",
    out: str | Path = "xltool-output",
    *,
    profile: str | Path | Profile | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    chunk_departments: int | None = CHUNK_DEPARTMENTS,
) -> RunResult:
    """Read, group, check, score and write: the whole `xltool reconcile` run, as a library call."""
    root = Path(input_path)
    if not root.exists():
        raise InputMissing(f"输入路径不存在：{root}")
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out_dir)
    out_resolved = out_dir.resolve()
    files = [p for p in _inputs(root) if out_resolved not in p.resolve().parents]
    jobs = max(1, jobs or os.cpu_count() or 1)
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=out_dir)
    notify = progress or (lambda phase, done, total: None)
    try:
        tasks = [(i, str(p), str(root), spool) for i, p in enumerate(files)]
        entries = _read_all(tasks, jobs, notify)
        chunks = plan_chunks(entries, chunk_departments, jobs)
        spooled = {e.index: e.spooled for e in entries if e.spooled is not None}
        chunk_tasks: list[ChunkTask] = [
            (n, c, [spooled[i] for i, _ in c], spool, str(out_dir), rules_profile)
            for n, c in enumerate(chunks)
        ]
        results = _check_all(chunk_tasks, jobs, notify)
        return _finish(out_dir, entries, results, rules_profile, jobs)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _finish(
    out: Path, entries: Sequence[InputEntry], results: Sequence[ChunkResult], profile: Profile, jobs: int
) -> RunResult:
    """The summary workbook and report.json, streaming the spooled records into both."""
    from xltool.write.summary import write_summary

    def inputs() -> Iterator[dict[str, Any]]:
        return (input_json(e) for e in entries)

    def departments() -> Iterator[dict[str, Any]]:
        return merge_sorted([Path(r.departments_file) for r in results])

    def findings() -> Iterator[dict[str, Any]]:
        return merge_sorted([Path(r.findings_file) for r in results])

    summary: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
    for r in results:
        for severity, n in r.findings.items():
            summary[severity] += n
    for e in entries:
        summary[f"inputs_{e.status}"] = summary.get(f"inputs_{e.status}", 0) + 1
    summary["departments"] = sum(r.departments for r in results)
    summary["projects"] = sum(r.projects for r in results)
    written = [w for r in results for w in r.written]

    def summarise() -> str:
        return write_summary(out, inputs, departments, findings, summary)

    # The summary workbook and report.json read the same spooled streams: write them side by side.
    side = _in_forked_process(summarise) if jobs > 1 else None
    write_report(out / REPORT_NAME, profile.name, inputs(), departments(), findings())
    if side is not None and _succeeded(side):
        from xltool.write.summary import SUMMARY_NAME

        written.append(SUMMARY_NAME)
    else:  # no fork here, or the forked writer failed: write it in this process
        written.append(summarise())
    written.append(REPORT_NAME)
    has_errors = summary["error"] > 0 or summary.get("inputs_error", 0) > 0
    return RunResult(out=out, written=written, counts_=summary, has_errors=has_errors)


def _in_forked_process(work: Callable[[], str]) -> multiprocessing.process.BaseProcess | None:
    """Start ``work`` in a forked process (None where fork is not available)."""
    context = _fork_context()
    if context is None:
        return None
    _freeze_before_fork()
    process = context.Process(target=work, daemon=True)  # type: ignore[attr-defined]
    process.start()
    return process


def _succeeded(process: multiprocessing.process.BaseProcess) -> bool:
    """Wait for a forked writer; whether it finished cleanly."""
    process.join()
    return process.exitcode == 0


def _remove_leftovers(out: Path) -> None:
    """Temporaries an interrupted earlier run left in OUT (its spool, half-written ``.part`` files)."""
    for spool in out.glob(f"{SPOOL_PREFIX}*"):
        if spool.is_dir() and not spool.is_symlink():
            shutil.rmtree(spool, ignore_errors=True)
    for part in out.rglob(".xltool-*.part"):
        if part.is_file() and not part.is_symlink():
            part.unlink(missing_ok=True)


def _fork_context() -> multiprocessing.context.BaseContext | None:
    """Fork where the platform has it (workers start at once, sharing the parent's imports)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def _inputs(root: Path) -> list[Path]:
    from xltool.read.sources import find_inputs

    return find_inputs(root)


def input_json(e: InputEntry) -> dict[str, Any]:
    """An input as report.json gives it, with the sheets read and skipped."""
    item: dict[str, Any] = {"file": e.file, "kind": e.kind, "status": e.status, "message": e.message}
    item["sheets"] = [{"sheet": s, "kind": k, "status": "ok"} for s, k, _ in e.sheets] + [
        {"sheet": s, "kind": None, "status": "skipped", "message": m} for s, m in e.skipped_sheets
    ]
    return item
