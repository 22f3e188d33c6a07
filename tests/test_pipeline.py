"""The run itself: a dying worker does not stop the batch; leftovers of a killed run are cleared."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import xltool.read.worker
from xltool.model.records import WorkbookRead
from xltool.read.intake import Source
from xltool.run.pipeline import reconcile
from xltool.run.plan import chunk_size
from xltool.run.spool import SPOOL_PREFIX
from xltool.run.workers import MSG_WORKER_DIED
from xltool.write.summary_looks import HEADER_ROW

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_kills_its_process_becomes_an_error_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    killer = src / "桃源县自然资源局" / "崩溃.xlsx"
    shutil.copy(src / "桃源县自然资源局" / "附件2 部门整体支出绩效自评表.xlsx", killer)
    original = xltool.read.worker.read_source

    def read_source(source: Source) -> WorkbookRead:
        if source.path.name == killer.name:
            os._exit(3)  # as a parser aborting the whole process would
        return original(source)

    monkeypatch.setattr(xltool.read.worker, "read_source", read_source)
    result = reconcile(src, tmp_path / "out", jobs=jobs)
    inputs = {i["file"]: i for i in result.report["inputs"]}
    assert inputs["桃源县自然资源局/崩溃.xlsx"]["status"] == "error"
    assert inputs["桃源县自然资源局/崩溃.xlsx"]["message"] == MSG_WORKER_DIED
    statuses = [i["status"] for f, i in inputs.items() if f != "桃源县自然资源局/崩溃.xlsx"]
    assert statuses == ["skipped", "ok", "ok", "ok", "ok"]  # README.md skipped, the written report read
    (department,) = result.report["departments"]
    assert department["department_table"]["score"] == 92.53
    assert len(department["projects"]) == 4


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / f"{SPOOL_PREFIX}abc").mkdir(parents=True)
    (out / f"{SPOOL_PREFIX}abc" / "0.pkl").write_bytes(b"x")
    (out / "桃源县自然资源局").mkdir()
    half = out / "桃源县自然资源局" / ".xltool-123.xlsx.part"
    half.write_bytes(b"half")
    mine = out / "审核人笔记.txt"
    mine.write_text("留着", encoding="utf-8")
    reconcile(SAMPLES, out, jobs=1)
    assert not half.exists()
    assert not list(out.glob(f"{SPOOL_PREFIX}*"))
    assert mine.read_text(encoding="utf-8") == "留着"


def test_chunk_size_gives_each_process_whole_rounds_of_chunks() -> None:
    assert chunk_size(1000, 2) == 100  # 10 chunks: 5 rounds of 2
    assert chunk_size(1100, 2) == 92  # 12 chunks: 6 rounds of 2
    assert chunk_size(200, 2) == 100  # 2 chunks: one round
    assert chunk_size(200, 1) == 100
    assert chunk_size(10, 2) == 20


def test_spooled_records_come_back_equal(tmp_path: Path) -> None:
    """What a reader process spools (several records to one file) reads back equal, in any order."""
    from xltool.model.values import Qualitative, Quantity
    from xltool.run.spool import load_reads, spool_read

    reads = [xltool.read.reader.read_file(p, SAMPLES) for p in sorted(SAMPLES.rglob("*.xlsx"))]
    spooled = [spool_read(str(tmp_path), read) for read in reads]
    assert len({path for path, _, _ in spooled}) == 1  # one spool file per process
    assert load_reads(spooled[::-1]) == reads[::-1]
    targets = [i.target for r in reads for s in r.sheets for i in s.indicators]
    assert any(isinstance(t, Quantity) for t in targets)  # values inside the records survive too
    assert any(isinstance(t, Qualitative) for t in targets)  # (a record of one field, pickled apart)


def _blocked(out: Path, relative: str) -> None:
    """A folder (with a file in it) where the run wants to write a file: the write fails."""
    (out / relative).mkdir(parents=True)
    (out / relative / "占位.txt").write_text("x", encoding="utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_scored_workbook_not_written_is_reported_everywhere(tmp_path: Path, jobs: int) -> None:
    """The result, report.json, the summary workbook and the command line all say which and why."""
    import openpyxl
    from typer.testing import CliRunner

    from xltool.cli import app
    from xltool.write.atomic import not_written
    from xltool.write.summary import SUMMARY_NAME

    out = tmp_path / "out"
    blocked = "桃源县自然资源局/附件3 项目支出绩效自评表.xlsx"
    _blocked(out, blocked)
    result = reconcile(SAMPLES, out, jobs=jobs)
    assert list(result.failed) == [blocked]
    assert result.failed[blocked] == not_written("评分工作簿", IsADirectoryError(21, "Is a directory"))
    assert result.failed[blocked].startswith(
        "评分工作簿未能写出（路径被同名文件夹占用）；输出文件夹中有与评分工作簿同名的文件夹"
    )
    assert blocked not in result.written and result.has_errors and result.counts()["outputs_failed"] == 1
    scored = {i["file"]: i["scored"] for i in result.report["inputs"] if "scored" in i}  # workbooks only
    assert [(s["file"], s["status"]) for s in scored.values()] == [
        ("桃源县自然资源局/附件1 部门整体支出绩效评价基础数据表.xlsx", "ok"),
        ("桃源县自然资源局/附件2 部门整体支出绩效自评表.xlsx", "ok"),
        (blocked, "error"),
    ]
    assert scored[blocked]["message"] == result.failed[blocked]
    sheet = openpyxl.load_workbook(out / SUMMARY_NAME)["文件读取情况"]
    rows = {row[0]: row[3] for row in sheet.iter_rows(min_row=HEADER_ROW + 2, values_only=True)}
    assert result.failed[blocked] in rows[blocked]

    cli = CliRunner().invoke(app, ["reconcile", str(SAMPLES), "-o", str(out), "--jobs", str(jobs)])
    assert cli.exit_code == 1
    assert f"{blocked}：评分工作簿未能写出（路径被同名文件夹占用）" in cli.stderr


def test_the_run_files_not_written_are_in_the_result(tmp_path: Path) -> None:
    """report.json and 审核汇总.xlsx that cannot be written: the run still ends, with both in ``failed``."""
    out = tmp_path / "out"
    for output in ("report.json", "审核汇总.xlsx"):
        _blocked(out, output)
    result = reconcile(SAMPLES, out, jobs=2)
    assert sorted(result.failed) == ["report.json", "审核汇总.xlsx"]
    assert result.failed["report.json"].startswith("report.json未能写出（路径被同名文件夹占用）")
    assert result.failed["审核汇总.xlsx"].startswith("审核汇总工作簿未能写出（路径被同名文件夹占用）")
    assert len([w for w in result.written if w.endswith(".xlsx") and "/" in w]) == 3  # the scored workbooks
    assert "report.json" not in result.written and "审核汇总.xlsx" not in result.written
