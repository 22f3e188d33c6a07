"""The command line: help, rules, templates, reconcile and exit codes (through typer's CliRunner)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import project_sheet, write_rows
from typer.testing import CliRunner

from xltool.cli import app
from xltool.rules.catalogue import RULES, SEVERITY_NAMES
from xltool.rules.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
runner = CliRunner()


def test_help_is_chinese_with_examples() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "预算绩效自评表" in result.output and "示例" in result.output
    for command in ("reconcile", "templates", "rules", "serve"):
        sub = runner.invoke(app, [command, "--help"])
        assert sub.exit_code == 0, sub.output
        assert "示例：xltool " + command in sub.output
        assert "显示本帮助并退出" in sub.output and "Show this message" not in sub.output


def test_version() -> None:
    from xltool.version import __version__

    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"xltool {__version__}\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reconcile", "--bogus"], "错误：没有 --bogus 这个选项"),
        (["nope"], "错误：没有“nope”这个命令"),
        (["reconcile", "--jobs", "x"], "错误：--jobs / -j 的值应为整数"),
        (["reconcile", "--jobs"], "错误：选项 --jobs 需要一个值"),
        (["reconcile", "a", "b"], "错误：多余的参数：b"),
        (["templates", "--year", "1"], "错误：--year 的值应不小于 2000"),
    ],
)
def test_usage_errors_are_chinese(argv: list[str], message: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(message)
    assert "Usage" not in result.stderr and "Error" not in result.stderr and "Try" not in result.stderr
    if argv[0] == "reconcile" and len(argv) == 2 and argv[1] == "--bogus":  # with the usage line
        assert result.stderr.startswith(
            "用法：xltool reconcile [选项] [INPUT]\n运行“xltool reconcile -h”查看帮助。"
        )


def test_help_chrome_is_chinese() -> None:
    text = runner.invoke(app, ["--help"]).output + runner.invoke(app, ["reconcile", "--help"]).output
    for english in ("Usage", "Options", "Arguments", "Commands", "default", "<path>", "[OPTIONS]"):
        assert english not in text
    assert all(
        word in text for word in ("用法：", "选项：", "参数：", "命令：", "[默认：xltool-output]", "<路径>")
    )


@pytest.mark.parametrize("argv", [["--help"], ["rules"]])
def test_help_and_rules_do_not_import_pandas(argv: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['xltool', *{argv!r}]\n"
        "from xltool.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(*(m in sys.modules for m in ('pandas', 'numpy', 'matplotlib', 'docx')), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "False False False False"


def test_rules_lists_every_rule_and_the_profile() -> None:
    result = runner.invoke(app, ["rules", "--profile", "yitihua"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"核对规则（共 {len(RULES)} 条")
    for info in RULES:
        at = lines.index(f"  {info.name}（{SEVERITY_NAMES[info.severity]}）")
        assert lines[at + 1 : at + 4] == [
            f"      核对：{info.title}",
            f"      依据：{info.basis or '—（无专门条款，按表内或表间数字关系核对）'}",
            f"      规则编号：{info.id}",
        ]
    assert "A 类：表内勾稽（合计、比率、得分、权重）" in lines
    assert "  每个超目标指标扣分 = 2　（配置项 over_target_deduction）" in lines
    assert "评分规则参数：yitihua" in result.output
    assert "【本次不运行】" not in result.output


def test_rules_marks_what_pick_and_skip_leave_out() -> None:
    result = runner.invoke(app, ["rules", "--pick", "B, C-OVER-TARGET", "--pick", "F", "--skip", "F-SCALE"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    off = {lines[i + 3].split("：")[1] for i, line in enumerate(lines) if line.endswith("【本次不运行】")}
    running = {info.id for info in RULES} - off
    expected = {info.id for info in RULES if info.family in "BF"} - {"F-SCALE"} | {"C-OVER-TARGET"}
    assert running == expected and "F-NEGATIVE" in running and "B-EXEC-LOW" in running
    unknown = runner.invoke(app, ["rules", "--skip", "B-EXEC-SLOW"])
    assert unknown.exit_code == 2 and "“B-EXEC-SLOW”既不是规则编号也不是类别字母" in unknown.output


def test_rules_export_round_trips_and_reconcile_uses_it(tmp_path: Path) -> None:
    exported = tmp_path / "我的规则.json"
    result = runner.invoke(
        app, ["rules", "--profile", "yitihua", "--skip", "C,F-SCALE", "--export", str(exported)]
    )
    assert result.exit_code == 0 and f"已导出评分规则到 {exported}" in result.output
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert (data["name"], data["skip"], data["pick"]) == ("yitihua", ["C", "F-SCALE"], [])
    assert data["_注释"]["low_execution_rate"] == "执行率低于此值时提示"
    assert load_profile(exported) == load_profile("yitihua").select(skip=["C", "F-SCALE"])
    # The user edits the file and passes it back.
    data["low_execution_rate"] = 0.5
    data["skip"] = ["C"]
    exported.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    run = runner.invoke(app, ["reconcile", str(SAMPLES), "-o", str(out), "--profile", str(exported)])
    assert run.exit_code == 0, run.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    fired = {f["rule"] for f in report["findings"]}
    assert not any(rule.startswith("C-") for rule in fired) and "B-ADJUSTMENT" in fired
    assert "B-EXEC-LOW" not in fired  # the sample's 82.60 % is above the edited 50 %


def test_reconcile_pick_runs_only_those_rules(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = runner.invoke(app, ["reconcile", str(SAMPLES), "-o", str(out), "--pick", "B-EXEC-LOW,D"])
    assert run.exit_code == 0, run.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {f["rule"] for f in report["findings"]} == {"B-EXEC-LOW", "D-PART-EXCEEDS-WHOLE"}
    # Scores do not depend on which rules report: the sample's totals are as without --pick.
    assert runner.invoke(app, ["reconcile", str(SAMPLES), "-o", str(tmp_path / "all")]).exit_code == 0
    full = json.loads((tmp_path / "all" / "report.json").read_text(encoding="utf-8"))

    def scores(r: dict[str, Any]) -> list[object]:
        d = r["departments"][0]
        return [d["department_table"]["score"], *(p["score"] for p in d["projects"])]

    assert scores(report) == scores(full) and len(full["findings"]) > len(report["findings"])


def test_bad_profile_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "mine.json"
    bad.write_text(json.dumps({"name": "mine"}), encoding="utf-8")
    result = runner.invoke(app, ["rules", "--profile", str(bad)])
    assert result.exit_code == 2
    assert "缺少配置项" in result.output
    missing = runner.invoke(app, ["reconcile", str(SAMPLES), "-o", str(tmp_path / "o"), "--profile", "nope"])
    assert missing.exit_code == 2
    assert "mof2020" in missing.output


def test_missing_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["reconcile", str(tmp_path / "无此目录"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "输入路径不存在" in result.output
    assert "Traceback" not in result.output


def test_templates_command_writes_three_forms(tmp_path: Path) -> None:
    result = runner.invoke(app, ["templates", "-o", str(tmp_path), "--year", "2023"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert names == [
        "附件1 部门整体支出绩效评价基础数据表.xlsx",
        "附件2 部门整体支出绩效自评表.xlsx",
        "附件3 项目支出绩效自评表.xlsx",
    ]


def test_reconcile_sample_summary_and_strict(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SAMPLES, src)
    out = tmp_path / "out"
    result = runner.invoke(app, ["reconcile", str(src), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "已审核 1 个部门、4 个项目" in result.output
    assert (out / "report.json").is_file() and (out / "审核汇总.xlsx").is_file()
    strict = runner.invoke(app, ["reconcile", str(src), "-o", str(out), "--jobs", "1", "--strict"])
    assert strict.exit_code == 1  # the sample carries error findings (e.g. B-EXEC-STATED)
    errors = json.loads((out / "report.json").read_text(encoding="utf-8"))["findings"]
    count = sum(f["severity"] == "error" for f in errors)
    assert f"按 --strict 要求以状态码1退出：存在“错误”级问题 {count} 项" in strict.stderr


def test_reconcile_strict_passes_on_a_clean_folder(tmp_path: Path) -> None:
    write_rows(tmp_path / "in" / "附件3 项目支出绩效自评表.xlsx", {"测试项目": project_sheet()})
    (tmp_path / "in" / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    result = runner.invoke(app, ["reconcile", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--strict"])
    assert result.exit_code == 0, result.output
    assert "已审核 1 个部门" in result.output and "错误 0 项" in result.output
