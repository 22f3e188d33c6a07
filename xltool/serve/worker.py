"""A run's own process: the library's reconcile over the uploads, progress shared with the server.

A run gets a process of its own so that nothing it reads can take the server down, so that it can be
stopped (deleted, or over its time), and so that the library's own worker processes are forked from
a single-threaded process rather than from the threaded server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

# Imported once by the fork server (where there is one), so that each run starts warm.
PRELOAD = [
    "xltool.api",
    "xltool.run.pipeline",
    "xltool.read.reader",
    "xltool.rules.checks",
    "xltool.rules.results",
    "xltool.write.scored",
    "xltool.write.summary",
    "python_calamine",
    "xltool.serve.worker",
]
OUTCOME = "outcome.json"
PHASES = {"read": 1.0, "check": 2.0}
PHASE_NAMES = {0.0: "start", 1.0: "read", 2.0: "check"}

MSG_INTERNAL = "审核过程中出现内部错误，未能完成；请重新上传。若反复出现，请把这批文件和出错时间告诉管理员"

log = logging.getLogger(__name__)


def run_job(folder: str, profile: str, jobs: int, progress: Any) -> None:
    """Reconcile ``RUN/in`` into ``RUN/out`` and leave ``RUN/outcome.json`` saying how it ended."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()  # this run and the workers it forks can be stopped together
    from xltool import XltoolError, reconcile
    from xltool.write.atomic import write_json_atomic
    from xltool.write.names import SUMMARY_NAME

    def notify(phase: str, done: int, total: int) -> None:
        progress[0], progress[1], progress[2] = PHASES.get(phase, 0.0), float(done), float(total)

    run = Path(folder)
    try:
        result = reconcile(run / "in", run / "out", profile=profile, jobs=jobs, progress=notify)
        outcome: dict[str, Any] = {
            "status": "done",
            "counts": result.counts(),
            "label": _label(run / "out" / "report.json"),
            "summary_file": SUMMARY_NAME if (run / "out" / SUMMARY_NAME).is_file() else None,
        }
    except XltoolError as exc:  # an invalid profile: the library's message says what to do
        outcome = {"status": "failed", "message": str(exc)}
    except Exception:
        log.exception("run failed: %s", folder)
        outcome = {"status": "failed", "message": MSG_INTERNAL}
    write_json_atomic(run / OUTCOME, outcome)


def read_outcome(folder: Path) -> dict[str, Any] | None:
    """The outcome a run's process left, or None (it has not finished, or died first)."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((folder / OUTCOME).read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("status") in ("done", "failed"):
            return data
    return None


def _label(report: Path) -> str | None:
    """The run's departments as a short name: 桃源县自然资源局, or 甲局 等12个部门."""
    with contextlib.suppress(OSError, ValueError):
        with open(report, encoding="utf-8") as fh:
            names = [d.get("name") or "" for d in json.load(fh).get("departments", [])]
        names = [n for n in names if n]
        if len(names) == 1:
            return names[0]
        if names:
            return f"{names[0]} 等{len(names)}个部门"
    return None
