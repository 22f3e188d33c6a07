"""Finding input workbooks and classifying the ones that cannot be read, before parsing them."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import corpus
import openpyxl
import pytest
import xlsxwriter
import xlwt

from xltool.read import limits, scan, scan_xls, sources, zipparts
from xltool.read.sources import SourceError, find_inputs, read_grids, relative_name


def small_xlsx(path: Path) -> Path:
    """A workbook with a title, a merged range, a formula with its cached value and a blank cell."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("项目")
    sheet.merge_range("B2:D2", "项目支出绩效自评表")
    sheet.write("B3", "年度资金总额")
    sheet.write("C3", 100)
    sheet.write("D3", "")  # an empty string is a blank cell
    sheet.write_formula("E3", "=C3*2", None, 200)
    sheet.write_datetime("F3", dt.datetime(2023, 3, 28), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write("B4", "全年执行数")
    book.add_worksheet("空白")
    book.close()
    return path


def error_of(path: Path) -> tuple[str, str]:
    """(status, message) of the SourceError that reading ``path`` raises."""
    with pytest.raises(SourceError) as caught:
        read_grids(path)
    return caught.value.status, caught.value.message


# ---------------------------------------------------------------------------------------------
# find_inputs / relative_name


def test_find_inputs_walks_folders_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b/附件3.xlsx",
        "a/附件1.XLSX",
        "a/附件2.xls",
        "a/~$附件2.xlsx",
        "a/说明.docx",
        "a/宏.xlsm",
        ".git/x.xlsx",
        "c/.hidden/y.xlsx",
        "__MACOSX/a/附件1.xlsx",
        "顶层.xlsx",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    found = [relative_name(p, tmp_path) for p in find_inputs(tmp_path)]
    assert found == [
        "a/~$附件2.xlsx",
        "a/宏.xlsm",
        "a/附件1.XLSX",
        "a/附件2.xls",
        "b/附件3.xlsx",
        "顶层.xlsx",
    ]


def test_find_inputs_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "附件3.xlsx"
    path.write_bytes(b"x")
    assert find_inputs(path) == [path]
    assert relative_name(path, path) == "附件3.xlsx"


# ---------------------------------------------------------------------------------------------
# read_grids


def test_read_grids_values_as_calamine_gives_them(tmp_path: Path) -> None:
    grids = read_grids(small_xlsx(tmp_path / "a.xlsx"))
    assert [name for name, _ in grids] == ["项目", "空白"]
    rows = grids[0][1]
    assert rows[0] == [None] * 6  # rows start at A1 so that indices are addresses
    assert rows[1] == [None, "项目支出绩效自评表", None, None, None, None]  # merged: top-left only
    assert rows[2] == [None, "年度资金总额", 100.0, None, 200.0, dt.date(2023, 3, 28)]
    assert rows[3][:2] == [None, "全年执行数"]
    assert grids[1] == ("空白", [])


def test_read_grids_xls_and_misnamed_files(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("表")
    sheet.write(1, 1, "项目名称")
    sheet.write(1, 2, 3970.96)
    book.save(str(tmp_path / "a.xls"))
    assert read_grids(tmp_path / "a.xls") == [("表", [[None, None, None], [None, "项目名称", 3970.96]])]
    # The content decides, not the extension: an xlsx saved as .xls and the reverse both read.
    (tmp_path / "b.xls").write_bytes(small_xlsx(tmp_path / "b.xlsx").read_bytes())
    assert read_grids(tmp_path / "b.xls")[0][0] == "项目"
    (tmp_path / "c.xlsx").write_bytes((tmp_path / "a.xls").read_bytes())
    assert read_grids(tmp_path / "c.xlsx")[0][0] == "表"


def test_openpyxl_workbook_reads(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["C5"] = "三公经费"
    book.save(tmp_path / "o.xlsx")
    rows = read_grids(tmp_path / "o.xlsx")[0][1]
    assert len(rows) == 5 and rows[4] == [None, None, "三公经费"]


# ---------------------------------------------------------------------------------------------
# Files that cannot be read


def test_lock_file_is_skipped_unread(tmp_path: Path) -> None:
    path = tmp_path / "~$附件3.xlsx"
    path.write_bytes(b"\x0b\x00owner name")
    assert error_of(path) == ("skipped", "Office 临时锁文件（~$开头），已跳过；无需提交此文件")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "附件3.xlsx"
    path.write_bytes(b"")
    assert error_of(path) == ("error", "文件为空（0字节），请重新导出后提交")


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"\xe9\xa1\xb9\xe7\x9b\xae,\xe9\x87\x91\xe9\xa2\x9d\n1,2\n", "，而是文本文件（如CSV）"),
        (b"<html><table>", "，而是网页（HTML）"),
    ],
)
def test_renamed_text_file(tmp_path: Path, content: bytes, found: str) -> None:
    path = tmp_path / "附件3.xlsx"
    path.write_bytes(content)
    assert error_of(path) == (
        "error",
        f"不是有效的Excel工作簿（文件内容不是xlsx格式{found}），请用Excel或WPS另存为.xlsx后重新提交",
    )


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "导出.xls"
    path.write_bytes("<html><body><table><tr><td>项目名称</td></tr></table></body></html>".encode())
    status, message = error_of(path)
    assert (status, message) == (
        "error",
        "不是有效的Excel工作簿（文件内容不是xls格式，而是网页（HTML）），请用Excel或WPS另存为.xlsx后重新提交",
    )


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"%PDF-1.7\n", "，而是PDF文件"),
        (b"{\\rtf1\\ansi", "，而是RTF文档"),
        ("\ufeff项目名称,旱改水项目\n".encode(), "，而是文本文件（如CSV）"),
        ("项目名称,旱改水项目\n".encode("gbk"), "，而是文本文件（如CSV）"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "，而是XML文件（如Excel 2003 XML表格）",
        ),
        (bytes(range(256)), ""),  # nothing recognised: nothing guessed
    ],
)
def test_a_file_that_is_no_workbook_is_named_for_what_it_is(
    tmp_path: Path, content: bytes, found: str
) -> None:
    path = tmp_path / "导出.xls"
    path.write_bytes(content)
    assert error_of(path) == ("error", limits.MSG_NOT_XLS.format(found=found))


def test_truncated_zip(tmp_path: Path) -> None:
    data = small_xlsx(tmp_path / "a.xlsx").read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert error_of(path) == (
        "error",
        "文件不完整（文件结尾缺失，常见于下载或复制中断），请重新下载或导出后提交",
    )


def test_a_zip_damaged_but_whole_is_called_damaged_not_cut_short(tmp_path: Path) -> None:
    data = bytearray(small_xlsx(tmp_path / "a.xlsx").read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 16 : end + 20] = (len(data) + 99).to_bytes(4, "little")  # its directory said to be elsewhere
    path = tmp_path / "损坏.xlsx"
    path.write_bytes(bytes(data))
    assert error_of(path) == ("error", limits.MSG_CORRUPT)


def test_zip_that_is_no_workbook(tmp_path: Path) -> None:
    path = tmp_path / "报告.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    status, message = error_of(path)
    assert status == "error" and "压缩包内没有工作簿内容" in message


def test_encrypted_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = small_xlsx(tmp_path / "a.xlsx")
    path = tmp_path / "加密.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert error_of(path) == ("error", "文件已加密，请去除密码后重新提交")


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (11 * 1024 * 1024))
    assert error_of(path) == (
        "error",
        "文件解压后体积异常（疑似压缩炸弹），已拒绝处理；如确为正常表格，请删除多余的工作表和空白行列后另存为.xlsx再提交",
    )


def test_zip_bomb_by_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    path = tmp_path / "大.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "x" * 20_000)
    assert error_of(path)[1] == limits.MSG_BOMB


def test_other_parse_failures_name_the_cause(tmp_path: Path) -> None:
    path = tmp_path / "坏.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' r:id='rId1'/></sheets")
    path.write_bytes(buffer.getvalue())
    status, message = error_of(path)
    assert status == "error"
    assert message.startswith("无法读取工作簿（") and message.endswith(
        "请用Excel或WPS打开后另存为.xlsx再提交"
    )


def test_unreadable_path(tmp_path: Path) -> None:
    status, message = error_of(tmp_path / "不存在.xlsx")
    assert status == "error" and "无法打开文件" in message


# ---------------------------------------------------------------------------------------------
# What calamine would build: grids, copied texts, markup (scanned before parsing)


def test_far_cell_is_refused_before_calamine(tmp_path: Path) -> None:
    sheet = corpus.sheet_xml(
        [["项目名称"]], extra_rows='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    path = corpus.write_zip(tmp_path / "远.xlsx", corpus.workbook_parts([("项目", sheet)]))
    assert error_of(path) == (
        "error",
        "工作表“项目”的数据区域过大（1048576行×16384列，上限200万个单元格），已拒绝处理；"
        "请删除表格下方或右侧多余的内容后重新提交",
    )


def test_formatted_empty_cells_do_not_count(tmp_path: Path) -> None:
    extra = (
        '<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/><c r="XFC1048576" s="1"></c></row>'
    )
    sheet = corpus.sheet_xml([["项目名称", 1]], extra_rows=extra)
    path = corpus.write_zip(tmp_path / "格式.xlsx", corpus.workbook_parts([("项目", sheet)]))
    assert read_grids(path) == [("项目", [["项目名称", 1.0]])]


def test_cells_without_addresses_are_placed_as_calamine_places_them(tmp_path: Path) -> None:
    rows = '<row r="1"><c><v>1</v></c><c><v>2</v></c></row><row><c/><c/><c><v>3</v></c></row>'
    path = corpus.write_zip(
        tmp_path / "无地址.xlsx", corpus.workbook_parts([("表", corpus.sheet_xml([], extra_rows=rows))])
    )
    assert read_grids(path) == [("表", [[1.0, 2.0, None], [None, None, 3.0]])]
    with zipfile.ZipFile(path) as archive:
        assert scan._check_parts(archive, archive.infolist()).sheets == [("表", 2, 3)]


def test_shared_string_copies_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copies = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, 101))
    parts = corpus.workbook_parts(
        [("表", corpus.sheet_xml([], extra_rows=copies))], shared=corpus.shared_strings_xml(["测" * 1000])
    )
    path = corpus.write_zip(tmp_path / "复制.xlsx", parts)
    monkeypatch.setattr(limits, "MAX_TEXT_CHARS", 99_999)
    assert error_of(path) == (
        "error",
        "工作簿单元格中的文字总量过大（约10万字，上限9万字），已拒绝处理；请删除多余的内容后重新提交",
    )
    monkeypatch.setattr(limits, "MAX_TEXT_CHARS", 101_100)  # 100 copies, 100 indices, the table
    assert len(read_grids(path)[0][1]) == 100


@pytest.mark.parametrize(
    ("limit", "value", "fragment"),
    [
        ("MAX_WORKBOOK_CELLS", 5, "数据区域合计过大"),
        ("MAX_MARKUP", 20, "标记超过"),
        ("MAX_SHARED_STRINGS", 1, "不同文字超过"),
    ],
)
def test_workbook_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, fragment: str
) -> None:
    parts = corpus.workbook_parts(
        [("一", corpus.sheet_xml([[1, 2], [3, 4]])), ("二", corpus.sheet_xml([[5, 6]]))],
        shared=corpus.shared_strings_xml(["a", "b"]),
    )
    path = corpus.write_zip(tmp_path / "限.xlsx", parts)
    monkeypatch.setattr(limits, limit, value)
    status, message = error_of(path)
    assert status == "error" and fragment in message


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "[Content_Types].xml"]
)
def test_dtd_anywhere_is_refused(tmp_path: Path, part: str) -> None:
    parts = corpus.workbook_parts(
        [("表", corpus.sheet_xml([["a"]]))], shared=corpus.shared_strings_xml(["b"])
    )
    text = parts[part]
    assert isinstance(text, str)
    parts[part] = text.replace("?>\n", '?>\n<!DOCTYPE x [<!ENTITY e "e">]>', 1)
    assert error_of(corpus.write_zip(tmp_path / "dtd.xlsx", parts)) == ("error", limits.MSG_DTD)


def test_dtd_after_a_long_comment_is_refused_by_the_scan(tmp_path: Path) -> None:
    sheet = corpus.sheet_xml([["a"]], head="<!--" + "x" * 10_000 + '--><!DOCTYPE x [<!ENTITY e "e">]>')
    path = corpus.write_zip(tmp_path / "dtd.xlsx", corpus.workbook_parts([("表", sheet)]))
    assert error_of(path) == ("error", limits.MSG_DTD)


def test_two_sheets_with_one_name(tmp_path: Path) -> None:
    parts = corpus.workbook_parts([("表", corpus.sheet_xml([["一"]])), ("表", corpus.sheet_xml([["二"]]))])
    status, message = error_of(corpus.write_zip(tmp_path / "同名.xlsx", parts))
    assert status == "error" and "两个工作表同名（“表”）" in message


def test_parts_whose_names_differ_only_in_case(tmp_path: Path) -> None:
    parts = corpus.workbook_parts([("表", corpus.sheet_xml([["一"]]))])
    parts["XL/Worksheets/Sheet1.xml"] = corpus.sheet_xml([["二"]])
    assert error_of(corpus.write_zip(tmp_path / "大小写.xlsx", parts)) == (
        "error",
        limits.MSG_DUPLICATE_PARTS,
    )


def test_zip_member_with_a_zip_password(tmp_path: Path) -> None:
    path = corpus.write_zip(
        tmp_path / "zip密码.xlsx", corpus.workbook_parts([("表", corpus.sheet_xml([["一"]]))])
    )
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flags_at] |= 0x01  # "encrypted"
            start += 4
    path.write_bytes(bytes(data))
    assert error_of(path) == ("error", "文件已加密，请去除密码后重新提交")


def zipped(parts: dict[str, str | corpus.Deflated], compression: int, stream: bool = False) -> bytes:
    """The parts zipped by zipfile; ``stream``: written to an unseekable file (with data descriptors)."""
    buffer = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            return buffer.write(data)

    with zipfile.ZipFile(Unseekable() if stream else buffer, "w", compression=compression) as archive:
        for name, part in parts.items():
            assert isinstance(part, str)
            archive.writestr(name, part)
    return buffer.getvalue()


def patched(data: bytes, name: str, where: str, change: int) -> bytes:
    """``data`` with one field of part ``name`` changed by ``change``.

    ``where``: its CRC, compressed size or header offset (in the central directory), or a byte of its
    local name or of its last compressed bytes.
    """
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name.encode())] != name.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    name_size, extra_size = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = {
        "crc": central + 16,
        "size": central + 20,
        "offset": central + 42,
        "name": info.header_offset + 30,
        "tail": info.header_offset + 30 + name_size + extra_size + info.compress_size - 50,
    }[where]
    if where in ("crc", "size", "offset"):
        struct.pack_into("<I", out, at, struct.unpack_from("<I", data, at)[0] + change)
    else:
        out[at] ^= change
    return bytes(out)


def outcome(read: Callable[..., object], *args: object) -> object:
    """What ``read(*args)`` gives, or the exception it raises (its type and message)."""
    try:
        return read(*args)
    except Exception as exc:  # any exception: compared as it is
        return type(exc), str(exc)


def zipfile_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The head of a part searched for a DTD, as zipfile reads it."""
    with archive.open(member) as stream:
        return stream.read(limits.HEAD_BYTES)


def scanned_sheets(archive: zipfile.ZipFile, data: bytes) -> list[tuple[str, int, int]]:
    """The grids the scan bounds, its parts read from ``data`` (or through zipfile, if empty)."""
    return scan._check_parts(archive, archive.infolist(), data).sheets


def test_parts_are_read_from_the_zip_as_zipfile_reads_them(tmp_path: Path) -> None:
    # Plain parts are inflated from the zip's bytes, not through zipfile: stored or deflated, with or
    # without data descriptors, small or larger than the head searched for a DTD, whole or broken.
    big = random.Random(0).randbytes(20_000).hex()  # compresses badly: its tail is beyond zipfile's head
    parts = corpus.workbook_parts([("表", corpus.sheet_xml([["一", 1], ["二", big]]))])
    parts["xl/theme/theme1.xml"] = f"<a:theme>{big}</a:theme>"
    plain = [
        zipped(parts, method, stream)
        for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        for stream in (False, True)
    ]
    assert zipfile.ZipFile(io.BytesIO(plain[1])).getinfo("xl/workbook.xml").flag_bits & 0x08
    broken = [
        patched(data, name, where, change)
        for data in plain
        for name, where, change in (
            ("_rels/.rels", "crc", 1),
            ("xl/theme/theme1.xml", "crc", 1),
            ("xl/worksheets/sheet1.xml", "crc", 1),
            ("xl/theme/theme1.xml", "tail", 0xFF),
            ("xl/worksheets/sheet1.xml", "tail", 0xFF),
            ("xl/workbook.xml", "name", 0x20),
            ("xl/workbook.xml", "offset", 1),
            ("[Content_Types].xml", "size", 3),
            ("xl/theme/theme1.xml", "size", 10**6),
        )
    ]
    for data in plain + broken:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            reader = zipparts.Parts(archive, data, set(members[::2]))
            for member in members:
                assert outcome(reader.head, member) == outcome(zipfile_head, archive, member)
                assert outcome(reader.read, member) == outcome(archive.read, member)
            assert outcome(scanned_sheets, archive, data) == outcome(scanned_sheets, archive, b"")
    for data in plain:
        path = tmp_path / "plain.xlsx"
        path.write_bytes(data)
        assert read_grids(path) == [("表", [["一", 1.0], ["二", big]])]


def test_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "管道.xlsx")
    (tmp_path / "目录.xlsx").mkdir()
    os.symlink("/dev/zero", tmp_path / "零.xlsx")
    for name in ("管道.xlsx", "目录.xlsx", "零.xlsx"):
        assert error_of(tmp_path / name) == ("error", limits.MSG_NOT_REGULAR)


def test_file_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "大.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(150 * 1024 * 1024)  # sparse: nothing is read
    assert error_of(path) == (
        "error",
        "文件过大（150MB，上限100MB），未读取；请删除多余的工作表、图片和空白行列后另存，再重新提交",
    )
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    assert "上限2.0MB" in error_of(path)[1]


# ---------------------------------------------------------------------------------------------
# .xls: records checked, a fresh container for calamine


def test_xls_goes_to_calamine_in_a_fresh_container(tmp_path: Path) -> None:
    import olefile
    import python_calamine

    book = xlwt.Workbook()
    sheet = book.add_sheet("表")
    for r in range(300):
        sheet.write(r, 0, f"第{r}行")
        sheet.write(r, 1, r * 1.5)
    book.save(str(tmp_path / "a.xls"))
    data = (tmp_path / "a.xls").read_bytes()
    clean, _ = sources.workbook_bytes(tmp_path / "a.xls")
    with olefile.OleFileIO(io.BytesIO(clean)) as ole:
        assert ole.listdir() == [["Workbook"]]
    original = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("表").to_python()
    )
    assert read_grids(tmp_path / "a.xls")[0][1] == [[None if v == "" else v for v in row] for row in original]


def test_ole_file_without_a_workbook_stream(tmp_path: Path) -> None:
    data = bytearray(scan_xls._compound_file(b"\x09\x08" + b"\x00" * 100))
    name = "Workbook".encode("utf-16-le")
    data[data.find(name) : data.find(name) + len(name)] = "WordDocu".encode("utf-16-le")
    (tmp_path / "文档.xls").write_bytes(bytes(data))
    assert error_of(tmp_path / "文档.xls") == ("error", limits.MSG_NOT_XLS_OLE)
    assert "Word" not in limits.MSG_NOT_XLS_OLE  # a damaged .xls is not told it may be a Word file


def test_renamed_word_file_is_named_as_such(tmp_path: Path) -> None:
    data = bytearray(scan_xls._compound_file(b"\x09\x08" + b"\x00" * 100))
    at = data.find("Workbook".encode("utf-16-le"))
    name = "WordDocument".encode("utf-16-le") + b"\x00\x00"
    data[at : at + 64] = name.ljust(64, b"\x00")
    data[at + 64 : at + 66] = len(name).to_bytes(2, "little")
    (tmp_path / "报告.xls").write_bytes(bytes(data))
    assert error_of(tmp_path / "报告.xls") == ("error", limits.MSG_OLE_OTHER.format(program="Word文档"))


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ("far_cell", "数据区域过大（65536行×65536列"),
        ("dimensions", "数据区域过大（2147483647行×65535列"),
        ("sst_count", "不同文字超过100万条"),
        ("formula", "工作簿内容无法解析"),  # calamine panics: caught
    ],
)
def test_xls_records_calamine_would_choke_on(tmp_path: Path, patch: str, fragment: str) -> None:
    status, message = error_of(corpus.patched_xls(tmp_path / f"{patch}.xls", patch))
    assert status == "error" and fragment in message


def test_max_rows_keeps_the_first_rows_only(tmp_path: Path) -> None:
    path = corpus.write_book(tmp_path / "长.xlsx", {"表": [[f"第{r}行", r] for r in range(50)]})
    grids = read_grids(path, max_rows=3)
    assert grids == [("表", [["第0行", 0.0], ["第1行", 1.0], ["第2行", 2.0]])]
    assert len(read_grids(path)[0][1]) == 50


def test_xlsb_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "二进制.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
        archive.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    assert error_of(path) == (
        "error",
        "Excel二进制工作簿（.xlsb格式）暂不支持，请用Excel或WPS另存为.xlsx后重新提交",
    )


def test_nested_shared_strings_are_refused(tmp_path: Path) -> None:
    shared = corpus.shared_strings_xml(["a"]).replace(
        "<si><t>a</t></si>", "<si><t>a</t><si><t>b</t></si></si>"
    )
    path = corpus.write_zip(
        tmp_path / "嵌套.xlsx", corpus.workbook_parts([("表", corpus.sheet_xml([["a"]]))], shared=shared)
    )
    status, message = error_of(path)
    assert status == "error" and "si 元素嵌套" in message


def test_a_file_is_read_as_stated_and_on_to_the_limit_when_it_grew(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading asks for the stated size first: a file that grew is read on, up to one byte past the limit."""
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    assert sources.read_stated(io.BytesIO(b"abc"), 3) == b"abc"
    assert sources.read_stated(io.BytesIO(b"ab"), 3) == b"ab"  # shrank
    assert sources.read_stated(io.BytesIO(b"abcdef"), 3) == b"abcdef"  # grew, within the limit
    assert sources.read_stated(io.BytesIO(b"x" * 50), 3) == b"x" * 11  # grew past it: refused by the caller
