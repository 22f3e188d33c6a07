"""Two written reports of one department: the one dated latest (else modified latest, else last by name)
is checked and annotated; the other is ``superseded`` with a message naming the one kept, also across
``--previous`` runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import docx
from conftest import SAMPLE
from typer.testing import CliRunner

from xltool.cli import app
from xltool.read.duplicates import written_date
from xltool.run.pipeline import reconcile
from xltool.run.plan import InputEntry, superseded_reports

A = "桃源县自然资源局"
ORIGINAL = f"{A}/{A}2022年度部门整体支出绩效自评报告.docx"
REVISED = f"{A}/{A}2022年度部门整体支出绩效自评报告（修改稿）.docx"
OLD, NEW = 1_700_000_000, 1_700_086_400  # modification times a day apart


def _report(target: Path, score: str = "91.53", signed: str | None = None, mtime: int = OLD) -> None:
    """The sample's report with its self-score written as ``score`` and a 落款 date, if any."""
    document = docx.Document(str(SAMPLE / f"{A}2022年度部门整体支出绩效自评报告.docx"))
    for paragraph in document.paragraphs:
        if "91.53分" in paragraph.text:
            paragraph.text = paragraph.text.replace("91.53分", f"{score}分")
    if signed is not None:
        document.add_paragraph(A)
        document.add_paragraph(signed)
    document.save(str(target))
    os.utime(target, (mtime, mtime))


def _batch(root: Path) -> Path:
    """The sample's forms in ``root``/A, without a report yet."""
    (root / A).mkdir(parents=True)
    for form in SAMPLE.glob("*.xlsx"):
        shutil.copy(form, root / A)
    return root


def _inputs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["file"]: i for i in report["inputs"]}


def _rules(report: dict[str, Any], file: str) -> list[str]:
    return [f["rule"] for f in report["findings"] if f["file"] == file]


def test_the_report_modified_last_is_checked_and_the_other_is_superseded(tmp_path: Path) -> None:
    root = _batch(tmp_path / "in")
    _report(root / ORIGINAL, mtime=OLD)
    _report(root / REVISED, score="93.15", mtime=NEW)  # a self-score the forms do not have
    result = CliRunner().invoke(app, ["reconcile", str(root), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "书面自评报告 1 份" in result.output and "被新版本替代的文件 1 个" in result.output
    import json

    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    inputs = _inputs(report)
    assert (inputs[REVISED]["status"], inputs[REVISED]["message"]) == ("ok", None)
    assert inputs[REVISED]["annotated"]["status"] == "ok"
    assert "N-SELF-SCORE" in _rules(report, REVISED)
    old = inputs[ORIGINAL]
    assert (old["status"], old["kind"], old["department"]) == ("superseded", "report", A)
    assert "annotated" not in old and _rules(report, ORIGINAL) == []
    assert f"另有一份书面自评报告“{REVISED}”" in old["message"]
    assert "修改时间更晚" in old["message"] and "请将其移出输入文件夹" in old["message"]
    annotated = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.docx")}
    assert inputs[REVISED]["annotated"]["file"] in annotated
    assert not any("修改稿" not in f and f.startswith(A + "/") for f in annotated)  # no copy of the other
    batch = "".join(p.text for p in docx.Document(str(tmp_path / "out" / "审核报告.docx")).paragraphs)
    assert "同一部门另有一份而未核对的书面报告1份" in batch and "被同一表格的新版本替代" not in batch


def test_the_dates_written_in_the_reports_decide_against_their_modification_times(tmp_path: Path) -> None:
    root = _batch(tmp_path / "in")
    _report(root / ORIGINAL, signed="2023年3月10日", mtime=OLD)  # dated later, saved earlier
    _report(root / REVISED, score="93.15", signed="2023年3月5日", mtime=NEW)
    result = reconcile(root, tmp_path / "out", jobs=1)
    inputs = _inputs(result.report)
    assert inputs[ORIGINAL]["status"] == "ok" and inputs[REVISED]["status"] == "superseded"
    assert (
        f"“{ORIGINAL}”" in inputs[REVISED]["message"] and "落款或填报日期更晚" in inputs[REVISED]["message"]
    )
    assert _rules(result.report, REVISED) == [] and "N-SELF-SCORE" not in _rules(result.report, ORIGINAL)
    assert result.counts()["reports"] == 1 and result.counts()["inputs_superseded"] == 1


def test_previous_reuses_the_choice_and_checks_again_when_a_report_changes(tmp_path: Path) -> None:
    root = _batch(tmp_path / "in")
    _report(root / ORIGINAL, signed="2023年3月10日", mtime=OLD)
    first = reconcile(root, tmp_path / "r1", jobs=1)
    assert _inputs(first.report)[ORIGINAL]["status"] == "ok"
    # A 修改稿 arrives, saved later but dated earlier: the original (read by r1, whose report.json keeps
    # no date) still wins on its date.
    _report(root / REVISED, score="93.15", signed="2023年3月5日", mtime=NEW)
    second = reconcile(root, tmp_path / "r2", jobs=1, previous=tmp_path / "r1")
    assert second.counts()["departments_reused"] == 0
    assert [_inputs(second.report)[f]["status"] for f in (ORIGINAL, REVISED)] == ["ok", "superseded"]
    third = reconcile(root, tmp_path / "r3", jobs=1, previous=tmp_path / "r2")
    assert third.counts()["departments_reused"] == 1
    assert [_inputs(third.report)[f]["status"] for f in (ORIGINAL, REVISED)] == ["ok", "superseded"]
    assert _rules(third.report, REVISED) == []
    # The 修改稿 re-dated: the department is checked again and the 修改稿 is the report kept.
    _report(root / REVISED, score="93.15", signed="2023年3月20日", mtime=NEW)
    fourth = reconcile(root, tmp_path / "r4", jobs=1, previous=tmp_path / "r3")
    assert fourth.counts()["departments_reused"] == 0
    assert [_inputs(fourth.report)[f]["status"] for f in (ORIGINAL, REVISED)] == ["superseded", "ok"]
    assert "N-SELF-SCORE" in _rules(fourth.report, REVISED)


def test_the_date_a_report_gives_as_its_own() -> None:
    body = ["2022年度某局整体支出绩效自评报告", "2022年12月31日前完成全部整改。", "一、基本情况"]
    assert written_date(body) is None  # a date in the text is no 落款
    assert written_date([*body, "某局", "2023年3月5日"]) == "2023-03-05"
    assert written_date([*body, "某局（盖章）  2023.3.5"]) == "2023-03-05"
    assert written_date(["填报日期：2023年4月1日", *body, "2023年3月5日"]) == "2023-04-01"  # the latest
    assert written_date([*body, "2023年2月30日"]) is None


def test_names_decide_in_natural_order_when_nothing_else_does() -> None:
    entries = [
        InputEntry(i, f"报告/某局绩效自评报告({n}).txt", "ok", "report", None, (), ())
        for i, n in enumerate((2, 10, 9))
    ]
    keys = {e.index: ["某局"] for e in entries}
    aside = superseded_reports(entries, keys, dict.fromkeys(keys, 5.0))
    assert sorted(aside) == [0, 2]
    assert "“报告/某局绩效自评报告(10).txt”" in aside[0] and "文件名排序在后" in aside[0]
