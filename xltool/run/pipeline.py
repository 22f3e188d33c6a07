"""The reconcile run: read every workbook, group by department, run the rules in chunks, write.

read (one file at a time, in worker processes) ──▶ spool on disk ──▶ plan departments into chunks
──▶ per chunk (in worker processes): frames → rules → scored workbooks ──▶ summary, report.json

Records read from a file are spooled to disk rather than held, so memory stays flat however many
departments a run takes; only the small per-department results come back to the parent.
The parts: `plan` (inputs, chunks), `spool`, `workers` (the processes), `chunks` (one chunk's
rules and writing), `progress`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from xltool.model.errors import InputNotFound, OutputNotWritable, UsageError
from xltool.read.intake import gather
from xltool.rules.profile import Profile, load_profile
from xltool.run import outputs
from xltool.run.boundary import Failure, apply_failures
from xltool.run.chunks import ChunkResult, ChunkTask
from xltool.run.cycle import Plan, chunk_extras, fingerprint, load_last_year, plan_run, reused_result, take_in
from xltool.run.lock import run_lock
from xltool.run.outputs import check_paths
from xltool.run.plan import CHUNK_DEPARTMENTS, InputEntry, chunk_groups, input_json, output_paths, usable_jobs
from xltool.run.progress import Progress
from xltool.run.rounds import Previous, Tally, load_previous, with_rounds
from xltool.run.rounds import resolved as resolved_findings
from xltool.run.spool import SPOOL_PREFIX, remove_leftovers
from xltool.run.workers import check_all, in_forked_process, read_all, succeeded
from xltool.write.atomic import LOG_NAME, not_written
from xltool.write.names import BATCH_REPORT_NAME, SUMMARY_NAME
from xltool.write.report import merge_sorted, write_report

REPORT_NAME = "report.json"


def reserved_names() -> tuple[str, ...]:
    """The run's own files in OUT, never given to a scored workbook."""
    return (
        REPORT_NAME,
        SUMMARY_NAME,
        BATCH_REPORT_NAME,
        LOG_NAME,
        outputs.MANIFEST_NAME,
        outputs.INCOMPLETE_NAME,
    )


@dataclass
class RunResult:
    """The outcome of a run: where the files are, and counts for a summary line."""

    out: Path
    written: list[str]
    counts_: dict[str, int]
    has_errors: bool  # an error finding, an unreadable input, no form at all or an output not written
    failed: dict[str, str] = field(default_factory=dict)  # output (relative to OUT) → why it was not written
    removed: list[str] = field(default_factory=list)  # files an earlier run wrote, removed as stale

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
    previous: str | Path | None = None,
    last_year: str | Path | None = None,
    documents: bool = True,
) -> RunResult:
    """Read, group, check, score and write: the whole `xltool reconcile` run, as a library call.

    ``previous``: an earlier run's OUT (rounds, and reuse of unchanged departments); ``last_year``:
    last year's workbooks or OUT (family Y). See cycle.md. ``documents``: the Word documents
    (审核意见书, 审核报告; documents.md).
    """
    root = Path(input_path)
    if not root.exists():
        raise InputNotFound(f"输入路径不存在：{root}。请检查路径后重试。")
    out_dir = Path(out)
    check_paths(root, out_dir)
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    before = load_previous(Path(previous)) if previous is not None else None
    if last_year is not None and not Path(last_year).is_dir():
        raise UsageError(
            f"--last-year 指定的“{last_year}”不是文件夹；请指定上年报送材料或上年审核结果所在的文件夹"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(out_dir, exc) from exc
    notify = progress or (lambda phase, done, total: None)
    cycle = _Cycle(before, Path(last_year) if last_year is not None else None, documents)
    try:
        with run_lock(out_dir):
            return _run(root, out_dir, rules_profile, usable_jobs(jobs), notify, chunk_departments, cycle)
    except OSError as exc:  # OUT cannot even take the run's spool (inputs' errors are results)
        raise OutputNotWritable(out_dir, exc) from exc


@dataclass(frozen=True)
class _Cycle:
    """What a run takes from outside INPUT: the previous round's report, last year's folder."""

    previous: Previous | None
    last_year: Path | None
    documents: bool = True  # the Word documents too


def _run(
    root: Path,
    out_dir: Path,
    profile: Profile,
    jobs: int,
    notify: Progress,
    chunk_departments: int | None,
    cycle: _Cycle,
) -> RunResult:
    """The run, once OUT is this run's alone."""
    written_earlier = outputs.begin(out_dir)
    remove_leftovers(out_dir)
    log = out_dir / LOG_NAME
    if log.is_file() and not log.is_symlink():  # an earlier run's: this run writes its own if need be
        log.unlink()
    sources = gather(root, skip=out_dir)
    spool = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=out_dir)
    try:
        prior, last_year_print = (
            load_last_year(cycle.last_year, profile, jobs, spool, notify)
            if cycle.last_year is not None
            else ({}, None)
        )
        stamp = fingerprint(profile, last_year_print)
        before = cycle.previous
        reusable = before if before is not None and before.fingerprint == stamp else None
        known, tasks = take_in(sources, spool, reusable)
        entries = sorted([*known, *read_all(tasks, jobs, notify)], key=lambda e: e.index)
        hashes = {e.index: e.sha256 for e in entries}

        def reread(indices: list[int]) -> list[InputEntry]:
            return read_all([(i, sources[i], spool, hashes[i]) for i in indices], jobs, notify)

        plan = plan_run(entries, sources, reusable, out_dir, reread)
        names = output_paths(plan.entries, reserved_names())
        if reusable is not None:
            plan.keep_named(reusable, names)
        # Files PREV read unchanged but whose department is checked again: read them now.
        again = {i for group, files in plan.groups.items() if group not in plan.reused for i in files}
        unread = [e.index for e in plan.entries if e.index in again and e.spooled is None]
        if unread:
            hashes = {e.index: e.sha256 for e in plan.entries}
            fresh = {
                e.index: e
                for e in read_all([(i, sources[i], spool, hashes[i]) for i in unread], jobs, notify)
            }
            plan.entries = [
                dataclasses.replace(e, spooled=fresh[e.index].spooled) if e.index in fresh else e
                for e in plan.entries
            ]
        spooled = {e.index: e.spooled for e in plan.entries if e.spooled is not None}
        files = {e.index: e.file for e in plan.entries}
        groups = {g: members for g, members in plan.groups.items() if g not in plan.reused}
        chunks = chunk_groups(groups, plan.per_file, chunk_departments, jobs)
        chunk_tasks: list[ChunkTask] = [
            (
                n,
                c,
                [spooled[i] for i, _ in c],
                spool,
                str(out_dir),
                profile,
                {i: names[files[i]] for i, _ in c if files[i] in names},
                chunk_extras(plan, c, prior),
            )
            for n, c in enumerate(chunks)
        ]
        results, failures = check_all(chunk_tasks, jobs, notify)
        if failures:  # a worker that died took a sibling down mid-write: its temporary goes
            remove_leftovers(out_dir, spools=False)
        plan.entries = apply_failures(plan.entries, failures, out_dir, names)
        reused = 0
        if plan.reused and reusable is not None:
            results.append(reused_result(plan, reusable, out_dir, spool))
            reused = results[-1].departments
        run = _Run(
            out_dir, plan, results, profile, jobs, before, stamp, spool, reused, failures, cycle.documents
        )
        result = _finish(run)
        result.removed = outputs.finish(out_dir, written_earlier, result.written)
        result.written.append(outputs.MANIFEST_NAME)
        return result
    except KeyboardInterrupt:  # the workers are stopped: their half-written temporaries go too
        remove_leftovers(out_dir)
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)


@dataclass
class _Run:
    """What the finish of a run needs."""

    out: Path
    plan: Plan
    results: list[ChunkResult]
    profile: Profile
    jobs: int
    previous: Previous | None
    fingerprint: str
    spool: str
    reused: int  # departments whose results were taken from PREV
    failures: list[Failure]  # departments whose checking or writing failed (their files are `error`)
    documents: bool  # the Word documents (审核意见书, 审核报告) too


def _finish(run: _Run) -> RunResult:
    """The summary workbook and report.json (last), streaming the spooled records into both."""
    from xltool.write.json_text import compact
    from xltool.write.summary import write_summary
    from xltool.write.summary_looks import SummaryHead

    out, results, entries = run.out, run.results, run.plan.entries
    scored = {s.file: (s.output, s.message) for r in results for s in r.scored}

    def inputs() -> Iterator[dict[str, Any]]:
        return (input_json(e, run.plan.per_file.get(e.index, ()), scored.get(e.file)) for e in entries)

    def departments() -> Iterator[dict[str, Any]]:
        return merge_sorted([Path(r.departments_file) for r in results])

    # One pass over the findings in report order gives each its round and counts the rounds, before
    # the summary (whose 整改情况 sheet needs the counts) and the report read them.
    tally = Tally()
    merged = Path(run.spool, "findings-all.jsonl")
    keys: set[str] = set()
    with open(merged, "w", encoding="utf-8") as fh:
        for item in with_rounds(merge_sorted([Path(r.findings_file) for r in results]), run.previous, tally):
            keys.add(str(item.get("key")))
            fh.write(compact(item) + "\n")
    resolved = resolved_findings(run.previous, keys, _current_files(run.plan), tally)

    def findings() -> Iterator[dict[str, Any]]:
        with open(merged, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)

    summary: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
    for r in results:
        for severity, n in r.findings.items():
            summary[severity] += n
    for e in entries:
        summary[f"inputs_{e.status}"] = summary.get(f"inputs_{e.status}", 0) + 1
    summary["reports"] = sum(1 for e in entries if e.kind == "report" and e.status == "ok")
    set_aside = sum(1 for e in entries if e.kind == "report" and e.status == "superseded")
    if set_aside:  # written reports among inputs_superseded (said only when there are some)
        summary["reports_superseded"] = set_aside
    summary["departments"] = sum(r.departments for r in results)
    summary["projects"] = sum(r.projects for r in results)
    summary["departments_reused"] = run.reused
    if run.failures:  # counted apart from the unreadable files among inputs_error
        summary["departments_failed"] = len(run.failures)
        summary["files_failed"] = len({i for failure in run.failures for i in failure.files})
    for name in ("open", "explained", "accepted", "new", "persisting", "resolved"):
        summary[name] = tally.totals[name]
    written = [w for r in results for w in r.written]
    failed = {output: message for output, message in scored.values() if message is not None}
    rounds = [dataclasses.asdict(line) for line in tally.rows()] if run.previous is not None else None

    profile = run.profile
    head = SummaryHead(
        profile.name, profile.title, date.today(), profile.low_execution_rate, tuple(profile.grades)
    )

    def summarise() -> str:
        return write_summary(out, inputs, departments, findings, summary, rounds, head)

    # The summary workbook and report.json read the same spooled streams: write them side by side,
    # report.json last of all, so that a report never stands beside a summary that is not written.
    side = in_forked_process(summarise) if run.jobs > 1 else None
    letters: dict[str, str] = {}  # department → its 审核意见书, as report.json names it
    if run.documents:  # in this process, beside the forked summary
        from xltool.run.documents import write_documents  # the Word library only when it is needed

        docs = write_documents(out, departments, merged, run.profile, inputs, summary)
        written.extend(docs.written)
        failed.update(docs.failed)
        letters = docs.letters
    if side is not None and succeeded(side):
        written.append(SUMMARY_NAME)
    else:  # no fork here, or the forked writer failed: write it in this process
        try:
            written.append(summarise())
        except Exception as exc:
            failed[SUMMARY_NAME] = not_written("审核汇总工作簿", exc)
    counts = {k: summary[k] for k in ("error", "warning", "info", "open", "explained", "accepted")}
    if run.previous is not None:
        counts |= {k: summary[k] for k in ("new", "persisting", "resolved")}
    try:
        write_report(
            out / REPORT_NAME,
            run.profile.name,
            inputs(),
            (d | {"letter": letters[d["name"]]} if d["name"] in letters else d for d in departments()),
            findings(),
            head_extra={"fingerprint": run.fingerprint},
            tail=lambda: {"resolved": resolved, "counts": counts},
        )
        written.append(REPORT_NAME)
    except Exception as exc:  # reported in the result (and by the command line), not raised
        failed[REPORT_NAME] = not_written(REPORT_NAME, exc)
    if failed:
        summary["outputs_failed"] = len(failed)
    found = summary.get("inputs_ok", 0) + summary.get("inputs_superseded", 0)
    has_errors = summary["error"] > 0 or summary.get("inputs_error", 0) > 0 or found == 0 or bool(failed)
    return RunResult(out=out, written=written, counts_=summary, has_errors=has_errors, failed=failed)


def _current_files(plan: Plan) -> dict[str, dict[tuple[str, str], str]]:
    """Department → (form kind, project) → the file checked now; ("", "") → the department's first file."""
    from xltool.rules.keys import project_key

    by_index = {e.index: e for e in plan.entries}
    current: dict[str, dict[tuple[str, str], str]] = {}
    for files in plan.groups.values():
        for index in files:
            entry = by_index[index]
            if entry.kind == "report":  # a written report's findings (family N) are resolved against it
                current.setdefault(plan.per_file[index][0], {})[("report", "")] = entry.file
                continue
            for key, sheet in zip(plan.per_file[index], entry.sheets, strict=True):
                forms = current.setdefault(key, {})
                project = project_key(sheet[3]) if sheet[1] == "project" else ""
                forms.setdefault((sheet[1], project), entry.file)
                forms.setdefault(("", ""), entry.file)
    return current
