"""Reading written reports: .docx and .txt, the department they name, the documents that cannot be read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from xltool.read import limits
from xltool.read.limits import SourceError
from xltool.read.written import department_in, read_report


def write_docx(path: Path, *paragraphs: str, table: tuple[str, ...] = ()) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        cells = document.add_table(rows=1, cols=len(table)).rows[0].cells
        for cell, text in zip(cells, table, strict=True):
            cell.text = text
    document.save(str(path))
    return path


def refused(path: Path) -> tuple[str, str]:
    with pytest.raises(SourceError) as caught:
        read_report(path, path.parent)
    return caught.value.status, caught.value.message


def test_docx_paragraphs_tables_included_blank_ones_dropped(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "报告.docx",
        "2022年度测试局整体支出",
        "绩效自评报告",
        "",
        "一、部门基本情况",
        table=("编制", "216人"),
    )
    report = read_report(path, tmp_path)
    assert (report.file, report.title, report.department, report.year, report.paragraphs) == (
        "报告.docx",
        "2022年度测试局整体支出绩效自评报告",
        "测试局",
        2022,
        ("2022年度测试局整体支出", "绩效自评报告", "一、部门基本情况", "编制", "216人"),
    )


def test_txt_in_gb18030_and_the_department_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "测试县水利局2023年度部门整体支出绩效自评报告.txt"
    path.write_bytes("自评情况\n\n编制30人。\n".encode("gb18030"))
    report = read_report(path, tmp_path)
    assert (report.department, report.year, report.paragraphs) == (
        "测试县水利局",
        2023,
        ("自评情况", "编制30人。"),
    )


def test_department_names_in_titles() -> None:
    assert [
        department_in(t)
        for t in (
            "2022年度桃源县自然资源局整体支出绩效自评报告",
            "桃源县自然资源局2022年度部门整体支出绩效自评报告（初稿）",
            "关于测试局2022年绩效自评的报告",
            "工作总结",
        )
    ] == ["桃源县自然资源局", "桃源县自然资源局", "测试局", None]


def test_a_document_that_is_no_report_is_skipped(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "会议纪要.docx", "会议纪要", "出席人员：张三")
    assert refused(path) == (
        "skipped",
        "不是绩效自评报告（标题和文件名中没有“自评报告”“绩效自评”字样），已跳过",
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "自评报告.docx",
            b"just text, renamed",
            "不是有效的Word文档（文件内容不是docx格式），请用Word或WPS另存为.docx后重新提交",
        ),
        ("自评报告.docx", b"", "文件为空（0字节），请重新导出后提交"),
        ("自评报告.txt", b"\x00\x01binary", "不是文本文件（含有二进制内容），请提交.docx或UTF-8编码的.txt"),
        (
            "自评报告.docx",
            b"PK\x03\x04truncated",
            "文件不完整（文件结尾缺失，常见于下载或复制中断），请重新下载或导出后提交",
        ),
    ],
)
def test_unreadable_documents(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert refused(path) == ("error", message)


def test_an_xlsx_renamed_docx_has_no_document(tmp_path: Path) -> None:
    path = tmp_path / "自评报告.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refused(path)[1].startswith("不是有效的Word文档（压缩包内没有文档正文")


def test_an_encrypted_docx(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_docx(tmp_path / "plain.docx", "绩效自评报告")
    target = tmp_path / "自评报告.docx"
    with plain.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt("密码123", out)
    assert refused(target) == ("error", "文件已加密，请去除密码后重新提交")


def test_a_zip_bomb_inside_a_docx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "RATIO_CHECK_MIN_SIZE", 1 << 20)
    source = write_docx(tmp_path / "plain.docx", "绩效自评报告")
    target = tmp_path / "自评报告.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in original.infolist():
            bomb.writestr(info, original.read(info))
        bomb.writestr("word/media/padding.bin", b"\0" * (4 << 20))
    target.write_bytes(buffer.getvalue())
    status, message = refused(target)
    assert (status, message.startswith("文件解压后体积异常（疑似压缩炸弹）")) == ("error", True)


def test_a_dtd_inside_a_docx(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "plain.docx", "绩效自评报告")
    target = tmp_path / "自评报告.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as evil:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            evil.writestr(info, data)
    assert refused(target)[1].startswith("Word文档内部含有DTD或实体声明")


def test_a_document_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_docx(tmp_path / "自评报告.docx", "绩效自评报告")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    status, message = refused(path)
    assert (status, message.startswith("文件过大")) == ("error", True)
