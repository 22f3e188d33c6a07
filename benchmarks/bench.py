"""Benchmark `xltool reconcile` on a generated batch against a floor measured in the same run.

    python benchmarks/bench.py --departments 1000 [--jobs N] [--compare-jobs] [--incremental 10] [--keep DIR]
                               [--no-documents | --compare-documents]

1. Generates N departments of realistic forms (three workbooks each, several project sheets, varied
   figures and anomalies, distinct names) with tests/support/sample_forms.py.
2. Runs `xltool reconcile` as a subprocess over the batch: CPU seconds (the process and all its
   workers), wall seconds, peak memory (sum of the resident sizes of the whole process tree, sampled).
3. Floor: reads every input file's values with python-calamine, and writes the same cells xltool
   wrote (loaded beforehand from the workbooks it produced, untimed) to new workbooks with
   xlsxwriter — nothing else — in this process, timed with CPU and wall clocks. Two floors: the
   cells holding values, and all cells (also the empty bordered cells that draw the form, written
   with one plain border format). The second is "the same number of cells"; the first is stricter.
4. Prints per-workbook costs and the CPU ratio to the floor. Not a test: no assertion on time.
5. The run writes the Word documents (审核意见书, 审核报告) as `xltool reconcile` does by default;
   ``--no-documents`` leaves them out, ``--compare-documents`` runs both ways and prints the ratio of
   the two CPU times and the documents' cost per department.
6. ``--incremental K``: K departments' workbooks are then regenerated with other figures and the batch
   is re-run with ``--previous`` (cycle.md: unchanged departments are taken from the previous run);
   prints its CPU and wall time as a ratio to the full run's.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the generator is a test-support module

from support import sample_forms  # noqa: E402


def generate(folder: Path, departments: int) -> list[Path]:
    """N varied departments under folder; returns the workbook paths."""
    seed = sample_forms.taoyuan_2022()
    files: list[Path] = []
    for i in range(departments):
        dept = sample_forms.vary(seed, i + 1)
        files.extend(sample_forms.write_department(folder / dept.name, dept))
    return files


_CELL_REF = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


Sheet = tuple[str, list[tuple[int, int, object]], list[tuple[int, int]]]


def output_cells(out: Path) -> list[list[Sheet]]:
    """Every workbook xltool wrote: per sheet, its values (row, col, value) and its formatted blanks."""
    from python_calamine import CalamineWorkbook

    books = []
    for path in sorted(out.rglob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        sheets: list[Sheet] = []
        with zipfile.ZipFile(path) as zf:
            for n, name in enumerate(book.sheet_names, start=1):
                rows = book.get_sheet_by_name(name).to_python()
                values: list[tuple[int, int, object]] = [
                    (r, c, v)
                    for r, row in enumerate(rows)
                    for c, v in enumerate(row)
                    if v != "" and v is not None
                ]
                filled = {(r, c) for r, c, _ in values}
                xml = zf.read(f"xl/worksheets/sheet{n}.xml")
                every = {(int(row) - 1, _col(col)) for col, row in _CELL_REF.findall(xml)}
                sheets.append((name, values, sorted(every - filled)))
        books.append(sheets)
    return books


def floor(
    inputs: list[Path], outputs: list[list[Sheet]], folder: Path, blanks: bool
) -> tuple[float, float, int]:
    """Read the inputs with calamine and write xltool's output cells with xlsxwriter: (cpu, wall, cells).

    With ``blanks`` the formatted empty cells xltool wrote (the borders of the form) are written too,
    all with one plain border format; without, only the cells holding values.
    """
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for path in inputs:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    for n, sheets in enumerate(outputs):
        wb = xlsxwriter.Workbook(str(folder / f"{n}.xlsx"))
        border = wb.add_format({"border": 1})
        for name, values, empty in sheets:
            ws = wb.add_worksheet(name)
            for r, c, value in values:
                ws.write(r, c, value)
            written += len(values)
            if blanks:
                for r, c in empty:
                    ws.write_blank(r, c, None, border)
                written += len(empty)
        wb.close()
    return time.process_time() - cpu0, time.perf_counter() - wall0, written


class TreeMemory(threading.Thread):
    """Samples the memory of a process and its descendants from /proc: summed PSS, and the largest RSS.

    PSS (proportional set size) splits pages shared between processes (a forked worker shares the
    parent's imports) among them, so the sum is the memory the whole run really holds.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.stop = pid, interval, threading.Event()
        self.peak_pss = self.peak_rss = 0

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        tree, stack = [], [self.pid]
        while stack:
            pid = stack.pop()
            tree.append(pid)
            stack.extend(children.get(pid, []))
        return tree

    @staticmethod
    def _kib(pid: int, field: str, name: str) -> int:
        try:
            with open(f"/proc/{pid}/{name}") as fh:
                for line in fh:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def run(self) -> None:
        while not self.stop.is_set():
            tree = self._tree()
            self.peak_pss = max(self.peak_pss, sum(self._kib(p, "Pss:", "smaps_rollup") for p in tree) * 1024)
            self.peak_rss = max(
                self.peak_rss, max((self._kib(p, "VmRSS:", "status") for p in tree), default=0) * 1024
            )
            time.sleep(self.interval)


def run_xltool(src: Path, out: Path, jobs: int, extra: tuple[str, ...] = ()) -> dict[str, float]:
    """`xltool reconcile` in a subprocess: CPU (self + workers), wall and peak tree memory."""
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    cmd = [sys.executable, "-m", "xltool.cli", "reconcile", str(src), "-o", str(out), "--jobs", str(jobs)]
    cmd += extra
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeMemory(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.stop.set()
    sampler.join()
    wall = time.perf_counter() - wall0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"xltool failed ({proc.returncode}):\n{stdout}\n{stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "cpu": cpu,
        "wall": wall,
        "peak_mib": sampler.peak_pss / 2**20,
        "largest_process_mib": sampler.peak_rss / 2**20,
        "stdout": stdout.strip(),  # type: ignore[dict-item]
    }


def main() -> None:
    """Generate, measure the floor, run xltool, print the comparison."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--compare-jobs", action="store_true", help="also run with --jobs 1 and report the speed-up"
    )
    parser.add_argument("--keep", type=Path, help="keep the generated batch and outputs in this folder")
    parser.add_argument(
        "--incremental",
        type=int,
        default=0,
        metavar="K",
        help="then change K departments and re-run with --previous; report the ratio to the full run",
    )
    parser.add_argument("--no-documents", action="store_true", help="run xltool with --no-documents")
    parser.add_argument(
        "--compare-documents", action="store_true", help="also run without the Word documents and compare"
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="xltool-bench-"))
    src = work / "input"
    shutil.rmtree(src, ignore_errors=True)
    t0 = time.perf_counter()
    files = generate(src, args.departments)
    print(
        f"generated {args.departments} departments, {len(files)} workbooks "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    # xltool as installed: an installed package's modules are compiled to bytecode by pip, but an
    # editable checkout run with PYTHONDONTWRITEBYTECODE would compile every module on every run.
    import xltool

    compileall.compile_dir(Path(xltool.__file__).parent, quiet=1)
    runs = [args.jobs] + ([1] if args.compare_jobs and args.jobs != 1 else [])
    documents = () if not args.no_documents else ("--no-documents",)
    n = len(files)
    # Two rounds, each running xltool and then the floors, keeping the faster of each: the floor is a
    # lower bound, this machine's speed drifts, and both sides get the same treatment.
    trials: dict[int, list[dict[str, float]]] = {jobs: [] for jobs in runs}
    bare: list[dict[str, float]] = []  # --compare-documents: the runs without the documents
    floor_trials: dict[str, list[tuple[float, float, int]]] = {"values": [], "all cells": []}
    outputs: list[list[Sheet]] = []
    for round_ in range(2):
        for jobs in runs:
            trials[jobs].append(run_xltool(src, work / f"out-j{jobs}", jobs, documents))
        if args.compare_documents:
            bare.append(run_xltool(src, work / "out-bare", args.jobs, ("--no-documents",)))
        if round_ == 0:
            outputs = output_cells(work / f"out-j{args.jobs}")
        for blanks, label in ((False, "values"), (True, "all cells")):
            floor_trials[label].append(floor(files, outputs, work / "floor", blanks))
    floors = {}
    for label, tried in floor_trials.items():
        cpu, wall, cells = min(tried)
        floors[label] = cpu
        print(
            f"floor ({label}) cpu {cpu:7.2f} s  wall {wall:7.2f} s  {cpu / n * 1000:6.2f} ms/workbook  "
            f"(best of 2: {tried[0][0]:.2f} / {tried[1][0]:.2f} s; read {n} inputs, "
            f"wrote {len(outputs)} workbooks, {cells} cells)"
        )
    results: dict[int, dict[str, float]] = {}
    for jobs, measured in trials.items():
        r = results[jobs] = dict(min(measured, key=lambda t: t["cpu"]))
        r["peak_mib"] = max(t["peak_mib"] for t in measured)
        r["largest_process_mib"] = max(t["largest_process_mib"] for t in measured)
        print(
            f"xltool  --jobs {jobs}: cpu {r['cpu']:7.2f} s  wall {r['wall']:7.2f} s  "
            f"{r['cpu'] / n * 1000:6.2f} ms/workbook cpu  {r['wall'] / n * 1000:6.2f} ms/workbook wall  "
            f"(best of 2: {measured[0]['cpu']:.2f} / {measured[1]['cpu']:.2f} s)  "
            f"peak {r['peak_mib']:.0f} MiB (PSS, all processes; "
            f"largest process {r['largest_process_mib']:.0f} MiB)  "
            f"cpu ratio to floor: {r['cpu'] / floors['all cells']:.2f} "
            f"(all cells), {r['cpu'] / floors['values']:.2f} (values only)"
        )
    if len(results) == 2:
        print(
            f"speed-up --jobs {args.jobs} over --jobs 1 (wall): "
            f"{results[1]['wall'] / results[args.jobs]['wall']:.2f}×"
        )
    if bare:
        without = min(t["cpu"] for t in bare)
        with_ = results[args.jobs]["cpu"]
        wall = min(t["wall"] for t in bare)
        per_department = (with_ - without) / args.departments * 1000
        print(
            f"without documents --jobs {args.jobs}: cpu {without:7.2f} s  wall {wall:7.2f} s  "
            f"cpu ratio to floor: {without / floors['all cells']:.2f} (all cells)  |  "
            f"with / without documents: {with_ / without:.2f}  ({per_department:.1f} ms cpu per department)"
        )
    print(results[args.jobs]["stdout"])
    if args.incremental:
        incremental(src, work, args.jobs, args.incremental, results[args.jobs])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def incremental(src: Path, work: Path, jobs: int, changed: int, full: dict[str, float]) -> None:
    """Change ``changed`` departments (their forms regenerated with other figures), re-run with --previous."""
    seed = sample_forms.taoyuan_2022()
    folders = sorted(p for p in src.iterdir() if p.is_dir())
    step = max(1, len(folders) // changed)
    for n, folder in enumerate(folders[::step][:changed]):
        dept = sample_forms.vary(seed, 100_000 + n)
        shutil.rmtree(folder)
        sample_forms.write_department(folder, dataclasses.replace(dept, name=folder.name))
    previous = work / f"out-j{jobs}"
    trials = [
        run_xltool(src, work / "out-incremental", jobs, ("--previous", str(previous))) for _ in range(2)
    ]
    r = min(trials, key=lambda t: t["cpu"])
    print(
        f"incremental re-run ({changed} of {len(folders)} departments changed, --previous): "
        f"cpu {r['cpu']:7.2f} s  wall {r['wall']:7.2f} s  "
        f"(best of 2: {trials[0]['cpu']:.2f} / {trials[1]['cpu']:.2f} s)  "
        f"ratio to the full run: cpu {r['cpu'] / full['cpu']:.3f}, wall {r['wall'] / full['wall']:.3f}"
    )
    print(r["stdout"])


if __name__ == "__main__":
    main()
