"""Fault injection, the run: a department whose rules or writing break costs only itself."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import faults
import pytest

from xltool.model.records import Finding
from xltool.rules import engine
from xltool.run.boundary import LOG_NAME, MSG_DEPARTMENT_FAILED
from xltool.run.pipeline import reconcile

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
