"""Property and fuzz tests of the reader and of the part scan that guards calamine.

- whole small 附件3 forms with random variations (moved rows, inserted blank rows and columns, extra
  columns, merged-looking blanks, odd numbers and units), read in memory: consistent records or a
  clean skip, never an exception;
- the part scan of `xltool.read.sources` against calamine itself: for any small sheet it lets through, the
  grid and the text calamine builds are no larger than the scan said;
- a bounded fuzz target: mutated bytes of valid .xlsx and .xls files (in the zip, in the XML, in the
  BIFF records) never make `read_file` raise or overrun its time limit: a fixed number of examples
  from a fixed sequence by default (see conftest.py);
  ``XLTOOL_HYPOTHESIS=explore XLTOOL_FUZZ_SECONDS=600 pytest tests/test_fuzz.py`` fuzzes with fresh
  random examples for longer.
"""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import corpus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltool.read import cells, limits, scan
from xltool.read.reader import read_workbook
from xltool.read.worker import read_in_worker

# By default each fuzz target runs a fixed number of examples (FIXED_EXAMPLES), the same on every
# machine; XLTOOL_FUZZ_SECONDS (with XLTOOL_HYPOTHESIS=explore) gives the targets that long instead.
FUZZ_SECONDS = float(os.environ.get("XLTOOL_FUZZ_SECONDS", "0"))
FIXED_EXAMPLES = {"bytes": 400, "xml": 200, "xls": 120}

Grid = list[list[object]]


def has_chinese(text: str) -> bool:
    """Whether a message is written in Chinese."""
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


# ---------------------------------------------------------------------------------------------
# Cell values as departments type them

FULL_WIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")
UNITS = ("", "", "万元", "元", "%", "％", "个", "亩", "公里", "分", "人", "㎡", "次")
OPERATORS = ("", "", "≥", "≤", ">", "<", "=", "＞", "≧", "不低于", "不少于", "约")
JUNK = ("——", "—", "-", "/", "无", "#DIV/0!", "#REF!", "#N/A", "N/A", "待定", "见附件", "？", " ", "")

numbers = st.one_of(
    st.integers(min_value=-(10**7), max_value=10**7),
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False),
)


@st.composite
def text_numbers(draw: st.DrawFn) -> str:
    """A number typed as text: separators, full-width digits, spaces, an apostrophe, a unit, an operator."""
    number = draw(numbers)
    text = f"{number:,}" if draw(st.booleans()) else str(number)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    text = draw(st.sampled_from(OPERATORS)) + text + draw(st.sampled_from(UNITS))
    if draw(st.booleans()):
        text = (
            draw(st.sampled_from(("'", " ", "\u3000", "")))
            + text
            + draw(st.sampled_from((" ", "  ", "\t", "")))
        )
    return text


cell_values = st.one_of(
    st.none(),
    numbers,
    text_numbers(),
    st.sampled_from(JUNK),
    st.text(alphabet="abcxyz0123456789.,+-*/()%$ ", max_size=8),
    st.booleans(),
)


# ---------------------------------------------------------------------------------------------
# Whole 附件3 forms with variations

LEVEL1 = ("产出指标(50分)", "效益指标(30分)", "满意度指标(10分)", "产出指标", None)
LEVEL2 = ("数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "服务对象满意度指标", None)
NAMES = ("完成数量", "验收合格率", "按期完成", "项目成本", "群众满意度", "受益人口", "新增耕地面积", None)
EXTRA_HEADERS = ("备注", "指标性质", "计量单位", "佐证材料")


@dataclass(frozen=True)
class Form:
    """A generated 附件3 grid and what reading it must give."""

    grid: Grid
    indicator_rows: int  # rows with a name, target, actual, weight or score
    extra_headers: tuple[str, ...]


@st.composite
def forms(draw: st.DrawFn) -> Form:
    """An official 附件3 with random figures and indicators, moved, padded and widened at random."""
    indicators = draw(
        st.lists(
            st.tuples(
                st.sampled_from(LEVEL1),
                st.sampled_from(LEVEL2),
                st.sampled_from(NAMES),
                cell_values,
                cell_values,
                st.one_of(st.none(), numbers, text_numbers(), st.sampled_from(JUNK)),
                st.one_of(st.none(), numbers, text_numbers(), st.sampled_from(JUNK)),
                st.one_of(st.none(), st.sampled_from(("进度滞后", "=1+1", "@SUM(A1)", "无"))),
            ),
            max_size=8,
        )
    )
    total = draw(st.tuples(*[cell_values] * 6))
    rows = corpus.project_rows(total=total, indicators=indicators, total_score=draw(cell_values))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "绩效指标")
    expected = sum(1 for ind in indicators if not all(cells.blank(v) for v in ind[2:7]))

    extras = tuple(draw(st.lists(st.sampled_from(EXTRA_HEADERS), unique=True, max_size=3)))
    for i in range(header, header + 1 + len(indicators)):
        rows[i] = list(rows[i]) + [None] * (9 - len(rows[i]))
        rows[i] += list(extras) if i == header else [draw(cell_values) for _ in extras]

    # Blank rows inside the indicator table (below its header) and above it.
    for _ in range(draw(st.integers(0, 3))):
        rows.insert(draw(st.integers(header + 1, header + 1 + len(indicators))), [])
    for _ in range(draw(st.integers(0, 2))):
        rows.insert(draw(st.integers(3, header)), [None, None])
        header += 1
    # Blank columns anywhere, the whole form moved down and right.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, 10))
        rows = [[*row[:at], None, *row[at:]] if len(row) > at else list(row) for row in rows]
    down, right = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    grid: Grid = [[] for _ in range(down)] + [[None] * right + list(row) for row in rows]
    if draw(st.booleans()):
        grid.insert(0, ["附件3"])
    return Form(grid, expected, extras)


def at(grid: Grid, cell: str) -> object:
    """The value at an A1 address of a grid (None outside it)."""
    match = re.fullmatch(r"([A-Z]+)([0-9]+)", cell)
    assert match, cell
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    r, c = int(match.group(2)) - 1, col - 1
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


@settings(max_examples=300, deadline=None)
@given(forms())
def test_forms_read_consistently(form: Form) -> None:
    read = read_workbook("附件3.xlsx", [("项目", form.grid)])
    assert read.status in ("ok", "skipped")
    if read.status != "ok":
        assert has_chinese(read.message or "")
        return
    (sheet,) = read.sheets
    assert sheet.kind == "project"
    for figure in sheet.figures:  # every figure points at the cell that holds its raw value
        assert at(form.grid, figure.cell) == figure.raw, figure
        assert figure.problem is None or has_chinese(figure.problem)
    for total in (sheet.total_weight, sheet.total_score):
        if total is not None:
            assert at(form.grid, total.cell) == total.raw
    for row in sheet.indicators:
        assert cells.cell_text(at(form.grid, row.cells["name"])) == row.name
        assert at(form.grid, row.cells["target"]) == row.target_raw
        assert at(form.grid, row.cells["actual"]) == row.actual_raw
        assert [text for text, _ in row.extras] == list(form.extra_headers)
        assert all(has_chinese(problem) for _, problem in row.problems)
    table_found = not any("指标表" in m or "总分" in m for m in sheet.missing)
    if table_found:
        assert len(sheet.indicators) == form.indicator_rows
        assert [r.index for r in sheet.indicators] == list(range(form.indicator_rows))


# ---------------------------------------------------------------------------------------------
# The part scan against calamine: never smaller than what calamine builds

SHARED = ("甲", "", "项目支出绩效自评表" * 3, "x")


@st.composite
def sheet_xml(draw: st.DrawFn) -> str:
    """A small worksheet part in the ways writers (and attackers) spell cells and rows."""
    body = []
    for _ in range(draw(st.integers(0, 6))):
        attrs = f' r="{draw(st.integers(1, 300))}"' if draw(st.booleans()) else ""
        cells = []
        for _ in range(draw(st.integers(0, 6))):
            ref = ""
            if draw(st.integers(0, 3)):
                col = corpus.cell_ref(0, draw(st.integers(0, 70)))[:-1]
                col = col.lower() if draw(st.integers(0, 4)) == 0 else col
                ref = f' r="{col}{draw(st.integers(1, 300))}"'
            tag = draw(st.sampled_from(("c", "c", "c", "x:c")))
            kind = draw(
                st.sampled_from(
                    (
                        "n",
                        "s",
                        "s-bad",
                        "inline",
                        "str",
                        "b",
                        "e",
                        "formula",
                        "empty",
                        "pair",
                        "v-empty",
                        "v-comment",
                    )
                )
            )
            content = {
                "n": (f"><v>{draw(numbers)}</v></{tag}>"),
                "s": f' t="s"><v>{draw(st.integers(0, len(SHARED) - 1))}</v></{tag}>',
                "s-bad": f' t="s"><v>{draw(st.sampled_from((" 1", "x", "2 ", "99", "")))}</v></{tag}>',
                "inline": f' t="inlineStr"><is><t>{draw(st.text("ab项目 ", max_size=12))}</t></is></{tag}>',
                "str": f' t="str"><f>A1</f><v>{draw(st.text(alphabet="xyz", max_size=5))}</v></{tag}>',
                "b": f' t="b"><v>1</v></{tag}>',
                "e": f' t="e"><f>1/0</f><v>#DIV/0!</v></{tag}>',
                "formula": f"><f>SUM(A1:A2)</f></{tag}>",
                "empty": ' s="1"/>',
                "pair": f' s="1"></{tag}>',
                "v-empty": f"><v></v></{tag}>",
                "v-comment": f' t="s"><v><!-- x -->{draw(st.integers(0, 3))}</v></{tag}>',
            }[kind]
            cells.append(f"<{tag}{ref}{content}")
        body.append(f"<row{attrs}>{''.join(cells)}</row>" if draw(st.integers(0, 5)) else "".join(cells))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


# The fast scan's test for a cell type other than s or n, as first written: the one in use, written
# to start at the `t`, must find a match in exactly the same texts.
_TEXT_TYPE_AS_WRITTEN = re.compile(rb"""\st\s*=\s*["'](?![sn]["'])""")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from([b" ", b"\t", b"\n", b"t", b"=", b'"', b"'", b"s", b"n", b"x", b"<c"])).map(
        b"".join
    )
)
def test_the_fast_text_type_search_finds_what_the_written_one_finds(data: bytes) -> None:
    from xltool.read import fast_scan

    assert (fast_scan._TEXT_TYPE.search(data) is None) == (_TEXT_TYPE_AS_WRITTEN.search(data) is None)


@settings(max_examples=300, deadline=None)
@given(sheet_xml(), st.booleans())
def test_part_scan_is_never_smaller_than_calamine(xml: str, empty_si: bool) -> None:
    import python_calamine

    shared = corpus.shared_strings_xml(SHARED)
    if empty_si:  # an <si> without <t>: calamine versions number the strings after it differently
        shared = shared.replace("<si><t></t></si>", "<si></si>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, part in corpus.workbook_parts([("表", xml)], shared=shared).items():
            archive.writestr(name, part if isinstance(part, str) else b"")
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            budget = scan._check_parts(archive, archive.infolist())
        except limits.SourceError:
            return  # refused: calamine never sees it
    try:
        grid = (
            python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        )
    except Exception:
        return  # calamine refuses it too
    ((_, rows, cols),) = budget.sheets
    assert len(grid) <= rows
    assert max((len(row) for row in grid), default=0) <= cols
    assert sum(len(v) for row in grid for v in row if isinstance(v, str)) <= budget.chars


# ---------------------------------------------------------------------------------------------
# Mutated files through read_file


@pytest.fixture(scope="module")
def seeds() -> Iterator[dict[str, bytes]]:
    """Valid files to mutate: an xlsxwriter 附件3, a hand-made xlsx with shared strings, an xlwt .xls."""
    import xlwt

    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        book = xlwt.Workbook()
        sheet = book.add_sheet("项目")
        for r, row in enumerate(corpus.project_rows()):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        sheet.write(30, 3, xlwt.Formula("D6*2"))
        book.save(str(where / "c.xls"))
        shared_sheet = corpus.sheet_xml(corpus.project_rows()).replace(
            '<c r="A1" t="inlineStr"><is><t xml:space="preserve">项目支出绩效自评表</t></is></c>',
            '<c r="A1" t="s"><v>0</v></c>',
        )
        yield {
            "xlsx": corpus.write_book(where / "a.xlsx", {"项目": corpus.project_rows()}).read_bytes(),
            "shared": corpus.write_zip(
                where / "b.xlsx",
                corpus.workbook_parts(
                    [("项目", shared_sheet)], shared=corpus.shared_strings_xml(["项目支出绩效自评表"])
                ),
            ).read_bytes(),
            "xls": (where / "c.xls").read_bytes(),
        }


SNIPPETS = (
    b' r="XFD1048576"',
    b' r="A99999999999"',
    b' r="zz9"',
    b'<c r="B2" t="s"><v>0</v></c>',
    b'<c r="B3" t="s"><v>4294967296</v></c>',
    b"<!DOCTYPE a>",
    b"&lol;",
    b'<row r="1048576">',
    b"<c>",
    b"</c>",
    b"<is><t>x</t></is>",
    b'<f t="shared" ref="A1:XFD1048576" si="0">A1</f>',
    b'<mergeCell ref="A1:XFD1048576"/>',
    b'<dimension ref="A1:XFD1048576"/>',
    b"\x00",
    b"<si><t>z</t></si>" * 3,
    b'<sheet name="n" sheetId="9" r:id="rId1"/>',
)
# With XLTOOL_FUZZ_SECONDS: examples per target for a third of that time at the rates measured here
# (files per second); on a slower machine a target stops when its time is up, the rest passing as no-ops.
RATES = {"bytes": 350, "xml": 180, "xls": 100}


def examples(target: str) -> int:
    """How many examples a fuzz target gets."""
    if not FUZZ_SECONDS:
        return FIXED_EXAMPLES[target]
    return max(FIXED_EXAMPLES[target], int(FUZZ_SECONDS / 3 * RATES[target]))


_started: dict[str, float] = {}


def within_budget(target: str) -> bool:
    """Whether a fuzz target still has time left (each has a third of XLTOOL_FUZZ_SECONDS, if set)."""
    if not FUZZ_SECONDS:
        return True
    started = _started.setdefault(target, time.monotonic())
    return time.monotonic() - started < FUZZ_SECONDS / 3


def check_read(where: Path, data: bytes, suffix: str) -> None:
    """``data`` as a file read as a worker reads it: a record, never an exception, never timed out."""
    path = where / f"fuzz{suffix}"
    path.write_bytes(data)
    read = read_in_worker(path, where)
    assert not (read.message or "").startswith("读取超时"), read.message
    assert read.status in ("ok", "skipped", "error")
    if read.status != "ok":
        assert read.message and has_chinese(read.message)


byte_edits = st.lists(
    st.tuples(
        st.sampled_from(("flip", "delete", "insert", "truncate")),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=8,
)


def edit_bytes(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    """Apply byte edits at relative positions."""
    out = bytearray(data)
    for kind, where, payload in edits:
        i = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[i] ^= payload[0] or 0xFF
        elif kind == "delete":
            del out[i : i + len(payload) * 4]
        elif kind == "insert":
            out[i:i] = payload
        elif kind == "truncate":
            del out[i:]
    return bytes(out)


@settings(max_examples=examples("bytes"), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(("xlsx", "shared", "xls")), byte_edits)
def test_fuzz_file_bytes(seeds: dict[str, bytes], base: str, edits: list[tuple[str, float, bytes]]) -> None:
    if not within_budget("bytes"):
        return
    with tempfile.TemporaryDirectory() as folder:
        check_read(Path(folder), edit_bytes(seeds[base], edits), ".xls" if base == "xls" else ".xlsx")


xml_edits = st.lists(
    st.tuples(
        st.sampled_from(("snippet", "delete", "duplicate", "char")),
        st.floats(0, 1),
        st.integers(0, len(SNIPPETS) - 1),
        st.integers(1, 200),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=examples("xml"), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(("xlsx", "shared")), st.integers(0, 20), xml_edits)
def test_fuzz_xlsx_parts(
    seeds: dict[str, bytes], base: str, member: int, edits: list[tuple[str, float, int, int]]
) -> None:
    if not within_budget("xml"):
        return
    source = zipfile.ZipFile(io.BytesIO(seeds[base]))
    names = source.namelist()
    target = names[member % len(names)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name in names:
            part = bytearray(source.read(name))
            if name == target:
                for kind, where, snippet, size in edits:
                    i = int(where * len(part))
                    if kind == "snippet":
                        part[i:i] = SNIPPETS[snippet]
                    elif kind == "delete":
                        del part[i : i + size]
                    elif kind == "duplicate" and part:
                        j = (i * 7 + size) % len(part)
                        part[i:i] = part[j : j + size]
                    elif kind == "char" and part:
                        part[min(i, len(part) - 1)] = 32 + size % 95
            out.writestr(name, bytes(part))
    with tempfile.TemporaryDirectory() as folder:
        check_read(Path(folder), buffer.getvalue(), ".xlsx")


@settings(max_examples=examples("xls"), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1), st.sampled_from((0, 1, 0xFF, 0x7FFF, 0xFFFF, 0x1000, 65535 * 3)), st.booleans()
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fuzz_xls_records(seeds: dict[str, bytes], edits: list[tuple[float, int, bool]]) -> None:
    if not within_budget("xls"):
        return
    import olefile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.xls"
        path.write_bytes(seeds["xls"])
        with olefile.OleFileIO(str(path)) as ole:
            stream = bytearray(ole.openstream("Workbook").read())
        for where, value, wide in edits:
            i = min(int(where * len(stream)), len(stream) - 4)
            if wide:
                struct.pack_into("<I", stream, i, value)
            else:
                struct.pack_into("<H", stream, i, value & 0xFFFF)
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            ole.write_stream("Workbook", bytes(stream))
        check_read(Path(folder), path.read_bytes(), ".xls")
