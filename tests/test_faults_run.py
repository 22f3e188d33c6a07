"""Fault injection, the run: a department whose rules or writing break costs only itself."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from support import faults
from typer.testing import CliRunner

import xltool
from xltool.cli import MSG_INTERRUPTED, app
from xltool.model.records import Finding
from xltool.rules import engine
from xltool.run import lock
from xltool.run.boundary import LOG_NAME, MSG_DEPARTMENT_FAILED
from xltool.run.check import MSG_CHECK_FAILED
from xltool.run.lock import LOCK_NAME, MSG_BUSY, OutputBusy, run_lock
from xltool.run.pipeline import reconcile
from xltool.run.plan import max_jobs, usable_jobs
from xltool.write import scored
from xltool.write.atomic import WRITE_REASONS

POISON_MARK = "第777局"


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(a batch of clean departments, the same batch with one more department, that one's name)."""
    clean = tmp_path_factory.mktemp("clean")
    for k in range(1, 6):
        faults.write_department(clean, k)
    poisoned = tmp_path_factory.mktemp("poisoned")
    shutil.copytree(clean, poisoned, dirs_exist_ok=True)
    name = faults.write_department(poisoned, 777)
    assert POISON_MARK in name
    return clean, poisoned, name


def _poison_a_rule(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Make one rule raise (or kill its process) whenever its chunk holds the poisoned department."""
    engine.registered_rules()
    registered = engine.REGISTRY["A-SUM-PARTS"]
    check = registered.check

    def poisoned(ctx: engine.Context) -> Iterable[Finding]:
        if any(POISON_MARK in str(d) for d in ctx.frames.sheets["dept"]):
            if how == "die":
                os._exit(9)
            raise ZeroDivisionError("injected")
        return check(ctx)

    monkeypatch.setitem(engine.REGISTRY, "A-SUM-PARTS", dataclasses.replace(registered, check=poisoned))


@pytest.mark.parametrize(("how", "jobs", "chunk"), [("raise", 1, None), ("raise", 2, 2), ("die", 2, 2)])
def test_a_poisoned_department_leaves_the_others_byte_identical(
    batches: tuple[Path, Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    jobs: int,
    chunk: int | None,
) -> None:
    clean, poisoned, name = batches
    reconcile(clean, tmp_path / "clean", jobs=jobs, chunk_departments=chunk)
    _poison_a_rule(monkeypatch, how)
    result = reconcile(poisoned, tmp_path / "poisoned", jobs=jobs, chunk_departments=chunk)
    data = result.report
    bad = [(i["file"], i["status"], i["message"]) for i in data["inputs"] if i["file"].startswith(name)]
    assert bad and all(status == "error" and message == MSG_DEPARTMENT_FAILED for _, status, message in bad)
    assert result.has_errors and result.counts()["inputs_error"] == len(bad)
    assert faults.files(tmp_path / "poisoned") == faults.files(tmp_path / "clean")
    expected = faults.report(tmp_path / "clean")
    for key in ("departments", "findings"):
        assert data[key] == expected[key]
    assert [i for i in data["inputs"] if not i["file"].startswith(name)] == expected["inputs"]
    log = (tmp_path / "poisoned" / LOG_NAME).read_text(encoding="utf-8")
    assert name in log and (
        "ZeroDivisionError: injected" in log if how == "raise" else "BrokenProcessPool" in log
    )
    assert (tmp_path / "poisoned" / "审核汇总.xlsx").is_file()


def test_check_keeps_a_department_whose_rules_raise_apart(
    batches: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean, poisoned, name = batches
    expected = xltool.check(clean, jobs=1)
    _poison_a_rule(monkeypatch, "raise")
    result = xltool.check(poisoned, jobs=1)  # one chunk: the failure is found, then kept to one department
    bad = [(i.file, i.status, i.message) for i in result.inputs if i.file.startswith(name)]
    assert bad and all(status == "error" and message == MSG_CHECK_FAILED for _, status, message in bad)
    assert [i for i in result.inputs if not i.file.startswith(name)] == list(expected.inputs)
    assert result.departments == expected.departments and result.findings == expected.findings
    ((files, detail),) = result.failures
    assert sorted(files) == sorted(f for f, _, _ in bad) and "ZeroDivisionError: injected" in detail
    assert result.has_errors


def test_the_console_tells_failed_departments_from_unreadable_files(
    batches: tuple[Path, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, poisoned, name = batches
    batch = tmp_path / "batch"
    shutil.copytree(poisoned, batch)
    (batch / "坏文件.xlsx").write_bytes(b"PK\x03\x04 truncated")
    _poison_a_rule(monkeypatch, "raise")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["reconcile", str(batch), "-o", str(out), "--jobs", "1", "--strict"])
    assert result.exit_code == 1
    bad = len(list((batch / name).rglob("*.xlsx")))
    assert "无法读取的文件 1 个" in result.output  # the damaged file, not the failed department's
    assert f"核对或写出时程序出错的部门 1 个（涉及文件 {bad} 个）" in result.output
    assert (
        "存在“错误”级问题" in result.output
        and "无法读取的文件 1 个、核对时程序出错的部门 1 个" in result.output
    )


# ---------------------------------------------------------------------------------------------
# One run per OUT; Ctrl-C; a kill at each phase

# The command line in a child process; XLTOOL_TEST_KILL_AT names a phase at which the child kills its
# whole process group (as an out-of-memory killer or a power cut would), XLTOOL_TEST_PAUSE one at which
# it waits (so that a test can act while the run is under way).
CHILD = """
import os, signal, sys, time
phase_kill = os.environ.get("XLTOOL_TEST_KILL_AT")
phase_pause = os.environ.get("XLTOOL_TEST_PAUSE")
import xltool.run.chunks as chunks, xltool.run.workers as workers, xltool.run.pipeline as pipeline

def hook(module, name, phase):
    original = getattr(module, name)
    def wrapped(*args, **kwargs):
        if phase == phase_kill:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        if phase == phase_pause:
            open(os.environ["XLTOOL_TEST_FLAG"], "w").close()
            time.sleep(60)
        return original(*args, **kwargs)
    wrapped.__qualname__, wrapped.__module__ = name, module.__name__  # pickled by name, as the original
    setattr(module, name, wrapped)

hook(workers, "_read_one", "read")
hook(chunks, "check_workbooks", "check")
hook(pipeline, "write_report", "finish")
from xltool.cli import main
sys.argv = ["xltool", *sys.argv[1:]]
main()
"""


def _start(src: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", CHILD, "reconcile", str(src), "-o", str(out), "--jobs", "2"]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(faults.ROOT), **env},
        start_new_session=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _no_process_left(group: int) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_second_run_into_a_busy_out_stops_with_a_clear_message(
    batches: tuple[Path, Path, str], tmp_path: Path
) -> None:
    clean, _, _ = batches
    out, flag = tmp_path / "out", tmp_path / "paused"
    first = _start(clean, out, {"XLTOOL_TEST_PAUSE": "check", "XLTOOL_TEST_FLAG": str(flag)})
    try:
        _wait_for(flag, first)
        second = CliRunner().invoke(app, ["reconcile", str(clean), "-o", str(out)])
        assert second.exit_code == 2
        assert second.output.strip() == "错误：" + MSG_BUSY.format(out=out, pid=first.pid)
        assert any(out.glob(".xltool-spool-*")), "the second run touched nothing of the first's"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    again = CliRunner().invoke(app, ["reconcile", str(clean), "-o", str(out)])  # its lock died with it
    assert again.exit_code == 0, again.output


def test_a_stale_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("999999\n", encoding="ascii")
    reconcile(faults.ROOT / "samples", out, jobs=1)
    assert not (out / LOCK_NAME).exists() and (out / "report.json").is_file()


def test_a_lock_held_in_this_process_refuses_a_second_run(tmp_path: Path) -> None:
    with run_lock(tmp_path), pytest.raises(OutputBusy, match=f"进程号 {os.getpid()}"):
        reconcile(faults.ROOT / "samples", tmp_path, jobs=1)
    reconcile(faults.ROOT / "samples", tmp_path, jobs=1)


@pytest.fixture
def no_flock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock as on Windows: no advisory locks, an exclusive lock file with the holder's pid."""
    monkeypatch.setattr(lock, "fcntl", None)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.usefixtures("no_flock")
def test_without_flock_a_live_holder_refuses_a_second_run(tmp_path: Path) -> None:
    with run_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text(encoding="ascii") == f"{os.getpid()}\n"
        with pytest.raises(OutputBusy, match=f"进程号 {os.getpid()}"), run_lock(tmp_path):
            pass
    assert not (tmp_path / LOCK_NAME).exists()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LOCK_NAME).write_text(f"{holder.pid}\n", encoding="ascii")
        with pytest.raises(OutputBusy) as caught:
            reconcile(faults.ROOT / "samples", tmp_path, jobs=1)
        assert str(caught.value) == MSG_BUSY.format(out=tmp_path, pid=holder.pid)
        assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_NAME]  # nothing else touched
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.usefixtures("no_flock")
def test_without_flock_a_dead_runs_lock_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text(f"{_dead_pid()}\n", encoding="ascii")
    reconcile(faults.ROOT / "samples", out, jobs=1)
    assert not (out / LOCK_NAME).exists() and (out / "report.json").is_file()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(LOCK_NAME)) == []


@pytest.mark.usefixtures("no_flock")
def test_without_flock_a_lock_file_being_written_holds_until_it_is_old(tmp_path: Path) -> None:
    path = tmp_path / LOCK_NAME
    path.write_bytes(b"")  # created, its pid not yet written
    with pytest.raises(OutputBusy, match="进程号 未知"), run_lock(tmp_path):
        pass
    old = time.time() - 3600
    os.utime(path, (old, old))  # its writer died before writing
    with run_lock(tmp_path):
        assert path.read_text(encoding="ascii") == f"{os.getpid()}\n"
        path.write_text("12\n", encoding="ascii")  # another run took over meanwhile: its file stays
    assert path.read_text(encoding="ascii") == "12\n"


@pytest.mark.parametrize("phase", ["read", "check"])
def test_ctrl_c_stops_the_workers_with_one_chinese_line(
    batches: tuple[Path, Path, str], tmp_path: Path, phase: str
) -> None:
    clean, _, _ = batches
    out, flag = tmp_path / "out", tmp_path / "paused"
    process = _start(clean, out, {"XLTOOL_TEST_PAUSE": phase, "XLTOOL_TEST_FLAG": str(flag)})
    _wait_for(flag, process)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends Ctrl-C: to every process of the group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.strip() == f"错误：{MSG_INTERRUPTED}" and "Traceback" not in stdout
    assert _no_process_left(process.pid)
    assert not list(out.rglob(".xltool-*")), "no spool, no temporaries, no lock left"
    assert not (out / "report.json").exists()


@pytest.mark.parametrize("phase", ["read", "check", "finish"])
def test_a_kill_at_each_phase_leaves_a_folder_the_next_run_completes(
    batches: tuple[Path, Path, str], tmp_path: Path, phase: str
) -> None:
    clean, _, _ = batches
    out = tmp_path / "out"
    process = _start(clean, out, {"XLTOOL_TEST_KILL_AT": phase})
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    assert not (out / "report.json").exists()
    again = CliRunner().invoke(app, ["reconcile", str(clean), "-o", str(out), "--jobs", "2"])
    assert again.exit_code == 0, again.output
    assert len(faults.report(out)["departments"]) == 5
    assert not list(out.rglob(".xltool-*"))


def test_jobs_are_capped_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["reconcile", str(faults.ROOT / "samples"), "-o", str(tmp_path), "-j", "999"]
    )
    assert result.exit_code == 0
    assert f"已按 {max_jobs()} 个进程运行" in result.output
    assert usable_jobs(999) == max_jobs() == 2 * (os.cpu_count() or 1)


# ---------------------------------------------------------------------------------------------
# Outputs that cannot be written: a full disk, no permission, a link planted in OUT


@pytest.mark.parametrize(
    ("error", "reason"), [(errno.ENOSPC, "磁盘空间不足"), (errno.EACCES, "没有写入权限")]
)
def test_an_unwritable_output_is_failed_once_in_chinese_and_its_stale_file_removed(
    batches: tuple[Path, Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: int,
    reason: str,
) -> None:
    _, poisoned, name = batches
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["reconcile", str(poisoned), "-o", str(out)]).exit_code == 0
    stale = sorted((out / name).glob("*.xlsx"))
    assert len(stale) == 3
    original = scored.write_bytes_atomic

    def refuse(target: Path, data: bytes) -> None:
        if name in str(target):
            raise OSError(error, os.strerror(error), str(target))
        original(target, data)

    monkeypatch.setattr(scored, "write_bytes_atomic", refuse)
    result = CliRunner().invoke(app, ["reconcile", str(poisoned), "-o", str(out), "-j", "2"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and os.strerror(error) not in result.output
    assert [line for line in result.output.splitlines() if reason in line] == [
        f"  {name}/{stale[0].name} 等 3 个文件：评分工作簿未能写出（{reason}）；" + WRITE_REASONS[error][1]
    ]
    assert not any(p.exists() for p in stale)
    scored_status = {
        i["file"]: (i["scored"]["status"], i["scored"]["message"])
        for i in faults.report(out)["inputs"]
        if "scored" in i
    }
    failed = {f for f, (status, _) in scored_status.items() if status == "error"}
    assert failed == {f"{name}/{p.name}" for p in stale}
    assert faults.of_department(faults.report(out), name)[1], "the department is still checked and listed"


def test_a_link_planted_in_out_is_not_followed(batches: tuple[Path, Path, str], tmp_path: Path) -> None:
    clean, _, _ = batches
    name = sorted(p.name for p in clean.iterdir())[0]
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / name).symlink_to(elsewhere, target_is_directory=True)
    result = reconcile(clean, out, jobs=1)
    assert list(elsewhere.iterdir()) == []
    assert len(result.failed) == 3 and all("符号链接" in m for m in result.failed.values())


def _tmpfs(where: Path, size: str) -> bool:
    """Mount a small tmpfs at ``where``; False where this system does not let the test do it."""
    where.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        return False
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]
    return subprocess.run(command, capture_output=True).returncode == 0


@pytest.mark.parametrize("size", ["160k", "300k"])
def test_a_really_full_disk_gives_one_chinese_message_and_no_traceback(
    batches: tuple[Path, Path, str], tmp_path: Path, size: str
) -> None:
    clean, _, _ = batches
    disk = tmp_path / "disk"
    if not _tmpfs(disk, size):
        pytest.skip("cannot mount a small tmpfs here (needs Linux and the right to mount): not tested")
    try:
        result = CliRunner().invoke(app, ["reconcile", str(clean), "-o", str(disk / "out"), "-j", "2"])
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], check=False)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    lines = [line for line in result.output.splitlines() if "磁盘空间不足" in line]
    assert 1 <= len(lines) <= 3, result.output  # once per kind of output, never once per file
