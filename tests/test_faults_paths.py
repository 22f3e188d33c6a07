"""Fault injection, paths and names: links, loops, undecodable and long names never end a batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import faults

from xltool.read.folders import MSG_LINK_DANGLING, MSG_LINK_LOOP, readable, walk_inputs
from xltool.run.pipeline import reconcile

SAMPLE = faults.ROOT / "samples" / "桃源县自然资源局"


def _names(root: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    paths, refused = walk_inputs(root)
    return [p.relative_to(root).as_posix() for p in paths], [
        (r.file, r.status, r.message[:6]) for r in refused
    ]


def test_links_are_followed_inside_input_and_refused_when_they_loop_dangle_or_leave(tmp_path: Path) -> None:
    root, outside = tmp_path / "in", tmp_path / "elsewhere"
    (root / "甲局").mkdir(parents=True)
    outside.mkdir()
    (root / "甲局" / "a.xlsx").write_bytes(b"x")
    (outside / "b.xlsx").write_bytes(b"x")
    (root / "乙局").symlink_to(root / "甲局", target_is_directory=True)  # the same folder again
    (root / "甲局" / "回环").symlink_to(root, target_is_directory=True)
    (root / "自指.xlsx").symlink_to(root / "自指.xlsx")
    (root / "失效.xlsx").symlink_to(root / "没有.xlsx")
    (root / "外部.xlsx").symlink_to(outside / "b.xlsx")
    (root / "外部文件夹").symlink_to(outside, target_is_directory=True)
    (root / "丙局").mkdir()
    (root / "丙局" / "链接.xlsx").symlink_to(root / "甲局" / "a.xlsx")
    found, refused = _names(root)
    assert found == ["甲局/a.xlsx"]
    assert refused == [
        ("丙局/链接.xlsx", "skipped", "与“甲局/a"),
        ("乙局", "skipped", "与“甲局”是"),
        ("外部.xlsx", "error", "是指向输入文"),
        ("外部文件夹", "error", "是指向输入文"),
        ("失效.xlsx", "error", MSG_LINK_DANGLING[:6]),
        ("甲局/回环", "error", MSG_LINK_LOOP[:6]),
        ("自指.xlsx", "error", MSG_LINK_LOOP[:6]),
    ]


def test_a_linked_department_folder_inside_input_is_read(tmp_path: Path) -> None:
    root = tmp_path / "in"
    shutil.copytree(SAMPLE, root / ".收件" / "原件")  # a hidden folder is not walked itself
    (root / "桃源县自然资源局").symlink_to(root / ".收件" / "原件", target_is_directory=True)
    (root / "副本").symlink_to(root / ".收件" / "原件", target_is_directory=True)
    found, refused = _names(root)
    assert found == sorted(f"副本/{p.name}" for p in SAMPLE.glob("*.xlsx"))
    assert refused == [("桃源县自然资源局", "skipped", "与“副本”是")]


def test_names_that_are_not_utf8_are_read_and_shown_readably(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    gbk = "附件3 项目支出绩效自评表.xlsx".encode("gbk")
    junk = b"\xff\xfe\xfa.xlsx"
    for name in (gbk, junk):
        shutil.copy(SAMPLE / "附件3 项目支出绩效自评表.xlsx", os.path.join(os.fsencode(root), name))
    assert sorted(readable(os.fsdecode(n)) for n in (gbk, junk)) == [
        "附件3 项目支出绩效自评表.xlsx",
        "\ufffd\ufffd\ufffd.xlsx",
    ]
    os.utime(os.path.join(os.fsencode(root), junk), (1_000_000_000, 1_000_000_000))  # the GBK one is newer
    result = reconcile(root, tmp_path / "out", jobs=1)
    inputs = sorted((i["file"], i["status"]) for i in result.report["inputs"])
    assert [f for f, _ in inputs] == ["附件3 项目支出绩效自评表.xlsx", "\ufffd\ufffd\ufffd.xlsx"]
    # Both read; being two copies of one project, one is kept and the other set aside (cycle.md).
    assert [s for _, s in inputs] == ["ok", "superseded"]
    assert {p.name for p in (tmp_path / "out").glob("*.xlsx")} >= {"附件3 项目支出绩效自评表.xlsx"}


def test_loops_and_escapes_are_listed_by_a_run(tmp_path: Path) -> None:
    root = tmp_path / "in"
    shutil.copytree(SAMPLE, root / "桃源县自然资源局")
    (root / "回环").symlink_to(root, target_is_directory=True)
    (root / "自指.xlsx").symlink_to(root / "自指.xlsx")
    (root / "外部.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    result = reconcile(root, tmp_path / "out", jobs=2)
    statuses = {i["file"]: i["status"] for i in result.report["inputs"]}
    assert statuses == {
        "回环": "error",
        "外部.xlsx": "error",
        "自指.xlsx": "error",
        **{f"桃源县自然资源局/{p.name}": "ok" for p in SAMPLE.glob("*.xlsx")},
        **{f"桃源县自然资源局/{p.name}": "ok" for p in SAMPLE.glob("*.docx")},  # a written report
    }
    assert len(result.report["departments"]) == 1


@pytest.mark.parametrize("depth", [1, 6])
def test_long_names_and_deep_paths(tmp_path: Path, depth: int) -> None:
    root = tmp_path / "in"
    folder = root.joinpath(*(["很长的文件夹名称" * 8] * depth))
    shutil.copytree(SAMPLE, folder)
    long_name = "附件3 项目支出绩效自评表" + "（修订稿）" * 14 + ".xlsx"  # 83 characters, 243 bytes
    (folder / "附件3 项目支出绩效自评表.xlsx").rename(folder / long_name)
    result = reconcile(root, tmp_path / "out", jobs=1)
    assert {i["status"] for i in result.report["inputs"] if i["file"].endswith(".xlsx")} == {"ok"}
    scored = [p for p in (tmp_path / "out").rglob("*.xlsx") if p.name != "审核汇总.xlsx"]
    assert len(scored) == 3 and all(len(p.name.encode()) <= 255 for p in scored)


COLLIDING = (
    "材料:2.xlsx",
    "材料_2.xlsx",
    "\u00e9报告.xlsx",  # NFC
    "e\u0301报告.xlsx",  # NFD
    "a" * 125 + "甲.xlsx",  # differ after 120 characters
    "a" * 125 + "乙.xlsx",
    "长" * 75 + "甲.xlsx",  # differ after 200 bytes
    "长" * 75 + "乙.xlsx",
    "表.xls",
    "表.xlsx",
    "Case.xlsx",
    "case.xlsx",
)


def test_colliding_names_never_share_an_output_across_chunks(tmp_path: Path) -> None:
    project = SAMPLE / "附件3 项目支出绩效自评表.xlsx"
    root = tmp_path / "in"
    (root / "共用").mkdir(parents=True)
    for k, name in enumerate(COLLIDING):
        dept = faults.sample_forms.vary(faults.seed(), 200 + k)
        faults.sample_forms.write_department(tmp_path / "made" / str(k), dept)
        shutil.copy(tmp_path / "made" / str(k) / project.name, root / "共用" / name)
    shutil.copy(project, root / "审核汇总.xlsx")  # the summary's own name, at the top of INPUT
    result = reconcile(root, tmp_path / "out", jobs=2, chunk_departments=1)
    data = result.report
    assert len(data["inputs"]) == len(COLLIDING) + 1
    assert {i["status"] for i in data["inputs"]} == {"ok"}
    outputs: dict[str, set[str]] = {}
    for finding in data["findings"]:
        outputs.setdefault(finding["file"], set()).add(finding["scored"]["file"])
    assert sorted(outputs) == sorted(i["file"] for i in data["inputs"])
    assert all(len(v) == 1 for v in outputs.values())
    assert len({next(iter(v)).casefold() for v in outputs.values()}) == len(outputs)
    written = [p for p in (tmp_path / "out").rglob("*.xlsx")]
    assert len(written) == len(COLLIDING) + 2  # and the summary
    assert "审核汇总.xlsx" not in {next(iter(v)) for v in outputs.values()}
