"""Shared fixtures: write small workbooks (openpyxl rows or `sample_forms` departments), read them back
with `read_file`, and run every rule with `check_workbooks`.

Tests assert on compact ``(rule, sheet, cell)`` tuples (``keys``) and on the figures a finding carries.
The form builders below (`project_sheet`, `department_sheet`) write the official layout of forms.md
with clean defaults; a test passes only the rows or figures its case is about.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import settings
from support import sample_forms

from xltool.model.records import Finding
from xltool.read.reader import read_file
from xltool.rules.engine import Context
from xltool.rules.profile import Profile, load_profile
from xltool.run.chunks import check_workbooks

# Property and fuzz tests draw a fixed, reproducible sequence of examples by default, so that a test
# run's outcome depends on the code alone; XLTOOL_HYPOTHESIS=explore draws fresh random examples
# (with XLTOOL_FUZZ_SECONDS=600 for a long fuzzing session).
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("XLTOOL_HYPOTHESIS", "fixed"))

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "桃源县自然资源局"

Rows = Sequence[Sequence[object]]
# (一级指标, 二级指标, 三级指标, 年度指标值, 实际完成值, 分值, 得分, 偏差原因)
IndicatorSpec = tuple[str, str, str, object, object, object, object, str]

NAME = "测试县测试局"
PROJECT_SHEET = "测试项目"
DEPARTMENT_SHEET = "部门整体支出绩效自评表"


# ---------------------------------------------------------------------------------------------
# Findings as compact tuples


def keys(findings: Iterable[Finding], rule: str | None = None) -> set[tuple[str, str, str]]:
    """The (rule, sheet, cell) of each finding (of one rule when given)."""
    return {(f.rule, f.sheet, f.cell) for f in findings if rule is None or f.rule == rule}


def only(findings: Iterable[Finding], rule: str) -> Finding:
    """The single finding of a rule (fails the test if there are none or several)."""
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, f"expected one {rule} finding, got {[(f.sheet, f.cell, f.message) for f in hits]}"
    return hits[0]


def rules_of(findings: Iterable[Finding]) -> set[str]:
    """The rule ids that fired, but D-MISSING-FORM (a lone 附件3 in a test always lacks 附件1 and 附件2)."""
    return {f.rule for f in findings} - {"D-MISSING-FORM"}


@dataclass
class Run:
    """What checking some workbooks gave: the findings and the context holding the scores."""

    findings: list[Finding]
    ctx: Context

    def keys(self, rule: str | None = None) -> set[tuple[str, str, str]]:
        """The (rule, sheet, cell) tuples (of one rule when given)."""
        return keys(self.findings, rule)

    def rules(self) -> set[str]:
        """The rule ids that fired (but D-MISSING-FORM)."""
        return rules_of(self.findings)

    def only(self, rule: str) -> Finding:
        """The single finding of a rule."""
        return only(self.findings, rule)

    def only_cell(self, rule: str, cell: str) -> Finding:
        """The single finding of a rule at a cell."""
        return only((f for f in self.findings if f.cell == cell), rule)

    def sid(self, sheet: str) -> int:
        """The sid of a sheet by its name."""
        sheets = self.ctx.frames.sheets
        return int(sheets.loc[sheets["sheet"] == sheet, "sid"].iloc[0])

    def scores(self, sheet: str) -> dict[str, float]:
        """Indicator name → rule score on a sheet."""
        ind = self.ctx.indicators
        ind = ind[ind["sid"] == self.sid(sheet)]
        return dict(zip(ind["name"], ind["score"].astype(float), strict=True))

    def indicator(self, sheet: str, name: str) -> dict[str, object]:
        """The scored indicator row of a name on a sheet, as a dict."""
        ind = self.ctx.indicators
        hit = ind[(ind["sid"] == self.sid(sheet)) & (ind["name"] == name)]
        assert len(hit) == 1, f"no single indicator “{name}” on {sheet}"
        return dict(hit.iloc[0])

    def read(self, sheet: str, *cells: str) -> tuple[float | None, ...]:
        """The numbers read from cells of a sheet (None: blank or not a number); fails on a cell not read."""
        fig = self.ctx.frames.figures
        fig = fig[fig["sid"] == self.sid(sheet)]
        values = dict(zip(fig["cell"], fig["value"].astype(float), strict=True))
        missing = [cell for cell in cells if cell not in values]
        assert not missing, f"no figure read at {sheet}!{missing}"
        return tuple(None if math.isnan(values[cell]) else round(values[cell], 6) for cell in cells)

    def read_indicator(self, sheet: str, name: str) -> tuple[object, ...]:
        """What was read of an indicator: target and actual (kind, number, unit), level, weight, score."""
        ind = self.indicator(sheet, name)

        def number(key: str) -> float | None:
            value = float(ind[key])  # type: ignore[arg-type]
            return None if math.isnan(value) else round(value, 6)

        level = ind["level"] if isinstance(ind["level"], str) else None
        return (
            ind["tkind"],
            number("tnum"),
            ind["tunit"],
            ind["akind"],
            number("anum"),
            ind["aunit"],
            level,
            number("weight"),
            number("self_score"),
        )

    def budget(self, sheet: str) -> dict[str, object]:
        """The budget line (amounts, rate, score) of a sheet."""
        return dict(self.ctx.budget.loc[self.sid(sheet)])

    def total(self, sheet: str) -> dict[str, object]:
        """The totals row (score, grade, deduction, cap …) of a sheet."""
        return dict(self.ctx.totals.loc[self.sid(sheet)])


def check_folder(folder: Path, profile: str | Profile | None = None) -> Run:
    """Read every .xlsx under a folder and run every rule over them."""
    rules_profile = profile if isinstance(profile, Profile) else load_profile(profile)
    reads = [read_file(p, folder) for p in sorted(folder.rglob("*.xlsx"))]
    for read in reads:
        assert read.status == "ok", f"{read.file}: {read.message}"
    findings, ctx = check_workbooks(reads, rules_profile)
    return Run(findings, ctx)


# ---------------------------------------------------------------------------------------------
# Writing workbooks


def write_rows(path: Path, sheets: dict[str, Rows]) -> Path:
    """Write a workbook with openpyxl: sheet name → rows of cell values (None leaves a cell blank)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # typed text such as “=8个”, not a formula
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Callable[[str], Path]:
    """A fresh sub-folder of tmp_path per call (one department each)."""
    count = iter(range(1000))

    def make(name: str = "dept") -> Path:
        path = tmp_path / f"{name}{next(count)}"
        path.mkdir()
        return path

    return make


@pytest.fixture
def check_rows(folder: Callable[[str], Path]) -> Callable[..., Run]:
    """Write workbooks from rows (file name → {sheet: rows}) into a fresh folder and check them."""

    def run(files: dict[str, dict[str, Rows]], profile: str | Profile | None = None) -> Run:
        where = folder("rows")
        for name, sheets in files.items():
            write_rows(where / name, sheets)
        return check_folder(where, profile)

    return run


@pytest.fixture
def check_project(check_rows: Callable[..., Run]) -> Callable[..., Run]:
    """Write one 附件3 sheet built by `project_sheet(**figures)` and check it."""

    def run(profile: str | Profile | None = None, **figures: Any) -> Run:
        rows = project_sheet(**figures)
        return check_rows({"附件3 项目支出绩效自评表.xlsx": {PROJECT_SHEET: rows}}, profile)

    return run


@pytest.fixture
def check_department(folder: Callable[[str], Path]) -> Callable[..., Run]:
    """Write a `sample_forms` department (the seed unless given) into tmp_path and check it."""

    def run(dept: sample_forms.DepartmentFigures | None = None, profile: str | Profile | None = None) -> Run:
        where = folder("sample")
        sample_forms.write_department(where, dept if dept is not None else sample_forms.taoyuan_2022())
        return check_folder(where, profile)

    return run


@pytest.fixture(scope="session")
def seed_run() -> Run:
    """The committed sample (samples/桃源县自然资源局) checked with the default profile."""
    return check_folder(SAMPLE)


def with_basic(**changes: object) -> sample_forms.DepartmentFigures:
    """The seed department (sample_forms) with some 附件1 figures changed."""
    dept = sample_forms.taoyuan_2022()
    assert dept.basic is not None
    return dataclasses.replace(dept, basic=dataclasses.replace(dept.basic, **changes))


def with_department(**changes: object) -> sample_forms.DepartmentFigures:
    """The seed department (sample_forms) with some 附件2 figures changed."""
    dept = sample_forms.taoyuan_2022()
    assert dept.department is not None
    return dataclasses.replace(dept, department=dataclasses.replace(dept.department, **changes))


# ---------------------------------------------------------------------------------------------
# The official forms as rows, with clean defaults

# A clean indicator set: 产出 50 + 效益 30 + 满意度 10, with the budget's 10 making 100.
CLEAN_INDICATORS: tuple[IndicatorSpec, ...] = (
    ("产出指标(50分)", "数量指标", "完成数量", "≥10个", "10个", 20, 20, ""),
    ("产出指标(50分)", "质量指标", "验收合格率", "100%", "100%", 10, 10, ""),
    ("产出指标(50分)", "时效指标", "按期完成", "按期完成", "按期完成", 10, 10, ""),
    ("产出指标(50分)", "成本指标", "项目成本", "≤100万元", "100万元", 10, 10, ""),
    ("效益指标(30分)", "社会效益指标", "群众生产生活条件", "明显改善", "明显改善", 30, 30, ""),
    ("满意度指标(10分)", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, ""),
)
BUDGET_HEADS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")


def replace_indicator(
    indicators: Sequence[IndicatorSpec], which: str, /, **changes: object
) -> tuple[IndicatorSpec, ...]:
    """The indicators with one row (by 三级指标 name) changed: target, actual, weight, score, reason, name."""
    fields = ("level1", "level2", "name", "target", "actual", "weight", "score", "reason")
    assert any(ind[2] == which for ind in indicators), which
    out = []
    for ind in indicators:
        if ind[2] == which:
            values = dict(zip(fields, ind, strict=True)) | changes
            ind = tuple(values[f] for f in fields)  # type: ignore[assignment]
        out.append(ind)
    return tuple(out)


def project_sheet(
    *,
    total: Sequence[object] = (100, 100, 100, 10, 1, 10),
    fiscal: Sequence[object] = (100, 100, 100, "——", 1, "——"),
    carryover: Sequence[object] = (0, 0, 0, "——", None, "——"),
    other: Sequence[object] = (0, 0, 0, "——", None, "——"),
    indicators: Sequence[IndicatorSpec] = CLEAN_INDICATORS,
    total_score: object = 100,
    total_weight: object = 100,
    year: int = 2022,
    department: str = NAME,
    project: str = "测试项目",
    with_total_row: bool = True,
) -> list[list[object]]:
    """A 附件3 项目支出绩效自评表 in the official layout (forms.md), 9 columns A–I.

    Row numbers of the default: 年度资金总额 row 6 (D6 年初 … H6 执行率, I6 得分), 其中 rows 7–9,
    indicator header row 12, indicators from row 13, 总分 after them (G 分值, H 得分, I 偏差原因).
    """
    rows: list[list[object]] = [
        ["项目支出绩效自评表"],
        [f"（{year}年度）"],
        ["项目名称", None, project],
        ["主管部门", None, department, None, None, "实施单位", None, "测试中心"],
        ["项目资金（万元）", None, None, *BUDGET_HEADS],
        [None, "年度资金总额", None, *total],
        [None, "其中：当年财政拨款", None, *fiscal],
        [None, "上年结转资金", None, *carryover],
        [None, "其他资金", None, *other],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "完成测试任务", None, None, None, "已完成测试任务"],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
    ]
    for level1, level2, name, target, actual, weight, score, reason in indicators:
        rows.append([None, level1, level2, name, target, actual, weight, score, reason or None])
    if with_total_row:
        rows.append(["总分", None, None, None, None, None, total_weight, total_score])
    return rows


DEPARTMENT_INDICATORS: tuple[IndicatorSpec, ...] = CLEAN_INDICATORS


def department_sheet(
    *,
    total: Sequence[object] = (1000, 1000, 1000, 10, 1, 10),
    by_source: Sequence[object] = (1000, 0, 0, 0),
    by_use: Sequence[object] = (400, 600),
    indicators: Sequence[IndicatorSpec] = DEPARTMENT_INDICATORS,
    total_score: object = 100,
    year: int = 2022,
    department: str = NAME,
) -> list[list[object]]:
    """A 附件2 部门整体支出绩效自评表 in the official layout (forms.md), 8 columns A–H.

    Rows: 年度资金总额 row 5 (C5 年初 … G5 执行率, H5 得分), 按…分 blocks rows 6–10 (values in D and H),
    indicator header row 13, indicators from row 14, 总分 after them (F 分值, G 得分).
    """
    general, fund, non_tax, other = by_source
    basic, projects = by_use
    rows: list[list[object]] = [
        ["部门整体支出绩效自评表"],
        [f"（{year}年度）"],
        ["部门（单位）名称", None, department],
        ["年度预算申请（万元）", None, *BUDGET_HEADS],
        ["年度资金总额", None, *total],
        ["按收入性质分：", None, None, None, "按支出性质分："],
        ["其中：一般公共预算", None, None, general, "其中：基本支出", None, None, basic],
        ["政府性基金拨款", None, None, fund, "项目支出", None, None, projects],
        ["纳入专户管理的非税收入拨款", None, None, non_tax],
        ["其他资金", None, None, other],
        ["年度总体目标", "预期目标", None, None, "实际完成情况"],
        [None, "完成年度工作任务", None, None, "已完成年度工作任务"],
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
    ]
    for level1, level2, name, target, actual, weight, score, reason in indicators:
        rows.append([level1, level2, name, target, actual, weight, score, reason or None])
    rows.append(["总分", None, None, None, None, 100, total_score])
    return rows
