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

The labels are `Term`s (`xltool.forms.terms`), the blocks are declared in `xltool.forms.blocks` and
the indicator table in `xltool.forms.indicator_table`.
"""

from __future__ import annotations

from xltool.forms.blocks import (
    Column,
    FormLayout,
    Grid,
    ListBlock,
    Ratio,
    Role,
    Row,
    TextField,
    Total,
    Variant,
)
from xltool.forms.indicator_table import (
    INDICATOR_COLUMNS,
    INDICATOR_EXTRA_COLUMNS,
    LEAD,
    LEVEL1,
    TOTAL,
    IndicatorTable,
)
from xltool.forms.terms import Term
from xltool.model.records import FormKind

# ---------------------------------------------------------------------------------------------
# Shared pieces

YEAR_LINE = "（{year}年度）"

BUDGET_COLUMNS = (
    Column("initial", Term("年初预算数", ("年初预算", "年初预算金额"))),
    Column("full_year", Term("全年预算数", ("全年预算", "调整后预算数", "全年预算金额"), exact=("预算数",))),
    Column("executed", Term("全年执行数", ("全年执行", "执行数", "实际执行数", "全年执行金额"))),
    Column("weight", Term("分值"), fmt="score", width=8),
    Column("rate", Term("执行率", ("预算执行率",)), fmt="rate", width=10),
    Column("score", Term("得分"), fmt="score", width=10),
)
BUDGET_WEIGHT = 10

# Variants both indicator tables are published in.
WEIGHT_FIRST = Variant("分值列在年度指标值之前", (), ("order:weight<target",))
GRADE_IN_TOTAL = Variant("总分行填写等级", (), ("total:grade",))


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
    variants=(
        Variant("无财政供养人员情况", ("grid:staff",)),
        Variant("无楼堂馆所控制情况", ("grid:buildings",)),
    ),
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
                exact=("部门", "单位", "预算单位", "填报单位", "部门（单位）", "预算部门"),
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
    variants=(
        Variant("无年初预算数", ("column:budget.initial",)),
        Variant("无按收入性质分、按支出性质分", ("list:by_source", "list:by_use")),
        Variant(
            "项目表式样（有“绩效指标”栏，资金按来源分行，无按收入性质分、按支出性质分）",
            ("list:by_source", "list:by_use"),
            ("lead:indicators",),
        ),
        WEIGHT_FIRST,
        GRADE_IN_TOTAL,
    ),
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
        TextField("implementer", Term("实施单位", ("项目实施单位",), exact=("项目单位", "执行单位"))),
        *GOALS,
    ),
    grids=(
        Grid(
            key="budget",
            corner=Term("项目资金（万元）", ("项目资金",), slack=6, exact=("资金",)),
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
        lead=LEAD,
        columns=INDICATOR_COLUMNS,
        extra_columns=INDICATOR_EXTRA_COLUMNS,
        level1=LEVEL1,
        total=TOTAL,
    ),
    widths=(7.0, 12.0, 14.0, 26.0, 14.0, 14.0, 9.0, 10.0, 30.0),
    landscape=True,
    variants=(Variant("无年初预算数", ("column:budget.initial",)), WEIGHT_FIRST, GRADE_IN_TOTAL),
)

FORMS: dict[FormKind, FormLayout] = {f.kind: f for f in (BASIC_DATA, DEPARTMENT, PROJECT)}
# The name each form is shown by in messages and outputs (附件1 部门整体支出绩效评价基础数据表 …).
FORM_NAMES: dict[str, str] = {kind: layout.file_name.removesuffix(".xlsx") for kind, layout in FORMS.items()}

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
