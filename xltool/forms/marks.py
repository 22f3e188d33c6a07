"""What a scored workbook carries beyond the forms, declared once for the writer and the reader.

A scored workbook may come back as an input (a department returning it corrected, with its
explanations). The writer marks it (a custom document property) and labels what it adds; the reader
uses the same texts to read the forms alone, never the additions, and to read the explanations.
"""

from __future__ import annotations

# The custom document property every scored workbook carries, and its value.
SCORED_PROPERTY = "xltool"
SCORED_VALUE = "scored-workbook-1"

REVIEW_SHEET = "审核结果"

# The columns of the findings table of 审核结果 the department and the reviewer fill in, and the
# hidden column holding each finding's key (what matches a row to a finding in the next round).
EXPLANATION_HEADER = "情况说明"
REVIEW_HEADER = "审核意见"
KEY_HEADER = "问题标识"
ACCEPT, REJECT = "接受", "不接受"
REVIEW_CHOICES = (ACCEPT, REJECT)

# The 按规则计算 block beside 附件2 / 附件3: a column holding one of these is the writer's.
PANEL_TITLE = "按规则计算"  # its heading starts so: 按规则计算（mof2020口径）
PANEL_HEADERS = frozenset({"规则得分", "规则执行率", "计分依据"})
# Blocks the writer adds under a form: they start with a cell in column A beginning so.
TAIL_STARTS = ("审核意见（共", "派生指标（按规则计算）")
