"""Family N: written reports with planted contradictions and with consistent figures, against the sample's
forms; precision and recall measured over the planted sentences (every planted one found, nothing else)."""

from __future__ import annotations

import pytest
from conftest import SAMPLE

from xltool.model.records import Finding, WrittenReport
from xltool.model.statements import figures_in, heading_level, sentences
from xltool.read.reader import read_file
from xltool.read.written import read_report
from xltool.rules.catalogue import BY_ID
from xltool.rules.forms_view import DepartmentForms, project_core
from xltool.rules.narrative import check_report

NAME = "桃源县自然资源局"


@pytest.fixture(scope="module")
def forms() -> DepartmentForms:
    sheets = [s for p in sorted(SAMPLE.glob("*.xlsx")) for s in read_file(p, SAMPLE.parent).sheets]
    return DepartmentForms(NAME, sheets)


def report(*paragraphs: str) -> WrittenReport:
    title = f"2022年度{NAME}整体支出绩效自评报告"
    return WrittenReport("报告.txt", title, NAME, 2022, (title, *paragraphs))


def found(findings: list[Finding]) -> set[tuple[str, int | None]]:
    return {(f.rule, f.paragraph) for f in findings}


# Each planted paragraph: (text, the (rule) findings it must raise). Paragraph n of the report is
# PLANTED[n - 2] (the title is paragraph 1).
PLANTED: list[tuple[str, set[str]]] = [
    ("2022年部门年初预算60596.97万元，全年预算39575.03万元，全年执行数39000.03万元。", {"N-BUDGET"}),
    (
        "部门决算支出39575.03万元，其中：基本支出2899.23万元，项目支出36075.8万元。",
        {"N-PARTS-SUM", "N-SPENDING-SPLIT"},
    ),
    ("全年部门预算执行率98.5%。", {"N-EXEC-RATE"}),
    ("单位核定编制216人，实际在职人数203人。", {"N-STAFF"}),
    ("2022年“三公”经费决算34.44万元，较上年减少14.16万元。", {"N-THREE-PUBLIC"}),
    ("旱改水项目全年预算3970.96万元，执行数3279.93万元，预算执行率100%。", {"N-EXEC-RATE"}),
    ("矿山生态修复项目全年预算650万元。", {"N-PROJECT"}),
    ("旱改水数量目标2400亩，实际完成2300亩。", {"N-INDICATOR"}),
    ("2022年部门整体支出绩效自评91.35分。", {"N-SELF-SCORE"}),
    ("全年立案查处违法案件24件，结案18件，违法案件处理办结率95%。", {"N-RATE-COUNTS"}),
    ("经编办核定，编制216人，其中局本级17人，二级机构209人。", {"N-PARTS-SUM"}),
    ("全年执行数39575.03万元，其中：一般公共预算12570.62万元、政府性基金拨款26121.09万元。", {"N-BUDGET"}),
    ("全年发放不动产证书证明实际完成1.2万个。", {"N-INDICATOR"}),
]

# Consistent figures, and figures whose words name nothing the forms hold for certain (left alone).
CONSISTENT: list[str] = [
    "2022年部门年初预算60596.97万元，全年预算39575.03万元，全年执行数39575.03万元，预算执行率100%。",
    "部门决算支出39575.03万元，其中：基本支出2899.23万元，项目支出36675.8万元。",
    "单位核定编制216人，实际在职人数205人，在职人员控制率94.91%。",
    "另有离退休人员68人，劳务派遣人员25人，人员经费保障人数205人。",
    "2022年“三公”经费预算40万元，决算33.44万元，其中公务接待费12.28万元；2021年“三公”经费决算48.6万元。",
    "旱改水项目全年预算3970.96万元，执行数3279.93万元，预算执行率82.6%。",
    "矿山生态修复项目全年预算620万元，执行数598.46万元。",
    "旱改水数量目标2400亩，实际完成2200亩，用地审批面积786亩。",
    "2022年部门整体支出绩效自评91.53分，旱改水项目自评得分100分。",
    "全年立案查处违法案件24件，结案18件，违法案件处理办结率75%。",
    "编制216人，其中局本级17人，二级机构199人。",
    "全年执行数39575.03万元，其中：一般公共预算12750.62万元、政府性基金拨款26121.09万元。",
    # Left alone: income (not a form figure), one fund only, 本级, approximate, another year, a target.
    "2022年部门年初预算收入60596.97万元，决算收入38966.11万元。",
    "局本级年初预算1000万元，执行数900万元。",
    "全年共发放宣传资料1万余份，约3.66亿元的采矿权已出让。",
    "2020年部门决算支出30000万元。",
    "违法案件处理办结率目标90%。",
    "总投资3970.96万元，工程施工费3279.93万元，规划新增水田2164.95亩。",
    "2021年国家耕地保护督察反馈问题78个，完成销号53个；2020年省级督察反馈问题9个，完成销号3个。",
    "共批回用地2059.278亩，其中办理农转用、征收土地285.192亩。",
]

SCOPED = [
    "二、一般公共预算支出情况",
    "（一）基本支出情况",
    "2022年基本支出年初预算2839.5万元，其中：工资福利支出2328.3万元、一般商品和服务支出511.2万元。",
    "2022年基本支出决算2785.08万元，其中：工资福利支出2562.54万元、一般商品和服务支出222.54万元。",
    "（二）项目支出情况",
    "2022年项目支出决算10574.45万元。",
]


def test_every_planted_contradiction_found_and_nothing_else(forms: DepartmentForms) -> None:
    findings = check_report(report(*(text for text, _ in PLANTED)), forms)
    expected = {(rule, n) for n, (_, rules) in enumerate(PLANTED, 2) for rule in rules}
    assert found(findings) == expected  # 14 planted, 14 found, no false alarm


def test_consistent_and_ambiguous_figures_raise_nothing(forms: DepartmentForms) -> None:
    assert check_report(report(*CONSISTENT, *SCOPED), forms) == []


def test_findings_carry_paragraph_quote_and_the_form_cell(forms: DepartmentForms) -> None:
    findings = check_report(report("核定编制216人，实际在职人数203人。"), forms)
    (f,) = findings
    assert (f.rule, f.severity, f.paragraph, f.quote, f.cell, f.sheet) == (
        "N-STAFF",
        "error",
        2,
        "核定编制216人，实际在职人数203人。",
        "",
        "",
    )
    assert (f.expected, f.actual, f.expected_at) == (
        205.0,
        203.0,
        ("桃源县自然资源局/附件1 部门整体支出绩效评价基础数据表.xlsx", "基础数据表", "D5"),
    )
    assert "基础数据表!D5为205人" in f.message


def test_rate_against_counts_names_the_counts(forms: DepartmentForms) -> None:
    (f,) = check_report(
        report(
            "立案查处自然资源违法案件24件（其中土地案件19件，矿山案件5件），结案18件。",
            "违法案件处理办结率95%，执行合规率100%。",
        ),
        forms,
    )
    assert (f.rule, f.severity, f.paragraph, f.expected, f.actual) == (
        "N-RATE-COUNTS",
        "warning",
        3,
        0.75,
        0.95,
    )
    assert "18件÷24件" in f.message and "75.00%" in f.message


def test_a_rate_with_two_candidate_counts_is_left_alone(forms: DepartmentForms) -> None:
    text = ("土地案件立案12件，结案10件；矿山案件立案12件，结案6件。", "违法案件处理办结率95%。")
    assert check_report(report(*text), forms) == []


def test_parts_exceeding_a_total_in_brackets(forms: DepartmentForms) -> None:
    (f,) = check_report(report("已完成封堵和垮塌矿硐177个（其中自然垮塌矿硐29个，完成封堵158个）。"), forms)
    assert (f.rule, f.expected, f.threshold, f.actual, f.rule_name) == (
        "N-PARTS-SUM",
        None,
        177.0,
        187.0,
        "报告分项与合计不符",
    )


def test_a_report_without_forms_is_one_info_finding() -> None:
    (f,) = check_report(report("部门决算支出100万元。"), None)
    assert (f.rule, f.severity, f.paragraph) == ("N-NO-FORMS", "info", 1)


def test_the_sample_report_holds_its_one_contradiction_and_no_more(forms: DepartmentForms) -> None:
    """The sample's written report (the seed's figures, in words of its own) agrees with its sample forms
    but for the seed's own 办结率 (95 % beside 18 of 24 cases closed)."""
    path = SAMPLE / f"{NAME}2022年度部门整体支出绩效自评报告.docx"
    written = read_report(path, SAMPLE.parent)
    assert (written.department, written.year, written.file) == (NAME, 2022, f"{NAME}/{path.name}")
    findings = check_report(written, forms)
    assert sorted((f.rule, f.expected, f.actual) for f in findings) == [
        ("N-RATE-COUNTS", 0.75, 0.95),
    ]


def test_every_n_rule_is_in_the_catalogue() -> None:
    assert {r for r in BY_ID if r.startswith("N-")} >= {rule for _, rules in PLANTED for rule in rules}


# --- the text readers underneath ----------------------------------------------------------------


def test_figures_with_units_and_tolerances() -> None:
    figures = figures_in(
        "总投资3.66亿元，1.4万个，95%以上，24件，91.53分，约300次，第3批，3-5天，12,750.62万元"
    )
    assert [(f.kind, str(f.number), f.unit, f.op, f.approximate) for f in figures] == [
        ("amount", "36600.00", "万元", "", False),
        ("count", "14000.0", "个", "", False),
        ("rate", "95", "%", ">=", False),
        ("count", "24", "件", "", False),
        ("score", "91.53", "分", "", False),
        ("count", "300", "次", "", True),
        ("amount", "12750.62", "万元", "", False),
    ]
    assert figures[0].tolerance == 50


def test_headings_and_sentences() -> None:
    assert [
        heading_level(t)
        for t in ("一、部门基本情况", "（二）项目支出情况", "1.数量指标。", "（1）做好规划，保障用地。")
    ] == [
        1,
        2,
        3,
        None,
    ]
    parsed = sentences(["一、部门基本情况", "（一）人员", "编制216人。在职205人；"])
    assert [(s.paragraph, s.text, s.headings) for s in parsed] == [
        (3, "编制216人。", ("一、部门基本情况", "（一）人员")),
        (3, "在职205人；", ("一、部门基本情况", "（一）人员")),
    ]


def test_project_name_cores() -> None:
    assert [project_core(n) for n in ("2021年度旱改水项目", "矿山生态修复项目", "农田项目")] == [
        "旱改水",
        "矿山生态修复",
        "农田项目",
    ]
