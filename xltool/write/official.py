"""Chinese official-document typography (GB/T 9704 in spirit) for the Word documents xltool writes.

A4 with the standard's margins, a 小标宋 (or 黑体) title, 仿宋 body in 三号 with a fixed line pitch,
黑体 / 楷体 headings numbered 一、（一）, tables whose header row repeats on every page and whose rows
do not split, and the page number in the footer as ``— 1 —``. Fonts are set once in the styles
(w:eastAsia for the Chinese text), never run by run: each role takes the first of its fonts installed
here (fontconfig), and the official name where the fonts cannot be listed (Windows has them).
The styled base document is built once per process and copied for each document.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from xltool.model.names import CN_DIGITS
from xltool.write.atomic import write_bytes_atomic
from xltool.write.doc_fonts import Font, Fonts, fonts

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = f'xmlns:w="{W_NS}"'
# Sizes in points: 二号 22, 三号 16, 四号 14, 小四 12.
TITLE_PT, BODY_PT, PAGE_NUMBER_PT, TABLE_PT = 22, 16, 14, 12
LINE_PITCH = 579  # twentieths of a point: 28.95 pt, 22 lines on the standard's type area


def _rpr(font: Font, latin: str, size: float, extra: str = "") -> str:
    bold = "<w:b/><w:bCs/>" if font.bold else ""
    name = escape(font.name, {'"': "&quot;"})
    latin = escape(latin, {'"': "&quot;"})
    half = round(size * 2)
    return (
        f'<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{name}" w:cs="{latin}"/>'
        f'{bold}{extra}<w:kern w:val="0"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>'
    )


def _style(
    style_id: str, name: str, ppr: str, rpr: str, based: str = "Normal", kind: str = "paragraph"
) -> str:
    base = f'<w:basedOn w:val="{based}"/>' if based else ""
    return (
        f'<w:style {_W} w:type="{kind}" w:customStyle="1" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f"{base}<w:qFormat/>{ppr}{rpr}</w:style>"
    )


_INDENT = '<w:ind w:firstLineChars="200" w:firstLine="640"/>'
_NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
_PITCH = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_PITCH}" w:lineRule="exact"/>'


def _styles(f: Fonts) -> dict[str, str]:
    """styleId → the w:style element of every style the documents use."""
    table = '<w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/>'
    return {
        "Normal": (
            f'<w:style {_W} w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
            f'<w:qFormat/><w:pPr><w:widowControl/>{_PITCH}{_INDENT}<w:jc w:val="both"/></w:pPr>'
            f"{_rpr(f.body, f.latin, BODY_PT)}</w:style>"
        ),
        "Title": _style(
            "Title",
            "公文标题",
            '<w:pPr><w:keepNext/><w:spacing w:before="0" w:after="579" w:line="700" w:lineRule="exact"/>'
            f'{_NO_INDENT}<w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>',
            _rpr(f.title, f.latin, TITLE_PT),
        ),
        "Heading1": _style(
            "Heading1",
            "heading 1",
            '<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="0"/></w:pPr>',
            _rpr(f.heading, f.latin, BODY_PT),
        ),
        "Heading2": _style(
            "Heading2",
            "heading 2",
            '<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="1"/></w:pPr>',
            _rpr(f.kai, f.latin, BODY_PT),
        ),
        "Flush": _style("Flush", "顶格", f"<w:pPr>{_NO_INDENT}</w:pPr>", ""),
        "Signature": _style(
            "Signature",
            "落款",
            f'<w:pPr><w:keepNext/><w:keepLines/>{_NO_INDENT}<w:jc w:val="right"/></w:pPr>',
            "",
        ),
        "TableText": _style(
            "TableText",
            "表格文字",
            f'<w:pPr>{table}{_NO_INDENT}<w:jc w:val="left"/></w:pPr>',
            _rpr(f.body, f.latin, TABLE_PT),
        ),
        "TableHead": _style(
            "TableHead",
            "表格标题行",
            f'<w:pPr>{table}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>',
            _rpr(f.heading, f.latin, TABLE_PT),
        ),
        "Caption": _style(
            "Caption",
            "图表题注",
            f'<w:pPr><w:keepNext/><w:spacing w:before="120" w:after="0" w:line="400" w:lineRule="exact"/>'
            f'{_NO_INDENT}<w:jc w:val="center"/></w:pPr>',
            _rpr(f.heading, f.latin, 14),
        ),
        "Figure": _style(
            "Figure", "图片", f'<w:pPr><w:keepNext/>{table}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>', ""
        ),
        "Footer": _style(
            "Footer",
            "footer",
            f'<w:pPr>{table}{_NO_INDENT}<w:jc w:val="center"/></w:pPr>',
            _rpr(f.song, f.latin, PAGE_NUMBER_PT),
        ),
    }


def _page_number_footer() -> str:
    """A footer whose one paragraph reads ``— n —`` (a PAGE field), centred."""
    run = "<w:r><w:t xml:space='preserve'>{}</w:t></w:r>"
    field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    style = '<w:pPr><w:pStyle w:val="Footer"/></w:pPr>'
    return f"<w:p {_W}>{style}{run.format('— ')}{field}{run.format(' —')}</w:p>"


@functools.cache
def _base() -> bytes:
    """The empty styled document every document starts from (built once per process)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Mm

    doc = Document()
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        styles.remove(defaults)
    chosen = fonts()
    styles.insert(
        0,
        parse_xml(
            f"<w:docDefaults {_W}><w:rPrDefault>{_rpr(chosen.body, chosen.latin, BODY_PT)}</w:rPrDefault>"
            "<w:pPrDefault><w:pPr><w:spacing w:after='0' w:line='240' w:lineRule='auto'/></w:pPr>"
            "</w:pPrDefault></w:docDefaults>"
        ),
    )
    for style_id, xml in _styles(chosen).items():
        old = styles.find(f"{{{W_NS}}}style[@{{{W_NS}}}styleId='{style_id}']")
        new = parse_xml(xml)
        if old is not None:
            old.addprevious(new)
            styles.remove(old)
        else:
            styles.append(new)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    footer = section.footer._element
    for child in list(footer):
        footer.remove(child)
    footer.append(parse_xml(_page_number_footer()))
    doc.settings.element.append(parse_xml(f"<w:doNotHyphenateCaps {_W}/>"))
    _prune(doc, styles)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# The styles a document keeps from python-docx's template (the rest, some 700 KB of XML with the
# template's stylesWithEffects, would be written again with every letter).
_KEPT_STYLES = frozenset({"DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"})
_DROPPED_PARTS = ("stylesWithEffects", "thumbnail", "customXml")


def _prune(doc: Any, styles: Any) -> None:
    """Drop the template's unused styles, latent styles, thumbnail and extra parts, and its dates."""
    from docx.oxml.ns import qn

    kept = _KEPT_STYLES | set(_styles(fonts()))
    for element in list(styles):
        if element.tag == qn("w:latentStyles") or (
            element.tag == qn("w:style") and element.get(qn("w:styleId")) not in kept
        ):
            styles.remove(element)
    for rels in (doc.part.rels, doc.part.package.rels):
        for rel_id, rel in list(rels.items()):
            if any(name in rel.reltype for name in _DROPPED_PARTS):
                del rels[rel_id]
    core = doc.core_properties._element  # the template's 2013 dates and python-docx's note
    for tag in ("dcterms:created", "dcterms:modified", "dc:description"):
        for element in core.findall(qn(tag)):
            core.remove(element)


def new_document(title: str) -> Any:
    """A new document in the official look, its properties naming ``title``."""
    from docx import Document

    doc = Document(io.BytesIO(_base()))
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = "xltool"
    props.language = "zh-CN"
    return doc


def save(doc: Any, target: Path) -> None:
    """Write a document atomically, the same bytes for the same content (no timestamps in the zip)."""
    buffer = io.BytesIO()
    doc.save(buffer)
    write_bytes_atomic(target, stable_zip(buffer.getvalue()))


def stable_zip(data: bytes, date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)) -> bytes:
    """A zip package again with every member dated ``date_time``, so that equal content gives equal bytes."""
    packed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=date_time)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamped, source.read(info.filename))
    return packed.getvalue()


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (heading numbers)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def title(doc: Any, text: str) -> None:
    """The document's title (centred, 二号); a newline in ``text`` breaks the line there."""
    p = doc.add_paragraph(style="公文标题")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = p.add_run(line)
        if i < len(lines) - 1:
            run.add_break()


def heading(doc: Any, text: str, level: int = 1) -> None:
    """A numbered heading as the caller numbers it (一、…; （一）…)."""
    doc.add_paragraph(text, style="Heading 1" if level == 1 else "Heading 2")


def para(doc: Any, text: str = "", style: str | None = None, lead: str = "", keep: bool = False) -> Any:
    """A body paragraph (first line indented two characters); ``lead`` opens it in bold; ``keep``: on
    the page of what follows (a table's introduction)."""
    p = doc.add_paragraph(style=style)
    if keep:
        p.paragraph_format.keep_with_next = True
    if lead:
        p.add_run(lead).bold = True
    if text:
        p.add_run(text)
    return p


Runs = Sequence[tuple[str, bool]]  # (text, bold) runs of one paragraph
CellValue = object  # a text (lines become paragraphs), or a sequence of paragraphs given as Runs


def _runs(runs: Runs) -> str:
    return "".join(
        ("<w:r><w:rPr><w:b/><w:bCs/></w:rPr>" if bold else "<w:r>")
        + f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        for text, bold in runs
        if text
    )


def _cell(value: CellValue, width: int, style: str, align: str | None, shade: str | None) -> str:
    fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
    jc = f'<w:jc w:val="{align}"/>' if align else ""
    if isinstance(value, list | tuple):
        paragraphs: list[Runs] = list(value)
    else:
        paragraphs = [[(line, False)] for line in ("" if value is None else str(value)).split("\n")]
    body = "".join(f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>{_runs(p)}</w:p>' for p in paragraphs)
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{fill}<w:vAlign w:val="center"/></w:tcPr>'
        f"{body}</w:tc>"
    )


def table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[CellValue]],
    widths: Sequence[float],
    aligns: Sequence[str | None] = (),
    borders: bool = True,
) -> None:
    """A table: header row repeated on every page, rows never split; ``widths`` in mm, summing to the line.

    Built as one piece of XML (python-docx's cell by cell access is slow for long tables).
    """
    from docx.oxml import parse_xml

    twips = [round(w * 56.7) for w in widths]
    aligns = list(aligns) + [None] * (len(widths) - len(aligns))
    edge = (
        '<w:{0} w:val="single" w:sz="6" w:space="0" w:color="000000"/>' if borders else '<w:{0} w:val="nil"/>'
    )
    border_xml = "".join(
        edge.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f'<w:tbl {_W}><w:tblPr><w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{border_xml}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{t}"/>' for t in twips)
        + "</w:tblGrid>"
    ]
    if header:
        parts.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
        parts.extend(
            _cell(h, t, "TableHead", None, "E7E6E6" if borders else None)
            for h, t in zip(header, twips, strict=False)
        )
        parts.append("</w:tr>")
    for row in rows:
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.extend(_cell(v, t, "TableText", a, None) for v, t, a in zip(row, twips, aligns, strict=False))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    body = doc.element.body
    body.sectPr.addprevious(parse_xml("".join(parts)))
    doc.add_paragraph(style="表格文字")  # Word needs a paragraph between tables; it also spaces them


def picture(doc: Any, png: bytes, width_mm: float, caption: str) -> None:
    """A picture (PNG bytes) centred at ``width_mm``, with its caption below."""
    from docx.shared import Mm

    p = doc.add_paragraph(style="图片")
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    doc.add_paragraph(caption, style="图表题注")


TEXT_WIDTH_MM = 156  # 210 − 28 − 26
