"""Hostile and broken inputs: nothing crashes, nothing leaks, nothing is lost.

The corpus of `tests/corpus.py` is read file by file, then run as one folder through `xltool reconcile`
in a subprocess whose peak memory and time are measured; the outputs are read back. Each defence also
has a direct test: zip bomb refused fast, entities neither expanded nor fetched (by our scan, and by
calamine and openpyxl on their own), encrypted files named, formula-looking text kept as text, paths
kept inside OUT, the per-file time and size limits, reruns identical, a killed run leaving no
half-written file under a final name.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import corpus
import docx
import openpyxl
import pytest

from xltool.read import limits, reader, worker
from xltool.read.reader import read_file
from xltool.run import outputs
from xltool.run.lock import LOCK_NAME
from xltool.write.summary import STATUS_NAMES, SUMMARY_NAME
from xltool.write.summary_looks import HEADER_ROW

PEAK_LIMIT_MIB = 400
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CLI = "import sys; from xltool.cli import main; sys.argv[0] = 'xltool'; main()"
# Runs a command and reports its exit status, time and the peak resident memory of it and its workers.
MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    code = subprocess.run(sys.argv[3:], stdout=out, stderr=err).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": time.monotonic() - started, "peak_mib": peak / 1024}))
"""


@dataclass
class Run:
    """One measured `xltool reconcile` run."""

    code: int
    seconds: float
    peak_mib: float
    stdout: str
    stderr: str
    out: Path

    @property
    def report(self) -> dict[str, Any]:
        """report.json as written."""
        return dict(json.loads((self.out / "report.json").read_text(encoding="utf-8")))


def reconcile(input_dir: Path, out: Path, *extra: str) -> Run:
    """`xltool reconcile INPUT -o OUT` in a subprocess, measured."""
    logs = out.parent / f".{out.name}-logs"
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout", logs / "stderr"
    command = [sys.executable, "-c", CLI, "reconcile", str(input_dir), "-o", str(out), *extra]
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(stdout), str(stderr), *command],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(measured.stdout)
    return Run(
        figures["code"],
        figures["seconds"],
        figures["peak_mib"],
        stdout.read_text(encoding="utf-8", errors="replace"),
        stderr.read_text(encoding="utf-8", errors="replace"),
        out,
    )


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[corpus.Case]]:
    """The corpus, written once for this module."""
    folder = tmp_path_factory.mktemp("corpus")
    return folder, corpus.build(folder)


@pytest.fixture(scope="module")
def corpus_run(corpus_dir: tuple[Path, list[corpus.Case]], tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole corpus through `xltool reconcile --jobs 2`."""
    folder, _ = corpus_dir
    return reconcile(folder, tmp_path_factory.mktemp("run") / "out", "--jobs", "2")


def has_chinese(text: str) -> bool:
    """Whether a message is written in Chinese."""
    return any(unicodedata.name(ch, "").startswith("CJK UNIFIED") for ch in text)


def refused_by_defusedxml(exc: BaseException | None) -> bool:
    """Whether defusedxml raised ``exc`` or one of the exceptions it was raised from."""
    while exc is not None:
        if type(exc).__module__.startswith("defusedxml"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def output_texts(out: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every output file and, for workbooks, of every part inside."""
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data.decode("utf-8", errors="replace")
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield f"{path}!{name}", archive.read(name).decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# The corpus, file by file and as one folder


def test_every_corpus_file_reads_as_expected(corpus_dir: tuple[Path, list[corpus.Case]]) -> None:
    folder, cases = corpus_dir
    for case in cases:
        read = read_file(folder / case.file, folder)
        reasons = " ".join([read.message or "", *(reason for _, reason in read.skipped_sheets)])
        assert read.status == case.status, (case.file, case.what, read.message)
        if case.message is not None:
            assert case.message in reasons, (case.file, reasons)
        if read.status != "ok":
            assert has_chinese(read.message or ""), (case.file, read.message)


def test_whole_corpus_runs_through_reconcile(
    corpus_dir: tuple[Path, list[corpus.Case]], corpus_run: Run
) -> None:
    """Done when: exit 0, every bad file reported with its reason, every good one scored, within limits."""
    _, cases = corpus_dir
    run = corpus_run
    print(f"corpus run: {run.seconds:.1f} s, peak {run.peak_mib:.0f} MiB")
    assert run.code == 0, run.stderr
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream and "panicked" not in stream and "Error" not in stream, stream
    assert run.peak_mib < PEAK_LIMIT_MIB
    # Every file was bounded by the guards, none stopped by the time limit (work, not time, is bounded).
    assert not [i["file"] for i in run.report["inputs"] if (i["message"] or "").startswith("读取超时")]

    report = run.report
    inputs = {item["file"]: item for item in report["inputs"]}
    # Every file is accounted for (cycle.md): the XXE target 机密.txt is listed too, its text never read.
    assert set(inputs) == {case.file for case in cases} | {corpus.SECRET_NAME}
    for case in cases:
        item = inputs[case.file]
        assert item["status"] == case.status, (case.file, item)
        reasons = " ".join([item["message"] or "", *(s.get("message") or "" for s in item["sheets"])])
        if case.message is not None:
            assert case.message in reasons, (case.file, reasons)

    # Every input is a row of the summary's 文件读取情况 sheet, with its status and reason.
    sheet = openpyxl.load_workbook(run.out / SUMMARY_NAME, read_only=True)["文件读取情况"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=HEADER_ROW + 2, values_only=True)}
    assert set(rows) == set(inputs)
    for case in cases:
        _, _, status, notes = rows[case.file]
        assert status == STATUS_NAMES[case.status]
        if case.message is not None:
            assert case.message in (notes or ""), (case.file, notes)

    # The good departments beside the bad files are scored as usual.
    departments = {d["name"]: d for d in report["departments"]}
    for name in ("桃源县自然资源局", "某某县第5局"):
        dept = departments[name]
        assert dept["department_table"]["score"] is not None
        assert dept["basic_data"] is not None
        assert dept["projects"] and all(p["score"] is not None for p in dept["projects"])
    # No data lost: both sheets whose names differ only after 31 characters are projects of their own.
    projects = [p["name"] for p in departments["长表名测试局"]["projects"]]
    assert sorted(projects) == ["旱改水项目第一批", "旱改水项目第二批"]
    assert len(departments["怪异表名测试局"]["projects"]) == 3


def test_no_secret_reaches_any_output(corpus_run: Run) -> None:
    assert corpus_run.code == 0
    seen = 0
    for name, text in output_texts(corpus_run.out):
        seen += 1
        assert corpus.SECRET not in text, name
        assert corpus.PASSWD_MARK not in text, name
    assert seen > 10
    assert corpus.SECRET not in corpus_run.stdout + corpus_run.stderr


def test_outputs_stay_inside_out(corpus_run: Run) -> None:
    out = corpus_run.out.resolve()
    paths = list(corpus_run.out.rglob("*"))
    for path in paths:
        assert not path.is_symlink(), path
        assert out in path.resolve().parents, path
        assert ".." not in path.relative_to(corpus_run.out).parts
    # The input whose relative path has odd characters has its scored workbook, under a sanitised name.
    assert any(p.name.startswith("-附件3 项目 #") for p in paths), [p.name for p in paths]


def test_formula_looking_text_stays_text(corpus_run: Run) -> None:
    scored = corpus_run.out / "内容异常" / "公式注入.xlsx"
    for path in (scored, corpus_run.out / SUMMARY_NAME):
        found: set[str] = set()
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value in corpus.INJECTIONS:
                        assert cell.data_type == "s", (path.name, ws.title, cell.coordinate)
                        found.add(str(cell.value))
                    if cell.data_type == "f":  # the writers' own formulas only
                        assert "evil" not in str(cell.value) and "cmd" not in str(cell.value)
        assert corpus.INJECTIONS[0] in found, path.name
        if path == scored:
            assert found == set(corpus.INJECTIONS)
    for name, text in output_texts(corpus_run.out):
        if name.endswith(".xml"):
            assert "<f>" not in text or ("evil.example" not in text.split("<f>", 1)[1]), name
    projects = [p["name"] for d in corpus_run.report["departments"] for p in d["projects"]]
    assert corpus.INJECTIONS[0] in projects


def test_rerun_gives_a_byte_identical_report(
    corpus_dir: tuple[Path, list[corpus.Case]], corpus_run: Run, tmp_path: Path
) -> None:
    folder, _ = corpus_dir
    first = (corpus_run.out / "report.json").read_bytes()
    again = reconcile(folder, corpus_run.out, "--jobs", "1")  # into the same OUT, one process this time
    assert again.code == 0, again.stderr
    assert (corpus_run.out / "report.json").read_bytes() == first
    fresh = reconcile(folder, tmp_path / "fresh")
    assert (fresh.out / "report.json").read_bytes() == first


# ---------------------------------------------------------------------------------------------
# Zip bomb, grids and texts calamine would blow up on


def test_zip_bomb_refused_before_it_is_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """300 MB of blanks in under 1 MB: refused from the zip directory or after a KB of inflating."""
    inflated: list[int] = []
    decompressobj = zlib.decompressobj

    class Counting:
        """A zlib inflater that counts the bytes it gives."""

        def __init__(self, *args: Any) -> None:
            self._inner = decompressobj(*args)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self._inner.decompress(data, max_length)
            inflated.append(len(out))
            return out

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    monkeypatch.setattr(zlib, "decompressobj", Counting)
    for lie, expected in ((False, limits.MSG_BOMB), (True, limits.MSG_CORRUPT)):
        path = corpus.write_zip(
            tmp_path / f"bomb{lie}.xlsx", corpus.workbook_parts([("炸弹", corpus.deflated_bomb(300, lie))])
        )
        assert path.stat().st_size < 1024 * 1024
        inflated.clear()
        read = read_file(path, tmp_path)
        print(f"zip bomb (headers {'lying' if lie else 'honest'}): {sum(inflated)} bytes inflated")
        assert (read.status, read.message) == ("error", expected)
        assert sum(inflated) < 64 * 1024  # of 300 MB


# Reads a workbook through read_grids in a fresh process and reports its message and memory growth.
READ_MEASURED = """
import json, resource, sys
from pathlib import Path
from xltool.read.sources import SourceError, read_grids
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_grids(Path(sys.argv[1]))
    message = None
except SourceError as exc:
    message = exc.message
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"message": message, "grown_mib": grown / 1024}))
"""


def understated_workbooks(folder: Path) -> dict[str, Path]:
    """The corpus's two workbooks whose headers understate a part's size, by that part."""
    return {
        "sheet": corpus.write_zip(
            folder / "谎报大小-工作表.xlsx", corpus.workbook_parts([("项目", corpus.understated_sheet())])
        ),
        "shared strings": corpus.write_zip(
            folder / "谎报大小-共享字符串.xlsx", corpus.understated_shared_strings()
        ),
    }


@pytest.mark.parametrize("part", ["sheet", "shared strings"])
def test_part_understating_its_size_refused_with_memory_flat(tmp_path: Path, part: str) -> None:
    """A part stating 5 KB that inflates to 100 MB: zipfile finds nothing wrong, the scan refuses it.

    Before, the scan read it through zipfile, which inflated all of it before cutting it at 5 KB
    (about 200 MiB more memory here), and calamine would have inflated all of it too.
    """
    path = understated_workbooks(tmp_path)[part]
    assert path.stat().st_size < 1024 * 1024
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():  # every stated size and CRC holds as zipfile reads them
            assert member.file_size < 10 * 1024
            with archive.open(member) as stream:
                while stream.read(1 << 16):
                    pass
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", READ_MEASURED, str(path)], capture_output=True, text=True, check=True
    )
    figures = json.loads(done.stdout)
    elapsed, grown = time.perf_counter() - started, figures["grown_mib"]
    print(f"understated {part}: refused in {elapsed:.2f} s (a fresh process), memory +{grown:.1f} MiB")
    assert figures["grown_mib"] < 20
    assert figures["message"] == limits.MSG_CORRUPT


def test_parts_understating_their_size_beside_the_samples_through_reconcile(tmp_path: Path) -> None:
    """Both lying workbooks in a folder with the samples: refused with their reason, the rest scored."""
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLES, inputs)
    lying = understated_workbooks(inputs / "谎报大小")
    run = reconcile(inputs, tmp_path / "out", "--jobs", "1")
    print(f"samples and lying parts: {run.seconds:.1f} s, peak {run.peak_mib:.0f} MiB")
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr and "panicked" not in run.stderr
    assert run.peak_mib < 150  # about 100 MiB; 230 when the scan read the lying parts through zipfile
    inputs_by_file = {item["file"]: item for item in run.report["inputs"]}
    refused = {path.relative_to(inputs).as_posix() for path in lying.values()}
    samples = {p.relative_to(inputs).as_posix() for p in inputs.rglob("*.xlsx")} - refused
    workbooks = {f for f in inputs_by_file if f.endswith(".xlsx")}  # beside README.md and the .docx
    assert workbooks == refused | samples and len(samples) == 3
    for file in refused:
        assert (inputs_by_file[file]["status"], inputs_by_file[file]["message"]) == (
            "error",
            limits.MSG_CORRUPT,
        )
    assert all(inputs_by_file[file]["status"] == "ok" for file in samples)
    dept = {d["name"]: d for d in run.report["departments"]}["桃源县自然资源局"]
    assert dept["department_table"]["score"] is not None and dept["basic_data"] is not None
    assert dept["projects"] and all(project["score"] is not None for project in dept["projects"])


def lying_zip(path: Path, parts: dict[str, str | corpus.Deflated], name: str, stated: int) -> Path:
    """A workbook whose part ``name`` states ``stated`` bytes and inflates to 1 MB more (CRC of those)."""
    parts[name] = corpus.understated(str(parts[name]), "<x/>", 1, stated)
    return corpus.write_zip(path, parts)


def test_part_understating_its_size_refused_whichever_way_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small parts, large parts read for their head only, sheets beyond the kept bytes, other names."""
    from xltool.read import scan, zipparts

    def refused(path: Path) -> bool:
        with pytest.raises(limits.SourceError) as raised:
            scan._check_zip(path.read_bytes())
        return raised.value.message == limits.MSG_CORRUPT

    styles = "<styleSheet>" + "<numFmt/>" * 1_000 + "</styleSheet>"
    for stated in (1024, 5 * 1024):  # inflated whole, or only its head read: the whole stream checked
        parts = {**corpus.workbook_parts([("表", corpus.sheet_xml([["一"]]))]), "xl/styles.xml": styles}
        assert refused(lying_zip(tmp_path / f"styles{stated}.xlsx", parts, "xl/styles.xml", stated))
    sheet = corpus.sheet_xml(corpus.project_rows())
    renamed = corpus.workbook_parts([("表", sheet)])
    renamed["xl/worksheets/sheet1.dat"] = renamed.pop("xl/worksheets/sheet1.xml")
    rels = str(renamed["xl/_rels/workbook.xml.rels"]).replace("sheet1.xml", "sheet1.dat")
    renamed["xl/_rels/workbook.xml.rels"] = rels
    assert refused(lying_zip(tmp_path / "renamed.xlsx", renamed, "xl/worksheets/sheet1.dat", 5 * 1024))
    monkeypatch.setattr(zipparts, "_KEPT_BYTES", 0)  # the sheet too large to keep: checked, not kept
    parts = corpus.workbook_parts([("表", sheet)])
    assert refused(lying_zip(tmp_path / "unkept.xlsx", parts, "xl/worksheets/sheet1.xml", 5 * 1024))


def restated(data: bytearray, name: str, crc: int, size: int) -> None:
    """Restate one part's CRC and uncompressed size in its local and its central header."""
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local, central = archive.getinfo(name).header_offset, archive.start_dir
    struct.pack_into("<I", data, local + 14, crc)
    struct.pack_into("<I", data, local + 22, size)
    while data[central : central + 4] == b"PK\x01\x02":
        name_size, extra_size, comment_size = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + name_size] == name.encode("utf-8"):
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, size)
        central += 46 + name_size + extra_size + comment_size


def test_stored_part_holding_more_than_its_stated_size_refused(tmp_path: Path) -> None:
    """A stored (not deflated) part whose headers state fewer bytes than it holds, CRC of those."""
    from xltool.read import scan

    sheet = corpus.sheet_xml(corpus.project_rows()).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in corpus.workbook_parts([("表", sheet.decode("utf-8"))]).items():
            archive.writestr(name, str(content))
    scan._check_zip(buffer.getvalue())  # as written, taken
    data = bytearray(buffer.getvalue())
    restated(data, "xl/worksheets/sheet1.xml", zlib.crc32(sheet[:2048]), 2048)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:  # zipfile reads the 2 KB it is told of
        assert archive.read("xl/worksheets/sheet1.xml") == sheet[:2048]
    with pytest.raises(limits.SourceError) as raised:
        scan._check_zip(bytes(data))
    assert raised.value.message == limits.MSG_CORRUPT


def test_calamine_alone_would_abort_on_one_far_cell(corpus_dir: tuple[Path, list[corpus.Case]]) -> None:
    """Why sources scans sheets first: calamine asks for rows × columns cells and aborts the process."""
    folder, _ = corpus_dir
    code = (
        "import resource, sys, python_calamine as pc\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "book = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
        "book.get_sheet_by_index(0).to_python()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder / "坏文件" / "远端单元格.xlsx")],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode < 0 or b"memory allocation" in done.stderr  # killed by SIGABRT, not an exception
    assert read_file(folder / "坏文件" / "远端单元格.xlsx", folder).status == "error"


def test_rust_panic_is_an_error_and_prints_nothing(
    corpus_dir: tuple[Path, list[corpus.Case]], capfd: pytest.CaptureFixture[str]
) -> None:
    """Read as a worker reads it: calamine's panic message on fd 2 is silenced, the read is an error."""
    folder, _ = corpus_dir
    read = worker.read_in_worker(folder / "坏文件" / "损坏公式.xls", folder)
    assert read.status == "error" and "工作簿内容无法解析" in (read.message or "")
    captured = capfd.readouterr()
    assert "panicked" not in captured.err and "panicked" not in captured.out


# ---------------------------------------------------------------------------------------------
# Entities


@pytest.mark.parametrize(
    "name",
    ["实体膨胀-工作表", "实体膨胀-共享字符串", "外部实体-工作表", "外部实体-共享字符串", "外部实体-网址"],
)
def test_calamine_itself_neither_expands_nor_fetches_entities(
    corpus_dir: tuple[Path, list[corpus.Case]], name: str
) -> None:
    """Below our DTD refusal, calamine too declines: an unknown entity is an error, nothing is read."""
    import python_calamine

    folder, _ = corpus_dir
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(python_calamine.XmlError) as raised:
        book = python_calamine.CalamineWorkbook.from_path(str(folder / "坏文件" / f"{name}.xlsx"))
        book.get_sheet_by_index(0).to_python()
    assert "entity" in str(raised.value)
    assert corpus.SECRET not in str(raised.value) and corpus.PASSWD_MARK not in str(raised.value)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: memory stays flat


def test_openpyxl_reads_through_defusedxml(corpus_dir: tuple[Path, list[corpus.Case]]) -> None:
    import openpyxl.xml

    folder, _ = corpus_dir
    assert openpyxl.xml.DEFUSEDXML
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for name in ("实体膨胀-工作表", "实体膨胀-共享字符串", "外部实体-共享字符串"):
        with pytest.raises(Exception) as raised:
            openpyxl.load_workbook(folder / "坏文件" / f"{name}.xlsx")
        assert refused_by_defusedxml(raised.value), raised.value
        assert corpus.SECRET not in str(raised.value)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: no entity expanded


def test_external_entity_url_is_never_fetched(tmp_path: Path) -> None:
    import python_calamine

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    url = f"http://127.0.0.1:{server.getsockname()[1]}/xxe"
    accepted: list[object] = []

    def listen() -> None:
        with contextlib.suppress(OSError):
            accepted.append(server.accept())

    thread = threading.Thread(target=listen)
    thread.start()
    for in_shared in (False, True):
        path = corpus.entity_workbook(
            tmp_path / f"url{in_shared}.xlsx", corpus.external_entity(url), "xxe", in_shared
        )
        assert read_file(path, tmp_path).message == limits.MSG_DTD
        with pytest.raises(python_calamine.XmlError):
            python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        with pytest.raises(Exception) as raised:  # whichever defusedxml error, as long as it refuses
            openpyxl.load_workbook(path)
        assert refused_by_defusedxml(raised.value)
    thread.join()
    server.close()
    assert accepted == []


# ---------------------------------------------------------------------------------------------
# Time and size limits


def test_time_limit_stops_a_slow_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that never ends is stopped in its worker; the enclosing timer and handler are restored."""
    path = corpus.write_book(tmp_path / "慢.xlsx", {"项目": corpus.project_rows()})
    rounds: list[int] = []

    def forever(file: str, grids: object, formulas: object = None) -> object:
        while True:
            rounds.append(1)

    monkeypatch.setattr(worker, "TIME_LIMIT_SECONDS", 0.2)
    monkeypatch.setattr(reader, "read_workbook", forever)
    outer: list[int] = []

    def outer_handler(signum: int, frame: object) -> None:
        outer.append(signum)

    previous = signal.signal(signal.SIGALRM, outer_handler)
    signal.setitimer(signal.ITIMER_REAL, 600)
    try:
        read = worker.read_in_worker(path, tmp_path)
        # The enclosing timer and handler are as they were.
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 600
        assert signal.getsignal(signal.SIGALRM) is outer_handler
        assert outer == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert read.status == "error" and "读取超时（超过0.2秒）" in (read.message or "")
    assert rounds  # the reader did run, and was interrupted inside its loop


def test_read_file_itself_arms_no_timer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """read_file, the library's reader, leaves signals alone: only a worker process limits its time."""
    path = corpus.write_book(tmp_path / "附件3.xlsx", {"项目": corpus.project_rows()})
    seen: list[object] = []
    original = reader.read_workbook

    def spy(file: str, grids: Any, formulas: Any = None) -> Any:
        seen.append((signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)))
        return original(file, grids, formulas)

    monkeypatch.setattr(reader, "read_workbook", spy)
    assert read_file(path, tmp_path).status == "ok"
    assert seen == [(signal.SIG_DFL, (0.0, 0.0))]


def test_time_limit_is_not_armed_outside_the_main_thread(tmp_path: Path) -> None:
    path = corpus.write_book(tmp_path / "附件3.xlsx", {"项目": corpus.project_rows()})
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(worker.read_in_worker(path, tmp_path)))
    thread.start()
    thread.join()
    assert [getattr(r, "status", r) for r in results] == ["ok"]


def test_size_limit_refuses_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = corpus.write_book(tmp_path / "附件3.xlsx", {"项目": corpus.project_rows()})
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1024)
    read = read_file(path, tmp_path)
    assert read.status == "error" and "文件过大" in (read.message or "") and "上限1KB" in (read.message or "")


# ---------------------------------------------------------------------------------------------
# A killed run


@dataclass
class Killed:
    """A run killed with SIGKILL mid-batch: its inputs and the OUT it left."""

    inputs: Path
    out: Path


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Killed:
    """30 departments (90 workbooks) reconciled with --jobs 2, killed at the first scored workbook."""
    folder = tmp_path_factory.mktemp("killed")
    inputs, out = folder / "in", folder / "out"
    seed = sample_seed()
    for i in range(30):
        corpus.sample_forms.write_department(inputs / f"部门{i:03d}", corpus.sample_forms.vary(seed, i))
    command = [sys.executable, "-c", CLI, "reconcile", str(inputs), "-o", str(out), "--jobs", "2"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        while process.poll() is None:  # the first scored workbook under its final name
            if any(p.suffix == ".xlsx" and not p.name.startswith(".") for p in out.rglob("*")):
                break
            time.sleep(0.01)
        assert process.poll() is None, "the run ended before it could be killed: give it more departments"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    return Killed(inputs, out)


def test_killed_run_leaves_no_half_written_output(killed: Killed) -> None:
    """SIGKILL mid-batch: final names hold complete files only, temporaries are hidden."""
    assert not (killed.out / "report.json").exists()
    assert (killed.out / outputs.INCOMPLETE_NAME).is_file()
    leftovers = [p for p in killed.out.rglob("*") if p.name.startswith(".xltool-")]
    assert leftovers, "a run killed mid-batch leaves its spool (and any .part in flight)"
    check_complete(killed.out)


def test_the_run_after_a_killed_one_completes(killed: Killed) -> None:
    """The next run over the killed run's OUT clears its temporaries and writes everything."""
    again = reconcile(killed.inputs, killed.out, "--jobs", "2")
    assert again.code == 0, again.stderr
    check_complete(killed.out)
    assert not [p for p in killed.out.rglob("*") if p.name.startswith(".xltool-")]
    assert not (killed.out / outputs.INCOMPLETE_NAME).exists()
    report = again.report
    assert len(report["inputs"]) == 90 and all(i["status"] == "ok" for i in report["inputs"])
    assert len(report["departments"]) == 30
    assert len(list(killed.out.rglob("*.xlsx"))) == 91  # each input scored, and the summary


def sample_seed() -> Any:
    """The seed department of tests/support/sample_forms.py."""
    return corpus.sample_forms.taoyuan_2022()


def check_complete(out: Path) -> None:
    """Every file under a final name is whole; temporaries are hidden `.xltool-*.part` files or spools."""
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(out)
        if any(part.startswith(".xltool-spool-") for part in relative.parts[:-1]):
            continue
        if (path.name.startswith(".xltool-") and path.name.endswith(".part")) or path.name == LOCK_NAME:
            continue  # a temporary, or the lock of the killed run (the next run takes it over)
        if path.name == outputs.INCOMPLETE_NAME:  # a killed run's folder says it is incomplete
            continue
        if path.name == outputs.MANIFEST_NAME:
            json.loads(path.read_text(encoding="utf-8"))
            continue
        assert not path.name.startswith("."), relative
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None, relative
            openpyxl.load_workbook(path, read_only=True).close()
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".docx":  # 审核意见书, 审核报告 (documents.md)
            docx.Document(str(path))
        else:
            raise AssertionError(f"unexpected output {relative}")
