"""The runs the page knows: one SQLite table of records, one folder per run under the data folder.

A run's folder holds its uploads (``in/``), the outputs of the run (``out/``), the outcome the run's
process leaves behind (``outcome.json``) and, once asked for, the zip of its outputs. SQLite is the
embedded default: nothing to install, one file beside the run folders, safe across restarts.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_ID = re.compile(r"[0-9a-f]{16}\Z")
ACTIVE = ("queued", "running")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    finished REAL,
    status TEXT NOT NULL,
    profile TEXT NOT NULL,
    label TEXT NOT NULL,
    files INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    message TEXT,
    notes TEXT NOT NULL DEFAULT '[]'
)
"""


def default_data_dir() -> Path:
    """The per-user data folder: xltool/serve in %LOCALAPPDATA%, Application Support or ~/.local/share."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "xltool" / "serve"


@dataclass(frozen=True)
class RunRecord:
    """One run as the store keeps it."""

    id: str
    created: float
    status: str
    profile: str
    label: str
    files: int
    bytes: int
    finished: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    message: str | None = None
    notes: tuple[tuple[str, str], ...] = ()  # (uploaded name, why it was not kept)

    def summary(self) -> dict[str, Any]:
        """The record as the JSON API gives it (without progress or report)."""
        return {
            "id": self.id,
            "status": self.status,
            "created": self.created,
            "finished": self.finished,
            "profile": self.profile,
            "label": self.label,
            "files": self.files,
            "bytes": self.bytes,
            "counts": dict(self.counts),
            "message": self.message,
            "notes": [{"name": name, "message": message} for name, message in self.notes],
        }


class Store:
    """Run records in ``DATA/runs.sqlite3`` and run folders in ``DATA/runs/<id>/``."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.runs_dir = data / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(data / "runs.sqlite3", check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a finished run is on disk once recorded
            self._db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            yield self._db.cursor()

    # -- folders

    def new_folder(self) -> tuple[str, Path]:
        """A fresh run id and its (new, empty) folder; no record yet."""
        while True:
            run_id = secrets.token_hex(8)
            folder = self.runs_dir / run_id
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return run_id, folder

    def folder(self, run_id: str) -> Path:
        """The folder of a run (the id is checked, so it never names a path elsewhere)."""
        if not RUN_ID.match(run_id):
            raise KeyError(run_id)
        return self.runs_dir / run_id

    def remove_folder(self, run_id: str) -> None:
        """Delete a run's folder and everything in it."""
        shutil.rmtree(self.folder(run_id), ignore_errors=True)

    # -- records

    def add(self, record: RunRecord) -> None:
        """Record a new run (its uploads are complete)."""
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO runs (id, created, status, profile, label, files, bytes, notes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.created,
                    record.status,
                    record.profile,
                    record.label,
                    record.files,
                    record.bytes,
                    json.dumps(record.notes, ensure_ascii=False),
                ),
            )

    def get(self, run_id: str) -> RunRecord | None:
        """A run's record, or None."""
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _record(row) if row else None

    def records(self) -> list[RunRecord]:
        """Every run, newest first."""
        with self._cursor() as cur:
            rows = cur.execute(f"SELECT {_COLUMNS} FROM runs ORDER BY created DESC").fetchall()
        return [_record(row) for row in rows]

    def set_status(self, run_id: str, status: str) -> None:
        """Mark a run queued or running."""
        with self._cursor() as cur:
            cur.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run_id))

    def finish(
        self,
        run_id: str,
        status: str,
        counts: dict[str, int] | None = None,
        message: str | None = None,
        label: str | None = None,
    ) -> None:
        """Record how a run ended (done or failed)."""
        with self._cursor() as cur:
            cur.execute(
                "UPDATE runs SET status = ?, finished = ?, counts = ?, message = ?,"
                " label = COALESCE(?, label) WHERE id = ?",
                (status, time.time(), json.dumps(counts or {}), message, label, run_id),
            )

    def delete(self, run_id: str) -> bool:
        """Forget a run and delete its folder; whether it existed."""
        with self._cursor() as cur:
            existed = cur.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0
        self.remove_folder(run_id)
        return existed

    def older_than(self, cutoff: float) -> list[str]:
        """Finished runs created before ``cutoff`` (seconds since the epoch)."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id FROM runs WHERE created < ? AND status NOT IN (?, ?)", (cutoff, *ACTIVE)
            ).fetchall()
        return [row[0] for row in rows]

    def orphan_folders(self) -> list[str]:
        """Run folders without a record (an upload interrupted before it was recorded)."""
        with self._cursor() as cur:
            known = {row[0] for row in cur.execute("SELECT id FROM runs").fetchall()}
        return [p.name for p in self.runs_dir.iterdir() if RUN_ID.match(p.name) and p.name not in known]


_COLUMNS = "id, created, status, profile, label, files, bytes, finished, counts, message, notes"


def _record(row: tuple[Any, ...]) -> RunRecord:
    run_id, created, status, profile, label, files, size, finished, counts, message, notes = row
    return RunRecord(
        id=run_id,
        created=created,
        status=status,
        profile=profile,
        label=label,
        files=files,
        bytes=size,
        finished=finished,
        counts=json.loads(counts),
        message=message,
        notes=tuple((str(a), str(b)) for a, b in json.loads(notes)),
    )
