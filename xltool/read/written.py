"""Reading a written report (自评报告, .docx or .txt): its paragraphs, and the department it names.

A .docx is bounded like a workbook before python-docx sees it (size on disk, the zip directory, parts
inflating beyond their stated sizes, DTDs, a zip bomb), so that an odd document becomes a Chinese
message and the batch goes on. Paragraphs are every ``w:p`` of the body in document order, table cells
included, so that the annotated copy finds paragraph n again.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.model.records import ReportRead, WrittenReport
from xltool.read import limits
from xltool.read.intake import Source, member_bytes
from xltool.read.limits import (
    DTD_MARKS,
    MSG_BOMB,
    MSG_CORRUPT,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    OLE2_MAGIC,
    ZIP_MAGICS,
    SourceError,
)
from xltool.read.sources import _ole_is_encrypted, _read_limited, relative_name
from xltool.read.zipparts import XML_SUFFIXES, Parts, check_sizes, unopened

REPORT_SUFFIXES = frozenset({".docx", ".txt"})
# Characters a report may hold in all (a long report has some 30 000).
MAX_REPORT_CHARS = 2_000_000

MSG_DOC = "旧版Word文档（.doc）暂不支持，请用Word或WPS另存为.docx后重新提交"
MSG_NOT_DOCX = "不是有效的Word文档（文件内容不是docx格式），请用Word或WPS另存为.docx后重新提交"
MSG_NOT_DOCX_ZIP = (
    "不是有效的Word文档（压缩包内没有文档正文，可能是改了扩展名的其他文件），"
    "请用Word或WPS另存为.docx后重新提交"
)
MSG_DOCX_DTD = (
    "Word文档内部含有DTD或实体声明（正常的Word文件没有，疑似恶意构造），"
    "已拒绝处理；请用Word或WPS另存后重新提交"
)
MSG_DOCX_XML = "无法读取Word文档（文档内部XML格式错误），请用Word或WPS打开后另存为.docx再提交"
MSG_REPORT_CHARS = (
    "书面报告文字过多（约{chars}万字，上限{limit}万字），未读取；请删除与自评无关的内容后重新提交"
)
MSG_TEXT_ENCODING = "文本文件的编码无法识别（既不是UTF-8也不是GBK），请另存为UTF-8编码的.txt或.docx后重新提交"
MSG_NOT_TEXT = "不是文本文件（含有二进制内容），请提交.docx或UTF-8编码的.txt"
MSG_UNREADABLE = "书面自评报告“{name}”无法读取：{reason}"
MSG_DOCX_BOMB = (
    "文档解压后体积异常（疑似压缩炸弹），已拒绝处理；如确为正常文档，请用Word或WPS另存为.docx再提交"
)
MSG_REPORT_TIMEOUT = "读取超时（超过{seconds}秒），已停止处理；请用Word或WPS打开后另存为.docx再提交"
_WORKBOOK_ADVICE = "请删除多余的工作表、图片和空白行列后另存"
MSG_NOT_REPORT = "不是绩效自评报告（标题和文件名中没有“自评报告”“绩效自评”字样），已跳过"

# A written report says what it is in its file name or its first lines.
REPORT_MARKS = ("自评报告", "绩效自评", "自评情况报告")
# Where a title's department name ends: 2022年度桃源县自然资源局整体支出绩效自评报告.
_NAME_END = re.compile(r"(?:部门整体支出|单位整体支出|整体支出|部门整体|项目支出|绩效自评|自评报告)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:度)?")
_LEAD = re.compile(r"^(?:关于|[（(【\[].*?[）)】\]])+")


def is_report_name(path: Path) -> bool:
    """Whether a file may be a written report (by its suffix)."""
    return path.suffix.lower() in REPORT_SUFFIXES and not path.name.startswith(("~$", "._"))


def read_report(path: Path, root: Path) -> WrittenReport:
    """A written report's paragraphs and the department it names; SourceError when it cannot be read."""
    return report_from_bytes(_read_limited(path), relative_name(path, root))


def read_report_source(source: Source) -> ReportRead:
    """A written report found at intake (a file, or a member of a zip package); never raises.

    An unreadable report is an ``error`` whose message names the file; a document that is no
    self-evaluation report is ``skipped``.
    """
    name = PurePosixPath(source.file).name
    try:
        data = member_bytes(source) if source.members else _read_limited(source.path)
        report = report_from_bytes(data, source.file)
    except SourceError as exc:
        if exc.status != "error":
            return ReportRead(source.file, exc.status, exc.message)
        return ReportRead(
            source.file, "error", MSG_UNREADABLE.format(name=name, reason=_reworded(exc.message))
        )
    except Exception as exc:  # python-docx or a codec failing in a way not foreseen: the batch goes on
        reason = f"{type(exc).__name__}：{exc}"
        return ReportRead(source.file, "error", MSG_UNREADABLE.format(name=name, reason=reason))
    return ReportRead(source.file, "ok", None, report, data)


def _reworded(message: str) -> str:
    """A workbook's wording of a refusal said of a document."""
    return message.replace(MSG_BOMB, MSG_DOCX_BOMB).replace(
        _WORKBOOK_ADVICE, "请压缩或删除报告中的图片后另存"
    )


def report_from_bytes(data: bytes, file: str) -> WrittenReport:
    """A written report from its bytes (``file``: its name relative to INPUT, which gives its type)."""
    path = PurePosixPath(file)
    if not data:
        raise SourceError("error", MSG_EMPTY)
    paragraphs = _docx_paragraphs(data) if path.suffix.lower() == ".docx" else _text_paragraphs(data)
    chars = sum(len(p) for p in paragraphs)
    if chars > MAX_REPORT_CHARS:
        raise SourceError(
            "error", MSG_REPORT_CHARS.format(chars=chars // 10000, limit=MAX_REPORT_CHARS // 10000)
        )
    head = "".join(paragraphs[:3])
    stem = path.stem
    if not any(mark in stem or mark in head for mark in REPORT_MARKS):
        raise SourceError("skipped", MSG_NOT_REPORT)
    title = _title(paragraphs)
    department = department_in(title) or department_in(stem)
    year_match = _YEAR.search(title) or _YEAR.search(stem)
    year = int(year_match.group(1)) if year_match else None
    return WrittenReport(file, title, department, year, tuple(paragraphs))


def _title(paragraphs: list[str]) -> str:
    """The title: the first paragraph, joined with the next when the title runs over two lines."""
    if not paragraphs:
        return ""
    first = paragraphs[0]
    if len(paragraphs) > 1 and not any(m in first for m in ("报告", "自评")) and len(paragraphs[1]) <= 20:
        return first + paragraphs[1]
    return first


def department_in(title: str) -> str | None:
    """The department a title or file name names: what stands before 整体支出 / 绩效自评 …, year removed."""
    text = unicodedata.normalize("NFKC", title).strip()
    text = _LEAD.sub("", re.sub(r"\s+", "", text))
    end = _NAME_END.search(text)
    if end is None:
        return None
    name = _YEAR.sub("", text[: end.start()])
    name = name.strip("-_、，,：: ")
    return name or None


def _docx_paragraphs(data: bytes) -> list[str]:
    """The non-empty paragraphs of a .docx, after the zip has been bounded."""
    if data.startswith(OLE2_MAGIC):
        raise SourceError("error", MSG_ENCRYPTED if _ole_is_encrypted(data) else MSG_DOC)
    if not data.startswith(ZIP_MAGICS):
        raise SourceError("error", MSG_NOT_DOCX)
    check_docx_zip(data)
    import docx  # python-docx: imported only when a document is read

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a malformed package
        raise SourceError("error", MSG_DOCX_XML) from exc
    return [text for text in paragraph_texts(document) if text.strip()]


def paragraph_texts(document: Any) -> Iterator[str]:
    """The text of every paragraph of a python-docx document's body, table cells included, in order."""
    for element in body_paragraphs(document):
        yield "".join(t.text or "" for t in element.iter(_W_T)).strip()


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_T = f"{_W}t"


def body_paragraphs(document: Any) -> Iterator[Any]:
    """Every ``w:p`` element of the body in document order (table cells included)."""
    yield from document.element.body.iter(f"{_W}p")


def check_docx_zip(data: bytes) -> None:
    """Refuse a truncated zip, one without a document, a zip bomb, a DTD — before python-docx parses."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise unopened(data) from exc
    with archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "word/document.xml" not in names:
            raise SourceError("error", MSG_NOT_DOCX_ZIP)
        if len(members) > limits.MAX_MEMBERS or len(names) != len(members):
            raise SourceError("error", MSG_BOMB)
        check_sizes(members)
        parts = Parts(archive, data, ())
        try:
            for member in members:
                if member.filename.lower().endswith(XML_SUFFIXES):
                    head = parts.head(member)
                    if any(mark in head for mark in DTD_MARKS):
                        raise SourceError("error", MSG_DOCX_DTD)
        except SourceError:
            raise
        except RuntimeError as exc:  # a part encrypted with a zip password
            raise SourceError("error", MSG_ENCRYPTED) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError("error", MSG_CORRUPT) from exc


def _text_paragraphs(data: bytes) -> list[str]:
    """The non-empty lines of a text file in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        if b"\x00" in data[:4096] or data.startswith((*ZIP_MAGICS, OLE2_MAGIC)):
            raise SourceError("error", MSG_NOT_TEXT)
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SourceError("error", MSG_TEXT_ENCODING)
    return [line.strip() for line in text.splitlines() if line.strip()]
