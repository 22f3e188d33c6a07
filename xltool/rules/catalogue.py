"""The rule catalogue: every rule's stable id, family, severity and Chinese description.

One place for all rules; the checks in the check_* modules register against these ids. Kept free of
pandas so that `xltool rules` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

FAMILIES = {
    "A": "表内勾稽（合计、比率、得分、权重）",
    "B": "预算与执行",
    "C": "绩效指标",
    "D": "同一部门各表之间",
    "E": "派生指标（附件1）",
    "F": "合理性",
    "G": "表格结构",
}


@dataclass(frozen=True)
class RuleInfo:
    """A rule as the catalogue lists it."""

    id: str
    family: str
    severity: Severity
    title: str


RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "A-BLOCK-SUM",
        "A",
        "error",
        "按收入性质分、按支出性质分各项合计等于年度资金总额（年初、全年预算或执行数之一）",
    ),
    RuleInfo("A-PARTIAL-EXCEEDS", "A", "error", "部分列示的分项（公用经费其中项）合计不超过总数"),
    RuleInfo("A-RATE-STATED", "A", "error", "填报的执行率等于全年执行数÷全年预算数"),
    RuleInfo("A-RATIO-STATED", "A", "error", "附件1填报的控制率（人员、规模、投资概算）等于相应两数之比"),
    RuleInfo("A-SCORE-RANGE", "A", "error", "每项得分在0到分值之间"),
    RuleInfo(
        "A-SUM-PARTS",
        "A",
        "error",
        "合计数等于各分项之和（三公经费、公务用车、项目支出、年度资金总额…，按列核对，允许舍位差）",
    ),
    RuleInfo("A-TOTAL-EMPTY", "A", "error", "合计行为空或0而分项已填（计算时改用分项合计）"),
    RuleInfo("A-TOTAL-STATED", "A", "error", "总分等于预算执行得分与各指标得分之和"),
    RuleInfo("A-UNREADABLE", "A", "error", "应填数字的单元格能读成数字"),
    RuleInfo("A-WEIGHT-LEVEL1", "A", "warning", "各一级指标下三级指标分值之和等于该一级指标的分值"),
    RuleInfo("A-WEIGHT-TOTAL", "A", "error", "预算执行分值与全部指标分值合计为100分"),
    RuleInfo("B-ACTUAL-ABOVE-BUDGET", "B", "info", "附件1决算数高于预算数（年中追加属正常，请核实追加依据）"),
    RuleInfo("B-ADJUSTMENT", "B", "warning", "全年预算数与年初预算数相差不超过设定比例（默认±20%）"),
    RuleInfo("B-EXEC-LOW", "B", "warning", "预算执行率不低于设定值（默认90%）"),
    RuleInfo("B-EXEC-OVER", "B", "error", "附件2/附件3全年执行数不超过全年预算数（全年预算数已含年中调整）"),
    RuleInfo("B-EXEC-STATED", "B", "error", "预算执行得分等于 min(执行率,1)×分值"),
    RuleInfo("B-UNBUDGETED", "B", "warning", "有执行（决算）数的资金应有预算"),
    RuleInfo("C-ACTUAL-MISSING", "C", "error", "每个指标都填写了实际完成值（未填按0分计）"),
    RuleInfo("C-ACTUAL-NONNUMERIC", "C", "warning", "定量指标的实际完成值是数值"),
    RuleInfo("C-EXECUTION-CAP", "C", "info", "按执行率封顶总分（一体化口径）"),
    RuleInfo("C-NOT-APPLICABLE", "C", "info", "标注为不适用的指标已剔除，总分按100分折算"),
    RuleInfo(
        "C-OVER-TARGET", "C", "warning", "实际完成值超出年度指标值达设定比例（默认30%）：指标值可能设定偏低"
    ),
    RuleInfo(
        "C-QUALITATIVE-BAND", "C", "warning", "定性指标得分落在完成情况所属档次内（80–100%、60–80%、0–60%）"
    ),
    RuleInfo("C-QUALITATIVE-UNCLEAR", "C", "info", "定性指标的完成情况写明是否达成"),
    RuleInfo("C-REASON-MISSING", "C", "warning", "未完成或大幅超额的指标填写了偏差原因分析及改进措施"),
    RuleInfo("C-SCORE-OVER", "C", "error", "指标自评得分不高于按规则计算的得分（自评偏高）"),
    RuleInfo("C-SCORE-UNDER", "C", "info", "指标自评得分低于按规则计算的得分（自评偏低）"),
    RuleInfo("C-TARGET-MISSING", "C", "warning", "每个指标都填写了年度指标值"),
    RuleInfo("C-TOTAL-OVER", "C", "warning", "自评总分不高于按规则计算的总分"),
    RuleInfo("C-TOTAL-UNDER", "C", "info", "自评总分低于按规则计算的总分"),
    RuleInfo("C-UNIT-MISMATCH", "C", "warning", "年度指标值与实际完成值的计量单位一致或可换算"),
    RuleInfo("D-DEPARTMENT-NAME", "D", "warning", "附件3主管部门、附件1填报单位与附件2部门名称一致"),
    RuleInfo("D-MISSING-FORM", "D", "info", "每个部门提交了附件1、附件2和附件3"),
    RuleInfo("D-PART-EXCEEDS-WHOLE", "D", "error", "附件1项目支出预算数不超过附件2年度资金总额年初预算数"),
    RuleInfo("D-PROJECT-SUM", "D", "error", "附件3各项目全年执行数合计不超过附件2项目支出"),
    RuleInfo(
        "D-PROJECTS-ACTUAL",
        "D",
        "warning",
        "附件1项目支出决算数与附件2按支出性质分的项目支出一致（同为执行口径时）",
    ),
    RuleInfo("D-YEAR", "D", "warning", "同一部门各表的年度一致"),
    RuleInfo("E-PUBLIC-FUNDS-CONTROL", "E", "warning", "公用经费控制率（决算÷预算）不超过100%"),
    RuleInfo("E-STAFF-OVER", "E", "warning", "在职人员控制率（在职人数÷编制数）不超过100%"),
    RuleInfo("E-THREE-PUBLIC-CONTROL", "E", "warning", "“三公经费”控制率（决算÷预算）不超过100%"),
    RuleInfo("E-THREE-PUBLIC-GROWTH", "E", "warning", "“三公经费”变动率（本年决算较上年决算）不大于0"),
    RuleInfo("F-NEGATIVE", "F", "error", "金额不为负数"),
    RuleInfo("F-RATE-OVER-100", "F", "error", "合格率、满意度、及时率等比率的实际完成值不超过100%"),
    RuleInfo("F-SCALE", "F", "warning", "金额与本部门其他金额量级相符（疑似把“元”当“万元”填报）"),
    RuleInfo("G-MISSING-LABEL", "G", "error", "表格中必需的标签（行、列、指标表头、总分行）都能找到"),
    RuleInfo("G-NO-INDICATORS", "G", "error", "附件2、附件3填有绩效指标"),
)

BY_ID: dict[str, RuleInfo] = {r.id: r for r in RULES}
