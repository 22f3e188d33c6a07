"""Review rounds (cycle.md): explanations, --previous, incremental runs, the output folder, watch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CLEAN_INDICATORS, project_sheet, replace_indicator, write_rows
from test_cycle_intake import PROJECT_FILE, report, run

import xltool
from xltool.forms.marks import EXPLANATION_HEADER, KEY_HEADER, REVIEW_HEADER, REVIEW_SHEET
from xltool.rules.keys import is_substantive
from xltool.run import outputs
from xltool.write.summary_looks import HEADER_ROW

# Round 1 of the two-round scenario: execution 80 % stated as 100 % (errors A-RATE-STATED and
# B-EXEC-STATED, warning B-EXEC-LOW), an indicator short of its target with its score overstated
# (error C-SCORE-OVER) and no reason given (warning C-REASON-MISSING).
SHORT = replace_indicator(CLEAN_INDICATORS, "完成数量", actual="8个", score=20)
ROUND1 = {"total": (100, 100, 80, 10, 1, 10), "fiscal": (100, 100, 80, "——", 0.8, "——"), "indicators": SHORT}


def department(folder: Path, name: str = "测试局", **figures: Any) -> Path:
    """One department's 附件3 (the default project, figures changed as given)."""
    return write_rows(folder / name / PROJECT_FILE, {"测试项目": project_sheet(department=name, **figures)})


def finding(out: Path, rule: str) -> dict[str, Any]:
    hits = [f for f in report(out)["findings"] if f["rule"] == rule]
    assert len(hits) == 1, hits
    return hits[0]


def answer(scored: Path, replies: dict[str, tuple[str, str]]) -> None:
    """Fill 情况说明 / 审核意见 of a scored workbook's 审核结果 rows, by finding key, as Excel would."""
    wb = openpyxl.load_workbook(scored)
    ws = wb[REVIEW_SHEET]
    header = next(r for r in ws.iter_rows() if any(c.value == KEY_HEADER for c in r))
    col = {c.value: c.column for c in header}
    for row in ws.iter_rows(min_row=header[0].row + 1):
        key = row[col[KEY_HEADER] - 1].value
        if key in replies:
            text, verdict = replies[key]
            ws.cell(row[0].row, col[EXPLANATION_HEADER], text or None)
            ws.cell(row[0].row, col[REVIEW_HEADER], verdict or None)
    wb.save(scored)


def set_cell(scored: Path, sheet: str, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(scored)
    wb[sheet][cell] = value
    wb.save(scored)


def test_boilerplate_explanations_do_not_count() -> None:
    message = "预算执行率80.00%低于90.00%，请说明未执行原因"
    said = [
        "",
        "无",
        "已核实",
        "已核实，无误",
        "见说明",
        "同上",
        "详见附件。",
        message,
        "预算执行率80.00%低于90.00%",
    ]
    assert [is_substantive(text, message) for text in said] == [False] * len(said)
    assert is_substantive("受汛期影响工程延期，剩余20万元已于次年3月支付", message)


def test_two_rounds_fix_explanations_and_acceptance(tmp_path: Path) -> None:
    src = tmp_path / "round1"
    department(src, **ROUND1)
    out1 = tmp_path / "out1"
    code, output = run("reconcile", src, "-o", out1)
    assert code == 0, output
    keys = {rule: finding(out1, rule)["key"] for rule in ("A-RATE-STATED", "B-EXEC-STATED", "B-EXEC-LOW")}
    keys |= {rule: finding(out1, rule)["key"] for rule in ("C-SCORE-OVER", "C-REASON-MISSING")}
    assert all(f["status"] == "open" and f["round"] == "new" for f in report(out1)["findings"])
    # The department sends its scored copy back: one fix, one substantive explanation, one boilerplate
    # one, an explanation of an error; the reviewer accepts one error.
    back = tmp_path / "round2" / "测试局" / PROJECT_FILE
    back.parent.mkdir(parents=True)
    shutil.copy(out1 / "测试局" / PROJECT_FILE, back)
    over = finding(out1, "C-SCORE-OVER")["scored"]
    set_cell(back, over["sheet"], over["cell"], 16)
    answer(
        back,
        {
            keys["B-EXEC-LOW"]: ("受汛期影响工程延期，剩余20万元已于次年3月支付", ""),
            keys["C-REASON-MISSING"]: ("已核实", ""),
            keys["A-RATE-STATED"]: ("执行率按资金到位口径填报，已重新核对", ""),
            keys["B-EXEC-STATED"]: ("", "接受"),
        },
    )
    out2 = tmp_path / "out2"
    code, output = run("reconcile", back.parent.parent, "-o", out2, "--previous", out1)
    assert code == 0, output
    second = report(out2)
    standing = {f["rule"]: (f["round"], f["status"], f["review"]) for f in second["findings"]}
    assert standing["B-EXEC-LOW"] == ("persisting", "explained", None)
    assert standing["C-REASON-MISSING"] == ("persisting", "open", None)  # boilerplate does not count
    assert standing["A-RATE-STATED"] == ("persisting", "open", None)  # an error stays open …
    assert standing["B-EXEC-STATED"] == ("persisting", "explained", "接受")  # … unless accepted
    assert "C-SCORE-OVER" not in standing
    assert [(f["rule"], f["key"], f["round"]) for f in second["resolved"]] == [
        ("C-SCORE-OVER", keys["C-SCORE-OVER"], "resolved")
    ]
    assert second["resolved"][0]["current_file"] == f"测试局/{PROJECT_FILE}"
    # With the indicator's score corrected, the stated 总分 no longer adds up: that is new.
    assert [f["rule"] for f in second["findings"] if f["round"] == "new"] == ["A-TOTAL-STATED"]
    assert len(second["findings"]) == len(report(out1)["findings"])  # nothing counted twice
    counts = second["counts"]
    assert (counts["resolved"], counts["new"], counts["explained"], counts["accepted"]) == (1, 1, 2, 1)
    assert "已整改 1 项" in output and "新发现 1 项" in output
    # 整改情况 in the summary: the department's line and its persisting errors (A-RATE-STATED, A-SUM-PARTS …).
    wb = openpyxl.load_workbook(out2 / "审核汇总.xlsx", read_only=True)
    rows = [r for r in wb["整改情况"].iter_rows(values_only=True)]
    persisting = sum(1 for f in second["findings"] if f["round"] == "persisting")
    assert rows[HEADER_ROW + 1][:6] == ("测试局", 1, persisting, 1, 2, 1)
    listed = [r[4] for r in rows[rows.index(next(r for r in rows if r[0] and "仍存在的错误" in r[0])) + 2 :]]
    assert "A-RATE-STATED" in listed and "B-EXEC-STATED" not in listed
    # The next round's scored copy carries the explanations and the verdict forward.
    wb = openpyxl.load_workbook(out2 / "测试局" / PROJECT_FILE)
    ws = wb[REVIEW_SHEET]
    carried = {r[-1]: (r[-3], r[-2]) for r in ws.iter_rows(values_only=True) if r[-1] in keys.values()}
    assert carried[keys["B-EXEC-STATED"]] == (None, "接受")
    assert carried[keys["B-EXEC-LOW"]][0] == "受汛期影响工程延期，剩余20万元已于次年3月支付"


def test_the_review_columns_are_the_only_ones_open_for_typing(tmp_path: Path) -> None:
    department(tmp_path / "in", **ROUND1)
    assert run("reconcile", tmp_path / "in", "-o", tmp_path / "out")[0] == 0
    ws = openpyxl.load_workbook(tmp_path / "out" / "测试局" / PROJECT_FILE)[REVIEW_SHEET]
    assert ws.protection.sheet
    header = next(r for r in ws.iter_rows() if any(c.value == KEY_HEADER for c in r))
    col = {c.value: c.column_letter for c in header}
    first = header[0].row + 1
    assert not ws[f"{col[EXPLANATION_HEADER]}{first}"].protection.locked
    assert not ws[f"{col[REVIEW_HEADER]}{first}"].protection.locked
    assert ws[f"A{first}"].protection.locked is not False
    assert ws.column_dimensions[col[KEY_HEADER]].hidden
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == '"接受,不接受"' and col[REVIEW_HEADER] in str(validation.sqref)


def test_unchanged_departments_are_taken_from_the_previous_run(tmp_path: Path) -> None:
    src = tmp_path / "in"
    for n in range(3):
        department(src, f"第{n}局", total_score=100 - n)
    out1 = tmp_path / "out1"
    assert run("reconcile", src, "-o", out1)[0] == 0
    department(src, "第1局", total_score=95)  # one department changes
    out2 = tmp_path / "out2"
    code, output = run("reconcile", src, "-o", out2, "--previous", out1)
    assert code == 0, output
    assert "沿用上一轮结果的部门 2 个" in output
    fresh = tmp_path / "fresh"
    assert run("reconcile", src, "-o", fresh)[0] == 0

    def plain(out: Path) -> tuple[object, ...]:
        r = report(out)
        found = [{k: v for k, v in f.items() if k != "round"} for f in r["findings"]]
        return r["inputs"], r["departments"], found

    assert plain(out2) == plain(fresh)  # reused results are what a full run gives
    for name in ("第0局", "第1局", "第2局"):
        assert (out2 / name / PROJECT_FILE).is_file()


def test_output_folder_usage_errors(tmp_path: Path) -> None:
    src = tmp_path / "in"
    department(src)
    (tmp_path / "a-file").write_text("x")
    for out, words in ((src, "相同"), (tmp_path, "之内"), (tmp_path / "a-file", "已存在的文件")):
        code, output = run("reconcile", src, "-o", out)
        assert code == 2 and words in output, output
    code, output = run("reconcile", src, "-o", tmp_path / "o", "--previous", tmp_path / "nothing")
    assert code == 2 and "report.json" in output


def test_a_rerun_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    src = tmp_path / "in"
    department(src, "甲局")
    department(src, "乙局")
    out = tmp_path / "out"
    assert run("reconcile", src, "-o", out)[0] == 0
    (out / "我的笔记.txt").write_text("审核人的笔记", encoding="utf-8")
    (out / "乙局" / "批注.docx").write_bytes(b"mine")
    shutil.rmtree(src / "乙局")
    code, output = run("reconcile", src, "-o", out)
    assert code == 0 and "旧文件 2 个" in output  # 乙局's scored workbook and its 审核意见书
    assert not (out / "乙局" / PROJECT_FILE).exists()
    assert not (out / "审核意见书" / "乙局.docx").exists() and (out / "审核意见书" / "甲局.docx").is_file()
    assert (out / "我的笔记.txt").read_text(encoding="utf-8") == "审核人的笔记"
    assert (out / "乙局" / "批注.docx").read_bytes() == b"mine"
    assert (out / "甲局" / PROJECT_FILE).is_file() and not (out / outputs.INCOMPLETE_NAME).exists()


def test_a_run_that_dies_leaves_a_folder_that_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    department(src)
    out = tmp_path / "out"
    xltool.reconcile(src, out, jobs=1)
    before = (out / "report.json").read_bytes()

    def dies(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt  # stopped while the summary is written, before report.json

    monkeypatch.setattr("xltool.write.summary.write_summary", dies)
    department(src, total_score=90)
    with pytest.raises(KeyboardInterrupt):
        xltool.reconcile(src, out, jobs=1)
    assert (out / "report.json").read_bytes() == before  # the previous complete report, untouched
    assert "不完整" in (out / outputs.INCOMPLETE_NAME).read_text(encoding="utf-8")
    assert not list(out.glob(".xltool-spool-*")) and not list(out.rglob("*.part"))  # no temporary left
    monkeypatch.undo()
    xltool.reconcile(src, out, jobs=1)
    assert not (out / outputs.INCOMPLETE_NAME).exists()


def test_no_workbook_found_is_said_plainly_and_fails_under_strict(tmp_path: Path) -> None:
    src = tmp_path / "empty"
    src.mkdir()
    (src / "说明.pdf").write_bytes(b"%PDF")
    code, output = run("reconcile", src, "-o", tmp_path / "out")
    assert code == 0 and "未找到任何工作簿" in output and "评分工作簿" not in output
    code, output = run("reconcile", src, "-o", tmp_path / "out", "--strict")
    assert code == 1 and "未找到任何工作簿" in output


def test_templates_never_overwrite_without_force(tmp_path: Path) -> None:
    filled = tmp_path / "自评表"
    department(filled, "")
    target = filled / PROJECT_FILE
    before = target.read_bytes()
    code, output = run("templates", "-o", filled)
    assert code == 2 and "--force" in output and PROJECT_FILE in output
    assert target.read_bytes() == before and len(list(filled.iterdir())) == 1
    code, output = run("templates", "-o", filled, "--force")
    assert code == 0 and target.read_bytes() != before


def test_rules_lists_the_cycle_rules_with_chinese_names() -> None:
    code, output = run("rules")
    assert code == 0
    for name in ("重复报送", "指标值低于上年实际", "指标值多年不变", "上年数与上年报送不符"):
        assert name in output
    assert "与上年对比" in output and "报送材料" in output
    assert "= 0.3\u3000（配置项 last_year_change）" in output


def test_watch_reruns_when_files_change_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in"
    department(src, "甲局")
    out = tmp_path / "out"
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 1:  # a department's workbook arrives while xltool watches
            department(src, "乙局")
        if len(naps) > 6:
            raise KeyboardInterrupt

    monkeypatch.setattr("xltool.run.watch.time.sleep", sleep)
    code, output = run("watch", src, "-o", out)
    assert code == 0, output
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert len(lines) == 2, output
    assert "已审核 1 个部门" in lines[0] and "已审核 2 个部门" in lines[1]
    assert "沿用上一轮结果的部门 1 个" in lines[1]
    assert output.rstrip().endswith("已停止监视。")
    departments = json.loads((out / "report.json").read_text(encoding="utf-8"))["departments"]
    assert sorted(d["name"] for d in departments) == ["乙局", "甲局"]
