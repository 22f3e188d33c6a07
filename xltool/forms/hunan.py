"""The older Hunan 部门整体支出 indicator table (投入 / 过程 / 产出 / 效果), declared as a 附件2 variant.

Columns ``一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 | 评价标准 | 指标说明 | 得分``: each level
has its own 分值, and each row says in its 评价标准 how it is scored (``≥90%，计5分；…``). A row's
rule score is its own tiers applied to the ratio it names, computed from the department's 附件1
where that form gives the ratio (`NAMED_RATIOS`). The table has no budget block and no
年度指标值 / 实际完成值: those omissions are the variant, never findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from xltool.forms.blocks import FormLayout, TextField, Variant
from xltool.forms.indicator_table import TOTAL, IndicatorColumn, IndicatorTable
from xltool.forms.terms import Term

_WEIGHT = Term("分值", ("权重", "权数"))

# Three 分值 columns share one label: declared in the order they stand, each takes the next one found.
HUNAN_INDICATORS = IndicatorTable(
    lead=None,
    columns=(
        IndicatorColumn("level1", Term("一级指标"), 10),
        IndicatorColumn("level1_weight", _WEIGHT, 6, required=False),
        IndicatorColumn("level2", Term("二级指标"), 12),
        IndicatorColumn("level2_weight", _WEIGHT, 6, required=False),
        IndicatorColumn("name", Term("三级指标", ("指标名称",)), 20),
        IndicatorColumn("weight", _WEIGHT, 6),
        IndicatorColumn("score", Term("得分", ("评价得分", "自评得分")), 8),
    ),
    # Shown beside the scored copy as the department wrote them; 评价标准 also scores its row.
    extra_columns=(
        IndicatorColumn("criterion", Term("评价标准", ("评分标准", "计分标准", "评分办法")), 30),
        IndicatorColumn("explanation", Term("指标说明", ("指标解释", "指标内涵")), 30, required=False),
    ),
    level1=(),
    total=TOTAL,
)

HUNAN_VARIANT = "湖南旧版部门整体支出绩效评价表（投入/过程/产出/效果，按评价标准计分）"

HUNAN_DEPARTMENT = FormLayout(
    kind="department",
    title="部门整体支出绩效评价表",
    file_name="附件2 部门整体支出绩效自评表.xlsx",
    signature=(Term("投入"), Term("过程"), Term("评价标准", ("指标说明",))),
    fields=(
        TextField(
            "department",
            Term(
                "部门（单位）名称",
                ("部门(单位)名称", "预算单位名称", "一级预算单位名称", "单位名称", "部门名称", "评价单位"),
                exact=("部门", "单位", "预算单位", "填报单位", "部门（单位）", "预算部门"),
            ),
        ),
    ),
    grids=(),
    indicators=HUNAN_INDICATORS,
    variants=(Variant(HUNAN_VARIANT, ()),),
)


@dataclass(frozen=True)
class NamedRatio:
    """A 三级指标 that names a ratio the department's 附件1 gives (a derived indicator of family E)."""

    term: Term  # the 三级指标 as written
    derived: str  # the derived indicator's name (rules.departments.DERIVED)


# 三级指标 → the 附件1 figure it is measured by. A ratio not listed here (预算完成率, 支付进度率 …) is not
# one 附件1 gives: its row keeps the self-score, with a finding saying so.
NAMED_RATIOS = (
    NamedRatio(Term("在职人员控制率", ("人员控制率", "财政供养人员控制率"), slack=0), "在职人员控制率"),
    NamedRatio(Term("三公经费变动率", ("三公经费支出变动率", "三公变动率"), slack=0), "三公经费变动率"),
    NamedRatio(Term("三公经费控制率", ("三公经费支出控制率",), slack=0), "三公经费控制率"),
    NamedRatio(Term("公用经费控制率", (), slack=0), "公用经费控制率"),
    NamedRatio(Term("政府采购执行率", ("政府采购预算执行率",), slack=0), "政府采购执行率"),
)
