"""The rule catalogue: every rule's stable id, family, severity, Chinese name, description and basis.

One place for all rules; the checks in the rule modules register against these ids, and every output
that shows a finding (messages, `xltool rules`, the scored workbooks, the summary, report.json) takes
the rule's Chinese name and policy basis from here. Kept free of pandas so that `xltool rules` starts
fast.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "I": "报送材料（重复报送、修改版）",
    "Y": "与上年对比（--last-year）",
}

# What a family's rules look at, where the rules' own lines do not say it.
FAMILY_NOTES = {
    "N": (
        "报告（.docx/.txt，标题或文件名含“自评报告”“绩效自评”）按所写部门与该部门的表格核对，"
        "逐句读出金额（万元/元/亿元）、比率和件数及其前面的词语；只核对词语明确指向表格中某一个数字的句子，"
        "约数（约、余、以上）、其他年度、局本级或单一资金来源等含糊的数字一律不核对，宁缺勿错。"
        "发现的问题写明段落和原句，并在输出文件夹中同名的批注版报告里以 Word 批注标在该句上"
    ),
}


def family_heading(family: str) -> str:
    """A family as `xltool rules` heads it: letter, name, and what its rules look at when noted."""
    note = FAMILY_NOTES.get(family)
    return f"{family} 类：{FAMILIES[family]}" + (f"\n  {note}" if note else "")


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
MOF_GRADES = f"{_MOF2020}：评价结果90（含）–100分为优、80（含）–90分为良、60（含）–80分为中、60分以下为差"
FORM_BUDGET = f"{_MOF2020_FORM}：项目资金的全年预算数、全年执行数、执行率与得分栏"
FORM_INDICATORS = f"{_MOF2020_FORM}：绩效指标的年度指标值、实际完成值、分值、得分栏"
MOF2013_ADJUSTMENT = f"{_MOF2013}：预算调整率"
MOF2013_STAFF = f"{_MOF2013}：在职人员控制率（在职人员数÷编制数）"
MOF2013_THREE_PUBLIC = f"{_MOF2013}：“三公经费”变动率"
MOF2013_PUBLIC_FUNDS = f"{_MOF2013}：公用经费控制率"
HUNAN_PUBLIC_FUNDS = f"{_HUNAN}：公用经费及其“其中”项"
HUNAN_CRITERIA = "湖南 部门整体支出绩效评价指标表（投入/过程/产出/效果）：各三级指标按其“评价标准”栏计分"
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
    # The Chinese message (messages.py: ``{column}``, ``{figure:num}``, ``{fraction:rate}``), or
    # several keyed by variant when the rule reports more than one kind of case. The rules on a written
    # report (family N) compose their messages from the sentence they quote, and have none here.
    message: str | Mapping[str, str] = ""
    rates: bool = False  # its figures are rates (fractions) whatever the marked cell holds

    def template(self, variant: str = "") -> str:
        """The message template of a variant ("" for the rule's only or main one)."""
        return self.message if isinstance(self.message, str) else self.message[variant]


# fmt: off
RULES: tuple[RuleInfo, ...] = (
    RuleInfo("A-BLOCK-SUM", "A", "error", name="分类合计不符", basis=None,
             title="按收入性质分、按支出性质分各项合计等于年度资金总额（年初、全年预算或执行数之一）",
             message="{heading}各项合计{total:num}，与年度资金总额的年初预算数{stated_initial:num}、全年预算数{stated_full_year:num}、全年执行数{stated_executed:num}均不一致"),
    RuleInfo("A-GRADE-STATED", "A", "error", name="等级与总分不符", basis=MOF_GRADES,
             title="总分行填写的等级与自评总分相符（优≥90、良80–90、中60–80、差<60）",
             message="总分行填写等级“{stated}”，但自评总分{total:num}对应的等级是“{grade}”；请改正等级或核对总分"),
    RuleInfo("A-PARTIAL-EXCEEDS", "A", "error", name="其中项超过总数", basis=HUNAN_PUBLIC_FUNDS,
             title="部分列示的分项（公用经费其中项）合计不超过总数",
             message="{label}{column_label}填报为{value:num}，其中列示各项合计{sum:num}已超过总数"),
    RuleInfo("A-RATE-STATED", "A", "error", name="执行率计算不符", basis=FORM_BUDGET, rates=True,
             title="填报的执行率等于全年执行数÷全年预算数",
             message={
                 "": "执行率填报为{stated_rate:rate}，按全年执行数{executed:num}÷全年预算数{full_year:num}应为{rate:rate}",
                 "part": "{row_label}执行率填报为{rate:rate}，按{executed:num}÷{full_year:num}应为{computed:rate}",
             }),
    RuleInfo("A-RATIO-STATED", "A", "error", name="控制率计算不符", basis=None, rates=True,
             title="附件1填报的控制率（人员、规模、投资概算）等于相应两数之比",
             message="{label}填报为{stated:rate}，按{numerator_label}{numerator:num}÷{denominator_label}{denominator:num}应为{computed:rate}"),
    RuleInfo("A-SCORE-RANGE", "A", "error", name="得分超出分值范围", basis=None,
             title="每项得分在0到分值之间",
             message="“{name}”得分{self_score:num}不在0到分值{weight:num}之间"),
    RuleInfo("A-SUM-PARTS", "A", "error", name="合计与分项不符", basis=None,
             title="合计数等于各分项之和（三公经费、公务用车、项目支出、年度资金总额…，按列核对，允许舍位差）",
             message="{label}{column_label}填报为{value:num}，按各分项合计应为{sum:num}"),
    RuleInfo("A-TOTAL-EMPTY", "A", "error", name="合计未填", basis=None,
             title="合计行为空或0而分项已填（计算时改用分项合计）",
             message="{label}{column_label}填报为{stated}，其中各项合计为{sum:num}，应填{sum:num}{note}"),
    RuleInfo("A-TOTAL-STATED", "A", "error", name="总分加总不符", basis=MOF_TOTAL,
             title="总分等于预算执行得分与各指标得分之和",
             message={
                 "": "总分填报为{total:num}，按填报的预算执行得分和各指标得分合计应为{summed:num}",
                 "rescaled": "总分填报为{total:num}，按填报的预算执行得分和各指标得分合计应为{summed:num}，剔除不适用指标（分值{dropped:num}）后按100分折算应为{wanted:num}",
             }),
    RuleInfo("A-UNREADABLE", "A", "error", name="数字无法识别", basis=None,
             title="应填数字的单元格能读成数字",
             message="{problem}"),
    RuleInfo("A-WEIGHT-LEVEL1", "A", "warning", name="一级指标分值不符", basis=MOF_WEIGHTS,
             title="各一级指标下三级指标分值之和等于该一级指标的分值",
             message="{level1}下各三级指标分值合计为{total:num}，应为{expected:num}"),
    RuleInfo("A-WEIGHT-TOTAL", "A", "error", name="分值合计不为100", basis=MOF_WEIGHTS,
             title="预算执行分值与全部指标分值合计为100分",
             message={
                 "": "预算执行分值{budget_weight:num}与各指标分值合计为{total:num}，应为100",
                 "stated": "总分行的分值填报为{stated:num}，应为100",
             }),
    RuleInfo("B-ACTUAL-ABOVE-BUDGET", "B", "info", name="决算高于预算", basis=None,
             title="附件1决算数高于预算数（年中追加属正常，请核实追加依据）",
             message="{row_label}{actual_label}{actual:num}高于{budget_label}{budget:num}，如为年中追加请核实依据"),
    RuleInfo("B-ADJUSTMENT", "B", "warning", name="预算调整幅度大", basis=MOF2013_ADJUSTMENT,
             title="全年预算数与年初预算数相差不超过设定比例（默认±20%）",
             message="全年预算数{full_year:num}与年初预算数{initial:num}相差{change:rate}（超过±{limit:rate}），请说明预算调整原因"),
    RuleInfo("B-EXEC-LOW", "B", "warning", name="执行率偏低", basis=None, rates=True,
             title="预算执行率不低于设定值（默认90%）",
             message="预算执行率{rate:rate}（全年执行数{executed:num}÷全年预算数{full_year:num}）低于{limit:rate}，请在自评报告中说明未执行原因"),
    RuleInfo("B-EXEC-LOW-LINE", "B", "warning", name="执行远低于计划", basis=None,
             title="附件1各项（项目支出、公用经费、政府采购…）决算数不远低于预算数（默认不低于80%）",
             message="{row_label}{actual_label}{actual:num}仅为{budget_label}{budget:num}的{rate:rate}（低于{limit:rate}），执行远低于计划，请在自评报告中说明原因"),
    RuleInfo("B-EXEC-OVER", "B", "error", name="执行数超预算", basis=None,
             title="附件2/附件3全年执行数不超过全年预算数（全年预算数已含年中调整）",
             message="{row_label}全年执行数{executed:num}超过全年预算数{full_year:num}（全年预算数已含年中调整），请核实执行数或调整后预算"),
    RuleInfo("B-EXEC-STATED", "B", "error", name="预算执行得分不符", basis=FORM_BUDGET,
             title="预算执行得分等于 min(执行率,1)×分值",
             message="得分填报为{stated_score:num}，{why}应为{score:num}"),
    RuleInfo("B-UNBUDGETED", "B", "warning", name="无预算支出", basis=BUDGET_LAW,
             title="有执行（决算）数的资金应有预算",
             message={
                 "": "全年执行数{executed:num}，但年初预算数和全年预算数均为空或0：有资金未纳入预算，请说明",
                 "spending": "{row_label}{actual_label}{actual:num}，但{budget_label}为空或0：有支出未纳入预算，请说明",
             }),
    RuleInfo("C-ACTUAL-MISSING", "C", "error", name="未填实际完成值", basis=FORM_INDICATORS,
             title="每个指标都填写了实际完成值（未填按0分计）",
             message="“{name}”未填写实际完成值，按0分计；请补填实际完成值"),
    RuleInfo("C-ACTUAL-NONNUMERIC", "C", "warning", name="完成值不是数值", basis=None,
             title="定量指标的实际完成值是数值",
             message="“{name}”年度指标值“{ttext}”是定量指标，实际完成值却是“{atext}”，无法按比例计分（按完成情况档次评分为{score:num}）；请填写实际完成数量"),
    RuleInfo("C-CRITERION-KEPT", "C", "info", name="评价标准未能自动计分", basis=HUNAN_CRITERIA,
             title="按评价标准计分的指标（湖南旧版表）能读出计分档次并算出所需比率",
             message={
                 "": "“{name}”的评价标准“{criterion}”未写成可自动计算的计分档次，已保留自评得分{self_score:num}；请人工核对",
                 "no_ratio": "“{name}”所需比率无法由本部门附件1算出（未提交附件1，或附件1不含此项数字），已保留自评得分{self_score:num}；请人工核对",
                 "uncovered": "“{name}”{ratio_name}为{ratio:rate}，不在评价标准“{criterion}”的任何档次内，已保留自评得分{self_score:num}；请人工核对",
             }),
    RuleInfo("C-EXECUTION-CAP", "C", "info", name="按执行率封顶", basis=None,
             title="按执行率封顶总分（一体化口径）",
             message="预算执行率{rate:rate}，按{profile}口径总分不超过{cap:num}分"),
    RuleInfo("C-NOT-APPLICABLE", "C", "info", name="不适用指标", basis=None,
             title="标注为不适用的指标已剔除，总分按100分折算",
             message="“{name}”标注为不适用，分值{weight:num}已剔除，总分按100分折算"),
    RuleInfo("C-OVER-TARGET", "C", "warning", name="指标值可能偏低", basis=MOF_OVER_TARGET, rates=True,
             title="实际完成值超出年度指标值达设定比例（默认30%）：指标值可能设定偏低",
             message="“{name}”实际完成值“{atext}”偏离年度指标值“{ttext}”达{over:rate}（≥{limit:rate}），指标值可能设定偏低{deduction}"),
    RuleInfo("C-QUALITATIVE-BAND", "C", "warning", name="定性得分超出档次", basis=MOF_QUALITATIVE,
             title="定性指标得分落在完成情况所属档次内（默认80–100%、60–80%、0–60%）",
             message={
                 "": "“{name}”完成情况“{atext}”属“{band}”档，得分应在{low:num}–{high:num}之间，填报为{self_score:num}",
                 "named": "“{name}”完成情况为“{atext}”，该档得分应在{low:num}–{high:num}之间，填报为{self_score:num}",
             }),
    RuleInfo("C-QUALITATIVE-UNCLEAR", "C", "info", name="定性完成情况不明", basis=MOF_QUALITATIVE,
             title="定性指标的完成情况写明是否达成",
             message="“{name}”完成情况“{atext}”未写明是否达成年度指标，已保留自评得分{self_score:num}；建议写明“达成年度指标”等"),
    RuleInfo("C-REASON-MISSING", "C", "warning", name="未说明偏差原因", basis=MOF_OVER_TARGET,
             title="未完成或大幅超额的指标填写了偏差原因分析及改进措施",
             message="“{name}”实际完成值“{actual_text}”{shortfall}“{ttext}”，偏差原因分析及改进措施未填写；请说明原因"),
    RuleInfo("C-SCORE-OVER", "C", "error", name="指标自评偏高", basis=MOF_QUANTITATIVE,
             title="指标自评得分不高于按规则计算的得分（自评偏高）",
             message="“{name}”得分填报为{self_score:num}，{why}应为{score:num}"),
    RuleInfo("C-SCORE-UNDER", "C", "info", name="指标自评偏低", basis=MOF_QUANTITATIVE,
             title="指标自评得分低于按规则计算的得分（自评偏低）",
             message="“{name}”得分填报为{self_score:num}，{why}可得{score:num}"),
    RuleInfo("C-TARGET-MISSING", "C", "warning", name="未填年度指标值", basis=FORM_INDICATORS,
             title="每个指标都填写了年度指标值",
             message="“{name}”未填写年度指标值，无法评价完成情况；已保留自评得分{self_score:num}"),
    RuleInfo("C-TOTAL-OVER", "C", "warning", name="总分自评偏高", basis=MOF_TOTAL,
             title="自评总分不高于按规则计算的总分",
             message="自评总分{self_score:num}高于按规则计算的{score:num}分（{grade}），差{gap:num}分；请按本表标注逐项核减"),
    RuleInfo("C-TOTAL-UNDER", "C", "info", name="总分自评偏低", basis=MOF_TOTAL,
             title="自评总分低于按规则计算的总分",
             message="自评总分{self_score:num}低于按规则计算的{score:num}分"),
    RuleInfo("C-UNIT-MISMATCH", "C", "warning", name="计量单位不一致", basis=None,
             title="年度指标值与实际完成值的计量单位一致或可换算",
             message="“{name}”年度指标值“{ttext}”与实际完成值“{atext}”计量单位不一致，无法换算比较；已保留自评得分{self_score:num}，请统一计量单位"),
    RuleInfo("D-DEPARTMENT-NAME", "D", "warning", name="部门名称不一致", basis=None,
             title="附件3主管部门、附件1填报单位与附件2部门名称一致",
             message="{field}{stated}，与同一部门其他表格的“{dept}”不一致；请填写部门全称"),
    RuleInfo("D-MISSING-FORM", "D", "info", name="缺少表格", basis=None,
             title="每个部门提交了附件1、附件2和附件3",
             message="本部门未提交{form}，相关跨表核对未能进行"),
    RuleInfo("D-PART-EXCEEDS-WHOLE", "D", "error", name="项目支出超过部门预算", basis=HUNAN_PROJECTS,
             title="附件1项目支出预算数不超过附件2年度资金总额年初预算数",
             message="附件1项目支出预算数{projects:num}超过附件2年度资金总额年初预算数{whole:num}（部分不能大于整体）；请核对两表口径"),
    RuleInfo("D-PROJECT-SUM", "D", "error", name="项目执行数合计超额", basis=None,
             title="附件3各项目全年执行数合计不超过附件2项目支出",
             message="附件3共{count}个项目全年执行数合计{total:num}，超过附件2项目支出{whole:num}"),
    RuleInfo("D-PROJECTS-ACTUAL", "D", "warning", name="项目支出决算不一致", basis=None,
             title="附件1项目支出决算数与附件2按支出性质分的项目支出一致（同为执行口径时）",
             message="附件1项目支出决算数{actual:num}与附件2按支出性质分的项目支出{projects:num}不一致"),
    RuleInfo("D-YEAR", "D", "warning", name="年度不一致", basis=None,
             title="同一部门各表的年度一致",
             message="本表年度为{year}年，同一部门其他表格为{main_year}年；请核实年度"),
    RuleInfo("E-PUBLIC-FUNDS-CONTROL", "E", "warning", name="公用经费超预算", basis=MOF2013_PUBLIC_FUNDS,
             title="公用经费控制率（决算÷预算）不超过100%",
             message="公用经费决算数{num:num}超过预算数{den:num}，控制率{rate:rate}"),
    RuleInfo("E-STAFF-OVER", "E", "warning", name="在职人员超编", basis=MOF2013_STAFF,
             title="在职人员控制率（在职人数÷编制数）不超过100%",
             message="实际在职人数{num:num}超过编制数{den:num}，在职人员控制率{rate:rate}，超过100%"),
    RuleInfo("E-THREE-PUBLIC-CONTROL", "E", "warning", name="“三公经费”超预算", basis=None,
             title="“三公经费”控制率（决算÷预算）不超过100%",
             message="“三公经费”决算数{num:num}超过预算数{den:num}，控制率{rate:rate}"),
    RuleInfo("E-THREE-PUBLIC-GROWTH", "E", "warning", name="“三公经费”增长", basis=MOF2013_THREE_PUBLIC,
             title="“三公经费”变动率（本年决算较上年决算）不大于0",
             message="“三公经费”本年决算数{num:num}高于上年决算数{den:num}，变动率{change:rate}；请说明增长原因"),
    RuleInfo("F-MAGNITUDE", "F", "error", name="数值大得不合理", basis=None,
             title="数字的绝对值小于1000万亿（更大的数不像实际填报，不参与计算，需核对）",
             message="{problem}"),
    RuleInfo("F-NEGATIVE", "F", "error", name="金额为负数", basis=None,
             title="金额不为负数",
             message="金额为负数{value:num}，请核实"),
    RuleInfo("F-RATE-OVER-100", "F", "error", name="比率超过100%", basis=None,
             title="合格率、满意度、及时率等比率的实际完成值不超过100%",
             message="“{name}”实际完成值“{atext}”超过100%，此类比率不可能超过100%；请核实"),
    RuleInfo("F-SCALE", "F", "warning", name="疑似按元填报", basis=None,
             title="金额与本部门其他金额量级相符（疑似把“元”当“万元”填报）",
             message="金额{value:num}万元约为本部门金额中位数{median:num}的{times:.0f}倍，疑似按“元”填报；请核实单位（万元）"),
    RuleInfo("G-FORMULA-OVERWRITTEN", "G", "warning", name="公式被数字覆盖", basis=None,
             title="官方表式中为公式的计算单元格（执行率、得分、合计…）未被手工数字覆盖",
             message="此处按官方表式应为公式，却填写了数字{value:num}（同表其他计算单元格仍为公式）：表格可能被手工改写，输入数字变动后此数不会随之更新；请恢复公式或核对此数"),
    RuleInfo("G-MISSING-LABEL", "G", "error", name="缺少必需标签", basis=None,
             title="表格中必需的标签（行、列、指标表头、总分行）都能找到",
             message="{problem}"),
    RuleInfo("G-NO-INDICATORS", "G", "error", name="未填绩效指标", basis=FORM_INDICATORS,
             title="附件2、附件3填有绩效指标",
             message="绩效指标表没有填写任何指标，只能按预算执行情况计分；请填写年度指标值、实际完成值、分值和得分"),
    RuleInfo("N-BUDGET", "N", "error", name="报告预算数与表不符", basis=None,
             title="报告所写部门年初预算、全年预算、执行数及按收入性质分的金额与附件2一致"),
    RuleInfo("N-SPENDING-SPLIT", "N", "error", name="报告支出结构与表不符", basis=None,
             title="报告所写基本支出、项目支出、公用经费与附件2按支出性质分、附件1一致"),
    RuleInfo("N-EXEC-RATE", "N", "error", name="报告执行率与表不符", basis=FORM_BUDGET, rates=True,
             title="报告所写部门或项目的预算执行率等于表中全年执行数÷全年预算数"),
    RuleInfo("N-STAFF", "N", "error", name="报告人员数与表不符", basis=None,
             title="报告所写编制数、实际在职人数、在职人员控制率与附件1一致"),
    RuleInfo("N-THREE-PUBLIC", "N", "error", name="报告“三公”经费不符", basis=None,
             title="报告所写“三公”经费及其各项的预算数、决算数与附件1一致"),
    RuleInfo("N-PROJECT", "N", "error", name="报告项目资金与表不符", basis=None,
             title="报告所写项目的年初预算、全年预算、执行数与该项目附件3一致"),
    RuleInfo("N-INDICATOR", "N", "error", name="报告指标值与表不符", basis=None,
             title="报告所写绩效指标的年度指标值、实际完成值与附件2/附件3一致"),
    RuleInfo("N-SELF-SCORE", "N", "error", name="报告自评得分与表不符", basis=None,
             title="报告所写自评得分与附件2/附件3的总分一致"),
    RuleInfo("N-PARTS-SUM", "N", "error", name="报告分项与合计不符", basis=None,
             title="报告中“其中”所列各项之和不超过所写合计（基本支出＋项目支出等完整分项须相等）"),
    RuleInfo("N-RATE-COUNTS", "N", "warning", name="报告比率与件数不符", basis=None, rates=True,
             title="报告所写比率（办结率、销号率、整改率）与文中所写件数之比一致"),
    RuleInfo("N-NO-FORMS", "N", "info", name="报告无对应表格", basis=None,
             title="书面报告所写部门有对应的自评表，报告中的数字能与表格核对"),
    RuleInfo("I-DUPLICATE", "I", "warning", name="重复报送", basis=None,
             title="同一表格只报送一份（原件与修改版并存时采用填报日期或修改时间最晚的一份）",
             message="同一表格报送了多份：{files}；本次采用{kept}（{reason}），{others}的数字和问题不计入。请只保留最终版本"),
    RuleInfo("Y-PRIOR-STATED", "Y", "warning", name="上年数与上年报送不符", basis=None,
             title="附件1填报的上年决算数与上年报送的决算数一致",
             message="{label}上年决算数填报为{stated:num}，与上年报送的决算数{before:num}不一致；请核对更正，或在情况说明中说明调整原因"),
    RuleInfo("Y-PROJECT-BUDGET-CHANGE", "Y", "warning", name="项目预算较上年变动大", basis=None,
             title="附件1项目支出预算数较上年变动不超过设定比例（默认±30%）",
             message="{label}{now:num}较上年报送的{before:num}{direction}{change:rate}，变动超过{limit:rate}；请在情况说明中说明原因"),
    RuleInfo("Y-STAFF-CHANGE", "Y", "warning", name="在职人数较上年变动大", basis=None,
             title="附件1实际在职人数较上年变动不超过设定比例（默认±30%）",
             message="{label}{now:num}较上年报送的{before:num}{direction}{change:rate}，变动超过{limit:rate}；请在情况说明中说明原因"),
    RuleInfo("Y-TARGET-BELOW-LAST", "Y", "warning", name="指标值低于上年实际", basis=None,
             title="年度指标值不低于同一指标上年实际完成值",
             message="“{name}”年度指标值“{target}”低于上年实际完成值“{achieved}”；指标值一般不应低于上年实际水平，请提高指标值或在情况说明中说明理由"),
    RuleInfo("Y-TARGET-UNCHANGED", "Y", "info", name="指标值多年不变", basis=None,
             title="上年已超额完成的指标，本年指标值未原样照搬",
             message="“{name}”年度指标值与上年相同（“{target}”），而上年实际完成“{achieved}”已超过；多年不变的指标值请结合上年完成情况调整"),
    RuleInfo("Y-THREE-PUBLIC-CHANGE", "Y", "warning", name="“三公经费”变动大", basis=None,
             title="附件1“三公经费”决算数较上年变动不超过设定比例（默认±30%）",
             message="{label}{now:num}较上年报送的{before:num}{direction}{change:rate}，变动超过{limit:rate}；请在情况说明中说明原因"),
)
# fmt: on

BY_ID: dict[str, RuleInfo] = {r.id: r for r in RULES}

# Families whose rules read a written report rather than the forms' frames (rules/narrative.py).
DOCUMENT_FAMILIES = frozenset({"N"})
FORM_RULES: tuple[RuleInfo, ...] = tuple(r for r in RULES if r.family not in DOCUMENT_FAMILIES)
