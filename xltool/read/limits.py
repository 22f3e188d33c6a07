"""Limits on input files, and the Chinese messages for files that cannot be read.

The limits are read at call time (``limits.MAX_…``) so that tests and deployments can change them.
"""

from __future__ import annotations

from typing import Literal

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm"})

# A file larger than this on disk is not read at all.
MAX_FILE_BYTES = 100 * 1024 * 1024
# Zip size guard, checked on the zip directory before anything is decompressed.
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 200
RATIO_CHECK_MIN_SIZE = 10 * 1024 * 1024
MAX_MEMBERS = 10_000
# What a workbook may ask calamine to build, checked by scanning its parts before parsing them. The
# README's table states them (a test holds it to these figures) with the peak memory measured at them.
MAX_SHEET_CELLS = 2_000_000  # rows × columns of one sheet's grid, counted from A1
MAX_WORKBOOK_CELLS = 2_500_000  # the same, summed over the workbook's sheets
MAX_TEXT_CHARS = 20_000_000  # characters of text in cells, a shared string counted at every use, numbers not
MAX_SHARED_STRINGS = 1_000_000
MAX_MARKUP = (
    20_000_000  # tags in the scanned parts (8 a cell at most in a plain file): bounds the scan's time
)
SCAN_CHUNK = 1 << 20
HEAD_BYTES = 4096  # how much of every XML part is searched for a DTD

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
DTD_MARKS = tuple(
    mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)

# Folders that hold no submissions: hidden ones and the resource forks macOS puts into zip archives.
SKIPPED_DIRS = frozenset({"__MACOSX"})

Grid = list[list[object]]

RESAVE = "请用Excel或WPS打开后另存为.xlsx再提交"
MSG_LOCK = "Office 临时锁文件（~$开头），已跳过；无需提交此文件"
MSG_APPLEDOUBLE = "macOS 附属文件（._开头），已跳过；无需提交此文件"
MSG_EMPTY = "文件为空（0字节），请重新导出后提交"
MSG_NOT_REGULAR = "不是普通文件（可能是文件夹、管道或设备），无法作为工作簿读取；请提交Excel工作簿文件"
MSG_TOO_LARGE = (
    "文件过大（{size}，上限{limit}），未读取；请删除多余的工作表、图片和空白行列后另存，再重新提交"
)
MSG_ENCRYPTED = "文件已加密，请去除密码后重新提交"
MSG_NOT_XLSX = "不是有效的Excel工作簿（文件内容不是xlsx格式{found}），请用Excel或WPS另存为.xlsx后重新提交"
# What a file that is no workbook was found to be, by its first bytes (said only when recognised).
CONTENT_KINDS = (
    ("%PDF", "，而是PDF文件"),
    ("{\\rtf", "，而是RTF文档"),
    ("<?xml", "，而是XML文件（如Excel 2003 XML表格）"),
    ("<html", "，而是网页（HTML）"),
    ("<!doctype html", "，而是网页（HTML）"),
    ("<table", "，而是网页（HTML）"),
)
CONTENT_TEXT = "，而是文本文件（如CSV）"
MSG_NOT_XLS = "不是有效的Excel工作簿（文件内容不是xls格式{found}），请用Excel或WPS另存为.xlsx后重新提交"
MSG_NOT_XLS_OLE = (
    "文件已损坏或不是Excel工作簿（文件中找不到工作表数据），"
    "请用Excel或WPS打开后另存为.xlsx再提交；打不开则请重新导出后提交"
)
# Said only when the container holds another Office program's main stream (a renamed file).
MSG_OLE_OTHER = "不是Excel工作簿，而是{program}文件（改了扩展名），请提交Excel工作簿"
OLE_PROGRAMS = {"WordDocument": "Word文档", "PowerPoint Document": "PowerPoint演示文稿"}
MSG_NOT_WORKBOOK_ZIP = (
    "不是有效的Excel工作簿（压缩包内没有工作簿内容，可能是改了扩展名的其他文件），"
    "请用Excel或WPS另存为.xlsx后重新提交"
)
MSG_CORRUPT = "文件已损坏（内部结构或数据与其校验信息不符），请重新下载或导出后提交"
# A zip that starts as one but whose directory at its end is missing: the file was cut short.
MSG_TRUNCATED = "文件不完整（文件结尾缺失，常见于下载或复制中断），请重新下载或导出后提交"
MSG_BOMB = (
    "文件解压后体积异常（疑似压缩炸弹），已拒绝处理；"
    "如确为正常表格，请删除多余的工作表和空白行列后另存为.xlsx再提交"
)
MSG_XLSB = "Excel二进制工作簿（.xlsb格式）暂不支持，请用Excel或WPS另存为.xlsx后重新提交"
MSG_DUPLICATE_PARTS = f"工作簿内部有重名的部件（文件结构异常），已拒绝处理；{RESAVE}"
MSG_DTD = f"工作簿内部含有DTD或实体声明（正常的Excel文件没有，疑似恶意构造），已拒绝处理；{RESAVE}"
MSG_XML = "无法读取工作簿（工作簿内部XML格式错误：{detail}），" + RESAVE
MSG_MARKUP = (
    "工作簿内部结构过于庞大（单元格和行的标记超过{limit}万个），已拒绝处理；请删除多余的行列后重新提交"
)
MSG_SHEET_CELLS = (
    "工作表“{sheet}”的数据区域过大（{rows}行×{cols}列，上限{limit}万个单元格），已拒绝处理；"
    "请删除表格下方或右侧多余的内容后重新提交"
)
MSG_WORKBOOK_CELLS = (
    "工作簿各工作表的数据区域合计过大（约{cells}万个单元格，上限{limit}万个），已拒绝处理；"
    "请删除多余的工作表或行列后重新提交"
)
MSG_TEXT = (
    "工作簿单元格中的文字总量过大（约{chars}万字，上限{limit}万字），已拒绝处理；请删除多余的内容后重新提交"
)
MSG_SHARED_STRINGS = "工作簿中的不同文字超过{limit}万条，已拒绝处理；请删除多余的内容后重新提交"
MSG_DUPLICATE_SHEETS = (
    "工作簿中有两个工作表同名（“{sheet}”），无法分别读取；请在Excel或WPS中给工作表改名后重新提交"
)


class SourceError(Exception):
    """An input file that cannot be read, with a status and a Chinese message saying what to do."""

    def __init__(self, status: Literal["skipped", "error"], message: str) -> None:
        super().__init__(message)
        self.status: Literal["skipped", "error"] = status
        self.message = message


def too_large_message(size: int) -> str:
    """The message for a file (or a workbook inside one) above the size limit."""
    return MSG_TOO_LARGE.format(size=_size_text(size), limit=_size_text(MAX_FILE_BYTES))


def _size_text(size: int) -> str:
    """``size`` bytes as 101MB, 3.5MB or 12KB."""
    if size >= 10 * 1024 * 1024:
        return f"{size / 1024 / 1024:.0f}MB"
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}MB"
    return f"{max(size, 1) / 1024:.0f}KB"


# A formula without its result further right than this column is no form's (it is left empty).
MAX_FORMULA_COLUMN = 200
