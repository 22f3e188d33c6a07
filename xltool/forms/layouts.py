"""The three attachment forms, declared once as data.

Every Chinese label of the forms lives here. The template renderer, the reader (which finds cells by
label) and the scored-workbook writer all read these declarations; the rules read the arithmetic
relations (`Total`) from here too.

Two kinds of structure describe a form:

* a `Grid`: labelled rows × labelled columns of amounts (附件1 经费控制情况, the 项目资金 block of 附件3,
  the 年度资金总额 row of 附件2, the 按收入性质分 / 按支出性质分 blocks);
* the `IndicatorTable` shared by 附件2 and 附件3 (一级 / 二级 / 三级 指标 …, closed by a 总分 row).

Labels are matched after `label_core` normalisation (NFKC, no spaces, no numbering such as ``1、``, no
``其中：`` prefix, no trailing colon, no leading year such as ``2022年``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from xltool.model.caching import short_text_cache
from xltool.model.records import FormKind

Role = Literal["input", "computed", "fixed", "none", "blank"]
Format = Literal["amount", "rate", "score", "count", "area", "text"]

# ---------------------------------------------------------------------------------------------
# Label normalisation


_NUMBERING = re.compile(r"^(?:[（(]?[0-9一二三四五六七八九十]+[)）、.．]|[①-⑩])+")
_CIRCLED = re.compile(r"^[①-⑳]")
_YEAR = re.compile(r"^(?:19|20)\d{2}年(?:度)?")
_SPACES = re.compile(r"\s+")


def label_core(text: object) -> str:
    """Normalise a label cell for matching: NFKC, no spaces, numbering, 其中 prefix, year or colon."""
    if not isinstance(text, str):
        return ""
    return _label_core(text)


@short_text_cache(maxsize=8192)
def _label_core(text: str) -> str:
    core = _SPACES.sub("", unicodedata.normalize("NFKC", _CIRCLED.sub("", text.strip())))
    core = core.replace("“", "").replace("”", "").replace('"', "")
    core = _NUMBERING.sub("", core)
    # NFKC turns the full-width colon into ':'; 其中 may stand with or without it.
    if core.startswith("其中"):
        core = core[2:].lstrip(":")
    core = _YEAR.sub("", core)
    return core.rstrip(":")


def label_year(text: object) -> int | None:
    """The year a label starts with (``2021年决算数`` → 2021), if any."""
    return _label_year(text) if isinstance(text, str) else None


@short_text_cache(maxsize=4096)  # column headers repeat across a batch
def _label_year(text: str) -> int | None:
    match = re.search(r"((?:19|20)\d{2})年", unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Term:
    """A label as printed on the official form, plus the variants real files carry."""

    text: str
    synonyms: tuple[str, ...] = ()
    # A label cell may carry a little more than the term (``公车运行维护费``); how much more.
    slack: int = 4

    def cores(self) -> tuple[str, ...]:
        """The normalised forms this term matches, the printed one first (computed once per term)."""
        return _term_cores(self)

    def quality(self, core: str) -> int | None:
        """How well a normalised label matches: 0 exact, n for n extra characters, None for no match."""
        best: int | None = None
        for pattern in self.cores():
            if core == pattern:
                return 0
            if core.startswith(pattern) and len(core) <= len(pattern) + self.slack:
                extra = len(core) - len(pattern)
                best = extra if best is None else min(best, extra)
        return best

    def matches(self, cell_text: object) -> bool:
        """Whether a cell's text is this label (exactly, or starting with it and a few more chars)."""
        core = label_core(cell_text)
        return bool(core) and self.quality(core) is not None


@functools.cache
def _term_cores(term: Term) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label_core(resolve(t, 2000)) for t in (term.text, *term.synonyms)))


# ---------------------------------------------------------------------------------------------
# Building blocks


@dataclass(frozen=True)
class Column:
    """A labelled column of a grid."""

    key: str
    term: Term
    fmt: Format = "amount"
    width: float = 14.0


@dataclass(frozen=True)
class Row:
    """A labelled row of a grid, with the role of each of the grid's columns in order."""

    key: str
    term: Term
    roles: tuple[Role, ...]
    indent: int = 0  # rendering only: 0 for totals, 1 for parts, 2 for sub-parts


@dataclass(frozen=True)
class Total:
    """``total`` equals the sum of ``parts`` in each of ``columns``; ``partial``: parts ≤ total."""

    total: str
    parts: tuple[str, ...]
    columns: tuple[str, ...]
    partial: bool = False
    label: str = ""  # Chinese name used in messages, e.g. 三公经费


@dataclass(frozen=True)
class Ratio:
    """A computed rate cell: ``row``/``column`` equals numerator ÷ denominator (cells as (row, column))."""

    row: str
    column: str
    numerator: tuple[str, str]
    denominator: tuple[str, str]
    label: str


@dataclass(frozen=True)
class Grid:
    """Rows × columns of figures, found by the row labels and the header row's column labels."""

    key: str
    corner: Term | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    totals: tuple[Total, ...] = ()
    ratios: tuple[Ratio, ...] = ()
    # Rows that are optional in real files (more 专项 rows, variant breakdowns).
    optional_rows: tuple[str, ...] = ()

    def row(self, key: str) -> Row:
        """The row declared under ``key``."""
        return next(r for r in self.rows if r.key == key)

    def column(self, key: str) -> Column:
        """The column declared under ``key``."""
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class ListBlock:
    """Label → single value pairs (the 按收入性质分 block, the 填报单位 line)."""

    key: str
    heading: Term | None
    items: tuple[Row, ...]  # roles has one entry: the value cell
    sums_to: str = ""  # the grid row this block breaks down (年度资金总额)


@dataclass(frozen=True)
class TextField:
    """A label whose value is the next non-empty cell to its right."""

    key: str
    term: Term
    fmt: Format = "text"


@dataclass(frozen=True)
class IndicatorColumn:
    """A column of the indicator table."""

    key: str
    term: Term
    width: float
    required: bool = True


@dataclass(frozen=True)
class Level1:
    """A 一级指标 with its default weight and the 二级指标 the template lists under it."""

    key: str
    term: Term
    weight: int
    level2: tuple[tuple[str, int], ...]  # (二级指标 label, blank rows in the template)


@dataclass(frozen=True)
class IndicatorTable:
    """The 绩效指标 table of 附件2 and 附件3, closed by the 总分 row."""

    lead: Term | None  # 附件3 has a 绩效指标 column before 一级指标
    columns: tuple[IndicatorColumn, ...]
    extra_columns: tuple[IndicatorColumn, ...]
    level1: tuple[Level1, ...]
    total: Term
    total_weight: int = 100

    def column(self, key: str) -> IndicatorColumn:
        """The column declared under ``key`` (main or extra)."""
        return next(c for c in (*self.columns, *self.extra_columns) if c.key == key)


@dataclass(frozen=True)
class FormLayout:
    """One official form: how to recognise it, its blocks and its canonical rendering."""

    kind: FormKind
    title: str
    file_name: str
    # Labels that must all be present for a sheet to be this form; the first is shown in messages.
    signature: tuple[Term, ...]
    fields: tuple[TextField, ...]
    grids: tuple[Grid, ...]
    lists: tuple[ListBlock, ...] = ()
    indicators: IndicatorTable | None = None
    notes: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    widths: tuple[float, ...] = field(default=())
    landscape: bool = False

    def grid(self, key: str) -> Grid:
        """The grid declared under ``key``."""
        return self._grids[key]

    def field_(self, key: str) -> TextField:
        """The text field declared under ``key``."""
        return self._fields[key]

    @cached_property
    def _grids(self) -> dict[str, Grid]:
        return {g.key: g for g in self.grids}

    @cached_property
    def _fields(self) -> dict[str, TextField]:
        return {f.key: f for f in self.fields}


# ---------------------------------------------------------------------------------------------
# Shared pieces

YEAR_LINE = "（{year}年度）"

BUDGET_COLUMNS = (
    Column("initial", Term("年初预算数", ("年初预算", "年初预算金额"))),
    Column("full_year", Term("全年预算数", ("全年预算", "调整后预算数", "全年预算金额"))),
    Column("executed", Term("全年执行数", ("全年执行", "执行数", "实际执行数", "全年执行金额"))),
    Column("weight", Term("分值"), fmt="score", width=8),
    Column("rate", Term("执行率", ("预算执行率",)), fmt="rate", width=10),
    Column("score", Term("得分"), fmt="score", width=10),
)
BUDGET_WEIGHT = 10

INDICATOR_COLUMNS = (
    IndicatorColumn("level1", Term("一级指标"), 12),
    IndicatorColumn("level2", Term("二级指标"), 14),
    IndicatorColumn("name", Term("三级指标", ("指标名称",)), 26),
    IndicatorColumn("target", Term("年度指标值", ("指标值", "年度目标值", "预期指标值", "目标值")), 14),
    IndicatorColumn("actual", Term("实际完成值", ("完成值", "全年实际值", "实际值")), 14),
    IndicatorColumn("weight", Term("分值", ("权重",)), 8),
    IndicatorColumn("score", Term("得分"), 8),
    IndicatorColumn(
        "reason",
        Term(
            "偏差原因分析及改进措施",
            ("偏差原因分析及改进", "偏差原因及改进措施", "偏差原因分析", "未完成原因分析", "偏差原因"),
            slack=8,
        ),
        30,
        required=False,
    ),
)
INDICATOR_EXTRA_COLUMNS = (
    IndicatorColumn("nature", Term("指标性质"), 8, required=False),
    IndicatorColumn("direction", Term("指标方向"), 8, required=False),
    IndicatorColumn("unit", Term("计量单位", ("度量单位", "单位")), 8, required=False),
)
LEVEL1 = (
    Level1(
        "output",
        Term("产出指标", slack=8),
        50,
        (("数量指标", 3), ("质量指标", 2), ("时效指标", 1), ("成本指标", 1)),
    ),
    Level1(
        "benefit",
        Term("效益指标", slack=8),
        30,
        (("经济效益指标", 1), ("社会效益指标", 2), ("生态效益指标", 1), ("可持续影响指标", 1)),
    ),
    Level1("satisfaction", Term("满意度指标", slack=8), 10, (("服务对象满意度指标", 1),)),
)
TOTAL = Term("总分", ("合计", "总计"), slack=0)

GOALS = (
    TextField("goal_heading", Term("年度总体目标", ("总体目标", "年度目标"))),
    TextField("goal_expected", Term("预期目标")),
    TextField("goal_actual", Term("实际完成情况")),
)


def _roles(*roles: Role) -> tuple[Role, ...]:
    return roles


# ---------------------------------------------------------------------------------------------
# 附件1 部门整体支出绩效评价基础数据表 (Hunan)

_YEAR3: tuple[Role, ...] = ("input", "input", "input")
_SUM3: tuple[Role, ...] = ("computed", "computed", "computed")

BASIC_DATA = FormLayout(
    kind="basic_data",
    title="部门整体支出绩效评价基础数据表",
    file_name="附件1 部门整体支出绩效评价基础数据表.xlsx",
    signature=(Term("经费控制情况"), Term("三公经费")),
    fields=(
        TextField("department", Term("填报单位", ("填报单位（盖章）", "单位名称"))),
        TextField("unit_note", Term("单位：万元", ("金额单位：万元",), slack=0)),
        TextField("measures", Term("厉行节约保障措施")),
    ),
    grids=(
        Grid(
            key="staff",
            corner=Term("财政供养人员情况"),
            columns=(
                Column("authorized", Term("编制数"), fmt="count"),
                Column("actual", Term("{Y}年实际在职人数", ("实际在职人数", "在职人数")), fmt="count"),
                Column("control_rate", Term("控制率", ("财政供养人员控制率", "在职人员控制率")), fmt="rate"),
            ),
            rows=(Row("staff", Term("人数"), _roles("input", "input", "computed")),),
            ratios=(Ratio("staff", "control_rate", ("staff", "actual"), ("staff", "authorized"), "控制率"),),
        ),
        Grid(
            key="spending",
            corner=Term("经费控制情况"),
            columns=(
                Column("prior_actual", Term("{Y-1}年决算数", ("上年决算数",))),
                Column("budget", Term("{Y}年预算数", ("本年预算数", "预算数"))),
                Column("actual", Term("{Y}年决算数", ("本年决算数", "决算数"))),
            ),
            rows=(
                Row("three_public", Term("三公经费", ("“三公”经费", "三公经费支出")), _SUM3),
                Row(
                    "vehicles",
                    Term("公务用车购置和维护经费", ("公务用车购置及运行维护费", "公务用车购置及运行费")),
                    _SUM3,
                    1,
                ),
                Row("vehicle_purchase", Term("公车购置", ("公务用车购置",)), _YEAR3, 2),
                Row("vehicle_running", Term("公车运行维护", ("公务用车运行维护",)), _YEAR3, 2),
                Row(
                    "abroad",
                    Term("出国经费", ("因公出国（境）费用", "因公出国(境)费", "因公出国")),
                    _YEAR3,
                    1,
                ),
                Row("reception", Term("公务接待", ("公务接待费",)), _YEAR3, 1),
                Row("projects", Term("项目支出", ("项目支出合计",)), _SUM3),
                Row("projects_business", Term("业务工作专项"), _YEAR3, 1),
                Row("projects_operation", Term("运行维护专项"), _YEAR3, 1),
                Row("projects_other", Term("其他专项"), _YEAR3, 1),
                Row("public_funds", Term("公用经费"), _YEAR3),
                Row("public_office", Term("办公经费"), _YEAR3, 1),
                Row(
                    "public_utilities",
                    Term("水费、电费、差旅费", ("水电费、差旅费", "水费电费差旅费")),
                    _YEAR3,
                    1,
                ),
                Row("public_meetings", Term("会议费、培训费", ("会议费培训费",)), _YEAR3, 1),
                Row("procurement", Term("政府采购金额", ("政府采购",)), _YEAR3),
                Row(
                    "budget_adjustment",
                    Term("部门基本支出预算调整", ("部门整体支出预算调整", "预算调整")),
                    _YEAR3,
                ),
            ),
            totals=(
                Total(
                    "three_public",
                    ("vehicles", "abroad", "reception"),
                    ("prior_actual", "budget", "actual"),
                    label="三公经费",
                ),
                Total(
                    "vehicles",
                    ("vehicle_purchase", "vehicle_running"),
                    ("prior_actual", "budget", "actual"),
                    label="公务用车购置和维护经费",
                ),
                Total(
                    "projects",
                    ("projects_business", "projects_operation", "projects_other"),
                    ("prior_actual", "budget", "actual"),
                    label="项目支出",
                ),
                Total(
                    "public_funds",
                    ("public_office", "public_utilities", "public_meetings"),
                    ("prior_actual", "budget", "actual"),
                    partial=True,
                    label="公用经费",
                ),
            ),
            optional_rows=("projects_other", "budget_adjustment", "procurement"),
        ),
        Grid(
            key="buildings",
            corner=Term("楼堂馆所控制情况（{Y}年完工项目）", ("楼堂馆所控制情况",), slack=12),
            columns=(
                Column("approved_area", Term("批复规模（㎡）", ("批复规模",)), fmt="area"),
                Column("actual_area", Term("实际规模（㎡）", ("实际规模",)), fmt="area"),
                Column("area_rate", Term("规模控制率"), fmt="rate"),
                Column("budget_investment", Term("预算投资（万元）", ("预算投资",))),
                Column("actual_investment", Term("实际投资（万元）", ("实际投资",))),
                Column("investment_rate", Term("投资概算控制率"), fmt="rate"),
            ),
            rows=(
                Row(
                    "buildings",
                    Term("完工项目"),
                    _roles("input", "input", "computed", "input", "input", "computed"),
                ),
            ),
            ratios=(
                Ratio(
                    "buildings",
                    "area_rate",
                    ("buildings", "actual_area"),
                    ("buildings", "approved_area"),
                    "规模控制率",
                ),
                Ratio(
                    "buildings",
                    "investment_rate",
                    ("buildings", "actual_investment"),
                    ("buildings", "budget_investment"),
                    "投资概算控制率",
                ),
            ),
        ),
    ),
    notes=(
        "说明：“项目支出”需要填报基本支出以外的所有项目支出情况，“公用经费”填报基本支出中的一般商品和服务支出。",
    ),
    footer=("填表人：", "填报日期：", "联系电话：", "单位负责人签字："),
    widths=(34.0, 18.0, 18.0, 18.0),
)

# ---------------------------------------------------------------------------------------------
# 附件2 部门整体支出绩效自评表 (MOF style)

_BUDGET_TOTAL_ROLES: tuple[Role, ...] = ("input", "input", "input", "fixed", "computed", "computed")

DEPARTMENT = FormLayout(
    kind="department",
    title="部门整体支出绩效自评表",
    file_name="附件2 部门整体支出绩效自评表.xlsx",
    signature=(Term("年度资金总额"), Term("一级指标")),
    fields=(
        TextField(
            "department",
            Term(
                "部门（单位）名称",
                ("部门(单位)名称", "预算单位名称", "一级预算单位名称", "单位名称", "部门名称"),
            ),
        ),
        *GOALS,
    ),
    grids=(
        Grid(
            key="budget",
            corner=Term("年度预算申请（万元）", ("年度预算申请", "预算资金（万元）"), slack=6),
            columns=BUDGET_COLUMNS,
            rows=(Row("total", Term("年度资金总额", ("资金总额",)), _BUDGET_TOTAL_ROLES),),
        ),
    ),
    lists=(
        ListBlock(
            key="by_source",
            heading=Term("按收入性质分"),
            items=(
                Row("general", Term("一般公共预算", ("一般公共预算拨款", "一般公共预算资金")), ("input",), 1),
                Row(
                    "fund",
                    Term("政府性基金拨款", ("政府性基金", "政府性基金预算", "政府性基金预算拨款")),
                    ("input",),
                    1,
                ),
                Row(
                    "non_tax",
                    Term(
                        "纳入专户管理的非税收入拨款",
                        ("纳入专户管理的非税收入", "非税收入拨款", "非税收入"),
                        slack=6,
                    ),
                    ("input",),
                    1,
                ),
                Row("other", Term("其他资金", ("其他",), slack=0), ("input",), 1),
            ),
            sums_to="total",
        ),
        ListBlock(
            key="by_use",
            heading=Term("按支出性质分"),
            items=(
                Row("basic", Term("基本支出"), ("input",), 1),
                Row("projects", Term("项目支出"), ("input",), 1),
            ),
            sums_to="total",
        ),
    ),
    indicators=IndicatorTable(
        lead=None,
        columns=INDICATOR_COLUMNS,
        extra_columns=INDICATOR_EXTRA_COLUMNS,
        level1=LEVEL1,
        total=TOTAL,
    ),
    widths=(16.0, 14.0, 26.0, 14.0, 14.0, 9.0, 10.0, 30.0),
    landscape=True,
)

# ---------------------------------------------------------------------------------------------
# 附件3 项目支出绩效自评表 (财预〔2020〕10号)

_PART_ROLES: tuple[Role, ...] = ("input", "input", "input", "none", "computed", "none")
_PART_ROLES_NO_RATE: tuple[Role, ...] = ("input", "input", "input", "none", "blank", "none")

PROJECT = FormLayout(
    kind="project",
    title="项目支出绩效自评表",
    file_name="附件3 项目支出绩效自评表.xlsx",
    signature=(Term("项目名称"), Term("年度资金总额")),
    fields=(
        TextField("project", Term("项目名称")),
        TextField("department", Term("主管部门", ("主管部门名称", "主管单位"))),
        TextField("implementer", Term("实施单位", ("项目实施单位",))),
        *GOALS,
    ),
    grids=(
        Grid(
            key="budget",
            corner=Term("项目资金（万元）", ("项目资金",), slack=6),
            columns=BUDGET_COLUMNS,
            rows=(
                Row("total", Term("年度资金总额", ("资金总额",)), _BUDGET_TOTAL_ROLES),
                Row(
                    "fiscal",
                    Term("当年财政拨款", ("本年财政拨款", "财政拨款", "财政拨款资金", "当年财政资金")),
                    _PART_ROLES,
                    1,
                ),
                Row("carryover", Term("上年结转资金", ("上年结转",)), _PART_ROLES_NO_RATE, 1),
                Row("other", Term("其他资金", ("其他资金来源",)), _PART_ROLES_NO_RATE, 1),
            ),
            totals=(
                Total(
                    "total",
                    ("fiscal", "carryover", "other"),
                    ("initial", "full_year", "executed"),
                    label="年度资金总额",
                ),
            ),
            optional_rows=("carryover", "other"),
        ),
    ),
    indicators=IndicatorTable(
        lead=Term("绩效指标"),
        columns=INDICATOR_COLUMNS,
        extra_columns=INDICATOR_EXTRA_COLUMNS,
        level1=LEVEL1,
        total=TOTAL,
    ),
    widths=(7.0, 12.0, 14.0, 26.0, 14.0, 14.0, 9.0, 10.0, 30.0),
    landscape=True,
)

FORMS: dict[FormKind, FormLayout] = {f.kind: f for f in (BASIC_DATA, DEPARTMENT, PROJECT)}

# The older Hunan 部门整体支出 format (投入 / 过程 / 产出 / 效果): recognised, not scored.
LEGACY_DEPARTMENT_SIGNATURE = (Term("投入"), Term("过程"), Term("评价标准", ("指标说明",)))

# Sheets whose name says they are not a form.
NON_FORM_SHEET_NAMES = ("填表说明", "说明", "封面", "目录", "填报说明", "指标解释")

# Label cores that start a note or footer below a form (说明：…, 注：…): a form's blocks end there.
NOTE_PREFIXES = ("说明:", "注:")

# Texts of 附件2 / 附件3 that mark a cell as taking no value.
NO_VALUE_MARKS = ("——", "—", "-", "--", "/", "－", "／")

# Qualitative bands for indicators scored on words (rules.md): label → (low, high) share of weight.
QUALITATIVE_BANDS = {
    "achieved": "达成年度指标",
    "partial": "部分达成年度指标并具有一定效果",
    "failed": "未达成年度指标且效果较差",
}

GRADE_NAMES = ("优", "良", "中", "差")


def resolve(text: str, year: int | None) -> str:
    """Fill the ``{Y}`` / ``{Y-1}`` placeholders of a label for a given year (blank when unknown)."""
    if year is None:
        return text.replace("{Y-1}", "    ").replace("{Y}", "    ")
    return text.replace("{Y-1}", str(year - 1)).replace("{Y}", str(year))
