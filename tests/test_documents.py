"""The Word documents a run writes (documents.md): each department's 审核意见书 and the batch's 审核报告,
read back with python-docx, and converted with LibreOffice where it is installed."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE
from typer.testing import CliRunner

import xltool
from xltool.cli import app
from xltool.read.reader import read_file
from xltool.read.written import read_report
from xltool.rules.forms_view import DepartmentForms
from xltool.rules.narrative import check_report
from xltool.run.documents import write_letters
from xltool.write.letter import letter_title, location, split_advice, write_letter

LO_TIMEOUT = 240
NAME = "桃源县自然资源局"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> xltool.RunResult:
    """The sample department and a file that is no workbook."""
    folder = tmp_path_factory.mktemp("documents")
    shutil.copytree(SAMPLE, folder / "in" / NAME)
    (folder / "in" / "坏文件.xlsx").write_bytes(b"not a workbook")
    return xltool.reconcile(folder / "in", folder / "out", jobs=1)


def texts(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    """The paragraphs (text) and tables (rows of cell texts) of a document."""
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def styled(path: Path, style: str) -> list[str]:
    return [
        p.text for p in docx.Document(str(path)).paragraphs if p.style is not None and p.style.name == style
    ]


def test_a_letter_per_department_with_title_scores_and_grouped_findings(run: xltool.RunResult) -> None:
    letter = run.out / "审核意见书" / f"{NAME}.docx"
    assert "审核意见书/桃源县自然资源局.docx" in run.written
    paragraphs, tables = texts(letter)
    assert styled(letter, "公文标题") == [f"关于{NAME}2022年度\n绩效自评材料的审核意见"]
    headings = styled(letter, "Heading 1")
    assert headings[0] == "一、评分情况"
    assert [h[2:].split("（")[0] for h in headings[1:]] == [
        "须更正的问题",
        "须说明的问题",
        "供参考的事项",
        "有关要求",
    ]
    assert headings[1] == "二、须更正的问题（4项）"
    scores = tables[0]
    assert scores[0] == ["评价对象", "自评得分", "规则得分", "差额", "等级", "预算执行率"]
    assert scores[1] == ["部门整体支出（附件2）", "91.53", "92.53", "+1.00", "优", "100.00%"]
    assert ["项目：2021年度旱改水项目", "100.00", "98.26", "-1.74", "优", "82.60%"] in scores
    errors = tables[1]
    assert errors[0] == ["序号", "表格及位置", "存在的问题及处理意见", "规则计算值"]
    where = {row[1].split("\n")[-1] for row in errors[1:]}
    assert "基础数据表!D13" in where and "旱改水项目!I6" in where
    score_row = next(row for row in errors[1:] if row[1].endswith("旱改水项目!I6"))
    assert score_row[3] == "8.26"  # the rule's figure (expected), not the threshold
    assert "处理意见：" in score_row[2]
    report = json.loads((run.out / "report.json").read_text(encoding="utf-8"))
    assert len(errors) - 1 == report["departments"][0]["findings"]["error"]
    assert report["departments"][0]["letter"] == f"审核意见书/{NAME}.docx"
    assert any(p.startswith("经办人：") for p in paragraphs)
    assert any("日　期" in p or "日期" in p for p in paragraphs)


def test_the_batch_report(run: xltool.RunResult) -> None:
    path = run.out / "审核报告.docx"
    assert "审核报告.docx" in run.written
    paragraphs, tables = texts(path)
    assert styled(path, "公文标题") == ["2022年度预算绩效自评材料审核报告"]
    assert [h[2:] for h in styled(path, "Heading 1")] == [
        "审核范围",
        "评分结果",
        "发现的主要问题",
        "自评偏高的部门",
        "预算执行率异常",
        "各部门审核结果",
    ]
    scope = next(p for p in paragraphs if p.startswith("本次共收到"))
    assert "识别为自评表的工作簿3个，书面自评报告1份，无法读取的文件1个" in scope
    assert "涉及部门1个、项目4个" in scope
    assert tables[0][1][1] == "坏文件.xlsx"  # the unreadable files, by name
    grades = tables[1]
    assert grades[0] == ["等级", "部门数", "占比", "项目数", "占比"] and grades[1][:4] == [
        "优",
        "1",
        "100.00%",
        "4",
    ]
    rules = tables[2]
    assert rules[0] == ["序号", "问题", "级别", "问题数", "涉及部门", "部门举例"]
    assert sum(int(row[3]) for row in rules[1:]) <= 23 and all(row[5] == NAME for row in rules[1:])
    everyone = tables[-1]
    assert everyone[1][:6] == ["1", NAME, "91.53", "92.53", "优", "100.00%"]
    over = next(p for p in paragraphs if "项目" in p and "执行率低于90.00%" in p)
    assert "执行率低于90.00%的项目1个" in over  # 旱改水 at 82.60%, against the profile's 90%
    from xltool.write.charts import cjk_font

    pictures = len(docx.Document(str(path)).inline_shapes)
    assert pictures == (2 if cjk_font() else 0)


def test_no_documents(tmp_path: Path) -> None:
    result = xltool.reconcile(SAMPLE.parent, tmp_path / "out", jobs=1, documents=False)
    assert not (tmp_path / "out" / "审核意见书").exists()
    assert not any(w.startswith("审核意见书/") or w == "审核报告.docx" for w in result.written)


def _record(name: str) -> dict[str, object]:
    return {
        "name": name,
        "year": 2023,
        "basic_data": None,
        "department_table": {
            "file": f"{name}/附件2.xlsx",
            "sheet": "部门整体支出绩效自评表",
            "budget": {"execution_rate": 0.95},
            "self_score": 96.0,
            "score": 96.0,
            "grade": "优",
        },
        "projects": [],
    }


def test_a_department_without_findings_is_told_so(tmp_path: Path) -> None:
    target = tmp_path / "a.docx"
    write_letter(target, _record("测试局"), [])
    paragraphs, _ = texts(target)
    assert "经审核，未发现须更正、须说明或供参考的问题。" in paragraphs
    assert styled(target, "Heading 1") == ["一、评分情况", "二、审核发现的问题", "三、有关要求"]


def _finding(**fields: object) -> dict[str, object]:
    base = {
        "rule": "A-RATE-STATED",
        "rule_name": "执行率计算不符",
        "severity": "error",
        "department": "测试局",
        "file": "测试局/附件3.xlsx",
        "sheet": "测试项目",
        "cell": "H6",
        "message": "执行率填报为100.00%，按全年执行数80÷全年预算数100应为80.00%；请核实更正",
        "expected": 0.8,
        "actual": 1.0,
        "threshold": None,
        "status": "open",
    }
    return base | fields


def test_written_report_findings_and_settled_ones(tmp_path: Path) -> None:
    narrative = _finding(
        rule="N-EXEC-RATE",
        rule_name="报告执行率与表不符",
        file="测试局/测试局2023年度部门整体支出绩效自评报告.docx",
        sheet="",
        cell=None,
        paragraph=7,
        quote="全年预算执行率98.5%。",
        message="报告所写执行率98.5%与附件2 部门整体支出绩效自评表!G5的95.00%不符；请按表格更正报告",
        expected=0.95,
    )
    explained = _finding(cell="H7", status="explained", explanation="系结转资金未计入")
    accepted = _finding(cell="H8", severity="warning", review="接受")
    target = tmp_path / "b.docx"
    write_letter(target, _record("测试局"), [_finding(), narrative, explained, accepted])
    _, tables = texts(target)
    errors = tables[1]
    assert [row[1] for row in errors[1:]] == [
        "附件3.xlsx\n测试项目!H6",
        "测试局2023年度部门整体支出绩效自评报告.docx\n第7段",
    ]
    assert [row[3] for row in errors[1:]] == ["80.00%", "95.00%"]
    assert "原文：“全年预算执行率98.5%。”" in errors[2][2]
    assert "处理意见：请按表格更正报告" in errors[2][2]
    settled = tables[2]
    assert settled[0] == ["序号", "表格及位置", "问题", "单位说明", "审核意见"]
    assert [row[3:] for row in settled[1:]] == [["系结转资金未计入", "—"], ["—", "接受"]]
    headings = styled(target, "Heading 1")
    assert "三、已说明或已接受的问题（2项）" in headings


def test_message_split_and_location() -> None:
    assert split_advice("甲不等于乙；请核对两表口径", "error") == ("甲不等于乙。", "请核对两表口径")
    assert split_advice("执行远低于计划，请在自评报告中说明原因", "warning")[1] == "请在自评报告中说明原因"
    assert split_advice("得分偏高", "info") == ("得分偏高。", "供参考，无须回复")
    assert location({"file": "a/b.xlsx", "sheet": "表", "cell": "C3"}) == "b.xlsx\n表!C3"
    assert letter_title("某局", None) == "关于某局绩效自评材料的审核意见"


def test_a_letter_that_cannot_be_written_does_not_stop_the_others(tmp_path: Path) -> None:
    findings = tmp_path / "findings.jsonl"
    findings.write_text(json.dumps(_finding(department="乙局"), ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "out" / "审核意见书" / "甲局.docx").mkdir(parents=True)  # a folder in the letter's place

    def departments():  # type: ignore[no-untyped-def]
        return iter([_record("甲局"), _record("乙局")])

    result = write_letters(tmp_path / "out", departments, findings, "")
    assert result.written == ["审核意见书/乙局.docx"]
    assert list(result.failed) == ["审核意见书/甲局.docx"]
    assert "审核意见书（甲局）未能写出" in result.failed["审核意见书/甲局.docx"]
    assert len(texts(tmp_path / "out" / "审核意见书" / "乙局.docx")[1][1]) == 2  # the header and its finding


def _soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it to convert the documents")
    return path


def convert(paths: list[Path], folder: Path) -> list[Path]:
    """Each document converted to PDF by LibreOffice (a fresh profile: tests may run side by side)."""
    soffice = _soffice()
    profile = folder / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *map(str, paths)],
        check=True, timeout=LO_TIMEOUT, capture_output=True,
    )  # fmt: skip
    return [folder / (p.stem + ".pdf") for p in paths]


def test_libreoffice_converts_the_documents(run: xltool.RunResult, tmp_path: Path) -> None:
    documents = [run.out / w for w in run.written if w.endswith(".docx")]
    assert documents
    for pdf in convert(documents, tmp_path):
        assert pdf.read_bytes().startswith(b"%PDF")
        assert pdf.stat().st_size > 10_000


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drafts") / "out"
    result = CliRunner().invoke(app, ["draft", str(SAMPLE.parent), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return out / f"{NAME}2022年度部门整体支出绩效自评报告（初稿）.docx"


def test_the_draft_has_the_outline_the_figures_and_placeholders(drafted: Path) -> None:
    paragraphs, _ = texts(drafted)
    assert styled(drafted, "公文标题") == [f"{NAME}2022年度部门整体支出\n绩效自评报告（初稿）"]
    assert styled(drafted, "Heading 1") == [
        "一、部门基本情况",
        "二、部门整体支出管理及使用情况",
        "三、部门整体支出绩效情况",
        "四、存在的问题及原因",
        "五、下一步改进措施",
        "六、绩效自评结果拟应用和公开情况",
    ]
    text = "\n".join(paragraphs)
    for figure in (
        "单位核定编制216人，实际在职人数205人，在职人员控制率94.91%",
        "年初预算60596.97万元，全年预算39575.03万元，全年执行数39575.03万元，预算执行率100.00%",
        "“三公”经费预算数40万元，决算数33.44万元，上年决算数48.6万元",
        "2021年度旱改水项目（实施单位：桃源县土地开发整理中心）：年初预算3970.96万元",
        "旱改水数量年度指标值2400亩，实际完成值2200亩",
        "部门整体支出绩效自评得分91.53分，按评分规则复算92.53分",
    ):
        assert figure in text, figure
    assert "偏差原因：【请填写：未完成的原因】" in text  # 旱改水数量 short of its target, no reason given
    assert text.count("【请填写：") >= 5


def test_an_unedited_draft_raises_no_written_report_finding(drafted: Path) -> None:
    sheets = [s for p in sorted(SAMPLE.glob("*.xlsx")) for s in read_file(p, SAMPLE.parent).sheets]
    forms = DepartmentForms(NAME, sheets)
    report = read_report(drafted, drafted.parent)
    assert report.department == NAME and report.year == 2022
    assert check_report(report, forms) == []
    # The same check finds a figure changed in the draft.
    edited = [p.replace("实际在职人数205人", "实际在职人数203人") for p in report.paragraphs]
    assert [f.rule for f in check_report(dataclasses.replace(report, paragraphs=tuple(edited)), forms)] == [
        "N-STAFF"
    ]


def test_a_draft_already_there_is_kept_without_force(drafted: Path) -> None:
    drafted.write_bytes(b"edited by the department")
    again = CliRunner().invoke(app, ["draft", str(SAMPLE.parent), "-o", str(drafted.parent), "--jobs", "1"])
    assert again.exit_code == 1 and "已存在同名文件" in again.output and "--force" in again.output
    assert drafted.read_bytes() == b"edited by the department"
    forced = CliRunner().invoke(app, ["draft", str(SAMPLE.parent), "-o", str(drafted.parent), "--force"])
    assert forced.exit_code == 0 and drafted.read_bytes().startswith(b"PK")


def test_libreoffice_converts_the_draft(drafted: Path, tmp_path: Path) -> None:
    (pdf,) = convert([drafted], tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_reconciling_the_forms_with_the_unedited_draft_finds_nothing_in_it(
    drafted: Path, tmp_path: Path
) -> None:
    """The draft in place of the department's own report: read as its written report, no N finding."""
    folder = tmp_path / "in" / NAME
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.docx", "*.txt"))
    CliRunner().invoke(app, ["draft", str(SAMPLE.parent), "-o", str(folder), "--force"])
    result = xltool.reconcile(tmp_path / "in", tmp_path / "out", jobs=1)
    report = result.report
    (written,) = [i for i in report["inputs"] if i["kind"] == "report"]
    assert written["file"].endswith("（初稿）.docx") and written["status"] == "ok"
    assert [f for f in report["findings"] if f["rule"].startswith("N-")] == []
