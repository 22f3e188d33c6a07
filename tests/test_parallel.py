"""Results do not depend on the number of processes or on how departments are chunked."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import sample_forms

from xltool.run.pipeline import reconcile


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("batch")
    seed = sample_forms.taoyuan_2022()
    for i in range(8):
        dept = sample_forms.vary(seed, i + 1)
        sample_forms.write_department(src / dept.name, dept)
    sample_forms.write_department(src / seed.name, seed)
    return src


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_jobs_and_chunks_give_identical_outputs(batch: Path, tmp_path: Path) -> None:
    one = reconcile(batch, tmp_path / "j1", jobs=1)
    two = reconcile(batch, tmp_path / "j2", jobs=2, chunk_departments=3)
    assert one.report == two.report
    files_one, files_two = _files(tmp_path / "j1"), _files(tmp_path / "j2")
    assert sorted(files_one) == sorted(files_two)
    different = [name for name in files_one if files_one[name] != files_two[name]]
    assert different == []
    assert len(one.report["departments"]) == 9
    assert not [p for p in (tmp_path / "j2").rglob("*") if p.name.startswith(".xltool-")]


def test_rerun_replaces_its_outputs_byte_for_byte(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    reconcile(batch, out, jobs=2, chunk_departments=4)
    first = _files(out)
    (out / "用户自己的文件.txt").write_text("保留", encoding="utf-8")
    reconcile(batch, out, jobs=2, chunk_departments=4)
    second = _files(out)
    assert second.pop("用户自己的文件.txt") == "保留".encode()
    assert first == second


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_workbook(batch: Path, tmp_path: Path, jobs: int) -> None:
    """The check phase reports workbooks (not chunks), never goes back and ends at the total."""
    seen: list[tuple[str, int, int]] = []
    reconcile(batch, tmp_path / "out", jobs=jobs, chunk_departments=3, progress=lambda *a: seen.append(a))
    checks = [(done, total) for phase, done, total in seen if phase == "check"]
    workbooks = len(list(batch.rglob("*.xlsx")))
    assert {total for _, total in checks} == {workbooks}
    assert [done for done, _ in checks] == sorted(done for done, _ in checks)
    assert checks[-1] == (workbooks, workbooks)
    if jobs == 1:  # in one process every workbook is reported as it is written
        assert [done for done, _ in checks] == list(range(1, workbooks + 1))
