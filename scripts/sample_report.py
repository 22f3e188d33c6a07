"""The sample's written report: 桃源县自然资源局's 2022 self-evaluation report, written for this project.

The figures are those of the department's public report (and of the sample's forms); the sentences are
written here. Every figure agrees with the sample's forms, but for one contradiction kept on purpose
because the public report has it within itself: the 违法案件处理办结率 of 95 % beside 24 cases filed and 18
closed (75 %), which `xltool reconcile samples/` reports (N-RATE-COUNTS) and marks with a comment in the
report's annotated copy.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from xltool.write.official import stable_zip

NAME = "桃源县自然资源局"
FILE_NAME = f"{NAME}2022年度部门整体支出绩效自评报告.docx"

PARAGRAPHS: tuple[str, ...] = (
    f"{NAME}2022年度部门整体支出绩效自评报告",
    "一、部门基本情况",
    "（一）机构和人员",
    "本局是全额拨款的行政单位，设办公室、财务股、行政审批服务办公室等8个内设股室，"
    "管理不动产登记中心、土地开发整理中心等12个二级机构和28个基层自然资源所。",
    "县委编办为本局核定编制216人，其中局本级17人，二级机构及基层所199人。"
    "2022年末实际在职人数205人，其中局本级13人，二级机构192人；另有离退休人员68人、劳务派遣人员25人。",
    "（二）主要职责",
    "负责全县土地、矿产等自然资源的规划、利用、保护和监管，承担不动产登记、测绘管理、地质灾害防治等工作。",
    "二、部门整体支出管理及使用情况",
    "（一）预算安排和执行",
    "2022年部门年初预算60596.97万元，年中调整后全年预算39575.03万元，全年执行数39575.03万元，"
    "预算执行率100%。",
    "全年执行数39575.03万元，其中：一般公共预算12750.62万元、政府性基金拨款26121.09万元、"
    "纳入专户管理的非税收入94.4万元，其余608.92万元为上年结转。",
    "按支出性质分，部门决算支出39575.03万元，其中：基本支出2899.23万元，项目支出36675.8万元。",
    "（二）“三公”经费和公用经费",
    "2022年“三公”经费预算40万元，决算33.44万元，比上年的48.6万元下降31.19%；"
    "其中公务接待费12.28万元，公务用车运行维护费21.16万元，没有因公出国（境）支出。",
    "公用经费预算511.2万元，决算222.54万元。",
    "（三）项目资金",
    "旱改水项目全年预算3970.96万元，执行数3279.93万元，预算执行率82.6%，"
    "新增水田2164.95亩，完成土地平整2175亩，硬化渠道39400米、生产道路19700米。",
    "矿山生态修复项目全年预算620万元，执行数598.46万元，修复面积194.55亩，超过省厅下达的126.3亩任务。",
    "废弃矿硐封堵项目对涉矿8个乡镇全面排查，共发现废弃矿硐184个，已封堵或自然垮塌177个"
    "（其中自然垮塌29个，封堵148个）。",
    "三、部门整体支出绩效情况",
    "（一）产出",
    "数量方面，用地审批面积786亩，矿山整治修复数7个，旱改水数量2200亩，"
    "全年开展自然资源监查行动300次，村庄规划审定257个；国土空间总体规划仍在修订。",
    "执法方面，全年联合乡镇自然资源所开展执法活动2919次，立案查处自然资源违法案件24件"
    "（其中土地案件19件，矿山案件5件），结案18件，罚没款126.0448万元。",
    "质量方面，收储土地合格率100%，耕地验收合格率100%，违法案件处理办结率95%。",
    "（二）效益",
    "全县耕地保有量守住76827公顷的底线，基本农田保护面积82420公顷；受房地产市场下行影响，土地收入未能持续增长。",
    "（三）满意度",
    "社会公众满意度和服务对象满意度均在90%以上。",
    "四、存在的问题及原因",
    "一是建设用地计划指标逐年收紧，项目用地保障压力大；二是耕地后备资源不足，占补平衡难度加大；"
    "三是地质灾害点多面广，本级防治资金有限。",
    "五、下一步改进措施",
    "加强土地供应和收储的统筹，积极争取上级用地指标；加大耕地恢复和整治投入；多渠道筹集地质灾害防治资金。",
    "六、绩效自评结果拟应用和公开情况",
    "2022年部门整体支出绩效自评91.53分，自评结果将在县人民政府门户网站公开，并用于改进下一年度预算管理。",
)

_FIXED_TIME = (2023, 3, 28, 0, 0, 0)


def write_report(folder: Path) -> Path:
    """Write the report as a .docx into ``folder`` (byte for byte the same on every run)."""
    import docx

    document = docx.Document()
    title, *body = PARAGRAPHS
    document.add_heading(title, level=0)
    for text in body:
        document.add_paragraph(text)
    moment = datetime(*_FIXED_TIME)
    document.core_properties.created = moment
    document.core_properties.modified = moment
    document.core_properties.author = NAME
    buffer = io.BytesIO()
    document.save(buffer)
    target = folder / FILE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(stable_zip(buffer.getvalue(), _FIXED_TIME))
    return target
