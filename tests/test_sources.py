"""Finding input workbooks and classifying the ones that cannot be read, before parsing them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt

from xltool import sources
from xltool.sources import SourceError, find_inputs, read_grids, relative_name


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
    "content", [b"\xe9\xa1\xb9\xe7\x9b\xae,\xe9\x87\x91\xe9\xa2\x9d\n1,2\n", b"<html><table>"]
)
def test_renamed_text_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "附件3.xlsx"
    path.write_bytes(content)
    assert error_of(path) == (
        "error",
        "不是有效的Excel工作簿（文件内容不是xlsx格式），请用Excel或WPS另存为.xlsx后重新提交",
    )


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "导出.xls"
    path.write_bytes("<html><body><table><tr><td>项目名称</td></tr></table></body></html>".encode())
    status, message = error_of(path)
    assert status == "error" and message.startswith("不是有效的Excel工作簿（文件内容不是xls格式")


def test_truncated_zip(tmp_path: Path) -> None:
    data = small_xlsx(tmp_path / "a.xlsx").read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert error_of(path) == ("error", "文件已损坏或不完整（可能下载中断），请重新下载或导出后提交")


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
    assert error_of(path) == ("error", "文件解压后体积异常（疑似压缩炸弹），已拒绝处理")


def test_zip_bomb_by_total_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    path = tmp_path / "大.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "x" * 20_000)
    assert error_of(path)[1] == "文件解压后体积异常（疑似压缩炸弹），已拒绝处理"


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
