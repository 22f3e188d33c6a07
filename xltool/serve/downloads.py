"""What the page offers for download: the whole OUT as one zip, a department's files, one file."""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from xltool.write.atomic import output_path

WHOLE_ZIP = "results.zip"
_COMPRESSED = frozenset({".xlsx", ".xlsm", ".docx", ".zip", ".png"})  # stored as they are


def attachment(filename: str) -> str:
    """A Content-Disposition header for a download with a Chinese name (RFC 6266 ``filename*``)."""
    ascii_name = filename.encode("ascii", errors="replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def whole_zip(folder: Path) -> Path:
    """RUN/results.zip, made on first request: every file of OUT at its relative path."""
    target = folder / WHOLE_ZIP
    if target.exists():
        return target
    out = folder / "out"
    tmp = folder / f".{WHOLE_ZIP}.{os.getpid()}.{id(target)}.part"
    try:
        _write_zip(tmp, ((path, path.relative_to(out).as_posix()) for path in _out_files(out)))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def department_zip(folder: Path, department: str) -> bytes | None:
    """A zip of one department's scored workbooks, annotated reports and 审核意见书 (None: no such one)."""
    out = folder / "out"
    report = _report(out)
    if report is None:
        return None
    match = next((d for d in report.get("departments", []) if d.get("name") == department), None)
    if match is None:
        return None
    # Where each input's scored copy is: report.json's inputs say; older reports only their findings.
    scored = {f["file"]: f["scored"]["file"] for f in report.get("findings", []) if f.get("scored")}
    reports = []
    for item in report.get("inputs", []):
        copy = item.get("scored") or item.get("annotated") or {}
        if copy.get("status") == "ok" and isinstance(copy.get("file"), str):
            scored[item["file"]] = copy["file"]
            if item.get("kind") == "report" and item.get("department") == department:
                reports.append(item["file"])
    files: dict[Path, str] = {}
    for source in [*_department_files(match), *reports]:
        path = out / scored[source] if source in scored else output_path(out, source, ".xlsx")
        if path.is_file():
            files[path] = path.relative_to(out).as_posix()
    letter = out_file(folder, match["letter"]) if isinstance(match.get("letter"), str) else None
    if letter is not None:
        files[letter] = match["letter"]
    buffer = io.BytesIO()
    _write_zip(buffer, files.items())
    return buffer.getvalue()


def out_file(folder: Path, relative: str) -> Path | None:
    """A file of OUT named by its relative path (None when it is not one, or lies outside OUT)."""
    out = (folder / "out").resolve()
    with contextlib.suppress(OSError, ValueError):
        path = (out / relative).resolve()
        if out in path.parents and path.is_file() and not path.name.startswith("."):
            return path
    return None


def _department_files(department: dict[str, Any]) -> list[str]:
    """The input files (relative to IN) a department's forms were read from, in form order."""
    files = [
        (department.get("basic_data") or {}).get("file"),
        (department.get("department_table") or {}).get("file"),
        *(project.get("file") for project in department.get("projects") or []),
    ]
    return list(dict.fromkeys(f for f in files if isinstance(f, str)))


def _report(out: Path) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        with open(out / "report.json", encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else None
    return None


def _out_files(out: Path) -> list[Path]:
    """OUT's files, sorted, without hidden temporaries."""
    found: list[Path] = []
    for root, dirs, files in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root, name) for name in sorted(files) if not name.startswith("."))
    return found


def _write_zip(target: Path | io.BytesIO, files: Iterable[tuple[Path, str]]) -> None:
    """A zip of ``files`` (path, name in the zip); names are flagged UTF-8, read right by Windows."""
    with zipfile.ZipFile(target, "w") as zf:
        for path, name in files:
            method = zipfile.ZIP_STORED if path.suffix.lower() in _COMPRESSED else zipfile.ZIP_DEFLATED
            zf.write(path, name, compress_type=method)
