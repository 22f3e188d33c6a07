"""The names of the run's own files in OUT, apart from their writers so that naming them costs nothing.

A run reserves these names before any scored workbook is named (a workbook never takes one), and
without importing the writers: the summary's pulls in the rules, the 审核报告's the Word library.
"""

SUMMARY_NAME = "审核汇总.xlsx"
BATCH_REPORT_NAME = "审核报告.docx"
