"""The zip handed to calamine with the parts the scan inflated stored (xltool/read/stored.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import corpus
import pytest
import python_calamine

from xltool.read import scan, sources, stored

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _grids(data: bytes) -> list[tuple[str, list[list[object]]]]:
    return sources._calamine_grids(python_calamine, data, None)


def _parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(m.filename, archive.read(m)) for m in archive.infolist()]


def _book(extra: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A small workbook with ``extra`` parts written by zipfile with ``method``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in corpus.workbook_parts([("表", corpus.sheet_xml([["项目", 1.5]]))]).items():
            archive.writestr(name, part if isinstance(part, str) else b"")
        for name, content in extra.items():
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


@pytest.mark.parametrize("path", sorted(SAMPLES.rglob("*.xlsx")), ids=lambda p: p.name)
def test_calamine_is_handed_the_same_parts_stored_and_reads_them_alike(path: Path) -> None:
    data = path.read_bytes()
    handed, formulas = scan.checked_zip(data)
    assert handed != data
    assert _parts(handed) == _parts(data)  # the same parts, in the same order, holding the same bytes
    with zipfile.ZipFile(io.BytesIO(handed)) as archive:
        methods = {m.filename: m.compress_type for m in archive.infolist()}
    assert methods["xl/workbook.xml"] == zipfile.ZIP_STORED
    assert _grids(handed) == _grids(data)
    assert formulas == scan._check_zip(data)


def test_a_part_not_inflated_whole_is_copied_compressed_and_names_keep_their_encoding() -> None:
    theme = b"<a:theme>" + b"<a:x/>" * 5000 + b"</a:theme>"  # larger than a head: checked, not kept
    data = _book({"xl/theme/theme1.xml": theme, "docProps/说明.xml": b"<x/>"})
    handed, _ = scan.checked_zip(data)
    assert _parts(handed) == _parts(data)
    with zipfile.ZipFile(io.BytesIO(handed)) as archive:
        assert archive.getinfo("xl/theme/theme1.xml").compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo("docProps/说明.xml").flag_bits & 0x800  # written as UTF-8, as it was
    assert _grids(handed) == _grids(data)


def test_a_zip_with_a_part_read_through_zipfile_is_handed_over_as_it_came() -> None:
    data = _book({"docProps/custom.xml": b"<x/>"}, method=zipfile.ZIP_BZIP2)
    handed, _ = scan.checked_zip(data)
    assert handed is data


def test_a_workbook_past_the_stored_size_is_handed_over_as_it_came(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _book({})
    assert scan.checked_zip(data)[0] != data
    monkeypatch.setattr(stored, "MAX_STORED_BYTES", len(data))  # its parts inflated hold more than that
    assert scan.checked_zip(data)[0] is data
