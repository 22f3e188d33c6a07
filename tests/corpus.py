"""Generate the corpus of broken and hostile inputs, beside good departments, for `xltool reconcile`.

    python tests/corpus.py OUT_DIR

`build(folder)` writes every case under ``folder`` and returns the cases: each file's path relative
to ``folder``, what it is, and what a run must report for it (status and a fragment of the message).
Nothing here is committed as a binary: every file is generated, most in milliseconds; the zip bomb is
deflated once per megabyte and repeated, so the corpus stays small and quick to write.
"""

from __future__ import annotations

import os
import struct
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import xlsxwriter
from support import sample_forms

REPO = Path(__file__).resolve().parent.parent

# Text that must never reach an output: the corpus's external entities point at it.
SECRET = "机密-XXE-7f3a9c-不应出现在任何输出中"
SECRET_NAME = "机密.txt"
PASSWD_MARK = "root:x:0:0"
BOMB_MB = 300  # what the zip bomb's sheet inflates to
LIE_MB = 100  # what a part whose headers understate its size inflates to
LIE_STATED = 5 * 1024  # the size its headers state

# Text cells that a spreadsheet would run as formulas if written as such.
INJECTIONS = ('=HYPERLINK("http://evil.example/","点我")', "@SUM(1+1)", "+cmd|' /C calc'!A0", "-2+3", "=1+1")

Rows = Sequence[Sequence[object]]


@dataclass(frozen=True)
class Case:
    """One corpus file and what a run must report for it."""

    file: str  # relative to the corpus folder, "/" separators
    what: str
    status: str  # ok | skipped | error, as report.json gives it
    message: str | None = None  # a fragment the input's message (or a sheet's reason) must contain


@dataclass(frozen=True)
class Formula:
    """A formula cell with an optional cached value (an error like ``#DIV/0!`` or a number)."""

    formula: str
    cached: object = None


# ---------------------------------------------------------------------------------------------
# The official 附件3 layout as rows (see tests/conftest.py for the same form used by the rule tests)

HEADS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
INDICATORS: tuple[tuple[object, ...], ...] = (
    ("产出指标(50分)", "数量指标", "完成数量", "≥10个", "10个", 20, 20, None),
    ("产出指标(50分)", "质量指标", "验收合格率", "100%", "100%", 10, 10, None),
    ("产出指标(50分)", "时效指标", "按期完成", "按期完成", "按期完成", 10, 10, None),
    ("产出指标(50分)", "成本指标", "项目成本", "≤100万元", "100万元", 10, 10, None),
    ("效益指标(30分)", "社会效益指标", "群众生产生活条件", "明显改善", "明显改善", 30, 30, None),
    ("满意度指标(10分)", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, None),
)


def project_rows(
    project: str = "测试项目",
    department: str = "测试县测试局",
    total: Sequence[object] = (100, 100, 100, 10, 1, 10),
    indicators: Iterable[Sequence[object]] = INDICATORS,
    total_score: object = 100,
) -> list[list[object]]:
    """A filled 附件3 项目支出绩效自评表 (9 columns A–I; 年度资金总额 on row 6, indicators from row 13)."""
    rows: list[list[object]] = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", None, project],
        ["主管部门", None, department, None, None, "实施单位", None, "测试中心"],
        ["项目资金（万元）", None, None, *HEADS],
        [None, "年度资金总额", None, *total],
        [None, "其中：当年财政拨款", None, *total[:3], "——", total[4], "——"],
        [None, "上年结转资金", None, 0, 0, 0, "——", None, "——"],
        [None, "其他资金", None, 0, 0, 0, "——", None, "——"],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "完成测试任务", None, None, None, "已完成测试任务"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
         "偏差原因分析及改进措施"],
    ]  # fmt: skip
    rows += [[None, *indicator] for indicator in indicators]
    rows.append(["总分", None, None, None, None, None, 100, total_score])
    return rows


# ---------------------------------------------------------------------------------------------
# Writers: xlsxwriter with explicit cell types, and raw parts for what no writer produces


def write_book(
    path: Path,
    sheets: dict[str, Rows],
    hidden: Iterable[str] = (),
    formatted_rows: int = 0,
) -> Path:
    """A workbook from rows: strings always as text (never formulas), numbers as numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    hidden_names = set(hidden)
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
        if formatted_rows:
            # Rows someone formatted all the way down: a row style and three styled, empty cells each.
            fill = book.add_format({"bg_color": "#FFF2CC", "border": 1})
            for r in range(len(rows), len(rows) + formatted_rows):
                sheet.set_row(r, 15, fill)
                for c in range(3):
                    sheet.write_blank(r, c, None, fill)
        if name in hidden_names:
            sheet.hide()
    book.close()
    return path


def cell_ref(row: int, col: int) -> str:
    """A1 address of a 0-based (row, column)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def cell_xml(row: int, col: int, value: object) -> str:
    """One <c> element: inline text, a number, or a formula with its cached value."""
    ref = cell_ref(row, col)
    if isinstance(value, Formula):
        f = f"<f>{escape(value.formula)}</f>"
        if value.cached is None:
            return f'<c r="{ref}">{f}</c>'
        if isinstance(value.cached, str):
            return f'<c r="{ref}" t="e">{f}<v>{escape(value.cached)}</v></c>'
        return f'<c r="{ref}">{f}<v>{value.cached}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Rows, head: str = "", extra_rows: str = "") -> str:
    """A worksheet part from rows (None leaves a cell out), with text put before the root element."""
    body = "".join(
        f'<row r="{r + 1}">'
        + "".join(cell_xml(r, c, v) for c, v in enumerate(row) if v is not None)
        + "</row>"
        for r, row in enumerate(rows)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{head}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}{extra_rows}</sheetData></worksheet>"
    )


def shared_strings_xml(texts: Sequence[str], head: str = "", raw: bool = False) -> str:
    """A sharedStrings part (``raw``: the texts are XML already, e.g. entity references)."""
    items = "".join(f"<si><t>{t if raw else escape(t)}</t></si>" for t in texts)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{head}'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(texts)}" uniqueCount="{len(texts)}">{items}</sst>'
    )


@dataclass(frozen=True)
class Deflated:
    """A zip member given compressed (raw deflate), with the sizes and CRC its headers state."""

    data: bytes
    crc: int
    size: int


def workbook_parts(
    sheets: Sequence[tuple[str, str | Deflated]],
    shared: str | Deflated | None = None,
    hidden: Iterable[str] = (),
) -> dict[str, str | Deflated]:
    """The parts of a minimal xlsx: (sheet name, worksheet XML) in order, and an optional sharedStrings."""
    hidden_names = set(hidden)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    content = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sheet_entries = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i + 1}" r:id="rId{i + 1}"'
        + (' state="hidden"' if name in hidden_names else "")
        + "/>"
        for i, (name, _) in enumerate(sheets)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{rel}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{content}.worksheet+xml"/>'
        for i in range(len(sheets))
    )
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{content}.sharedStrings+xml"/>'
    parts: dict[str, str | Deflated] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{content}.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{main}" '
            f'xmlns:r="{rel}"><sheets>{sheet_entries}</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}">{rels}'
            "</Relationships>"
        ),
    }
    for i, (_, xml) in enumerate(sheets):
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = xml
    if shared is not None:
        parts["xl/sharedStrings.xml"] = shared
    return parts


def write_zip(path: Path, parts: dict[str, str | Deflated]) -> Path:
    """Write a zip by hand (so that a member may be given pre-compressed, its headers stating anything)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = bytearray()
    directory = bytearray()
    for name, content in parts.items():
        if isinstance(content, Deflated):
            data, crc, size = content.data, content.crc, content.size
        else:
            raw = content.encode("utf-8")
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, crc, size = packer.compress(raw) + packer.flush(), zlib.crc32(raw), len(raw)
        encoded = name.encode("utf-8")
        offset = len(out)
        flags = 0x800  # names in UTF-8
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        out += encoded + data
        directory += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x21, crc, len(data), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), len(out), 0)
    path.write_bytes(bytes(out + directory + end))
    return path


def deflated_bomb(megabytes: int, lie: bool = False) -> Deflated:
    """A worksheet part that inflates to ``megabytes`` MB of blanks, deflated once per MB and repeated.

    Each megabyte is compressed after a full flush, so its compressed bytes stand alone and can be
    repeated; ``lie`` makes the headers state a 1 KB part.
    """
    head = sheet_xml([["炸弹"]]).encode("utf-8")
    before, after = head.split(b"</sheetData>")
    blank = b" " * (1 << 20)
    data, crc, size = _repeated_stream(before, blank, megabytes, b"</sheetData>" + after)
    return Deflated(data, 0 if lie else crc, 1024 if lie else size)


def _repeated_stream(before: bytes, block: bytes, count: int, after: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of ``before + block * count + after`` (the block deflated once), its CRC and size."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(before) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = packer.compress(after) + packer.flush()
    crc = zlib.crc32(before)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(after, crc)
    return first + middle * count + last, crc, len(before) + count * len(block) + len(after)


def understated(xml: str, unit: str, megabytes: int, stated: int = LIE_STATED) -> Deflated:
    """A part whose headers state ``stated`` bytes while it inflates to ``megabytes`` MB and more.

    ``unit`` (XML) is repeated, a megabyte's worth deflated once, just before the root's last closing
    tag in ``xml``. The stated CRC is that of the first ``stated`` bytes: all zipfile checks of a part
    it cuts at its stated size, so only the inflated length tells the lie.
    """
    raw = xml.encode("utf-8")
    cut = raw.rindex(b"</")
    piece = unit.encode("utf-8")
    block = piece * ((1 << 20) // len(piece))
    data, _, _ = _repeated_stream(raw[:cut], block, megabytes, raw[cut:])
    prefix = (raw[:cut] + block)[:stated]
    assert len(prefix) == stated < len(raw[:cut]) + len(block)
    return Deflated(data, zlib.crc32(prefix), stated)


def understated_sheet(megabytes: int = LIE_MB) -> Deflated:
    """A 附件3 sheet stating 5 KB, followed by ``megabytes`` MB of filled rows in the same part."""
    rows = sheet_xml(project_rows(department="谎报大小测试局"))
    return understated(rows, '<row><c t="inlineStr"><is><t>谎报</t></is></c><c><v>1</v></c></row>', megabytes)


def understated_shared_strings(megabytes: int = LIE_MB) -> dict[str, str | Deflated]:
    """A workbook whose sharedStrings part states 5 KB and holds ``megabytes`` MB of strings more."""
    sheet = sheet_xml(project_rows(project="PLACEHOLDER", department="谎报大小测试局")).replace(
        '<c r="C3" t="inlineStr"><is><t xml:space="preserve">PLACEHOLDER</t></is></c>',
        '<c r="C3" t="s"><v>0</v></c>',
    )
    texts = ["测试项目", *(f"第{i}条" for i in range(300))]  # the stated 5 KB are proper strings
    shared = understated(shared_strings_xml(texts), "<si><t>谎报大小的共享字符串</t></si>", megabytes)
    return workbook_parts([("项目", sheet)], shared=shared)


# ---------------------------------------------------------------------------------------------
# Hostile XML

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def external_entity(target: Path | str) -> str:
    """A DTD declaring ``&xxe;`` as the content of ``target`` (a path or a URL)."""
    url = target if isinstance(target, str) else target.resolve().as_uri()
    return f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{url}">]>'


def entity_workbook(path: Path, head: str, entity: str, in_shared_strings: bool) -> Path:
    """A 附件3 whose project name is an entity reference, declared in the sheet or the sharedStrings part."""
    rows = project_rows(project="PLACEHOLDER")
    if in_shared_strings:
        sheet = sheet_xml(rows).replace(
            '<c r="C3" t="inlineStr"><is><t xml:space="preserve">PLACEHOLDER</t></is></c>',
            '<c r="C3" t="s"><v>0</v></c>',
        )
        parts = workbook_parts(
            [("项目", sheet)], shared=shared_strings_xml([f"&{entity};"], head=head, raw=True)
        )
    else:
        sheet = sheet_xml(rows, head=head).replace("PLACEHOLDER", f"&{entity};")
        parts = workbook_parts([("项目", sheet)])
    return write_zip(path, parts)


# ---------------------------------------------------------------------------------------------
# xls records


def _biff(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def patched_xls(path: Path, patch: str) -> Path:
    """A small .xls (xlwt) with one record changed: a value at column 65535, huge DIMENSIONS or SST count,
    or a formula whose token length runs past its record (calamine panics on it)."""
    import olefile
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("项目")
    sheet.write(0, 0, "项目支出绩效自评表")
    sheet.write(2, 0, "项目名称")
    sheet.write(5, 3, 100.5)
    sheet.write(6, 3, xlwt.Formula("D6*2"))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    with olefile.OleFileIO(str(path)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    pos = 0
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        if patch == "far_cell" and kind in (0x0203, 0x027E):
            struct.pack_into("<HH", stream, pos + 4, 65_535, 65_535)
        elif patch == "dimensions" and kind == 0x0200 and size == 14:
            struct.pack_into("<IIHH", stream, pos + 4, 0, 0x7FFF_FFFF, 0, 0xFFFF)
        elif patch == "sst_count" and kind == 0x00FC:
            struct.pack_into("<i", stream, pos + 8, 0x7FFF_FFFF)
        elif patch == "formula" and kind == 0x0006:
            struct.pack_into("<H", stream, pos + 4 + 20, 0xFFFF)
        pos += 4 + size
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return path


# ---------------------------------------------------------------------------------------------
# The corpus


def build(folder: Path) -> list[Case]:
    """Write the corpus under ``folder`` and return its cases (a secret file beside it, outside any input)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    secret = folder / SECRET_NAME
    secret.write_text(SECRET, encoding="utf-8")

    def case(file: str, what: str, status: str, message: str | None = None) -> Path:
        cases.append(Case(file, what, status, message))
        path = folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    # Good departments beside the bad files: they must be read and scored as usual.
    for name, dept in (
        ("桃源县自然资源局", sample_forms.taoyuan_2022()),
        ("某某县第5局", sample_forms.vary(sample_forms.taoyuan_2022(), 5)),
    ):
        for path in sample_forms.write_department(folder / "正常" / name, dept):
            cases.append(Case(path.relative_to(folder).as_posix(), f"good department {name}", "ok"))

    # Not workbooks, or not whole ones.
    case("坏文件/改名的文本.xlsx", "a .txt renamed", "error", "文件内容不是xlsx格式").write_text(
        "项目名称,金额\n旱改水项目,3970.96\n", encoding="utf-8"
    )
    whole = write_book(folder / "坏文件" / ".tmp.xlsx", {"项目": project_rows()}).read_bytes()
    (folder / "坏文件" / ".tmp.xlsx").unlink()
    case("坏文件/下载中断.xlsx", "a truncated zip", "error", "文件不完整（文件结尾缺失").write_bytes(
        whole[: len(whole) // 2]
    )
    case("坏文件/空文件.xlsx", "0 bytes", "error", "文件为空").write_bytes(b"")
    case(
        "坏文件/~$附件3 项目支出绩效自评表.xlsx", "an Office lock file", "skipped", "临时锁文件"
    ).write_bytes(b"\x0cWPS Office\x00" + b"\x00" * 150)
    case("坏文件/网页导出.xls", "an .xls that is HTML", "error", "而是网页（HTML）").write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>项目名称</td><td>旱改水项目</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    with open(case("坏文件/超大文件.xlsx", "a sparse 101 MB file", "error", "文件过大"), "wb") as fh:
        fh.truncate(101 * 1024 * 1024)
    if hasattr(os, "mkfifo") and os.path.exists("/dev/zero"):  # POSIX only
        os.mkfifo(case("坏文件/管道.xlsx", "a FIFO named like a workbook", "error", "不是普通文件"))
        os.symlink("/dev/zero", case("坏文件/设备.xlsx", "a link to /dev/zero", "error", "不是普通文件"))

    # Locked, empty, or asking for more than a machine has.
    encrypted = case("坏文件/加密.xlsx", "password-protected", "error", "文件已加密，请去除密码后重新提交")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_book(folder / "坏文件" / ".plain.xlsx", {"项目": project_rows(department="加密测试局")})
    with plain.open("rb") as source, encrypted.open("wb") as target:
        OOXMLFile(source).encrypt("密码123", target)
    plain.unlink()
    write_book(
        case("坏文件/空工作簿.xlsx", "a workbook whose only sheet is empty", "skipped", "空白工作表"),
        {"Sheet1": []},
    )
    write_zip(
        case("坏文件/压缩炸弹.xlsx", f"a sheet inflating to {BOMB_MB} MB", "error", "疑似压缩炸弹"),
        workbook_parts([("炸弹", deflated_bomb(BOMB_MB))]),
    )
    write_zip(
        case("坏文件/压缩炸弹-谎报大小.xlsx", "a bomb whose headers state 1 KB", "error", "文件已损坏（"),
        workbook_parts([("炸弹", deflated_bomb(BOMB_MB, lie=True))]),
    )
    lie = "文件已损坏（"
    write_zip(
        case("坏文件/谎报大小-工作表.xlsx", f"a sheet stating 5 KB, inflating to {LIE_MB} MB", "error", lie),
        workbook_parts([("项目", understated_sheet())]),
    )
    write_zip(
        case(
            "坏文件/谎报大小-共享字符串.xlsx",
            f"sharedStrings stating 5 KB, inflating to {LIE_MB} MB",
            "error",
            lie,
        ),
        understated_shared_strings(),
    )
    far = sheet_xml(
        project_rows(department="远端单元格局"),
        extra_rows='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    )
    write_zip(
        case(
            "坏文件/远端单元格.xlsx",
            "one cell at XFD1048576 (a dense 17-billion-cell grid)",
            "error",
            "数据区域过大",
        ),
        workbook_parts([("项目", far)]),
    )
    copies = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{cell_ref(r - 1, c)}" t="s"><v>0</v></c>' for c in range(10))
        + "</row>"
        for r in range(20, 2020)
    )
    write_zip(
        case(
            "坏文件/共享字符串放大.xlsx",
            "one 32,767-character shared string in 20,000 cells",
            "error",
            "文字总量过大",
        ),
        workbook_parts(
            [("项目", sheet_xml(project_rows(), extra_rows=copies))],
            shared=shared_strings_xml(["测" * 32_767]),
        ),
    )
    patched_xls(
        case("坏文件/远端单元格.xls", "an .xls value at column 65535", "error", "数据区域过大"), "far_cell"
    )
    patched_xls(
        case("坏文件/维度记录.xls", "an .xls DIMENSIONS of 2^31 rows", "error", "数据区域过大"), "dimensions"
    )
    patched_xls(
        case("坏文件/共享字符串数.xls", "an .xls SST stating 2^31 strings", "error", "不同文字超过"),
        "sst_count",
    )
    patched_xls(
        case("坏文件/损坏公式.xls", "an .xls formula calamine panics on", "error", "工作簿内容无法解析"),
        "formula",
    )

    # Entities: neither expanded nor fetched.
    entity_workbook(
        case("坏文件/实体膨胀-工作表.xlsx", "billion laughs in the sheet", "error", "DTD"),
        LAUGHS,
        "lol9",
        False,
    )
    entity_workbook(
        case("坏文件/实体膨胀-共享字符串.xlsx", "billion laughs in sharedStrings", "error", "DTD"),
        LAUGHS,
        "lol9",
        True,
    )
    entity_workbook(
        case("坏文件/外部实体-工作表.xlsx", "an external entity (/etc/passwd) in the sheet", "error", "DTD"),
        external_entity("file:///etc/passwd"),
        "xxe",
        False,
    )
    entity_workbook(
        case(
            "坏文件/外部实体-共享字符串.xlsx",
            "an external entity (a secret file) in sharedStrings",
            "error",
            "DTD",
        ),
        external_entity(secret),
        "xxe",
        True,
    )
    entity_workbook(
        case("坏文件/外部实体-网址.xlsx", "an external entity (a URL) in the sheet", "error", "DTD"),
        external_entity("http://127.0.0.1:9/xxe"),
        "xxe",
        False,
    )

    # Readable forms with hostile or odd contents: read, checked, and written back as text.
    injected = [
        [None, "产出指标(50分)", "数量指标", INJECTIONS[1], "≥10个", "10个", 20, 20, INJECTIONS[0]],
        [None, "产出指标(50分)", "质量指标", INJECTIONS[2], "100%", "90%", 10, 9, INJECTIONS[3]],
        [None, "产出指标(50分)", "时效指标", INJECTIONS[4], "按期完成", "按期完成", 10, 10, None],
        *([None, *ind] for ind in INDICATORS[3:]),
    ]
    write_book(
        case("内容异常/公式注入.xlsx", "formula-looking text in names and reasons", "ok"),
        {
            "公式注入项目": project_rows(
                project=INJECTIONS[0], department="公式注入测试局", indicators=[r[1:] for r in injected]
            )
        },
    )
    write_book(
        case("内容异常/路径样名称.xlsx", "project and department names shaped like paths", "ok"),
        {
            "路径一": project_rows(project="../../x", department="..\\..\\C:\\x/../y 局"),
            "路径二": project_rows(project="C:\\x", department="..\\..\\C:\\x/../y 局"),
            "路径三": project_rows(
                project="a/b/c/../../../../etc/passwd", department="..\\..\\C:\\x/../y 局"
            ),
        },
    )
    odd_folder = "内容异常/odd #1 [a]'s {b}; c&d=e+f %20 📊 ＡＢ\\反斜杠:冒号"
    write_book(
        case(f"{odd_folder}/-附件3 项目 #%&'()[]{{}}！.xlsx", "a relative path with odd characters", "ok"),
        {"项目": project_rows(department="奇怪路径测试局")},
    )
    long_a, long_b = (
        "项目支出绩效自评表" * 3 + "旱改水项目第一批",
        "项目支出绩效自评表" * 3 + "旱改水项目第二批",
    )
    write_zip(
        case("内容异常/超长同名工作表.xlsx", "two sheet names equal in their first 31 characters", "ok"),
        workbook_parts(
            [
                (long_a, sheet_xml(project_rows(project="旱改水项目第一批", department="长表名测试局"))),
                (long_b, sheet_xml(project_rows(project="旱改水项目第二批", department="长表名测试局"))),
            ]
        ),
    )
    write_zip(
        case(
            "内容异常/怪异工作表名.xlsx",
            "sheet names Excel forbids, quotes, and the scored workbook's own",
            "ok",
        ),
        workbook_parts(
            [
                ("项目/一:[二]*?", sheet_xml(project_rows(project="斜杠表名", department="怪异表名测试局"))),
                (
                    "'O'Brien \"引号\" #1 & 2'",
                    sheet_xml(project_rows(project="引号表名", department="怪异表名测试局")),
                ),
                ("审核结果", sheet_xml(project_rows(project="与结果页同名", department="怪异表名测试局"))),
            ]
        ),
    )
    write_zip(
        case("内容异常/完全同名工作表.xlsx", "two sheets with one name", "error", "两个工作表同名"),
        workbook_parts(
            [("项目", sheet_xml(project_rows())), ("项目", sheet_xml(project_rows(project="另一个")))]
        ),
    )
    text_numbers = project_rows(
        department="文本数字测试局",
        total=("１００．００", "1,234.5", "1,234.5万元", "1234.5 ", "'10", "１００％"),
        indicators=[
            ("产出指标(50分)", "数量指标", "完成数量", "≥１０个", "１０个", "２０", " 20 ", None),
            ("产出指标(50分)", "质量指标", "验收合格率", "100％", "100 %", "10分", "'10", None),
            ("产出指标(50分)", "成本指标", "项目成本", "≤1,000万元", "1,000.00万元", "20.0", "20", None),
            *INDICATORS[4:],
        ],
        total_score="１００",
    )
    write_book(
        case("内容异常/文本数字.xlsx", "numbers as text in every odd way", "ok"),
        {"文本数字项目": text_numbers},
    )
    cached = project_rows(
        department="公式缓存测试局",
        total=(100, 100, 80, 10, Formula("F6/E6"), Formula("G6*H6/0", "#DIV/0!")),
        indicators=[
            (
                "产出指标(50分)",
                "数量指标",
                "完成数量",
                "≥10个",
                "10个",
                20,
                Formula("#REF!+1", "#REF!"),
                None,
            ),
            ("产出指标(50分)", "质量指标", "验收合格率", "100%", "100%", 10, Formula("G14"), None),
            *INDICATORS[2:],
        ],
        total_score=Formula("SUM(H13:H18)", "#REF!"),
    )
    write_zip(
        case("内容异常/公式缓存.xlsx", "formulas without cached values and with #DIV/0!, #REF!", "ok"),
        workbook_parts([("公式缓存项目", sheet_xml(cached))]),
    )
    blank = [(level1, level2, None, None, None, None, None, None) for level1, level2, *_ in INDICATORS]
    write_book(
        case("内容异常/指标全空.xlsx", "a 附件3 whose every indicator row is blank", "ok"),
        {"指标全空项目": project_rows(department="指标全空测试局", indicators=blank, total_score=None)},
    )
    long_reason = ("偏差原因：" + "因施工季节性影响，部分工程延期。" * 2_000)[:32_767]
    write_book(
        case("内容异常/隐藏工作表与长文本.xlsx", "a hidden sheet and a 32,767-character cell", "ok"),
        {
            "长文本项目": project_rows(
                department="长文本测试局",
                indicators=[(*INDICATORS[0][:7], long_reason), *INDICATORS[1:]],
            ),
            "隐藏": [["内部备注"], ["不提交的数据", 123]],
        },
        hidden=["隐藏"],
    )
    write_book(
        case("内容异常/十万格式空行.xlsx", "a 附件3 followed by 100,000 formatted empty rows", "ok"),
        {"格式空行项目": project_rows(department="格式空行测试局")},
        formatted_rows=100_000,
    )
    return cases


def main(argv: list[str]) -> int:
    """Write the corpus into the folder named on the command line."""
    if len(argv) != 2:
        print(f"用法：python {argv[0]} 输出文件夹", file=sys.stderr)
        return 2
    cases = build(Path(argv[1]))
    for c in cases:
        print(f"{c.status:8} {c.file}  — {c.what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
