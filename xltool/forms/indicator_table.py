"""The 绩效指标 table of 附件2 and 附件3: its columns, its 一级指标 and the 总分 row that closes it."""

from __future__ import annotations

from dataclasses import dataclass

from xltool.forms.terms import Term


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
LEAD = Term("绩效指标")  # 附件3's column before 一级指标 (seen on 附件2 published in 附件3's layout)
