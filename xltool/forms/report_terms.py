"""Which words of a written report (自评报告) name which figure of the forms, declared once as data.

The N rules (rules/narrative.py) read a stated figure together with the words just before it (since
the previous figure of the sentence): a budget stage (年初预算, 全年预算, 决算 …), an object (基本支出,
三公经费 …) and the form cells that object and stage name. The drafter (write/draft.py) writes its
sentences with the same words, so that a draft agrees with its forms by construction.

Precision before recall: a figure is compared only where these words name one figure of the forms;
anything else (two objects, a scope such as 本级 or one fund only, an approximate figure) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

# How lists of inputs name a written report (report.json's kind "report").
REPORT_KIND_NAME = "书面自评报告"

# A form cell: (form kind, block, row, column) as in layouts.py. Column "value" of a list block stands
# for the list as a whole, whose stage is the budget column the list adds up to.
Cell = tuple[str, str, str, str]

# ---------------------------------------------------------------------------------------------
# Budget stages. Keys: initial 年初预算, full_year 全年预算, executed 执行/决算, budget 预算 (附件1's
# one budget column), prior 上年决算. Longest first; 执行率 is no stage (it is removed before).

STAGE_WORDS: tuple[tuple[str, str], ...] = (
    ("全年可执行预算", "full_year"),
    ("调整后预算", "full_year"),
    ("全年预算", "full_year"),
    ("年初预算", "initial"),
    ("全年执行数", "executed"),
    ("预算执行数", "executed"),
    ("实际支出", "executed"),
    ("实际执行", "executed"),
    ("执行数", "executed"),
    ("支出决算", "executed"),
    ("决算数", "executed"),
    ("决算", "executed"),
    ("执行", "executed"),
    ("上年决算", "prior"),
    ("预算数", "budget"),
    ("预算", "budget"),
)
STAGE_IGNORED = ("执行率", "预算单位", "预算管理", "绩效", "控制率")
# Words naming the previous year's figure (the year itself, Y−1年, is recognised too).
PRIOR_WORDS = ("上年", "上一年", "去年", "上年度")

# ---------------------------------------------------------------------------------------------
# Amounts: object words → the N rule and, per stage, the form cells the figure may equal.


@dataclass(frozen=True)
class AmountTerm:
    """An object a report states an amount of, and the form cells each stage of it names."""

    key: str
    words: tuple[str, ...]
    rule: str
    label: str  # how messages name it
    cells: dict[str, tuple[Cell, ...]]  # stage → cells; "*": the list's own stage
    unless: tuple[str, ...] = ()  # words beside it that make it another figure (一般公共预算支出)


_B1 = "basic_data"
_B2 = "department"


def _basic_row(row: str) -> dict[str, tuple[Cell, ...]]:
    """附件1 经费控制情况 row: its budget, actual and prior-year columns."""
    budget = ((_B1, "spending", row, "budget"),)
    return {
        "initial": budget,
        "budget": budget,
        "executed": ((_B1, "spending", row, "actual"),),
        "prior": ((_B1, "spending", row, "prior_actual"),),
    }


AMOUNT_TERMS: tuple[AmountTerm, ...] = (
    AmountTerm(
        "three_public",
        ("“三公”经费", "三公经费", "三公"),
        "N-THREE-PUBLIC",
        "“三公”经费",
        _basic_row("three_public"),
    ),
    AmountTerm(
        "reception", ("公务接待费", "公务接待"), "N-THREE-PUBLIC", "公务接待费", _basic_row("reception")
    ),
    AmountTerm(
        "vehicle_running",
        ("公务用车运行维护费", "公车运行维护费", "公务用车运行维护"),
        "N-THREE-PUBLIC",
        "公务用车运行维护费",
        _basic_row("vehicle_running"),
    ),
    AmountTerm(
        "vehicles",
        ("公务用车购置和维护经费", "公务用车购置及运行维护费", "公务用车购置及运行费"),
        "N-THREE-PUBLIC",
        "公务用车购置和维护经费",
        _basic_row("vehicles"),
    ),
    AmountTerm(
        "abroad",
        ("因公出国（境）费", "因公出国(境)费", "因公出国费"),
        "N-THREE-PUBLIC",
        "因公出国（境）费",
        _basic_row("abroad"),
    ),
    AmountTerm("public_funds", ("公用经费",), "N-SPENDING-SPLIT", "公用经费", _basic_row("public_funds")),
    AmountTerm(
        "basic", ("基本支出",), "N-SPENDING-SPLIT", "基本支出", {"*": ((_B2, "by_use", "basic", "value"),)}
    ),
    AmountTerm(
        "projects",
        ("项目支出",),
        "N-SPENDING-SPLIT",
        "项目支出",
        {
            "*": ((_B2, "by_use", "projects", "value"),),
            "initial": ((_B1, "spending", "projects", "budget"),),
            "budget": ((_B1, "spending", "projects", "budget"),),
            "executed": ((_B1, "spending", "projects", "actual"),),
            "prior": ((_B1, "spending", "projects", "prior_actual"),),
        },
    ),
    AmountTerm(
        "general",
        ("一般公共预算拨款", "一般公共预算资金", "一般公共预算"),
        "N-BUDGET",
        "一般公共预算",
        {"*": ((_B2, "by_source", "general", "value"),)},
        ("支出",),
    ),
    AmountTerm(
        "fund",
        ("政府性基金预算拨款", "政府性基金拨款", "政府性基金预算", "政府性基金"),
        "N-BUDGET",
        "政府性基金",
        {"*": ((_B2, "by_source", "fund", "value"),)},
        ("支出",),
    ),
    AmountTerm(
        "non_tax",
        ("纳入专户管理的非税收入拨款", "纳入专户管理的非税收入"),
        "N-BUDGET",
        "纳入专户管理的非税收入",
        {"*": ((_B2, "by_source", "non_tax", "value"),)},
        ("支出",),
    ),
)

# The department's whole budget (附件2 年度资金总额): named by a stage word of its own, with none of
# the objects above and none of these words in the same stretch of text.
TOTAL_TERM = AmountTerm(
    "total",
    (),
    "N-BUDGET",
    "部门预算资金总额",
    {
        "initial": ((_B2, "budget", "total", "initial"),),
        "full_year": ((_B2, "budget", "total", "full_year"),),
        "executed": ((_B2, "budget", "total", "executed"),),
    },
)
TOTAL_EXCLUDED = (
    "收入",
    "结转",
    "结余",
    "资产",
    "负债",
    "收益",
    "项目",
    "工资",
    "福利",
    "商品和服务",
    "补助",
    "投资",
    "费",
    "罚没",
    "奖励",
    "采购",
    "专项",
    "资金来源",
)

# Words that narrow a figure to a part of the department (one fund, the 本级 unit): budget figures
# under a heading or in a stretch of text holding one of them are not compared with the forms.
SCOPE_WORDS = (
    "一般公共预算",
    "政府性基金",
    "国有资本经营",
    "社会保险基金",
    "本级",
    "二级单位",
    "所属单位",
    "下属单位",
)

# ---------------------------------------------------------------------------------------------
# Rates: words → what the rate is the ratio of.

EXECUTION_RATE_WORDS = ("预算执行率", "资金执行率", "执行率")
STAFF_RATE_WORDS = ("在职人员控制率", "财政供养人员控制率", "人员控制率")

# Staff counts (unit 人): words naming 附件1's 编制数 and 实际在职人数, and words that make the count
# some other group of people.
STAFF_AUTHORIZED_WORDS = ("核定编制", "编制数", "编制")
STAFF_ACTUAL_WORDS = ("实际在职人数", "在编在岗", "在职人员", "在职人数", "在职", "实有人数")
STAFF_EXCLUDED = (
    "其中",
    "本级",
    "二级",
    "离退休",
    "退休",
    "劳务派遣",
    "聘用",
    "编外",
    "临聘",
    "保障",
    "所属",
    "下属",
)

# The self-stated score (附件2 / 附件3 总分 得分) and words that make a score another one.
SELF_SCORE_WORDS = ("自评得分", "自评总分", "绩效自评", "自评")
SELF_SCORE_EXCLUDED = ("规则", "复核", "审核", "评审", "分值", "扣", "满分", "权重")

# Indicator values: words choosing the 年度指标值 or the 实际完成值, in the text or in a heading above.
INDICATOR_TARGET_WORDS = ("年度指标值", "目标值", "指标值", "目标", "计划", "预期")
INDICATOR_ACTUAL_WORDS = ("实际完成值", "实际完成", "完成值", "实际", "完成", "实现", "达到")
TARGET_HEADINGS = ("绩效目标", "年度目标", "目标")
ACTUAL_HEADINGS = ("完成情况", "绩效情况", "实际完成")

# Project names: a project is named in a sentence by its name without a leading year and a trailing
# 项目; a core this short or shorter is too common to name one project.
# Words that make a figure the department's even after a project was named earlier in the sentence.
DEPARTMENT_WORDS = ("部门", "单位整体", "全局", "本局", "我局")
PROJECT_NAME_SUFFIXES = ("项目", "专项资金", "专项", "资金")
MIN_NAME_CORE = 3

# ---------------------------------------------------------------------------------------------
# Within the text.

# Parts that add up to a stated total: "…X万元，其中：A a万元、B b万元"; the parts run to the end of the
# sentence (or of the bracket 其中 opens) and stop at a figure whose words start something else.
PARTS_MARK = "其中"
PART_BREAK_WORDS = (
    "合计",
    "共计",
    "总计",
    "累计",
    "另有",
    "另",
    "此外",
    "同比",
    "比上年",
    "增长",
    "减少",
    "下降",
    "占",
    "在职",
    "在编",
    "实有",
    "离退休",
    "年初预算",
    "全年预算",
    "调整后预算",
    "决算",
    "执行数",
    "实际支出",
)
# Breakdowns known to be complete: parts named by one word each of a set must equal the total; any
# other parts may list only some (其中 … 之一), so only parts exceeding the total contradict it.
COMPLETE_PARTS: tuple[tuple[str, ...], ...] = (
    ("基本支出", "项目支出"),
    ("本级", "二级"),
)


@dataclass(frozen=True)
class RateFromCounts:
    """A rate the text states and the counts it is the ratio of (办结率 = 结案 ÷ 立案)."""

    rate_words: tuple[str, ...]
    numerator_words: tuple[str, ...]
    denominator_words: tuple[str, ...]
    label: str


RATES_FROM_COUNTS: tuple[RateFromCounts, ...] = (
    RateFromCounts(
        ("案件办结率", "办结率", "结案率"), ("结案", "办结"), ("立案", "受理"), "办结数÷立案（受理）数"
    ),
    RateFromCounts(("销号率",), ("销号",), ("反馈问题", "发现问题"), "销号数÷问题数"),
    RateFromCounts(
        ("整改率", "整改完成率"),
        ("完成整改", "整改到位", "已整改"),
        ("发现问题", "反馈问题", "问题"),
        "整改数÷问题数",
    ),
)
