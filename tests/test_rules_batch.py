"""Many departments checked at once, as a run's chunk is: `sample_forms.vary` derives departments
from the seed with known anomalies switched on (listed in ``anomalies``), so the rules must find each
anomaly on its sheet, nothing that no anomaly explains, and the same findings for the seed as alone."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import Run, check_folder
from support import sample_forms

from xltool.model.records import Finding

DEPARTMENTS = 16  # vary(seed, 1 … 16): every kind of anomaly, in a chunk of 17 departments
BASIC = "基础数据表"
DEPARTMENT = "部门整体支出绩效自评表"

# Rules that right figures never trigger: the generator keeps totals equal to their parts, blocks equal
# to the total, 附件1 项目支出 决算 equal to 附件2 项目支出, names, years and weights right.
NEVER = {
    "A-SUM-PARTS",
    "A-BLOCK-SUM",
    "A-PARTIAL-EXCEEDS",
    "A-RATIO-STATED",
    "A-UNREADABLE",
    "A-SCORE-RANGE",
    "A-WEIGHT-LEVEL1",
    "A-WEIGHT-TOTAL",
    "D-PROJECTS-ACTUAL",
    "D-DEPARTMENT-NAME",
    "D-YEAR",
    "D-MISSING-FORM",
    "F-NEGATIVE",
    "F-SCALE",
    "F-RATE-OVER-100",
    "G-MISSING-LABEL",
    "G-NO-INDICATORS",
}
# Rules that only an anomaly triggers: each of their findings must be explained by one.
ONLY_BY_ANOMALY = {
    "A-RATE-STATED",
    "B-EXEC-STATED",
    "A-TOTAL-EMPTY",
    "A-TOTAL-STATED",
    "C-SCORE-OVER",
    "D-PART-EXCEEDS-WHOLE",
}


def sheet_of(where: str) -> str:
    """The sheet an anomaly note is about: ``附件3 <sheet title>``, ``附件2`` or ``附件1``."""
    form, _, rest = where.partition(" ")
    if form == "附件3":
        return rest.split(" ")[0]
    return DEPARTMENT if form == "附件2" else BASIC


def expected_of(note: str) -> set[tuple[str, str]]:
    """The (rule, sheet) pairs an anomaly note of `sample_forms.vary` must show up as."""
    sheet = sheet_of(note)
    patterns = (
        (r"未完成且未填偏差原因$", {"C-REASON-MISSING"}),
        (r" 超目标\d+%$", {"C-OVER-TARGET"}),
        (r"自评[\d.]+分（多计）$", {"C-SCORE-OVER"}),
        (r"执行率[\d.]+%，填报执行率100%", {"A-RATE-STATED", "B-EXEC-STATED"}),
        (r"(年度资金总额|三公经费合计)填0，其中各行有金额$", {"A-TOTAL-EMPTY"}),
        (r"总分填报[\d.]+，大于各项得分合计$", {"A-TOTAL-STATED"}),
        (r"^附件1 项目支出预算数[\d.]+大于附件2年初预算数", {"D-PART-EXCEEDS-WHOLE"}),
    )
    for pattern, rules in patterns:
        if re.search(pattern, note):
            return {(rule, sheet) for rule in rules}
    raise AssertionError(f"an anomaly this test does not know: {note}")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, sample_forms.DepartmentFigures]]:
    root: Path = tmp_path_factory.mktemp("batch")
    departments = {}
    for k in range(1, DEPARTMENTS + 1):
        dept = sample_forms.vary(sample_forms.taoyuan_2022(), k)
        departments[dept.name] = dept
        sample_forms.write_department(root / f"{k:02d}", dept)
    sample_forms.write_department(root / "seed", sample_forms.taoyuan_2022())
    return check_folder(root), departments


def test_every_anomaly_is_found_on_its_sheet(
    batch: tuple[Run, dict[str, sample_forms.DepartmentFigures]],
) -> None:
    run, departments = batch
    for name, dept in departments.items():
        found = {(f.rule, f.sheet) for f in run.findings if f.department == name}
        for note in dept.anomalies:
            assert expected_of(note) <= found, f"{name}: {note}"


def test_no_finding_without_an_anomaly(batch: tuple[Run, dict[str, sample_forms.DepartmentFigures]]) -> None:
    run, departments = batch
    assert {f.rule for f in run.findings if f.department in departments} & NEVER == set()
    for name, dept in departments.items():
        explained = set().union(*(expected_of(note) for note in dept.anomalies))
        for f in run.findings:
            if f.department == name and f.rule in ONLY_BY_ANOMALY:
                assert (f.rule, f.sheet) in explained, f"{name}: {f.rule} {f.sheet}!{f.cell} {f.message}"


def test_the_seed_in_a_batch_shows_what_it_shows_alone(
    batch: tuple[Run, dict[str, sample_forms.DepartmentFigures]], seed_run: Run
) -> None:
    run, _ = batch
    in_batch = {
        (f.rule, f.sheet, f.cell, f.message) for f in run.findings if f.department == "桃源县自然资源局"
    }
    alone = {(f.rule, f.sheet, f.cell, f.message) for f in seed_run.findings}
    assert in_batch == alone


SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "batch_findings.jsonl"


def finding_lines(findings: list[Finding]) -> list[str]:
    """Every field a rule decides (not the catalogue's name and basis), one JSON line per finding, sorted."""
    fields = ("rule", "severity", "file", "sheet", "cell", "message", "expected", "actual", "threshold")
    records = [[*(getattr(f, k) for k in fields), list(f.anchor), f.department] for f in findings]
    return sorted(json.dumps(r, ensure_ascii=False) for r in records)


def test_the_batch_findings_are_the_recorded_ones(
    batch: tuple[Run, dict[str, sample_forms.DepartmentFigures]],
) -> None:
    """The whole finding set of the batch (the seed and 16 varied departments) as recorded.

    Recorded before the rules were rewritten declaratively; a change to any rule's message, cell,
    figures or anchor shows here as a diff. After an intended change, rewrite the record with
    ``XLTOOL_RECORD_FINDINGS=1 pytest tests/test_rules_batch.py`` and review the diff.
    """
    run, _ = batch
    lines = finding_lines(run.findings)
    if os.environ.get("XLTOOL_RECORD_FINDINGS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recorded = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(recorded)
    assert [line for line in lines if line not in set(recorded)] == []
    assert lines == recorded
