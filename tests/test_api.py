"""The library (api.md): xltool.read, xltool.check and xltool.reconcile called as a notebook would."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import pytest
from conftest import SAMPLE, write_rows

import xltool

DOCUMENTED = {
    "CheckResult",
    "Department",
    "Finding",
    "InputFile",
    "InputNotFound",
    "ProfileError",
    "Project",
    "RunResult",
    "Sheet",
    "Workbook",
    "XltoolError",
    "__version__",
    "check",
    "draft",
    "read",
    "reconcile",
}


def _sample(tmp_path: Path) -> Path:
    folder = tmp_path / "自评表" / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    return folder.parent


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_import_is_cheap_and_exports_the_documented_names() -> None:
    code = (
        "import sys, xltool\n"
        "print('pandas' in sys.modules, 'numpy' in sys.modules, 'xltool.api' in sys.modules)\n"
        "print(sorted(xltool.__all__) == sorted(dir(xltool)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "False", "True"]
    assert set(xltool.__all__) == DOCUMENTED
    assert all(getattr(xltool, name) is not None for name in DOCUMENTED)
    with pytest.raises(AttributeError):
        _ = xltool.no_such_name  # type: ignore[attr-defined]


def test_read_gives_forms_skipped_sheets_and_frames(tmp_path: Path) -> None:
    book = xltool.read(SAMPLE / "附件3 项目支出绩效自评表.xlsx")
    assert (book.file, book.status, book.kind, book.message) == (
        "附件3 项目支出绩效自评表.xlsx",
        "ok",
        "project",
        None,
    )
    assert [(s.name, s.kind, s.status) for s in book.sheets] == [
        ("旱改水项目", "project", "ok"),
        ("矿山生态修复", "project", "ok"),
        ("废弃矿硐封堵", "project", "ok"),
        ("地质灾害应急治理", "project", "ok"),
        ("填表说明", None, "skipped"),
    ]
    assert "说明页" in (book.sheets[-1].message or "")
    frames = book.frames()
    assert sorted(frames) == ["figures", "forms", "indicators", "texts"]
    for frame in frames.values():
        assert {"file", "sheet", "cell"} <= set(frame.columns)
        assert (frame["file"] == book.file).all()
    for name in ("figures", "texts", "indicators"):
        assert (frames[name]["cell"] != "").all(), name
    figures = frames["figures"].set_index(["sheet", "block", "row", "column"])
    first = figures.loc[("旱改水项目", "budget", "total", "executed")]
    assert (first["cell"], first["value"], first["row_label"], first["column_label"]) == (
        "F6",
        3279.93,
        "年度资金总额",
        "全年执行数",
    )
    indicators = frames["indicators"]
    row = indicators[(indicators["sheet"] == "旱改水项目") & (indicators["name"] == "新增水田面积")].iloc[0]
    assert (row["cell"], row["target"], row["actual"], row["weight"], row["target_cell"]) == (
        "D13",
        "≥2164.95亩",
        "2164.95亩",
        8.0,
        "E13",
    )
    texts = frames["texts"].set_index(["sheet", "key"])
    assert (texts.loc[("旱改水项目", "project"), "value"], texts.loc[("旱改水项目", "project"), "cell"]) == (
        "2021年度旱改水项目",
        "C3",
    )


def test_read_of_a_bad_file_is_a_result_and_of_a_missing_one_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    book = xltool.read(bad)
    assert (book.status, book.kind, book.sheets) == ("error", None, ())
    assert "xlsx" in (book.message or "")
    assert all(frame.empty for frame in book.frames().values())
    with pytest.raises(xltool.InputNotFound) as caught:
        xltool.read(tmp_path / "没有.xlsx")
    assert isinstance(caught.value, xltool.XltoolError) and "没有.xlsx" in str(caught.value)
    with pytest.raises(xltool.XltoolError, match=r"xltool\.check"):
        xltool.read(tmp_path)


def test_check_writes_nothing_and_gives_the_report_of_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = _sample(tmp_path)
    before = _tree(inputs)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = xltool.check(inputs, profile="mof2020", jobs=1)
    assert list(cwd.iterdir()) == [] and _tree(inputs) == before
    assert [(i.file.split("/")[-1][:3], i.status) for i in result.inputs] == [
        ("桃源县", "ok"),  # the written report (.docx), checked against the forms (family N)
        ("附件1", "ok"),
        ("附件2", "ok"),
        ("附件3", "ok"),
    ]
    (department,) = result.departments
    assert (department.name, department.year, department.score, department.grade) == (
        "桃源县自然资源局",
        2022,
        92.53,
        "优",
    )
    project = department.projects[0]
    assert (project.name, project.sheet, project.execution_rate, project.self_score) == (
        "2021年度旱改水项目",
        "旱改水项目",
        0.826,
        100.0,
    )
    assert result.counts() == {
        "error": 4,
        "warning": 15,  # with the written report's N-RATE-COUNTS
        "info": 5,
        "inputs_ok": 4,
        "departments": 1,
        "projects": 4,
    }
    assert result.has_errors
    frame = result.findings_frame()
    assert len(frame) == len(result.findings) == 24
    assert list(frame[["rule", "sheet", "cell"]].fillna("").itertuples(index=False, name=None)) == [
        (f.rule, f.sheet, f.cell) for f in result.findings
    ]

    report = _run_report(inputs, tmp_path / "审核结果")
    assert result.report == report
    assert json.loads(result.to_json()) == report
    without_scored = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    assert result.to_json() == without_scored


def _run_report(inputs: Path, out: Path) -> dict[str, object]:
    """report.json of a run over ``inputs``, without what only a run has (the files it wrote)."""
    xltool.reconcile(inputs, out, profile="mof2020", jobs=1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for finding in report["findings"]:  # where the scored workbooks (the annotated report) are: a run's only
        if finding["status"] != "superseded":
            assert finding.pop("scored")["file"].endswith((".xlsx", ".docx"))
    for item in report["inputs"]:  # the written report's annotated copy, also a run's only
        if item["status"] == "ok":
            assert item.pop("scored" if item["kind"] != "report" else "annotated")["file"].endswith(
                (".xlsx", ".docx")
            )
    for record in report["departments"]:  # and its 审核意见书 (documents.md)
        assert record.pop("letter") == f"审核意见书/{record['name']}.docx"
    return dict(report)


def test_check_resolves_copies_and_second_reports_as_a_run_does(tmp_path: Path) -> None:
    """A form sent twice and a report sent twice: the check keeps the copies a run keeps."""
    inputs = _sample(tmp_path)
    folder = inputs / SAMPLE.name
    basic = folder / "附件1 部门整体支出绩效评价基础数据表.xlsx"
    shutil.copy(basic, folder / "附件1 部门整体支出绩效评价基础数据表（修改版）.xlsx")
    (report,) = folder.glob("*自评报告*.docx")
    shutil.copy(report, folder / f"{report.stem}（修改稿）.docx")
    old = 1_600_000_000  # the originals older: the copies are the ones kept
    os.utime(basic, (old, old))
    os.utime(report, (old, old))
    result = xltool.check(inputs, profile="mof2020", jobs=1)
    statuses = {i.file.split("/")[-1]: i.status for i in result.inputs}
    assert {name: status for name, status in statuses.items() if "修改" not in name} == {
        report.name: "superseded",
        basic.name: "superseded",
        "附件2 部门整体支出绩效自评表.xlsx": "ok",
        "附件3 项目支出绩效自评表.xlsx": "ok",
    }
    assert {"I-DUPLICATE"} <= {f.rule for f in result.findings}
    assert result.report == _run_report(inputs, tmp_path / "审核结果")


def test_check_of_a_list_names_files_from_their_common_folder(tmp_path: Path) -> None:
    inputs = _sample(tmp_path)
    other = tmp_path / "自评表" / "另一局"
    other.mkdir()
    shutil.copy(SAMPLE / "附件3 项目支出绩效自评表.xlsx", other)
    project = inputs / SAMPLE.name / "附件3 项目支出绩效自评表.xlsx"
    result = xltool.check([project, other, project], jobs=2)
    assert [(i.file, i.kind) for i in result.inputs] == [
        (f"{SAMPLE.name}/附件3 项目支出绩效自评表.xlsx", "project"),
        ("另一局/附件3 项目支出绩效自评表.xlsx", "project"),
    ]


def test_check_raises_the_library_errors(tmp_path: Path) -> None:
    with pytest.raises(xltool.InputNotFound):
        xltool.check([SAMPLE, tmp_path / "没有"])
    with pytest.raises(xltool.ProfileError) as caught:
        xltool.check(SAMPLE, profile="没有这个规则")
    assert isinstance(caught.value, xltool.XltoolError)
    with pytest.raises(xltool.InputNotFound):
        xltool.reconcile(tmp_path / "没有", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_call_leaves_the_process_as_it_was(tmp_path: Path) -> None:
    """No signal handler, standard stream or collector state of the caller changes (api.md)."""
    slow = tmp_path / "慢"
    slow.mkdir()
    write_rows(slow / "空表.xlsx", {"Sheet1": [["无关内容"]]})

    def handler(signum: int, frame: FrameType | None) -> None:
        raise AssertionError("the caller's SIGALRM handler ran")

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        stderr_before = os.fstat(2)
        thresholds = gc.get_threshold()
        xltool.read(SAMPLE / "附件1 部门整体支出绩效评价基础数据表.xlsx")
        xltool.check(slow, jobs=1)
        xltool.reconcile(slow, tmp_path / "out", jobs=2)
        xltool.reconcile(SAMPLE, tmp_path / "in-process", jobs=1, documents=False)  # chunks in this process
        assert gc.get_threshold() == thresholds and gc.isenabled()
        assert signal.getsignal(signal.SIGALRM) is handler
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        stderr_after = os.fstat(2)
        assert (stderr_after.st_dev, stderr_after.st_ino) == (stderr_before.st_dev, stderr_before.st_ino)
        assert gc.get_freeze_count() == 0
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_runs_in_one_process_give_the_same_outputs(tmp_path: Path, jobs: int) -> None:
    """The output folder deleted between two reconcile() calls: the second writes everything again."""
    inputs, out = _sample(tmp_path), tmp_path / "审核结果"
    first = xltool.reconcile(inputs, out, jobs=jobs)
    written = _tree(out)
    shutil.rmtree(out)
    second = xltool.reconcile(inputs, out, jobs=jobs)
    assert _tree(out) == written
    assert sorted(written) == sorted(first.written) == sorted(second.written)
    assert [name.split("/")[-1][:3] for name in sorted(written)] == [
        ".xl",  # the manifest of what xltool wrote (cycle.md)
        "rep",
        "桃源县",  # 审核意见书/桃源县自然资源局.docx (documents.md)
        "审核报",  # 审核报告.docx
        "审核汇",
        "桃源县",  # the written report's annotated copy
        "附件1",
        "附件2",
        "附件3",
    ]
