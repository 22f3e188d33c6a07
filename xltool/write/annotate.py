"""The annotated copy of a written report: the same document, a Word comment on each contradicting sentence.

A .docx is copied as it is, with comments added (python-docx ≥ 1.2); a .txt report becomes a .docx of
its non-empty lines, so that its comments have somewhere to stand. Paragraph n is the n-th non-empty
paragraph of the body as the reader counted it (read/written.py); the comment covers the sentence the
finding quotes, split out of its run when the run holds plain text, else the runs that hold it.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from xltool.model.records import SEVERITY_ORDER, Finding, ReportRead
from xltool.read.written import body_paragraphs
from xltool.rules.catalogue import SEVERITY_NAMES
from xltool.write.atomic import UnsafePath, checked_target, not_written, remove_stale, write_bytes_atomic
from xltool.write.cell_marks import COMMENT_AUTHOR
from xltool.write.scored import ScoredFile

COMMENT_INITIALS = "XL"
BODY_FONT_EAST_ASIA = (
    "宋体"  # a .txt report's copy: Word and WPS have it; LibreOffice falls back to a CJK font
)
ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # a fixed timestamp keeps reruns byte-identical
WHAT = "批注版书面报告"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def write_annotated_reports(
    out: Path,
    reports: Sequence[ReportRead],
    findings: Sequence[Finding],
    names: Mapping[str, PurePosixPath],
    on_written: Callable[[], None] | None = None,
) -> tuple[list[str], list[ScoredFile]]:
    """Write each report's annotated copy at its name in ``names``; the files written and each outcome."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file].append(f)
    written: list[str] = []
    outcomes: list[ScoredFile] = []
    for read in reports:
        if read.report is None:
            continue
        relative = names.get(read.file) or PurePosixPath(read.file).with_suffix(".docx")
        try:
            target = checked_target(out, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(target, annotated_docx(read, by_file.get(read.file, [])))
        except Exception as exc:  # a writer failure costs this copy only: it is reported, not raised
            outcomes.append(ScoredFile(read.file, relative.as_posix(), not_written(WHAT, exc)))
            if not isinstance(exc, UnsafePath):  # the last run's copy must not pass for this run's
                remove_stale(out.joinpath(*relative.parts))
            continue
        finally:
            if on_written is not None:
                on_written()
        written.append(relative.as_posix())
        outcomes.append(ScoredFile(read.file, relative.as_posix(), None))
    return written, outcomes


def annotated_docx(read: ReportRead, findings: Sequence[Finding]) -> bytes:
    """The report as a .docx with one comment per quoted sentence (all the findings on it, worst first)."""
    import docx  # python-docx: imported only when a report is written

    assert read.report is not None
    if PurePosixPath(read.file).suffix.lower() == ".docx":
        document = docx.Document(io.BytesIO(read.data))
    else:
        document = _text_document(read.report.paragraphs)
    paragraphs = [p for p in body_paragraphs(document) if _text(p).strip()]
    grouped: dict[tuple[int, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.paragraph is not None and 0 < f.paragraph <= len(paragraphs):
            grouped[(f.paragraph, f.quote or "")].append(f)
    for (number, quote), found in sorted(grouped.items()):
        runs = _quote_runs(document, paragraphs[number - 1], quote)
        found.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule))
        comment = document.add_comment(
            runs, comment_text(found), author=COMMENT_AUTHOR, initials=COMMENT_INITIALS
        )
        comment._comment_elm.attrib.pop(f"{_W}date", None)  # undated: a rerun writes the same bytes
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_dates(buffer.getvalue())


def comment_text(findings: Sequence[Finding]) -> str:
    """The comment on a sentence: each finding's rule in Chinese, what the forms say and where."""
    return "\n".join(
        f"【{SEVERITY_NAMES[f.severity]}·{f.rule_name or f.rule}】{f.message}（规则 {f.rule}）"
        for f in findings
    )


def _text_document(paragraphs: Sequence[str]) -> Any:
    """A .docx holding a text report's non-empty lines, one paragraph each, the first as its title."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    document = docx.Document()
    fonts = document.styles["Normal"].element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), BODY_FONT_EAST_ASIA)
    for n, text in enumerate(paragraphs):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if n == 0:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
    return document


def _text(element: Any) -> str:
    return "".join(t.text or "" for t in element.iter(f"{_W}t"))


def _quote_runs(document: Any, paragraph: Any, quote: str) -> list[Any]:
    """The python-docx runs covering ``quote`` in a paragraph (split at its ends where they can be)."""
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

    holder = Paragraph(paragraph, document)
    text = "".join(_text(r) for r in _text_runs(paragraph))
    start = text.find(quote) if quote else -1
    if start < 0:  # the sentence not found as written: the whole paragraph
        start, end = 0, len(text)
    else:
        end = start + len(quote)
        _split_at(_text_runs(paragraph), start)
        _split_at(_text_runs(paragraph), end)
    spans, at = [], 0
    for r in _text_runs(paragraph):
        length = len(_text(r))
        spans.append((at, at + length, r))
        at += length
    inside = [r for s, e, r in spans if s < end and e > start] or [r for _, _, r in spans]
    if not inside:  # nothing to anchor on: a run of its own at the end
        return [holder.add_run("")]
    return [Run(inside[0], holder), Run(inside[-1], holder)]


def _text_runs(paragraph: Any) -> list[Any]:
    return [r for r in paragraph.iter(f"{_W}r") if r.find(f"{_W}t") is not None]


def _split_at(runs: Sequence[Any], offset: int) -> None:
    """Split the run holding character ``offset`` inside it there, when it holds plain text only."""
    at = 0
    for r in runs:
        length = len(_text(r))
        if at < offset < at + length:
            content = [c for c in r if c.tag != f"{_W}rPr"]
            if len(content) != 1 or content[0].tag != f"{_W}t":
                return
            cut = offset - at
            text = content[0].text or ""
            second = copy.deepcopy(r)
            content[0].text = text[:cut]
            content[0].set(_XML_SPACE, "preserve")
            tail = second.find(f"{_W}t")
            tail.text = text[cut:]
            tail.set(_XML_SPACE, "preserve")
            r.addnext(second)
            return
        at += length


def _fixed_dates(data: bytes) -> bytes:
    """The same package with every member dated ZIP_DATE, so that a rerun writes the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info))
    return buffer.getvalue()
