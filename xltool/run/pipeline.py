"""The reconcile run: read every workbook, group by department, run the rules in chunks, write.

read (one file at a time, in worker processes) ──▶ spool on disk ──▶ plan departments into chunks
──▶ per chunk (in worker processes): frames → rules → scored workbooks ──▶ summary, report.json

Records read from a file are spooled to disk rather than held, so memory stays flat however many
departments a run takes; only the small per-department results come back to the parent.
The parts: `plan` (inputs, chunks), `spool`, `workers` (the processes), `chunks` (one chunk's
rules and writing), `progress`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltool.model.errors import InputNotFound, OutputNotWritable
from xltool.read.folders import Refused
from xltool.read.sources import relative_name
from xltool.rules.profile import Profile, load_profile
from xltool.run.boundary import apply_failures
from xltool.run.chunks import ChunkResult, ChunkTask
from xltool.run.lock import run_lock
from xltool.run.plan import (
    CHUNK_DEPARTMENTS,
    InputEntry,
    input_files,
    input_json,
    plan_chunks,
    refused_entry,
    usable_jobs,
)
from xltool.run.progress import Progress
from xltool.run.spool import SPOOL_PREFIX, remove_leftovers
from xltool.run.workers import check_all, in_forked_process, read_all, succeeded
from xltool.write.atomic import LOG_NAME, not_written, output_names
from xltool.write.report import merge_sorted, write_report

REPORT_NAME = "report.json"


def reserved_names() -> tuple[str, ...]:
    """The run's own files in OUT, never given to a scored workbook."""
    from xltool.write.summary import SUMMARY_NAME

    return (REPORT_NAME, SUMMARY_NAME, LOG_NAME)


@dataclass
class RunResult:
    """The outcome of a run: where the files are, and counts for a summary line."""

    out: Path
    written: list[str]
    counts_: dict[str, int]
    has_errors: bool  # an error finding, an unreadable input or an output not written (for --strict)
    failed: dict[str, str] = field(default_factory=dict)  # output (relative to OUT) → why it was not written

    @property
    def report(self) -> dict[str, Any]:
        """report.json as written (read back on demand: a large batch's report is not kept in memory)."""
        with open(self.out / REPORT_NAME, encoding="utf-8") as fh:
            return dict(json.load(fh))

    def counts(self) -> dict[str, int]:
        """Findings by severity, inputs by status (inputs_ok …), departments and projects."""
        return dict(self.counts_)


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
        raise InputNotFound(f"输入路径不存在：{root}。请检查路径后重试。")
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(out_dir, exc) from exc
    notify = progress or (lambda phase, done, total: None)
    try:
        with run_lock(out_dir):
            return _run(root, out_dir, rules_profile, usable_jobs(jobs), notify, chunk_departments)
    except OSError as exc:  # OUT cannot even take the run's spool (inputs' errors are results)
        raise OutputNotWritable(out_dir, exc) from exc


def _run(
    root: Path, out_dir: Path, profile: Profile, jobs: int, notify: Progress, chunk_departments: int | None
) -> RunResult:
    """The run, once OUT is this run's alone."""
    remove_leftovers(out_dir)
    log = out_dir / LOG_NAME
    if log.is_file() and not log.is_symlink():  # an earlier run's: this run writes its own if need be
        log.unlink()
    found, refused = input_files(root, out_dir)
    listed = sorted(
        [(relative_name(p, root), p) for p in found] + [(r.file, r) for r in refused],
        key=lambda item: item[0],
    )
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=out_dir)
    try:
        tasks = [(i, str(p), str(root), spool) for i, (_, p) in enumerate(listed) if isinstance(p, Path)]
        entries = read_all(tasks, jobs, notify)
        entries += [refused_entry(i, r) for i, (_, r) in enumerate(listed) if isinstance(r, Refused)]
        entries.sort(key=lambda e: e.index)
        names = output_names([e.file for e in entries if e.status == "ok"], ".xlsx", reserved_names())
        chunks = plan_chunks(entries, chunk_departments, jobs)
        spooled = {e.index: e.spooled for e in entries if e.spooled is not None}
        files = {e.index: e.file for e in entries}
        chunk_tasks: list[ChunkTask] = [
            (
                n,
                c,
                [spooled[i] for i, _ in c],
                spool,
                str(out_dir),
                profile,
                {i: names[files[i]] for i, _ in c},
            )
            for n, c in enumerate(chunks)
        ]
        results, failures = check_all(chunk_tasks, jobs, notify)
        entries = apply_failures(entries, failures, out_dir, names)
        return _finish(out_dir, entries, results, profile, jobs)
    except KeyboardInterrupt:  # the workers are stopped: their half-written temporaries go too
        remove_leftovers(out_dir)
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _finish(
    out: Path, entries: Sequence[InputEntry], results: Sequence[ChunkResult], profile: Profile, jobs: int
) -> RunResult:
    """The summary workbook and report.json, streaming the spooled records into both."""
    from xltool.write.summary import SUMMARY_NAME, write_summary

    scored = {s.file: (s.output, s.message) for r in results for s in r.scored}

    def inputs() -> Iterator[dict[str, Any]]:
        return (input_json(e, scored.get(e.file)) for e in entries)

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
    failed = {output: message for output, message in scored.values() if message is not None}

    def summarise() -> str:
        return write_summary(out, inputs, departments, findings, summary)

    # The summary workbook and report.json read the same spooled streams: write them side by side.
    side = in_forked_process(summarise) if jobs > 1 else None
    try:
        write_report(out / REPORT_NAME, profile.name, inputs(), departments(), findings())
    except Exception as exc:  # reported in the result (and by the command line), not raised
        failed[REPORT_NAME] = not_written(REPORT_NAME, exc)
    if side is not None and succeeded(side):
        written.append(SUMMARY_NAME)
    else:  # no fork here, or the forked writer failed: write it in this process
        try:
            written.append(summarise())
        except Exception as exc:
            failed[SUMMARY_NAME] = not_written("审核汇总工作簿", exc)
    if REPORT_NAME not in failed:
        written.append(REPORT_NAME)
    if failed:
        summary["outputs_failed"] = len(failed)
    has_errors = summary["error"] > 0 or summary.get("inputs_error", 0) > 0 or bool(failed)
    return RunResult(out=out, written=written, counts_=summary, has_errors=has_errors, failed=failed)
