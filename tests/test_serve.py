"""`xltool serve`'s JSON API against a real server: runs created, polled, downloaded and deleted; limits;
hostile names and files; concurrent uploads; a restarted server; the token and the cross-site guard."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from serving import Reply, request, running, sample_files, upload, wait_done

from xltool import reconcile
from xltool.read.limits import CONTENT_TEXT, MSG_EMPTY, MSG_LOCK, MSG_NOT_XLSX
from xltool.serve.limits import Limits
from xltool.serve.names import Placer, safe_relative
from xltool.serve.store import RunRecord, Store
from xltool.serve.uploads import MSG_OTHER_FILE

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "桃源县自然资源局"
DEPT = "桃源县自然资源局"


def sample(prefix: str = f"{DEPT}/") -> list[tuple[str, bytes]]:
    return sample_files(SAMPLE, prefix)


def workbooks_only(tmp_path: Path) -> Path:
    """The sample department's workbooks alone in a folder (what `sample` uploads)."""
    folder = tmp_path / "samples" / DEPT
    folder.mkdir(parents=True)
    for name, data in sample(""):
        (folder / name).write_bytes(data)
    return folder.parent


def created(reply: Reply) -> str:
    assert reply.status == 201, reply.body.decode()
    return str(reply.json()["id"])


def run_files(data: Path, run_id: str) -> set[str]:
    """The uploads kept for a run, relative to its ``in`` folder."""
    inbox = data / "runs" / run_id / "in"
    return {p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file()}


# ---------------------------------------------------------------------------------------------
# The life of a run


def test_run_gives_what_reconcile_gives_and_downloads_open(tmp_path: Path) -> None:
    expected = reconcile(workbooks_only(tmp_path), tmp_path / "cli", jobs=1).report
    with running(tmp_path / "data") as base:
        run_id = created(upload(base, sample(), profile="mof2020"))
        status = wait_done(base, run_id)
        assert (status["status"], status["progress"], status["label"]) == ("done", 1.0, DEPT)
        assert status["summary_file"] == "审核汇总.xlsx"
        assert status["report"] == expected
        errors = sum(f["severity"] == "error" for f in expected["findings"])
        assert (status["counts"]["departments"], status["counts"]["projects"], status["counts"]["error"]) == (
            1,
            4,
            errors,
        )

        whole = request(f"{base}api/runs/{run_id}/download")
        assert (whole.status, whole.headers["content-type"]) == (200, "application/zip")
        with zipfile.ZipFile(io.BytesIO(whole.body)) as zf:
            names = set(zf.namelist())
            book = openpyxl.load_workbook(io.BytesIO(zf.read(f"{DEPT}/附件2 部门整体支出绩效自评表.xlsx")))
        documents = {f"审核意见书/{DEPT}.docx", "审核报告.docx"}
        assert names == {"report.json", "审核汇总.xlsx"} | documents | {
            f"{DEPT}/{p.name}" for p in SAMPLE.glob("*.xlsx")
        }
        assert book.sheetnames[0] == "审核结果"

        department = request(f"{base}api/runs/{run_id}/download?department={_quote(DEPT)}")
        with zipfile.ZipFile(io.BytesIO(department.body)) as zf:
            assert sorted(zf.namelist()) == sorted(
                [f"{DEPT}/{p.name}" for p in SAMPLE.glob("*.xlsx")] + [f"审核意见书/{DEPT}.docx"]
            )
        assert request(f"{base}api/runs/{run_id}/download?department=other").status == 404

        summary = request(f"{base}api/runs/{run_id}/files/{_quote('审核汇总.xlsx')}")
        assert openpyxl.load_workbook(io.BytesIO(summary.body)).sheetnames[0] == "部门汇总"
        for escape in ("..%2F..%2Fruns.sqlite3", "%2E%2E/%2E%2E/runs.sqlite3", "../in/x"):
            assert request(f"{base}api/runs/{run_id}/files/{escape}").status == 404

        listed = request(base + "api/runs").json()["runs"]
        assert [(r["id"], r["status"]) for r in listed] == [(run_id, "done")]

        assert request(f"{base}api/runs/{run_id}", "DELETE").status == 204
        assert request(f"{base}api/runs/{run_id}").status == 404
        assert request(f"{base}api/runs/{run_id}/download").status == 404
        assert request(base + "api/runs").json()["runs"] == []
        assert not (tmp_path / "data" / "runs" / run_id).exists()


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def test_profile_is_passed_on_and_unknown_profile_refused(tmp_path: Path) -> None:
    expected = reconcile(workbooks_only(tmp_path), tmp_path / "cli", profile="yitihua", jobs=1).report
    with running(tmp_path / "data") as base:
        status = wait_done(base, created(upload(base, sample(), profile="yitihua")))
        assert status["profile"] == "yitihua" and status["report"] == expected
        refused = upload(base, sample(), profile="/etc/passwd")
        assert refused.status == 400 and "评分规则" in refused.json()["error"]
        assert list((tmp_path / "data" / "runs").iterdir()) == [tmp_path / "data" / "runs" / status["id"]]


def test_status_while_queued_and_page_and_config(tmp_path: Path) -> None:
    with running(tmp_path / "data", slots=1) as base:
        page = request(base)
        assert page.status == 200 and "开始审核" in page.body.decode()
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for name in ("app.js", "result.js", "app.css"):
            assert request(f"{base}static/{name}").status == 200
        assert request(f"{base}static/..%2Fapp.py").status == 404
        config = request(base + "api/config").json()
        assert [p["name"] for p in config["profiles"]] == ["mof2020", "yitihua"]
        ids = [created(upload(base, sample())) for _ in range(3)]
        last = request(f"{base}api/runs/{ids[-1]}").json()
        assert last["status"] in ("queued", "running", "done")
        assert (last["report"] is None) == (last["status"] != "done") and 0.0 <= last["progress"] <= 1.0
        assert [wait_done(base, run_id)["status"] for run_id in ids] == ["done"] * 3


def test_the_server_process_does_not_import_pandas() -> None:
    code = "import sys, xltool.serve.app, xltool.serve.server; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"  # the runs' processes import it, the server stays small


# ---------------------------------------------------------------------------------------------
# Limits


def test_upload_over_the_size_limit_is_413_and_leaves_nothing(tmp_path: Path) -> None:
    files = sample()
    size = sum(len(data) for _, data in files)
    with running(tmp_path / "data", limits=Limits(max_bytes=size // 2, max_files=100)) as base:
        refused = upload(base, files)
        assert refused.status == 413
        assert (
            refused.json()["error"].startswith("上传的文件合计超过上限")
            and "分批上传" in refused.json()["error"]
        )
        assert list((tmp_path / "data" / "runs").iterdir()) == []
        assert request(base + "api/runs").json()["runs"] == []


def test_a_written_report_is_uploaded_checked_and_annotated(tmp_path: Path) -> None:
    """.docx and .txt are accepted (the file picker and the API): the report is checked with its forms."""
    (report,) = SAMPLE.glob("*.docx")
    with running(tmp_path / "data") as base:
        config = request(base + "api/config").json()
        assert {".docx", ".txt"} <= set(config["suffixes"])
        page = request(base).body.decode()
        assert 'accept=".xlsx,.xlsm,.xls,.zip,.docx,.txt"' in page
        files = [*sample(), (f"{DEPT}/{report.name}", report.read_bytes())]
        run_id = created(upload(base, files))
        status = wait_done(base, run_id)
        item = next(i for i in status["report"]["inputs"] if i["kind"] == "report")
        assert (item["file"], item["status"], item["department"]) == (f"{DEPT}/{report.name}", "ok", DEPT)
        rules = {f["rule"] for f in status["report"]["findings"] if f["file"] == item["file"]}
        assert rules == {"N-RATE-COUNTS"}  # the sample report's one contradiction
        department = request(f"{base}api/runs/{run_id}/download?department={_quote(DEPT)}")
        with zipfile.ZipFile(io.BytesIO(department.body)) as zf:
            assert item["annotated"]["file"] in zf.namelist()


def test_upload_over_the_file_limit_is_413(tmp_path: Path) -> None:
    with running(tmp_path / "data", limits=Limits(max_files=2)) as base:
        refused = upload(base, sample())
        assert (refused.status, refused.json()["error"][:13]) == (413, "上传的文件超过2个，未保存")
        assert list((tmp_path / "data" / "runs").iterdir()) == []


def test_upload_without_workbooks_is_refused_with_notes(tmp_path: Path) -> None:
    with running(tmp_path / "data") as base:
        refused = upload(base, [("说明.pdf", b"%PDF-1.4"), ("盖章页.png", b"\x89PNG")])
        body = refused.json()
        assert refused.status == 400 and body["error"].startswith("没有收到可审核的工作簿")
        assert [(n["name"], n["message"]) for n in body["notes"]] == [
            ("说明.pdf", MSG_OTHER_FILE),
            ("盖章页.png", MSG_OTHER_FILE),
        ]
        not_multipart = request(base + "api/runs", "POST", b"{}", {"Content-Type": "application/json"})
        assert not_multipart.status == 400 and "multipart/form-data" in not_multipart.json()["error"]


# ---------------------------------------------------------------------------------------------
# Hostile names and files


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../x.xlsx", "x.xlsx"),
        ("/etc/cron.d/y.xlsx", "etc/cron.d/y.xlsx"),
        ("C:\\Windows\\z.xlsx", "Windows/z.xlsx"),
        ("a\x00b\x1f.xlsx", "a_b_.xlsx"),
        ("dept/./../CON.xlsx", "dept/_CON.xlsx"),
        ("..", None),
        ('a<b>:"|?*.xls', "a_b______.xls"),
        (" 部门 /. 附件1.xlsx ", "部门/附件1.xlsx"),
    ],
)
def test_upload_names_become_safe_relative_paths(name: str, kept: str | None) -> None:
    result = safe_relative(name)
    assert (result.as_posix() if result else None) == kept


def test_placer_never_clashes(tmp_path: Path) -> None:
    placer = Placer(tmp_path)
    paths = [
        placer.place(safe_relative(name))  # type: ignore[arg-type]
        for name in ("a/b.xlsx", "A/B.xlsx", "a/b.xlsx", "a/b.xlsx/c.xlsx", "a")
    ]
    relative = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert relative == ["a/b.xlsx", "A/B (2).xlsx", "a/b (3).xlsx", "c.xlsx", "a (2)"]


def test_hostile_names_stay_in_the_run_folder(tmp_path: Path) -> None:
    data = tmp_path / "deep" / "data"
    book = (SAMPLE / "附件2 部门整体支出绩效自评表.xlsx").read_bytes()
    names = ["../../x.xlsx", "/abs/y.xlsx", "..\\..\\w.xlsx", "a\x00b.xlsx", "C:\\z.xlsx"]
    with running(data) as base:
        run_id = created(upload(base, [(name, book) for name in names]))
        status = wait_done(base, run_id)
    assert run_files(data, run_id) == {"x.xlsx", "abs/y.xlsx", "w.xlsx", "a_b.xlsx", "z.xlsx"}
    assert sorted(i["file"] for i in status["report"]["inputs"]) == sorted(run_files(data, run_id))
    outside = {p for p in tmp_path.rglob("*") if data not in p.parents and p != data}
    assert outside == {tmp_path / "deep"}


def test_hostile_files_are_findings_not_failures(tmp_path: Path) -> None:
    files = [
        *sample(),
        ("假工作簿.xlsx", "这不是工作簿".encode()),
        ("~$附件3 项目支出绩效自评表.xlsx", b"lock"),
        ("空.xls", b""),
    ]
    with running(tmp_path / "data") as base:
        status = wait_done(base, created(upload(base, files)))
    inputs = {
        i["file"]: (i["status"], i["message"]) for i in status["report"]["inputs"] if i["status"] != "ok"
    }
    assert status["status"] == "done" and status["counts"]["departments"] == 1
    assert inputs == {
        "假工作簿.xlsx": ("error", MSG_NOT_XLSX.format(found=CONTENT_TEXT)),
        "~$附件3 项目支出绩效自评表.xlsx": ("skipped", MSG_LOCK),
        "空.xls": ("error", MSG_EMPTY),
    }


# ---------------------------------------------------------------------------------------------
# Zip uploads


class _GbkInfo(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Chinese Windows archivers write."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile's own (private) name
        return self.filename.encode("gbk"), self.flag_bits


def zip_of(members: list[tuple[str, bytes]], gbk: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = _GbkInfo(name) if gbk else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buffer.getvalue()


def test_zip_with_gbk_names_gives_the_same_report(tmp_path: Path) -> None:
    expected = reconcile(workbooks_only(tmp_path), tmp_path / "cli", jobs=1).report
    archive = zip_of([*sample(), (f"{DEPT}/说明.pdf", b"x")], gbk=True)
    assert "说明".encode("gbk") in archive
    with running(tmp_path / "data") as base:
        status = wait_done(base, created(upload(base, [("报送材料.zip", archive)])))
    assert status["report"] == expected
    assert [(n["name"], n["message"]) for n in status["notes"]] == [
        ("报送材料.zip", f"压缩包中有1个不是工作簿的文件（如“{DEPT}/说明.pdf”），已忽略")
    ]


def test_zip_of_loose_files_goes_into_a_folder_of_its_name(tmp_path: Path) -> None:
    with running(tmp_path / "data") as base:
        run_id = created(upload(base, [("甲局.zip", zip_of(sample(""))), ("乙局.zip", zip_of(sample("")))]))
        wait_done(base, run_id)
    names = sorted(p.name for p in SAMPLE.glob("*.xlsx"))
    assert run_files(tmp_path / "data", run_id) == {f"{d}/{n}" for d in ("甲局", "乙局") for n in names}


def _lying_zip() -> bytes:
    """A member whose entries state 1000 bytes while it inflates to 2 MB."""
    data = bytearray(zip_of([("a/lie.xlsx", b"\0" * (2 << 20))]))
    for magic, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(magic) + offset
        data[at : at + 4] = struct.pack("<I", 1000)
    return bytes(data)


def test_zip_bombs_and_damaged_zips_are_notes(tmp_path: Path) -> None:
    bomb = zip_of([("bomb.xlsx", b"\0" * (24 << 20))])
    assert len(bomb) < 100_000
    uploads = [
        *sample(),
        ("bomb.zip", bomb),
        ("lie.zip", _lying_zip()),
        ("broken.zip", b"PK\x03\x04 not really a zip"),
        ("nested.zip", zip_of([("inner.zip", zip_of(sample("")))])),
    ]
    with running(tmp_path / "data") as base:
        run_id = created(upload(base, uploads))
        status = wait_done(base, run_id)
        assert request(base + "api/config").status == 200
    notes = {(n["name"], n["message"][:10]) for n in status["notes"]}
    assert notes == {
        ("bomb.zip", "压缩包解压后体积异常"),
        ("lie.zip › a/lie.xlsx", "压缩包已损坏或不是z"),  # zipfile stops at the stated size: CRC fails
        ("broken.zip", "压缩包已损坏或不是z"),
        ("nested.zip › inner.zip", "压缩包中的压缩包未解"),
    }
    assert status["status"] == "done" and status["counts"]["departments"] == 1
    assert run_files(tmp_path / "data", run_id) == {f"{DEPT}/{p.name}" for p in SAMPLE.glob("*.xlsx")}


def test_zip_beyond_the_limits_is_not_unpacked(tmp_path: Path) -> None:
    archive = zip_of(sample(""))
    with running(tmp_path / "data", limits=Limits(max_files=3)) as base:
        status = wait_done(base, created(upload(base, [("a.xlsx", sample()[0][1]), ("many.zip", archive)])))
    assert [(n["name"], n["message"]) for n in status["notes"]] == [
        ("many.zip", "压缩包内的工作簿过多（3个，本次还可上传2个），未解开；请分批上传")
    ]
    assert status["files"] == 1


# ---------------------------------------------------------------------------------------------
# Load, restarts, clean-up


def test_concurrent_and_hostile_uploads_lose_no_finished_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bomb = zip_of([("bomb.xlsx", b"\0" * (24 << 20))])
    batches = [
        sample(),
        [*sample(), ("假工作簿.xlsx", b"not a workbook")],
        [("b.zip", bomb), *sample("x/")],
        sample("甲/"),
        [("../../evil.xlsx", b"\0" * 1000), *sample("乙/")],
        sample(),
    ]
    ids: list[str] = []
    answered: list[int] = []
    with running(data, slots=2) as base:

        def send(files: list[tuple[str, bytes]]) -> None:
            ids.append(created(upload(base, files)))

        threads = [threading.Thread(target=send, args=(files,)) for files in batches]
        for thread in threads:
            thread.start()
        # The server keeps answering while the uploads and runs go on.
        while any(t.is_alive() for t in threads) or len(answered) < 5:
            answered.append(request(base + "api/runs").status)
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        finals = [wait_done(base, run_id) for run_id in ids]
        assert set(answered) == {200}
    assert [f["status"] for f in finals] == ["done"] * len(batches)
    assert all(f["counts"]["departments"] == 1 for f in finals)
    with running(data) as base:  # a restarted server still has every finished run
        listed = request(base + "api/runs").json()["runs"]
        assert sorted((r["id"], r["status"]) for r in listed) == sorted((i, "done") for i in ids)
        again = [request(f"{base}api/runs/{run_id}").json() for run_id in ids]
    assert [a["report"] for a in again] == [f["report"] for f in finals]


def test_a_run_the_server_left_unfinished_is_run_on_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    run_id, folder = store.new_folder()
    for name, content in sample():
        (folder / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "in" / name).write_bytes(content)
    store.add(RunRecord(run_id, time.time(), "running", "mof2020", "中断的审核", 3, 0))
    orphan, _ = store.new_folder()  # an upload cut off before it was recorded
    store.close()
    with running(data) as base:
        status = wait_done(base, run_id)
    assert (status["status"], status["label"]) == ("done", DEPT)
    assert not (data / "runs" / orphan).exists()


def test_old_runs_are_cleaned_up(tmp_path: Path) -> None:
    from xltool.serve.jobs import Runner
    from xltool.serve.upkeep import Upkeep

    store = Store(tmp_path)
    now = time.time()
    for age_days, status in ((40, "done"), (40, "failed"), (40, "running"), (5, "done")):
        run_id, _ = store.new_folder()
        store.add(RunRecord(run_id, now - age_days * 86400, status, "mof2020", f"{age_days}{status}", 1, 1))
    upkeep = Upkeep(store, Runner(store, 1, 60), keep_days=30)
    removed = upkeep.clean(now)
    assert sorted(r.label for r in store.records()) == ["40running", "5done"]
    assert len(removed) == 2 and all(not store.folder(r).exists() for r in removed)
    assert Upkeep(store, Runner(store, 1, 60), keep_days=0).clean(now + 1e9) == []
    store.close()


# ---------------------------------------------------------------------------------------------
# Who may use it


def test_token_guards_the_api(tmp_path: Path) -> None:
    with running(tmp_path / "data", token="s3cret") as base:
        assert request(base + "api/config").status == 200
        refused = request(base + "api/runs")
        assert refused.status == 401 and refused.json()["token_required"] is True
        assert upload(base, sample()).status == 401
        assert request(base + "api/runs", headers={"Authorization": "Bearer wrong"}).status == 401
        assert request(base + "api/runs", headers={"Authorization": "Bearer s3cret"}).status == 200
        bad = request(base + "api/session", "POST", json.dumps({"token": "x"}).encode())
        assert bad.status == 401
        good = request(base + "api/session", "POST", json.dumps({"token": "s3cret"}).encode())
        cookie = good.headers["set-cookie"].split(";")[0]
        assert good.status == 200 and "HttpOnly" in good.headers["set-cookie"]
        assert request(base + "api/runs", headers={"Cookie": cookie}).status == 200
        assert request(base, headers={}).status == 200  # the page itself asks for the token


def test_foreign_host_and_cross_site_writes_are_refused(tmp_path: Path) -> None:
    with running(tmp_path / "data") as base:
        rebound = request(base + "api/runs", headers={"Host": "attacker.example:8765"})
        assert rebound.status == 403 and "本机" in rebound.json()["error"]
        body_type = {"Content-Type": "multipart/form-data; boundary=x", "Origin": "http://attacker.example"}
        assert request(base + "api/runs", "POST", b"--x--\r\n", body_type).status == 403
        same = {"Origin": base.rstrip("/")}
        assert request(base + "api/runs/0123456789abcdef", "DELETE", headers=same).status == 404


# ---------------------------------------------------------------------------------------------
# The command


def test_xltool_serve_starts_says_where_and_stops(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "xltool.cli", "serve", "--port", "0", "--data", str(tmp_path / "d")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        url = first.split("：", 1)[1].strip()
        assert first.startswith("审核页面已启动：http://127.0.0.1:") and url.endswith("/")
        assert server.stdout.readline().strip() == f"数据保存在 {tmp_path / 'd'}"
        assert request(url + "api/runs").json() == {"runs": []}
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors
    assert (tmp_path / "d" / "runs.sqlite3").is_file()


def test_xltool_serve_on_a_taken_port_says_what_to_do(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "xltool.cli", "serve", "--port", str(port), "--data", str(tmp_path)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"错误：无法在 127.0.0.1:{port} 上启动：端口已被占用")
    assert "--port 8766" in done.stderr


def test_runs_also_work_where_processes_are_spawned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from xltool.serve import jobs

    monkeypatch.setattr(jobs, "_context", lambda: multiprocessing.get_context("spawn"))  # as on Windows
    with running(tmp_path / "data") as base:
        status = wait_done(base, created(upload(base, sample())))
    assert (status["status"], status["counts"]["departments"]) == ("done", 1)


def test_the_address_printed_and_opened() -> None:
    from xltool.serve.server import is_loopback, page_url

    assert [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "192.168.1.5")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert page_url("0.0.0.0", 8765, "口令 1&x") == "http://127.0.0.1:8765/?token=%E5%8F%A3%E4%BB%A4%201%26x"
    assert (page_url("::1", 80), page_url("192.168.1.5", 8765)) == (
        "http://[::1]:80/",
        "http://192.168.1.5:8765/",
    )


def test_deleting_a_running_run_stops_it_and_frees_its_place(tmp_path: Path) -> None:
    from support import sample_forms

    seed = sample_forms.taoyuan_2022()
    batch = tmp_path / "batch"
    for i in range(30):
        department = sample_forms.vary(seed, i + 1)
        sample_forms.write_department(batch / department.name, department)
    files = [(p.relative_to(batch).as_posix(), p.read_bytes()) for p in sorted(batch.rglob("*.xlsx"))]
    with running(tmp_path / "data", slots=1) as base:
        big = created(upload(base, files))
        while request(f"{base}api/runs/{big}").json()["status"] != "running":
            time.sleep(0.05)
        small = created(upload(base, sample()))
        assert request(f"{base}api/runs/{small}").json()["status"] == "queued"
        assert request(f"{base}api/runs/{big}", "DELETE").status == 204
        assert wait_done(base, small)["status"] == "done"
        assert request(f"{base}api/runs/{big}").status == 404
        assert [r["id"] for r in request(base + "api/runs").json()["runs"]] == [small]
    assert sorted(p.name for p in (tmp_path / "data" / "runs").iterdir()) == [small]
