"""Intake (cycle.md): every file accounted for, zip packages, files set aside, earlier outputs, copies."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from conftest import CLEAN_INDICATORS, project_sheet, replace_indicator, write_rows
from typer.testing import CliRunner

from xltool.cli import app

runner = CliRunner()
PROJECT_FILE = "附件3 项目支出绩效自评表.xlsx"


def run(*args: object) -> tuple[int, str]:
    """xltool through the CLI: (exit code, output)."""
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def report(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "report.json").read_text(encoding="utf-8")))


def inputs(out: Path) -> dict[str, tuple[str, str | None]]:
    """file → (status, message) of report.json's inputs."""
    return {i["file"]: (i["status"], i["message"]) for i in report(out)["inputs"]}


def project_bytes(tmp: Path, **figures: Any) -> bytes:
    """A small 附件3 workbook's bytes."""
    path = write_rows(tmp / "p.xlsx", {"测试项目": project_sheet(**figures)})
    data = path.read_bytes()
    path.unlink()
    return data


class GbkName(zipfile.ZipInfo):
    """A zip member named in GBK without the UTF-8 flag, as zips made on Chinese Windows are."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits


def test_zip_members_are_read_with_the_readers_defences(tmp_path: Path) -> None:
    data = project_bytes(tmp_path)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("内层/附件3.xlsx", project_bytes(tmp_path, project="内层项目"))
        deeper = io.BytesIO()
        with zipfile.ZipFile(deeper, "w") as d:
            d.writestr("最里层.xlsx", data)
        z.writestr("再套一层.zip", deeper.getvalue())
    src = tmp_path / "in"
    src.mkdir()
    with zipfile.ZipFile(src / "测试局材料.zip", "w") as z:
        z.writestr(GbkName("测试局/附件3 项目支出绩效自评表.xlsx"), data)
        z.writestr("../逃逸.xlsx", data)
        z.writestr("套娃.zip", inner.getvalue())
        z.writestr("__MACOSX/._附件3.xlsx", b"junk")
        z.writestr("说明.pdf", b"%PDF-1.4")
    code, output = run("reconcile", src, "-o", tmp_path / "out")
    assert code == 0, output
    found = inputs(tmp_path / "out")
    assert {f: s for f, (s, _) in found.items()} == {
        "测试局材料.zip/测试局/附件3 项目支出绩效自评表.xlsx": "ok",
        "测试局材料.zip/../逃逸.xlsx": "error",
        "测试局材料.zip/套娃.zip/内层/附件3.xlsx": "ok",
        "测试局材料.zip/套娃.zip/再套一层.zip": "skipped",
        "测试局材料.zip/说明.pdf": "skipped",
    }
    assert "压缩包以外" in str(found["测试局材料.zip/../逃逸.xlsx"][1])
    assert "嵌套" in str(found["测试局材料.zip/套娃.zip/再套一层.zip"][1])
    projects = {p["name"] for d in report(tmp_path / "out")["departments"] for p in d["projects"]}
    assert projects == {"测试项目", "内层项目"}
    # The scored copy of a member sits under the archive's name, as if it were a folder.
    assert (tmp_path / "out" / "测试局材料.zip" / "测试局" / PROJECT_FILE).is_file()


def test_a_zip_bomb_and_a_broken_zip_are_refused_without_stopping_the_batch(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    with zipfile.ZipFile(src / "炸弹.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xlsx", b"\0" * (12 * 1024 * 1024))
    (src / "坏.zip").write_bytes(b"PK\x03\x04 not a zip")
    write_rows(src / PROJECT_FILE, {"测试项目": project_sheet()})
    code, output = run("reconcile", src, "-o", tmp_path / "out")
    assert code == 0, output
    found = inputs(tmp_path / "out")
    assert found["炸弹.zip"][0] == "error" and "压缩炸弹" in str(found["炸弹.zip"][1])
    assert found["坏.zip"][0] == "error" and "损坏" in str(found["坏.zip"][1])
    assert found[PROJECT_FILE][0] == "ok"


def test_every_other_file_is_listed_with_what_to_do(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_rows(src / "测试局" / PROJECT_FILE, {"测试项目": project_sheet()})
    for name in ("报表.et", "材料.rar", "材料.7z", "数据.csv", "旧报告.doc", "扫描件.pdf", "盖章页.jpg"):
        (src / "测试局" / name).write_bytes(b"x")
    (src / "测试局" / ".DS_Store").write_bytes(b"x")
    code, output = run("reconcile", src, "-o", tmp_path / "out")
    assert code == 0, output
    found = inputs(tmp_path / "out")
    assert "测试局/.DS_Store" not in found  # hidden files are ignored
    assert {f.rsplit("/", 1)[-1]: s for f, (s, _) in found.items()} == {
        PROJECT_FILE: "ok",
        "报表.et": "skipped",
        "材料.rar": "skipped",
        "材料.7z": "skipped",
        "数据.csv": "skipped",
        "旧报告.doc": "skipped",
        "扫描件.pdf": "skipped",
        "盖章页.jpg": "skipped",
    }
    assert "请在 WPS 中另存为 .xlsx" in str(found["测试局/报表.et"][1])
    assert ".zip" in str(found["测试局/材料.rar"][1])
    assert "跳过的文件 7 个" in output


def test_an_earlier_output_inside_the_input_is_skipped_as_a_whole(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_rows(src / "测试局" / PROJECT_FILE, {"测试项目": project_sheet(total_score=99)})
    code, _ = run("reconcile", src, "-o", src / "xltool-output")
    assert code == 0
    first = report(src / "xltool-output")
    # An earlier run's OUT moved into the input folder under another name: one entry, nothing read.
    shutil.copytree(src / "xltool-output", src / "上次结果")
    code, output = run("reconcile", src, "-o", src / "xltool-output")
    assert code == 0, output
    second = report(src / "xltool-output")
    assert inputs(src / "xltool-output")["上次结果/"][0] == "skipped"
    assert not any(f.startswith("xltool-output") for f in inputs(src / "xltool-output"))
    assert [p["name"] for d in second["departments"] for p in d["projects"]] == ["测试项目"]
    assert len(second["findings"]) == len(first["findings"])


def test_a_returned_scored_workbook_is_read_as_the_forms_however_many_rounds(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_rows(src / "测试局" / PROJECT_FILE, {"测试项目": project_sheet(total_score=99)})
    outs = [tmp_path / "out0"]
    assert run("reconcile", src, "-o", outs[0])[0] == 0
    for n in range(1, 4):  # each round sends back the scored copy of the round before
        back = tmp_path / f"in{n}" / "测试局"
        back.mkdir(parents=True)
        shutil.copy(outs[-1] / "测试局" / PROJECT_FILE, back / PROJECT_FILE)
        outs.append(tmp_path / f"out{n}")
        assert run("reconcile", back.parent, "-o", outs[-1])[0] == 0
    first, last = report(outs[0]), report(outs[-1])
    assert [(f["rule"], f["key"]) for f in last["findings"]] == [
        (f["rule"], f["key"]) for f in first["findings"]
    ]
    assert last["departments"][0]["projects"][0]["score"] == first["departments"][0]["projects"][0]["score"]
    sheets = [s for i in last["inputs"] for s in i["sheets"]]
    assert [(s["sheet"], s["status"]) for s in sheets] == [("测试项目", "ok")]  # no 审核结果 as a form
    assert inputs(outs[-1])[f"测试局/{PROJECT_FILE}"] == ("ok", None)
    widths = []
    for out in (outs[0], outs[-1]):
        wb = openpyxl.load_workbook(out / "测试局" / PROJECT_FILE)
        widths.append([(ws.title, ws.max_row, ws.max_column) for ws in wb])
    assert widths[0] == widths[1]  # no side panel growing round by round


def _copies(folder: Path, original: dict[str, Any], revised: dict[str, Any]) -> None:
    write_rows(folder / PROJECT_FILE, {"测试项目": project_sheet(**original)})
    write_rows(folder / "附件3 项目支出绩效自评表（修改版）.xlsx", {"测试项目": project_sheet(**revised)})


def with_date(rows: list[list[object]], date: str) -> list[list[object]]:
    return [*rows, [], ["填表人：张三", None, "填报日期：", date]]


def test_of_two_copies_the_later_filled_one_is_used_and_the_other_set_aside(tmp_path: Path) -> None:
    src = tmp_path / "in" / "测试局"
    wrong = replace_indicator(CLEAN_INDICATORS, "完成数量", score=25)  # an overstated score
    # The revision is the older file on disk, but its 填报日期 is later: it is the one kept.
    write_rows(
        src / "附件3 项目支出绩效自评表（修改版）.xlsx",
        {"测试项目": with_date(project_sheet(), "2023年3月20日")},
    )
    write_rows(src / PROJECT_FILE, {"测试项目": with_date(project_sheet(indicators=wrong), "2023-03-01")})
    os.utime(src / PROJECT_FILE, (2_000_000_000, 2_000_000_000))
    code, output = run("reconcile", src.parent, "-o", tmp_path / "out")
    assert code == 0, output
    result = report(tmp_path / "out")
    found = inputs(tmp_path / "out")
    assert found[f"测试局/{PROJECT_FILE}"][0] == "superseded"
    assert "附件3 项目支出绩效自评表（修改版）.xlsx" in str(found[f"测试局/{PROJECT_FILE}"][1])
    duplicates = [f for f in result["findings"] if f["rule"] == "I-DUPLICATE"]
    assert [(f["severity"], f["file"]) for f in duplicates] == [
        ("warning", "测试局/附件3 项目支出绩效自评表（修改版）.xlsx")
    ]
    assert PROJECT_FILE in duplicates[0]["message"] and "填报日期" in duplicates[0]["message"]
    # Nothing of the set-aside copy is used: no finding of it, one project, its score from the revision.
    assert {f["file"] for f in result["findings"]} == {"测试局/附件3 项目支出绩效自评表（修改版）.xlsx"}
    assert not any(f["rule"] == "C-SCORE-OVER" for f in result["findings"])
    assert [p["self_score"] for d in result["departments"] for p in d["projects"]] == [100]
    assert "被新版本替代的文件 1 个" in output
    assert not (tmp_path / "out" / "测试局" / PROJECT_FILE).exists()


def test_without_dates_the_later_modified_copy_is_kept(tmp_path: Path) -> None:
    src = tmp_path / "in" / "测试局"
    _copies(src, {"total_score": 90}, {"total_score": 100})
    os.utime(src / PROJECT_FILE, (2_000_000_000, 2_000_000_000))  # the "original" was saved last
    assert run("reconcile", src.parent, "-o", tmp_path / "out")[0] == 0
    found = inputs(tmp_path / "out")
    assert found["测试局/附件3 项目支出绩效自评表（修改版）.xlsx"][0] == "superseded"
    assert found[f"测试局/{PROJECT_FILE}"][0] == "ok"
    message = next(f for f in report(tmp_path / "out")["findings"] if f["rule"] == "I-DUPLICATE")["message"]
    assert "修改时间最晚" in message
