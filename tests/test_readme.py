"""The README's library examples run as written, in a fresh interpreter, beside a copy of the samples."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def library_examples() -> list[str]:
    """The python code blocks of the README's section 作为库使用, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## 作为库使用\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_library_examples_run_as_written(tmp_path: Path) -> None:
    blocks = library_examples()
    assert len(blocks) == 4
    shutil.copytree(REPO / "samples", tmp_path / "samples")
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "project ok"
    assert lines[1:6] == [
        "旱改水项目 project ok ",
        "矿山生态修复 project ok ",
        "废弃矿硐封堵 project ok ",
        "地质灾害应急治理 project ok ",
        lines[5],
    ]
    assert lines[5].startswith("填表说明 None skipped 未识别为附件1/2/3表格")
    assert "桃源县自然资源局 92.53 优" in lines
    assert "   2021年度旱改水项目 98.26 0.826" in lines
    assert lines[-1] == "输入路径不存在：不存在的文件夹。请检查路径后重试。"
    assert (tmp_path / "审核结果" / "report.json").is_file()
    written = sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.iterdir())
    assert written == ["samples", "审核结果"]  # read and check wrote nothing


def test_every_file_the_readme_points_to_exists() -> None:
    """Pictures and relative links in the README name files of the repository."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t and not t.startswith("#")]
    assert any(t.startswith("docs/") for t in targets)
    missing = [t for t in targets if not (root / t.split("#")[0]).exists()]
    assert not missing, missing
