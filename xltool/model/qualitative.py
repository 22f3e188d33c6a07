"""Qualitative actuals read as achievement bands: 达成 / 部分达成 / 未达成 and the words that say so."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from xltool.model.values import SPACE_RE

_ACHIEVE_WORDS: Final = (
    r"达成|达到|完成|实现|达标|显著|明显|满意|合格|理想|到位|及时|开展|实施|启动|开工|验收|落实|见效"
)
# Checked first, because "未达成" contains "达成" and "部分未完成" contains "部分".
_FAILED_RE: Final = re.compile(
    rf"(?:不|未|没有|没|尚未)(?:能)?(?:按[时期])?(?:全部|完全)?(?:{_ACHIEVE_WORDS})"
    r"|较差|很差|效果差|^差$|不好|无效果"
    r"|修订中|进行中|实施中|建设中|推进中|办理中|审批中|施工中|^.{1,4}中$|正在|^待|延期|滞后|推迟|暂停|停滞|取消"
)
# Checked second, because "部分达成" and "基本完成" contain "达成" and "完成".
_PARTIAL_RE: Final = re.compile(r"部分|基本|一定(?:效果|成效|程度|作用)|有所|一般|初步|^中$")
_ACHIEVED_RE: Final = re.compile(
    rf"{_ACHIEVE_WORDS}|良好|^良$|好|优|有效|提升|提高|改善|增强|全部|符合|按时|按期|^已"
)


def achievement_level(text: str) -> str | None:
    """Qualitative band of a text: 'achieved', 'partial', 'failed', or None if it says nothing."""
    if not isinstance(text, str):
        return None
    s = SPACE_RE.sub("", unicodedata.normalize("NFKC", text))
    if not s:
        return None
    if _FAILED_RE.search(s):
        return "failed"
    if _PARTIAL_RE.search(s):
        return "partial"
    if _ACHIEVED_RE.search(s):
        return "achieved"
    return None
