"""The rule catalogue: every rule's stable id, family, severity, Chinese name, description and basis.

One place for all rules; the checks in the rule modules register against these ids, and every output
that shows a finding (messages, `xltool rules`, the scored workbooks, the summary, report.json) takes
the rule's Chinese name and policy basis from here. Kept free of pandas so that `xltool rules` starts
fast.
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
    "N": "书面自评报告（与表格核对、文内数字自洽）",
}


SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}

# The documents the rules rest on, quoted by subject (the clause's content, not a guessed number).
_MOF2020 = "财预〔2020〕10号《项目支出绩效评价管理办法》"
_MOF2020_FORM = "财预〔2020〕10号 项目支出绩效自评表"
_MOF2013 = "财预〔2013〕53号《预算绩效评价共性指标体系框架》部门整体支出"
_HUNAN = "湖南 部门整体支出绩效评价基础数据表"

MOF_WEIGHTS = f"{_MOF2020}单位自评：预算执行率10%，产出指标50%，效益指标30%，服务对象满意度指标10%"
MOF_TOTAL = f"{_MOF2020}单位自评：总分由各项指标得分汇总形成"
MOF_QUANTITATIVE = f"{_MOF2020}单位自评：定量指标完成指标值的记全部分值，未完成的按完成值与指标值的比例记分"
MOF_OVER_TARGET = (
    f"{_MOF2020}单位自评：完成值高于指标值较多的要分析原因，指标值设定明显偏低的按偏离度适度调减分值"
)
MOF_QUALITATIVE = (
    f"{_MOF2020}单位自评：定性指标分达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差"
    "三档，分别按分值的100–80%（含80%）、80–60%（含60%）、60–0%记分"
)
FORM_BUDGET = f"{_MOF2020_FORM}：项目资金的全年预算数、全年执行数、执行率与得分栏"
FORM_INDICATORS = f"{_MOF2020_FORM}：绩效指标的年度指标值、实际完成值、分值、得分栏"
MOF2013_ADJUSTMENT = f"{_MOF2013}：预算调整率"
MOF2013_STAFF = f"{_MOF2013}：在职人员控制率（在职人员数÷编制数）"
MOF2013_THREE_PUBLIC = f"{_MOF2013}：“三公经费”变动率"
MOF2013_PUBLIC_FUNDS = f"{_MOF2013}：公用经费控制率"
HUNAN_PUBLIC_FUNDS = f"{_HUNAN}：公用经费及其“其中”项"
HUNAN_PROJECTS = f"{_HUNAN} 说明：“项目支出”需要填报基本支出以外的所有项目支出情况"
BUDGET_LAW = (
    "《中华人民共和国预算法》第十三条：各部门、各单位的支出必须以经批准的预算为依据，未列入预算的不得支出"
)


@dataclass(frozen=True)
class RuleInfo:
    """A rule as the catalogue lists it: what it checks, its short Chinese name and its basis."""

    id: str
    family: str
    severity: Severity
    title: str  # one line: what the rule checks
    name: str  # short Chinese name, shown wherever a finding is shown
    basis: str | None  # the policy document and clause it rests on; None where there is no clear one
    rates: bool = False  # its figures are rates (fractions) whatever the marked cell holds


RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "A-BLOCK-SUM",
        "A",
        "error",
        "按收入性质分、按支出性质分各项合计等于年度资金总额（年初、全年预算或执行数之一）",
        name="分类合计不符",
        basis=None,
    ),
    RuleInfo(
        "A-PARTIAL-EXCEEDS",
        "A",
        "error",
        "部分列示的分项（公用经费其中项）合计不超过总数",
        name="其中项超过总数",
        basis=HUNAN_PUBLIC_FUNDS,
    ),
    RuleInfo(
        "A-RATE-STATED",
        "A",
        "error",
        "填报的执行率等于全年执行数÷全年预算数",
        name="执行率计算不符",
        basis=FORM_BUDGET,
    ),
    RuleInfo(
        "A-RATIO-STATED",
        "A",
        "error",
        "附件1填报的控制率（人员、规模、投资概算）等于相应两数之比",
        name="控制率计算不符",
        basis=None,
    ),
    RuleInfo("A-SCORE-RANGE", "A", "error", "每项得分在0到分值之间", name="得分超出分值范围", basis=None),
    RuleInfo(
        "A-SUM-PARTS",
        "A",
        "error",
        "合计数等于各分项之和（三公经费、公务用车、项目支出、年度资金总额…，按列核对，允许舍位差）",
        name="合计与分项不符",
        basis=None,
    ),
    RuleInfo(
        "A-TOTAL-EMPTY",
        "A",
        "error",
        "合计行为空或0而分项已填（计算时改用分项合计）",
        name="合计未填",
        basis=None,
    ),
    RuleInfo(
        "A-TOTAL-STATED",
        "A",
        "error",
        "总分等于预算执行得分与各指标得分之和",
        name="总分加总不符",
        basis=MOF_TOTAL,
    ),
    RuleInfo("A-UNREADABLE", "A", "error", "应填数字的单元格能读成数字", name="数字无法识别", basis=None),
    RuleInfo(
        "A-WEIGHT-LEVEL1",
        "A",
        "warning",
        "各一级指标下三级指标分值之和等于该一级指标的分值",
        name="一级指标分值不符",
        basis=MOF_WEIGHTS,
    ),
    RuleInfo(
        "A-WEIGHT-TOTAL",
        "A",
        "error",
        "预算执行分值与全部指标分值合计为100分",
        name="分值合计不为100",
        basis=MOF_WEIGHTS,
    ),
    RuleInfo(
        "B-ACTUAL-ABOVE-BUDGET",
        "B",
        "info",
        "附件1决算数高于预算数（年中追加属正常，请核实追加依据）",
        name="决算高于预算",
        basis=None,
    ),
    RuleInfo(
        "B-ADJUSTMENT",
        "B",
        "warning",
        "全年预算数与年初预算数相差不超过设定比例（默认±20%）",
        name="预算调整幅度大",
        basis=MOF2013_ADJUSTMENT,
    ),
    RuleInfo(
        "B-EXEC-LOW",
        "B",
        "warning",
        "预算执行率不低于设定值（默认90%）",
        name="执行率偏低",
        basis=None,
        rates=True,
    ),
    RuleInfo(
        "B-EXEC-LOW-LINE",
        "B",
        "warning",
        "附件1各项（项目支出、公用经费、政府采购…）决算数不远低于预算数（默认不低于80%）",
        name="执行远低于计划",
        basis=None,
    ),
    RuleInfo(
        "B-EXEC-OVER",
        "B",
        "error",
        "附件2/附件3全年执行数不超过全年预算数（全年预算数已含年中调整）",
        name="执行数超预算",
        basis=None,
    ),
    RuleInfo(
        "B-EXEC-STATED",
        "B",
        "error",
        "预算执行得分等于 min(执行率,1)×分值",
        name="预算执行得分不符",
        basis=FORM_BUDGET,
    ),
    RuleInfo(
        "B-UNBUDGETED", "B", "warning", "有执行（决算）数的资金应有预算", name="无预算支出", basis=BUDGET_LAW
    ),
    RuleInfo(
        "C-ACTUAL-MISSING",
        "C",
        "error",
        "每个指标都填写了实际完成值（未填按0分计）",
        name="未填实际完成值",
        basis=FORM_INDICATORS,
    ),
    RuleInfo(
        "C-ACTUAL-NONNUMERIC", "C", "warning", "定量指标的实际完成值是数值", name="完成值不是数值", basis=None
    ),
    RuleInfo(
        "C-EXECUTION-CAP", "C", "info", "按执行率封顶总分（一体化口径）", name="按执行率封顶", basis=None
    ),
    RuleInfo(
        "C-NOT-APPLICABLE",
        "C",
        "info",
        "标注为不适用的指标已剔除，总分按100分折算",
        name="不适用指标",
        basis=None,
    ),
    RuleInfo(
        "C-OVER-TARGET",
        "C",
        "warning",
        "实际完成值超出年度指标值达设定比例（默认30%）：指标值可能设定偏低",
        name="指标值可能偏低",
        basis=MOF_OVER_TARGET,
        rates=True,
    ),
    RuleInfo(
        "C-QUALITATIVE-BAND",
        "C",
        "warning",
        "定性指标得分落在完成情况所属档次内（80–100%、60–80%、0–60%）",
        name="定性得分超出档次",
        basis=MOF_QUALITATIVE,
    ),
    RuleInfo(
        "C-QUALITATIVE-UNCLEAR",
        "C",
        "info",
        "定性指标的完成情况写明是否达成",
        name="定性完成情况不明",
        basis=MOF_QUALITATIVE,
    ),
    RuleInfo(
        "C-REASON-MISSING",
        "C",
        "warning",
        "未完成或大幅超额的指标填写了偏差原因分析及改进措施",
        name="未说明偏差原因",
        basis=MOF_OVER_TARGET,
    ),
    RuleInfo(
        "C-SCORE-OVER",
        "C",
        "error",
        "指标自评得分不高于按规则计算的得分（自评偏高）",
        name="指标自评偏高",
        basis=MOF_QUANTITATIVE,
    ),
    RuleInfo(
        "C-SCORE-UNDER",
        "C",
        "info",
        "指标自评得分低于按规则计算的得分（自评偏低）",
        name="指标自评偏低",
        basis=MOF_QUANTITATIVE,
    ),
    RuleInfo(
        "C-TARGET-MISSING",
        "C",
        "warning",
        "每个指标都填写了年度指标值",
        name="未填年度指标值",
        basis=FORM_INDICATORS,
    ),
    RuleInfo(
        "C-TOTAL-OVER", "C", "warning", "自评总分不高于按规则计算的总分", name="总分自评偏高", basis=MOF_TOTAL
    ),
    RuleInfo(
        "C-TOTAL-UNDER", "C", "info", "自评总分低于按规则计算的总分", name="总分自评偏低", basis=MOF_TOTAL
    ),
    RuleInfo(
        "C-UNIT-MISMATCH",
        "C",
        "warning",
        "年度指标值与实际完成值的计量单位一致或可换算",
        name="计量单位不一致",
        basis=None,
    ),
    RuleInfo(
        "D-DEPARTMENT-NAME",
        "D",
        "warning",
        "附件3主管部门、附件1填报单位与附件2部门名称一致",
        name="部门名称不一致",
        basis=None,
    ),
    RuleInfo("D-MISSING-FORM", "D", "info", "每个部门提交了附件1、附件2和附件3", name="缺少表格", basis=None),
    RuleInfo(
        "D-PART-EXCEEDS-WHOLE",
        "D",
        "error",
        "附件1项目支出预算数不超过附件2年度资金总额年初预算数",
        name="项目支出超过部门预算",
        basis=HUNAN_PROJECTS,
    ),
    RuleInfo(
        "D-PROJECT-SUM",
        "D",
        "error",
        "附件3各项目全年执行数合计不超过附件2项目支出",
        name="项目执行数合计超额",
        basis=None,
    ),
    RuleInfo(
        "D-PROJECTS-ACTUAL",
        "D",
        "warning",
        "附件1项目支出决算数与附件2按支出性质分的项目支出一致（同为执行口径时）",
        name="项目支出决算不一致",
        basis=None,
    ),
    RuleInfo("D-YEAR", "D", "warning", "同一部门各表的年度一致", name="年度不一致", basis=None),
    RuleInfo(
        "E-PUBLIC-FUNDS-CONTROL",
        "E",
        "warning",
        "公用经费控制率（决算÷预算）不超过100%",
        name="公用经费超预算",
        basis=MOF2013_PUBLIC_FUNDS,
    ),
    RuleInfo(
        "E-STAFF-OVER",
        "E",
        "warning",
        "在职人员控制率（在职人数÷编制数）不超过100%",
        name="在职人员超编",
        basis=MOF2013_STAFF,
    ),
    RuleInfo(
        "E-THREE-PUBLIC-CONTROL",
        "E",
        "warning",
        "“三公经费”控制率（决算÷预算）不超过100%",
        name="“三公经费”超预算",
        basis=None,
    ),
    RuleInfo(
        "E-THREE-PUBLIC-GROWTH",
        "E",
        "warning",
        "“三公经费”变动率（本年决算较上年决算）不大于0",
        name="“三公经费”增长",
        basis=MOF2013_THREE_PUBLIC,
    ),
    RuleInfo(
        "F-MAGNITUDE",
        "F",
        "error",
        "数字的绝对值小于1000万亿（更大的数不像实际填报，不参与计算，需核对）",
        name="数值大得不合理",
        basis=None,
    ),
    RuleInfo("F-NEGATIVE", "F", "error", "金额不为负数", name="金额为负数", basis=None),
    RuleInfo(
        "F-RATE-OVER-100",
        "F",
        "error",
        "合格率、满意度、及时率等比率的实际完成值不超过100%",
        name="比率超过100%",
        basis=None,
    ),
    RuleInfo(
        "F-SCALE",
        "F",
        "warning",
        "金额与本部门其他金额量级相符（疑似把“元”当“万元”填报）",
        name="疑似按元填报",
        basis=None,
    ),
    RuleInfo(
        "G-FORMULA-OVERWRITTEN",
        "G",
        "warning",
        "官方表式中为公式的计算单元格（执行率、得分、合计…）未被手工数字覆盖",
        name="公式被数字覆盖",
        basis=None,
    ),
    RuleInfo(
        "G-MISSING-LABEL",
        "G",
        "error",
        "表格中必需的标签（行、列、指标表头、总分行）都能找到",
        name="缺少必需标签",
        basis=None,
    ),
    RuleInfo(
        "G-NO-INDICATORS",
        "G",
        "error",
        "附件2、附件3填有绩效指标",
        name="未填绩效指标",
        basis=FORM_INDICATORS,
    ),
    # Family N reads a written report (rules/narrative.py): the report must say what its forms say.
    RuleInfo(
        "N-BUDGET",
        "N",
        "error",
        "报告所写部门年初预算、全年预算、执行数及按收入性质分的金额与附件2一致",
        name="报告预算数与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-SPENDING-SPLIT",
        "N",
        "error",
        "报告所写基本支出、项目支出、公用经费与附件2按支出性质分、附件1一致",
        name="报告支出结构与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-EXEC-RATE",
        "N",
        "error",
        "报告所写部门或项目的预算执行率等于表中全年执行数÷全年预算数",
        name="报告执行率与表不符",
        basis=FORM_BUDGET,
    ),
    RuleInfo(
        "N-STAFF",
        "N",
        "error",
        "报告所写编制数、实际在职人数、在职人员控制率与附件1一致",
        name="报告人员数与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-THREE-PUBLIC",
        "N",
        "error",
        "报告所写“三公”经费及其各项的预算数、决算数与附件1一致",
        name="报告“三公”经费不符",
        basis=None,
    ),
    RuleInfo(
        "N-PROJECT",
        "N",
        "error",
        "报告所写项目的年初预算、全年预算、执行数与该项目附件3一致",
        name="报告项目资金与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-INDICATOR",
        "N",
        "error",
        "报告所写绩效指标的年度指标值、实际完成值与附件2/附件3一致",
        name="报告指标值与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-SELF-SCORE",
        "N",
        "error",
        "报告所写自评得分与附件2/附件3的总分一致",
        name="报告自评得分与表不符",
        basis=None,
    ),
    RuleInfo(
        "N-PARTS-SUM",
        "N",
        "error",
        "报告中“其中”所列各项之和不超过所写合计（基本支出＋项目支出等完整分项须相等）",
        name="报告分项与合计不符",
        basis=None,
    ),
    RuleInfo(
        "N-RATE-COUNTS",
        "N",
        "warning",
        "报告所写比率（办结率、销号率、整改率）与文中所写件数之比一致",
        name="报告比率与件数不符",
        basis=None,
        rates=True,
    ),
    RuleInfo(
        "N-NO-FORMS",
        "N",
        "info",
        "书面报告所写部门有对应的自评表，报告中的数字能与表格核对",
        name="报告无对应表格",
        basis=None,
    ),
)

BY_ID: dict[str, RuleInfo] = {r.id: r for r in RULES}

# Families whose rules read a written report rather than the forms' frames (rules/narrative.py).
DOCUMENT_FAMILIES = frozenset({"N"})
FORM_RULES: tuple[RuleInfo, ...] = tuple(r for r in RULES if r.family not in DOCUMENT_FAMILIES)
