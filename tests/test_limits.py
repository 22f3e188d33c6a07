"""The limits the README states are the limits enforced: a file at each limit is read, one past it refused
with a message naming that limit, and refusing stays within the memory the README states."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import corpus
import pytest

from xltool.read import limits, zipparts
from xltool.read.limits import MSG_SHARED_STRINGS, MSG_SHEET_CELLS, MSG_TEXT, MSG_WORKBOOK_CELLS, SourceError
from xltool.read.sources import read_grids

ROOT = Path(__file__).resolve().parents[1]
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = "</sheetData></worksheet>"
COMMENT = "<!-- 写出的程序不常见：由逐个元素的扫描来数 -->"  # a comment sends a file to the exact scan


def _refusal(path: Path) -> str:
    with pytest.raises(SourceError) as caught:
        read_grids(path, max_rows=1)
    assert caught.value.status == "error"
    return caught.value.message


def _sparse(rows: int, cols: int) -> str:
    """A sheet whose grid from A1 is rows × cols, holding two cells (cheap to build and to scan)."""
    far = corpus.cell_ref(rows - 1, cols - 1)
    return (
        HEAD
        + f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{rows}"><c r="{far}"><v>2</v></c></row>'
        + TAIL
    )


def _book(path: Path, sheets: list[tuple[str, str]], shared: list[str] | None = None) -> Path:
    strings = None if shared is None else corpus.shared_strings_xml(shared)
    return corpus.write_zip(path, corpus.workbook_parts(sheets, strings))


@pytest.mark.parametrize("exact", [False, True])
def test_a_sheet_at_the_cell_limit_is_read_and_one_row_more_refused(tmp_path: Path, exact: bool) -> None:
    assert limits.MAX_SHEET_CELLS == 2000 * 1000
    head = COMMENT if exact else ""
    at = _book(
        tmp_path / "at.xlsx", [("表", _sparse(2000, 1000).replace("<sheetData>", "<sheetData>" + head))]
    )
    assert read_grids(at, max_rows=1) == [("表", [[1.0] + [None] * 999])]
    over = _book(
        tmp_path / "over.xlsx", [("表", _sparse(2001, 1000).replace("<sheetData>", "<sheetData>" + head))]
    )
    assert _refusal(over) == MSG_SHEET_CELLS.format(sheet="表", rows=2001, cols=1000, limit=200)


def test_a_workbook_at_the_cell_limit_is_read_and_one_row_more_refused(tmp_path: Path) -> None:
    assert limits.MAX_WORKBOOK_CELLS == 2 * 1250 * 1000
    at = _book(tmp_path / "at.xlsx", [("甲", _sparse(1250, 1000)), ("乙", _sparse(1250, 1000))])
    assert [name for name, _ in read_grids(at, max_rows=1)] == ["甲", "乙"]
    over = _book(tmp_path / "over.xlsx", [("甲", _sparse(1251, 1000)), ("乙", _sparse(1250, 1000))])
    assert _refusal(over) == MSG_WORKBOOK_CELLS.format(cells=250, limit=250)


def _text_sheet(cells: int, head: str = "") -> str:
    """``cells`` cells in rows of 100, each using shared string 0."""
    rows = []
    for r in range(0, cells, 100):
        row = "".join(
            f'<c r="{corpus.cell_ref(r // 100, c)}" t="s"><v>0</v></c>' for c in range(min(100, cells - r))
        )
        rows.append(f'<row r="{r // 100 + 1}">{row}</row>')
    return HEAD + head + "".join(rows) + TAIL


@pytest.mark.parametrize("exact", [False, True])
def test_text_at_the_limit_is_read_and_one_more_use_refused(tmp_path: Path, exact: bool) -> None:
    assert limits.MAX_TEXT_CHARS == 20_000_000
    text = "字" * 1000  # the table holds it once, and each cell a copy: 1,000 + 19,999 × 1,000 = 20,000,000
    head = COMMENT if exact else ""
    at = _book(tmp_path / "at.xlsx", [("表", _text_sheet(19_999, head))], [text])
    assert read_grids(at, max_rows=1)[0][1][0][0] == text
    over = _book(tmp_path / "over.xlsx", [("表", _text_sheet(20_000, head))], [text])
    assert _refusal(over) == MSG_TEXT.format(chars=2000, limit=2000)


@pytest.mark.parametrize("exact", [False, True])
def test_numbers_are_not_counted_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact: bool
) -> None:
    """Before, the digits of number cells counted as text: a numeric file was refused as 文字总量过大."""
    monkeypatch.setattr(limits, "MAX_TEXT_CHARS", 1000)
    head = COMMENT if exact else ""
    cells = "".join(f'<c r="{corpus.cell_ref(0, c)}"><v>0.12345678901234</v></c>' for c in range(200))
    numbers = _book(tmp_path / "数字.xlsx", [("表", f'{HEAD}{head}<row r="1">{cells}</row>{TAIL}')])
    assert read_grids(numbers) == [("表", [[0.12345678901234] * 200])]  # 3,200 digits: no text
    # A number cell's <v> holding text is text to calamine: counted.
    words = cells.replace("<v>0.12345678901234</v>", "<v>零点一二三四五六</v>")
    text = _book(tmp_path / "文字.xlsx", [("表", f'{HEAD}{head}<row r="1">{words}</row>{TAIL}')])
    assert _refusal(text) == MSG_TEXT.format(chars=0, limit=0)


def test_shared_strings_at_the_limit_are_read_and_one_more_refused(tmp_path: Path) -> None:
    assert limits.MAX_SHARED_STRINGS == 1_000_000
    sheet = HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + TAIL
    strings = [f"{i:07d}" for i in range(1_000_001)]  # (one string repeated would look like a zip bomb)
    at = _book(tmp_path / "at.xlsx", [("表", sheet)], strings[:-1])
    assert read_grids(at) == [("表", [["0000000"]])]
    over = _book(tmp_path / "over.xlsx", [("表", sheet)], strings)
    assert _refusal(over) == MSG_SHARED_STRINGS.format(limit=100)


def test_the_markup_limit_lets_every_plain_file_within_the_cell_limits_through() -> None:
    """A row of its own and an inline string (<row><c><is><t></t></is></c></row>): 8 tags a cell."""
    assert limits.MAX_MARKUP >= 8 * limits.MAX_WORKBOOK_CELLS


def test_the_readme_states_the_limits_enforced() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|$", readme, re.MULTILINE))

    def stated(label: str) -> str:
        return next(value for key, value in rows.items() if key.startswith(label))

    assert stated("文件大小") == f"{limits.MAX_FILE_BYTES // 2**20} MB"
    assert stated("一张工作表") == f"{limits.MAX_SHEET_CELLS // 10_000} 万个单元格"
    assert stated("一个工作簿各工作表") == f"{limits.MAX_WORKBOOK_CELLS // 10_000} 万个单元格"
    assert stated("单元格中的文字总量") == f"{limits.MAX_TEXT_CHARS // 10_000} 万字"
    assert stated("工作簿中不同文字") == f"{limits.MAX_SHARED_STRINGS // 10_000} 万条"
    assert stated("工作簿内部的 XML 标记") == f"{limits.MAX_MARKUP // 10_000} 万个"
    assert stated("解压后的总大小") == f"{limits.MAX_TOTAL_UNCOMPRESSED // 2**20} MB"
    from xltool.read.worker import TIME_LIMIT_SECONDS

    assert stated("读取时间") == f"{TIME_LIMIT_SECONDS:g} 秒"


MEASURE = """
import resource, sys
from pathlib import Path
from xltool.read.worker import read_in_worker
read = read_in_worker(Path(sys.argv[1]), Path(sys.argv[1]).parent)
print(read.status, read.message)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_refusing_a_dense_sheet_past_the_limit_stays_within_the_stated_memory(tmp_path: Path) -> None:
    """2,001 × 1,000 numbers (76 MB of XML, 5 MB zipped): scanned a window at a time, refused unparsed.

    Before, the scan held the sheet's addresses as Python objects and peaked at 600 MiB. The child is
    started from a small process (ru_maxrss carries a parent's size over exec). Takes about 15 s.
    """
    letters = [corpus.cell_ref(0, c)[:-1] for c in range(1000)]
    path = tmp_path / "大表.xlsx"
    with open(tmp_path / "sheet.xml", "w", encoding="utf-8") as fh:
        fh.write(HEAD)
        for r in range(1, 2002):
            fh.write(
                f'<row r="{r}">' + "".join(f'<c r="{x}{r}"><v>0.12345678901234</v></c>' for x in letters)
            )
            fh.write("</row>")
        fh.write(TAIL)
    sheet = (tmp_path / "sheet.xml").read_text(encoding="utf-8")
    _book(path, [("表", sheet)])
    del sheet
    shell = f"{sys.executable} -c '{MEASURE}' '{path}'; exit $?"  # a fork of the shell: a fresh ru_maxrss
    done = subprocess.run(
        ["sh", "-c", shell], capture_output=True, text=True, timeout=300, cwd=ROOT, check=True
    )
    status, peak = done.stdout.strip().splitlines()
    assert status == "error " + MSG_SHEET_CELLS.format(sheet="表", rows=2001, cols=1000, limit=200)
    assert int(peak) < 150  # the README states about 140 MB for a refusal


def test_a_sheet_scanned_window_by_window_counts_as_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large sheets are inflated and counted a window at a time: the same figures and formulas."""
    import io
    import zipfile

    from xltool.read import fast_scan, scan

    def budgets() -> list[tuple[object, ...]]:
        found = []
        for path in sorted((ROOT / "samples").rglob("*.xlsx")):
            data = path.read_bytes()
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                budget = scan._check_parts(archive, archive.infolist(), data)
            found.append((budget.sheets, budget.cells, budget.formulas))
        return found

    monkeypatch.setattr(fast_scan, "_grid_bound", fast_scan._exact_grid)  # a window counts exactly
    whole = budgets()
    for module in (fast_scan, scan):
        monkeypatch.setattr(module, "WHOLE_SHEET", 0)
        monkeypatch.setattr(module, "WINDOW", 256)
    monkeypatch.setattr(zipparts, "_PIECE", 100)
    assert budgets() == whole
