"""Upload names made into paths inside a run's folder: sanitised, relative, never escaping, never clashing.

A name comes from a browser (a file name, or a folder upload's relative path) or from a zip member;
either may hold ``..``, an absolute path, a drive letter, NUL or other control characters, names
Windows reserves, or be too long. What is kept is the relative folder structure, part by part.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_DRIVE = re.compile(r"[A-Za-z]:\Z")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)} | {f"LPT{i}" for i in range(1, 10)}
)
MAX_PART = 120  # characters of one path component
MAX_DEPTH = 12  # folders kept above a file


def safe_relative(name: str) -> PurePosixPath | None:
    """``name`` as a relative path of safe parts (None when nothing usable is left)."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/")
    raw = [part for part in text.split("/") if part]
    if raw and _DRIVE.match(raw[0]):
        raw = raw[1:]
    parts = [p for p in (_safe_part(part) for part in raw) if p]
    if not parts:
        return None
    if len(parts) > MAX_DEPTH + 1:
        parts = [*parts[:MAX_DEPTH], parts[-1]]
    return PurePosixPath(*parts)


def _safe_part(part: str) -> str:
    """One component: no control or reserved characters, no dots-only, not a Windows device name."""
    if part in (".", ".."):
        return ""
    text = _UNSAFE.sub("_", part).strip(" .")  # no hidden names: a folder starting with "." is not read
    if not text or set(text) <= {".", "_", " "}:
        return ""
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    if len(text) > MAX_PART:
        suffix = PurePosixPath(text).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        text = text[: MAX_PART - len(suffix)].rstrip(". ") + suffix
    return text


class Placer:
    """Unique paths under one folder: a clash (letter case ignored, as on Windows) gets `` (2)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: set[str] = set()
        self._folders: set[str] = set()

    def place(self, relative: PurePosixPath) -> Path:
        """A new path under the root for ``relative``; its folders are created."""
        if any(p.as_posix().casefold() in self._files for p in relative.parents):
            relative = PurePosixPath(relative.name)  # a folder of it is a file already: keep the file flat
        candidate = relative
        n = 2
        while self._clashes(candidate):
            candidate = relative.with_name(f"{relative.stem} ({n}){relative.suffix}")
            n += 1
        self._files.add(candidate.as_posix().casefold())
        self._folders.update(p.as_posix().casefold() for p in candidate.parents)
        target = self.root.joinpath(*candidate.parts)
        if self.root.resolve() not in target.resolve().parents:  # belt and braces: the parts are safe
            raise ValueError(f"path outside the run folder: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _clashes(self, candidate: PurePosixPath) -> bool:
        """The name is taken by a file or is a folder of another path."""
        key = candidate.as_posix().casefold()
        return key in self._files or key in self._folders
